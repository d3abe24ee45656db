"""Pure pieces of robot.media: tokens, the mod_audio_stream wire adapter, PCM/resampling helpers."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
import soxr
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from robot.errors import MediaError
from robot.media.audio import (
    PassThrough16k,
    Resampler8kTo16k,
    float32_to_pcm16,
    pcm16_to_float32,
    read_wav_16k,
    upsampler_for,
)
from robot.media.tokens import stream_token, verify_token
from robot.media.wire import (
    StreamDecoder,
    decode_stream_audio,
    encode_stream_audio,
    int16_to_pcm,
    parse_stream_path,
    pcm_to_int16,
)

pytestmark = pytest.mark.unit

UUID = "e061cddd-eac5-4cc6-825c-e4b981b79802"
SECRET = SecretStr("k3y")


def test_token_is_url_safe_and_verifies_only_for_its_call() -> None:
    token = stream_token(SECRET, UUID)
    assert len(token) == 43 and all(c.isalnum() or c in "-_" for c in token)
    assert verify_token(SECRET, UUID, token)
    assert verify_token(SECRET, UUID.upper(), token)
    assert not verify_token(SECRET, "0f788ff1-8cf7-458a-818d-e6d796b1690a", token)
    assert not verify_token(SecretStr("other"), UUID, token)
    assert not verify_token(SECRET, UUID, token[:-1])
    assert not verify_token(SECRET, UUID, "é" * 43)


def test_parse_stream_path_from_the_capture(fixtures_dir: Path) -> None:
    path = json.loads((fixtures_dir / "ws_server_close_8k_frames.json").read_text())["path"]
    request = parse_stream_path(path)  # extra query parameters (&script=1) are ignored
    assert request.call_uuid == "a1ebd30f-fa18-4dbe-883c-99eb32cf5de9" and request.token == "abc"
    assert parse_stream_path(f"/call/{UUID.upper()}").token is None


@pytest.mark.parametrize(
    "path", ["/", "/calls/x", f"/call/{UUID}/extra", "/call/not-a-uuid?token=a", f"/call/{UUID[:-1]}g", "/call/"]
)
def test_bad_paths_name_the_path_without_query(path: str) -> None:
    with pytest.raises(MediaError, match="stream path") as info:
        parse_stream_path(path + "?token=SECRET-TOKEN")
    assert "SECRET-TOKEN" not in str(info.value)


def test_decoder_metadata_frames_and_counters() -> None:
    dec = StreamDecoder(max_frame_bytes=640)
    dec.new_connection()
    assert dec.on_text('{"campaign":"c1"}') == '{"campaign":"c1"}'
    samples = dec.on_binary(np.arange(320, dtype="<i2").tobytes())
    assert samples is not None and samples.dtype == np.int16 and samples[-1] == 319
    assert dec.on_binary(b"\x01\x02\x03") is None
    assert dec.on_binary(b"") is None
    assert dec.on_binary(b"\x00" * 642) is None
    assert dec.on_text("garbage") is None
    s = dec.stats
    assert (s.connections, s.frames, s.bytes, s.samples) == (1, 1, 640, 320)
    assert (s.odd_frames, s.empty_frames, s.oversized_frames, s.text_frames) == (1, 1, 1, 1)
    assert dec.metadata == '{"campaign":"c1"}'
    dec.new_connection()  # a reconnection sends its metadata again
    assert dec.on_text("second") == "second" and dec.metadata == "second"


def test_text_after_audio_is_not_metadata() -> None:
    dec = StreamDecoder(max_frame_bytes=640)
    dec.new_connection()
    dec.on_binary(b"\x00\x00")
    assert dec.on_text("late") is None and dec.metadata is None and dec.stats.text_frames == 1


def test_decoder_on_the_captured_payloads(fixtures_dir: Path) -> None:
    data = (fixtures_dir / "ws_human_8k.pcm").read_bytes()
    dec = StreamDecoder(max_frame_bytes=16000)
    dec.new_connection()
    out = [dec.on_binary(data[i : i + 320]) for i in range(0, len(data), 320)]
    assert all(o is not None for o in out) and dec.stats.frames == 243
    assert b"".join(int16_to_pcm(o) for o in out if o is not None) == data


@given(st.binary(max_size=64).filter(lambda b: len(b) % 2 == 0))
def test_pcm_round_trip(payload: bytes) -> None:
    assert int16_to_pcm(pcm_to_int16(payload)) == payload


def test_pcm_to_int16_refuses_odd_payload() -> None:
    with pytest.raises(MediaError, match="3 bytes"):
        pcm_to_int16(b"abc")


def test_stream_audio_message_round_trip_and_errors() -> None:
    pcm = np.arange(160, dtype="<i2").tobytes()
    message = encode_stream_audio(pcm, 8000)
    assert json.loads(message)["type"] == "streamAudio"
    assert decode_stream_audio(message) == (pcm, 8000, "raw")
    with pytest.raises(MediaError, match="sampleRate 11025"):
        encode_stream_audio(pcm, 11025)
    with pytest.raises(MediaError, match="not JSON"):
        decode_stream_audio("{")
    with pytest.raises(MediaError, match="audioData is not base64"):
        decode_stream_audio('{"type":"streamAudio","data":{"sampleRate":8000,"audioDataType":"raw","audioData":"@@"}}')


def test_resampler_is_continuous_across_frames(fixtures_dir: Path) -> None:
    pcm8 = np.frombuffer((fixtures_dir / "ws_human_8k.pcm").read_bytes(), dtype="<i2").astype(np.int16)
    rs = Resampler8kTo16k()
    parts = [rs.process(pcm8[i : i + 160]) for i in range(0, pcm8.size, 160)]
    assert parts[0].size == 0 and all(p.size == 320 for p in parts[2:])  # primed after 20 ms, then steady
    out = np.concatenate([*parts, rs.flush()])
    whole = soxr.resample(pcm8, 8000, 16000).astype(np.float64)
    assert out.size == 2 * pcm8.size
    err = np.sqrt(np.mean((out - whole) ** 2)) / np.sqrt(np.mean(whole**2))
    assert err < 0.01  # per-frame stateless resampling would click at every frame edge


def test_upsampler_for_rates() -> None:
    assert isinstance(upsampler_for(16000), PassThrough16k)
    assert isinstance(upsampler_for(8000), Resampler8kTo16k)
    with pytest.raises(MediaError, match="44100"):
        upsampler_for(44100)


def test_float_conversions() -> None:
    x = np.array([-32768, -1, 0, 1, 32767], dtype=np.int16)
    assert np.array_equal(float32_to_pcm16(pcm16_to_float32(x)), x)
    assert float32_to_pcm16(np.array([2.0, -2.0], dtype=np.float32)).tolist() == [32767, -32768]


def test_read_wav_16k_from_8k_and_stereo(tmp_path: Path, fixtures_dir: Path) -> None:
    eight = fixtures_dir / "sounds" / "human_fr.wav"
    with wave.open(str(eight)) as w:
        frames = w.getnframes()
    assert read_wav_16k(eight).size == 2 * frames
    stereo = tmp_path / "stereo.wav"
    with wave.open(str(stereo), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.array([[1000, 3000]] * 100, dtype="<i2").tobytes())
    assert read_wav_16k(stereo).tolist() == [2000] * 100


def test_read_wav_16k_names_the_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav")
    with pytest.raises(MediaError, match=r"bad\.wav"):
        read_wav_16k(bad)
    with pytest.raises(MediaError, match=r"missing\.wav"):
        read_wav_16k(tmp_path / "missing.wav")
