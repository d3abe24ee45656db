"""French keyword intents of a caller's answer (pure).

`detect_intent(text)` normalises the text (lower case, accents and punctuation removed) and looks for phrase
patterns, strongest family first: stop_calling_me > not_interested > call_back_later > question > no / yes.
- A "yes" word (oui, d'accord, intéressé...) that sits in a negation ("pas d'accord", "je ne suis pas intéressé",
  "absolument pas") is not a yes: negated yes words count as "no" (or "not_interested" for intérêt words).
- Between yes and no the later one wins, so a negation after a leading "oui" wins ("oui... enfin non").
- A "oui" that only answers the phone is not a yes: "Oui ?", "Oui bonjour", "Allô oui", "Oui, je vous écoute",
  "Oui c'est moi" (the "oui" is dropped; the rest of the answer still counts). "Je ne sais pas (trop)" is
  hesitation, neither yes nor no.
- A question ("c'est à quel sujet ?", "c'est pour quoi ?", "qui êtes-vous ?") is `question`, never consent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_INTERESTED = "not_interested"
    CALL_BACK_LATER = "call_back_later"
    STOP_CALLING_ME = "stop_calling_me"
    QUESTION = "question"


@dataclass(frozen=True, slots=True)
class IntentMatch:
    intent: Intent | None
    matched: str = ""  # the normalised phrase that decided, "" when nothing matched


def normalize_text(text: str) -> str:
    """Lower case, no accents, apostrophes and punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


# A yes word is negated by ne/n'/pas/jamais up to three words before it ("je n'ai pas dit oui", "pas
# d'accord"), or by "pas"/"que non" right after it ("absolument pas"; "ok, pas de souci" stays a yes).
_NEG_BEFORE = r"(?<!\w)(?:ne|n|(?<!pourquoi )pas|jamais)(?:\s+\w+){0,3}?\s+"
_NEG_AFTER = r"\s+(?:pas(?!\s+de\b)|que non)"


def _rx(*phrases: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(rf"(?<!\w){p}(?!\w)") for p in phrases)


_STOP = _rx(
    r"ne m appelez plus",
    r"(?:non )?m appel(?:ez|ais|ait|er) plus(?: jamais)?",
    r"n appelez plus",
    r"(?:ne )?me rappelez (?:plus|jamais)",
    r"ne me rappelez (?:plus|pas|jamais)",
    r"ne plus (?:m appeler|me rappeler|me contacter|etre appele)",
    # -ez / -er / -e sound alike: a recogniser writes "arrêter de m'appeler" for "Arrêtez de m'appeler"
    r"arret(?:ez|er|e|es) de m appeler",
    r"arret(?:ez|er|e|es) de me (?:rappeler|contacter|harceler|deranger)",
    r"cess(?:ez|er|e|es) de m appeler",
    r"cess(?:ez|er|e|es) de me (?:rappeler|contacter|harceler)",
    r"(?:retirez|enlevez|supprimez|rayez|effacez|sortez) moi de (?:votre|vos|la|cette) (?:liste|fichier|fichiers|base)",
    r"(?:retirez|enlevez|supprimez|rayez|effacez) mon (?:numero|nom)",
    r"liste rouge",
    r"bloctel",
    r"(?:je )?(?:refuse|m oppose a) (?:d etre|les) (?:appele|appels|demarchage|sollicitations)",
    r"ne me (?:contactez|derangez) plus",
    r"plus jamais",
    r"harcelement",
)
_NOT_INTERESTED = _rx(
    r"(?:pas|plus|guere|aucunement|nullement) (?:du tout |vraiment |trop )?interesse(?:e|s|es)?",
    r"(?:ca|cela) ne m interesse (?:pas|plus|guere|vraiment pas|absolument pas)",
    r"(?:ca|cela) m interesse (?:pas|plus)",
    r"(?:ne )?m interesse (?:pas(?! de)|plus|guere)",  # "ça" often lost by the recogniser
    r"aucun interet",
    r"pas (?:besoin|envie|la peine)",
    r"(?:ca|cela) ne me (?:dit|tente) rien",
    r"non merci",
    r"sans facon",
    r"j ai deja (?:ce qu il faut|tout ce qu il faut|un fournisseur|un contrat)",
)
_CALL_BACK = _rx(
    r"rappelez(?: moi)? (?:plus tard|demain|la semaine prochaine|ce soir|cet apres midi|dans \w+|lundi|mardi|"
    r"mercredi|jeudi|vendredi|samedi|apres)",
    r"(?:pouvez|pourriez|pouvez vous|pourriez vous) (?:me )?rappeler",
    r"(?:vous pouvez|vous pourriez) (?:me )?rappeler",
    r"plus tard",
    r"(?:c est|ce n est|c est pas) (?:pas )?(?:le|un) (?:bon )?moment",
    r"pas (?:le|un) bon moment",
    r"(?:je suis|suis) (?:occupe|occupee|en reunion|au volant|en voiture|au travail|en rendez vous)",
    r"(?:je n ai|j ai) pas (?:le )?temps",
    r"je n ai pas (?:le )?temps",
    r"pas (?:maintenant|disponible|dispo)",
    r"un autre (?:jour|moment)",
)
_QUESTION = _rx(
    r"(?:c est |mais )?(?:a|au) (?:quel|quels) (?:sujet|propos)",
    r"c est a (?:quel|quelle|qui)",  # "c'est à quel... ?" with its last word lost
    r"(?:c est )?a propos de quoi",
    r"c est (?:pour|par rapport a|au sujet de) quoi",
    r"c est pourquoi",
    r"c est (?:quoi|de quoi)",
    r"(?:de quoi|qu est ce qui) (?:s agit il|il s agit|est ce qu il s agit|vous amene)",
    r"qu est ce que (?:c est|vous (?:voulez|vendez|proposez|me voulez))",
    r"vous (?:me )?(?:voulez|proposez|vendez) quoi",
    r"(?:qui etes vous|vous etes qui|qui est a l appareil|qui est ce|c est qui|qui m appelle|qui parle)",
    r"(?:c est )?de la part de qui",
    r"vous (?:appelez|venez) de la part de (?:qui|quelle)",
    r"pourquoi (?:vous m appelez|m appelez vous|vous me (?:contactez|telephonez|rappelez)|ce (?:coup de fil|appel))",
    r"(?:comment|ou) (?:avez vous|vous avez) (?:eu|trouve|obtenu) mon (?:numero|nom)",
    r"(?:c est )?quelle (?:societe|entreprise|boite|marque)",
    r"(?:vous|pouvez vous|vous pouvez|pourriez vous) (?:me )?(?:repeter|reexpliquer|expliquer)",
    r"(?:c est|ce sera|est ce que c est) (?:gratuit|payant)",
    r"(?:combien (?:ca|cela) coute|(?:ca|cela) coute combien|quel (?:est le )?prix|c est combien)",
    r"(?:quelle|quel genre d|de quelle|c est quoi cette) etude",
    r"(?:vous dites|j ai pas compris|je n ai pas compris|pardon|comment ca)",
)
# "oui" that answers the phone, not the question: dropped before the yes/no decision.
_GREETING_OUI = re.compile(
    r"(?<!\w)allo (?:oui|ouais)(?!\w)|"
    r"(?<!\w)(?:(?:allo|all) )?(?:oui|ouais)(?: (?:oui|ouais))*(?= (?:allo|bonjour|bonsoir|j ecoute|je vous ecoute|"
    r"c est (?:bien )?moi|lui meme|elle meme|c est (?:lui|elle)|qui|c est (?:a|pour|qui|quoi|au sujet|de la part)"
    r"|a quel|je suis la)(?!\w))"
)
# "je ne sais pas (trop)": hesitation, not a refusal.
_HESITATION = re.compile(r"(?<!\w)(?:je )?(?:ne )?sais pas(?: trop| vraiment| encore)?(?!\w)")
_ASKING_OUI = re.compile(r"(?<!\w)(?:allo\W*)?(?:oui|ouais)\s*\?", re.IGNORECASE)

_NO = _rx(
    r"non",
    r"pas vraiment",
    r"pas trop",
    r"bof",
    r"nan",
    r"pas du tout",
    r"absolument pas",
    r"certainement pas",
    r"surtout pas",
    r"pas question",
    r"hors de question",
    r"jamais",
    r"je ne (?:veux|souhaite) pas",
    r"je (?:veux|souhaite) pas",
    r"negatif",
)
_YES_WORDS = (
    r"oui",
    r"ouais",
    r"ouai",
    r"d accord",
    r"dac",
    r"ok",
    r"okay",
    r"bien sur",
    r"volontiers",
    r"avec plaisir",
    r"tout a fait",
    r"absolument",
    r"exactement",
    r"parfait",
    r"pourquoi pas",
    r"allez y",
    r"ca m interesse",
    r"cela m interesse",
    r"je suis interesse(?:e)?",
    r"interesse(?:e)?",
    r"je veux bien",
    r"carrement",
    r"evidemment",
    r"entendu",
    r"c est bon",
    r"ca marche",
    r"vas y",
    r"pas de (?:probleme|souci)",
    r"sans (?:probleme|souci)",
)
_YES = tuple(re.compile(rf"(?<!\w){p}(?!\w)") for p in _YES_WORDS)
_NEGATED_YES = tuple(re.compile(rf"(?:{_NEG_BEFORE}(?:{p})|(?<!\w)(?:{p}){_NEG_AFTER})(?!\w)") for p in _YES_WORDS)


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> str | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return found.group(0)
    return None


def _last_yes(text: str) -> tuple[int, str] | None:
    """Position and text of the last yes word that sits outside every negation."""
    best: tuple[int, str] | None = None
    for pattern, negated in zip(_YES, _NEGATED_YES, strict=True):
        spans = [(n.start(), n.end()) for n in negated.finditer(text)]
        for found in pattern.finditer(text):
            inside = any(a <= found.start() and found.end() <= b for a, b in spans)
            if not inside and (best is None or found.start() > best[0]):
                best = (found.start(), found.group(0))
    return best


def _last_no(text: str) -> tuple[int, str] | None:
    """Position and text of the last refusal word or negated yes word."""
    best: tuple[int, str] | None = None
    for pattern in (*_NO, *_NEGATED_YES):
        for found in pattern.finditer(text):
            if best is None or found.start() > best[0]:
                best = (found.start(), found.group(0).strip())
    return best


def detect_intent(text: str) -> IntentMatch:
    """The intent of one caller turn; `IntentMatch(None)` when no known phrase is in it.

    When both a yes and a no are heard, the later one wins ("non... enfin oui" is yes, "oui, enfin non" is no).
    """
    norm = normalize_text(text)
    if not norm:
        return IntentMatch(None)
    for intent, patterns in (
        (Intent.STOP_CALLING_ME, _STOP),
        (Intent.NOT_INTERESTED, _NOT_INTERESTED),
        (Intent.CALL_BACK_LATER, _CALL_BACK),
        (Intent.QUESTION, _QUESTION),
    ):
        hit = _first(patterns, norm)
        if hit is not None:
            return IntentMatch(intent, hit)
    norm = normalize_text(_ASKING_OUI.sub(" ", text.replace("\u2019", "'")))
    norm = " ".join(_HESITATION.sub(" ", _GREETING_OUI.sub(" ", norm)).split())
    yes = _last_yes(norm)
    no = _last_no(norm)
    if no is not None and (yes is None or no[0] > yes[0]):
        return IntentMatch(Intent.NO, no[1])
    if yes is not None:
        return IntentMatch(Intent.YES, yes[1])
    return IntentMatch(None)


def settles_on(intents: Collection[str]) -> Callable[[str], bool] | None:
    """Early end of a turn: a predicate telling whether words heard so far already show one of `intents`
    (Intent values); None when there are none to look for."""
    wanted = frozenset(intents)
    if not wanted:
        return None

    def settles(text: str) -> bool:
        match = detect_intent(text)
        return match.intent is not None and match.intent.value in wanted

    return settles
