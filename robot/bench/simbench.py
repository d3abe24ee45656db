"""The dialog stack against the simulator, one call at a time or many at once (for benchmarks and tests).

In one process: a SimServer (FreeSWITCH + mod_audio_stream stand-in), the robot's AudioServer, an EslClient, and per
call the real dialog stack: EslCallControl, CallListener (Silero VAD on the shared AnalysisWorker thread, batched
per call as in production, barge-in policy, live words with the engine given, if any) and ScenarioRunner. What the
callee heard is read from the simulator's records.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid as uuidlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from robot.asr.engine import AsrEngine
from robot.asr.vad import SileroModel, StreamingVad
from robot.calls.esl_control import EslCallControl, originate
from robot.calls.session import playback_update
from robot.clock import SystemClock
from robot.dialog.listener import CallListener
from robot.dialog.runner import DialogOutcome, ScenarioRunner
from robot.dialog.scenario import Listen, Scenario, Step
from robot.esl.connection import EslClient
from robot.esl.routing import CallEvents
from robot.media.analysis import AnalysisWorker
from robot.media.audio import AudioChunk
from robot.media.server import AudioServer
from robot.media.wire import STREAM_BUFFER_VAR
from robot.settings import Settings
from robot.sim.call import PlaybackRecord
from robot.sim.server import SimServer

OPENING_WAIT_S = 3.0  # stands in for AMD: the callee's greeting, if any, must be over before the first prompt
OPENING_SILENCE_S = 0.3


@dataclass(frozen=True, slots=True)
class CallMeasure:
    script: str
    uuid: str
    broke: bool  # the first prompt was broken (uuid_break)
    latency_ms: float | None  # callee speech start (over the prompt) -> prompt silent (break or pause), sim clock
    outcome: DialogOutcome
    resumed: int = 0  # playbacks of the prompt that started into it (`file@@samples`): the caller heard a restart
    heard_whole: bool = False  # the prompt was played from 0 to its end, resumes included
    resume_gaps_ms: tuple[float, ...] = ()  # silence the callee heard between a break and the resumed prompt
    paused: int = 0  # uuid_fileman pauses of the prompt
    paused_ms: float = 0.0  # time the prompt spent paused, all pauses together (the gaps the callee heard), ms
    interruptions: tuple[dict[str, object], ...] = ()  # the runner's `interruption` events (what each pause became)

    @property
    def heard_once(self) -> bool:
        """The whole prompt, once: one playback, played to its end (paused maybe, never restarted)."""
        return self.heard_whole and self.resumed == 0


def bench_scenario(prompt: Path) -> Scenario:
    """One question, a 1 s answer window, then hang up whatever the answer."""
    steps = {
        "ask": Step(play=str(prompt), listen=Listen(timeout_ms=1000), on={"default": "bye"}),
        "bye": Step(hangup=True),
    }
    return Scenario(name="bench_bargein", start="ask", steps=steps, audio_dir=prompt.parent)


async def _pump_playback(events: CallEvents, runner: ScenarioRunner) -> None:
    """The session's job in production: PLAYBACK_START/STOP of the call -> the runner (same translation)."""
    while True:
        try:
            event = await events.get()
        except EOFError:
            return
        if (playback := playback_update(event)) is not None:
            playback.apply_to(runner)


def _keep(name: str, fields: dict[str, object], interruptions: list[dict[str, object]]) -> None:
    if name == "interruption":
        interruptions.append({k: v for k, v in fields.items() if k != "step"})


def heard_whole(plays: list[PlaybackRecord]) -> bool:
    """Did these playbacks of one file cover it from 0 to its end? Each must start at or before where the one
    before stopped (sim positions, file samples); the last must end "done"."""
    if not plays or plays[0].offset_samples != 0 or plays[-1].status != "done":
        return False
    for before, after in itertools.pairwise(plays):
        if before.ended is None:
            return False
        played = before.ended - before.started - before.paused_s
        reached = before.offset_samples + played * before.rate
        if after.offset_samples > reached + 0.02 * before.rate:  # 20 ms of timer slack
            return False
    return True


class SimBench:
    """The simulator and the robot's servers, started once for all calls."""

    def __init__(self, settings: Settings, asr: AsrEngine | None, opening_wait_s: float = OPENING_WAIT_S) -> None:
        self.settings = settings
        self.opening_wait_s = opening_wait_s
        self.asr = asr
        self.sim = SimServer(settings.sim.model_copy(update={"port": 0}))
        self.audio = AudioServer(settings.media.model_copy(update={"port": 0}))
        self.vad_model = SileroModel()
        self.analysis = AnalysisWorker(clock=SystemClock())  # robot.calls.app's: one thread, every call's VAD
        self.esl: EslClient | None = None

    async def __aenter__(self) -> SimBench:
        await self.sim.start()
        await self.audio.start()
        esl_settings = self.settings.esl.model_copy(update={"port": self.sim.port, "host": self.settings.sim.host})
        self.esl = EslClient(esl_settings)
        await self.esl.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.esl is not None:
            await self.esl.close()
        await self.audio.close()
        await self.sim.close()
        self.analysis.close()

    async def call(self, script: str, scenario: Scenario, settings: Settings | None = None) -> CallMeasure:
        """One call to the callee `script`, the robot running `scenario` with `settings` (default: the bench's)."""
        assert self.esl is not None
        dialog = (settings or self.settings).dialog
        uuid = str(uuidlib.uuid4())
        clock = SystemClock()
        events = self.esl.call_events(uuid)
        call_audio = self.audio.open_call(uuid, rate=16000)
        tasks: list[asyncio.Task[None]] = []
        try:
            frame_ms = {STREAM_BUFFER_VAR: str(self.settings.media.stream_buffer_ms)}  # as robot.calls.app dials
            result = await originate(self.esl, f"loopback/{script}/default", uuid, frame_ms)
            if not result.ok:
                raise RuntimeError(f"originate {script} failed: {result.raw.strip()}")
            control = EslCallControl(self.esl, uuid)
            vad = StreamingVad(self.settings.vad, self.vad_model)
            chunks: AsyncIterator[AudioChunk] = call_audio.chunks()
            listener = CallListener(dialog, vad, self.asr, clock=clock, worker=self.analysis)
            interruptions: list[dict[str, object]] = []
            runner = ScenarioRunner(
                scenario, control, listener, dialog, clock, lambda name, f: _keep(name, f, interruptions)
            )
            tasks.append(asyncio.create_task(_pump_playback(events, runner), name=f"events-{uuid}"))
            await control.start_audio_stream(self.audio.stream_url(uuid), 16000)
            tasks.append(asyncio.create_task(listener.run(chunks), name=f"listen-{uuid}"))
            # In production the dialog starts once AMD said HUMAN, i.e. after the callee's "Allô ?": wait for it.
            await listener.next_turn(0.0, self.opening_wait_s, OPENING_SILENCE_S)
            outcome = await runner.run()
            await listener.aclose()
        finally:
            await self.audio.close_call(uuid)
            events.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return self._measure(script, uuid, outcome, tuple(interruptions))

    def _measure(
        self, script: str, uuid: str, outcome: DialogOutcome, interruptions: tuple[dict[str, object], ...]
    ) -> CallMeasure:
        plays = self.sim.playbacks(uuid)
        prompt = [p for p in plays if plays and p.file == plays[0].file]
        resumed = sum(1 for p in prompt if p.offset_samples > 0)
        gaps = tuple(
            (b.started - a.ended) * 1000
            for a, b in itertools.pairwise(prompt)
            if a.ended is not None and b.offset_samples
        )
        broke = any(p.status == "break" for p in prompt)
        first = prompt[0] if prompt else None
        silenced = None
        if first is not None:
            marks = [first.first_paused, first.ended if first.status == "break" else None]
            silenced = min((m for m in marks if m is not None), default=None)
        latency = None
        if first is not None and silenced is not None:
            talk = [
                s for s in self.sim.speech_log(uuid) if s.anchor.startswith("broadcast") and s.started >= first.started
            ]
            latency = (silenced - talk[0].started) * 1000 if talk else None
        paused = sum(p.pauses for p in prompt)
        whole = heard_whole(prompt)
        paused_ms = sum(p.paused_s for p in prompt) * 1000
        return CallMeasure(
            script, uuid, broke, latency, outcome, resumed, whole, gaps, paused, paused_ms, interruptions
        )
