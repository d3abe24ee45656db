"""Typed, validated builders for the FreeSWITCH api commands robot sends.

Why whitelists and not escaping: FreeSWITCH parses `{a=b,c=d}` in `switch_event_create_brackets`, where a
value may be wrapped in single quotes, `\\,` escapes a comma, a leading `^^X` switches the delimiter to `X`,
and `[..]` / `<..>` / `|` / `:_:` / `,` in the dial string open other legs or channel sets. The api layer
then splits arguments on spaces, `uuid_broadcast` turns `app::arg` into an application call, and an ESL
command ends at a line break. Escaping rules differ at each of these layers, so every builder accepts only
characters that are inert in all of them and raises DialTargetError (naming the field and the reason) for
anything else. Builders return the api argument text (`uuid_kill <uuid> NORMAL_CLEARING`), without `api`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from robot.errors import DialTargetError

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_VAR_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
# Inert in `{..}` (no , ' \ ^ { } [ ] < > = | : space), in the api line (no space/control) and in `${..}` (no $).
_VAR_VALUE = re.compile(r"[A-Za-z0-9_.@+/-]{0,256}")
_NUMBER = re.compile(r"\+?[0-9]{2,16}")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_EXTENSION = re.compile(r"[A-Za-z0-9_+*#.-]{1,64}")
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:[0-9]{1,5})?")
_CAUSE = re.compile(r"[A-Z][A-Z0-9_]{1,63}")
_APP_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
# An originate application: `&app(args)` with plain args, e.g. `&park()`, `&playback(/path/file.wav)`.
_ORIGINATE_APP = re.compile(r"&[a-z][a-z0-9_]{0,63}\([A-Za-z0-9_./@+-]{0,256}\)")
_PATH = re.compile(r"(/|tone_stream://|silence_stream://)[A-Za-z0-9_./@%(),=+~:-]{0,1024}")
_WS_URL = re.compile(r"wss?://[A-Za-z0-9._~:/?#@!&*+,;=%-]{1,2048}")
_METADATA_MAX = 4096

StreamRate = Literal[8000, 16000]


def _fail(field: str, value: str, why: str) -> DialTargetError:
    shown = value if len(value) <= 80 else value[:77] + "..."
    return DialTargetError(f"{field}: {why} (got {shown!r})")


def check_uuid(value: str, field: str = "uuid") -> str:
    if not _UUID.fullmatch(value):
        raise _fail(field, value, "not a UUID (8-4-4-4-12 hex digits)")
    return value.lower()


def check_var_name(name: str, field: str = "variable name") -> str:
    if not _VAR_NAME.fullmatch(name):
        raise _fail(field, name, "a channel variable name is 1-64 of [A-Za-z0-9_]")
    return name


def check_var_value(name: str, value: str) -> str:
    if not _VAR_VALUE.fullmatch(value):
        raise _fail(
            f"variable {name!r}",
            value,
            "a dial-string value is at most 256 of [A-Za-z0-9_.@+/-] (no , ' \\ ^ { } [ ] < > = | : $ or space)",
        )
    return value


def check_number(number: str, field: str = "number") -> str:
    if not _NUMBER.fullmatch(number):
        raise _fail(field, number, "a phone number is an optional '+' then 2-16 digits (E.164, no spaces)")
    return number


def check_cause(cause: str) -> str:
    if not _CAUSE.fullmatch(cause):
        raise _fail("hangup cause", cause, "a cause is an upper-case FreeSWITCH name such as NORMAL_CLEARING")
    return cause


def check_dial_target(target: str) -> str:
    """Accept loopback/<ext>/<context>, sofia/gateway/<gw>/<number>, sofia/<profile>/<user>@<host>, user/<ext>."""
    parts = target.split("/")
    kind = parts[0]
    if kind == "loopback" and len(parts) == 3:
        if _EXTENSION.fullmatch(parts[1]) and _TOKEN.fullmatch(parts[2]):
            return target
        raise _fail("dial target", target, "loopback/<extension>/<context> with plain names")
    if kind == "sofia" and len(parts) == 4 and parts[1] == "gateway":
        if not _TOKEN.fullmatch(parts[2]):
            raise _fail(
                "dial target", target, "gateway name must be 1-64 of [A-Za-z0-9_.-], starting with a letter or digit"
            )
        check_number(parts[3], "dial target number")
        return target
    if kind == "sofia" and len(parts) == 3:
        user, at, host = parts[2].removeprefix("sip:").partition("@")
        if _TOKEN.fullmatch(parts[1]) and at and _EXTENSION.fullmatch(user) and _HOST.fullmatch(host):
            return target
        raise _fail("dial target", target, "sofia/<profile>/<user>@<host>[:port] with plain names, no parameters")
    if kind == "user" and len(parts) == 2:
        user, at, domain = parts[1].partition("@")
        if _EXTENSION.fullmatch(user) and (not at or _HOST.fullmatch(domain)):
            return target
        raise _fail("dial target", target, "user/<extension>[@<domain>] with plain names")
    raise _fail(
        "dial target",
        target,
        "allowed: loopback/<ext>/<context>, sofia/gateway/<gw>/<number>, sofia/<profile>/<uri>, user/<ext>",
    )


def dial_target_for(template: str, number: str) -> str:
    """Fill a dial template such as `sofia/gateway/operator/{number}` with a validated number."""
    if template.count("{number}") != 1:
        raise _fail("dial template", template, "must contain {number} exactly once")
    return check_dial_target(template.replace("{number}", check_number(number)))


def originate(
    target: str,
    uuid: str,
    variables: Mapping[str, str] | None = None,
    app: str = "&park()",
    timeout_s: int | None = None,
    max_call_s: int | None = None,
) -> str:
    """`originate {origination_uuid=<uuid>,k=v,...}<target> <app>`; timeout_s sets originate_timeout.

    `max_call_s` adds `execute_on_answer='sched_hangup +N ALLOTTED_TIMEOUT'`: FreeSWITCH itself ends the call N s
    after the answer, whatever happens to the robot (single quotes keep the spaces inside the `{}` value)."""
    pairs = [f"origination_uuid={check_uuid(uuid, 'origination_uuid')}"]
    if timeout_s is not None:
        if not 1 <= timeout_s <= 3600:
            raise _fail("originate timeout", str(timeout_s), "must be 1-3600 seconds")
        pairs.append(f"originate_timeout={timeout_s}")
    if max_call_s is not None:
        if not 1 <= max_call_s <= 86400:
            raise _fail("maximum call length", str(max_call_s), "must be 1-86400 seconds")
        pairs.append(f"execute_on_answer='sched_hangup +{max_call_s} ALLOTTED_TIMEOUT'")
    for name, value in (variables or {}).items():
        check_var_name(name)
        if name in ("origination_uuid", "originate_timeout", "execute_on_answer"):
            raise _fail("variable name", name, "is set by the builder itself")
        pairs.append(f"{name}={check_var_value(name, value)}")
    if not _ORIGINATE_APP.fullmatch(app):
        raise _fail("originate application", app, "must look like &app(args) with plain args, e.g. &park()")
    return f"originate {{{','.join(pairs)}}}{check_dial_target(target)} {app}"


def audio_stream_start(uuid: str, url: str, rate: StreamRate = 16000, metadata: str = "") -> str:
    """`uuid_audio_stream <uuid> start <url> mono <8k|16k> [metadata]` (mono = what the callee says)."""
    if not _WS_URL.fullmatch(url):
        raise _fail("audio stream url", url, "must be ws:// or wss:// without spaces, quotes, $ or control characters")
    if rate not in (8000, 16000):
        raise _fail("audio stream rate", str(rate), "must be 8000 or 16000")
    line = f"uuid_audio_stream {check_uuid(uuid)} start {url} mono {rate // 1000}k"
    if metadata:
        if len(metadata) > _METADATA_MAX or any(ch.isspace() or not ch.isprintable() or ch == "$" for ch in metadata):
            raise _fail("audio stream metadata", metadata, "must be printable, without spaces or $, <= 4096 chars")
        line += f" {metadata}"
    return line


def audio_stream_stop(uuid: str) -> str:
    return f"uuid_audio_stream {check_uuid(uuid)} stop"


def broadcast(uuid: str, path: str, leg: Literal["aleg", "bleg", "both"] = "aleg") -> str:
    """`uuid_broadcast <uuid> <path> aleg`: play a file (absolute path or tone_stream://) to a leg."""
    if not _PATH.fullmatch(path) or "::" in path or ".." in path.split("/"):
        raise _fail("playback path", path, "must be an absolute path or tone_stream:// with plain characters")
    if leg not in ("aleg", "bleg", "both"):
        raise _fail("broadcast leg", leg, "must be aleg, bleg or both")
    return f"uuid_broadcast {check_uuid(uuid)} {path} {leg}"


def break_all(uuid: str) -> str:
    return f"uuid_break {check_uuid(uuid)} all"


def fileman(uuid: str, command: Literal["pause"]) -> str:
    """`uuid_fileman <uuid> pause`: toggle pause of the file the channel plays (resumes from the same sample)."""
    if command != "pause":
        raise _fail("fileman command", command, "must be pause")
    return f"uuid_fileman {check_uuid(uuid)} {command}"


def kill(uuid: str, cause: str | None = None) -> str:
    line = f"uuid_kill {check_uuid(uuid)}"
    return f"{line} {check_cause(cause)}" if cause else line


def setvar(uuid: str, name: str, value: str) -> str:
    if len(value) > 1024 or any(not ch.isprintable() or ch == "$" for ch in value) or value != value.strip():
        raise _fail(f"variable {name!r}", value, "must be printable, no $, no leading/trailing space, <= 1024 chars")
    return f"uuid_setvar {check_uuid(uuid)} {check_var_name(name)} {value}".rstrip()


def getvar(uuid: str, name: str) -> str:
    return f"uuid_getvar {check_uuid(uuid)} {check_var_name(name)}"


def transfer(uuid: str, destination: str, context: str = "default", dialplan: str = "XML") -> str:
    if not _EXTENSION.fullmatch(destination):
        raise _fail("transfer destination", destination, "must be 1-64 of [A-Za-z0-9_+*#.-]")
    if not _TOKEN.fullmatch(context):
        raise _fail("transfer context", context, "must be 1-64 of [A-Za-z0-9_.-], starting with a letter or digit")
    if not _TOKEN.fullmatch(dialplan):
        raise _fail("transfer dialplan", dialplan, "must be 1-64 of [A-Za-z0-9_.-], starting with a letter or digit")
    return f"uuid_transfer {check_uuid(uuid)} {destination} {dialplan} {context}"


def check_app_name(app: str) -> str:
    """A dialplan application name for outbound `sendmsg` execute."""
    if not _APP_NAME.fullmatch(app):
        raise _fail("application name", app, "must be 1-64 of [a-z0-9_] starting with a letter")
    return app


def check_app_arg(arg: str) -> str:
    """An execute-app-arg header value: one line, printable."""
    if len(arg) > 4096 or any(not ch.isprintable() for ch in arg):
        raise _fail("application argument", arg, "must be one printable line of at most 4096 characters")
    return arg
