"""The switch-side cap and the crash questions on the simulator, as the robot sends them: an originate with
`execute_on_answer='sched_hangup +N ALLOTTED_TIMEOUT'` (quoted value with spaces) is hung up N s after the answer;
`uuid_exists` / `uuid_getvar <uuid> endpoint_disposition` tell a live answered call from a gone one."""

from __future__ import annotations

import asyncio
import uuid as uuidlib

import pytest

from robot.calls.esl_control import originate
from robot.esl import commands
from robot.esl.connection import EslClient
from robot.settings import EslSettings, SimSettings
from robot.sim import SimServer

pytestmark = pytest.mark.integration


async def test_answered_call_is_capped_by_the_switch_and_the_robot_can_ask_about_it() -> None:
    async with SimServer(SimSettings.model_validate({"port": 0})) as sim:
        client = EslClient(EslSettings.model_validate({"port": sim.port}))
        await client.start()
        try:
            call_uuid = str(uuidlib.uuid4())
            stream = client.call_events(call_uuid)
            result = await originate(client, "loopback/human/default", call_uuid, {"robot_attempt": "7"}, max_call_s=1)
            assert result.ok, result.raw
            assert (await client.api(f"uuid_exists {call_uuid}")).strip() == "true"
            assert await client.api(commands.getvar(call_uuid, "endpoint_disposition")) == "ANSWER"
            assert await client.api(commands.getvar(call_uuid, "robot_attempt")) == "7"
            async with asyncio.timeout(5):
                async for event in stream:
                    if event.name == "CHANNEL_HANGUP_COMPLETE":
                        break
            stream.close()
            assert event.get("Hangup-Cause") == "ALLOTTED_TIMEOUT"
            assert (await client.api(f"uuid_exists {call_uuid}")).strip() == "false"
            gone = await client.api(commands.getvar(call_uuid, "endpoint_disposition"))
            assert gone == "-ERR No such channel!\n"
        finally:
            await client.close()
    call = sim.call(call_uuid)
    assert call is not None and call.a.answered_wall and call.a.hangup_wall
    assert 0.9 <= call.a.hangup_wall - call.a.answered_wall <= 2.0  # the cap, counted from the answer
