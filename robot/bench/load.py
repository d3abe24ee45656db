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
from pathlib import Path
from typing import Any

from robot.bench.analysis_load import run_analysis
from robot.bench.load_bench import REPO, with_frame_ms
from robot.bench.load_dialog import run_dialog
from robot.bench.load_plumbing import run_plumbing
from robot.settings import Settings

TINY_MODEL = REPO.parent / "shared" / "models" / "whisper-tiny-random-int8"


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
