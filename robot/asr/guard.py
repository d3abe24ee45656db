"""Pure checks that discard Whisper text coming from non-speech: no VAD speech in the window, a high
no_speech_prob, the subtitle credits Whisper learned from French/English video captions, and decoding loops.
"""

from __future__ import annotations

import re
import unicodedata

# Normalised (lower case, no accents, no punctuation) phrases Whisper emits on silence/noise/music.
_HALLUCINATED_PHRASES: tuple[str, ...] = (
    "sous titres realises par la communaute d amara org",
    "sous titres realises para la communaute d amara org",
    "sous titrage st 501",
    "sous titrage st501",
    "sous titrage societe radio canada",
    "sous titres par amara org",
    "merci d avoir regarde",
    "merci d avoir regarde cette video",
    "merci de votre attention",
    "abonnez vous",
    "n oubliez pas de vous abonner",
    "thank you for watching",
    "thanks for watching",
    "subtitles by the amara org community",
    "please subscribe",
)
_SUBSTRING_MARKERS: tuple[str, ...] = ("amara org", "sous titrage st", "sous titres realises")
_MUSIC = re.compile(r"^[\s♪♫♬♩🎵🎶*#~.…\-]*$")
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, accents removed, every run of non-alphanumerics turned into one space."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_WORD.findall(plain))


def is_known_hallucination(text: str) -> bool:
    norm = normalise(text)
    if norm in _HALLUCINATED_PHRASES:
        return True
    return any(marker in norm for marker in _SUBSTRING_MARKERS)


def has_ngram_loop(text: str, *, min_repeats: int = 4, max_n: int = 6) -> bool:
    """True when some 1..max_n word n-gram repeats back to back at least `min_repeats` times
    ("oui oui oui oui", "je vous je vous je vous je vous")."""
    words = normalise(text).split()
    for n in range(1, max_n + 1):
        needed = n * min_repeats
        for start in range(0, len(words) - needed + 1):
            gram = words[start : start + n]
            if all(words[start + k * n : start + (k + 1) * n] == gram for k in range(1, min_repeats)):
                return True
    return False


def rejection_reason(
    text: str,
    no_speech_prob: float,
    *,
    no_speech_prob_max: float,
    speech_detected: bool = True,
) -> str | None:
    """Why `text` must be discarded, or None to keep it."""
    if not speech_detected:
        return "no speech detected by VAD in the window"
    stripped = text.strip()
    if not stripped:
        return None
    if no_speech_prob > no_speech_prob_max:
        return f"no_speech_prob {no_speech_prob:.2f} > {no_speech_prob_max:.2f}"
    if _MUSIC.match(stripped) or not normalise(stripped):
        return "only music notes or punctuation"
    if is_known_hallucination(stripped):
        return "known Whisper hallucination"
    if has_ngram_loop(stripped):
        return "repeated n-gram loop"
    return None
