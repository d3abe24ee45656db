"""`robot bench bargein [--calls N] [--policy vad|words]`: speech onset -> uuid_break latency on the simulator.

In one process: a SimServer (FreeSWITCH + mod_audio_stream stand-in), the robot's AudioServer, an EslClient, and
per call the real dialog stack: EslCallControl, CallListener (Silero VAD off the loop, barge-in policy) and
ScenarioRunner playing the demo greeting. N `human_bargein` callees talk over the prompt; N callees that only
backchannel or make line noise (`human_backchannel`, `noise`) must not break it. All calls run concurrently.
Latency = the sim's record of the break (PlaybackRecord.ended) - the callee's speech start (SpeechRecord.started),
both on the same clock; the sim's WAVs start with speech. For the calm callees it reports the false barge-ins
(breaks), the resumed prompts (`file@@offset` playbacks) and whether the callee heard the whole prompt in the end
(the sim's playback records of the prompt cover it from 0 to its end, ending "done"). With a model, the resume
check transcribes the interruption through TrueWordsTranscriber (the model's cost, the clip's true words).

BASELINE, measured in the same run: no VAD path, barge-in only once LocalAgreement-2 commits a word, with
whisper_streaming's 1 s minimum chunk, on robot.asr's ScriptedRecognizer that returns the TRUE words at their TRUE
times (a perfect recogniser); each iteration also pays the compute time of the real tiny model (random weights,
shared/models/whisper-tiny-random-int8) measured here on the same buffer length.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import time
import uuid as uuidlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from robot.asr.engine import AsrEngine, Priority
from robot.asr.vad import SileroModel, StreamingVad
from robot.bench.bargein_baseline import baseline_latencies, word_times
from robot.calls.esl_control import EslCallControl, originate
from robot.calls.session import playback_update
from robot.clock import SystemClock
from robot.dialog.listener import CallListener, Transcriber
from robot.dialog.runner import DialogOutcome, ScenarioRunner
from robot.dialog.scenario import Listen, Scenario, Step
from robot.esl.connection import EslClient
from robot.esl.routing import CallEvents
from robot.events import Transcript, Word
from robot.media.audio import AudioChunk, read_wav_16k
from robot.media.server import AudioServer
from robot.settings import Settings
from robot.sim.call import PlaybackRecord
from robot.sim.server import SimServer

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
TINY_MODEL = REPO.parent / "shared" / "models" / "whisper-tiny-random-int8"
BARGEIN_SCRIPT = "human_bargein"
CALM_SCRIPTS = ("human_backchannel", "noise")
OPENING_WAIT_S = 3.0  # stands in for AMD: the callee's greeting, if any, must be over before the first prompt
OPENING_SILENCE_S = 0.3


@dataclass(frozen=True, slots=True)
class CallMeasure:
    script: str
    uuid: str
    broke: bool
    latency_ms: float | None  # callee speech start -> uuid_break (sim clock)
    outcome: DialogOutcome
    resumed: int = 0  # playbacks of the prompt that started into it (`file@@samples`)
    heard_whole: bool = False  # the prompt was played from 0 to its end, resumes included
    resume_gaps_ms: tuple[float, ...] = ()  # silence the callee heard between a break and the resumed prompt


# What the sim's callee clips say, for the words policy's perfect recogniser: backchannel clips are one word;
# other clips are cut into word-like units by energy and labelled "mot<i>" (not backchannels).
CLIP_WORDS = {"human_oui.wav": "oui", "human_mmh.wav": "mmh"}


class TrueWordsTranscriber:
    """Words policy in the bench: each request goes to the real engine (same queue, priority, deadline: real cost
    and queueing), then the answer is replaced by the TRUE words the sim's callee said in that audio span. Stream
    time is mapped to the sim's clock by the arrival of the call's first audio chunk (loopback: within ~20 ms)."""

    def __init__(self, engine: AsrEngine | None, sim: SimServer, uuid: str) -> None:
        self.engine = engine
        self.sim = sim
        self.uuid = uuid
        self.listener: CallListener | None = None
        self.origin: float | None = None  # sim monotonic time of stream time 0
        self._clip_words: dict[str, list[tuple[str, float, float]]] = {}

    def _words_of(self, label: str) -> list[tuple[str, float, float]]:
        if label not in self._clip_words:
            name = Path(label).name
            samples = read_wav_16k(Path(label))
            if name in CLIP_WORDS:
                self._clip_words[label] = [(CLIP_WORDS[name], 0.0, samples.size / 16000)]
            else:
                self._clip_words[label] = [(f"mot{i}", a, b) for i, (a, b) in enumerate(word_times(samples))]
        return self._clip_words[label]

    async def transcribe(
        self,
        audio: np.ndarray[Any, Any],
        *,
        priority: Priority,
        prompt: str = "",
        deadline: float | None = None,
        speech_detected: bool = True,
        word_timestamps: bool = False,
    ) -> Transcript | None:
        assert self.listener is not None
        end = self.listener.audio_time
        start = end - audio.size / 16000
        if self.engine is not None:
            real = await self.engine.transcribe(audio, priority=priority, deadline=deadline)
            if real is None:
                return None  # refused or past its deadline: the policy sees nothing, as in production
        if self.origin is None:
            return Transcript("")
        words = []
        for record in self.sim.speech_log(self.uuid):
            if record.kind != "say":
                continue
            for text, a, b in self._words_of(record.label):
                t0, t1 = record.started + a - self.origin, record.started + b - self.origin
                if t1 > start and t1 <= end + 0.02:
                    words.append(Word(text, t0 - start, t1 - start))
        return Transcript(" ".join(w.text for w in words), tuple(words))


async def _stamped(chunks: AsyncIterator[AudioChunk], oracle: TrueWordsTranscriber) -> AsyncIterator[AudioChunk]:
    async for chunk in chunks:
        if oracle.origin is None:
            oracle.origin = time.monotonic() - chunk.end
        yield chunk


def bench_scenario(prompt: Path) -> Scenario:
    """One question (the demo greeting), a 1 s answer window, then hang up whatever the answer."""
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


class SimBench:
    """The simulator and the robot's servers, started once for all calls."""

    def __init__(self, settings: Settings, asr: AsrEngine | None, opening_wait_s: float = OPENING_WAIT_S) -> None:
        self.settings = settings
        self.opening_wait_s = opening_wait_s
        self.asr = asr
        self.sim = SimServer(settings.sim.model_copy(update={"port": 0}))
        self.audio = AudioServer(settings.media.model_copy(update={"port": 0}))
        self.vad_model = SileroModel()
        self.vad_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="vad")
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
        self.vad_pool.shutdown(wait=True)

    async def call(self, script: str, scenario: Scenario) -> CallMeasure:
        assert self.esl is not None
        uuid = str(uuidlib.uuid4())
        clock = SystemClock()
        events = self.esl.call_events(uuid)
        call_audio = self.audio.open_call(uuid, rate=16000)
        tasks: list[asyncio.Task[None]] = []
        try:
            result = await originate(self.esl, f"loopback/{script}/default", uuid)
            if not result.ok:
                raise RuntimeError(f"originate {script} failed: {result.raw.strip()}")
            control = EslCallControl(self.esl, uuid)
            vad = StreamingVad(self.settings.vad, self.vad_model)
            oracle = TrueWordsTranscriber(self.asr, self.sim, uuid)
            asr: Transcriber | None = self.asr
            chunks: AsyncIterator[AudioChunk] = call_audio.chunks()
            if self.settings.dialog.bargein_policy == "words" or self.asr is not None:
                asr, chunks = oracle, _stamped(chunks, oracle)
            listener = CallListener(self.settings.dialog, vad, asr, clock=clock, executor=self.vad_pool)
            oracle.listener = listener
            runner = ScenarioRunner(scenario, control, listener, self.settings.dialog, clock)
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
        return self._measure(script, uuid, outcome)

    def _measure(self, script: str, uuid: str, outcome: DialogOutcome) -> CallMeasure:
        plays = self.sim.playbacks(uuid)
        prompt = [p for p in plays if plays and p.file == plays[0].file]
        resumed = sum(1 for p in prompt if p.offset_samples > 0)
        whole = heard_whole(prompt)
        gaps = tuple(
            (b.started - a.ended) * 1000
            for a, b in itertools.pairwise(prompt)
            if a.ended is not None and b.offset_samples
        )
        broken = [p for p in plays if p.status == "break" and p.ended is not None]
        if not broken:
            return CallMeasure(script, uuid, False, None, outcome, resumed, whole, gaps)
        first = plays[0].started
        talk = [s for s in self.sim.speech_log(uuid) if s.anchor.startswith("broadcast") and s.started >= first]
        ended = broken[0].ended
        assert ended is not None
        latency = (ended - talk[0].started) * 1000 if talk else None
        return CallMeasure(script, uuid, True, latency, outcome, resumed, whole, gaps)


def heard_whole(plays: list[PlaybackRecord]) -> bool:
    """Did these playbacks of one file cover it from 0 to its end? Each must start at or before where the one
    before stopped (sim positions, file samples); the last must end "done"."""
    if not plays or plays[0].offset_samples != 0 or plays[-1].status != "done":
        return False
    for before, after in itertools.pairwise(plays):
        if before.ended is None:
            return False
        reached = before.offset_samples + (before.ended - before.started) * before.rate
        if after.offset_samples > reached + 0.02 * before.rate:  # 20 ms of timer slack
            return False
    return True


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    arr = np.asarray(values)
    return {
        "p50": round(float(np.percentile(arr, 50)), 1),
        "p95": round(float(np.percentile(arr, 95)), 1),
        "max": round(float(arr.max()), 1),
        "n": len(values),
    }


async def run_bench(settings: Settings, calls: int, policy: str, model: Path | None) -> dict[str, Any]:
    settings = settings.model_copy(
        update={"dialog": settings.dialog.model_copy(update={"bargein_policy": policy, "audio_dir": REPO / "audio"})}
    )
    engine = None
    if model is not None:
        asr = settings.asr.model_copy(update={"model": str(model), "local_files_only": True, "max_new_tokens": 20})
        engine = await AsrEngine.load(asr)
    prompt = REPO / "audio" / "prompts" / "8k" / "greeting.wav"
    scenario = bench_scenario(prompt)
    started = time.perf_counter()
    try:
        async with SimBench(settings, engine) as bench:
            scripts = [BARGEIN_SCRIPT] * calls + [CALM_SCRIPTS[i % len(CALM_SCRIPTS)] for i in range(calls)]
            measures = await asyncio.gather(*(bench.call(s, scenario) for s in scripts))
        wall = time.perf_counter() - started
        talkers = [m for m in measures if m.script == BARGEIN_SCRIPT]
        calm = [m for m in measures if m.script != BARGEIN_SCRIPT]
        latencies = [m.latency_ms for m in talkers if m.latency_ms is not None]
        sim_bargein = bench.sim.scripts[BARGEIN_SCRIPT]
        clip = next(item.say for item in sim_bargein.timeline if item.after_broadcast)
        assert clip is not None
        asr_stats = asdict(engine.stats()) if engine is not None else None
        baseline = await asyncio.to_thread(baseline_latencies, engine, bench.sim.audio_dir / clip, 0.7)
    finally:
        if engine is not None:
            engine.close()
    result: dict[str, Any] = {
        "bench": "bargein",
        "policy": policy,
        "calls_in_flight": len(measures),
        "wall_s": round(wall, 2),
        "robot": {
            "speech_onset_to_uuid_break_ms": _percentiles(latencies),
            "vad_onset_to_decision_ms": _percentiles(
                [(b.decided_at - b.speech_onset) * 1000 for m in talkers for b in m.outcome.barge_ins[:1]]
            ),
            "missed_bargeins": sum(1 for m in talkers if not m.broke),
            "false_bargein_rate": round(sum(m.broke for m in calm) / len(calm), 3) if calm else None,
            "false_bargein_calls": {s: sum(m.broke for m in calm if m.script == s) for s in CALM_SCRIPTS},
            "resumed_prompts": {s: sum(m.resumed for m in calm if m.script == s) for s in CALM_SCRIPTS},
            "calm_calls_heard_whole_prompt": {
                s: f"{sum(m.heard_whole for m in calm if m.script == s)}/{sum(m.script == s for m in calm)}"
                for s in CALM_SCRIPTS
            },
            "break_to_resume_gap_ms": _percentiles([g for m in calm for g in m.resume_gaps_ms]),
            "talker_prompts_resumed": sum(m.resumed for m in talkers),
            "bargein_resume": settings.dialog.bargein_resume,
            "bargein_min_speech_ms": settings.dialog.bargein_min_speech_ms,
            "asr_engine": asr_stats,
        },
        "baseline": {
            "what": "LocalAgreement-2 commits only, 1 s min chunk (whisper_streaming), on ScriptedRecognizer returning "
            "the true words at their true times (word times from the clip's energy), plus the real tiny model's "
            "compute per iteration (random weights: cost only, no accuracy)",
            **baseline,
        },
    }
    p95 = result["robot"]["speech_onset_to_uuid_break_ms"]["p95"]
    if p95 and baseline.get("latency_ms"):
        result["speedup_p95_vs_baseline"] = round(baseline["latency_ms"] / p95, 2)
    result["goal"] = {"p95_ms_max": 300, "speedup_min": 5}
    return result


def _run(args: argparse.Namespace, settings: Settings) -> int:
    model = None if args.no_model else Path(args.model)
    if model is not None and not (model / "model.bin").is_file():
        print(f"robot bench bargein: model not found: {model} (use --model DIR or --no-model)")
        return 2
    if args.no_resume:
        settings = settings.model_copy(update={"dialog": settings.dialog.model_copy(update={"bargein_resume": False})})
    result = asyncio.run(run_bench(settings, args.calls, args.policy, model))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bargein", help="Barge-in latency and false barge-ins on the simulator, vs a LocalAgreement baseline (JSON)."
    )
    parser.add_argument("--calls", type=int, default=8, help="Talking callees (as many calm ones run too).")
    parser.add_argument("--policy", choices=("vad", "words"), default="vad", help="Barge-in policy under test.")
    parser.add_argument("--model", default=str(TINY_MODEL), help="Whisper model dir for the ASR costs.")
    parser.add_argument("--no-model", action="store_true", help="No ASR at all (vad policy only).")
    parser.add_argument(
        "--no-resume", action="store_true", help="vad policy: never resume a prompt broken by a backchannel."
    )
    parser.set_defaults(func=_run)
