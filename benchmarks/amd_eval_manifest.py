"""The clips and manifest of audio/amd-eval/ (dev-time; benchmarks/make_amd_eval.py builds the set).

A Clip is one labelled recording, already rendered; write_clips writes it (telephone-chain clips at 8 kHz, `synthetic`
ones at 16 kHz) and its manifest row, write_manifest keeps the other splits' rows. check_split refuses a voice or a
text in two splits; stats_markdown gives the README's count tables.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from amd_eval_sounds import TEL_RATE, WORK_RATE, Audio, write_wav
from amd_eval_texts import STARTER_SPLIT, TUNE, Template

STARTER = Path(__file__).resolve().parents[2] / "shared" / "audio" / "amd-starter"  # /work/shared next to the repo
FIELDS = ["file", "label", "split", "text", "source", "voice", "condition"]


@dataclass
class Clip:
    name: str
    label: str
    split: str
    text: str
    source: str
    voice: str
    condition: str
    audio: Audio  # at WORK_RATE before `render`
    template: str


# ------------------------------------------------------------------------------------------------ output


def starter_rows(out: Path) -> list[dict[str, str]]:
    """The starter clips, referenced by a path relative to the manifest's directory (not copied)."""
    rows = []
    with (STARTER / "manifest.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            name = row["file"]
            recorded = name.startswith("ast_")
            condition = "recorded" if recorded else "telephone" if name.startswith("tel_") else "synthetic"
            rows.append(
                {
                    "file": os.path.relpath(STARTER / name, out.resolve()),
                    "label": row["label"],
                    "split": STARTER_SPLIT.get(name, TUNE),
                    "text": row["text"],
                    "source": "starter: " + row["source"],
                    "voice": "june" if recorded else "espeak-fr",
                    "condition": condition,
                }
            )
    return rows


def norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


REAL_AS_RECORDED = ("june", "armelle", "none")  # voices allowed in several splits (and `none`: no speech)


def check_split(rows: Sequence[dict[str, str]]) -> None:
    """Fail the build if a text, or a voice other than a real speaker as recorded (`june`, `armelle`), appears in two
    splits (a real speaker's prompt ids are never shared between splits)."""
    splits_of: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        if r["text"]:
            splits_of.setdefault(("text", norm(r["text"])), set()).add(r["split"])
        splits_of.setdefault(("voice", r["voice"]), set()).add(r["split"])
    leaked = sorted(v for (k, v), s in splits_of.items() if k == "text" and len(s) > 1)
    if leaked:
        raise SystemExit(f"texts in more than one split: {leaked}")
    shared = sorted(v for (k, v), s in splits_of.items() if k == "voice" and len(s) > 1 and v not in REAL_AS_RECORDED)
    if shared:
        raise SystemExit(f"voices in more than one split: {shared}")


# French elision: "de", "que", "le", "la", "je", "ne", "me", "se", "te" before a vowel or mute h become "d'", "qu'", ...
# A filler lands in a template as written, so one starting with a vowel or h after such a word would be spoken wrong
# ("de Ambroise"; test15 and test17 have such slips). Builders from test18 on refuse it before any clip is made.
_UNELIDED = re.compile(r"\b(?:de|que|le|la|je|ne|me|se|te) \{(\w+)\}", re.IGNORECASE)
_ELIDING_INITIALS = "aeiouyhàâéèêëîïôöûüœ"


def check_elision(templates: Sequence[Template], slots: dict[str, tuple[str, ...]]) -> None:
    """Fail the build if a filler starting with a vowel or h follows a word French elides before it ({name2} is
    filled from `name`, like every numbered slot)."""
    for t in templates:
        for slot in _UNELIDED.findall(t.text):
            fill = slots.get(slot, slots.get(slot.rstrip("0123456789"), ()))
            bad = [f for f in fill if f[:1].lower() in _ELIDING_INITIALS]
            if bad:
                raise SystemExit(f"{t.key}: {bad} after an elided word in {t.text!r} (write d'/qu'/l' forms)")


def source_kind(row: dict[str, str]) -> str:
    if row["file"].startswith(".."):
        return "starter"
    if row["voice"] == "none":
        return "no speech"
    if row["voice"].startswith(("june", "armelle")):
        return "recorded, stitched" if "stitched:" in row["source"] else "recorded, one prompt"
    return "synthetic"


def stats_markdown(rows: Sequence[dict[str, str]]) -> str:
    """Count tables for the README (rows: label / condition / voice / source kind; columns: each split, all)."""
    splits = sorted({r["split"] for r in rows}, key=lambda s: (s != TUNE, len(s), s))  # test10 after test9
    out: list[str] = []
    for title, key in (
        ("label", lambda r: r["label"]),
        ("condition", lambda r: r["condition"]),
        ("voice", lambda r: r["voice"]),
        ("source", source_kind),
    ):
        counts = Counter((key(r), r["split"]) for r in rows)
        out += ["", f"| {title} | {' | '.join(splits)} | all |", "|---" * (len(splits) + 2) + "|"]
        for value in sorted({k for k, _ in counts}):
            per = [counts[(value, s)] for s in splits]
            out.append(f"| {value} | {' | '.join(map(str, per))} | {sum(per)} |")
        per = [sum(1 for r in rows if r["split"] == s) for s in splits]
        out.append(f"| **all** | {' | '.join(map(str, per))} | {len(rows)} |")
    return "\n".join(out)


def read_rows(out: Path) -> list[dict[str, str]]:
    path = out / "manifest.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_clips(out: Path, clips: Sequence[Clip]) -> list[dict[str, str]]:
    """The clips as WAV files in `out` (telephone-chain ones at 8 kHz) and their manifest rows."""
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for clip in clips:
        rate = WORK_RATE if clip.condition == "synthetic" else TEL_RATE
        write_wav(out / clip.name, clip.audio, rate)
        rows.append(
            {
                "file": clip.name,
                "label": clip.label,
                "split": clip.split,
                "text": clip.text,
                "source": f"[{clip.template}] {clip.source}",
                "voice": clip.voice,
                "condition": clip.condition,
            }
        )
    return rows


def write_manifest(out: Path, rows: Sequence[dict[str, str]], clips: Sequence[Clip]) -> None:
    check_split(rows)
    with (out / "manifest.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    total = sum((out / c.name).stat().st_size for c in clips)
    counts = Counter((r["split"], r["label"]) for r in rows)
    print(f"{len(clips)} clips written ({total / 1e6:.1f} MB), {len(rows)} manifest rows in {out}")
    for (split, label), n in sorted(counts.items()):
        print(f"  {split:5} {label:10} {n}")
