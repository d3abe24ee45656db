"""EslClient, EslCallControl and OutboundServer against H2's FreeSWITCH simulator (robot.sim) on loopback."""

from __future__ import annotations

import asyncio
import uuid as uuidlib

import pytest

from robot.calls.esl_control import EslCallControl, originate
from robot.esl.connection import EslClient
from robot.esl.outbound import OutboundServer, OutboundSession
from robot.esl.routing import CallEvents
from robot.settings import EslSettings, SimSettings
from robot.sim import SimServer, load_scripts

pytestmark = pytest.mark.integration

WAIT_S = 8.0


async def names_until_hangup(stream: CallEvents) -> list[str]:
    names: list[str] = []
    async with asyncio.timeout(WAIT_S):
        async for event in stream:
            names.append(event.subclass or event.name)
            if event.name == "CHANNEL_HANGUP_COMPLETE":
                break
    return names


async def test_client_drives_a_simulated_human_call() -> None:
    async with SimServer(SimSettings.model_validate({"port": 0})) as sim:
        client = EslClient(EslSettings.model_validate({"port": sim.port, "request_timeout_s": WAIT_S}))
        await client.start()
        call_uuid = str(uuidlib.uuid4())
        stream = client.call_events(call_uuid)
        result = await originate(client, "loopback/human/default", call_uuid, {"robot_campaign": "c1"}, timeout_s=5)
        assert result.ok, result.raw
        control = EslCallControl(client, call_uuid)
        await control.set_var("robot_state", "greeting")
        assert await control.get_var("robot_state") == "greeting"
        await control.play("/opt/fs/sounds/test/prompt_fr.wav")
        # As on the real switch, PLAYBACK_START follows the +OK; a break sent before it drops the queued file.
        names: list[str] = []
        async with asyncio.timeout(WAIT_S):
            async for event in stream:
                names.append(event.subclass or event.name)
                if event.name == "PLAYBACK_START":
                    break
        await control.stop_playback()
        await control.hangup()
        await control.hangup()  # already gone: not an error
        names += await names_until_hangup(stream)
        stream.close()
        busy_uuid = str(uuidlib.uuid4())
        busy = await originate(client, "loopback/busy/default", busy_uuid, {})
        await client.close()
    assert names[0] == "CHANNEL_ANSWER" and names[-1] == "CHANNEL_HANGUP_COMPLETE"
    assert "PLAYBACK_START" in names and "PLAYBACK_STOP" in names
    assert not busy.ok and busy.cause == "USER_BUSY"


async def test_outbound_server_takes_a_simulated_handoff() -> None:
    seen: list[str] = []
    done = asyncio.Event()

    async def handler(session: OutboundSession) -> None:
        seen.append(session.channel_data.get("Channel-Name", ""))
        await session.execute("playback", "/opt/fs/sounds/test/prompt_fr.wav")
        await session.hangup("NORMAL_CLEARING")
        async with asyncio.timeout(WAIT_S):
            await session.disconnected.wait()
        done.set()

    async with OutboundServer("127.0.0.1", 0, handler) as server:
        scripts = load_scripts(None)
        scripts["handoff"] = scripts["handoff"].model_copy(
            update={"dialplan_socket": f"127.0.0.1:{server.port} async full", "timeline": ()}
        )
        async with SimServer(SimSettings.model_validate({"port": 0}), scripts=scripts) as sim:
            client = EslClient(EslSettings.model_validate({"port": sim.port, "request_timeout_s": WAIT_S}))
            await client.start()
            result = await originate(client, "loopback/handoff/default", str(uuidlib.uuid4()), {"robot_contact": "45"})
            await asyncio.wait_for(done.wait(), WAIT_S)
            await client.close()
    assert result.ok
    assert seen == ["loopback/handoff-b"]
    assert server.sessions_started == 1 and server.handler_errors == 0
