"""`robot bench load --mode plumbing` (issue 4): N calls streaming audio into the robot's AudioServer (no VAD, no
ASR), CPU and frames per step, with the baselines of the same run: 20 ms frames through the same adapter and a bare
`websockets` server that only counts frames (robot.bench.loadgen.RawSink). Described in robot.bench.load.
"""

from __future__ import annotations

import asyncio
import os
import statistics
from collections.abc import Sequence
from typing import Any

from robot.bench.load_bench import SETTLE_S, Bench, _machine, with_frame_ms
from robot.bench.loadgen import RawSink, SimProcess, StreamUrl
from robot.settings import Settings

DEFAULT_FRAME_MS = 20  # mod_audio_stream without STREAM_BUFFER_SIZE
REAL_TIME_RATIO = 0.95  # frames received / expected below this: the streams were not real time
GOAL_CALLS, GOAL_CPU_PCT = 500, 50.0


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
