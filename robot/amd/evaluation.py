"""AMD evaluation on a labelled manifest (CSV: file,label[,split,text,source,voice,condition]); metrics + runner.

`file` is relative to the manifest's directory (it may point outside it, e.g. to ../shared/audio/amd-starter).
Labels are AmdResult names or EXCLUDE (skipped). Metrics: accuracy, confusion matrix, humans-called-machines
rate (the costly error), operators recall, accuracy per label, per `condition` (synthetic, recorded, telephone,
noise), per `voice` and per voice kind (the voice's prefix: espeak, mbrola, june...) when the manifest has those
columns, decision time p50/p95 (audio seconds after answer, ASR compute included) and the ASR compute time p50/p95.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot.amd.detector import AmdDetector, AmdFileResult
from robot.errors import ConfigError
from robot.events import AmdResult

EXCLUDE = "EXCLUDE"
LABELS = tuple(r.value for r in AmdResult)


@dataclass(frozen=True, slots=True)
class ManifestRow:
    path: Path
    label: str  # an AmdResult value or EXCLUDE
    split: str
    text: str
    line: int
    source: str = ""  # how the clip was made (free text)
    voice: str = ""  # who speaks (e.g. june, espeak-fr+f4, mbrola-fr4; none for silence)
    condition: str = ""  # synthetic, recorded, telephone, noise


def read_manifest(manifest: Path, *, split: str | None = None) -> list[ManifestRow]:
    """Rows of a manifest (EXCLUDE rows included; filter on `split` when given). ConfigError names file/line/field."""
    try:
        handle = manifest.open(encoding="utf-8", newline="")
    except OSError as err:
        raise ConfigError(f"{manifest}: cannot read manifest: {err.strerror}") from err
    rows: list[ManifestRow] = []
    with handle:
        reader = csv.DictReader(handle)
        missing = {"file", "label"} - set(reader.fieldnames or ())
        if missing:
            raise ConfigError(f"{manifest}:1: missing column(s) {sorted(missing)}")
        for record in reader:
            line = reader.line_num
            name = (record.get("file") or "").strip()
            label = (record.get("label") or "").strip().upper()
            if not name:
                raise ConfigError(f"{manifest}:{line}: field 'file' is empty")
            if label not in (*LABELS, EXCLUDE):
                raise ConfigError(
                    f"{manifest}:{line}: field 'label' is {label!r}, expected one of {[*LABELS, EXCLUDE]}"
                )
            row_split = (record.get("split") or "").strip()
            if split is not None and row_split != split:
                continue
            path = (manifest.parent / name).resolve()
            if not path.is_file():
                raise ConfigError(f"{manifest}:{line}: field 'file': {name} not found (looked at {path})")
            rows.append(
                ManifestRow(
                    path,
                    label,
                    row_split,
                    record.get("text") or "",
                    line,
                    source=(record.get("source") or "").strip(),
                    voice=(record.get("voice") or "").strip(),
                    condition=(record.get("condition") or "").strip(),
                )
            )
    return rows


def voice_kind(item: dict[str, Any]) -> str:
    """The engine or speaker family of a `voice` value: 'mbrola-fr4' -> 'mbrola', 'june+250c' -> 'june'."""
    voice: str = item.get("voice") or ""
    return re.split(r"[-+]", voice, maxsplit=1)[0]


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class EvalReport:
    total: int = 0
    correct: int = 0
    excluded: int = 0
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)  # truth -> predicted -> count
    decision_s: list[float] = field(default_factory=list)
    asr_s: list[float] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: ManifestRow, result: AmdFileResult) -> None:
        predicted = result.verdict.result.value
        self.total += 1
        self.correct += predicted == row.label
        self.confusion.setdefault(row.label, {}).setdefault(predicted, 0)
        self.confusion[row.label][predicted] += 1
        waited = result.timing.decided_at
        self.decision_s.append(waited)
        evidence = result.verdict.evidence
        onset = evidence.get("initial_silence_ms") if evidence.get("speech_segments") else None
        if result.timing.asr_compute_s is not None:
            self.asr_s.append(result.timing.asr_compute_s)
        self.items.append(
            {
                "file": str(row.path),
                "label": row.label,
                "result": predicted,
                "decided_at_s": round(waited, 3),
                # the first speech onset (None: nobody spoke): the decision's wait after it is the dead air a person
                # who speaks at once hears, whatever silence the clip (the line, the callee) began with
                "first_speech_s": round(float(onset) / 1000.0, 3) if isinstance(onset, int | float) else None,
                "confidence": result.verdict.confidence,
                "reasons": list(result.verdict.reasons),
                "transcript": result.transcript,
                "voice": row.voice,
                "condition": row.condition,
                "source": row.source,
            }
        )

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def humans_called_machines(self) -> float:
        humans = self.confusion.get(AmdResult.HUMAN.value, {})
        count = sum(humans.values())
        return humans.get(AmdResult.MACHINE.value, 0) / count if count else 0.0

    @property
    def operators_recall(self) -> float | None:
        """Share of OPERATOR clips decided OPERATOR; None without OPERATOR clips."""
        operators = self.confusion.get(AmdResult.OPERATOR.value, {})
        count = sum(operators.values())
        return operators.get(AmdResult.OPERATOR.value, 0) / count if count else None

    def accuracy_by(self, key: str | Callable[[dict[str, Any]], str]) -> dict[str, dict[str, float | int]]:
        """{value: {files, correct, accuracy}}, sorted by value; the value is item[key] (or key(item) when key is a
        function); items without a value are left out."""
        groups: dict[str, list[int]] = {}
        for item in self.items:
            value = key(item) if callable(key) else item.get(key) or ""
            if not value:
                continue
            tally = groups.setdefault(value, [0, 0])
            tally[0] += 1
            tally[1] += item["result"] == item["label"]
        return {
            value: {"files": files, "correct": correct, "accuracy": round(correct / files, 4)}
            for value, (files, correct) in sorted(groups.items())
        }

    def _after_speech(self) -> list[float]:
        """Seconds from the first speech onset to the decision, for the clips where someone spoke before it."""
        return [
            item["decided_at_s"] - item["first_speech_s"]
            for item in self.items
            if item.get("first_speech_s") is not None and item["decided_at_s"] >= item["first_speech_s"]
        ]

    def decision_by_label(self) -> dict[str, dict[str, float | int | None]]:
        """{label: {files, p50_ms, p95_ms}} of the decision times after the answer, per true label."""
        times: dict[str, list[float]] = {}
        for item in self.items:
            times.setdefault(item["label"], []).append(item["decided_at_s"])
        return {
            label: {
                "files": len(values),
                "p50_ms": round((percentile(values, 50) or 0.0) * 1000.0, 1),
                "p95_ms": round((percentile(values, 95) or 0.0) * 1000.0, 1),
            }
            for label, values in sorted(times.items())
        }

    def summary(self) -> dict[str, Any]:
        def ms(v: float | None) -> float | None:
            return None if v is None else round(v * 1000.0, 1)

        recall = self.operators_recall
        return {
            "files": self.total,
            "excluded": self.excluded,
            "accuracy": round(self.accuracy, 4),
            "humans_called_machines": round(self.humans_called_machines, 4),
            "operators_recall": None if recall is None else round(recall, 4),
            "by_label": self.accuracy_by("label"),
            "by_condition": self.accuracy_by("condition"),
            "by_voice": self.accuracy_by("voice"),
            "by_voice_kind": self.accuracy_by(voice_kind),
            "confusion": self.confusion,
            "decision_ms_p50": ms(percentile(self.decision_s, 50)),
            "decision_ms_p95": ms(percentile(self.decision_s, 95)),
            "decision_ms_by_label": self.decision_by_label(),
            "decision_after_speech_ms_p50": ms(percentile(self._after_speech(), 50)),
            "decision_after_speech_ms_p95": ms(percentile(self._after_speech(), 95)),
            "asr_compute_ms_p50": ms(percentile(self.asr_s, 50)),
            "asr_compute_ms_p95": ms(percentile(self.asr_s, 95)),
            "asr_calls": len(self.asr_s),
        }

    def render(self) -> str:
        s = self.summary()
        labels = [
            label for label in LABELS if label in self.confusion or any(label in p for p in self.confusion.values())
        ]
        lines = [
            f"files {s['files']} (excluded {s['excluded']})  accuracy {s['accuracy']:.1%}  "
            f"humans called machines {s['humans_called_machines']:.1%}",
            f"decision time p50 {s['decision_ms_p50']} ms  p95 {s['decision_ms_p95']} ms (after answer)  "
            f"ASR compute p50 {s['asr_compute_ms_p50']} ms  p95 {s['asr_compute_ms_p95']} ms ({s['asr_calls']} calls)",
            f"decision after the first speech p50 {s['decision_after_speech_ms_p50']} ms  "
            f"p95 {s['decision_after_speech_ms_p95']} ms ({len(self._after_speech())} files with speech); per label "
            + ", ".join(f"{k} {v['p50_ms']}/{v['p95_ms']} ms" for k, v in s["decision_ms_by_label"].items()),
            "confusion (rows: truth, columns: verdict)",
            "            " + "".join(f"{label:>11}" for label in labels),
        ]
        for truth in labels:
            counts = self.confusion.get(truth, {})
            lines.append(f"{truth:>11} " + "".join(f"{counts.get(p, 0):>11}" for p in labels))
        recall = s["operators_recall"]
        if recall is not None:
            lines.append(f"operators recall {recall:.1%}")
        groups_to_show = (
            ("label", "by_label"),
            ("condition", "by_condition"),
            ("voice kind", "by_voice_kind"),
            ("voice", "by_voice"),
        )
        for title, key in groups_to_show:
            groups: dict[str, dict[str, float | int]] = s[key]
            if groups:
                lines.append(f"accuracy by {title}:")
                lines += [
                    f"  {value:<20} {g['accuracy']:>7.1%} ({g['correct']}/{g['files']})" for value, g in groups.items()
                ]
        return "\n".join(lines)


async def evaluate(detector: AmdDetector, rows: Sequence[ManifestRow]) -> EvalReport:
    """Run the detector on every non-EXCLUDE row, one after the other."""
    report = EvalReport()
    for row in rows:
        if row.label == EXCLUDE:
            report.excluded += 1
            continue
        report.add(row, await detector.detect_file(row.path))
    return report
