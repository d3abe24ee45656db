"""Shared by the streaming-service tests: the real Whisper base engine (one per module) and its clips."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from robot.asr.engine import AsrEngine
from robot.media.audio import read_wav_16k
from robot.settings import Settings

from ..conftest import SHARED

BASE = SHARED / "models" / "whisper-base"
STARTER = SHARED / "audio" / "amd-starter"


def need_base() -> None:
    if not (BASE / "model.bin").is_file():
        pytest.fail(f"real Whisper base model not found at {BASE}")


def base_engine() -> Iterator[AsrEngine]:
    """Use as `engine = pytest.fixture(scope="module")(base_engine)`."""
    need_base()
    engine = AsrEngine.load_sync(Settings().asr.model_copy(update={"model": str(BASE), "local_files_only": True}))
    yield engine
    engine.close()


def pcm(name: str) -> bytes:
    """A starter clip as 16 kHz S16LE bytes."""
    return read_wav_16k(STARTER / name).astype("<i2").tobytes()
