"""robot.amd.melody: notes and melodies from synthesized music, bells, ringback, noise and real speech."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from robot.amd.melody import MelodyTracker
from robot.amd.tones import ToneDetector
from robot.events import ToneDetected
from robot.settings import AmdSettings

pytestmark = pytest.mark.unit

RATE = 16000
HOP = 0.016


def note(freqs: tuple[float, ...], seconds: float, amp: float = 6000.0, decay_s: float | None = None) -> npt.NDArray:
    t = np.arange(int(seconds * RATE)) / RATE
    out = sum(amp / (k + 1) * np.sin(2 * np.pi * f * t) for k, f in enumerate(freqs))
    return np.asarray(out * (np.exp(-t / decay_s) if decay_s else 1.0), dtype=np.float64)


def silence(seconds: float) -> npt.NDArray[np.float64]:
    return np.zeros(int(seconds * RATE))


def melodies(signal: npt.NDArray[np.float64]) -> list[ToneDetected]:
    pcm = np.clip(np.rint(signal), -32768, 32767).astype(np.int16)
    det = ToneDetector(RATE)
    events: list[ToneDetected] = []
    for i in range(0, pcm.size, 320):
        events += det.process(pcm[i : i + 320])
    return [e for e in events + det.flush() if e.kind == "melody"]


def test_hold_music_is_a_melody_with_its_time() -> None:
    # three notes with their 2nd and 3rd harmonics, as hold music is played
    tune = [note((f, 2 * f, 3 * f), 0.3) for f in (523.3, 659.3, 587.3)]
    (event,) = melodies(np.concatenate([silence(0.5), *tune, silence(0.5)]))
    assert event.t == pytest.approx(0.5, abs=0.05)
    assert event.t + event.duration <= 1.45
    assert event.frequency_hz == pytest.approx(523.3, rel=0.03)


def test_music_that_does_not_stop_is_not_reported() -> None:
    tune = [note((f, 2 * f, 3 * f), 0.3) for f in (523.3, 659.3, 587.3)]
    talk = np.random.default_rng(2).normal(0, 3000, RATE)  # loud sound right after: no quiet gap
    assert melodies(np.concatenate([silence(0.5), *tune, talk])) == []


def test_no_melody_work_after_the_latest_amd_decision() -> None:
    tune = [note((f, 2 * f, 3 * f), 0.3) for f in (523.3, 659.3, 587.3)]
    late = AmdSettings().longest_decision_s + 0.2  # the voicemail-drop wait runs the detector that long and more
    assert melodies(np.concatenate([silence(late), *tune, silence(0.5)])) == []
    assert len(melodies(np.concatenate([silence(late - 2.0), *tune, silence(0.5)]))) == 1


def test_bell_chime_is_a_melody_not_a_beep() -> None:
    strokes = [note((f, 2.76 * f, 5.4 * f), 0.45, amp=8000.0, decay_s=0.12) for f in (784.0, 1046.5)]
    pcm = np.concatenate([silence(0.3), *strokes, silence(0.5)])
    det = ToneDetector(RATE)
    events = det.process(np.clip(np.rint(pcm), -32768, 32767).astype(np.int16)) + det.flush()
    assert [e.kind for e in events] == ["melody"]


@pytest.mark.parametrize(
    ("name", "signal"),
    [
        ("french ringback 440 Hz", note((440.0,), 1.5)),
        ("us ringback 440+480", note((440.0,), 2.0) + note((480.0,), 2.0)),
        ("one steady note", note((700.0,), 1.5)),
        ("white noise", np.random.default_rng(1).normal(0, 3000, 2 * RATE)),
        ("hum", note((50.0, 100.0, 150.0), 2.0)),
    ],
)
def test_no_melody_in_one_pitch_tones_or_noise(name: str, signal: npt.NDArray[np.float64]) -> None:
    assert melodies(np.concatenate([silence(0.2), signal, silence(0.6), signal, silence(0.2)])) == [], name


def test_notes_too_short_or_too_few_are_no_melody() -> None:
    short = [note((f,), 0.08) for f in (600.0, 800.0, 600.0, 800.0)]  # 80 ms: shorter than a note
    assert melodies(np.concatenate([silence(0.3), *short, silence(0.3)])) == []
    two_brief = [note((f,), 0.15) for f in (600.0, 800.0)]  # two notes, 0.3 s in all: under MELODY_MIN_S
    assert melodies(np.concatenate([silence(0.3), *two_brief, silence(0.3)])) == []


def test_notes_far_apart_do_not_make_one_melody() -> None:
    far = [note((600.0,), 0.3), silence(1.0), note((800.0,), 0.3)]
    assert melodies(np.concatenate([silence(0.3), *far, silence(0.3)])) == []


LOUD, QUIET = 1e6, 1e3  # mean squares: notes, and the line after the melody stopped (30 dB lower)


def feed(tracker: MelodyTracker, blocks: list[tuple[tuple[float, ...] | None, float]]) -> list[ToneDetected]:
    found = [e for i, (peaks, level) in enumerate(blocks) for e in tracker.block(i * HOP, peaks, level)]
    return found + tracker.flush()


def test_tracker_reports_a_melody_once_when_it_stops() -> None:
    notes = [((600.0,), LOUD)] * 15 + [((800.0,), LOUD)] * 15 + [((600.0,), LOUD)] * 15
    (event,) = feed(MelodyTracker(HOP), [*notes, *[(None, QUIET)] * 30])  # reported once, not once per block
    assert event.kind == "melody" and event.frequency_hz == 600.0
    assert event.t == pytest.approx(-HOP / 2) and event.duration == pytest.approx(45 * HOP)
    tracker = MelodyTracker(HOP)
    blocks = [*notes, *[(None, QUIET)] * 6]  # 6 quiet blocks = 96 ms: not stopped yet
    assert [e for i, (p, lv) in enumerate(blocks) for e in tracker.block(i * HOP, p, lv)] == []
    assert tracker.block(len(blocks) * HOP, None, QUIET) != []  # the 7th (112 ms >= STOP_S)


def test_music_going_on_under_speech_is_never_reported() -> None:
    notes = [((600.0,), LOUD)] * 15 + [((800.0,), LOUD)] * 15
    speech_over_music = [(None, LOUD)] * 60  # no quiet gap: someone talks over the music
    assert feed(MelodyTracker(HOP), [*notes, *speech_over_music]) == []


def test_a_note_whose_strongest_partial_swaps_stays_one_note() -> None:
    swapping: list[tuple[tuple[float, ...] | None, float]] = [((600.0, 1200.0), LOUD), ((1200.0, 600.0), LOUD)] * 20
    assert feed(MelodyTracker(HOP), [*swapping, *[(None, QUIET)] * 20]) == []  # one note, one pitch: no melody
    second = [((900.0, 1800.0), LOUD), ((1800.0, 900.0), LOUD)] * 10  # a second note, 0.32 s
    (event,) = feed(MelodyTracker(HOP), [*swapping, *second, *[(None, QUIET)] * 20])
    assert event.frequency_hz == 600.0 and event.duration == pytest.approx(60 * HOP)
