"""robot.esl.commands: every builder, and every injection attempt is refused with a clear message."""

from __future__ import annotations

import pytest

from robot.calls.esl_control import parse_originate_result
from robot.errors import DialTargetError
from robot.esl import commands
from robot.esl.parser import EslCommandParser
from tests.conftest import FIXTURES

pytestmark = pytest.mark.unit

UUID = "e061cddd-eac5-4cc6-825c-e4b981b79802"


def recorded_api_lines(capture: str) -> list[str]:
    lines = [c.line for c in EslCommandParser().feed((FIXTURES / f"{capture}.sent").read_bytes())]
    return [line.split(" ", 1)[1] for line in lines if line.startswith(("api ", "bgapi "))]


def test_builders_reproduce_the_recorded_commands() -> None:
    recorded = recorded_api_lines("inbound_human_call")
    built = [
        commands.originate("loopback/human/default", UUID, {"robot_campaign": "c1", "robot_contact": "42"}),
        commands.audio_stream_start(UUID, f"ws://127.0.0.1:8765/call/{UUID}?token=abc", 16000, '{"campaign":"c1"}'),
        commands.broadcast(UUID, "/opt/fs/sounds/test/prompt_fr.wav"),
        commands.break_all(UUID),
        commands.kill(UUID),
    ]
    assert built == recorded
    events = recorded_api_lines("inbound_audio_stream_events")
    assert commands.audio_stream_stop("a1ebd30f-fa18-4dbe-883c-99eb32cf5de9") == events[2]
    url = "ws://127.0.0.1:8765/call/a1ebd30f-fa18-4dbe-883c-99eb32cf5de9?token=abc&script=1"
    assert commands.audio_stream_start(events[1].split()[1], url, 8000, '{"campaign":"c1"}') == events[1]


def test_other_builders() -> None:
    assert commands.kill(UUID, "USER_BUSY") == f"uuid_kill {UUID} USER_BUSY"
    assert commands.setvar(UUID, "robot_state", "talking now") == f"uuid_setvar {UUID} robot_state talking now"
    assert commands.getvar(UUID, "robot_campaign") == f"uuid_getvar {UUID} robot_campaign"
    assert commands.transfer(UUID, "3000", "agents") == f"uuid_transfer {UUID} 3000 XML agents"
    assert (
        commands.broadcast(UUID, "tone_stream://%(500,0,1000)")
        == f"uuid_broadcast {UUID} tone_stream://%(500,0,1000) aleg"
    )
    assert commands.check_uuid(UUID.upper()) == UUID
    assert commands.originate("sofia/gateway/operator/+33612345678", UUID, timeout_s=45) == (
        f"originate {{origination_uuid={UUID},originate_timeout=45}}sofia/gateway/operator/+33612345678 &park()"
    )


@pytest.mark.parametrize(
    "target",
    [
        "loopback/human/default",
        "sofia/gateway/operator/+33612345678",
        "sofia/gateway/op-1/0612345678",
        "sofia/internal/1000@192.168.1.10:5060",
        "sofia/external/sip:+33612345678@carrier.example.com",
        "user/1000",
        "user/1000@example.com",
    ],
)
def test_valid_dial_targets(target: str) -> None:
    assert commands.check_dial_target(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "sofia/gateway/operator/+33 6 12 34 56 78",  # spaces end the argument
        "sofia/gateway/operator/0612,user/1000",  # comma = ring another channel
        "sofia/gateway/operator/0612|user/1000",  # | = failover to another channel
        "sofia/gateway/operator/0612:_:user/1000",  # enterprise originate
        "{origination_caller_id_number=1}sofia/gateway/operator/0612",  # variables smuggled in the target
        "[x=y]user/1000",
        "<x=y>user/1000",
        "sofia/gateway/operator/0612 &bridge(user/1000)",  # another application
        "sofia/gateway/operator/0612\nexit",  # new ESL command
        "sofia/gateway/operator/${danger}",
        "sofia/internal/1000@host;transport=tcp",  # SIP parameters
        "sofia/gateway/../0612",
        "loopback/human",
        "freetdm/1/a/0612",
        "error/USER_BUSY",
        "",
    ],
)
def test_injecting_dial_targets_are_refused(target: str) -> None:
    with pytest.raises(DialTargetError, match="dial target"):
        commands.check_dial_target(target)


@pytest.mark.parametrize(
    "value",
    [
        "c1,origination_caller_id_number=666",  # comma starts another variable
        "c1}sofia/gateway/x/1",  # closes the brace
        "'quoted,value'",  # single quotes group commas
        "a\\,b",  # escaped comma
        "^^:a=b:c=d",  # delimiter switch
        "two words",
        "line\nbreak",
        "${system(rm)}",
        "a=b",
        "[leg]",
        "<all>",
        "x" * 257,
    ],
)
def test_injecting_variable_values_are_refused(value: str) -> None:
    with pytest.raises(DialTargetError, match=r"variable 'robot_campaign'.*at most 256"):
        commands.originate("loopback/human/default", UUID, {"robot_campaign": value})


@pytest.mark.parametrize("name", ["bad name", "a,b", "a=b", "x}", "", "é", "n" * 65])
def test_bad_variable_names_are_refused(name: str) -> None:
    with pytest.raises(DialTargetError, match="variable name"):
        commands.originate("loopback/human/default", UUID, {name: "v"})


def test_builder_owned_variables_and_app_are_checked() -> None:
    with pytest.raises(DialTargetError, match="set by the builder"):
        commands.originate("loopback/human/default", UUID, {"origination_uuid": UUID})
    for app in ("&park() &bridge(user/1000)", "&bridge(user/1000,user/2000)", "park", "&park()\nexit"):
        with pytest.raises(DialTargetError, match="originate application"):
            commands.originate("loopback/human/default", UUID, app=app)
    with pytest.raises(DialTargetError, match="originate timeout"):
        commands.originate("loopback/human/default", UUID, timeout_s=0)


@pytest.mark.parametrize("uuid", ["", "not-a-uuid", UUID + " all", UUID[:-1], UUID + "\n", f"{UUID};x"])
def test_bad_uuids_are_refused(uuid: str) -> None:
    with pytest.raises(DialTargetError, match="uuid"):
        commands.break_all(uuid)


@pytest.mark.parametrize("number", ["", "1", "+", "06 12", "0612a", "+33612345678901234", "06-12", "+33,1"])
def test_bad_numbers_are_refused(number: str) -> None:
    with pytest.raises(DialTargetError, match="number"):
        commands.dial_target_for("sofia/gateway/operator/{number}", number)


def test_dial_template() -> None:
    assert commands.dial_target_for("sofia/gateway/operator/{number}", "+33612345678").endswith("/+33612345678")
    with pytest.raises(DialTargetError, match="exactly once"):
        commands.dial_target_for("sofia/gateway/operator/", "+33612345678")


@pytest.mark.parametrize(
    "path",
    [
        "relative.wav",
        "/tmp/a file.wav",
        "/tmp/x.wav aleg\nexit",
        "playback::/tmp/x.wav",  # uuid_broadcast app::arg runs an application
        "/tmp/../etc/passwd",
        "/tmp/${x}.wav",
        "{loops=2}/tmp/x.wav",
    ],
)
def test_bad_playback_paths_are_refused(path: str) -> None:
    with pytest.raises(DialTargetError, match="playback path"):
        commands.broadcast(UUID, path)


def test_audio_stream_arguments_are_checked() -> None:
    with pytest.raises(DialTargetError, match="url"):
        commands.audio_stream_start(UUID, "http://x/y")
    with pytest.raises(DialTargetError, match="url"):
        commands.audio_stream_start(UUID, "ws://x/y mixed")
    with pytest.raises(DialTargetError, match="metadata"):
        commands.audio_stream_start(UUID, "ws://x/y", 16000, '{"a": "b"}')
    with pytest.raises(DialTargetError, match="rate"):
        commands.audio_stream_start(UUID, "ws://x/y", 44100)  # type: ignore[arg-type]


def test_other_arguments_are_checked() -> None:
    with pytest.raises(DialTargetError, match="hangup cause"):
        commands.kill(UUID, "NORMAL_CLEARING\nexit")
    with pytest.raises(DialTargetError, match="variable 'v'"):
        commands.setvar(UUID, "v", "a\nb")
    with pytest.raises(DialTargetError, match="variable 'v'"):
        commands.setvar(UUID, "v", "${x}")
    with pytest.raises(DialTargetError, match="transfer destination"):
        commands.transfer(UUID, "1000 XML evil")
    with pytest.raises(DialTargetError, match="transfer context"):
        commands.transfer(UUID, "1000", "ctx ext")
    with pytest.raises(DialTargetError, match="application name"):
        commands.check_app_name("playback\nexit")
    with pytest.raises(DialTargetError, match="application argument"):
        commands.check_app_arg("x\n\nexit")


def test_originate_result_parsing() -> None:
    assert parse_originate_result(UUID, f"+OK {UUID}\n").ok
    busy = parse_originate_result(UUID, "-ERR USER_BUSY\n")
    assert not busy.ok and busy.cause == "USER_BUSY" and busy.raw == "-ERR USER_BUSY\n"
    assert parse_originate_result(UUID, "garbage").cause == "UNKNOWN"
    assert parse_originate_result(UUID, "-ERR").cause == "UNKNOWN"
