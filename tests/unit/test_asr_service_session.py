"""The service's pure parts: a StreamSession asks for the same recognitions whatever the chunking, finalises on
VAD ends, flush and end of input; AlignAtt commits only words aligned before the guard band; the TCP byte checks;
the whisper_streaming line format."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest

from robot.asr.alignatt import AlignAttAgreement, make_policy
from robot.asr.engine import Priority
from robot.asr.service.client import pcm_chunks
from robot.asr.service.session import BacklogFull, SessionConfig, StreamSession
from robot.asr.service.stream import format_line
from robot.asr.service.wire import InputError, PcmStream, samples_from
from robot.asr.streaming import OnlineAgreement
from robot.asr.vad import StreamingVad
from robot.events import Word
from robot.settings import VadSettings

pytestmark = pytest.mark.unit
SR = 16000


class LoudnessVad:
    """Stands in for Silero: a window is speech when its new samples are loud."""

    def run(self, windows: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        probs = (np.abs(windows[:, 64:]).mean(axis=1) > 0.05).astype(np.float32)
        return probs, h, c


def audio() -> np.ndarray:
    """0.5 s silence, 2.2 s 'speech', 0.8 s silence, 1.3 s 'speech', 0.6 s silence (int16)."""
    parts = [(0.5, 0.0), (2.2, 0.3), (0.8, 0.0), (1.3, 0.3), (0.6, 0.0)]
    rng = np.random.default_rng(1)
    out = [rng.uniform(-amp, amp, round(s * SR)) if amp else np.zeros(round(s * SR)) for s, amp in parts]
    return (np.concatenate(out) * 32767).astype(np.int16)


class FakeRecognizer:
    """One word per 0.4 s of audio, named by a hash of the audio (so any difference in requests shows)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bool]] = []

    def __call__(self, samples: np.ndarray, prompt: str, final: bool) -> list[Word]:
        digest = hashlib.sha1(samples.tobytes()).hexdigest()[:6]
        self.requests.append((digest, prompt, final))
        n = int(samples.size / SR / 0.4)
        return [Word(f"w{i}", i * 0.4, i * 0.4 + 0.3) for i in range(n)]


def run(chunk: int | None, catch_up: bool = False) -> tuple[StreamSession, FakeRecognizer, list[Word]]:
    session = StreamSession(
        SessionConfig(step_s=0.5, catch_up=catch_up), StreamingVad(VadSettings(), LoudnessVad()), OnlineAgreement()
    )
    rec = FakeRecognizer()
    committed: list[Word] = []
    pcm = audio()
    pieces = [pcm] if chunk is None else [pcm[i : i + chunk] for i in range(0, pcm.size, chunk)]

    def drain() -> None:
        while (req := session.next_request()) is not None:
            committed.extend(session.complete(rec(req.audio, req.prompt, req.final)).committed)

    for piece in pieces:
        session.feed(piece)
        drain()
    session.end()
    drain()
    assert session.finished
    return session, rec, committed


def test_same_requests_and_segments_whatever_the_chunking() -> None:
    whole, rec_whole, words_whole = run(None)
    assert len(whole.segments) == 2
    assert whole.segments[0][0] == pytest.approx(0.5, abs=0.05)
    assert [r[2] for r in rec_whole.requests].count(True) == 2  # one final per segment
    for chunk in (320, 4000, 7777):
        session, rec, words = run(chunk)
        assert session.segments == whole.segments
        assert rec.requests == rec_whole.requests
        assert words == words_whole


def test_catch_up_skips_partials_when_audio_waits() -> None:
    _, rec, _ = run(None, catch_up=True)
    finals = [r[2] for r in rec.requests]
    assert finals.count(True) == 2
    assert finals.count(False) <= 1  # a whole file at once: only the last step, where no more audio waits


def test_flush_finalises_the_buffer_mid_speech() -> None:
    session = StreamSession(SessionConfig(step_s=0.5), StreamingVad(VadSettings(), LoudnessVad()), OnlineAgreement())
    session.feed(audio()[: round(1.7 * SR)])
    session.flush()
    rec = FakeRecognizer()
    finals = []
    while (req := session.next_request()) is not None:
        finals.append(session.complete(rec(req.audio, req.prompt, req.final)).final)
    assert finals[-1] is True
    assert session.policy.audio.size == 0


def test_backlog_is_bounded() -> None:
    session = StreamSession(
        SessionConfig(max_backlog_s=1.0), StreamingVad(VadSettings(), LoudnessVad()), OnlineAgreement()
    )
    session.feed(np.zeros(SR, dtype=np.int16))
    with pytest.raises(BacklogFull):
        session.feed(np.zeros(SR, dtype=np.int16))


def test_words_aligned_at_the_very_end_are_dropped() -> None:
    session = StreamSession(SessionConfig(step_s=0.5), StreamingVad(VadSettings(), LoudnessVad()), OnlineAgreement())
    session.feed(audio()[: round(2.0 * SR)])
    session.end()
    req = session.next_request()
    assert req is not None and req.final
    end = req.audio.size / SR
    out = session.complete([Word("oui", 0.5, 0.9), Word("merci", end, end)])
    assert [w.text for w in out.committed] == ["oui"]


def test_alignatt_commits_words_before_the_guard_band_from_one_hypothesis() -> None:
    policy = AlignAttAgreement(guard_s=0.4)
    policy.insert_audio_chunk(np.zeros(2 * SR, dtype=np.float32), 0.0)
    update = policy.accept([Word("bonjour", 0.1, 0.6), Word("je", 0.7, 1.5), Word("suis", 1.5, 1.9)])
    assert update.committed_text == "bonjour je"
    assert update.partial_text == "suis"
    policy.insert_audio_chunk(np.zeros(SR // 2, dtype=np.float32))
    update = policy.accept([Word("bonjour", 0.1, 0.6), Word("je", 0.7, 1.5), Word("suis", 1.5, 1.9)])
    assert update.committed_text == "suis"


def test_localagreement_needs_two_hypotheses() -> None:
    policy = make_policy("localagreement", guard_s=0.4, prompt_chars=200, trim_s=15)
    policy.insert_audio_chunk(np.zeros(2 * SR, dtype=np.float32), 0.0)
    assert policy.accept([Word("bonjour", 0.1, 0.6)]).committed == ()
    assert policy.accept([Word("bonjour", 0.1, 0.6)]).committed_text == "bonjour"
    with pytest.raises(ValueError, match="unknown streaming policy"):
        make_policy("wait-k", guard_s=0.4, prompt_chars=200, trim_s=15)


def test_pcm_stream_carries_odd_bytes_and_refuses_text_and_wrong_wav() -> None:
    pcm = PcmStream()
    assert pcm.push(b"\x01\x00" * 6 + b"\x02").size == 6
    assert pcm.push(b"\x00").tolist() == [2]
    pcm.close()
    odd = PcmStream()
    odd.push(b"\x00" * 13)
    with pytest.raises(InputError, match="odd byte"):
        odd.close()
    with pytest.raises(InputError, match="text received"):
        PcmStream().push(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    header = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + bytes.fromhex("01000100401f0000803e00000200" + "1000")
    with pytest.raises(InputError, match="8000 Hz"):
        PcmStream().push(header + b"data\x00\x00\x00\x00")
    good = header.replace(b"\x40\x1f\x00\x00", (16000).to_bytes(4, "little"))
    assert PcmStream().push(good + b"data\x04\x00\x00\x00" + b"\x05\x00\x06\x00").tolist() == [5, 6]
    with pytest.raises(InputError, match="3 bytes"):
        samples_from(b"abc")


def test_line_format_is_whisper_streaming_s_and_never_goes_back() -> None:
    line, end = format_line([Word("Veuillez", 0.0, 0.6), Word("laisser", 0.6, 1.28)])
    assert line == "0 1280 Veuillez laisser" and end == 1280
    line, _ = format_line([Word("votre", 1.2, 1.5)], end)
    assert line == "1280 1500 votre"


async def test_client_reads_raw_pcm_from_stdin_in_chunks() -> None:
    raw = np.arange(4000, dtype="<i2").tobytes() + b"\x07"  # 250 ms and a stray byte
    with pytest.raises(InputError, match="odd byte"):
        _ = [chunk async for chunk in pcm_chunks("-", 100, io.BytesIO(raw))]
    chunks = [chunk async for chunk in pcm_chunks("-", 100, io.BytesIO(raw[:-1]))]
    assert [len(c) for c in chunks] == [3200, 3200, 1600]
    assert b"".join(chunks) == raw[:-1]


def test_service_requests_come_after_all_call_traffic() -> None:
    assert max(Priority) is Priority.SERVICE
    assert Priority.SERVICE >= Priority.DIALOG  # refusable when the engine's queue is full, never a call's AMD/barge-in


def test_alignatt_confidence_gate_waits_for_a_repeat_below_the_threshold() -> None:
    policy = AlignAttAgreement(guard_s=0.4, min_probability=0.7)
    policy.insert_audio_chunk(np.zeros(2 * SR, dtype=np.float32), 0.0)
    hypothesis = [Word("bonjour", 0.1, 0.6, 0.95), Word("madame", 0.7, 1.2, 0.4), Word("je", 1.2, 1.4, 0.9)]
    assert policy.accept(hypothesis).committed_text == "bonjour"  # 'madame' is unsure: not yet, nor what follows
    policy.insert_audio_chunk(np.zeros(SR // 2, dtype=np.float32))
    assert policy.accept(hypothesis).committed_text == "madame je"  # repeated: committed
