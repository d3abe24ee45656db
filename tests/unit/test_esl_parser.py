"""robot.esl.parser against every real FreeSWITCH capture (framing, decoding, encoding round-trips)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robot.errors import EslProtocolError
from robot.esl.parser import (
    DISCONNECT_GOODBYE,
    EslCommandParser,
    EslMessage,
    EslParser,
    encode_api_response,
    encode_command,
    encode_command_reply,
    encode_disconnect_notice,
    encode_event_json,
    encode_event_plain,
    is_event,
    parse_event,
)
from tests.conftest import FIXTURES

pytestmark = pytest.mark.unit

CAPTURES = sorted(
    p.name for p in FIXTURES.glob("*.raw") if not p.name.startswith("ws_") and not p.name.endswith("_sent.raw")
)
HUMAN_UUID = "e061cddd-eac5-4cc6-825c-e4b981b79802"


def timeline(name: str) -> dict[str, Any]:
    stem = name.removesuffix("_received.raw").removesuffix(".raw")
    data: dict[str, Any] = json.loads((FIXTURES / f"{stem}.timeline.json").read_text())
    return data


def parse_all(name: str) -> list[EslMessage]:
    parser = EslParser()
    messages = parser.feed((FIXTURES / name).read_bytes())
    assert parser.buffered == 0, f"{name}: bytes left over"
    return messages


def events_of(name: str) -> list[Any]:
    return [parse_event(m) for m in parse_all(name) if is_event(m)]


def test_all_captures_are_covered() -> None:
    assert len(CAPTURES) == 13


@pytest.mark.parametrize("name", CAPTURES)
def test_capture_parses_to_the_last_byte_at_the_recorded_boundaries(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    index = timeline(name)["messages"]
    messages = parse_all(name)
    assert len(messages) == len(index)
    assert sum(item["len"] for item in index) == len(data)
    for item, message in zip(index, messages, strict=True):
        one = EslParser()
        alone = one.feed(data[item["offset"] : item["offset"] + item["len"]])
        assert alone == [message] and one.buffered == 0  # exactly this slice is exactly this message
        assert message.content_type == item["content_type"]
        if "reply_text" in item:
            assert message.reply_text == item["reply_text"].replace("%2BOK%0A", "+OK\n")
        if is_event(message):
            event = parse_event(message)
            assert event.name == item.get("Event-Name", event.name)
            assert event.unique_id == item.get("Unique-ID", event.unique_id)


def test_background_job_bodies() -> None:
    human = [e for e in events_of("inbound_human_call.raw") if e.name == "BACKGROUND_JOB"]
    assert [e.body for e in human] == [f"+OK {HUMAN_UUID}\n"]
    assert human[0].job_uuid == "d586b339-9789-4a68-af93-8b8d7884196b"
    assert human[0].get("Job-Command") == "originate"
    assert human[0].get("Job-Command-Arg") == (
        f"{{origination_uuid={HUMAN_UUID},robot_campaign=c1,robot_contact=42}}loopback/human/default &park()"
    )
    busy = [e for e in events_of("inbound_busy.raw") if e.name == "BACKGROUND_JOB"]
    assert [e.body for e in busy] == ["-ERR USER_BUSY\n"]
    basic = [e.body for e in events_of("inbound_basic.raw") if e.name == "BACKGROUND_JOB"]
    assert basic[1] == "-ERR nosuchcommand Command not found!\n"


def test_plain_headers_are_url_decoded() -> None:
    answer = events_of("inbound_human_call.raw")[0]
    assert answer.name == "CHANNEL_ANSWER" and answer.unique_id == HUMAN_UUID
    assert answer.get("Event-Date-Local").count(":") == 2 and " " in answer.get("Event-Date-Local")
    assert answer.get("FreeSWITCH-IPv6") == "fd00::2"
    assert answer.get("Caller-Callee-ID-Name") == "Outbound Call"
    assert answer.variable("robot_campaign") == "c1" and answer.variable("robot_contact") == "42"
    assert all("%3A" not in v and "%20" not in v for v in answer.headers.values())


def test_custom_events_subclass_before_name_plain_and_json() -> None:
    for name in ("inbound_human_call.raw", "inbound_human_call_json.raw"):
        custom = [e for e in events_of(name) if e.name == "CUSTOM"]
        assert custom, name
        for event in custom:
            keys = list(event.headers)
            assert keys.index("Event-Subclass") < keys.index("Event-Name")
        assert custom[0].subclass == "mod_audio_stream::connect"
        assert custom[0].body == '{"status":"connected"}'


def test_event_json_body_and_values() -> None:
    events = events_of("inbound_human_call_json.raw")
    assert {e.raw_format for e in events} == {"json"}
    connect = next(e for e in events if e.subclass == "mod_audio_stream::connect")
    assert "_body" not in connect.headers and connect.get("Content-Length") == str(len(connect.body))
    job = next(e for e in events if e.name == "BACKGROUND_JOB")
    assert job.body == "+OK 0f788ff1-8cf7-458a-818d-e6d796b1690a\n"


def test_disconnect_notices() -> None:
    notice = parse_all("inbound_auth_fail.raw")[-1]
    assert notice.content_type == "text/disconnect-notice"
    assert len(notice.body) == 67 and notice.body_text == DISCONNECT_GOODBYE
    linger, _bye, final = parse_all("outbound_handoff_received.raw")[-3:]
    assert linger.headers["Content-Disposition"] == "linger" and linger.body == b""
    assert final.headers["Content-Disposition"] == "disconnect" and final.body_text == DISCONNECT_GOODBYE


def test_outbound_connect_reply_is_header_only_channel_data() -> None:
    reply = parse_all("outbound_handoff_received.raw")[0]
    assert "Content-Length" not in reply.headers and reply.body == b""
    assert next(iter(reply.headers)) == "Event-Name" and reply.headers["Event-Name"] == "CHANNEL_DATA"
    assert reply.content_type == "command/reply" and reply.reply_text == "+OK\n"
    assert reply.headers["Socket-Mode"] == "async" and reply.headers["Control"] == "full"
    assert reply.headers["variable_robot_contact"] == "45"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(CAPTURES),
    cuts=st.lists(st.floats(min_value=0, max_value=1, allow_nan=False), max_size=40),
)
def test_any_split_gives_the_same_messages(name: str, cuts: list[float]) -> None:
    data = (FIXTURES / name).read_bytes()
    points = sorted({int(c * len(data)) for c in cuts})
    parser = EslParser()
    got: list[EslMessage] = []
    start = 0
    for point in [*points, len(data)]:
        got.extend(parser.feed(data[start:point]))
        start = point
    assert got == parse_all(name) and parser.buffered == 0


@given(st.integers(min_value=1, max_value=7))
def test_small_chunks_equal_whole(step: int) -> None:
    data = (FIXTURES / "inbound_basic.raw").read_bytes()
    parser = EslParser()
    got = [m for i in range(0, len(data), step) for m in parser.feed(data[i : i + step])]
    assert got == parse_all("inbound_basic.raw")


@pytest.mark.parametrize("name", CAPTURES)
def test_encode_event_plain_round_trip(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    exact = 0
    for item in timeline(name)["messages"]:
        if item["content_type"] != "text/event-plain":
            continue
        raw = data[item["offset"] : item["offset"] + item["len"]]
        event = parse_event(EslParser().feed(raw)[0])
        items = [(k, v) for k, v in event.headers.items() if k != "Content-Length"]
        encoded = encode_event_plain(items, event.body)
        assert parse_event(EslParser().feed(encoded)[0]) == event
        inner_names = [line.split(b":", 1)[0] for line in raw.split(b"\n\n", 2)[1].split(b"\n")]
        if len(inner_names) == len(set(inner_names)):  # FreeSWITCH repeats some headers (Hangup-Cause)
            assert encoded == raw  # same bytes, same URL-encoding choices
            exact += 1
    if name.startswith("inbound_basic"):
        assert exact == 2


def test_encode_other_messages_round_trip() -> None:
    event_json = encode_event_json([("Event-Name", "BACKGROUND_JOB"), ("Job-UUID", "x y")], "+OK 1\n")
    parsed = parse_event(EslParser().feed(event_json)[0])
    assert parsed.name == "BACKGROUND_JOB" and parsed.body == "+OK 1\n" and parsed.job_uuid == "x y"
    stream = (
        encode_command_reply("+OK accepted")
        + encode_api_response("+OK\n")
        + encode_disconnect_notice()
        + encode_command_reply("+OK Job-UUID: j1", [("Job-UUID", "j1")])
    )
    reply, api, notice, job = EslParser().feed(stream)
    assert reply.reply_text == "+OK accepted" and api.body_text == "+OK\n"
    assert notice.body_text == DISCONNECT_GOODBYE and job.headers["Job-UUID"] == "j1"
    assert (FIXTURES / "inbound_auth_fail.raw").read_bytes().endswith(encode_disconnect_notice())


@pytest.mark.parametrize("name", [*sorted(p.name for p in FIXTURES.glob("*.sent")), "outbound_handoff_sent.raw"])
def test_command_parser_on_sent_files(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    parser = EslCommandParser()
    commands = parser.feed(data)
    stem = name.removesuffix("_sent.raw").removesuffix(".sent")
    sent = [item for item in timeline(stem)["io"] if item["dir"] == "tx"]
    assert [c.line for c in commands] == [item["text"].split("\n", 1)[0] for item in sent]
    assert b"".join(encode_command(c.line, c.headers.items(), c.body) for c in commands) == data


def test_sendmsg_headers_parsed() -> None:
    commands = EslCommandParser().feed((FIXTURES / "outbound_handoff_sent.raw").read_bytes())
    execute = commands[3]
    assert execute.verb == "sendmsg" and execute.headers == {
        "call-command": "execute",
        "execute-app-name": "playback",
        "execute-app-arg": "/opt/fs/sounds/test/prompt_fr.wav",
        "event-lock": "true",
    }


def test_bad_framing_is_rejected() -> None:
    with pytest.raises(EslProtocolError, match="without ':'"):
        EslParser().feed(b"Content-Type command/reply\n\n")
    with pytest.raises(EslProtocolError, match="Content-Length"):
        EslParser().feed(b"Content-Type: api/response\nContent-Length: -3\n\n")
    with pytest.raises(EslProtocolError, match="not an event"):
        parse_event(EslMessage({"Content-Type": "api/response"}))
    with pytest.raises(EslProtocolError, match="line break"):
        encode_command("api status\nexit")
