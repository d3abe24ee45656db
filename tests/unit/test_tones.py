"""ToneDetector on synthesized tones, ringback, noise, real speech and the real FreeSWITCH beep capture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from robot.amd.tones import ToneDetector
from robot.events import ToneDetected
from robot.media.audio import read_wav_16k
from robot.settings import AmdSettings
from tests.conftest import SHARED

pytestmark = pytest.mark.unit

RATE = 16000
STARTER = SHARED / "audio" / "amd-starter"


def tone(freq: float, seconds: float, amp: float = 8000.0) -> npt.NDArray[np.float64]:
    return amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * RATE)) / RATE)


def silence(seconds: float) -> npt.NDArray[np.float64]:
    return np.zeros(int(seconds * RATE))


def detect(
    signal: npt.NDArray[np.float64],
    chunk: int = 320,
    settings: AmdSettings | None = None,
    kinds: tuple[str, ...] = ("beep", "sit"),
) -> list[ToneDetected]:
    """The events of `kinds` (melodies have their own tests in test_melody.py)."""
    pcm = np.clip(np.rint(signal), -32768, 32767).astype(np.int16)
    det = ToneDetector(RATE, settings)
    events: list[ToneDetected] = []
    for i in range(0, pcm.size, chunk):
        events += det.process(pcm[i : i + chunk])
    return [e for e in events + det.flush() if e.kind in kinds]


@pytest.mark.parametrize("freq", [500.0, 1000.0, 1400.0, 2000.0])
def test_single_beep_is_found_with_time_and_frequency(freq: float) -> None:
    (event,) = detect(np.concatenate([silence(0.7), tone(freq, 0.5), silence(0.5)]))
    assert event.kind == "beep"
    assert event.t == pytest.approx(0.7, abs=0.02)
    assert event.duration == pytest.approx(0.5, abs=0.02)
    assert event.frequency_hz == pytest.approx(freq, rel=0.005)


@pytest.mark.parametrize("chunk", [1, 160, 333, 4096])
def test_chunking_does_not_change_the_result(chunk: int) -> None:
    signal = np.concatenate([silence(0.3), tone(1000, 0.4), silence(0.3)])
    assert detect(signal, chunk) == detect(signal, 320)


def test_beep_in_noise_at_10_db_snr() -> None:
    rng = np.random.default_rng(7)
    signal = np.concatenate([silence(0.5), tone(1000, 0.3), silence(0.5)])
    noise = rng.normal(0, 8000 / np.sqrt(2) / np.sqrt(10), signal.size)
    (event,) = detect(signal + noise)
    assert event.kind == "beep" and event.duration == pytest.approx(0.3, abs=0.03)


def test_noise_alone_gives_nothing() -> None:
    rng = np.random.default_rng(3)
    assert detect(rng.normal(0, 3000, 3 * RATE)) == []


def test_duration_limits_come_from_settings() -> None:
    settings = AmdSettings.model_validate({"beep_min_ms": 150, "beep_max_ms": 1200})
    short = np.concatenate([silence(0.3), tone(1000, 0.1), silence(0.3)])
    long = np.concatenate([silence(0.3), tone(1000, 1.6), silence(0.3)])
    ok = np.concatenate([silence(0.3), tone(1000, 0.15), silence(0.3)])
    assert detect(short, settings=settings) == []
    assert detect(long, settings=settings) == []
    assert [e.kind for e in detect(ok, settings=settings)] == ["beep"]


@pytest.mark.parametrize(
    ("name", "signal"),
    [
        ("us ringback 440+480", tone(440, 2.0, 4000) + tone(480, 2.0, 4000)),
        ("uk ringback 400+450", tone(400, 0.4, 4000) + tone(450, 0.4, 4000)),
        ("french ringback 425 Hz 1.5 s", tone(425, 1.5)),
        ("french ringback 425 Hz short burst", tone(425, 0.5)),
    ],
)
def test_ringback_is_not_a_beep(name: str, signal: npt.NDArray[np.float64]) -> None:
    cadence = np.concatenate([silence(0.2), signal, silence(1.0), signal, silence(0.2)])
    assert detect(cadence) == [], name


def test_sit_sequence_is_one_sit_event_not_beeps() -> None:
    sit = np.concatenate([silence(0.5), tone(913.8, 0.274), tone(1370.6, 0.274), tone(1776.7, 0.380), silence(0.5)])
    (event,) = detect(sit)
    assert event.kind == "sit"
    assert event.t == pytest.approx(0.5, abs=0.02)
    assert event.duration == pytest.approx(0.928, abs=0.04)
    assert event.frequency_hz == pytest.approx(913.8, rel=0.005)


def test_sit_long_variant_with_gaps() -> None:
    parts = [tone(985.2, 0.380), silence(0.03), tone(1428.5, 0.380), silence(0.03), tone(1776.7, 0.380)]
    (event,) = detect(np.concatenate([silence(0.4), *parts, silence(0.4)]))
    assert event.kind == "sit" and event.frequency_hz == pytest.approx(985.2, rel=0.005)


def test_lone_first_sit_tone_is_still_a_beep() -> None:
    (event,) = detect(np.concatenate([silence(0.4), tone(913.8, 0.274), silence(0.6)]))
    assert event.kind == "beep"


def test_beep_in_real_freeswitch_capture(fixtures_dir: Path) -> None:
    pcm = np.frombuffer((fixtures_dir / "ws_machine_16k.pcm").read_bytes(), dtype="<i2").astype(np.float64)
    (event,) = detect(pcm)
    assert event.kind == "beep"
    assert 9.0 <= event.t <= 9.15 and event.duration == pytest.approx(0.5, abs=0.05)
    assert event.frequency_hz == pytest.approx(1000, rel=0.005)


def test_no_tone_in_real_human_capture(fixtures_dir: Path) -> None:
    pcm = np.frombuffer((fixtures_dir / "ws_human_16k.pcm").read_bytes(), dtype="<i2").astype(np.float64)
    assert detect(pcm) == []


def test_speech_is_never_a_beep(fixtures_dir: Path) -> None:
    clips = sorted(STARTER.glob("*.wav")) + sorted((fixtures_dir / "sounds").glob("*.wav"))
    assert len(clips) >= 20, f"speech clips not found under {STARTER}"
    found = {clip.name: detect(read_wav_16k(clip).astype(np.float64)) for clip in clips}
    assert {name: events for name, events in found.items() if events} == {}


def test_times_are_relative_to_the_first_sample_across_calls() -> None:
    det = ToneDetector(RATE)
    first = np.clip(np.concatenate([silence(2.0), tone(1000, 0.3), silence(0.3)]), -32768, 32767).astype(np.int16)
    events = det.process(first[:RATE]) + det.process(first[RATE:]) + det.flush()
    assert [round(e.t, 1) for e in events] == [2.0]


def test_chunks_given_together_get_what_each_would_get_alone() -> None:
    rng = np.random.default_rng(7)
    beep_then_noise = [silence(0.4), tone(1000, 0.5), rng.normal(0, 3000, RATE // 2), silence(0.3)]
    sit_then_ringback = [tone(913.8, 0.274), tone(1370.6, 0.274), tone(1776.7, 0.380), silence(0.4), tone(440, 0.3)]
    signal = np.concatenate([*beep_then_noise, *sit_then_ringback])
    pcm = np.clip(np.rint(signal), -32768, 32767).astype(np.int16)
    chunks = [pcm[i : i + 320] for i in range(0, pcm.size, 320)]
    alone = ToneDetector(RATE)
    expected = [(alone.process(c), alone.sounding_since) for c in chunks]
    together = ToneDetector(RATE)
    got: list[tuple[list[ToneDetected], float | None]] = []
    sizes = [1, 9, 2, 17, 1, 40, 3]
    while len(got) < len(chunks):
        got += together.process_many(chunks[len(got) : len(got) + sizes[len(got) % len(sizes)]])
    assert got == expected
    assert together.flush() == alone.flush()
    # the SIT's three notes are also a melody, reported once the line is quiet after it (robot.amd.melody; the
    # classifier decides on the SIT first)
    assert [e.kind for events, _ in got for e in events] == ["beep", "sit", "melody"]
