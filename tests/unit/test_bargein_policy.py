from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from robot.dialog.bargein import BargeInPolicy, energy_envelope
from robot.events import Word
from robot.settings import DialogSettings

pytestmark = pytest.mark.unit

RATE = 16000
CHUNK = 320  # 20 ms


def _syllables(seconds: float, seed: int, level: float = 8000.0) -> npt.NDArray[np.int16]:
    """Noise shaped by a random syllable-like envelope (bursts of 60-200 ms with gaps)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    env = np.zeros(n)
    pos = 0
    while pos < n:
        burst = int(rng.uniform(0.06, 0.2) * RATE)
        env[pos : pos + burst] = rng.uniform(0.3, 1.0)
        pos += burst + int(rng.uniform(0.03, 0.15) * RATE)
    return (rng.standard_normal(n) * env * level).clip(-32000, 32000).astype(np.int16)


class Feed:
    """Drives a policy with 20 ms chunks of caller audio the way the listener does."""

    def __init__(self, policy: BargeInPolicy) -> None:
        self.policy = policy
        self.t = 0.0

    def audio(self, samples: npt.NDArray[np.int16]) -> list[float]:
        decided = []
        for i in range(0, len(samples) - CHUNK + 1, CHUNK):
            self.policy.caller_audio(self.t, samples[i : i + CHUNK])
            self.t = round(self.t + 0.02, 6)
            if self.policy.tick(self.t) is not None:
                decided.append(self.t)
        return decided

    def silence(self, seconds: float) -> list[float]:
        return self.audio(np.zeros(int(seconds * RATE), dtype=np.int16))


def _settings(**kw: object) -> DialogSettings:
    return DialogSettings(**kw)  # type: ignore[arg-type]


def test_vad_policy_breaks_after_min_speech() -> None:
    policy = BargeInPolicy(_settings(bargein_policy="vad", bargein_min_speech_ms=240))
    feed = Feed(policy)
    feed.silence(0.2)
    policy.playback_started(feed.t)
    feed.silence(0.5)
    policy.speech_started(feed.t)
    onset = feed.t
    decided = feed.audio(_syllables(0.5, seed=1))
    assert decided and decided[0] == pytest.approx(onset + 0.24, abs=1e-6)
    assert len(decided) == 1, "one decision per prompt"
    assert policy.decisions[0].speech_onset == onset
    assert policy.decisions[0].reason == "speech 240 ms"


def test_short_noise_is_counted_not_a_bargein() -> None:
    policy = BargeInPolicy(_settings(bargein_policy="vad", bargein_min_speech_ms=240))
    feed = Feed(policy)
    policy.playback_started(feed.t)
    feed.silence(0.3)
    policy.speech_started(feed.t)
    assert feed.audio(_syllables(0.12, seed=2)) == []
    policy.speech_ended(feed.t)
    assert feed.silence(0.5) == []
    assert policy.rejected["too_short"] == 1
    assert policy.decisions == []


def test_no_bargein_when_nothing_plays_or_policy_off() -> None:
    idle = BargeInPolicy(_settings(bargein_policy="vad"))
    feed = Feed(idle)
    idle.speech_started(0.0)
    assert feed.audio(_syllables(1.0, seed=3)) == []
    off = BargeInPolicy(_settings(bargein_policy="off"))
    feed = Feed(off)
    off.playback_started(0.0)
    feed.silence(0.2)
    off.speech_started(feed.t)
    assert feed.audio(_syllables(1.0, seed=3)) == []


def test_speech_inside_echo_guard_is_ignored_for_the_whole_segment() -> None:
    policy = BargeInPolicy(_settings(bargein_policy="vad", echo_guard_ms=80))
    feed = Feed(policy)
    policy.playback_started(feed.t)
    feed.silence(0.04)
    policy.speech_started(feed.t)  # 40 ms after the prompt started
    assert feed.audio(_syllables(1.0, seed=4)) == []
    assert policy.rejected["echo_guard"] == 1
    policy.speech_ended(feed.t)
    policy.speech_started(feed.t)  # a later segment is judged on its own
    assert feed.audio(_syllables(0.5, seed=5))


def test_speech_already_under_way_when_the_prompt_starts_does_not_break_it() -> None:
    policy = BargeInPolicy(_settings(bargein_policy="vad"))
    feed = Feed(policy)
    policy.speech_started(feed.t)
    feed.audio(_syllables(0.3, seed=6))
    policy.playback_started(feed.t)
    assert feed.audio(_syllables(1.0, seed=7)) == []


def test_speech_that_began_while_a_resumed_prompt_was_silent_pauses_it_again() -> None:
    """The judge resumed the prompt 250 ms after "oui"; the caller had started "attendez..." just before, but the
    VAD reports onsets ~100 ms late, stamped back: that segment is the caller reacting, not echo."""
    for resumed, expected in ((True, True), (False, False)):
        policy = BargeInPolicy(_settings(bargein_policy="pause", bargein_pause_min_speech_ms=100))
        feed = Feed(policy)
        policy.playback_stopped(feed.t)  # paused: the runner stops following the prompt
        feed.silence(0.3)
        onset = feed.t
        feed.audio(_syllables(0.04, seed=20))
        policy.playback_started(feed.t, resumed=resumed)  # resumed at onset + 40 ms
        feed.audio(_syllables(0.08, seed=21))
        policy.speech_started(onset)  # reported now, stamped with the onset
        decided = feed.audio(_syllables(1.0, seed=22))
        assert bool(decided) is expected
        if resumed:
            assert decided[0] == pytest.approx(onset + 0.14, abs=1e-6), "paused again at the next tick"


def test_echo_of_the_prompt_is_recognised_by_its_envelope() -> None:
    prompt = _syllables(3.0, seed=10)
    policy = BargeInPolicy(_settings(bargein_policy="vad", echo_guard_ms=80))
    feed = Feed(policy)
    start = feed.t
    policy.playback_started(start, energy_envelope(prompt, RATE))
    delay = int(0.06 * RATE)
    rng = np.random.default_rng(0)
    echo = (np.concatenate([np.zeros(delay), prompt[:-delay]]) * 0.1 + rng.standard_normal(len(prompt)) * 30).astype(
        np.int16
    )
    feed.audio(echo[: int(0.5 * RATE)])
    policy.speech_started(feed.t)
    assert feed.audio(echo[int(0.5 * RATE) :]) == []
    assert policy.rejected["echo_envelope"] == 1
    assert policy.echo_score(start + 1.0, start + 1.5) > 0.9


def test_caller_talking_over_the_echo_still_breaks() -> None:
    prompt = _syllables(3.0, seed=11)
    policy = BargeInPolicy(_settings(bargein_policy="vad"))
    feed = Feed(policy)
    policy.playback_started(feed.t, energy_envelope(prompt, RATE))
    echo = (prompt * 0.05).astype(np.int16)
    feed.audio(echo[: int(0.6 * RATE)])
    policy.speech_started(feed.t)
    caller = _syllables(1.5, seed=12, level=9000)
    mixed = (echo[int(0.6 * RATE) : int(2.1 * RATE)].astype(np.int32) + caller).clip(-32000, 32000).astype(np.int16)
    decided = feed.audio(mixed)
    assert decided, "the caller's own speech does not follow the prompt's envelope"
    assert policy.rejected["echo_envelope"] == 0


def test_words_policy_ignores_backchannels_and_breaks_on_a_real_word() -> None:
    policy = BargeInPolicy(_settings(bargein_policy="words"))
    feed = Feed(policy)
    policy.playback_started(feed.t)
    feed.silence(0.5)
    policy.speech_started(feed.t)
    onset = feed.t
    assert feed.audio(_syllables(0.6, seed=13)) == [], "the words policy never decides on VAD alone"
    assert (
        policy.words([Word(" Oui", onset, onset + 0.2), Word(" d'accord.", onset + 0.25, onset + 0.5)], feed.t) is None
    )
    policy.speech_ended(feed.t)
    assert policy.rejected["backchannel"] == 1
    feed.silence(0.3)
    policy.speech_started(feed.t)
    second = feed.t
    feed.audio(_syllables(0.4, seed=14))
    decision = policy.words([Word(" Attendez", second, second + 0.3)], feed.t)
    assert decision is not None
    assert decision.reason == "word 'Attendez'"
    assert decision.speech_onset == second
    assert policy.words([Word(" encore", second, second + 0.3)], feed.t) is None, "decided once"


def test_words_from_before_the_segment_do_not_count() -> None:
    policy = BargeInPolicy(_settings(bargein_policy="words"))
    feed = Feed(policy)
    policy.playback_started(feed.t)
    feed.silence(1.0)
    policy.speech_started(feed.t)
    assert policy.words([Word("bonjour", 0.1, 0.5)], feed.t) is None


def test_a_new_prompt_rearms_the_policy() -> None:
    policy = BargeInPolicy(_settings(bargein_policy="vad"))
    feed = Feed(policy)
    policy.playback_started(feed.t)
    feed.silence(0.2)
    policy.speech_started(feed.t)
    assert feed.audio(_syllables(0.4, seed=15))
    policy.speech_ended(feed.t)
    policy.playback_stopped(feed.t)
    policy.playback_started(feed.t)
    feed.silence(0.2)
    policy.speech_started(feed.t)
    assert feed.audio(_syllables(0.4, seed=16))
    assert len(policy.decisions) == 2


def test_envelope_is_rate_independent() -> None:
    tone16 = (np.sin(np.arange(16000) / 16000 * 2 * np.pi * 440) * 5000).astype(np.int16)
    tone8 = tone16[::2].copy()
    assert np.allclose(energy_envelope(tone16, 16000), energy_envelope(tone8, 8000), atol=0.2)
    assert len(energy_envelope(tone16[:300], 16000)) == 0
