from __future__ import annotations

import pytest

from robot.asr.guard import has_ngram_loop, is_known_hallucination, normalise, rejection_reason

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    [
        "Sous-titres réalisés par la communauté d'Amara.org",
        "  sous-titres realises par la communaute d'amara.org ",
        "Merci d'avoir regardé !",
        "Sous-titrage ST' 501",
        "Thank you for watching.",
    ],
)
def test_known_hallucinations_are_rejected(text: str) -> None:
    assert is_known_hallucination(text)
    assert rejection_reason(text, 0.1, no_speech_prob_max=0.6) == "known Whisper hallucination"


@pytest.mark.parametrize("text", ["...", "♪ ♪", "♫", " … ", "♪♪♪"])
def test_music_notes_and_punctuation_only_are_rejected(text: str) -> None:
    assert rejection_reason(text, 0.0, no_speech_prob_max=0.6) == "only music notes or punctuation"


@pytest.mark.parametrize(
    "text",
    [
        "Allô ? Oui, bonjour.",
        "Bonjour, vous êtes bien sur la messagerie de Julien, laissez-moi un message.",
        "Oui oui, merci d'avoir appelé.",
        "non non non",
    ],
)
def test_real_speech_is_kept(text: str) -> None:
    assert rejection_reason(text, 0.2, no_speech_prob_max=0.6) is None


def test_repeated_ngram_loops_are_rejected() -> None:
    assert has_ngram_loop("je vous je vous je vous je vous")
    assert has_ngram_loop("Oui. Oui. Oui. Oui. Oui.")
    assert not has_ngram_loop("je vous rappelle demain je vous remercie")
    assert rejection_reason("merci merci merci merci merci", 0.0, no_speech_prob_max=0.6) == "repeated n-gram loop"


def test_high_no_speech_probability_rejects_text() -> None:
    reason = rejection_reason("bonjour", 0.9, no_speech_prob_max=0.6)
    assert reason is not None and reason.startswith("no_speech_prob 0.90")
    assert rejection_reason("bonjour", 0.6, no_speech_prob_max=0.6) is None


def test_no_vad_speech_rejects_any_text() -> None:
    assert rejection_reason("bonjour", 0.0, no_speech_prob_max=0.6, speech_detected=False) is not None


def test_empty_text_is_not_a_rejection() -> None:
    assert rejection_reason("  ", 0.99, no_speech_prob_max=0.6) is None


def test_normalise_folds_case_accents_and_punctuation() -> None:
    assert normalise("Allô, ÇA va ?") == "allo ca va"
