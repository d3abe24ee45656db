"""Event rendering, subscriptions, originate variables and api error texts of the simulator (no sockets)."""

from __future__ import annotations

import pytest

from robot.clock import ManualClock
from robot.esl.parser import EslParser, encode_disconnect_notice, parse_event
from robot.settings import SimSettings
from robot.sim.api import parse_originate_vars
from robot.sim.bus import SimEvent, Subscription
from robot.sim.channel import EventSequence, core_headers, make_loopback_legs
from robot.sim.server import SimServer

pytestmark = pytest.mark.unit


def test_custom_event_plain_has_subclass_first_and_encoded_values() -> None:
    a, _ = make_loopback_legs("e061cddd-eac5-4cc6-825c-e4b981b79802", "human", [("robot_campaign", "c 1")], 1e9, 5)
    headers = core_headers("CUSTOM", 1e9, EventSequence(), "mod_audio_stream::connect") + a.channel_headers()
    raw = SimEvent("CUSTOM", headers, '{"status":"connected"}', "mod_audio_stream::connect").encode("plain")
    assert (
        raw.startswith(b"Content-Length: ")
        and b"Event-Subclass: mod_audio_stream%3A%3Aconnect\nEvent-Name: CUSTOM" in raw
    )
    assert b"variable_robot_campaign: c%201" in raw
    [msg] = EslParser().feed(raw)
    event = parse_event(msg)
    assert event.body == '{"status":"connected"}' and event.variable("robot_campaign") == "c 1"
    assert event.variable("other_loopback_leg_uuid") and event.get("Channel-Name") == "loopback/human-a"


def test_hangup_complete_carries_cause_q850_billsec() -> None:
    a, b = make_loopback_legs("e061cddd-eac5-4cc6-825c-e4b981b79802", "busy", [], 1e9, 5)
    b.hangup_wall, b.hangup_cause = 1e9 + 0.02, "USER_BUSY"
    b.set_cdr_variables()
    names = dict(b.channel_headers())
    assert next(iter(dict(b.channel_headers()))) == "Hangup-Cause"
    assert names["variable_hangup_cause_q850"] == "17" and names["variable_billsec"] == "0"
    assert names["Answer-State"] == "hangup" and names["variable_other_loopback_leg_uuid"] == a.uuid


def test_subscriptions_add_and_custom_subclasses() -> None:
    sub = Subscription()
    sub.add("plain", ["CHANNEL_ANSWER"])
    sub.add("plain", ["CUSTOM", "mod_audio_stream::connect"])
    assert sub.wants(SimEvent("CHANNEL_ANSWER", []))
    assert sub.wants(SimEvent("CUSTOM", [], subclass="mod_audio_stream::connect"))
    assert not sub.wants(SimEvent("CUSTOM", [], subclass="mod_audio_stream::json"))
    assert not sub.wants(SimEvent("BACKGROUND_JOB", []))
    sub.add("json", ["ALL"])
    assert sub.wants(SimEvent("BACKGROUND_JOB", [])) and sub.format == "json"


def test_originate_vars_keep_quoted_commas() -> None:
    assert parse_originate_vars("origination_uuid=x,a='1,2',b=3") == {"origination_uuid": "x", "a": "1,2", "b": "3"}


def test_linger_notice_has_content_length_zero() -> None:
    raw = encode_disconnect_notice([("Content-Disposition", "linger")], "")
    assert raw == b"Content-Type: text/disconnect-notice\nContent-Disposition: linger\nContent-Length: 0\n\n"


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("nosuchcommand", "-ERR nosuchcommand Command not found!\n"),
        ("uuid_kill 00000000-0000-4000-8000-000000000000", "-ERR No such channel!\n"),
        ("uuid_getvar 00000000-0000-4000-8000-000000000000 robot_campaign", "-ERR No such channel!\n"),
        ("uuid_audio_stream 00000000-0000-4000-8000-000000000000 start ws://x mono 16k", "-ERR Operation Failed\n"),
        ("uuid_break", "-USAGE: <uuid> [all]\n"),
        (
            "uuid_audio_stream",
            "-USAGE: <uuid> [start | stop | send_text | pause | resume | graceful-shutdown ] "
            "[wss-url | path] [mono | mixed | stereo] [8000 | 16000] [metadata]\n",
        ),
    ],
)
async def test_api_error_texts(line: str, reply: str) -> None:
    server = SimServer(SimSettings(port=0), clock=ManualClock())
    assert await server.api.execute(line) == reply


def test_gateway_numbers_map_to_scripts() -> None:
    server = SimServer(SimSettings(port=0))
    assert server.script_for("sofia/gateway/gw1/+33612345607")[0] == "busy"
    assert server.script_for("sofia/gateway/gw1/machine")[0] == "machine"
    assert server.script_for("sofia/gateway/gw1/+33612345699")[0] == "human"
    assert server.script_for("loopback/nosuchextension/default") == ("nosuchextension", None)
