"""benchmarks/amd_upper_bound.py word timing: reference words spread over speech segments, cut at an audio time."""

from __future__ import annotations

import importlib.util
import sys
import wave
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from robot.amd.evaluation import ManifestRow
from robot.asr.vad import SileroModel
from robot.settings import Settings

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "amd_upper_bound.py"


@pytest.fixture(scope="module")
def ub() -> ModuleType:
    spec = importlib.util.spec_from_file_location("amd_upper_bound", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def spans(words: list[Any]) -> list[float]:
    return [t for w in words for t in (w.start, w.end)]


def test_words_share_the_speech_time_by_letters(ub: ModuleType) -> None:
    words = ub.spread_words("ab, cdef ab", [(1.0, 1.8)])  # weights 2, 4, 2 over 0.8 s of speech
    assert [w.text for w in words] == ["ab,", "cdef", "ab"]
    assert spans(words) == pytest.approx([1.0, 1.2, 1.2, 1.6, 1.6, 1.8])


def test_words_skip_the_pause_between_segments(ub: ModuleType) -> None:
    # 1 s of speech in two segments with a 2 s pause: the second word starts after the pause, not inside it
    words = ub.spread_words("allo allo", [(0.5, 1.0), (3.0, 3.5)])
    assert spans(words) == pytest.approx([0.5, 1.0, 3.0, 3.5])
    words = ub.spread_words("a bcd", [(0.0, 1.0), (2.0, 3.0)])  # weights 1, 3: the second word spans the pause
    assert spans(words) == pytest.approx([0.0, 0.5, 0.5, 3.0])


def test_transcript_holds_the_words_ended_by_the_cut(ub: ModuleType) -> None:
    words = ub.spread_words("vous êtes bien sur", [(1.0, 2.4)])  # weights 4, 4, 4, 3: ends 1.373, 1.747, 2.12, 2.4
    assert ub.spoken_by(words, 0.9) == ""
    assert ub.spoken_by(words, 1.5) == "vous"
    assert ub.spoken_by(words, 2.12) == "vous êtes bien"
    assert ub.spoken_by(words, 9.0) == "vous êtes bien sur"
    assert ub.spoken_by(words, 1.5, cut="start") == "vous êtes"  # êtes started at 1.373
    assert ub.spoken_by(words, 0.0, cut="none") == "vous êtes bien sur"
    with pytest.raises(ValueError, match="cut must be one of"):
        ub.spoken_by(words, 1.0, cut="middle")


def test_no_text_no_words_and_bad_segments_refused(ub: ModuleType) -> None:
    assert ub.spread_words("  ", [(0.0, 1.0)]) == []
    with pytest.raises(ValueError, match="no speech segment"):
        ub.spread_words("allo", [])
    with pytest.raises(ValueError, match="sorted and non-empty"):
        ub.spread_words("allo", [(2.0, 3.0), (0.0, 1.0)])


def test_texts_given_replace_the_manifest_text_on_every_clip(ub: ModuleType, tmp_path: Path) -> None:
    # --texts (best-effort transcripts): the given text is laid over the clip, a clip the manifest has no text for
    # (a silent line) gets it too, and a clip missing from the texts gets no words
    rows = []
    for name, text in (("a.wav", "le numéro demandé"), ("b.wav", ""), ("c.wav", "allô")):
        path = tmp_path / name
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(16000)
            out.writeframes(b"\x00\x00" * 16000)  # 1 s of silence: the words spread over the whole clip
        rows.append(ManifestRow(path=path, label="MACHINE", split="x", text=text, line=len(rows) + 2))
    source = ub.ReferenceTranscripts("end", {"a.wav": "le mobile demandé", "b.wav": "merci"})
    source.prepare(rows, Settings(), SileroModel())
    assert [w.text for w in source.words[rows[0].path]] == ["le", "mobile", "demandé"]
    assert [w.text for w in source.words[rows[1].path]] == ["merci"]
    assert source.words[rows[2].path] == []
    assert source.spread_over_clip == {rows[0].path, rows[1].path}
