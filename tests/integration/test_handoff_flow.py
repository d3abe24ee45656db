"""Dialplan hand-off end to end: the simulator's B leg runs `socket <RobotApp's outbound server> async full`, the
robot takes the call over (scenario, AMD off by default) and drives it over its inbound ESL client and audio server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid as uuidlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from robot.calls.app import RobotApp
from robot.esl.connection import EslClient
from robot.esl.outbound import OutboundSession
from robot.settings import EslSettings, Settings, SimSettings
from robot.sim import CalleeScript, SimServer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = REPO / "audio" / "prompts" / "8k" / "no_answer.wav"  # 4 s: keeps the calls short
SCENARIO = f"""name: handoff_e2e
start: ask
steps:
  ask:
    play: {PROMPT}
    listen: {{timeout_ms: 800}}
    on: {{default: bye}}
  bye:
    hangup: true
"""
CALL_TIMEOUT_S = 40.0


@dataclass
class HandoffRig:
    sim: SimServer
    app: ObservedApp
    carrier: EslClient  # the outside world placing the inbound calls
    call_log: Path
    scenario: Path
    sims: list[SimServer]

    async def inbound_call(self, robot_scenario: Path) -> tuple[str, str]:
        """Place a call that the dialplan hands to the robot; returns (A uuid, B uuid = the robot's call)."""
        a_uuid = str(uuidlib.uuid4())
        body = await self.carrier.bgapi(
            f"originate {{origination_uuid={a_uuid},robot_scenario={robot_scenario}}}"
            "loopback/handoff_e2e/default &park()"
        )
        assert body.startswith("+OK"), body
        call = self.sim.call(a_uuid)
        assert call is not None
        return a_uuid, call.b.uuid

    async def ended(self, b_uuid: str) -> None:
        """Wait until the robot's hand-off handler for the call has returned (log written, socket exited)."""
        await asyncio.wait_for(self.app.handled(b_uuid).wait(), CALL_TIMEOUT_S)

    def log(self, call_uuid: str) -> list[dict[str, Any]]:
        self.app.call_log.flush()  # lines are written by the log's writer thread
        if not self.call_log.is_file():
            return []
        lines = self.call_log.read_text(encoding="utf-8").splitlines()
        return [e for e in map(json.loads, lines) if e["call_uuid"] == call_uuid]


class ObservedApp(RobotApp):
    """RobotApp that also tells the test when a hand-off handler has returned."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, serve_handoff=True)
        self._handled: dict[str, asyncio.Event] = {}

    def handled(self, uuid: str) -> asyncio.Event:
        return self._handled.setdefault(uuid, asyncio.Event())

    async def handle_handoff(self, outbound: OutboundSession) -> None:
        try:
            await super().handle_handoff(outbound)
        finally:
            self.handled(outbound.uuid).set()


@asynccontextmanager
async def handoff_rig(tmp_path: Path, tiny_model_dir: Path, *, switches: int = 1) -> AsyncIterator[HandoffRig]:
    """The robot against `switches` simulators (esl.endpoints when more than one); calls come from the LAST one."""
    scenario = tmp_path / "handoff.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    async with contextlib.AsyncExitStack() as stack:
        sims = [await stack.enter_async_context(SimServer(SimSettings(port=0))) for _ in range(switches)]
        sim = sims[-1]
        esl: dict[str, Any] = {"port": sim.port, "outbound_port": 0}
        if switches > 1:
            esl["endpoints"] = [{"host": "127.0.0.1", "port": s.port} for s in sims]
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            asr={"model": str(tiny_model_dir), "local_files_only": True},
            media={"port": 0},
            esl=esl,
            log={"call_log": tmp_path / "calls.jsonl"},
            campaign={"metrics_port": 0},
            dialog={"audio_dir": REPO / "audio", "scenario": scenario},
        )
        app = await stack.enter_async_context(ObservedApp(settings))
        sim.scripts["handoff_e2e"] = CalleeScript(
            name="handoff_e2e",
            dialplan_socket=f"127.0.0.1:{app.handoff_port} async full",
            hangup_after_ms=60_000,  # a silent caller: the prompt plays to its end, the answer times out
        )
        carrier = EslClient(EslSettings(port=sim.port))
        await carrier.start()
        stack.push_async_callback(carrier.close)
        yield HandoffRig(sim, app, carrier, settings.log.call_log, scenario, sims)


async def test_handed_off_call_runs_the_scenario(tmp_path: Path, tiny_model_dir: Path) -> None:
    async with handoff_rig(tmp_path, tiny_model_dir) as r:
        a_uuid, b_uuid = await r.inbound_call(r.scenario)
        await r.ended(b_uuid)
        plays = r.sim.playbacks(a_uuid)
        log = r.log(b_uuid)
        call = r.sim.call(a_uuid)
        assert call is not None
        frame_ms = call.b.variables.get("STREAM_BUFFER_SIZE")

    assert frame_ms == "100", "the robot set media.stream_buffer_ms (uuid_setvar) before starting the stream"

    events = [e["event"] for e in log]
    assert "amd" not in events, "AMD is off for hand-offs by default"
    (answer,) = [e for e in log if e["event"] == "answer"]
    assert answer["handoff"] is True
    assert [p.file for p in plays] == [str(PROMPT)] and plays[0].status == "done"
    assert events.index("answer") < events.index("prompt_start") < events.index("hangup")
    assert log[-1]["event"] == "hangup" and log[-1]["cause"] == "NORMAL_CLEARING"
    assert not [e for e in log if e["event"] == "error"]


async def test_missing_scenario_hangs_up_with_an_error_and_spares_other_calls(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    missing = tmp_path / "no_such_scenario.yaml"
    async with handoff_rig(tmp_path, tiny_model_dir) as r:
        (good_a, good_b), (bad_a, bad_b) = await asyncio.gather(r.inbound_call(r.scenario), r.inbound_call(missing))
        await r.ended(bad_b)
        bad_call = r.sim.call(bad_a)
        assert bad_call is not None
        await asyncio.wait_for(bad_call.hung_up.wait(), 5)  # the robot hung it up (the caller would wait 60 s)
        for _ in range(100):  # its scenario may still be loading (in a thread) when the bad call is already gone
            if good_b in r.app.active:
                break
            await asyncio.sleep(0.05)
        assert good_b in r.app.active, "the other call goes on"
        await r.ended(good_b)
        good_log, bad_log = r.log(good_b), r.log(bad_b)
        good_plays, bad_plays = r.sim.playbacks(good_a), r.sim.playbacks(bad_a)

    (error,) = [e for e in bad_log if e["event"] == "error"]
    assert str(missing) in error["error"]
    assert bad_log[-1]["event"] == "hangup" and bad_log[-1]["cause"] == "NORMAL_TEMPORARY_FAILURE"
    assert bad_plays == []
    assert good_plays and good_plays[0].status == "done"
    assert good_log[-1]["event"] == "hangup" and good_log[-1]["cause"] == "NORMAL_CLEARING"


async def test_a_hand_off_from_the_second_server_is_driven_on_that_server(tmp_path: Path, tiny_model_dir: Path) -> None:
    """esl.endpoints lists two switches; the call comes from the second one's dialplan: the robot plays and hangs
    up there (controlling it through the first server would answer -ERR No such channel)."""
    async with handoff_rig(tmp_path, tiny_model_dir, switches=2) as r:
        a_uuid, b_uuid = await r.inbound_call(r.scenario)
        await r.ended(b_uuid)
        plays = r.sim.playbacks(a_uuid)
        log = r.log(b_uuid)
        assert r.sims[0].call(a_uuid) is None

    assert [p.file for p in plays] == [str(PROMPT)] and plays[0].status == "done"
    assert log[-1]["event"] == "hangup" and log[-1]["cause"] == "NORMAL_CLEARING"
    assert not [e for e in log if e["event"] == "error"]
