"""The exception tree of robot.

RobotError                  base of every error robot raises on purpose
├── ConfigError             bad settings, config file, scenario, keyword file, contacts CSV (says file/line/field)
├── EslError                anything on the event socket
│   ├── EslProtocolError    bytes that are not valid ESL framing
│   ├── EslAuthError        FreeSWITCH refused the password
│   ├── EslConnectionError  the socket closed or could not be opened; in-flight requests fail with it
│   ├── EslTimeoutError     no reply within the request timeout
│   └── EslCommandError     FreeSWITCH answered -ERR (the reply text is kept)
├── DialTargetError         a phone number / dial string / variable that could inject into a command
├── MediaError              audio stream problems (bad frames, unknown call)
├── AsrError                model loading or inference failure
└── StoreError              campaign store problems
"""

from __future__ import annotations


class RobotError(Exception):
    """Base class of every error robot raises on purpose."""


class ConfigError(RobotError):
    """Invalid configuration or input file; the message names the file, line and field."""


class EslError(RobotError):
    """Event-socket failure."""


class EslProtocolError(EslError):
    """Bytes that do not follow ESL framing."""


class EslAuthError(EslError):
    """FreeSWITCH refused the ESL password."""


class EslConnectionError(EslError):
    """The ESL socket could not be opened or was lost."""


class EslTimeoutError(EslError):
    """No reply came within the request timeout."""


class EslCommandError(EslError):
    """FreeSWITCH answered -ERR; `reply` is the text it sent."""

    def __init__(self, command: str, reply: str) -> None:
        super().__init__(f"{command!r} failed: {reply}")
        self.command = command
        self.reply = reply


class DialTargetError(RobotError):
    """A dial target or channel variable that is not safe to put into a command."""


class MediaError(RobotError):
    """Audio stream problem."""


class AsrError(RobotError):
    """Speech-recognition model or inference failure."""


class StoreError(RobotError):
    """Campaign store failure."""


class AttemptNotInFlight(StoreError):
    """The attempt was already closed, e.g. by another worker that took over the call after this one's lease
    lapsed: the call's outcome must not be recorded over it."""
