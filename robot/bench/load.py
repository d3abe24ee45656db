"""`robot bench load [--mode plumbing|dialog|analysis]`: how many simulated calls one robot process carries.

The simulator (`robot sim`, with the bench's `talker` callee: a 2.7 s French answer every 4 s) runs in a CHILD
process, so its CPU is not counted; its CPU is reported to show when the simulator, not the robot, is the limit.
The robot side runs here: one EslClient (all events subscribed, a listener measuring their delivery lag, one
uuid_broadcast per call every --broadcast-every s for PLAYBACK_* traffic) and the robot's AudioServer.

- plumbing (issue 4): N calls, each streaming 16 kHz audio into AudioServer -> CallAudio -> a consumer task per
  call (no VAD, no ASR), in frames of media.stream_buffer_ms (--frame-ms; mod_audio_stream's STREAM_BUFFER_SIZE,
  set as an originate variable as the robot does). Calls are added step by step (--steps); at each step, for
  --seconds: this process's CPU (time.process_time) as % of one core, frames received vs the frames/s per call
  that frame size gives, robot-side drops, event lag, uuid_broadcast round trip, event-loop lag (a 50 ms timer's
  overshoot).
  BASELINES, same run, same steps: our adapter with 20 ms frames (mod_audio_stream's default; and any
  --also-frame-ms), and the same calls with 20 ms frames streaming into a bare `websockets` server that only counts
  frames (robot.bench.loadgen.RawSink) - the floor cost of receiving the streams in Python with that library.
  --rounds N repeats every variant N times, interleaved (a noisy minute on a shared box hits all of them); the
  summary gives the median of the rounds' last steps, the goal is judged on the chosen frame size's median.
  If the simulator cannot produce every stream in real time (frames received < 95 % of 50/s per call), the robot's
  capacity is EXTRAPOLATED from its CPU per frame, and the JSON says so.
- dialog (issue 6): N calls with the full listening path (Silero VAD per call on ONE audio-analysis worker, the
  frames that arrived together analysed together, as robot.calls.app runs it; end of turn, one
  Priority.DIALOG request per turn on ONE shared AsrEngine with the tiny int8 model and its deadline). N ramps
  until a step misses: an ASR deadline dropped, a request refused, a frame dropped, or turn ASR p95 > --budget-ms.
  Reports the largest N with no miss (the tiny model has random weights: costs only, transcripts are gibberish).
- analysis (issue 12): N calls with AMD (VAD + tones + classifier) then listening with barge-ins, all analysed by ONE
  audio-analysis worker; robot CPU per call, AMD verdict and barge-in decision lags, ESL lag; baseline in the same
  run: one executor future per frame per call (robot.bench.analysis_load).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from robot.asr.engine import AsrEngine
from robot.asr.vad import SileroModel, StreamingVad
from robot.bench.analysis_load import BASELINE_AMD_S, AnalysisCalls, CountedChunks, measure_step
from robot.bench.loadgen import EventLag, Fleet, Probe, RawSink, SimProcess, StreamUrl, loop_lag, ms_summary
from robot.calls.esl_control import EslCallControl
from robot.clock import SystemClock
from robot.dialog.listener import CallListener
from robot.esl.connection import EslClient
from robot.media.analysis import AnalysisWorker
from robot.media.call_audio import CallAudio
from robot.media.server import AudioServer
from robot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
TINY_MODEL = REPO.parent / "shared" / "models" / "whisper-tiny-random-int8"
PROMPT = REPO / "audio" / "prompts" / "8k" / "confirm.wav"
DEFAULT_FRAME_MS = 20  # mod_audio_stream without STREAM_BUFFER_SIZE
REAL_TIME_RATIO = 0.95  # frames received / expected below this: the streams were not real time
GOAL_CALLS, GOAL_CPU_PCT = 500, 50.0
SETTLE_S = 1.5
TURN_PERIOD_S = 4.0  # the talker's answer period: dialog calls are spread over it


class Bench:
    """One simulator process, one ESL client, our AudioServer: the ramp of one mode."""

    def __init__(self, settings: Settings, sim: SimProcess, broadcast_every_s: float) -> None:
        self.settings = settings
        self.frames_per_s = 1000 / settings.media.stream_buffer_ms  # per call
        self.frame_samples = 16 * settings.media.stream_buffer_ms  # 16 kHz samples in one frame
        self.sim = sim
        esl = settings.esl.model_copy(update={"host": sim.host, "port": sim.port, "password": settings.sim.password})
        self.esl = EslClient(esl, call_queue_max=16)
        self.audio = AudioServer(settings.media.model_copy(update={"port": 0, "host": sim.host}))
        self.lag = EventLag()
        self.esl.add_listener(self.lag)
        self.fleet = Fleet(self.esl, settings, broadcast_every_s=broadcast_every_s, prompt=PROMPT)
        self.probe = Probe()
        self.calls: list[CallAudio] = []
        self.samples = [0]  # dialog mode: samples read by the listeners while the probe is on

    async def __aenter__(self) -> Bench:
        await self.audio.start()
        await self.esl.start()
        self._lag_task = asyncio.create_task(loop_lag(self.probe), name="bench-loop-lag")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.fleet.hangup_all()
        self._lag_task.cancel()
        await asyncio.gather(self._lag_task, return_exceptions=True)
        await self.esl.close()
        await self.audio.close()

    def counting_body(self, uuid: str, control: EslCallControl) -> Coroutine[Any, Any, None]:
        call = self.audio.open_call(uuid, rate=16000)
        self.calls.append(call)
        return self._count(call)

    async def _count(self, call: CallAudio) -> None:
        probe = self.probe
        async for _chunk in call.chunks():
            if probe.on:
                probe.frames += 1

    async def measure(self, seconds: float, frames: Any) -> dict[str, Any]:
        """Run `seconds` with the probe on; `frames()` reads the frame counter of the side under test."""
        probe, fleet = self.probe, self.fleet
        probe.loop_lag_ms.clear()
        self.lag.lags_ms.clear()
        fleet.broadcast_rtt_ms.clear()
        dropped0 = sum(c.stats.dropped_frames for c in self.calls)
        frames0, sim0, cpu0, wall0 = frames(), self.sim.cpu_s(), time.process_time(), time.perf_counter()
        probe.on = self.lag.recording = fleet.recording = True
        await asyncio.sleep(seconds)
        probe.on = self.lag.recording = fleet.recording = False
        wall = time.perf_counter() - wall0
        cpu, received, sim1 = time.process_time() - cpu0, frames() - frames0, self.sim.cpu_s()
        calls = len(fleet.uuids)
        expected = calls * self.frames_per_s * wall
        per_frame_us = cpu / received * 1e6 if received else None
        return {
            "calls": calls,
            "failed_originates": fleet.failed,
            "window_s": round(wall, 2),
            "robot_cpu_pct_one_core": round(cpu / wall * 100, 1),
            "frames_per_s": round(received / wall, 1),
            "frame_ms": self.settings.media.stream_buffer_ms,
            "frames_expected_per_s": round(calls * self.frames_per_s, 1),
            "frames_received_ratio": round(received / expected, 3) if expected else None,
            "robot_dropped_frames": sum(c.stats.dropped_frames for c in self.calls) - dropped0,
            "robot_cpu_us_per_frame": round(per_frame_us, 1) if per_frame_us else None,
            "sim_cpu_pct_one_core": round((sim1 - sim0) / wall * 100, 1) if sim0 is not None and sim1 else None,
            "esl_event_lag": self.lag.summary(),
            "broadcast_rtt": ms_summary(fleet.broadcast_rtt_ms),
            "loop_lag": ms_summary(probe.loop_lag_ms),
        }


async def _ramp(bench: Bench, steps: list[int], seconds: float, url: StreamUrl, frames: Any) -> list[dict[str, Any]]:
    results = []
    for target in steps:
        await bench.fleet.add(target - len(bench.fleet.uuids), url, bench.counting_body)
        await asyncio.sleep(SETTLE_S)
        results.append(await bench.measure(seconds, frames))
    return results


def _capacity(step: dict[str, Any]) -> dict[str, Any]:
    """Calls on GOAL_CPU_PCT of one core, from the CPU per frame (exact when the streams were real time)."""
    per_frame = step["robot_cpu_us_per_frame"]
    if not per_frame:
        return {"cpu_pct_per_call": None, "calls_at_goal_cpu": None}
    per_call = per_frame * (1000 / step["frame_ms"]) / 1e4  # % of one core for one call
    return {"cpu_pct_per_call": round(per_call, 4), "calls_at_goal_cpu": int(GOAL_CPU_PCT / per_call)}


def with_frame_ms(settings: Settings, frame_ms: int) -> Settings:
    """`settings` with media.stream_buffer_ms = frame_ms (validated: a multiple of 20 that fits max_frame_bytes)."""
    media = settings.media.model_dump()
    media["stream_buffer_ms"] = frame_ms
    return settings.model_copy(update={"media": type(settings.media).model_validate(media)})


async def run_plumbing(
    settings: Settings,
    steps: list[int],
    seconds: float,
    broadcast_every_s: float,
    baseline: bool = True,
    *,
    also_frame_ms: Sequence[int] = (),
    rounds: int = 1,
) -> dict[str, Any]:
    """The chosen frame size (media.stream_buffer_ms), then `also_frame_ms` and (baseline) 20 ms frames through the
    same adapter, then (baseline) the raw websockets sink; `rounds` times over, interleaved, on one simulator."""
    host = settings.sim.host
    frame_ms = settings.media.stream_buffer_ms
    sizes = list(dict.fromkeys([frame_ms, *also_frame_ms, *([DEFAULT_FRAME_MS] if baseline else [])]))
    result: dict[str, Any] = {
        "bench": "load",
        "mode": "plumbing",
        "steps": steps,
        "window_s": seconds,
        "frame_ms": frame_ms,
        "rounds": rounds,
        "machine": _machine(),
    }
    twenty = with_frame_ms(settings, DEFAULT_FRAME_MS)
    runs: list[dict[str, Any]] = []
    base: list[dict[str, Any]] = []
    dropped_events = 0
    async with SimProcess(host) as sim:
        for round_no in range(rounds):
            for size in sizes:
                async with Bench(with_frame_ms(settings, size), sim, broadcast_every_s) as bench:
                    rows = await _ramp(bench, steps, seconds, bench.audio.stream_url, lambda: bench.probe.frames)
                    dropped_events += bench.esl.dropped_events
                runs.append({"round": round_no, "frame_ms": size, "steps": rows})
            if baseline:
                async with RawSink(host) as sink, Bench(twenty, sim, broadcast_every_s) as raw:
                    base.append({"round": round_no, "steps": await _ramp(raw, steps, seconds, sink.url, sink.count)})
    result["machine"]["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    summary = {size: _median_last_step([r["steps"] for r in runs if r["frame_ms"] == size]) for size in sizes}
    result["summary_last_step_median_of_rounds"] = {
        **{f"robot_adapter_{size}ms": row for size, row in summary.items()},
        **({"raw_websockets_20ms": _median_last_step([b["steps"] for b in base])} if base else {}),
    }
    result["robot_adapter"] = runs
    result["baseline_raw_websockets"] = {
        "what": "same calls and ESL traffic with 20 ms frames, audio into a bare websockets server counting frames "
        "(no routing, auth, decoding, per-call queue or consumer task): the floor of receiving 20 ms frames with "
        "that library in Python",
        "runs": base,
    }
    chosen = summary[frame_ms]
    real_time = chosen["frames_received_ratio_min"] >= REAL_TIME_RATIO
    capacity = _capacity(chosen)
    measured_ok = real_time and chosen["calls"] >= GOAL_CALLS and chosen["robot_cpu_pct_one_core"] < GOAL_CPU_PCT
    result["esl_events_dropped"] = dropped_events
    result["capacity"] = {
        **capacity,
        "frame_ms": frame_ms,
        "basis": "measured: streams were real time"
        if real_time
        else "EXTRAPOLATED from the robot's CPU per frame: the simulator did not produce every frame in real time "
        f"at {chosen['calls']} calls (worst ratio {chosen['frames_received_ratio_min']})",
    }
    result["goal"] = {"calls": GOAL_CALLS, "cpu_pct_one_core_max": GOAL_CPU_PCT}
    result["goal_met"] = measured_ok or (capacity["calls_at_goal_cpu"] or 0) >= GOAL_CALLS
    result["goal_met_basis"] = "measured" if measured_ok else "extrapolated"
    return result


def _median_last_step(ramps: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The last step of each round's ramp: median CPU % and CPU per frame, worst received ratio, drops summed."""
    last = [ramp[-1] for ramp in ramps]
    per_frame = [row["robot_cpu_us_per_frame"] for row in last if row["robot_cpu_us_per_frame"]]
    return {
        "calls": min(row["calls"] for row in last),
        "frame_ms": last[0]["frame_ms"],
        "rounds": len(last),
        "robot_cpu_pct_one_core": statistics.median(row["robot_cpu_pct_one_core"] for row in last),
        "robot_cpu_pct_one_core_all": [row["robot_cpu_pct_one_core"] for row in last],
        "robot_cpu_us_per_frame": statistics.median(per_frame) if per_frame else None,
        "frames_received_ratio_min": min(row["frames_received_ratio"] or 0.0 for row in last),
        "robot_dropped_frames": sum(row["robot_dropped_frames"] for row in last),
        "failed_originates": sum(row["failed_originates"] for row in last),
        "sim_cpu_pct_one_core": statistics.median(row["sim_cpu_pct_one_core"] or 0.0 for row in last),
    }


async def _dialog_call(
    bench: Bench, engine: AsrEngine, vad_model: SileroModel, worker: AnalysisWorker, uuid: str, eot_s: float
) -> None:
    call = bench.audio.open_call(uuid, rate=16000)
    bench.calls.append(call)
    s = bench.settings
    listener = CallListener(s.dialog, StreamingVad(s.vad, vad_model), engine, clock=SystemClock(), worker=worker)
    probe = bench.probe
    stream = CountedChunks(call.chunks(), bench.samples, probe)
    feeding = asyncio.create_task(listener.run(stream), name=f"bench-listen-{uuid}")
    try:
        while not feeding.done():
            turn = await listener.next_turn(listener.audio_time, 2 * TURN_PERIOD_S, eot_s)
            if turn is not None and probe.on:
                probe.asr_ms.append(turn.asr_ms)
                probe.empty_turns += not turn.text
    finally:
        feeding.cancel()
        await listener.aclose()


async def run_dialog(
    settings: Settings, steps: list[int], seconds: float, model: Path, tokens: int, budget_ms: float, eot_s: float
) -> dict[str, Any]:
    asr = settings.asr.model_copy(update={"model": str(model), "local_files_only": True, "max_new_tokens": tokens})
    engine = await AsrEngine.load(asr)
    vad_model = await asyncio.to_thread(SileroModel)
    worker = AnalysisWorker()
    results: list[dict[str, Any]] = []
    best = 0
    try:
        async with SimProcess(settings.sim.host) as sim, Bench(settings, sim, 0.0) as bench:

            def body(uuid: str, control: EslCallControl) -> Coroutine[Any, Any, None]:
                return _dialog_call(bench, engine, vad_model, worker, uuid, eot_s)

            for target in steps:
                await bench.fleet.add(
                    target - len(bench.fleet.uuids), bench.audio.stream_url, body, spread_s=TURN_PERIOD_S
                )
                await asyncio.sleep(SETTLE_S + TURN_PERIOD_S)
                before = engine.stats()
                bench.probe.asr_ms.clear()
                bench.probe.empty_turns = 0
                step = await bench.measure(seconds, lambda: bench.samples[0] / bench.frame_samples)
                after = engine.stats()
                turns = ms_summary(bench.probe.asr_ms)
                misses = {
                    "dropped_deadline": after.dropped_deadline - before.dropped_deadline,
                    "refused_full": after.refused_full - before.refused_full,
                    "robot_dropped_frames": step["robot_dropped_frames"],
                    "turn_asr_p95_over_budget": bool(turns["p95_ms"] and turns["p95_ms"] > budget_ms),
                }
                step["robot_cpu_pct_of_2_cores"] = round(step["robot_cpu_pct_one_core"] / 2, 1)
                step["turns"] = {**turns, "empty_text": bench.probe.empty_turns}
                step["asr_queue"] = {
                    "served": after.served - before.served,
                    "batches": after.batches - before.batches,
                    "max_batch_size": after.max_batch_size,
                    "queue_depth_at_end": after.queue_depth,
                    "busy_s": round(after.busy_s - before.busy_s, 2),
                }
                step["misses"] = misses
                results.append(step)
                if any(misses.values()) or not turns["n"]:
                    break
                best = step["calls"]
    finally:
        worker.close()
        engine.close()
    return {
        "bench": "load",
        "mode": "dialog",
        "model": str(model),
        "cpu_threads": asr.cpu_threads,
        "token_cap": tokens,
        "turn_budget_ms": budget_ms,
        "eot_s": eot_s,
        "steps": results,
        "max_calls_without_miss": best,
        "limit_found": bool(results) and best < results[-1]["calls"],
        "unverified": [
            "random-weight model: transcripts are gibberish, always decode to the token cap and are rejected by the "
            "hallucination guard (empty_text); real weights stop earlier, so real turns cost less",
            "limit_found false: no step missed, the capacity is at least max_calls_without_miss (ramp with --steps)",
        ],
    }


async def run_analysis(
    settings: Settings, steps: list[int], seconds: float, broadcast_every_s: float, baseline: bool
) -> dict[str, Any]:
    vad_model = await asyncio.to_thread(SileroModel)
    result: dict[str, Any] = {
        "bench": "load",
        "mode": "analysis",
        "steps": steps,
        "window_s": seconds,
        "per_call": "AMD (VAD + tones + classifier, no ASR) to its verdict, then listening (VAD + barge-in policy, "
        "a prompt always playing); the talker answers 2.7 s every 4 s",
        "frame_ms": settings.media.stream_buffer_ms,
        "analysis_threads": settings.media.analysis_threads,
        "machine": _machine(),
    }
    async with SimProcess(settings.sim.host) as sim:
        for side in ("worker", "baseline_per_frame_executor") if baseline else ("worker",):
            worker = AnalysisWorker(threads=settings.media.analysis_threads)
            try:
                async with Bench(settings, sim, broadcast_every_s) as bench:
                    calls = AnalysisCalls(settings, vad_model, bench, worker)
                    body = calls.body(baseline=side != "worker")
                    rows = []
                    for target in steps:
                        added = target - len(bench.fleet.uuids)
                        await bench.fleet.add(added, bench.audio.stream_url, body, spread_s=TURN_PERIOD_S)
                        await asyncio.sleep(SETTLE_S)
                        rows.append(await measure_step(bench, calls, worker, seconds))
                    result[side] = rows
            finally:
                worker.close()
    result["machine"]["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    if baseline:
        result["baseline_what"] = (
            "the previous hot path: one executor future per 20 ms frame per call (VAD + tones for the first "
            f"{BASELINE_AMD_S} s, no classifier, then CallListener.feed frame by frame)"
        )
    return result


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "cpu_model": _cpu_model(), "load_average_1m_before": round(os.getloadavg()[0], 2)}


def _cpu_model() -> str | None:
    """/proc/cpuinfo's model name (Linux), None elsewhere."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    names = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")]
    return names[0] if names else None


def _frame_sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"--also-frame-ms: comma-separated ms, got {text!r}") from err
    if any(size < 20 or size % 20 for size in sizes):
        raise argparse.ArgumentTypeError(f"--also-frame-ms: multiples of 20 ms, got {text!r}")
    return sizes


def _steps(text: str) -> list[int]:
    try:
        steps = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"--steps: comma-separated call counts, got {text!r}") from err
    if not steps or any(b <= a for a, b in itertools.pairwise(steps)) or steps[0] <= 0:
        raise argparse.ArgumentTypeError(f"--steps: increasing positive call counts, got {text!r}")
    return steps


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.frame_ms is not None:
        try:
            settings = with_frame_ms(settings, args.frame_ms)
        except ValueError as err:
            print(f"robot bench load: --frame-ms {args.frame_ms}: {err}")
            return 2
    if args.mode in ("plumbing", "analysis"):
        steps = args.steps or ([args.calls] if args.calls else [100, 250, 500])
        base = not args.no_baseline
        if args.mode == "plumbing":
            also, rounds = args.also_frame_ms, args.rounds
            coro = run_plumbing(
                settings, steps, args.seconds or 8.0, args.broadcast_every, base, also_frame_ms=also, rounds=rounds
            )
        else:
            coro = run_analysis(settings, steps, args.seconds or 8.0, args.broadcast_every, base)
    else:
        model = Path(args.model)
        if not (model / "model.bin").is_file():
            print(f"robot bench load: model not found: {model} (use --model DIR)")
            return 2
        steps = args.steps or ([args.calls] if args.calls else [2, 4, 8, 12, 16, 24, 32])
        budget = args.budget_ms or float(settings.dialog.turn_asr_deadline_ms)
        coro = run_dialog(settings, steps, args.seconds or 12.0, model, args.tokens, budget, args.eot)
    print(json.dumps(asyncio.run(coro), indent=2))
    return 0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "load",
        help="Calls one robot process carries: plumbing (ESL + audio), dialog (VAD + ASR) or analysis "
        "(AMD + VAD + tones + barge-in). JSON.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--mode", choices=("plumbing", "dialog", "analysis"), default="plumbing")
    parser.add_argument("--steps", type=_steps, default=None, help="Call counts to ramp through, e.g. 100,250,500.")
    parser.add_argument("--calls", type=int, default=None, help="One step of this many calls (instead of --steps).")
    parser.add_argument("--seconds", type=float, default=None, help="Measured window per step, s (8 / 12).")
    parser.add_argument(
        "--broadcast-every",
        type=float,
        default=5.0,
        help="plumbing: one uuid_broadcast per call "
        "every this many seconds (ESL command + PLAYBACK events), s; 0: none.",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="plumbing, analysis: skip the baselines (20 ms frames and raw websockets / per-frame).",
    )
    parser.add_argument(
        "--frame-ms",
        type=int,
        default=None,
        help="Audio per WebSocket frame, ms (STREAM_BUFFER_SIZE; default media.stream_buffer_ms; multiple of 20).",
    )
    parser.add_argument(
        "--also-frame-ms",
        type=_frame_sizes,
        default=(),
        help="plumbing: more frame sizes through the same adapter in the same run, ms, e.g. 60 (20 is always run "
        "as a baseline unless --no-baseline).",
    )
    parser.add_argument("--rounds", type=int, default=1, help="plumbing: rounds over every variant, interleaved.")
    parser.add_argument("--model", default=str(TINY_MODEL), help="dialog: Whisper model dir.")
    parser.add_argument("--tokens", type=int, default=24, help="dialog: decoded-token cap per turn.")
    parser.add_argument(
        "--budget-ms",
        type=float,
        default=None,
        help="dialog: turn ASR p95 budget, ms (default dialog.turn_asr_deadline_ms).",
    )
    parser.add_argument("--eot", type=float, default=0.6, help="dialog: end-of-turn silence, s.")
    parser.set_defaults(func=_run)
