"""UPPER BOUND of AMD accuracy: the shipped AMD path with the reference text as its transcript (not the product).

    flock /tmp/bench.lock .venv/bin/python benchmarks/amd_upper_bound.py [--manifest audio/amd-eval/manifest.csv]
        --split tune|test --out benchmarks/results/amd_upper_bound_<split>.json [--compare BASE.json]

What it shows: how far the AMD rules (VAD, tones, timing rules, keywords, file-mode virtual clock) get when
recognition is perfect, so the gap between `robot amd-eval` with whisper-base and the target splits into a
recognition part and a rules/timing part. It is NOT a measurement of the product: the words come from the manifest.

Everything is the detector `robot amd-eval` runs (robot.amd.detector.AmdDetector.run, robot.amd.evaluation), with
the settings and keyword file it loads; only the ASR engine is replaced by a transcript source. When the classifier
asks for a transcript at audio time t (the detector hands the ASR the audio read so far), the source answers with
the words of the row's `text` column spoken by t; the detector delivers it amd.file_asr_latency_ms of audio later,
as in the real run. Rows without text (no-answer clips) get an empty transcript.

Word timing (an approximation, recorded in the JSON as `word_timing`): the manifest has no word times. Speech segments
are found by one pass of the VAD AMD listens with (robot.amd.detector.amd_vad: Silero at amd.vad_threshold plus the
energy assist; plain Silero at vad.threshold 0.5 found no speech at all in 9 of the 146 tune clips with text, mostly
telephone-band MBROLA voices) over the whole clip; the reference words (split on white space) are laid end to end over
those segments, each taking a share of the total speech time proportional to its letters and digits (at least 1); a
word counts as spoken by t when its estimated END is at or before t (`--cut start`: its start, a more generous cut;
`--cut none`: the whole text at every request, words not yet spoken included, the loosest bound). Pauses inside a
segment, speaking-rate changes, words cut off by the clip's end and music or tones the VAD takes for speech all move
the estimate; if the VAD finds no speech in a clip that has text, the words are spread over the whole clip (counted in
`rows_spread_over_clip`).

`--texts FILE` (benchmarks/amd_best_effort_texts.py output) lays another text over each clip the same way: the words
Whisper gave for the whole clip at its most careful decoding, on every clip of the split (no-answer clips included,
so words it hears in silence count). That run is a bound on what the model's words can give the rules (still not the
product: whole-clip decoding at ~10x AMD's compute, its words timed by the same approximation).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from robot.amd.detector import AmdDetector, AmdFileResult, amd_vad, chunks_of
from robot.amd.evaluation import EXCLUDE, ManifestRow, evaluate, read_manifest
from robot.amd.keywords import load_keywords
from robot.asr.engine import AsrEngine, Priority
from robot.asr.vad import SileroModel, VadModel
from robot.clock import SystemClock
from robot.commands.amd_cmd import resolve_keywords_file
from robot.events import SpeechEnded, SpeechStarted, Transcript
from robot.media.audio import TARGET_RATE, read_wav_16k
from robot.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
KIND = "UPPER BOUND: reference text as transcript (not a measurement of the product)"
WORD_TIMING = (
    "Approximation: speech segments from one pass of AMD's VAD (Silero at amd.vad_threshold + energy assist, "
    "robot.amd.detector.amd_vad) over the whole clip; "
    "the reference words laid end to end over the segments, each taking a share of the speech time proportional "
    "to its letters/digits; a word is in the transcript asked at audio time t when its estimated end <= t "
    "(see `cut`). "
    "No speech found in a clip with text: words spread over the whole clip."
)
KIND_BEST_EFFORT = (
    "BOUND: best-effort whole-clip transcripts of the model as transcript (not a measurement of the product)"
)
CUT_TEXT = {
    "end": "manifest `text` column, cut to the words whose estimated end is read by each request's audio time",
    "start": "manifest `text` column, cut to the words whose estimated start is read by each request's audio time",
    "none": "manifest `text` column, WHOLE text at every request (word timing ignored: words not yet spoken count)",
}
Segment = tuple[float, float]


@dataclass(frozen=True, slots=True)
class TimedWord:
    text: str
    start: float  # seconds after answer (estimated)
    end: float


def _weight(word: str) -> int:
    return max(1, sum(ch.isalnum() for ch in word))


def _at(offset: float, segments: Sequence[Segment], *, closing: bool) -> float:
    """The clip time `offset` seconds into the speech of `segments`; at a boundary between two segments a word's
    end (`closing`) stays in the earlier one, its start goes to the later one."""
    for start, end in segments:
        length = end - start
        if offset < length - 1e-9 or (closing and offset <= length + 1e-9):
            return start + max(0.0, offset)
        offset -= length
    return segments[-1][1]


def spread_words(text: str, segments: Sequence[Segment]) -> list[TimedWord]:
    """The words of `text` laid end to end over `segments` (sorted, non-overlapping), each taking a share of the
    total speech time proportional to its letters/digits. ValueError for segments out of order or empty ones."""
    words = text.split()
    if not words:
        return []
    if not segments:
        raise ValueError("spread_words: no speech segment to spread the words over")
    previous = -1.0
    for start, end in segments:
        if end <= start or start < previous:
            raise ValueError(f"spread_words: segments must be sorted and non-empty, got {list(segments)}")
        previous = end
    speech = sum(end - start for start, end in segments)
    total = sum(_weight(w) for w in words)
    timed: list[TimedWord] = []
    done = 0
    for word in words:
        begin = done / total * speech
        done += _weight(word)
        finish = done / total * speech
        timed.append(TimedWord(word, _at(begin, segments, closing=False), _at(finish, segments, closing=True)))
    return timed


CUTS = ("end", "start", "none")


def spoken_by(words: Sequence[TimedWord], t: float, *, cut: str = "end") -> str:
    """The words spoken by audio time `t`, joined by spaces: those whose estimated end (cut="end") or start
    (cut="start") is at or before `t`; every word whatever `t` (cut="none")."""
    if cut not in CUTS:
        raise ValueError(f"spoken_by: cut must be one of {CUTS}, got {cut!r}")
    if cut == "none":
        return " ".join(w.text for w in words)
    return " ".join(w.text for w in words if (w.end if cut == "end" else w.start) <= t + 1e-9)


def speech_segments(samples: npt.NDArray[np.int16], settings: Settings, model: VadModel) -> list[Segment]:
    """Speech segments of a whole clip: one pass of the VAD AMD listens with (amd_vad)."""
    vad = amd_vad(settings, model)
    events: list[SpeechStarted | SpeechEnded] = []
    for per_chunk in vad.process_many([chunk.samples for chunk in chunks_of(samples)]):
        events += per_chunk
    events += vad.flush()
    segments: list[Segment] = []
    for event in events:
        if isinstance(event, SpeechEnded) and event.duration > 0:
            segments.append((round(event.t - event.duration, 3), event.t))
    return segments


class ReferenceTranscripts:
    """Stands in for AsrEngine.transcribe: the reference words spoken by the end of the audio asked about."""

    def __init__(self, cut: str = "end", texts: dict[str, str] | None = None) -> None:
        self.cut = cut
        self.texts = texts  # clip file name -> text laid over it instead of the manifest's (None: the manifest's)
        self.words: dict[Path, list[TimedWord]] = {}
        self.segments: dict[Path, list[Segment]] = {}
        self.spread_over_clip: set[Path] = set()
        self.current: Path | None = None
        self.cut_at = 0.0  # audio time where the detector's ASR audio ends (set by ReferenceDetector)
        self.requests: dict[Path, list[tuple[float, str]]] = {}  # per clip: (audio time asked, text given)

    def prepare(self, rows: Sequence[ManifestRow], settings: Settings, model: VadModel) -> None:
        for row in rows:
            text = row.text if self.texts is None else self.texts.get(row.path.name, "")
            if row.label == EXCLUDE or not text.strip():
                self.words[row.path] = []
                continue
            samples = read_wav_16k(row.path)
            segments = speech_segments(samples, settings, model)
            self.segments[row.path] = segments
            if not segments:
                self.spread_over_clip.add(row.path)
                segments = [(0.0, samples.size / TARGET_RATE)]
            self.words[row.path] = spread_words(text, segments)

    async def transcribe(self, audio: npt.NDArray[Any], *, priority: Priority) -> Transcript | None:
        if self.current is None:
            raise RuntimeError("ReferenceTranscripts: no clip selected")
        text = spoken_by(self.words[self.current], self.cut_at, cut=self.cut)
        self.requests.setdefault(self.current, []).append((round(self.cut_at, 3), text))
        return Transcript(text)


class ReferenceDetector(AmdDetector):
    """The shipped detector; it only tells the transcript source where the ASR audio ends and which clip runs."""

    def __init__(self, settings: Settings, source: ReferenceTranscripts, vad_model: VadModel, keywords: Any) -> None:
        super().__init__(settings, cast(AsrEngine, source), vad_model, keywords, SystemClock())
        self.source = source

    def _asr_audio(self, kept: list[npt.NDArray[np.int16]], first_onset: float | None) -> npt.NDArray[np.int16]:  # type: ignore[override]
        self.source.cut_at = sum(chunk.size for chunk in kept) / TARGET_RATE  # the audio read so far ends here
        return AmdDetector._asr_audio(kept, first_onset)

    async def detect_file(self, path: Path, *, asr_latency_s: float | None = None) -> AmdFileResult:
        self.source.current = path
        return await super().detect_file(path, asr_latency_s=asr_latency_s)


def compare(items: list[dict[str, Any]], base_path: Path) -> dict[str, Any]:
    """Item by item against a `robot amd-eval --details` JSON of the same split."""
    base = {item["file"]: item for item in json.loads(base_path.read_text(encoding="utf-8"))["items"]}
    fixed, remaining, new = [], [], []
    for item in items:
        other = base.get(item["file"])
        if other is None:
            continue
        wrong_base = other["result"] != other["label"]
        wrong_here = item["result"] != item["label"]
        entry = {
            "file": Path(item["file"]).name,
            "label": item["label"],
            "base": other["result"],
            "upper_bound": item["result"],
        }
        if wrong_base and not wrong_here:
            fixed.append(entry)
        elif wrong_base:
            remaining.append(entry)
        elif wrong_here:
            new.append(entry)
    return {
        "base": str(base_path),
        "base_errors": len(fixed) + len(remaining),
        "fixed_by_reference_text": len(fixed),
        "remaining": len(remaining),
        "new_errors": len(new),
        "fixed": fixed,
        "remaining_items": remaining,
        "new_error_items": new,
    }


def git_head() -> str:
    """HEAD, and the files of robot/ or the keyword file with uncommitted changes when there are any."""
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "robot", "amd_keywords.yaml"], cwd=REPO, capture_output=True, text=True
    )
    changed = [line[3:] for line in dirty.stdout.splitlines()]
    return out.stdout.strip() + (f" (uncommitted changes in {', '.join(changed)})" if changed else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", type=Path, default=REPO / "audio" / "amd-eval" / "manifest.csv")
    parser.add_argument("--split", required=True, help="tune or test")
    parser.add_argument("--out", type=Path, required=True, help="JSON result file")
    parser.add_argument(
        "--cut",
        choices=CUTS,
        default="end",
        help="A word is in the transcript once its estimated end (default) or start is read; none: the whole text "
        "at every request (ignores word timing: a looser bound).",
    )
    parser.add_argument("--compare", type=Path, default=None, help="robot amd-eval --details JSON of the split")
    parser.add_argument(
        "--texts",
        type=Path,
        default=None,
        help="benchmarks/amd_best_effort_texts.py JSON: its texts are laid over the clips instead of the manifest's",
    )
    args = parser.parse_args()
    settings = load_settings()
    if not settings.amd.use_asr:
        parser.error("amd.use_asr is off: the transcript would never be asked")
    rows = read_manifest(args.manifest, split=args.split)
    load_before = os.getloadavg()
    started = time.monotonic()
    model = SileroModel()
    texts_run: dict[str, Any] | None = None
    if args.texts is not None:
        try:
            texts_run = json.loads(args.texts.read_text(encoding="utf-8"))
            clips = texts_run["texts"]
            model_name, texts_kind, decoding = texts_run["model"], texts_run["kind"], texts_run["decoding"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            parser.error(f"{args.texts}: not an amd_best_effort_texts.py result ({type(err).__name__}: {err})")
        missing = [row.path.name for row in rows if row.label != EXCLUDE and row.path.name not in clips]
        if texts_run.get("split") != args.split or missing:
            parser.error(
                f"{args.texts}: texts of split {texts_run.get('split')!r}, {len(missing)} clip(s) of {args.split} "
                f"missing (e.g. {missing[:3]})"
            )
    source = ReferenceTranscripts(
        args.cut, None if texts_run is None else {name: clip["text"] for name, clip in clips.items()}
    )
    source.prepare(rows, settings, model)
    keywords = load_keywords(resolve_keywords_file(settings.amd.keywords_file))
    detector = ReferenceDetector(settings, source, model, keywords)
    report = asyncio.run(evaluate(detector, rows))
    texts = {row.path: row.text for row in rows}
    for item in report.items:
        path = Path(item["file"])
        item["reference_text"] = texts[path]
        item["speech_segments_s"] = source.segments.get(path, [])
        item["transcript_requests"] = source.requests.get(path, [])
    summary: dict[str, Any] = {
        "kind": KIND if texts_run is None else KIND_BEST_EFFORT,
        "command": "flock /tmp/bench.lock .venv/bin/python benchmarks/amd_upper_bound.py " + " ".join(sys.argv[1:]),
        "model": None if texts_run is None else model_name,
        "transcript_source": CUT_TEXT[args.cut]
        if texts_run is None
        else f"{args.texts}: {texts_kind}, decoding {decoding}; cut: {args.cut}",
        "cut": args.cut,
        "word_timing": WORD_TIMING,
        "rows_spread_over_clip": len(source.spread_over_clip),
        "file_asr_latency_ms": settings.amd.file_asr_latency_ms,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared; decisions use the virtual clock)",
        "git_head": git_head(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "wall_s": round(time.monotonic() - started, 1),
        **report.summary(),
        "manifest": str(args.manifest.resolve().relative_to(REPO))
        if args.manifest.resolve().is_relative_to(REPO)
        else str(args.manifest),
        "split": args.split,
        "asr": "reference text (no model)" if texts_run is None else f"best-effort texts of {model_name}",
    }
    for key in ("asr_compute_ms_p50", "asr_compute_ms_p95"):
        summary.pop(key)  # no recognition ran: the figures would be the time to slice a list
    if args.compare is not None:
        summary["vs_base"] = compare(report.items, args.compare)
    summary["items"] = report.items
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{summary['kind']}\nsplit={args.split}")
    print(report.render())
    if args.compare is not None:
        vs = summary["vs_base"]
        print(
            f"vs {args.compare}: base errors {vs['base_errors']}, fixed {vs['fixed_by_reference_text']}, "
            f"remaining {vs['remaining']}, new errors {vs['new_errors']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
