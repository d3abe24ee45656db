from __future__ import annotations

import pytest

from robot.asr.guard import (
    collapse_loops,
    compression_ratio,
    is_known_hallucination,
    is_loop,
    normalise,
    rejection_reason,
)

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


def test_repeated_ngram_loops_are_detected() -> None:
    assert is_loop("je vous je vous je vous je vous")
    assert is_loop("Oui. Oui. Oui. Oui. Oui.")
    assert not is_loop("je vous rappelle demain je vous remercie")
    assert is_loop("merci merci merci merci merci")
    assert collapse_loops("merci merci merci merci merci") == "merci"


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


@pytest.mark.parametrize(
    ("looping", "kept"),
    [
        ("Oui Oui Oui Oui Oui", "Oui"),
        ("la personne au poste la personne au poste la personne au poste", "la personne au poste"),
        (
            "Bonjour, vous êtes bien chez Julien. Julien. Julien. Julien.",
            "Bonjour, vous êtes bien chez Julien.",
        ),
        ("Allô ? Allô ? Allô ? Allô ?", "Allô ?"),
    ],
)
def test_loops_collapse_to_one_occurrence(looping: str, kept: str) -> None:
    assert is_loop(looping)
    assert collapse_loops(looping) == kept


@pytest.mark.parametrize(
    "speech",
    ["oui oui allô", "allô allô", "non non je ne suis pas intéressé", "je vous rappelle demain je vous remercie"],
)
def test_what_people_repeat_is_not_a_loop(speech: str) -> None:
    assert not is_loop(speech)
    assert collapse_loops(speech) == speech


def test_compression_ratio_flags_long_repetition() -> None:
    assert compression_ratio("je vous écoute, " * 8) > 2.4
    assert compression_ratio("Bonjour, vous êtes bien sur la messagerie de Julien, laissez un message.") < 2.0


def test_high_no_speech_prob_keeps_confidently_decoded_words() -> None:
    assert rejection_reason("allô oui", 0.8, no_speech_prob_max=0.6, avg_logprob=-0.3, logprob_min=-1.0) is None
    reason = rejection_reason("allô oui", 0.8, no_speech_prob_max=0.6, avg_logprob=-1.4, logprob_min=-1.0)
    assert reason is not None and "log probability" in reason
