"""Pure checks that discard Whisper text coming from non-speech: no VAD speech in the window, a high
no_speech_prob with an unsure decoder, the subtitle credits Whisper learned from French/English video captions; and
decoding loops, detected and collapsed so that repeated words never count twice.
"""

from __future__ import annotations

import re
import unicodedata
import zlib

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


def compression_ratio(text: str) -> float:
    """zlib compression ratio of the UTF-8 text (Whisper's loop signal: > 2.4 means the text repeats itself)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _repeats_needed(n: int) -> int:
    # people say "oui oui" and "allô allô": one- and two-word repeats count from the third; a longer phrase said
    # twice in a row ("la personne au poste la personne au poste") is a decoding loop
    return 3 if n <= 2 else 2


def collapse_loops(text: str, *, max_n: int = 8) -> str:
    """The text with back-to-back repeats of an n-gram kept once, when they repeat enough to be a decoding loop
    (see `_repeats_needed`). Works on whitespace tokens, comparing their normalised forms, so the kept words
    keep their case, accents and punctuation."""
    tokens = text.split()
    keys = [normalise(t) for t in tokens]
    changed = True
    while changed:
        changed = False
        for n in range(1, max_n + 1):
            i = 0
            while i + n <= len(tokens):
                gram = keys[i : i + n]
                if not any(gram):
                    i += 1
                    continue
                k = 1
                while keys[i + k * n : i + (k + 1) * n] == gram:
                    k += 1
                if k >= _repeats_needed(n):
                    del tokens[i + n : i + k * n]
                    del keys[i + n : i + k * n]
                    changed = True
                i += 1
    return " ".join(tokens)


def is_loop(text: str, *, compression_ratio_max: float = 2.4) -> bool:
    """A decoding loop: an n-gram repeated back to back (see `collapse_loops`) or text that compresses too well."""
    if len(text) >= 40 and compression_ratio(text) > compression_ratio_max:
        return True
    return collapse_loops(text) != " ".join(text.split())


def rejection_reason(
    text: str,
    no_speech_prob: float,
    *,
    no_speech_prob_max: float,
    speech_detected: bool = True,
    avg_logprob: float | None = None,
    logprob_min: float = -1.0,
) -> str | None:
    """Why `text` must be discarded, or None to keep it. With `avg_logprob`, a high no_speech_prob discards the
    text only when the decoder was also unsure of it (Whisper's rule: real speech often scores no_speech_prob
    above 0.6 on short telephone windows while its words are decoded with confidence)."""
    if not speech_detected:
        return "no speech detected by VAD in the window"
    stripped = text.strip()
    if not stripped:
        return None
    if no_speech_prob > no_speech_prob_max and (avg_logprob is None or avg_logprob < logprob_min):
        unsure = "" if avg_logprob is None else f" and mean log probability {avg_logprob:.2f} < {logprob_min:.2f}"
        return f"no_speech_prob {no_speech_prob:.2f} > {no_speech_prob_max:.2f}{unsure}"
    if _MUSIC.match(stripped) or not normalise(stripped):
        return "only music notes or punctuation"
    if is_known_hallucination(stripped):
        return "known Whisper hallucination"
    return None
