"""The ESL link drops while a call rings but FreeSWITCH stays up: the robot gives the call up (ROBOT_ESL_LOST, an
attempt retried by the rules) and hangs it up as soon as the link is back, so nobody answers into silence."""

from __future__ import annotations

import asyncio
import uuid as uuidlib
from pathlib import Path

import pytest

from tests.integration.test_call_flow import CALL_TIMEOUT_S, rig

pytestmark = pytest.mark.integration


async def test_call_ringing_when_the_link_drops_is_hung_up_after_the_reconnect(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    call_uuid = str(uuidlib.uuid4())
    async with rig(tmp_path, tiny_model_dir) as r:
        dial = asyncio.create_task(r.dial("loopback/noanswer/default", call_uuid))  # rings 4 s
        async with asyncio.timeout(5):
            while r.sim.call(call_uuid) is None:  # noqa: ASYNC110 (the originate travels to the simulator)
                await asyncio.sleep(0.02)
        sim_call = r.sim.call(call_uuid)
        assert sim_call is not None
        for session in list(r.sim.sessions):  # the link drops; the switch and its call stay
            await session.close(goodbye=False)
        outcome = await asyncio.wait_for(dial, CALL_TIMEOUT_S)
        await asyncio.wait_for(sim_call.hung_up.wait(), 3.0)  # well before its 4 s of ringing end
    assert not outcome.answered and outcome.hangup_cause == "ROBOT_ESL_LOST"
    assert sim_call.a.hangup_cause == "NORMAL_CLEARING"  # hung up by the robot, not NO_ANSWER
    assert r.sent("uuid_kill", call_uuid) == [f"uuid_kill {call_uuid} NORMAL_CLEARING"]
