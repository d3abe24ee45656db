"""Encoder input length and decoding budget of a window (pure): padded to a minimum with a tail of silence, and a
token budget that follows the audio so that long answers are never cut and loops stop early."""

from __future__ import annotations

import pytest

from robot.asr.decoder import DECODER_POSITIONS, MAX_FRAMES, generation_length, padded_frames, token_budget
from robot.settings import AsrSettings

pytestmark = pytest.mark.unit

RATE = 16000


@pytest.mark.parametrize(
    ("seconds", "expected_s"),
    [
        (0.5, 5.0),  # short windows get the minimum input
        (2.3, 5.0),
        (3.0, 5.0),
        (3.5, 6.0),  # 3.5 s + 2 s of tail, rounded up to the next second
        (7.2, 10.0),
        (29.0, 30.0),  # never above Whisper's 30 s
    ],
)
def test_padded_input_has_a_minimum_and_a_tail(seconds: float, expected_s: float) -> None:
    frames = padded_frames(int(seconds * RATE), 1.0, 5.0, 2.0)
    assert frames == int(expected_s * 100)
    assert frames % 2 == 0 and frames <= MAX_FRAMES


def test_without_minimum_the_content_is_rounded_to_the_step() -> None:
    assert padded_frames(int(2.3 * RATE), 1.0) == 300
    assert padded_frames(int(2.3 * RATE), 5.0) == 500


@pytest.mark.parametrize(("seconds", "tokens"), [(2.3, 29), (6.0, 62), (12.0, 116), (30.0, 220)])
def test_token_budget_follows_the_audio(seconds: float, tokens: int) -> None:
    settings = AsrSettings()  # 9 tokens/s + 8, capped at 220
    assert token_budget(int(seconds * RATE), settings) == tokens


def test_token_budget_at_another_rate() -> None:
    settings = AsrSettings()
    assert token_budget(int(2.3 * RATE), settings, 6.0) == 22  # ceil(13.8) + 8
    assert token_budget(int(2.3 * RATE), settings, None) == token_budget(int(2.3 * RATE), settings)


def test_a_long_answer_is_not_cut_by_the_old_48_token_cap() -> None:
    # ~6 s of fast French speech is ~50 tokens (the fastest recorded prompt: 8.1 tokens per second of speech)
    assert token_budget(6 * RATE, AsrSettings()) > 8.1 * 6


def test_generation_length_leaves_room_for_the_whole_budget() -> None:
    # a hypothesis holds min(max_length - prompt + 1, max_length // 2) text tokens (ctranslate2 4.x, measured)
    for prompt, budget in [(4, 9), (4, 40), (68, 12), (68, 220), (20, 1)]:
        length = generation_length(prompt, budget)
        assert min(length - prompt + 1, length // 2) == min(budget, DECODER_POSITIONS - prompt)
