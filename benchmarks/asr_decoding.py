"""Which Whisper encoder input and decoding options to use on AMD-sized windows, measured with a REAL model.

    .venv/bin/python benchmarks/asr_decoding.py [--model ../shared/models/whisper-base] [--limit 90]
        [--out benchmarks/results/asr_decoding.json]

Data: recorded French prompts of Debian's `asterisk-core-sounds-fr-wav` (one real fr-CA voice, 8 kHz telephone
recordings; `apt-get install asterisk-core-sounds-fr-wav`), their texts from the package's core-sounds-fr.txt.gz.
Each window is the first 2.3-3.5 s of a prompt (seeded), resampled to 16 kHz as a call's audio is. Prompts that fit
in their window are scored against their whole text; longer ones against the best prefix of their text.

Per variant (same windows, same model, same run, one request at a time, 2 CPU threads unless --cpu-threads):
- word error rate (median / mean), exact on whole prompts, best prefix otherwise;
- loop rate (raw decoder output repeats an n-gram or compresses > 2.4) before the engine's loop collapse;
- keyword recall: windows whose reference words hold an amd_keywords.yaml phrase family, and the transcript the same
  family; false keyword families (in the transcript, not in the reference);
- text the guard would discard (old rule: no_speech_prob > 0.6; new rule: and mean log probability < -1);
- compute (features + encode + decode, + re-decode of loops when on) median / p95.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from robot.amd.keywords import KeywordSet, load_keywords, normalise_words
from robot.asr.decoder import WhisperBatchDecoder
from robot.asr.engine import load_whisper
from robot.asr.guard import collapse_loops, is_loop, rejection_reason
from robot.media.audio import read_wav_16k
from robot.settings import AsrSettings

REPO = Path(__file__).resolve().parents[1]
SOUNDS = Path("/usr/share/asterisk/sounds/fr")
TEXTS = Path("/usr/share/doc/asterisk-core-sounds-fr/core-sounds-fr.txt.gz")

# name -> AsrSettings overrides (+ "prompt": use the keyword prompt). The first rows vary the encoder input with
# plain greedy decoding; the others add loop fighting or vocabulary bias to a padded input.
PLAIN = {"loop_retry": False}
NO_TAIL = {"min_tail_s": 0.0}  # rows without "tail" pad to their minimum only
VARIANTS: dict[str, dict[str, Any]] = {
    "unpadded (content, 1 s steps)": {**PLAIN, "min_input_s": 0.0},
    "unpadded + loop re-decode": {"min_input_s": 0.0},
    "padded 5 s": {**PLAIN, "min_input_s": 5.0},
    "padded 10 s": {**PLAIN, "min_input_s": 10.0},
    "padded 15 s": {**PLAIN, "min_input_s": 15.0},
    "padded 30 s": {**PLAIN, "min_input_s": 30.0},
    "padded 5 s + loop re-decode": {"min_input_s": 5.0},
    "padded 10 s + loop re-decode": {"min_input_s": 10.0},
    "padded 10 s + no-repeat 3-gram": {**PLAIN, "min_input_s": 10.0, "no_repeat_ngram_size": 3},
    "padded 10 s + repetition penalty 1.1": {**PLAIN, "min_input_s": 10.0, "repetition_penalty": 1.1},
    "padded 10 s + keyword prompt": {"min_input_s": 10.0, "prompt": True},
    "padded 5 s + keyword prompt": {"min_input_s": 5.0, "prompt": True},
    "padded 5 s, 5 s steps + loop re-decode": {"min_input_s": 5.0, "pad_multiple_s": 5.0},
    "padded 5 s, 2 s tail + loop re-decode (default)": {"min_input_s": 5.0, "min_tail_s": 2.0},
    "padded 5 s, 4 s tail + loop re-decode": {"min_input_s": 5.0, "min_tail_s": 4.0},
    "padded 3 s, 2 s tail + loop re-decode": {"min_input_s": 3.0, "min_tail_s": 2.0},
    "padded 4 s, 2 s tail + loop re-decode": {"min_input_s": 4.0, "min_tail_s": 2.0},
    "padded 3 s, 1 s tail + loop re-decode": {"min_input_s": 3.0, "min_tail_s": 1.0},
    # beam search on the default input (CTranslate2 defaults: patience 1, length penalty 1); run with
    # --variants "<default>" "<beam rows>" so greedy is measured in the same run
    **{
        f"padded 5 s, 2 s tail + loop re-decode, beam {k}": {"min_input_s": 5.0, "min_tail_s": 2.0, "beam_size": k}
        for k in (2, 3, 5)
    },
}


@dataclass(frozen=True)
class Window:
    name: str
    audio: np.ndarray[Any, np.dtype[np.float32]]
    reference: tuple[str, ...]
    whole: bool  # the whole prompt fits in the window


def read_texts() -> dict[str, str]:
    if not TEXTS.is_file():
        raise SystemExit(f"{TEXTS} not found: apt-get install asterisk-core-sounds-fr-wav")
    texts: dict[str, str] = {}
    with gzip.open(TEXTS, "rt", encoding="utf-8") as lines:
        for line in lines:
            name, sep, text = line.partition(":")
            text = text.strip()
            if sep and not line.startswith(";") and text and not text.startswith(("[", "(")):
                texts[name.strip()] = text
    return texts


def windows(limit: int, seed: int, shortest: float = 2.3, longest: float = 3.5) -> list[Window]:
    rng = random.Random(seed)
    texts = read_texts()
    found: list[Window] = []
    for name in sorted(texts):
        path = SOUNDS / f"{name}.wav"
        if not path.is_file():
            continue
        pcm = read_wav_16k(path)
        duration = pcm.size / 16000
        if duration < shortest:
            continue
        length = min(duration, rng.uniform(shortest, longest))
        audio = (pcm[: int(length * 16000)].astype(np.float32) / 32768.0).astype(np.float32)
        found.append(Window(name, audio, normalise_words(texts[name]), length >= duration - 0.05))
    rng.shuffle(found)
    return sorted(found[:limit], key=lambda w: w.name)


def prefix_distances(reference: tuple[str, ...], hypothesis: tuple[str, ...]) -> list[int]:
    """Word edit distance between hypothesis and each reference prefix ref[:k], k = 0..len(ref)."""
    previous = list(range(len(hypothesis) + 1))
    result = [previous[-1]]
    for k, ref_word in enumerate(reference, start=1):
        row = [k]
        for j, hyp_word in enumerate(hypothesis, start=1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)))
        previous = row
        result.append(row[-1])
    return result


def word_error(window: Window, hypothesis: tuple[str, ...]) -> float:
    distances = prefix_distances(window.reference, hypothesis)
    if window.whole:
        return distances[-1] / max(1, len(window.reference))
    k = min(range(1, len(distances)), key=lambda i: (distances[i] / i, -i))
    return distances[k] / k


def families(keywords: KeywordSet, words: tuple[str, ...]) -> set[str]:
    return {m.family.value for m in keywords.match(" ".join(words))}


def keyword_prompt(keywords: KeywordSet) -> str:
    """A vocabulary prompt from the strong phrases of each family, interleaved (the decoder keeps its last tokens)."""
    by_family: dict[str, list[str]] = {}
    for phrase in keywords.phrases:
        if phrase.weight.value == "strong" and len(phrase.words) <= 4:
            by_family.setdefault(phrase.family.value, []).append(phrase.text)
    parts: list[str] = []
    for i in range(6):
        parts.extend(items[i] for items in by_family.values() if i < len(items))
    return ", ".join(parts) + "."


def run_variant(decoder: WhisperBatchDecoder, items: list[Window], keywords: KeywordSet, prompt: str) -> dict[str, Any]:
    errors: list[float] = []
    compute: list[float] = []
    loops = dropped_old = dropped_new = expected = recalled = false_families = 0
    samples: list[dict[str, Any]] = []
    for window in items:
        request = decoder.request(window.audio, prompt)
        started = time.perf_counter()
        result = decoder.run([request])[0]
        compute.append(time.perf_counter() - started)
        loops += is_loop(result.text)
        dropped_old += rejection_reason(result.text, result.no_speech_prob, no_speech_prob_max=0.6) is not None
        dropped_new += (
            rejection_reason(result.text, result.no_speech_prob, no_speech_prob_max=0.6, avg_logprob=result.score)
            is not None
        )
        hypothesis = normalise_words(collapse_loops(result.text))
        errors.append(word_error(window, hypothesis))
        n_ref = len(window.reference)
        if not window.whole:  # reference words the window can hold, in proportion of the prompt it covers
            n_ref = min(n_ref, len(hypothesis) + 2)
        truth = families(keywords, window.reference[:n_ref])
        heard = families(keywords, hypothesis)
        expected += len(truth)
        recalled += len(truth & heard)
        false_families += len(heard - truth)
        if len(samples) < 12:
            nsp = round(result.no_speech_prob, 3)
            samples.append({"clip": window.name, "text": result.text, "no_speech_prob": nsp})
    ordered = sorted(compute)
    return {
        "wer_median": round(statistics.median(errors), 3),
        "wer_mean": round(statistics.fmean(errors), 3),
        "loops": loops,
        "keyword_families_expected": expected,
        "keyword_recall": round(recalled / expected, 3) if expected else None,
        "false_keyword_families": false_families,
        "guard_drops_old_rule": dropped_old,
        "guard_drops_new_rule": dropped_new,
        "compute_ms_median": round(statistics.median(ordered) * 1000, 1),
        "compute_ms_p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000, 1),
        "samples": samples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(REPO.parent / "shared" / "models" / "whisper-base"))
    parser.add_argument("--limit", type=int, default=90, help="Windows (seeded sample of the prompts).")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--cpu-threads", type=int, default=2)
    parser.add_argument(
        "--window-s", type=float, nargs=2, default=(2.3, 3.5), metavar=("SHORTEST", "LONGEST"), help="Window lengths."
    )
    parser.add_argument("--variants", nargs="*", default=None, help="Names of the variants to run (default: all).")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "asr_decoding.json")
    args = parser.parse_args()
    base = AsrSettings(model=args.model, cpu_threads=args.cpu_threads, local_files_only=True)
    model = load_whisper(base)
    keywords = load_keywords(REPO / "amd_keywords.yaml")
    prompt = keyword_prompt(keywords)
    items = windows(args.limit, args.seed, *args.window_s)
    load_before = os.getloadavg()
    rows: dict[str, Any] = {}
    for name, overrides in VARIANTS.items():
        if args.variants and name not in args.variants:
            continue
        options = {**NO_TAIL, **{k: v for k, v in overrides.items() if k != "prompt"}}
        decoder = WhisperBatchDecoder(model, base.model_copy(update=options))
        decoder.run([decoder.request(items[0].audio)])  # warm-up
        variant_prompt = prompt if overrides.get("prompt") else ""
        rows[name] = {"settings": options, **run_variant(decoder, items, keywords, variant_prompt)}
        r = rows[name]
        print(
            f"{name:40s} WER {r['wer_median']:.2f}/{r['wer_mean']:.2f} loops {r['loops']:3d} "
            f"kw recall {r['keyword_recall']} false {r['false_keyword_families']} "
            f"drops {r['guard_drops_old_rule']}/{r['guard_drops_new_rule']} "
            f"compute {r['compute_ms_median']}/{r['compute_ms_p95']} ms",
            flush=True,
        )
    report = {
        "benchmark": "asr_decoding",
        "model": args.model,
        "compute_type": base.compute_type,
        "cpu_threads": args.cpu_threads,
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, {platform.processor() or platform.platform()}",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "windows": len(items),
        "whole_prompts": sum(w.whole for w in items),
        "window_s": [round(f(w.audio.size for w in items) / 16000, 2) for f in (min, max)],
        "keyword_prompt": prompt,
        "variants": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
