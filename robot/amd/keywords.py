"""French AMD phrase families (amd_keywords.yaml): loading with validation, matching, weighed scoring.

Matching works on normalised words: lower case, no accents, apostrophes and hyphens are word breaks, so
"Allô", "allo" and "ALLO" match, "laissez-moi" matches "laissez moi", "n'est" matches "n est". Words whose accent
is their meaning keep it ("là" is not the article "la", "où" is not "ou"). Inflections fold for matching: plural
-s/-x and feminine -e of participles and adjectives ("complétée", "complétés" match "complété"; "absente" matches
"absent"). Whisper's abbreviation "n°" (also "nº") reads as "numéro". A phrase matches only on whole words ("oui"
never matches inside "ouistiti"). When matches overlap, the longest wins ("laissez-moi un message" counts once, not
also as "un message"); at equal length a strong phrase wins over a weak one, whichever starts first.

Near matches (on when a caller asks for them with near_min_words): a strong phrase of at least that many words also
matches a run of transcript words one word edit away from it (one word changed, missing or added, the first word
kept): Whisper garbles one word of a long phrase ("personne n'est en mesure de prendre votre affaire"), or the window
ends one word before the phrase does. An exact match wins over a near match of the same length, and an exact strong
phrase of another family on any word of a near match wins over it whatever their lengths.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml

from robot.errors import ConfigError


class Family(StrEnum):
    VOICEMAIL = "voicemail"
    HUMAN = "human"
    OPERATOR = "operator"


class Weight(StrEnum):
    STRONG = "strong"
    WEAK = "weak"


_WORD = re.compile(r"[^\W_]+")
_NUMERO = re.compile(r"\bn\s*[°º]", re.IGNORECASE)  # "n°", "nº": how Whisper writes "numéro"
# words that folding would merge with another word of a different meaning: they keep their accent
_MEANINGFUL_ACCENTS = frozenset({"là", "où", "çà", "dû", "sûr", "sûre", "sûrs", "sûres", "mûr", "mûre"})


def _fold(word: str) -> str:
    if word in _MEANINGFUL_ACCENTS:
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.replace("œ", "oe").replace("æ", "ae")


def normalise_words(text: str) -> tuple[str, ...]:
    """Lower-case words of `text`, accents removed except where they are the meaning (see _MEANINGFUL_ACCENTS);
    apostrophes (' ’ `), hyphens and punctuation split words; "n°" is the word "numéro"."""
    words = _WORD.findall(_NUMERO.sub(" numéro ", unicodedata.normalize("NFC", text.lower())))
    return tuple(folded for word in words for folded in _WORD.findall(_fold(word)))


def match_key(word: str) -> str:
    """The form a normalised word is matched by: plural -s/-x and the feminine -e of participles (-ée) and of
    -ent adjectives dropped, so inflections of a phrase match it ("complétées" and "complété", "absente" and
    "absent")."""
    plural = (len(word) >= 4 and word.endswith("s") and not word.endswith("ss")) or (
        len(word) >= 5 and word.endswith(("eaux", "eux"))
    )
    if plural:
        word = word[:-1]
    feminine = (len(word) >= 4 and word.endswith("ee")) or (len(word) >= 5 and word.endswith("ente"))
    return word[:-1] if feminine else word


def match_keys(text: str) -> tuple[str, ...]:
    return tuple(match_key(w) for w in normalise_words(text))


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    family: Family
    weight: Weight
    words: tuple[str, ...]  # match keys (see match_key)
    line: int  # line in the YAML file (1-based), for messages


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    phrase: Phrase
    start_word: int  # index of the first matched word in the normalised transcript
    end_word: int  # one past the last matched word
    near: bool = False  # one word edit away from the phrase (see KeywordSet.match)

    @property
    def family(self) -> Family:
        return self.phrase.family

    @property
    def weight(self) -> Weight:
        return self.phrase.weight


@dataclass(frozen=True, slots=True)
class KeywordScores:
    """Points per family (strong and weak points as configured) and the matches behind them."""

    voicemail: float
    human: float
    operator: float
    matches: tuple[PhraseMatch, ...]

    @property
    def machine_minus_human(self) -> float:
        return self.voicemail - self.human

    def merged(self, later: KeywordScores) -> KeywordScores:
        """The evidence of two transcripts of the same speech (the later one covers more of it): each family keeps
        its higher score, so a phrase one decoding found and the other garbled still counts once."""
        known = {(m.phrase, m.start_word) for m in later.matches}
        kept = tuple(m for m in self.matches if (m.phrase, m.start_word) not in known)
        return KeywordScores(
            max(self.voicemail, later.voicemail),
            max(self.human, later.human),
            max(self.operator, later.operator),
            later.matches + kept,
        )

    def describe(self) -> str:
        return ", ".join(
            f"{m.family}/{'near ' if m.near else ''}{m.weight}:{m.phrase.text!r}@{m.start_word}" for m in self.matches
        )


class KeywordSet:
    """The phrases of every family, indexed by first word for fast matching."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.phrases: tuple[Phrase, ...] = tuple(phrases)
        self._by_first: dict[str, list[Phrase]] = {}
        for phrase in self.phrases:
            self._by_first.setdefault(phrase.words[0], []).append(phrase)

    def count(self, family: Family, weight: Weight | None = None) -> int:
        return sum(1 for p in self.phrases if p.family is family and (weight is None or p.weight is weight))

    def match(self, text: str, *, near_min_words: int = 0) -> tuple[PhraseMatch, ...]:
        """Matched phrases in `text`, in order of position; overlaps resolved longest-first (at equal length: exact
        before near, strong before weak, then the earlier one). near_min_words > 0: strong phrases of at least that
        many words also match one word edit away (see the module docstring)."""
        words = match_keys(text)
        found: list[PhraseMatch] = []
        for i, word in enumerate(words):
            for phrase in self._by_first.get(word, ()):
                n = len(phrase.words)
                if words[i : i + n] == phrase.words:
                    found.append(PhraseMatch(phrase, i, i + n))
                elif near_min_words > 0 and phrase.weight is Weight.STRONG and n >= near_min_words:
                    end = _near_end(words, i, phrase.words)
                    if end is not None:
                        found.append(PhraseMatch(phrase, i, end, near=True))
        # a near match gives way to an exact strong phrase of another family on any of its words: one word of a
        # long voicemail phrase changed ("nous ne pouvons pas [prendre] votre appel") may be the very word that
        # makes it a carrier announcement ("... acheminer votre appel")
        exact_strong = [m for m in found if not m.near and m.weight is Weight.STRONG]
        found = [
            m for m in found if not (m.near and any(_overlap(m, e) and e.family is not m.family for e in exact_strong))
        ]
        found.sort(key=lambda m: (-(m.end_word - m.start_word), m.near, m.weight is Weight.WEAK, m.start_word))
        taken: list[PhraseMatch] = []
        for m in found:
            if not any(_overlap(m, t) for t in taken):
                taken.append(m)
        taken.sort(key=lambda m: m.start_word)
        return tuple(taken)

    def score(
        self,
        text: str,
        strong_points: float,
        weak_points: float,
        *,
        near_points: float = 0.0,
        near_min_words: int = 0,
    ) -> KeywordScores:
        """Weighed score per family: each non-overlapping match adds strong_points or weak_points, a near match
        of a strong phrase near_points (near matches are looked for only when near_points > 0 and
        near_min_words > 0). Weak human phrases ("oui", "bonjour") count nothing next to an exact strong voicemail
        or operator phrase: recorded greetings open with them too ("Oui bonjour, vous êtes bien chez...")."""
        near_words = near_min_words if near_points > 0 else 0
        matches = self.match(text, near_min_words=near_words)
        machine_strong = any(m.weight is Weight.STRONG and not m.near and m.family is not Family.HUMAN for m in matches)
        totals = {family: 0.0 for family in Family}
        for m in matches:
            if m.near:
                totals[m.family] += near_points
            elif m.weight is Weight.STRONG:
                totals[m.family] += strong_points
            elif not (machine_strong and m.family is Family.HUMAN):
                totals[m.family] += weak_points
        return KeywordScores(totals[Family.VOICEMAIL], totals[Family.HUMAN], totals[Family.OPERATOR], matches)


def _overlap(a: PhraseMatch, b: PhraseMatch) -> bool:
    return a.start_word < b.end_word and b.start_word < a.end_word


def _near_end(words: tuple[str, ...], start: int, phrase: tuple[str, ...]) -> int | None:
    """End of the run of `words` from `start` (whose first word is the phrase's) that is exactly one word edit
    (changed, missing, added) from `phrase`; the run of the phrase's own length is preferred. None: no such run."""
    n = len(phrase)
    for length in (n, n - 1, n + 1):
        run = words[start : start + length]
        if len(run) == length and _word_edits(run, phrase) == 1:
            return start + length
    return None


def _word_edits(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Levenshtein distance between two word sequences."""
    previous = list(range(len(b) + 1))
    for i, word in enumerate(a, start=1):
        row = [i]
        for j, other in enumerate(b, start=1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (word != other)))
        previous = row
    return previous[-1]


def _fail(path: Path, node: yaml.Node | None, what: str) -> ConfigError:
    line = f":{node.start_mark.line + 1}" if node is not None else ""
    return ConfigError(f"{path}{line}: {what}")


def _mapping(path: Path, node: yaml.Node, where: str) -> Mapping[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _fail(path, node, f"{where}: expected a mapping")
    result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in result:
            raise _fail(path, key_node, f"{where}.{key}: duplicate key")
        result[key] = (key_node, value_node)
    return result


def parse_keywords(text: str, path: Path) -> KeywordSet:
    """Parse amd_keywords.yaml content; errors name the file, the line and the field."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    if root is None:
        raise ConfigError(f"{path}: empty keyword file")
    phrases: list[Phrase] = []
    seen: dict[tuple[str, ...], Phrase] = {}
    families = _mapping(path, root, "top level")
    for name, (key_node, family_node) in families.items():
        try:
            family = Family(name)
        except ValueError:
            raise _fail(
                path, key_node, f"unknown family {name!r} (expected one of {[f.value for f in Family]})"
            ) from None
        for weight_name, (wkey_node, list_node) in _mapping(path, family_node, name).items():
            try:
                weight = Weight(weight_name)
            except ValueError:
                raise _fail(
                    path, wkey_node, f"{name}.{weight_name}: unknown weight (expected strong or weak)"
                ) from None
            if not isinstance(list_node, yaml.SequenceNode):
                raise _fail(path, list_node, f"{name}.{weight_name}: expected a list of phrases")
            for item in list_node.value:
                field = f"{name}.{weight_name}"
                if not isinstance(item, yaml.ScalarNode) or item.tag != "tag:yaml.org,2002:str":
                    raise _fail(path, item, f"{field}: each phrase must be a plain string")
                words = match_keys(str(item.value))
                if not words:
                    raise _fail(path, item, f"{field}: phrase {item.value!r} has no words")
                phrase = Phrase(str(item.value), family, weight, words, item.start_mark.line + 1)
                if words in seen:
                    first = seen[words]
                    raise _fail(
                        path,
                        item,
                        f"{field}: phrase {item.value!r} repeats line {first.line} ({first.text!r}; inflections "
                        "and accents match alike)",
                    )
                seen[words] = phrase
                phrases.append(phrase)
    for family in Family:
        if not any(p.family is family for p in phrases):
            raise ConfigError(f"{path}: family {family.value!r} has no phrases")
    return KeywordSet(phrases)


def load_keywords(path: Path) -> KeywordSet:
    """Read and validate a keyword file (raises ConfigError naming file, line and field)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read keyword file: {err.strerror}") from err
    return parse_keywords(text, path)
