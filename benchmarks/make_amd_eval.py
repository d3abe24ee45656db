"""Build audio/amd-eval/: a labelled French AMD evaluation set (dev-time tool; the clips are committed).

    python benchmarks/make_amd_eval.py [--out audio/amd-eval] [--seed 7]

Build-time needs (Debian bookworm): espeak-ng, sox, asterisk-core-sounds-fr-wav and asterisk-core-sounds-fr (main:
the recorded fr-CA voice and its texts, core-sounds-fr.txt.gz), mbrola (contrib), mbrola-fr1, -fr2, -fr3, -fr4,
-fr5, -fr6 and -ca1 (non-free). Tests and CI need none of them. Same seed and same tool versions -> the same files,
byte for byte.

Voices: one real recorded voice (Asterisk's French prompts, "June", fr-CA, 8 kHz), optionally pitch-shifted with
sox, and synthetic voices of three kinds: espeak-ng formant voices, espeak-ng's Klatt synthesiser (test only) and
MBROLA diphone voices (France, Belgium, Canada; male and female) driven by espeak-ng. Every clip is a call timeline
(silence before the answer, line noise, ringback, hold music, voicemail beeps, SIT tones, pauses, repeats) in one of
four conditions: `synthetic` (synthetic voice, 16 kHz wideband), `telephone` (8 kHz, 300-3400 Hz, G.711 mu-law, line
noise), `recorded` (the real voice through the same telephone chain), `noise` (any voice, telephone chain, noise at
6-18 dB SNR).

Split by phrase template AND by voice: every template (a written phrase with slots, or a recorded prompt or stitch
of prompts) belongs to one split, slot fillers (names, companies, numbers) are split-specific, recorded prompt files
are never shared between splits (except the one-word "Allo", see README), and the synthetic voices of `test` never
speak in `tune` (the Klatt kind is test-only). The build fails if a test text also appears in tune. Synthetic texts
come from families of ordinary French phone phrases written here, not from amd_keywords.yaml
(benchmarks/check_keyword_overlap.py reports the overlap).

A third split, `test2` (fresh held-out templates and voices, written later), is built on its own seed by
benchmarks/amd_eval_test2.py with this machinery (`build_split`); this script keeps its rows when it rebuilds tune and
test. So does `test3` (benchmarks/amd_eval_test3.py), with a second real recorded voice (`Prompts`: Armelle's GSM
prompts of asterisk-prompt-fr-armelle), and `test4` (benchmarks/amd_eval_test4.py), with both real speakers, and
`test6` (benchmarks/amd_eval_test6.py), spoken by SVOX Pico (Voice kind `pico`; needs libttspico-utils, non-free).
`test8` (benchmarks/amd_eval_test8.py) adds sox forms of MBROLA voices (a synthetic voice's cents/tempo, applied by
sox after espeak-ng) and templates whose sentences are spoken apart (Template.pause_s); no earlier split uses either,
so their clips are unchanged."""

from __future__ import annotations

import argparse
import csv
import functools
import gzip
import os
import random
import re
import subprocess
import tempfile
import wave
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soxr

WORK_RATE = 16000  # timelines are built at 16 kHz; telephone-chain clips are written at 8 kHz
TEL_RATE = 8000
MAX_SECONDS = 7.0
ASTERISK = Path("/usr/share/asterisk/sounds/fr_CA_f_June")
ASTERISK_TEXTS = Path("/usr/share/doc/asterisk-core-sounds-fr/core-sounds-fr.txt.gz")
STARTER = Path(__file__).resolve().parents[2] / "shared" / "audio" / "amd-starter"  # /work/shared next to the repo
FIELDS = ["file", "label", "split", "text", "source", "voice", "condition"]
TUNE, TEST = "tune", "test"
HUMAN, MACHINE, OPERATOR, NO_ANSWER = "HUMAN", "MACHINE", "OPERATOR", "NO_ANSWER"

Audio = np.ndarray  # float32 mono at WORK_RATE, -1..1


# ----------------------------------------------------------------------------------------------------- voices


@dataclass(frozen=True)
class Prompts:
    """Where a recorded speaker's Asterisk prompts live; their texts always come from ASTERISK_TEXTS (by prompt id)."""

    directory: Path
    ext: str  # "wav" is read as is; anything else (gsm) is converted by sox
    about: str  # the manifest's `source` names the speaker with this


JUNE_PROMPTS = Prompts(ASTERISK, "wav", "asterisk-core-sounds-fr-wav fr_CA_f_June")
# The second real speaker (test3, test4): Debian's asterisk-prompt-fr-armelle, which ships no texts
ARMELLE_PROMPTS = Prompts(
    Path("/usr/share/asterisk/sounds/fr"),
    "gsm",
    "asterisk-prompt-fr-armelle (Armelle Desjardins, fr-FR, GSM 8 kHz; text: the fr-CA text of the same prompt id, "
    "approximate wording)",
)


@dataclass(frozen=True)
class Voice:
    name: str  # the manifest's `voice`
    kind: str  # espeak (formant), espeak-klatt, mbrola (diphone), pico (SVOX Pico fr-FR, test6), recorded
    espeak: str = ""  # espeak-ng -v argument (espeak and mbrola voices)
    cents: int = 0  # sox pitch shift (recorded, pico and, from test8, mbrola voices)
    tempo: float = 1.0  # sox tempo factor (same voices): faster or slower speech, same pitch
    prompts: Prompts = JUNE_PROMPTS  # recorded voice: whose prompts

    def sox_effects(self) -> list[str]:
        effects = ["pitch", str(self.cents)] if self.cents else []
        return effects + (["tempo", "-s", f"{self.tempo:g}"] if self.tempo != 1.0 else [])

    def shift(self) -> str:
        """How a voice was changed by sox, for the manifest's `source` ('' when it was not)."""
        parts = ([f"pitch {self.cents:+d} cents"] if self.cents else []) + (
            [f"tempo x{self.tempo:g}"] if self.tempo != 1.0 else []
        )
        return f", {', '.join(parts)} (sox)" if parts else ""


SYNTH_VOICES = {
    TUNE: (
        Voice("espeak-fr", "espeak", "fr"),
        Voice("espeak-fr+m3", "espeak", "fr+m3"),
        Voice("espeak-fr+f2", "espeak", "fr+f2"),
        Voice("espeak-fr-be", "espeak", "fr-be"),
        Voice("mbrola-fr1", "mbrola", "mb-fr1"),
        Voice("mbrola-fr2", "mbrola", "mb-fr2"),
        Voice("mbrola-fr6", "mbrola", "mb-fr6"),
    ),
    TEST: (
        Voice("espeak-fr-ch", "espeak", "fr-ch"),
        Voice("espeak-fr+f4", "espeak", "fr+f4"),
        Voice("espeak-fr+klatt4", "espeak-klatt", "fr+klatt4"),
        Voice("mbrola-fr4", "mbrola", "mb-fr4"),
        Voice("mbrola-fr3", "mbrola", "mb-fr3"),
        Voice("mbrola-fr5", "mbrola", "mb-fr5"),
        Voice("mbrola-ca1", "mbrola", "mb-ca1"),
    ),
}
JUNE = Voice("june", "recorded")
RECORDED_VOICES = {
    TUNE: (JUNE, JUNE, Voice("june+250c", "recorded", cents=250)),
    TEST: (JUNE, JUNE, Voice("june-300c", "recorded", cents=-300)),
}

# ------------------------------------------------------------------------------------------ phrase families
# Written for this set from ordinary French phone openings, voicemail greetings, IVRs and carrier announcements.
# Slots: {name} {name2} {surname} {company} {number}; fillers differ per split.

SLOTS = {
    TUNE: {
        "name": ("Julien", "Nadia", "Thomas", "Camille", "Éric"),
        "surname": ("Moreau", "Girard", "Lefèvre"),
        "company": ("la boulangerie Lemaire", "Transports Vidal", "l'agence Horizon"),
        "number": ("zéro six, quarante-deux, dix-huit, trente, cinquante-cinq", "zéro un, quarante, vingt, seize"),
    },
    TEST: {
        "name": ("Sandrine", "Marc", "Yasmine", "Olivier", "Chloé"),
        "surname": ("Lambert", "Roussel", "Perrin"),
        "company": ("Garage Fontaine", "Assurances Mercier", "Optique Bellevue"),
        "number": ("zéro sept, douze, quatre-vingt-un, soixante, neuf", "zéro quatre, soixante-sept, onze"),
    },
}


@dataclass(frozen=True)
class Template:
    key: str
    label: str
    family: str  # human-short, human-long, voicemail, voicemail-short, operator
    text: str
    pause_s: tuple[float, float] | None = None  # sentences spoken apart, a pause drawn in this range between them


def _templates(label: str, family: str, prefix: str, texts: Sequence[str]) -> tuple[Template, ...]:
    return tuple(Template(f"{prefix}{i:02d}", label, family, t) for i, t in enumerate(texts))


def spoken_apart(templates: tuple[Template, ...], pause_s: tuple[float, float]) -> tuple[Template, ...]:
    """The templates with their sentences spoken apart, a pause drawn in `pause_s` (seconds) between them."""
    return tuple(replace(t, pause_s=pause_s) for t in templates)


SYNTH_TEMPLATES = {
    TUNE: _templates(
        HUMAN,
        "human-short",
        "hs-a",
        ["Oui, allô ?", "Allô, oui ?", "Oui ?", "Oui, bonjour.", "Ouais, allô ?", "Bonjour ?", "Allô, qui est-ce ?"],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-a",
        [
            "Oui bonjour, {name} {surname} à l'appareil.",
            "Allô, c'est {name}, je vous écoute.",
            "Oui, allô, je suis en voiture, c'est à quel sujet ?",
            "{company}, bonjour, je vous écoute.",
            "Allô oui, attendez, je vous entends très mal.",
            "Oui, c'est moi, mais je ne suis pas disponible là, rappelez-moi plus tard.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-a",
        [
            "Bonjour, vous êtes bien sur la messagerie de {name}. Je ne peux pas répondre pour l'instant, "
            "laissez-moi un message.",
            "Salut, c'est {name}, je suis pas dispo, laisse un message et je te rappelle.",
            "Bonjour, vous êtes sur le répondeur de {name} et {name2}. Laissez-nous vos coordonnées après le bip.",
            "Vous êtes bien au {number}. Merci de laisser un message.",
            "Bonjour, cabinet du docteur {surname}. Le secrétariat est fermé, nos horaires sont du lundi au "
            "vendredi de neuf heures à dix-huit heures.",
            "Bienvenue chez {company}. Pour le service client, tapez un. Pour la facturation, tapez deux.",
            "Bonjour, votre correspondant est absent pour le moment. Vous pouvez laisser un message après le "
            "signal sonore.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-a",
        ["Messagerie de {name}.", "Laissez un message.", "{name}, laissez un message.", "Répondeur de {name}."],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-a",
        [
            "Le numéro que vous avez demandé n'est pas attribué.",
            "Toutes les lignes de votre correspondant sont occupées, veuillez rappeler plus tard.",
            "Votre correspondant n'est pas joignable pour le moment, merci de renouveler votre appel.",
            "Ce numéro n'est plus en service actuellement.",
            "Par suite d'encombrement, votre appel ne peut aboutir, veuillez rappeler ultérieurement.",
        ],
    ),
    TEST: _templates(
        HUMAN,
        "human-short",
        "hs-b",
        [
            "Allô, j'écoute.",
            "Oui, bonsoir.",
            "Allô, bonjour !",
            "Hein ? Allô ?",
            "Ouais ?",
            "Allô, c'est pour quoi ?",
            "Oui, je vous entends.",
            "Allô ? Vous m'entendez ?",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-b",
        [
            "Allô, oui, ici {name} {surname}, qu'est-ce que je peux faire pour vous ?",
            "Bonjour, {company}, {name} à l'appareil, que puis-je pour vous ?",
            "Oui, allô, c'est {name}, c'est de la part de qui ?",
            "Allô ? Oui, c'est bien moi, c'est pour quoi exactement ?",
            "Bonjour madame, oui, oui, allez-y, je vous écoute.",
            "Allô, je suis en réunion, vous pouvez me rappeler ce soir ?",
            "Oui bonjour, secrétariat du docteur {surname}, je vous écoute.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-b",
        [
            "Bonjour, ici {name} {surname}. Je suis absent en ce moment, parlez après le signal.",
            "Coucou, c'est {name} ! Je ne suis pas joignable, envoie-moi plutôt un texto.",
            "Bonjour et bienvenue chez {company}. Nos conseillers sont tous en ligne, merci de patienter.",
            "Vous êtes en communication avec la boîte vocale du {number}. Enregistrez votre message.",
            "Bonjour, {company} est actuellement fermé. Nous sommes ouverts du mardi au samedi.",
            "Votre appel a été transféré sur la messagerie vocale de {name}. Parlez après la tonalité.",
            "Bonjour, {name} à l'appareil, enfin, mon répondeur. Rappelez-moi, ou laissez un petit mot.",
            "Bonjour, vous avez joint {company}. Pour être rappelé, dites votre nom et votre numéro.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-b",
        ["Vous êtes chez {name}.", "Boîte vocale de {name}.", "Bonjour, c'est {name}, parlez.", "{name}, je rappelle."],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-b",
        [
            "Le numéro de votre correspondant a changé, veuillez consulter l'annuaire.",
            "Suite à un incident technique, votre appel ne peut être acheminé. Merci de rappeler dans quelques "
            "minutes.",
            "Le numéro que vous avez composé n'existe pas, veuillez vérifier votre numéro.",
            "Votre correspondant est déjà en ligne, merci de rappeler dans quelques instants.",
            "Les appels vers ce numéro ne sont pas autorisés depuis votre ligne.",
            "Il n'y a pas d'abonné au numéro que vous avez demandé.",
        ],
    ),
}

# ------------------------------------------------------------------------------------------ recorded prompts


@dataclass(frozen=True)
class Part:
    sound: str  # file under ASTERISK without .wav, or "pause" / "digits"
    cut_s: float | None = None  # keep the prompt up to here (a sentence pause), seconds from the file start
    text: str | None = None  # text of the kept part when cut (else the package's text)
    pause_s: tuple[float, float] = (0.0, 0.0)  # for "pause": uniform range


@dataclass(frozen=True)
class Recorded:
    key: str
    label: str
    family: str
    parts: tuple[Part, ...]
    stitched: bool = False


def _rec(key: str, label: str, family: str, *parts: Part) -> Recorded:
    sounds = [p for p in parts if p.sound != "pause"]
    return Recorded(key, label, family, parts, stitched=len(sounds) > 1 or any(p.sound == "digits" for p in parts))


P = Part
GAP = P("pause", pause_s=(0.15, 0.35))  # between stitched prompts of one machine
RECORDED_TEMPLATES = {
    TUNE: (
        _rec("r-hello", HUMAN, "human-short", P("hello")),
        _rec("r-hello-hello", HUMAN, "human-short", P("hello"), P("pause", pause_s=(0.8, 1.4)), P("hello")),
        _rec(
            "r-vm-intro",
            MACHINE,
            "voicemail",
            P("vm-intro", 2.9, "Veuillez laissez votre message après le bip sonore."),
        ),
        _rec("r-vm-rec-unv", MACHINE, "voicemail", P("vm-rec-unv")),
        _rec("r-vm-mailboxfull", MACHINE, "voicemail", P("vm-mailboxfull")),
        _rec("r-vm-whichbox", MACHINE, "voicemail", P("vm-whichbox")),
        _rec("r-vm-login", MACHINE, "voicemail-short", P("vm-login", 1.45, "Messagerie Asterisk.")),
        _rec(
            "r-queue-periodic",
            MACHINE,
            "voicemail",
            P("queue-periodic-announce", 2.5, "Tous nos représentants sont presentement occupes."),
        ),
        _rec("r-pls-hold", MACHINE, "voicemail", P("pls-hold-while-try")),
        _rec("r-followme-status", MACHINE, "voicemail", P("followme/status")),
        _rec("r-priv-recordintro", MACHINE, "voicemail", P("priv-recordintro")),
        _rec("r-ss-noservice", OPERATOR, "operator", P("ss-noservice")),
        _rec("r-allbusy-later", OPERATOR, "operator", P("all-circuits-busy-now"), GAP, P("please-try-call-later")),
        _rec("r-sorry-simul", OPERATOR, "operator", P("sorry"), GAP, P("simul-call-limit-reached")),
        _rec("r-nonumber-again", OPERATOR, "operator", P("vm-nonumber"), GAP, P("please-try-again")),
    ),
    TEST: (
        _rec(
            "r-hello-moment", HUMAN, "human-short", P("hello"), P("pause", pause_s=(0.3, 0.7)), P("one-moment-please")
        ),
        _rec("r-moment", HUMAN, "human-short", P("one-moment-please")),
        _rec(
            "r-hello-sorry-moment",
            HUMAN,
            "human-long",
            P("hello"),
            P("pause", pause_s=(0.6, 1.1)),
            P("im-sorry"),
            P("pause", pause_s=(0.1, 0.3)),
            P("one-moment-please"),
        ),
        _rec("r-vm-nobodyavail", MACHINE, "voicemail", P("vm-nobodyavail")),
        _rec("r-vm-rec-busy", MACHINE, "voicemail", P("vm-rec-busy")),
        _rec("r-theperson-unavail", MACHINE, "voicemail", P("vm-theperson"), P("digits"), P("vm-isunavail")),
        _rec("r-theperson-busy", MACHINE, "voicemail", P("vm-theperson"), P("digits"), P("vm-isonphone")),
        _rec(
            "r-tt-allbusy",
            MACHINE,
            "voicemail",
            P("tt-allbusy", 4.2, "Tous nos préposés sont présentement occupés. Votre appel est important pour nous,"),
        ),
        _rec("r-transfer", MACHINE, "voicemail", P("transfer")),
        _rec("r-vm-dialout", MACHINE, "voicemail", P("vm-dialout")),
        _rec("r-followme-hold", MACHINE, "voicemail", P("followme/pls-hold-while-try")),
        _rec("r-queue-waiting", MACHINE, "voicemail-short", P("queue-callswaiting")),
        _rec("r-privacy-prompt", MACHINE, "voicemail", P("privacy-prompt")),
        _rec("r-vm-reachoper", MACHINE, "voicemail", P("vm-reachoper")),
        _rec(
            "r-cannot-complete", OPERATOR, "operator", P("cannot-complete-as-dialed"), GAP, P("check-number-dial-again")
        ),
        _rec("r-privacy-unident", OPERATOR, "operator", P("privacy-unident")),
        _rec("r-sorry-feature", OPERATOR, "operator", P("im-sorry"), GAP, P("feature-not-avail-line")),
        _rec("r-pbx-invalid", OPERATOR, "operator", P("pbx-invalid")),
        _rec("r-privacy-incorrect", OPERATOR, "operator", P("privacy-incorrect"), GAP, P("vm-pls-try-again")),
    ),
}

# Starter clips (../shared/audio/amd-starter), kept by relative path; split by the prompt/template they carry.
STARTER_SPLIT = {
    "ast_vm-nobodyavail.wav": TEST,
    "ast_vm-rec-busy.wav": TEST,
    "ast_vm-isunavail.wav": TEST,
    "ast_cannot-complete-as-dialed.wav": TEST,
}  # everything else (espeak-ng `fr` pairs, the other prompts) -> tune

# Clips per template and split (variants differ in voice, speed, timeline and condition).
PER_TEMPLATE = {"human-short": 3, "human-long": 3, "voicemail": 3, "voicemail-short": 2, "operator": 3}
PER_RECORDED = {HUMAN: 5, MACHINE: 2, OPERATOR: 4}
NO_ANSWER_CLIPS = {TUNE: 16, TEST: 20}


@dataclass(frozen=True)
class SplitPlan:
    """What one split is made of: its voices, slot fillers, templates and clip counts."""

    synth_voices: tuple[Voice, ...]
    recorded_voices: tuple[Voice, ...]  # rotated over the recorded clips
    slots: dict[str, tuple[str, ...]]
    templates: tuple[Template, ...]
    recorded: tuple[Recorded, ...]
    per_template: dict[str, int]  # clips per synthetic template, by family
    per_recorded: dict[str, int]  # clips per recorded template, by label
    no_answer: int


PLANS = {
    split: SplitPlan(
        SYNTH_VOICES[split],
        RECORDED_VOICES[split],
        SLOTS[split],
        SYNTH_TEMPLATES[split],
        RECORDED_TEMPLATES[split],
        PER_TEMPLATE,
        PER_RECORDED,
        NO_ANSWER_CLIPS[split],
    )
    for split in (TUNE, TEST)
}  # built together by main() from one seed; other splits (test2: amd_eval_test2.py) are built on their own

# ------------------------------------------------------------------------------------------------ signals


def silence(seconds: float) -> Audio:
    return np.zeros(round(seconds * WORK_RATE), dtype=np.float32)


def tone(freqs: Sequence[float], seconds: float, level: float = 0.3) -> Audio:
    t = np.arange(round(seconds * WORK_RATE)) / WORK_RATE
    wave_ = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)
    env = np.ones(len(t))
    ramp = min(len(t) // 4, round(0.005 * WORK_RATE))
    if ramp:
        env[:ramp] = np.linspace(0, 1, ramp)
        env[-ramp:] = np.linspace(1, 0, ramp)
    return (level * wave_ * env).astype(np.float32)


def sit(rng: random.Random) -> tuple[Audio, str]:
    """ITU-T E.180 special information tones: three segments (low/high variants of the first two)."""
    f1 = rng.choice((913.8, 985.2))
    f2 = rng.choice((1370.6, 1428.5))
    d12 = rng.choice((0.274, 0.380))
    level = rng.uniform(0.15, 0.35)
    parts = [tone((f1,), d12, level), tone((f2,), d12, level), tone((1776.7,), 0.380, level)]
    gap = rng.uniform(0.1, 0.6)
    return np.concatenate(
        [*parts, silence(gap)]
    ), f"SIT {f1:.0f}/{f2:.0f}/1777 Hz ({d12 * 1000:.0f} ms), gap {gap:.1f} s"


def ringback(rng: random.Random) -> tuple[Audio, str]:
    if rng.random() < 0.7:  # French ringback: 440 Hz, 1.5 s on
        on = rng.uniform(0.6, 1.5)
        return tone((440.0,), on, rng.uniform(0.08, 0.2)), f"ringback 440 Hz {on:.1f} s"
    on = rng.uniform(0.8, 1.8)  # North American: 440+480 Hz
    return tone((440.0, 480.0), on, rng.uniform(0.08, 0.2)), f"ringback 440+480 Hz {on:.1f} s"


def music(rng: random.Random, seconds: float) -> Audio:
    """Hold music: a pentatonic melody with harmonics over a soft chord."""
    scale = [261.6, 293.7, 329.6, 392.0, 440.0, 523.3, 587.3]
    out: list[Audio] = []
    total = 0.0
    root = rng.choice(scale[:4])
    while total < seconds:
        dur = rng.choice((0.18, 0.25, 0.35, 0.5))
        f = rng.choice(scale)
        note = tone((f, 2 * f, 3 * f), dur, 0.14) + tone((root, root * 1.5), dur, 0.06)
        decay = np.exp(-np.arange(len(note)) / (0.4 * WORK_RATE)).astype(np.float32)
        out.append(note * decay)
        total += dur
    return np.concatenate(out)[: round(seconds * WORK_RATE)]


def chime(rng: random.Random) -> tuple[Audio, str]:
    """An IVR 'ding-dong': two bell strokes (inharmonic partials, exponential decay), not a steady beep."""
    a, b = rng.choice(((659.3, 523.3), (880.0, 659.3), (784.0, 1046.5)))
    strokes = []
    for f in (a, b):
        n = round(0.45 * WORK_RATE)
        t = np.arange(n) / WORK_RATE
        partials = sum(
            w * np.sin(2 * np.pi * f * k * t) for k, w in ((1.0, 1.0), (2.76, 0.5), (5.4, 0.25), (8.9, 0.12))
        )
        strokes.append((0.25 * partials * np.exp(-t / 0.12)).astype(np.float32))
    return np.concatenate(strokes), f"bell chime {a:.0f}/{b:.0f} Hz"


def beep(rng: random.Random) -> tuple[Audio, str]:
    kind = rng.random()
    level = rng.uniform(0.12, 0.4)
    if kind < 0.15:  # three short beeps
        f = rng.choice((800.0, 1000.0, 1400.0))
        parts = [np.concatenate([tone((f,), 0.12, level), silence(0.08)]) for _ in range(3)]
        return np.concatenate(parts), f"3 beeps {f:.0f} Hz"
    if kind < 0.25:  # rising two-tone beep
        return np.concatenate([tone((900.0,), 0.15, level), tone((1300.0,), 0.2, level)]), "beep 900 then 1300 Hz"
    f = rng.choice((600.0, 700.0, 800.0, 850.0, 1000.0, 1000.0, 1200.0, 1400.0))
    dur = rng.choice((0.15, 0.25, 0.4, 0.5, 0.7, 1.0))
    return tone((f,), dur, level), f"beep {f:.0f} Hz {dur * 1000:.0f} ms"


def noise(gen: np.random.Generator, n: int, colour: str) -> Audio:
    white = gen.normal(0.0, 1.0, n)
    out: np.ndarray
    if colour == "white":
        out = white
    elif colour in ("pink", "brown"):
        spectrum = np.fft.rfft(white)
        f = np.fft.rfftfreq(n, 1 / WORK_RATE)
        f[0] = f[1]
        spectrum /= np.sqrt(f) if colour == "pink" else f
        out = np.fft.irfft(spectrum, n)
    else:  # hum: 50 Hz mains and harmonics over hiss
        t = np.arange(n) / WORK_RATE
        out = 0.3 * white
        for k in (1, 2, 3, 5):
            out = out + np.sin(2 * np.pi * 50 * k * t + k) / k
    out = out / (np.sqrt(np.mean(out**2)) + 1e-12)
    return out.astype(np.float32)


def _fir_bandpass(low: float, high: float, rate: int, taps: int = 255) -> np.ndarray:
    n = np.arange(taps) - (taps - 1) / 2

    def lp(fc: float) -> np.ndarray:
        kernel: np.ndarray = 2 * fc / rate * np.sinc(2 * fc / rate * n)
        return kernel

    h: np.ndarray = (lp(high) - lp(low)) * np.hamming(taps)
    return h


BAND = _fir_bandpass(300.0, 3400.0, WORK_RATE)


def telephone(audio: Audio) -> Audio:
    """300-3400 Hz band, 8 kHz, G.711 mu-law round trip."""
    band = np.convolve(audio.astype(np.float64), BAND, mode="same")[::2]
    mu = 255.0
    x = np.clip(band, -1.0, 1.0)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    y = np.round(y * 127.0) / 127.0
    decoded: Audio = (np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu).astype(np.float32)
    return decoded


# ------------------------------------------------------------------------------------------------ speech


def trim(audio: Audio, threshold: float = 0.008) -> Audio:
    nz = np.flatnonzero(np.abs(audio) > threshold)
    return audio[max(0, nz[0] - 80) : nz[-1] + 80] if nz.size else audio


def read_wav(path: Path) -> tuple[Audio, int]:
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm.astype(np.float32) / 32768.0, rate


def to_work_rate(audio: Audio, rate: int) -> Audio:
    return audio if rate == WORK_RATE else soxr.resample(audio, rate, WORK_RATE).astype(np.float32)


class Speaker:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.texts = parse_texts(ASTERISK_TEXTS)

    def synth(self, text: str, voice: Voice, speed: int, pitch: int) -> Audio:
        """espeak-ng (speed, pitch) or, for kind `pico`, pico2wave fr-FR (speed and pitch unused: pico2wave has no
        such options), then changed by the voice's sox effects if it has any."""
        raw = self.tmp / "synth.wav"
        if voice.kind == "pico":
            subprocess.run(["pico2wave", "-l", "fr-FR", "-w", str(raw), text], check=True, stderr=subprocess.DEVNULL)
        else:
            cmd = ["espeak-ng", "-v", voice.espeak, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text]
            subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
        if voice.sox_effects():
            changed = self.tmp / "synth-sox.wav"
            guard = [] if voice.kind == "pico" else ["-G"]  # espeak-ng's loud output would clip when pitched
            subprocess.run(["sox", "-R", "-D", *guard, str(raw), str(changed), *voice.sox_effects()], check=True)
            raw = changed
        audio, rate = read_wav(raw)
        audio = to_work_rate(audio, rate)
        peak = float(np.max(np.abs(audio))) or 1.0
        return trim(audio * (0.6 / peak))

    def synth_apart(self, text: str, voice: Voice, speed: int, pitch: int, pause_s: float) -> Audio:
        """Each sentence of `text` synthesised on its own, with `pause_s` of silence between them."""
        sentences = re.findall(r"[^.!?]+[.!?]*", text)
        parts: list[Audio] = []
        for sentence in (s.strip() for s in sentences):
            if sentence:
                parts += [silence(pause_s)] if parts else []
                parts.append(self.synth(sentence, voice, speed, pitch))
        return np.concatenate(parts) if parts else self.synth(text, voice, speed, pitch)

    def prompt(self, part: Part, voice: Voice) -> Audio:
        src = voice.prompts.directory / f"{part.sound}.{voice.prompts.ext}"
        if voice.sox_effects() or voice.prompts.ext != "wav":
            out = self.tmp / "pitched.wav"
            pcm = ["-e", "signed-integer", "-b", "16"] if voice.prompts.ext != "wav" else []  # e.g. GSM -> 16-bit PCM
            # -R: repeatable random numbers, -D: no dither -> same bytes on every run
            subprocess.run(["sox", "-R", "-D", str(src), *pcm, str(out), *voice.sox_effects()], check=True)
            src = out
        audio, rate = read_wav(src)
        if part.cut_s is not None:
            audio = audio[: round(part.cut_s * rate)]
        audio = to_work_rate(audio, rate)
        peak = float(np.max(np.abs(audio))) or 1.0
        return trim(audio * (0.6 / peak))

    def text_of(self, part: Part) -> str:
        return part.text if part.text is not None else self.texts[part.sound]


def join_texts(texts: Sequence[str]) -> str:
    """Texts of stitched prompts as one sentence ('#' marks digits, read inside the sentence)."""
    out = ""
    prev_digits = False
    for text in texts:
        digits = text.startswith("#")
        text = text.lstrip("#")
        if not out:
            out = text
        elif digits or out.endswith(tuple(".,?!")) or prev_digits:
            out += " " + text
        else:
            out += (". " if text[:1].isupper() else ", ") + text
        prev_digits = digits
    return out[:1].upper() + out[1:]


def parse_texts(path: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            name, sep, text = line.partition(":")
            if sep and not line.startswith(";"):
                texts[name.strip()] = text.strip().strip('“”"')
    return texts


# ---------------------------------------------------------------------------------------------- timelines


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


Speech = Callable[[float], tuple[str, Audio, str]]  # max seconds -> (text said, audio, description)


def fit_text(text: str, render: Callable[[str], Audio], max_s: float) -> tuple[str, Audio]:
    """Speech for `text`, dropping trailing clauses until it lasts at most max_s (keeps at least one)."""
    clauses = re.findall(r"[^,.!?]+[,.!?]*\s*", text)
    while True:
        said = "".join(clauses).strip().rstrip(",;")
        audio = render(said)
        if len(audio) <= max_s * WORK_RATE or len(clauses) == 1:
            return said, audio[: round(max_s * WORK_RATE)]
        clauses = clauses[:-1]


@dataclass(frozen=True)
class Take:
    """Where a clip goes and who speaks in it."""

    split: str
    voice: Voice | None
    condition: str
    template: str


class Builder:
    def __init__(self, seed: int, speaker: Speaker, plans: dict[str, SplitPlan] | None = None) -> None:
        self.rng = random.Random(seed)
        self.speaker = speaker
        self.plans = PLANS if plans is None else plans
        self.clips: list[Clip] = []
        self.count: Counter[tuple[str, str]] = Counter()
        self.turns: Counter[tuple[str, str]] = Counter()

    # -- output --------------------------------------------------------------------------------------------

    def add(
        self, take: Take, label: str, text: str, parts: list[Audio], desc: list[str], speech_rms: float | None
    ) -> None:
        audio = np.concatenate(parts)[: round(MAX_SECONDS * WORK_RATE)]
        gen = np.random.default_rng(self.rng.randrange(2**32))
        if speech_rms is not None:  # line level varies from call to call (speech and tones alike)
            gain = self.rng.uniform(-12.0, 0.0)
            audio = audio * np.float32(10 ** (gain / 20))
            speech_rms *= 10 ** (gain / 20)
            desc.append(f"level {gain:+.0f} dB")
        if take.condition == "synthetic":
            floor = self.rng.uniform(-66.0, -56.0)
            audio = audio + noise(gen, len(audio), "white") * 10 ** (floor / 20)
            desc.append(f"16 kHz wideband, noise floor {floor:.0f} dBFS")
        else:
            if take.condition == "noise":
                colour = self.rng.choice(("white", "pink", "brown", "hum"))
                snr = self.rng.uniform(6.0, 18.0)
                if speech_rms:
                    level = 20 * np.log10(speech_rms) - snr
                    desc.append(f"{colour} noise at {snr:.0f} dB SNR")
                else:
                    level = -30.0 - snr / 2
                    desc.append(f"{colour} noise at {level:.0f} dBFS")
                audio = audio + noise(gen, len(audio), colour) * 10 ** (level / 20)
            audio = telephone(np.clip(audio, -1.0, 1.0))
            line = self.rng.uniform(-58.0, -46.0)
            audio = audio + noise(gen, len(audio), "white")[: len(audio)] * 10 ** (line / 20)
            desc.append(f"telephone band 300-3400 Hz, 8 kHz, G.711 mu-law, line noise {line:.0f} dBFS")
        kind = {HUMAN: "human", MACHINE: "machine", OPERATOR: "operator", NO_ANSWER: "noanswer"}[label]
        self.count[(kind, take.split)] += 1
        name = f"{kind}_{take.split}_{self.count[(kind, take.split)]:03d}.wav"
        self.clips.append(
            Clip(
                name,
                label,
                take.split,
                text,
                "; ".join(desc),
                take.voice.name if take.voice else "none",
                take.condition,
                np.clip(audio, -1.0, 1.0).astype(np.float32),
                take.template,
            )
        )

    # -- speech sources ------------------------------------------------------------------------------------

    def slots(self, split: str) -> dict[str, str]:
        fill = self.plans[split].slots
        names = self.rng.sample(fill["name"], 2)
        return {
            "name": names[0],
            "name2": names[1],
            "surname": self.rng.choice(fill["surname"]),
            "company": self.rng.choice(fill["company"]),
            "number": self.rng.choice(fill["number"]),
        }

    def synth_speech(self, template: Template, split: str, voice: Voice, max_s: float) -> tuple[str, Audio, str]:
        text = template.text.format(**self.slots(split))
        text = text[:1].upper() + text[1:]
        speed = self.rng.choice((135, 150, 165, 180))
        pitch = self.rng.randint(35, 65)
        gap = 0.0
        if template.pause_s is None:
            said, audio = fit_text(text, lambda t: self.speaker.synth(t, voice, speed, pitch), max_s)
        else:
            gap = self.rng.uniform(*template.pause_s)
            said, audio = fit_text(text, lambda t: self.speaker.synth_apart(t, voice, speed, pitch, gap), max_s)
        desc = f"espeak-ng -v {voice.espeak} -s {speed} -p {pitch}{voice.shift()}"
        if voice.kind == "pico":
            desc = f"SVOX Pico pico2wave -l fr-FR{voice.shift()}"
        if template.pause_s is not None:
            desc += f", sentences spoken apart ({gap:.1f} s pauses)"
        if said != text:
            desc += " (trailing clauses dropped to fit the clip)"
        return said, audio, desc

    def recorded_speech(self, rec: Recorded, voice: Voice, max_s: float) -> tuple[str, Audio, str]:
        """Recorded prompts are never shortened here (max_s is ignored): the timelines make room for them."""
        audio: list[Audio] = []
        texts: list[str] = []
        names: list[str] = []
        for part in rec.parts:
            if part.sound == "pause":
                gap = self.rng.uniform(*part.pause_s)
                audio.append(silence(gap))
                names.append(f"{gap:.1f} s pause")
            elif part.sound == "digits":
                digits = [str(self.rng.randint(1, 9)) for _ in range(self.rng.choice((3, 4)))]
                for d in digits:
                    audio += [self.speaker.prompt(Part(f"digits/{d}"), voice), silence(self.rng.uniform(0.05, 0.15))]
                texts.append("#" + " ".join(self.speaker.texts[f"digits/{d}"] for d in digits))
                names.append("digits/" + ",".join(digits))
            else:
                audio.append(self.speaker.prompt(part, voice))
                texts.append(self.speaker.text_of(part))
                names.append(part.sound + (f" (first {part.cut_s:.1f} s)" if part.cut_s else ""))
        shift = voice.shift()
        how = "stitched: " if rec.stitched else ""
        desc = f"{voice.prompts.about} (recorded voice{shift}), {how}" + " + ".join(names)
        return join_texts(texts), np.concatenate(audio), desc

    # -- timelines -----------------------------------------------------------------------------------------

    def human(self, take: Take, speech: Speech, turn: int, family: str) -> None:
        text, audio, desc = speech(4.6 if family == "human-long" else 3.0)
        rng = self.rng
        speech_s = len(audio) / WORK_RATE
        parts: list[Audio] = []
        notes = [desc]
        kind = turn % 4
        if kind == 3:  # ringback leaking before the answer
            ring, what = ringback(rng)
            gap = rng.uniform(0.2, 0.8)
            if len(ring) / WORK_RATE + gap + speech_s <= MAX_SECONDS - 2.0:
                parts += [ring, silence(gap)]
                notes.insert(0, what + " before the answer")
        room = MAX_SECONDS - 1.8 - speech_s - sum(len(p) for p in parts) / WORK_RATE
        if kind == 1 and room >= 1.5:  # silent-first human
            lead = rng.uniform(1.4, min(3.0, room))
            notes.insert(0, f"silent-first human, {lead:.1f} s of silence")
        else:
            lead = rng.uniform(0.15, max(0.2, min(0.9, room)))
            notes.insert(0, f"lead {lead:.1f} s")
        parts += [silence(lead), audio]
        said = text
        if kind == 2 and family == "human-short" and speech_s < 1.6:  # repeats the opener after a pause
            gap = rng.uniform(0.8, 1.5)
            parts += [silence(gap), audio]
            said = f"{text} {text}"
            notes.append(f"repeated after {gap:.1f} s")
        used = sum(len(p) for p in parts) / WORK_RATE
        parts.append(silence(max(1.8, rng.uniform(5.0, 6.5) - used)))
        self.add(take, HUMAN, said, parts, notes, rms(audio))

    def machine(self, take: Take, speech: Speech, turn: int, variant: int, family: str) -> None:
        rng = self.rng
        pre: list[Audio] = []
        pre_notes: list[str] = []
        kind = turn % 5
        if kind == 1:
            length = rng.uniform(0.8, 2.2)
            pre += [music(rng, length), silence(rng.uniform(0.1, 0.4))]
            pre_notes.append(f"hold music {length:.1f} s before the greeting")
        elif kind == 2:
            ring, what = ringback(rng)
            pre += [ring, silence(rng.uniform(0.3, 0.9))]
            pre_notes.append(what + " before the greeting")
        elif kind == 3:
            ch, what = chime(rng)
            pre += [ch, silence(rng.uniform(0.1, 0.3))]
            pre_notes.append(what + " before the greeting")
        lead = rng.uniform(0.1, 0.8)
        room = MAX_SECONDS - 0.1 - lead - sum(len(p) for p in pre) / WORK_RATE
        text, audio, desc = speech(max(2.0, room))
        speech_s = len(audio) / WORK_RATE
        if speech_s > room:  # no room for the pre-roll: drop it
            pre, pre_notes = [], []
            lead = min(lead, max(0.05, MAX_SECONDS - 0.1 - speech_s))
        parts = [*pre, silence(lead), audio]
        notes = [*pre_notes, f"lead {lead:.1f} s", desc]
        used = sum(len(p) for p in parts) / WORK_RATE
        want_beep = not (family == "voicemail-short" and variant == 1) and turn % 7 != 6
        b, what = beep(rng)
        gap = rng.uniform(0.1, 1.3)
        if want_beep and used + gap + len(b) / WORK_RATE <= MAX_SECONDS - 0.2:
            parts += [silence(gap), b]
            notes.append(f"{what} {gap:.1f} s after the greeting")
        elif used < MAX_SECONDS - 0.5:
            notes.append("no beep")
        else:
            notes.append("greeting runs to the end of the clip")
        pad_to(parts, rng.uniform(5.5, MAX_SECONDS))
        self.add(take, MACHINE, text, parts, notes, rms(audio))

    def operator(self, take: Take, speech: Speech, turn: int) -> None:
        rng = self.rng
        lead = rng.uniform(0.05, 0.5)
        tones, what = sit(rng)
        with_sit = turn % 2 == 0
        room = MAX_SECONDS - 0.1 - lead - (len(tones) / WORK_RATE if with_sit else 0.0)
        text, audio, desc = speech(max(2.0, room))
        speech_s = len(audio) / WORK_RATE
        if speech_s > room:
            lead = 0.05
        if with_sit and speech_s > MAX_SECONDS - 0.15 - len(tones) / WORK_RATE:
            with_sit = False
            what = "announcement too long for a SIT in the clip"
        parts = [silence(lead)]
        notes = [f"lead {lead:.2f} s"]
        if with_sit:
            parts.append(tones)
            notes.append(what + " before the announcement")
        else:
            notes.append("no SIT")
        notes.append(desc)
        parts.append(audio)
        gap = rng.uniform(0.5, 1.0)
        if turn % 3 == 1 and sum(len(p) for p in parts) + gap * WORK_RATE + len(audio) <= MAX_SECONDS * WORK_RATE:
            parts += [silence(gap), audio]  # short announcements loop
            text = f"{text} {text}"
            notes.append(f"repeated after {gap:.1f} s")
        pad_to(parts, rng.uniform(5.5, MAX_SECONDS))
        self.add(take, OPERATOR, text, parts, notes, rms(audio))

    def no_answer(self, split: str, i: int) -> None:
        take = Take(split, None, "noise" if i % 3 == 2 else "telephone", "no-answer")
        length = self.rng.uniform(5.6, MAX_SECONDS)
        parts = [silence(length)]
        notes = ["answered, nobody speaks"]
        if i % 4 == 3:  # a click or two (handset, line)
            for _ in range(self.rng.randint(1, 2)):
                at = round(self.rng.uniform(0.3, length - 0.5) * WORK_RATE)
                parts[0][at : at + 40] += np.hanning(40).astype(np.float32) * self.rng.uniform(0.05, 0.2)
            notes.append("clicks")
        self.add(take, NO_ANSWER, "", parts, notes, None)

    # -- the plan ------------------------------------------------------------------------------------------

    def build(self) -> list[Clip]:
        synth_conditions = ("telephone", "synthetic", "telephone", "noise")
        for split, plan in self.plans.items():
            voices = list(plan.synth_voices)
            self.rng.shuffle(voices)
            n = 0
            for template in plan.templates:
                for variant in range(plan.per_template[template.family]):
                    voice = voices[n % len(voices)]
                    condition = synth_conditions[(n + n // len(voices)) % len(synth_conditions)]
                    n += 1
                    take = Take(split, voice, condition, template.key)
                    speech = functools.partial(self.synth_speech, template, split, voice)
                    self.emit(take, template.label, template.family, variant, speech)
            m = 0
            for rec in plan.recorded:
                for variant in range(plan.per_recorded[rec.label]):
                    voice = plan.recorded_voices[m % len(plan.recorded_voices)]
                    condition = "noise" if m % 4 == 3 else "recorded"
                    m += 1
                    take = Take(split, voice, condition, rec.key)
                    self.emit(take, rec.label, rec.family, variant, functools.partial(self.recorded_speech, rec, voice))
            for i in range(plan.no_answer):
                self.no_answer(split, i)
        return self.clips

    def emit(self, take: Take, label: str, family: str, variant: int, speech: Speech) -> None:
        """One clip; `turn` (clips of this label and split so far) rotates the timeline kinds across templates."""
        turn = self.turns[(take.split, label)]
        self.turns[(take.split, label)] += 1
        if label == HUMAN:
            self.human(take, speech, turn, family)
        elif label == MACHINE:
            self.machine(take, speech, turn, variant, family)
        else:
            self.operator(take, speech, turn)


def pad_to(parts: list[Audio], seconds: float) -> None:
    """Silence at the end so that the parts last `seconds` (nothing when they already do)."""
    used = sum(len(p) for p in parts) / WORK_RATE
    parts.append(silence(max(0.0, seconds - used)))


def rms(audio: Audio) -> float:
    loud = audio[np.abs(audio) > 0.01]
    return float(np.sqrt(np.mean(loud**2))) if loud.size else 0.0


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


def write_wav(path: Path, audio: Audio, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(audio * 32767).astype(np.int16).tobytes())


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


def build_split(out: Path, split: str, plan: SplitPlan, seed: int) -> None:
    """Build one split on its own seed and replace its manifest rows; the other rows and files stay as they are."""
    with tempfile.TemporaryDirectory() as tmp:
        clips = Builder(seed, Speaker(Path(tmp)), {split: plan}).build()
    rows = [r for r in read_rows(out) if r["split"] != split]
    write_manifest(out, rows + write_clips(out, clips), clips)


def split_main(split: str, plan: SplitPlan, seed: int, doc: str) -> None:
    """Command line of a split built on its own (amd_eval_test2.py, amd_eval_test3.py): [--out DIR] [--seed N]."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("audio/amd-eval"))
    parser.add_argument("--seed", type=int, default=seed)
    args = parser.parse_args()
    build_split(args.out, split, plan, args.seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("audio/amd-eval"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stats", action="store_true", help="print the README count tables of --out and exit")
    args = parser.parse_args()
    out: Path = args.out
    if args.stats:
        with (out / "manifest.csv").open(encoding="utf-8", newline="") as f:
            print(stats_markdown(list(csv.DictReader(f))))
        return
    kept = [r for r in read_rows(out) if r["split"] not in PLANS]  # splits built on their own (test2)
    with tempfile.TemporaryDirectory() as tmp:
        clips = Builder(args.seed, Speaker(Path(tmp))).build()
    write_manifest(out, starter_rows(out) + write_clips(out, clips) + kept, clips)


if __name__ == "__main__":
    main()
