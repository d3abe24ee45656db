"""`robot bench intents [--set YAML] [--model M] [--tts] [--out FILE]`: intent detection on French answers.

The set (benchmarks/data/intents_fr.yaml) is written from phrase families: opener + core + closer, the expected
intent being the core's family (`none`: no intent). Reported, with a confusion matrix (expected -> detected):
- typed: `detect_intent` on the text as written;
- spoken (`--tts`, needs espeak-ng with the MBROLA French voices mb-fr1/mb-fr4, and sox): each answer synthesised
  (voices alternating, 140 words/min), cut to the telephone band (8 kHz, 300-3400 Hz), transcribed by the model
  through the engine (one whole-answer window, Priority.DIALOG, as a turn's second pass), then `detect_intent` on
  the transcript. Separates what the rules miss from what the model mishears.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from robot.asr.engine import AsrEngine, Priority
from robot.dialog.intents import detect_intent
from robot.errors import ConfigError
from robot.media.audio import read_wav_16k
from robot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SET = REPO / "benchmarks" / "data" / "intents_fr.yaml"
VOICES = ("mb-fr1", "mb-fr4")


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    expected: str  # intent value, or "none"


def load_answers(path: Path) -> list[Answer]:
    """opener + core + closer for every core of every family (openers and closers taken in turn)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        openers, neutral, closers = data["openers"], data["neutral_openers"], data["closers"]
        families: dict[str, list[str]] = data["families"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as err:
        raise ConfigError(f"{path}: not an intent set: {err}") from err
    answers: list[Answer] = []
    n = 0
    for family, cores in families.items():
        pool = neutral if family == "none" else openers
        for core in cores:
            opener, closer = pool[n % len(pool)], closers[(n // len(pool)) % len(closers)]
            n += 1
            text = " ".join(x for x in (opener, core.strip()) if x)
            text = text[0].upper() + text[1:]
            if closer:
                text = f"{text.rstrip(' ?')}, {closer}" if not core.rstrip().endswith("?") else f"{text} {closer}"
            answers.append(Answer(text, str(family)))
    return answers


def confusion(expected: list[str], detected: list[str]) -> dict[str, Any]:
    labels = sorted(set(expected) | set(detected))
    matrix = {e: dict.fromkeys(labels, 0) for e in labels}
    for e, d in zip(expected, detected, strict=True):
        matrix[e][d] += 1
    right = sum(matrix[x][x] for x in labels)
    per = {
        x: round(matrix[x][x] / total, 3) for x in labels if (total := sum(matrix[x].values())) > 0
    }  # recall per expected intent
    consent = sum(matrix[e]["yes"] for e in labels if e != "yes" and "yes" in matrix[e])
    return {
        "accuracy": round(right / len(expected), 3),
        "recall": per,
        "false_yes": consent,  # answers taken as consent that were not
        "matrix": matrix,
    }


def _detect(text: str) -> str:
    match = detect_intent(text)
    return match.intent.value if match.intent is not None else "none"


def _speak(text: str, voice: str, out: Path) -> None:
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(
        ["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(out), "sinc", "300-3400", "norm", "-3"],
        check=True,
        capture_output=True,
    )


def spoken(answers: list[Answer], engine: AsrEngine) -> tuple[list[str], list[dict[str, Any]], float]:
    """Transcripts of the synthesised answers, the misses, and the mean transcription time (s)."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        raise ConfigError("--tts needs espeak-ng (with mbrola-fr1/mbrola-fr4) and sox")
    detected: list[str] = []
    misses: list[dict[str, Any]] = []
    spent = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i, answer in enumerate(answers):
            wav = Path(tmp) / f"a{i}.wav"
            _speak(answer.text, VOICES[i % len(VOICES)], wav)
            started = time.perf_counter()
            transcript = engine.transcribe_sync(read_wav_16k(wav), priority=Priority.DIALOG)
            spent += time.perf_counter() - started
            heard = transcript.text if transcript is not None else ""
            intent = _detect(heard)
            detected.append(intent)
            if intent != answer.expected:
                misses.append({"text": answer.text, "heard": heard, "expected": answer.expected, "got": intent})
    return detected, misses, spent / max(1, len(answers))


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "intents",
        help="Intent detection on French answers: typed, and spoken through TTS + the model (confusion matrix).",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="Answer families (YAML).")
    parser.add_argument("--tts", action="store_true", help="Also speak every answer and transcribe it.")
    parser.add_argument("--model", default=None, help="Whisper model dir/name for --tts (default: asr.model).")
    parser.add_argument("--out", type=Path, default=None, help="Also write the JSON report here.")
    parser.set_defaults(func=cmd_bench_intents)


def cmd_bench_intents(args: argparse.Namespace, settings: Settings) -> int:
    answers = load_answers(args.set)
    expected = [a.expected for a in answers]
    typed = [_detect(a.text) for a in answers]
    report: dict[str, Any] = {
        "bench": "intents",
        "set": str(args.set.relative_to(REPO) if args.set.is_relative_to(REPO) else args.set),
        "answers": len(answers),
        "per_intent": dict(Counter(expected)),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "typed": confusion(expected, typed)
        | {"misses": [{"text": a.text, "expected": a.expected, "got": t} for a, t in zip(answers, typed, strict=True)
                      if t != a.expected]},
    }  # fmt: skip
    if args.tts:
        asr = settings.asr.model_copy(update={"model": args.model} if args.model else {})
        engine = AsrEngine.load_sync(asr)
        try:
            heard, misses, mean_s = spoken(answers, engine)
        finally:
            engine.close()
        report["spoken"] = confusion(expected, heard) | {
            "model": asr.model,
            "compute_type": asr.compute_type,
            "voices": list(VOICES),
            "mean_transcribe_s": round(mean_s, 3),
            "misses": misses,
        }
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0
