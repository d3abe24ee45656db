"""`uuid_fileman <uuid> pause` on the simulator, as the real FreeSWITCH 1.10.12 answers it (freeswitch-wire.md):
a toggle that pauses the playing file and resumes it from the same sample; paused time is not counted."""

from __future__ import annotations

import asyncio
import uuid as uuidlib
from pathlib import Path

import pytest

from robot.settings import SimSettings
from robot.sim import SimServer

pytestmark = pytest.mark.integration

PROMPT = Path(__file__).resolve().parents[2] / "audio" / "prompts" / "8k" / "no_answer.wav"  # 4.04 s


async def test_pause_toggle_resumes_from_the_same_sample() -> None:
    async with SimServer(SimSettings(port=0, broadcast_delay_ms=0)) as sim:
        call = str(uuidlib.uuid4())
        reply = await sim.api.execute(f"originate {{origination_uuid={call}}}loopback/silence/default &park()")
        assert reply.startswith("+OK"), reply
        assert await sim.api.execute(f"uuid_fileman {call} pause") == "-ERR No file handle!\n"
        assert await sim.api.execute(f"uuid_fileman {uuidlib.uuid4()} pause") == "-ERR No such channel!\n"
        await sim.api.execute(f"uuid_broadcast {call} {PROMPT} aleg")
        await asyncio.sleep(1.0)
        assert await sim.api.execute(f"uuid_fileman {call} pause") == "+OK\n"
        await asyncio.sleep(1.0)
        assert await sim.api.execute(f"uuid_fileman {call} volume:-4") == "+OK\n"
        assert await sim.api.execute(f"uuid_fileman {call} pause") == "+OK\n"
        await asyncio.sleep(3.4)
        (record,) = sim.playbacks(call)
        leg = sim.call(call)
        assert leg is not None
        offset = leg.a.variables.get("playback_last_offset_pos")

    assert record.status == "done" and record.pauses == 1
    assert record.paused_s == pytest.approx(1.0, abs=0.1)
    assert record.ended is not None and record.ended - record.started == pytest.approx(4.04 + 1.0, abs=0.15)
    assert offset == str(round(4.04025 * 8000)) or abs(int(offset or 0) - 32322) <= 8, "the whole file, once"
