"""AMD VAD stress benchmark: does the AMD VAD hear degraded speech within 4 s, and stay quiet on noise alone?

Built only from tune-like material (never the held-out test split): the 24 clips of ../shared/audio/amd-starter, the
`tune` rows of audio/amd-eval whose description has no ringback, hold music, chime, SIT or added noise (speech from
the answer on), and short openers synthesised here with espeak-ng ("allô ?", "oui ?", ...). Each source is cut at its
energy onset, set to a speaking level (RMS of its active 20 ms frames), placed after a lead of line noise and degraded
the ways real lines do (seeded numpy; espeak-ng for the openers):

- low speaking level (-30, -35, -40 dBFS);
- white, pink, brown noise and 50 Hz hum (with harmonics) at 0, 5 and 10 dB SNR;
- telephone band 300-3400 Hz + G.711 mu-law at 8 kHz, back to 16 kHz with soxr as the robot reads 8 kHz audio;
- silent-first callers (speech after 1.5-3 s), soft single-word openers, clicks / line pops, and a "real line"
  mix of all of them.

Per degradation: the share of speech clips whose first VAD onset falls within 4 s and not before the speech (hit),
onsets before the speech (early: the noise triggered it), the onset error against the known speech start, and on
noise-only clips (the same noises without speech, plus the tune split's NO_ANSWER clips) the share with any onset
within 4 s (false onsets: these calls would not end NO_ANSWER). Each variant (the current settings, and with
--baseline the AMD VAD settings as they were before the stress fix) runs on the same clips in the same run.

    flock /tmp/bench.lock .venv/bin/python benchmarks/amd_vad_stress.py --baseline \
        --out benchmarks/results/amd_vad_stress.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soxr

from robot.amd.detector import amd_vad
from robot.asr.vad import SileroModel
from robot.events import SpeechStarted
from robot.media.audio import read_wav_16k
from robot.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
STARTER = REPO.parent / "shared" / "audio" / "amd-starter"
EVAL_MANIFEST = REPO / "audio" / "amd-eval" / "manifest.csv"
RATE = 16000
LISTEN_S = 4.0  # amd.no_speech_timeout_ms: no onset by then -> NO_ANSWER
EARLY_TOLERANCE_S = 0.2  # an onset this much before the known speech start is the noise's, not the speech's
SPEECH_S = 3.5  # speech kept after the onset of each source
NORMAL_DBFS = -26.0  # speaking level of the noise conditions
FLOOR_DBFS = -65.0  # line noise floor under every clip
SKIP_SOURCE = re.compile(r"ringback|hold music|bell chime|SIT \d|noise at", re.IGNORECASE)
OPENERS = ["allô ?", "oui ?", "allô oui ?", "oui allô ?", "ouais ?", "bonjour ?"]
OPENER_VOICES = ["fr", "fr+f2", "fr+m3", "mb-fr1", "mb-fr4"]
NOISE_SEEDS = 8

# the AMD VAD settings before the stress fix (--baseline): the only values the variants differ by
BASELINE_OVERRIDES: dict[str, dict[str, Any]] = {"amd": {"vad_assist_voice_probability": None}}

FloatArray = npt.NDArray[np.float32]
Rng = np.random.Generator


@dataclass(frozen=True)
class Source:
    name: str
    speech: FloatArray  # starts at its energy onset


@dataclass(frozen=True)
class Clip:
    condition: str
    name: str
    audio: FloatArray
    speech_start: float | None  # None: noise only


# ---------------------------------------------------------------- signal helpers


def frame_levels(x: FloatArray, frame: int = 320) -> npt.NDArray[np.float64]:
    n = x.size // frame
    power = np.mean(np.square(x[: n * frame].reshape(n, frame), dtype=np.float64), axis=1)
    return 10.0 * np.log10(np.maximum(power, 1e-12))


def active_rms_db(x: FloatArray) -> float:
    levels = frame_levels(x)
    active = levels[levels >= levels.max() - 30.0]
    return float(10.0 * np.log10(np.mean(10.0 ** (active / 10.0))))


def set_level(x: FloatArray, dbfs: float) -> FloatArray:
    return (x * 10.0 ** ((dbfs - active_rms_db(x)) / 20.0)).astype(np.float32)


def energy_onset(x: FloatArray) -> int:
    """First 20 ms frame clearly above the clip's own floor and within 35 dB of its loudest frame, in samples."""
    levels = frame_levels(x)
    threshold = max(float(np.percentile(levels, 10)) + 15.0, float(levels.max()) - 35.0)
    return int(np.flatnonzero(levels >= threshold)[0]) * 320


def colored(rng: Rng, n: int, kind: str) -> FloatArray:
    """Unit-RMS white, pink (1/f power) or brown (1/f^2) noise, or 50 Hz hum with odd and even harmonics."""
    if kind == "hum":
        t = np.arange(n) / RATE
        phase = rng.uniform(0, 2 * np.pi, 6)
        wave = sum(
            a * np.sin(2 * np.pi * 50 * k * t + p)
            for k, a, p in zip(range(1, 7), (1, 0.5, 0.6, 0.3, 0.3, 0.2), phase, strict=True)
        )
        out = np.asarray(wave, dtype=np.float64)
    else:
        spectrum = np.fft.rfft(rng.standard_normal(n))
        f = np.maximum(np.fft.rfftfreq(n, 1 / RATE), 20.0)
        spectrum *= {"white": 1.0, "pink": 1 / np.sqrt(f), "brown": 1 / f}[kind]
        out = np.fft.irfft(spectrum, n)
    return (out / np.sqrt(np.mean(out**2))).astype(np.float32)


def floor_noise(rng: Rng, n: int, dbfs: float = FLOOR_DBFS) -> FloatArray:
    return (rng.standard_normal(n) * 10 ** (dbfs / 20)).astype(np.float32)


def mulaw(x: FloatArray) -> FloatArray:
    """G.711 mu-law encode (8 bits) and decode."""
    y = np.clip(x, -1.0, 1.0)
    code = np.round(np.sign(y) * np.log1p(255 * np.abs(y)) / np.log1p(255) * 127)
    z = code / 127
    return (np.sign(z) * np.expm1(np.abs(z) * np.log1p(255)) / 255).astype(np.float32)


def telephone(x: FloatArray) -> FloatArray:
    """300-3400 Hz band, 8 kHz G.711 mu-law, back to 16 kHz (soxr, as robot.media.audio reads 8 kHz WAVs)."""
    narrow = np.asarray(soxr.resample(x, RATE, 8000, quality="HQ"), dtype=np.float64)
    spectrum = np.fft.rfft(narrow)
    f = np.fft.rfftfreq(narrow.size, 1 / 8000)
    spectrum[(f < 300) | (f > 3400)] = 0
    band = np.fft.irfft(spectrum, narrow.size).astype(np.float32)
    return np.asarray(soxr.resample(mulaw(band), 8000, RATE, quality="HQ"), dtype=np.float32)


def clicks(rng: Rng, n: int, per_s: float = 2.0) -> FloatArray:
    """Line pops: short decaying impulses of random sign at -12 to -3 dBFS peak."""
    out = np.zeros(n, dtype=np.float32)
    decay = np.exp(-np.arange(48) / 8.0).astype(np.float32)
    for at in rng.integers(0, n - 48, size=max(1, int(per_s * n / RATE))):
        out[at : at + 48] += rng.choice([-1.0, 1.0]) * 10 ** (rng.uniform(-12, -3) / 20) * decay
    return out


# ---------------------------------------------------------------- sources


def starter_sources() -> list[Source]:
    out = []
    with (STARTER / "manifest.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["label"] in ("HUMAN", "MACHINE", "OPERATOR"):
                out.append(cut_source(f"starter/{row['file']}", read_wav_16k(STARTER / row["file"])))
    return out


def tune_sources() -> list[Source]:
    """Tune rows with speech from the answer on (the test split is never read)."""
    out = []
    with EVAL_MANIFEST.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["split"] != "tune" or row["label"] not in ("HUMAN", "MACHINE", "OPERATOR"):
                continue
            if row["source"].startswith("starter") or SKIP_SOURCE.search(row["source"]):
                continue
            path = (EVAL_MANIFEST.parent / row["file"]).resolve()
            out.append(cut_source(f"tune/{path.name}", read_wav_16k(path)))
    return out


def cut_source(name: str, samples: npt.NDArray[np.int16]) -> Source:
    x = samples.astype(np.float32) / 32768.0
    start = max(0, energy_onset(x) - 160)  # 10 ms before the first loud frame
    return Source(name, x[start : start + int(SPEECH_S * RATE)])


def opener_sources() -> list[Source]:
    """Short openers written from the phrase family (a callee picking up), several espeak-ng voices."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for vi, voice in enumerate(OPENER_VOICES):
            for wi, text in enumerate(OPENERS):
                path = Path(tmp) / f"{vi}_{wi}.wav"
                subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text], check=True)
                out.append(cut_source(f"opener/{voice}/{text}", read_wav_16k(path)))
    return out


# ---------------------------------------------------------------- degradations


Degrade = Callable[[Source, Rng], Clip]


def place(src: Source, rng: Rng, *, lead: float, level: float, total: float = 4.5) -> tuple[FloatArray, float]:
    n = int(total * RATE)
    at = int(lead * RATE)
    audio = floor_noise(rng, n)
    speech = set_level(src.speech, level)[: n - at]
    audio[at : at + speech.size] += speech
    return audio, at / RATE


def speech_condition(
    name: str,
    *,
    level: float = -20.0,
    lead: tuple[float, float] = (0.5, 0.5),
    noise: tuple[str, float] | None = None,
    tel: bool = False,
    pops: bool = False,
) -> tuple[str, Degrade]:
    def degrade(src: Source, rng: Rng) -> Clip:
        audio, start = place(src, rng, lead=float(rng.uniform(*lead)), level=level)
        if noise is not None:
            kind, snr = noise
            audio += colored(rng, audio.size, kind) * 10 ** ((level - snr) / 20)
        if pops:
            audio += clicks(rng, audio.size)
        if tel:
            audio = telephone(audio)
        return Clip(name, src.name, audio.astype(np.float32), start)

    return name, degrade


def noise_clip(
    name: str, rng: Rng, *, noise: tuple[str, float] | None, tel: bool, pops: bool, burst: bool = False
) -> Clip:
    """Noise alone from the answer on, or (`burst`) a 0.2-0.8 s burst of it after 1-3 s of line floor: a rustle,
    a door, a tone the line plays (the energy assist's floor is set by then)."""
    n = int(4.5 * RATE)
    audio = floor_noise(rng, n)
    if noise is not None:
        kind, dbfs = noise
        sound = colored(rng, n, kind) if kind != "tone" else np.sin(2 * np.pi * 440 * np.arange(n) / RATE) * np.sqrt(2)
        sound = sound * 10 ** (dbfs / 20)
        if burst:
            at, length = int(rng.uniform(1.0, 3.0) * RATE), int(rng.uniform(0.2, 0.8) * RATE)
            envelope = np.zeros(n, dtype=np.float32)
            envelope[at : at + length] = np.hanning(length)[: n - at] ** 0.25
            sound = sound * envelope
        audio += sound.astype(np.float32)
    if pops:
        audio += clicks(rng, n)
    if tel:
        audio = telephone(audio)
    return Clip(name, f"seed{rng.integers(1 << 30)}", audio.astype(np.float32), None)


SPEECH_CONDITIONS = [
    speech_condition("clean -20 dBFS"),
    speech_condition("level -30 dBFS", level=-30),
    speech_condition("level -35 dBFS", level=-35),
    speech_condition("level -40 dBFS", level=-40),
    *[
        speech_condition(f"{kind} {snr} dB SNR", level=NORMAL_DBFS, noise=(kind, snr))
        for kind in ("white", "pink", "brown", "hum")
        for snr in (10, 5, 0)
    ],
    speech_condition("telephone mu-law -20 dBFS", tel=True),
    speech_condition("telephone mu-law -35 dBFS", level=-35, tel=True),
    speech_condition("silent-first 1.5-3 s", level=NORMAL_DBFS, lead=(1.5, 3.0)),
    speech_condition("silent-first telephone -35 dBFS", level=-35, lead=(1.5, 3.0), tel=True),
    speech_condition("clicks -30 dBFS", level=-30, pops=True),
    speech_condition(
        "real line: telephone -35 dBFS, pink 10 dB, clicks, silent-first",
        level=-35,
        lead=(1.5, 3.0),
        noise=("pink", 10),
        tel=True,
        pops=True,
    ),
]

OPENER_CONDITIONS = [
    speech_condition("opener telephone -30 dBFS", level=-30, lead=(0.3, 1.0), tel=True),
    speech_condition("opener silent-first telephone -35 dBFS", level=-35, lead=(1.5, 3.0), tel=True),
    speech_condition("opener silent-first telephone -40 dBFS", level=-40, lead=(1.5, 3.0), tel=True),
    speech_condition("opener -35 dBFS, pink 10 dB", level=-35, lead=(1.5, 3.0), noise=("pink", 10)),
]

# noise-only: the noises of the speech conditions at their levels (speech level minus SNR), alone
NOISE_CONDITIONS: list[tuple[str, tuple[str, float] | None, bool, bool, bool]] = [
    *[
        (f"{kind} {level:.0f} dBFS", (kind, level), False, False, False)
        for kind in ("white", "pink", "brown", "hum")
        for level in (NORMAL_DBFS - 10, NORMAL_DBFS - 5, NORMAL_DBFS)
    ],
    *[
        (f"{kind} burst {level:.0f} dBFS{' telephone' if tel else ''}", (kind, level), tel, False, True)
        for kind in ("white", "pink", "brown", "hum", "tone")
        for level in (-40.0, -30.0)
        for tel in (False, True)
    ],
    ("pink -45 dBFS telephone", ("pink", -45.0), True, False, False),
    ("line floor telephone", None, True, False, False),
    ("clicks", None, False, True, False),
    ("clicks telephone", None, True, True, False),
    ("real line: pink -45 dBFS, clicks, telephone", ("pink", -45.0), True, True, False),
]


def tune_no_answer() -> list[Clip]:
    out = []
    with EVAL_MANIFEST.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["split"] == "tune" and row["label"] == "NO_ANSWER":
                path = (EVAL_MANIFEST.parent / row["file"]).resolve()
                audio = read_wav_16k(path).astype(np.float32) / 32768.0
                out.append(Clip("tune NO_ANSWER clips", f"tune/{path.name}", audio, None))
    return out


def build_clips(seed: int) -> list[Clip]:
    rng = np.random.default_rng(seed)
    sources = starter_sources() + tune_sources()
    openers = opener_sources()
    clips = [degrade(src, rng) for _, degrade in SPEECH_CONDITIONS for src in sources]
    clips += [degrade(src, rng) for _, degrade in OPENER_CONDITIONS for src in openers]
    clips += [
        noise_clip(name, rng, noise=noise, tel=tel, pops=pops, burst=burst)
        for name, noise, tel, pops, burst in NOISE_CONDITIONS
        for _ in range(NOISE_SEEDS)
    ]
    return clips + tune_no_answer()


# ---------------------------------------------------------------- measurement


def first_onset(settings: Settings, model: SileroModel, audio: FloatArray) -> float | None:
    """The first SpeechStarted the AMD VAD emits within LISTEN_S, fed 20 ms chunks as on a call."""
    vad = amd_vad(settings, model)
    listened = audio[: int(LISTEN_S * RATE)]
    chunks = [listened[i : i + 320] for i in range(0, listened.size, 320)]
    for events in vad.process_many(chunks):
        for event in events:
            if isinstance(event, SpeechStarted):
                return event.t
    return None


def summarise(clips: list[Clip], onsets: list[float | None]) -> dict[str, Any]:
    by: dict[str, list[tuple[Clip, float | None]]] = {}
    for clip, onset in zip(clips, onsets, strict=True):
        by.setdefault(clip.condition, []).append((clip, onset))
    speech: dict[str, Any] = {}
    noise: dict[str, Any] = {}
    for condition, rows in by.items():
        if rows[0][0].speech_start is None:
            false = [clip.name for clip, onset in rows if onset is not None]
            noise[condition] = {
                "clips": len(rows),
                "false_onsets": len(false),
                "false_onset_share": round(len(false) / len(rows), 3),
            }
            continue
        hits, early, missed, errors = 0, 0, [], []
        for clip, onset in rows:
            assert clip.speech_start is not None
            if onset is None:
                missed.append(clip.name)
                continue
            error = onset - clip.speech_start
            errors.append(error)
            if error < -EARLY_TOLERANCE_S:
                early += 1
            else:
                hits += 1
        speech[condition] = {
            "clips": len(rows),
            "found_within_4s_share": round(hits / len(rows), 3),
            "early_onsets": early,
            "missed": len(missed),
            "onset_error_ms_p50": round(float(np.median(errors)) * 1000) if errors else None,
            "onset_error_ms_p90_abs": round(float(np.percentile(np.abs(errors), 90)) * 1000) if errors else None,
            "missed_clips": missed,
        }
    all_speech = [(c, o) for c, o in zip(clips, onsets, strict=True) if c.speech_start is not None]
    all_noise = [(c, o) for c, o in zip(clips, onsets, strict=True) if c.speech_start is None]
    found = sum(1 for c, o in all_speech if o is not None and o - (c.speech_start or 0) >= -EARLY_TOLERANCE_S)
    return {
        "speech_clips": len(all_speech),
        "speech_found_within_4s_share": round(found / len(all_speech), 3),
        "speech_missed": sum(1 for _, o in all_speech if o is None),
        "noise_clips": len(all_noise),
        "noise_false_onsets": sum(1 for _, o in all_noise if o is not None),
        "speech": speech,
        "noise_only": noise,
    }


def with_overrides(settings: Settings, overrides: dict[str, dict[str, Any]]) -> Settings:
    update = {section: getattr(settings, section).model_copy(update=values) for section, values in overrides.items()}
    return settings.model_copy(update=update)


def git_head() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "robot"], cwd=REPO, capture_output=True, text=True)
    changed = [line[3:] for line in dirty.stdout.splitlines()]
    return out.stdout.strip() + (f" (uncommitted changes in {', '.join(changed)})" if changed else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSON result file")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--baseline", action="store_true", help="also run the AMD VAD settings from before the fix")
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = time.monotonic()
    settings = load_settings()
    clips = build_clips(args.seed)
    built_s = time.monotonic() - started
    model = SileroModel()
    variants = {"current": settings}
    if args.baseline:
        variants = {"baseline (before the fix)": with_overrides(settings, BASELINE_OVERRIDES), **variants}
    results: dict[str, Any] = {}
    for name, variant in variants.items():
        t0 = time.monotonic()
        onsets = [first_onset(variant, model, clip.audio) for clip in clips]
        results[name] = {
            "amd_vad_settings": {
                "vad": variant.vad.model_dump(),
                "amd": {k: v for k, v in variant.amd.model_dump().items() if k.startswith("vad_")},
            },
            "vad_s": round(time.monotonic() - t0, 1),
            **summarise(clips, onsets),
        }
    report = {
        "kind": "amd_vad_stress",
        "command": "flock /tmp/bench.lock .venv/bin/python benchmarks/amd_vad_stress.py " + " ".join(sys.argv[1:]),
        "model": "Silero VAD v6 (faster-whisper asset), AMD VAD settings (robot.amd.detector.amd_vad)",
        "seed": args.seed,
        "listen_s": LISTEN_S,
        "early_tolerance_s": EARLY_TOLERANCE_S,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared)",
        "git_head": git_head(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "build_s": round(built_s, 1),
        "wall_s": round(time.monotonic() - started, 1),
        "variants": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name, result in results.items():
        print(
            f"== {name}: speech found {result['speech_found_within_4s_share']:.3f} of {result['speech_clips']}, "
            f"missed {result['speech_missed']}, "
            f"noise false onsets {result['noise_false_onsets']}/{result['noise_clips']}"
        )
        for condition, row in result["speech"].items():
            print(
                f"  {condition:62s} found {row['found_within_4s_share']:.3f} early {row['early_onsets']:3d} "
                f"missed {row['missed']:3d} err p50 {row['onset_error_ms_p50']} p90|.| {row['onset_error_ms_p90_abs']}"
            )
        for condition, row in result["noise_only"].items():
            print(f"  NOISE {condition:56s} false {row['false_onsets']}/{row['clips']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
