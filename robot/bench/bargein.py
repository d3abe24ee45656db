"""`robot bench bargein [--calls N] [--model DIR] [--seed S] [--out FILE]`: barge-in on the simulator, our policy
against two baselines, all RUN in the same process through the same path (robot.bench.simbench: ESL, audio stream,
Silero VAD, live recognition with the model given, scenario runner playing the 8.5 s demo greeting).

Callees (N talkers, N/2 backchannelers, N/2 noisy lines per variant, all concurrent), onsets drawn at random (seeded,
the same for every variant): a talker says "Allô" then talks over the prompt (human_bargein.wav, 2.6 s) 0.5-3.5 s
into it; a backchanneler says "oui" then "mmh" over it; a noisy line says nothing on -35 dBFS noise.
Variants:
- `pause` (ours): uuid_fileman pause after 100 ms of speech, then uuid_break for a real interruption or the same
  toggle to resume a backchannel from the same sample;
- `vad_resume`: uuid_break after 240 ms, then a backchannel's prompt restarts 200 ms before where it broke;
- `baseline_vad_500ms`: a plain VAD interruption with LiveKit's default minimum (0.5 s), no resume;
- `baseline_localagreement_1s`: break once LocalAgreement-2 commits a non-backchannel word, iterations every 1 s of
  new audio (whisper_streaming's min-chunk-size), with the model given (none: this variant is skipped).
Per variant: talkers' callee speech start -> prompt silent (break or pause) from the simulator's own records
(p50/p95/max), missed interruptions; for backchannel/noise callees: prompts broken, restarts heard, and whether each
heard the whole prompt exactly once. No oracle anywhere: words come from the model or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from robot.asr.engine import AsrEngine
from robot.bench.simbench import CallMeasure, SimBench, bench_scenario
from robot.settings import Settings
from robot.sim.scripts import CalleeScript

REPO = Path(__file__).resolve().parents[2]
BASE_MODEL = REPO.parent / "shared" / "models" / "whisper-base"
PROMPT = REPO / "audio" / "prompts" / "8k" / "greeting.wav"
VARIANTS: dict[str, dict[str, Any]] = {
    "pause": {"bargein_policy": "pause"},
    "vad_resume": {"bargein_policy": "vad", "bargein_resume": True},
    "baseline_vad_500ms": {"bargein_policy": "vad", "bargein_min_speech_ms": 500, "bargein_resume": False},
    "baseline_localagreement_1s": {
        "bargein_policy": "words",
        "stream_chunk_ms": 1000,
        "bargein_asr_interval_ms": 600_000,  # no separate confirmations: only LocalAgreement's committed words
        "bargein_resume": False,
        "early_intents": [],
    },
}


def callee_scripts(calls: int, rng: random.Random) -> dict[str, CalleeScript]:
    """name -> script: `talk<i>`, `back<i>`, `noise<i>` with their random onsets (ms after the prompt starts)."""
    specs: dict[str, dict[str, Any]] = {}
    opener = {"at_ms": 0, "say": "human_allo.wav"}
    for i in range(calls):
        talk = {"after_broadcast": 1, "at_ms": rng.randint(500, 3500), "say": "human_bargein.wav"}
        specs[f"talk{i}"] = {"hangup_after_ms": 60000, "timeline": [opener, talk]}
    for i in range(max(1, calls // 2)):
        oui = rng.randint(500, 3000)
        mmh = oui + rng.randint(1400, 2500)
        back = [
            opener,
            {"after_broadcast": 1, "at_ms": oui, "say": "human_oui.wav"},
            {"after_broadcast": 1, "at_ms": mmh, "say": "human_mmh.wav", "gain_db": -6},
        ]
        specs[f"back{i}"] = {"hangup_after_ms": 60000, "timeline": back}
        noise = {"at_ms": 0, "noise": {"duration_ms": 20000, "level_dbfs": -35}}
        specs[f"noise{i}"] = {"hangup_after_ms": 30000, "timeline": [noise]}
    return {name: CalleeScript.model_validate({"name": name, **spec}) for name, spec in specs.items()}


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


def _call_detail(m: CallMeasure) -> dict[str, Any]:
    """What happened to one calm callee's prompt: each interruption's verdict, words and action."""
    keys = ("kind", "speech_ms", "text", "no_words", "resumed", "action")
    return {
        "script": m.script,
        "broke": m.broke,
        "pauses": m.paused,
        "paused_ms": round(m.paused_ms),
        "heard_whole_prompt_once": m.heard_once,
        "interruptions": [{k: i.get(k) for k in keys if k in i} for i in m.interruptions],
    }


def summarise(measures: list[CallMeasure]) -> dict[str, Any]:
    talkers = [m for m in measures if m.script.startswith("talk")]
    calm = {kind: [m for m in measures if m.script.startswith(kind)] for kind in ("back", "noise")}
    out: dict[str, Any] = {
        "talker_speech_to_prompt_silent_ms": _percentiles([m.latency_ms for m in talkers if m.latency_ms is not None]),
        "talkers_missed": sum(1 for m in talkers if not m.broke),
        "talkers": len(talkers),
    }
    for kind, name in (("back", "backchannel"), ("noise", "noise")):
        calls = calm[kind]
        out[name] = {
            "calls": len(calls),
            "prompts_broken": sum(m.broke and not m.heard_whole for m in calls),
            "breaks": sum(m.broke for m in calls),
            "pauses": sum(m.paused for m in calls),
            "restarts_heard": sum(m.resumed for m in calls),
            "heard_whole_prompt_once": sum(m.heard_once for m in calls),
            "heard_whole_prompt": sum(m.heard_whole for m in calls),
            "paused_ms_per_call": _percentiles([m.paused_ms for m in calls if m.paused]),
            "per_call": [_call_detail(m) for m in calls],
        }
    return out


async def run_variant(
    bench: SimBench, settings: Settings, overrides: dict[str, Any], scripts: list[str]
) -> dict[str, Any]:
    variant = settings.model_copy(update={"dialog": settings.dialog.model_copy(update=overrides)})
    scenario = bench_scenario(PROMPT)
    started = time.perf_counter()
    measures = await asyncio.gather(*(bench.call(name, scenario, variant) for name in scripts))
    return summarise(list(measures)) | {"wall_s": round(time.perf_counter() - started, 1), "settings": overrides}


async def run_bench(settings: Settings, calls: int, model: Path | None, seed: int) -> dict[str, Any]:
    settings = settings.model_copy(update={"dialog": settings.dialog.model_copy(update={"audio_dir": REPO / "audio"})})
    engine = None
    if model is not None:
        engine = await AsrEngine.load(settings.asr.model_copy(update={"model": str(model), "local_files_only": True}))
    scripts = callee_scripts(calls, random.Random(seed))
    load_before = [round(x, 2) for x in os.getloadavg()]
    results: dict[str, Any] = {}
    try:
        async with SimBench(settings, engine) as bench:
            bench.sim.scripts.update(scripts)
            for name, overrides in VARIANTS.items():
                if overrides["bargein_policy"] == "words" and engine is None:
                    continue
                results[name] = await run_variant(bench, settings, overrides, list(scripts))
                print(json.dumps({name: results[name]}), flush=True)
        asr_stats = asdict(engine.stats()) if engine is not None else None
    finally:
        if engine is not None:
            engine.close()
    onsets = {name: [i.at_ms for i in script.timeline if i.after_broadcast] for name, script in scripts.items()}
    return {
        "bench": "bargein",
        "model": str(model) if model is not None else None,
        "asr_compute_type": settings.asr.compute_type,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "calls_per_variant": len(scripts),
        "frame_ms": settings.media.stream_buffer_ms,  # audio per WebSocket frame (STREAM_BUFFER_SIZE)
        "seed": seed,
        "onsets_ms_after_prompt_start": onsets,
        "variants": results,
        "asr_engine": asr_stats,
        "goal": {"talker_speech_to_prompt_silent_p95_ms": 300, "backchannel_prompts_broken": 0, "talkers_missed": 0},
    }


def _run(args: argparse.Namespace, settings: Settings) -> int:
    model = None if args.no_model else Path(args.model)
    if model is not None and not (model / "model.bin").is_file():
        print(f"robot bench bargein: model not found: {model} (use --model DIR or --no-model)")
        return 2
    result = asyncio.run(run_bench(settings, args.calls, model, args.seed))
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bargein",
        help="Barge-in on the simulator: pause policy vs VAD and LocalAgreement baselines, same run (JSON).",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--calls", type=int, default=8, help="Talking callees per variant (half as many calm ones).")
    parser.add_argument("--model", default=str(BASE_MODEL), help="Whisper model dir (live words, resume checks).")
    parser.add_argument(
        "--no-model", action="store_true", help="No ASR at all (the LocalAgreement baseline is skipped)."
    )
    parser.add_argument("--seed", type=int, default=11, help="Seed of the callees' random onsets.")
    parser.add_argument("--out", type=Path, default=None, help="Also write the JSON report here.")
    parser.set_defaults(func=_run)
