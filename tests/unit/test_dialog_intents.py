from __future__ import annotations

import pytest

from robot.dialog.intents import Intent, detect_intent, normalize_text

pytestmark = pytest.mark.unit

CASES = [
    ("Oui", Intent.YES),
    ("Oui, d'accord !", Intent.YES),
    ("OUI ÉVIDEMMENT", Intent.YES),
    ("ok, pas de souci", Intent.YES),
    ("Pourquoi pas.", Intent.YES),
    ("Ça m'intéresse", Intent.YES),
    ("Non.", Intent.NO),
    ("pas d'accord", Intent.NO),
    ("Je ne suis pas d'accord", Intent.NO),
    ("Absolument pas", Intent.NO),
    ("je n'ai pas dit oui", Intent.NO),
    ("oui, enfin non", Intent.NO),
    ("non, enfin oui", Intent.YES),
    ("Non merci", Intent.NOT_INTERESTED),
    ("pas intéressé", Intent.NOT_INTERESTED),
    ("Je ne suis pas intéressée du tout", Intent.NOT_INTERESTED),
    ("Ça ne m'intéresse pas", Intent.NOT_INTERESTED),
    ("oui mais ça m'intéresse pas", Intent.NOT_INTERESTED),
    ("Rappelez-moi plus tard", Intent.CALL_BACK_LATER),
    ("Je suis occupé là", Intent.CALL_BACK_LATER),
    ("c'est pas le moment", Intent.CALL_BACK_LATER),
    ("Vous pouvez me rappeler demain ?", Intent.CALL_BACK_LATER),
    ("Ne m'appelez plus !", Intent.STOP_CALLING_ME),
    ("Retirez-moi de votre liste", Intent.STOP_CALLING_ME),
    ("Arrêtez de m'appeler", Intent.STOP_CALLING_ME),
    ("arrêter de m'appeler si le vous plaît.", Intent.STOP_CALLING_ME),  # Whisper base, homophone of "Arrêtez"
    ("Vous pouvez cesser de me contacter.", Intent.STOP_CALLING_ME),
    ("Non, et ne me rappelez plus jamais", Intent.STOP_CALLING_ME),
    ("Supprimez mon numéro", Intent.STOP_CALLING_ME),
    ("bonjour", None),
    ("hum", None),
    ("je ne sais pas", None),
    ("", None),
    ("  ...  ", None),
]


@pytest.mark.parametrize(("text", "intent"), CASES)
def test_intents(text: str, intent: Intent | None) -> None:
    assert detect_intent(text).intent == intent


def test_match_tells_what_decided() -> None:
    match = detect_intent("Bon, retirez-moi de votre liste s'il vous plaît")
    assert match.matched == "retirez moi de votre liste"


def test_normalize() -> None:
    assert normalize_text("  Ça M'INTÉRESSE, œuvre !") == "ca m interesse oeuvre"


ISSUE_CASES = [
    ("Oui ?", None),
    ("Allô, oui ?", None),
    ("Oui bonjour", None),
    ("Oui, je vous écoute", None),
    ("Oui c'est moi", None),
    ("Oui bonjour, je vous écoute, c'est à quel sujet exactement ?", Intent.QUESTION),
    ("Oui, c'est pour quoi ?", Intent.QUESTION),
    ("Qui êtes-vous ?", Intent.QUESTION),
    ("Non, c'est de la part de qui ?", Intent.QUESTION),
    ("Oui bonjour. Oui, d'accord.", Intent.YES),
    ("Oui, enfin non.", Intent.NO),
    ("Oui, enfin pas vraiment", Intent.NO),
    ("Oui mais je ne veux pas", Intent.NO),
    ("Oui non merci", Intent.NOT_INTERESTED),
    ("Oui.", Intent.YES),
]


@pytest.mark.parametrize(("text", "intent"), ISSUE_CASES)
def test_greeting_oui_questions_and_negations(text: str, intent: Intent | None) -> None:
    assert detect_intent(text).intent == intent
