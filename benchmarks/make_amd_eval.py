"""Build audio/amd-eval/: a labelled French AMD evaluation set (dev-time tool: needs espeak-ng and sox).

    python benchmarks/make_amd_eval.py [--out audio/amd-eval] [--seed 7]

Every clip is synthesised with espeak-ng (French voices and variants, several speeds), passed through sox to the
telephone band (8 kHz, sinc 300-3400 Hz), then laid out with numpy on a call timeline: initial silence, pauses,
line noise, voicemail beeps (various frequencies/lengths), SIT tones, French ringback (440 Hz) leaking before the
answer. Output: 8 kHz mono 16-bit WAV files + manifest.csv (file,label,split,text,source). The starter clips of
../shared/audio/amd-starter are referenced by relative path, not copied. Same seed -> same files.

The split is by phrase template: a phrase (and all its voices/conditions) is either `tune` or `test`, so the
held-out set has wording the tuning never saw.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 8000
VOICES = ("fr", "fr+f2", "fr+m3", "fr+f4", "fr+m7", "fr-be", "fr+f5", "fr-ch")
MAX_SECONDS = 6.5

HUMAN_SHORT = [
    "Allô ?",
    "Oui ?",
    "Oui, allô ?",
    "Allô, oui ?",
    "Oui bonjour.",
    "J'écoute.",
    "Oui, j'écoute.",
    "Allô, c'est qui ?",
    "Oui, qui est à l'appareil ?",
    "Bonjour !",
    "Ouais ?",
    "Allô, bonjour.",
    "Oui, c'est moi.",
    "Bonsoir ?",
]
HUMAN_LONG = [
    "Oui bonjour, c'est Julien, je vous écoute.",
    "Allô oui, Martine Durand à l'appareil.",
    "Je ne suis pas disponible là, rappelez-moi.",
    "Oui allô, c'est pour quoi exactement ?",
    "Bonjour, c'est à quel sujet s'il vous plaît ?",
    "Allô, oui, je vous entends mal, attendez.",
]
VOICEMAIL_LONG = [
    "Bonjour, vous êtes bien sur la messagerie de Paul Martin, laissez-moi un message après le bip.",
    "Bonjour, vous êtes sur le répondeur de Sophie, je ne suis pas disponible, je vous rappellerai.",
    "Bonjour, je suis absent pour le moment, merci de laisser votre nom et votre numéro.",
    "Vous êtes bien chez Claire et Thomas, laissez-nous un message, on vous rappelle dès que possible.",
    "Votre correspondant n'est pas disponible pour le moment, veuillez laisser un message après le signal sonore.",
    "Bonjour, nos bureaux sont fermés, nos horaires d'ouverture sont du lundi au vendredi de neuf heures à midi.",
    "Bienvenue sur la messagerie vocale de l'entreprise Dupont, tous nos conseillers sont occupés.",
    "Bonjour, vous avez joint le cabinet du docteur Leroy, le cabinet est fermé, rappelez plus tard.",
    "Salut, c'est Karim, je ne peux pas répondre, laisse-moi un message et je te rappelle.",
    "Bonjour, vous êtes bien au zéro six douze, laissez un message après le bip sonore, merci.",
]
VOICEMAIL_SHORT = [
    "Laissez un message.",
    "Répondeur de Paul.",
    "Messagerie de Julie.",
    "Parlez après le bip.",
    "Laissez-moi un message.",
    "Bonjour, c'est Léa.",
]
OPERATOR = [
    "Le numéro que vous avez composé n'est pas attribué.",
    "Votre correspondant n'est pas joignable actuellement, veuillez rappeler ultérieurement.",
    "Toutes les lignes de votre correspondant sont occupées, veuillez renouveler votre appel.",
    "Le numéro que vous avez demandé n'est plus en service.",
]


@dataclass
class Clip:
    name: str
    label: str
    split: str
    text: str
    source: str
    audio: np.ndarray  # float32 at RATE, -1..1


def speak(text: str, voice: str, speed: int, tmp: Path) -> np.ndarray:
    """espeak-ng -> sox telephone band at 8 kHz -> float32."""
    raw, tel = tmp / "raw.wav", tmp / "tel.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", str(raw), "-r", str(RATE), "-b", "16", str(tel), "sinc", "300-3400", "gain", "-n", "-3"],
        check=True,
    )
    with wave.open(str(tel), "rb") as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    audio = pcm.astype(np.float32) / 32768.0
    nz = np.flatnonzero(np.abs(audio) > 0.01)  # trim espeak's own leading/trailing silence
    return audio[nz[0] : nz[-1] + 1] if nz.size else audio


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def tone(freqs: tuple[float, ...], seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    out = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)
    ramp = min(len(t) // 4, int(0.005 * RATE))
    env = np.ones(len(t))
    if ramp:
        env[:ramp] = np.linspace(0, 1, ramp)
        env[-ramp:] = np.linspace(1, 0, ramp)
    return (level * out * env).astype(np.float32)


def sit() -> np.ndarray:
    """ITU-T E.180 SIT: 913.8, 1370.6, 1776.7 Hz (274, 274, 380 ms) then silence."""
    return np.concatenate([tone((913.8,), 0.274), tone((1370.6,), 0.274), tone((1776.7,), 0.380), silence(0.3)])


def finish(parts: list[np.ndarray], rng: random.Random, noise_db: float | None) -> np.ndarray:
    audio = np.concatenate(parts)[: int(MAX_SECONDS * RATE)]
    if noise_db is not None:
        gen = np.random.default_rng(rng.randrange(2**32))
        audio = audio + gen.normal(0.0, 10 ** (noise_db / 20), audio.shape).astype(np.float32)
    return np.clip(audio, -1.0, 1.0)


def build(seed: int, tmp: Path) -> list[Clip]:
    rng = random.Random(seed)
    clips: list[Clip] = []

    def add(kind: str, label: str, idx: int, text: str, parts: list[np.ndarray], desc: str, noisy: bool) -> None:
        split = "tune" if idx % 2 == 0 else "test"
        noise_db = rng.choice((-50.0, -45.0, -40.0)) if noisy else None
        source = desc + (f", noise {noise_db:.0f} dBFS" if noise_db is not None else "")
        name = f"{kind}_{idx:02d}_{len(clips):03d}.wav"
        clips.append(Clip(name, label, split, text, source, finish(parts, rng, noise_db)))

    def voice() -> tuple[str, int]:
        return rng.choice(VOICES), rng.choice((130, 145, 160, 170))

    for idx, text in enumerate(HUMAN_SHORT):
        for variant in range(3):
            v, s = voice()
            lead = rng.uniform(0.2, 0.8) if variant < 2 else rng.uniform(1.5, 3.2)
            what = "silent-first human" if variant == 2 else "human opener"
            speech = speak(text, v, s, tmp)
            parts = [silence(lead), speech, silence(4.0)]
            if variant == 1 and idx % 3 == 0:  # "allô ? ... allô ?"
                parts = [silence(lead), speech, silence(rng.uniform(0.8, 1.3)), speech, silence(3.0)]
                what = "human repeating the opener"
            add("human", "HUMAN", idx, text, parts, f"{what}, espeak-ng {v} {s} wpm, lead {lead:.1f}s", variant != 0)
    for idx, text in enumerate(HUMAN_LONG):
        for _ in range(3):
            v, s = voice()
            lead = rng.uniform(0.3, 1.0)
            parts = [silence(lead), speak(text, v, s, tmp), silence(3.0)]
            add("humanlong", "HUMAN", idx, text, parts, f"long human greeting, espeak-ng {v} {s} wpm", True)
    for idx, text in enumerate(HUMAN_SHORT[:6]):
        v, s = voice()
        ring = tone((440.0,), 1.5, 0.2)
        parts = [ring, silence(rng.uniform(0.3, 0.8)), speak(text, v, s, tmp), silence(3.5)]
        add("ringback", "HUMAN", idx, text, parts, f"ringback 440 Hz 1.5 s before the answer, espeak-ng {v}", True)
    for idx, text in enumerate(VOICEMAIL_LONG):
        for _ in range(3):
            v, s = voice()
            lead = rng.uniform(0.2, 1.2)
            parts = [silence(lead), speak(text, v, s, tmp), silence(0.3), tone((1000.0,), 0.5), silence(1.0)]
            add("vmlong", "MACHINE", idx, text, parts, f"voicemail greeting + beep, espeak-ng {v} {s} wpm", True)
    for idx, text in enumerate(VOICEMAIL_SHORT):
        for _ in range(3):
            v, s = voice()
            freq = rng.choice((600.0, 800.0, 1000.0, 1400.0))
            beep_s = rng.choice((0.25, 0.5, 0.8))
            gap = rng.uniform(0.2, 0.6)
            parts = [silence(rng.uniform(0.2, 0.7)), speak(text, v, s, tmp), silence(gap), tone((freq,), beep_s)]
            parts.append(silence(3.0))
            desc = f"short voicemail then beep {freq:.0f} Hz {beep_s * 1000:.0f} ms, espeak-ng {v} {s} wpm"
            add("vmshort", "MACHINE", idx, text, parts, desc, True)
    for idx, text in enumerate(OPERATOR):
        for variant in range(3):
            v, s = voice()
            with_sit = variant < 2
            parts = ([sit()] if with_sit else [silence(0.3)]) + [speak(text, v, s, tmp), silence(0.5)]
            desc = ("SIT + " if with_sit else "") + f"operator announcement, espeak-ng {v} {s} wpm"
            add("operator", "OPERATOR", idx, text, parts, desc, variant == 1)
    for idx in range(8):
        add("silence", "NO_ANSWER", idx, "", [silence(6.0)], "answered, nobody speaks (line noise only)", True)
    return clips


STARTER = Path("../../../shared/audio/amd-starter")  # relative to the manifest's directory


def starter_rows(starter_manifest: Path) -> list[dict[str, str]]:
    rows = []
    with starter_manifest.open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            split = "tune" if row["file"].startswith("tts_") else "test" if row["file"].startswith("tel_") else None
            if split is None:
                split = "tune" if i % 2 == 0 else "test"
            rows.append(
                {
                    "file": str(STARTER / row["file"]),
                    "label": row["label"],
                    "split": split,
                    "text": row["text"],
                    "source": "starter: " + row["source"],
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("audio/amd-eval"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        clips = build(args.seed, Path(tmp))
    for clip in clips:
        with wave.open(str(out / clip.name), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes((clip.audio * 32767).astype(np.int16).tobytes())
    rows = starter_rows((out / STARTER / "manifest.csv").resolve())
    rows += [{"file": c.name, "label": c.label, "split": c.split, "text": c.text, "source": c.source} for c in clips]
    with (out / "manifest.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["file", "label", "split", "text", "source"])
        writer.writeheader()
        writer.writerows(rows)
    total = sum((out / c.name).stat().st_size for c in clips)
    print(f"{len(clips)} clips + {len(rows) - len(clips)} starter rows, {total / 1e6:.1f} MB in {out}")


if __name__ == "__main__":
    main()
