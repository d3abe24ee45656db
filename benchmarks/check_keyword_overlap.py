"""Report which amd_keywords.yaml phrases appear word for word in the texts of an AMD eval split (a report, not a gate).

    python benchmarks/check_keyword_overlap.py [--manifest audio/amd-eval/manifest.csv] [--split test]
        [--keywords amd_keywords.yaml] [--json]

Words are compared in lower case, apostrophes, hyphens and punctuation splitting words ("laissez-moi" == "laissez
moi"); accents are kept ("là" is not "la") unless --fold-accents ("Allô" == "allo"). A phrase counts when its words
appear contiguously in a clip's text. For each phrase: how many clips of the split contain it, and the labels of those
clips (a `human` phrase found in MACHINE texts is a trap the rules must survive). High overlap means the keyword list
was (or could have been) written from the evaluation texts: accuracy on that split then overstates what the words
add on unseen phrasing.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
WORD_BREAK = re.compile(r"[^\w]+|_")


def words(text: str, fold_accents: bool = False) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFC", text.lower()).replace("œ", "oe").replace("æ", "ae")
    if fold_accents:
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(ch))
    return tuple(w for w in WORD_BREAK.split(plain) if w)


def contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


@dataclass
class PhraseHits:
    phrase: str
    family: str
    weight: str
    clips: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    example: str = ""


def load_phrases(path: Path) -> list[PhraseHits]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    phrases = []
    for family, weights in data.items():
        for weight, items in (weights or {}).items():
            phrases += [PhraseHits(str(p), str(family), str(weight)) for p in items or ()]
    return phrases


def load_texts(manifest: Path, split: str | None) -> list[tuple[str, str]]:
    with manifest.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        (r["label"], r.get("text") or "")
        for r in rows
        if (split is None or r.get("split") == split) and (r.get("text") or "").strip() and r["label"] != "EXCLUDE"
    ]


def overlap(phrases: list[PhraseHits], texts: list[tuple[str, str]], fold_accents: bool = False) -> list[PhraseHits]:
    tokenised = [(label, text, words(text, fold_accents)) for label, text in texts]
    for hits in phrases:
        needle = words(hits.phrase, fold_accents)
        for label, text, tokens in tokenised:
            if contains(tokens, needle):
                hits.clips += 1
                hits.labels[label] += 1
                hits.example = hits.example or text
    return phrases


def report(phrases: list[PhraseHits], texts: int, split: str | None) -> dict[str, Any]:
    found = [p for p in phrases if p.clips]
    by_family: dict[str, dict[str, int]] = {}
    for p in phrases:
        entry = by_family.setdefault(f"{p.family}/{p.weight}", {"phrases": 0, "found": 0})
        entry["phrases"] += 1
        entry["found"] += bool(p.clips)
    return {
        "split": split or "all",
        "texts": texts,
        "phrases": len(phrases),
        "phrases_found": len(found),
        "phrases_found_4_words_or_more": sum(len(words(p.phrase)) >= 4 for p in found),
        "by_family": by_family,
        "found": [
            {
                "phrase": p.phrase,
                "family": p.family,
                "weight": p.weight,
                "clips": p.clips,
                "labels": dict(sorted(p.labels.items())),
                "example": p.example,
            }
            for p in sorted(found, key=lambda p: (-p.clips, p.family, p.phrase))
        ],
    }


def render(r: dict[str, Any]) -> str:
    lines = [
        f"{r['phrases_found']} of {r['phrases']} amd_keywords.yaml phrases appear word for word in "
        f"{r['texts']} texts of split '{r['split']}'",
        f"of which {r['phrases_found_4_words_or_more']} of 4 words or more (the ones that say most about wording)",
        "per family/weight: "
        + ", ".join(f"{k} {v['found']}/{v['phrases']}" for k, v in sorted(r["by_family"].items())),
        "",
        f"{'phrase':<36} {'family/weight':<18} {'clips':>5}  labels of those clips",
    ]
    for f in r["found"]:
        labels = ", ".join(f"{k} {v}" for k, v in f["labels"].items())
        lines.append(f"{f['phrase']:<36} {f['family'] + '/' + f['weight']:<18} {f['clips']:>5}  {labels}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=REPO / "audio" / "amd-eval" / "manifest.csv")
    parser.add_argument("--split", default="test", help="split to check ('all' for every row); default test")
    parser.add_argument("--keywords", type=Path, default=REPO / "amd_keywords.yaml")
    parser.add_argument("--fold-accents", action="store_true", help="compare without accents, as the matcher may")
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    args = parser.parse_args()
    split = None if args.split == "all" else args.split
    texts = load_texts(args.manifest, split)
    result = report(overlap(load_phrases(args.keywords), texts, args.fold_accents), len(texts), split)
    result["fold_accents"] = args.fold_accents
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else render(result))


if __name__ == "__main__":
    main()
