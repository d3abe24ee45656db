"""FreeSWITCH event socket: pure framing (parser), typed commands, inbound client, outbound-socket server."""

from robot.esl.connection import EslClient
from robot.esl.outbound import OutboundServer, OutboundSession
from robot.esl.parser import EslEvent, EslMessage, EslParser, parse_event
from robot.esl.routing import DEFAULT_EVENTS, CallEvents

__all__ = [
    "DEFAULT_EVENTS",
    "CallEvents",
    "EslClient",
    "EslEvent",
    "EslMessage",
    "EslParser",
    "OutboundServer",
    "OutboundSession",
    "parse_event",
]
