"""EslClient and EslCallControl against a server replaying real FreeSWITCH captures (loopback sockets)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from robot.calls.esl_control import EslCallControl, originate
from robot.errors import EslAuthError, EslCommandError, EslConnectionError, EslTimeoutError
from robot.esl.connection import EslClient
from robot.esl.parser import EslCommandParser, EslEvent
from robot.settings import EslSettings
from tests.integration.esl_replay import Connection, ReplayServer, ScriptRunner, load_script

pytestmark = pytest.mark.integration

CAPTURE_EVENTS = [
    *("CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB", "CHANNEL_PARK", "PLAYBACK_START", "PLAYBACK_STOP"),
    *(f"mod_audio_stream::{name}" for name in ("connect", "disconnect", "error", "play", "json")),
]
HUMAN_UUID = "e061cddd-eac5-4cc6-825c-e4b981b79802"
WAIT_S = 5.0  # upper bound for things that should happen at once; a hang fails the test instead of blocking


def make_settings(port: int, **extra: Any) -> EslSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "request_timeout_s": 30.0,
        "reconnect_initial_s": 0.01,
        "reconnect_max_s": 0.05,
        **extra,
    }
    return EslSettings(**values)


def runner(fixtures: Path, name: str, **options: Any) -> ScriptRunner:
    return ScriptRunner(load_script(fixtures, name), Connection(), **options)


async def test_human_call_commands_events_and_routing(fixtures_dir: Path) -> None:
    async with ReplayServer([runner(fixtures_dir, "inbound_human_call")]) as server:
        client = EslClient(make_settings(server.port), events=CAPTURE_EVENTS)
        seen: list[EslEvent] = []
        remove = client.add_listener(seen.append)
        await client.start()
        assert client.connected_since is not None
        call = client.call_events(HUMAN_UUID)
        result = await originate(
            client, "loopback/human/default", HUMAN_UUID, {"robot_campaign": "c1", "robot_contact": "42"}
        )
        assert result.ok and result.uuid == HUMAN_UUID and result.raw == f"+OK {HUMAN_UUID}\n"
        control = EslCallControl(client, HUMAN_UUID)
        url = f"ws://127.0.0.1:8765/call/{HUMAN_UUID}?token=abc"
        await control.start_audio_stream(url, 16000, '{"campaign":"c1"}')
        await control.play("/opt/fs/sounds/test/prompt_fr.wav")
        await control.stop_playback()
        await control.hangup()
        names: list[str] = []
        async with asyncio.timeout(WAIT_S):
            async for event in call:
                assert event.unique_id == HUMAN_UUID
                names.append(event.subclass or event.name)
                if event.name == "CHANNEL_HANGUP_COMPLETE":
                    break
        call.close()
        remove()
        await client.close()
        assert not client.connected
    assert names == [
        "CHANNEL_ANSWER",
        "CHANNEL_PARK",
        "mod_audio_stream::connect",
        "PLAYBACK_START",
        "PLAYBACK_STOP",
        "CHANNEL_HANGUP_COMPLETE",
    ]
    assert [e.name for e in seen].count("CHANNEL_HANGUP_COMPLETE") == 2  # the listener sees both legs
    assert event.get("Hangup-Cause") == "NORMAL_CLEARING"
    conn = server.connections[0]
    assert conn.errors == []
    # What the client wrote is what the recorder wrote (byte-equal lines), except our explicit kill cause.
    recorded = EslCommandParser().feed((fixtures_dir / "inbound_human_call.sent").read_bytes())
    ours = [c.line for c in conn.received]
    assert ours[0] == "auth ClueCon"
    assert ours[1].split() == recorded[1].line.split()  # same events, possibly another order
    assert ours[2:6] == [c.line for c in recorded[2:6]]
    assert ours[6] == recorded[6].line + " NORMAL_CLEARING"
    assert ours[7] == "exit"
    assert conn.received[2].headers.get("Job-UUID")  # bgapi proposes its own Job-UUID


@pytest.mark.parametrize(
    ("capture", "target", "uuid", "cause"),
    [
        ("inbound_busy", "loopback/busy/default", "3a4bbcd2-a53b-4aa5-a908-a7d053beacd5", "USER_BUSY"),
        ("inbound_noanswer", "loopback/noanswer/default", "ca4e1fcf-c609-4737-8fa2-43c7acadf4c9", "NO_ANSWER"),
        (
            "inbound_no_route",
            "loopback/nosuchextension/default",
            "66947bcb-55b2-45f3-ae67-a6803fc15d4a",
            "NO_ROUTE_DESTINATION",
        ),
    ],
)
async def test_failed_originate_gives_cause(
    fixtures_dir: Path, capture: str, target: str, uuid: str, cause: str
) -> None:
    async with ReplayServer([runner(fixtures_dir, capture)]) as server:
        client = EslClient(make_settings(server.port), events=CAPTURE_EVENTS)
        await client.start()
        call = client.call_events(uuid)
        result = await originate(client, target, uuid, {"robot_campaign": "c1", "robot_contact": "44"})
        async with asyncio.timeout(WAIT_S):
            hangup = await call.get()
        await client.close()
    assert not result.ok and result.cause == cause and result.raw == f"-ERR {cause}\n"
    assert hangup.name == "CHANNEL_HANGUP_COMPLETE" and hangup.get("Hangup-Cause") == cause
    assert server.connections[0].errors == []


async def test_auth_failure_raises_without_retry(fixtures_dir: Path) -> None:
    async with ReplayServer([runner(fixtures_dir, "inbound_auth_fail")]) as server:
        client = EslClient(make_settings(server.port, password=SecretStr("wrongpassword")))
        with pytest.raises(EslAuthError, match=r"refused the password \(-ERR invalid\)"):
            await client.start()
        assert "wrongpassword" not in repr(client._settings)
    assert len(server.connections) == 1
    assert server.connections[0].received[0].line == "auth wrongpassword"


async def test_connect_refused_is_connection_error() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = int(probe.sockets[0].getsockname()[1])
    probe.close()
    await probe.wait_closed()
    with pytest.raises(EslConnectionError, match=f"127.0.0.1:{port}"):
        await EslClient(make_settings(port)).start()


async def test_api_errors_bgapi_and_unknown_command(fixtures_dir: Path) -> None:
    basic = runner(fixtures_dir, "inbound_basic", answer_extra_subscription=True)
    async with ReplayServer([basic]) as server:
        client = EslClient(make_settings(server.port))
        await client.start()
        status = await client.api("status")
        assert status.startswith("UP 0 years") and status.endswith("Current Stack Size/Max 240K/8192K\n")
        with pytest.raises(EslCommandError, match="Command not found"):
            await client.api_ok("nosuchcommand")
        await EslCallControl(client, "00000000-0000-4000-8000-000000000000").hangup()  # gone: not an error
        with pytest.raises(EslCommandError, match="No such channel"):
            await EslCallControl(client, "00000000-0000-4000-8000-000000000000").get_var("robot_campaign")
        assert (await client.command("nosuchcommand")).reply_text == "-ERR command not found"
        assert (await client.command("event plain BACKGROUND_JOB")).reply_text.startswith("+OK")
        assert (await client.bgapi("status")).startswith("UP 0 years")
        assert await client.bgapi("nosuchcommand") == "-ERR nosuchcommand Command not found!\n"
        await client.close()
    assert server.connections[0].errors == []


async def test_timeout_keeps_replies_in_order(fixtures_dir: Path) -> None:
    release = asyncio.Event()
    basic = runner(fixtures_dir, "inbound_basic", answer_extra_subscription=True, hold_at_tx=1, release=release)
    async with ReplayServer([basic]) as server:
        client = EslClient(make_settings(server.port))
        await client.start()
        with pytest.raises(EslTimeoutError, match="no reply"):
            await client.api("status", timeout=0.05)
        release.set()
        # the late `status` reply is dropped: the next request gets its own reply
        assert (await client.api("nosuchcommand")).startswith("-ERR nosuchcommand")
        await client.close()
    assert server.connections[0].errors == []


async def test_reconnect_fails_in_flight_then_resubscribes(fixtures_dir: Path) -> None:
    first = runner(fixtures_dir, "inbound_human_call", drop_at_tx=2)  # drop when bgapi originate arrives
    second = runner(fixtures_dir, "inbound_human_call")
    async with ReplayServer([first, second]) as server:
        client = EslClient(make_settings(server.port), events=CAPTURE_EVENTS)
        reconnected = asyncio.Event()
        client.on_reconnect(reconnected.set)
        await client.start()
        with pytest.raises(EslConnectionError, match="lost"):
            await asyncio.wait_for(originate(client, "loopback/human/default", HUMAN_UUID, {}), WAIT_S)
        await asyncio.wait_for(reconnected.wait(), WAIT_S)
        assert client.connected and client.reconnects == 1
        result = await originate(
            client, "loopback/human/default", HUMAN_UUID, {"robot_campaign": "c1", "robot_contact": "42"}
        )
        assert result.ok
        await client.close()
    assert [c.verb for c in second.conn.received[:3]] == ["auth", "event", "bgapi"]
    assert second.conn.errors == [] and first.conn.errors == []


async def test_request_while_disconnected_fails_at_once(fixtures_dir: Path) -> None:
    client = EslClient(make_settings(1))
    with pytest.raises(EslConnectionError, match="not connected"):
        await client.api("status")
