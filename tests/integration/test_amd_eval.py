"""AMD end to end: real Silero VAD, real tone detector, the shared tiny Whisper (random weights) through H3's engine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from robot.amd.detector import AmdDetector, chunks_of
from robot.amd.keywords import load_keywords
from robot.asr.engine import AsrEngine
from robot.asr.vad import SileroModel
from robot.cli import main
from robot.clock import SystemClock
from robot.events import AmdResult
from robot.media.audio import AudioChunk, read_wav_16k
from robot.settings import Settings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EVAL = REPO / "audio" / "amd-eval"
SUBSET = ("machine_tune_031.wav", "human_tune_001.wav", "noanswer_tune_001.wav", "operator_tune_003.wav")


def test_amd_eval_cli_on_a_subset_with_the_tiny_model(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "subset.csv"
    lines = ["file,label,split"]
    labels = {row.split(",")[0]: row.split(",")[1] for row in (EVAL / "manifest.csv").read_text().splitlines()[1:]}
    lines += [f"{EVAL / name},{labels[name]},test" for name in SUBSET]
    lines.append(f"{EVAL / SUBSET[0]},EXCLUDE,test")
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["amd-eval", str(manifest), "--json", "--details", "--model", str(tiny_model_dir)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == 4 and report["excluded"] == 1 and report["asr"] is True
    results = {Path(item["file"]).name: item["result"] for item in report["items"]}
    assert (
        results["machine_tune_031.wav"] == "MACHINE"
    )  # recorded "Veuillez laissez votre message après le bip sonore." then a beep
    assert results["noanswer_tune_001.wav"] == "NO_ANSWER"
    assert results["operator_tune_003.wav"] == "OPERATOR"  # SIT
    assert results["human_tune_001.wav"] == "HUMAN"  # "Oui, allô ?"
    assert report["asr_calls"] >= 1 and report["asr_compute_ms_p95"] is not None


def test_amd_cli_prints_decision_transcript_and_timing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["amd", str(EVAL / "machine_tune_031.wav"), "--no-asr", "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert item["result"] == "MACHINE" and "beep" in item["reasons"][0]
    assert item["decided_at_ms"] > 0 and item["asr_compute_ms"] is None


def test_timing_rules_on_real_clips(capsys: pytest.CaptureFixture[str]) -> None:
    """Tune-split clips for each timing rule: long greeting, long human hello, beep after a medium greeting."""
    clips = {
        "machine_tune_032.wav": ("MACHINE", "greeting of"),  # recorded 6.4 s voicemail prompt from 0.5 s
        "human_tune_034.wav": ("HUMAN", "speech"),  # silent for 1.6 s, then a 2.6 s hello, then silence
        "machine_tune_030.wav": ("MACHINE", "beep"),  # recorded 2.6 s greeting ends at 3.3 s; 3 beeps 0.7 s later
    }
    assert main(["amd", *(str(EVAL / name) for name in clips), "--no-asr", "--json"]) == 0
    for item in json.loads(capsys.readouterr().out):
        result, reason = clips[Path(item["file"]).name]
        assert item["result"] == result, item
        assert any(reason in r for r in item["reasons"]), item


async def _live(samples: np.ndarray, gate: asyncio.Event | None = None) -> AsyncIterator[AudioChunk]:
    for chunk in chunks_of(samples):
        yield chunk
        await asyncio.sleep(0)  # let other tasks run between frames, as a live socket would


async def test_live_run_with_engine_decides_and_keeps_the_loop_free(tiny_model_dir: Path) -> None:
    settings = Settings()
    asr = settings.asr.model_copy(update={"model": str(tiny_model_dir)})
    engine = await AsrEngine.load(asr)
    try:
        keywords = load_keywords(REPO / "amd_keywords.yaml")
        detector = AmdDetector(settings, engine, SileroModel(), keywords, SystemClock())
        samples = read_wav_16k(EVAL / "human_tune_001.wav")
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        verdict = await asyncio.wait_for(detector.run(_live(samples)), timeout=60)
        task.cancel()
        assert verdict.result is AmdResult.HUMAN
        assert detector.last_timing is not None and detector.last_timing.asr_compute_s is not None
        assert ticks > 50  # the loop kept serving other tasks while VAD/ASR worked
    finally:
        engine.close()


async def test_cli_rejects_bad_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "bad.csv"
    manifest.write_text("file,label\nnope.wav,HUMAN\n", encoding="utf-8")
    assert main(["amd-eval", str(manifest), "--no-asr"]) == 2


def test_amd_tune_cli_compares_a_grid_with_the_current_settings_on_the_same_clips(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = {row.split(",")[0]: row.split(",")[1] for row in (EVAL / "manifest.csv").read_text().splitlines()[1:]}
    manifest = tmp_path / "calls.csv"
    manifest.write_text("file,label\n" + "".join(f"{EVAL / n},{labels[n]}\n" for n in SUBSET), encoding="utf-8")
    grid = tmp_path / "grid.json"
    grid.write_text('{"no words": {"use_asr": false}, "short window": {"window_ms": 2000}}', encoding="utf-8")
    args = ["amd-tune", str(manifest), "--grid", str(grid), "--model", str(tiny_model_dir), "--json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    names = [c["name"] for c in first["configurations"]]
    assert names == ["current", "no words", "short window"]  # the baseline runs first, in the same run
    assert all(c["files"] == 4 for c in first["configurations"])
    assert first["transcripts_decoded"] >= 1
    cache = tmp_path / ".amd-tune-cache.json"
    assert cache.stat().st_mode & 0o777 == 0o600
    assert main(args) == 0  # the same windows again: answered from the cache
    second = json.loads(capsys.readouterr().out)
    assert second["transcripts_decoded"] == 0
    assert [c["right"] for c in second["configurations"]] == [c["right"] for c in first["configurations"]]

    grid.write_text('{"typo": {"long_greeting_msec": 4000}}', encoding="utf-8")
    assert main(args) == 2
    assert "configuration 'typo': amd.long_greeting_msec: unknown setting" in capsys.readouterr().err
