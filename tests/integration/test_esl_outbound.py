"""OutboundServer against a replaying FreeSWITCH that connects to it and answers with the captured bytes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from robot.errors import DialTargetError
from robot.esl.outbound import OutboundServer, OutboundSession
from robot.esl.parser import EslCommandParser
from tests.integration.esl_replay import Connection, ScriptRunner, load_script

pytestmark = pytest.mark.integration

WAIT_S = 5.0
PROMPT = "/opt/fs/sounds/test/prompt_fr.wav"


async def play_then_hang_up(session: OutboundSession, seen: list[str]) -> None:
    await session.execute("playback", PROMPT)
    async with asyncio.timeout(WAIT_S):
        async for event in session.events():
            seen.append(event.name)
            if event.name == "CHANNEL_EXECUTE_COMPLETE" and event.get("Application") == "playback":
                break
        await session.hangup("NORMAL_CLEARING")
        await session.disconnected.wait()
    await session.exit()


async def fake_freeswitch(fixtures: Path, port: int) -> Connection:
    conn = Connection()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await ScriptRunner(load_script(fixtures, "outbound_handoff"), conn).run(reader, writer)
    return conn


async def test_handoff_replay(fixtures_dir: Path) -> None:
    sessions: list[OutboundSession] = []
    seen: list[str] = []

    async def handler(session: OutboundSession) -> None:
        sessions.append(session)
        await play_then_hang_up(session, seen)

    async with OutboundServer("127.0.0.1", 0, handler) as server:
        conn = await asyncio.wait_for(fake_freeswitch(fixtures_dir, server.port), WAIT_S)
    assert conn.errors == []
    session = sessions[0]
    assert session.uuid == session.channel_data["Channel-Call-UUID"]
    assert session.channel_data["Channel-Name"] == "loopback/handoff-b"
    assert session.channel_data["Reply-Text"] == "+OK\n"  # URL-decoded from %2BOK%0A
    assert session.channel_data["variable_robot_contact"] == "45"
    assert session.channel_data["variable_other_loopback_leg_uuid"] == "5fca741e-d427-4e47-8802-8e327299242d"
    assert seen[0] == "CHANNEL_PARK" and seen[-1] == "CHANNEL_EXECUTE_COMPLETE"
    assert session.disconnected.is_set()
    # Every command, header and value we sent equals what the recorder sent to the real FreeSWITCH.
    recorded = EslCommandParser().feed((fixtures_dir / "outbound_handoff_sent.raw").read_bytes())
    assert [(c.line, dict(c.headers)) for c in conn.received] == [(c.line, dict(c.headers)) for c in recorded]
    assert server.sessions_started == 1 and server.handler_errors == 0


async def test_crashing_handler_does_not_affect_other_calls(fixtures_dir: Path) -> None:
    calls = 0

    async def handler(session: OutboundSession) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("handler bug")
        await play_then_hang_up(session, [])

    async with OutboundServer("127.0.0.1", 0, handler) as server:
        crashed = await asyncio.wait_for(fake_freeswitch(fixtures_dir, server.port), WAIT_S)
        healthy = await asyncio.wait_for(fake_freeswitch(fixtures_dir, server.port), WAIT_S)
    assert server.handler_errors == 1 and server.sessions_started == 2
    assert [c.verb for c in crashed.received] == ["connect", "myevents", "linger", "exit"]  # cleaned up with exit
    assert healthy.errors == [] and [c.verb for c in healthy.received][-1] == "exit"


async def test_execute_rejects_injection(fixtures_dir: Path) -> None:
    errors: list[Exception] = []

    async def handler(session: OutboundSession) -> None:
        for app, arg in (("playback\ncall-command: hangup", ""), ("playback", "/x.wav\n\nexit")):
            try:
                await session.execute(app, arg)
            except DialTargetError as err:
                errors.append(err)

    async with OutboundServer("127.0.0.1", 0, handler) as server:
        conn = await asyncio.wait_for(fake_freeswitch(fixtures_dir, server.port), WAIT_S)
    assert len(errors) == 2
    assert [c.verb for c in conn.received] == ["connect", "myevents", "linger", "exit"]
