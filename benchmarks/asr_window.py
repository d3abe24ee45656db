"""Fast path vs plain faster-whisper on one 2.3 s window; prints JSON.

.venv/bin/python benchmarks/asr_window.py [--model DIR_OR_NAME] [--wav FILE] [--runs N] [--window-s S]
"""

from __future__ import annotations

import argparse
import json
import wave
from pathlib import Path

import numpy as np

from robot.asr.benchmark import window_benchmark
from robot.asr.engine import AsrEngine
from robot.settings import AsrSettings

SHARED = Path(__file__).resolve().parents[2] / "shared"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(SHARED / "models" / "whisper-tiny-random-int8"))
    parser.add_argument("--wav", type=Path, default=SHARED / "audio" / "amd-starter" / "tts_vm_julien.wav")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--window-s", type=float, default=2.3)
    parser.add_argument("--cpu-threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--compute-type", default="int8")
    args = parser.parse_args()
    with wave.open(str(args.wav)) as w:
        if w.getframerate() != 16000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
            parser.error(f"{args.wav}: expected 16 kHz mono 16-bit WAV")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    n = int(args.window_s * 16000)
    audio = (np.pad(pcm[:n], (0, max(0, n - pcm.size))).astype(np.float32) / 32768.0).astype(np.float32)
    settings = AsrSettings(
        model=args.model,
        cpu_threads=args.cpu_threads,
        device=args.device,
        compute_type=args.compute_type,
        local_files_only=Path(args.model).is_dir(),
    )
    engine = AsrEngine.load_sync(settings)
    try:
        print(json.dumps(window_benchmark(engine, audio, runs=args.runs), indent=2))
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
