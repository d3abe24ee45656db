"""Is what the caller said over a prompt only backchannels ("oui", "mmh", "d'accord")? Pure text rules.

The vocabulary (DialogSettings.backchannels) is written from phrase families, not from recordings: assent (oui,
ouais, mouais), acknowledgement (ok, d'accord, entendu, très bien, voilà, je vois), hesitation (euh, ben, bah) and
interjections (ah, oh, eh). Hums are a family of their own, matched by shape (`is_hum`), because Whisper spells a
nasal hum in many ways: "Mmh", "Hmm", "Mhm", "Hum hum", "Mm-hmm", and, on telephone audio, two or more m's followed
by a letter or two of noise ("MMR.", "MMA.") or the same letters hyphenated ("M-M-A-S."), which no French word
looks like.

Normalisation for real Whisper output: case, accents, punctuation and apostrophes go (robot.dialog.intents'
normalize_text), hyphenated single letters are joined first ("M-M-A-S" -> "mmas"), a letter held three times or
more counts once ("ouiii", "hummm"), and phrases may repeat ("oui oui", "d'accord d'accord").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from robot.dialog.intents import normalize_text

_SPELLED = re.compile(r"(?<![^\W\d_])[^\W\d_](?:-[^\W\d_])+(?![^\W\d_])")  # "M-M-A-S": single letters, hyphens
_HELD = re.compile(r"([a-z])\1{2,}")  # a letter held: "ouiii", "hummm"
# hm, mh, mm, mmh, mhm, hmm, hmhm | hum, humm | mm + one or two letters of noise (mmr, mma, mmas)
_HUM = re.compile(r"[hm]*m[hm]*|h+u+m+h*|m{2,}[a-z]{1,2}")


def is_hum(token: str) -> bool:
    """A normalised token that is a hum as Whisper writes one ("mmh", "hmm", "hum", "mmr")."""
    return _HUM.fullmatch(token) is not None


def _tokens(text: str) -> list[str]:
    joined = _SPELLED.sub(lambda m: m.group(0).replace("-", ""), text)
    return normalize_text(joined).split()


def _squeeze(token: str) -> str:
    return _HELD.sub(r"\1", token)


class BackchannelVocabulary:
    """The phrases of DialogSettings.backchannels, normalised once; `matches(text)` tells a backchannel."""

    def __init__(self, phrases: Iterable[str]) -> None:
        normalised = {" ".join(_squeeze(t) for t in _tokens(p)) for p in phrases}
        self._phrases = sorted((p for p in normalised if p), key=len, reverse=True)

    def matches(self, text: str) -> bool:
        """Every word of `text` belongs to a backchannel phrase or is a hum; an empty text counts (nothing was
        said, or the hallucination guard emptied it)."""
        tokens = _tokens(text)
        remaining = f" {' '.join(t if is_hum(t) else _squeeze(t) for t in tokens)} "
        for phrase in self._phrases:
            while f" {phrase} " in remaining:
                remaining = remaining.replace(f" {phrase} ", " ")
        return all(is_hum(t) for t in remaining.split())
