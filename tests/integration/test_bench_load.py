"""`robot bench load`: tiny smoke runs against a real `robot sim` child process (fields and sane values only,
never timing assertions)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from robot.bench.load import _steps, run_analysis, run_dialog, run_plumbing, with_frame_ms
from robot.settings import Settings

pytestmark = pytest.mark.integration


def _settings() -> Settings:
    return Settings()


async def test_plumbing_smoke_reports_every_frame_size_and_the_raw_baseline() -> None:
    settings = with_frame_ms(_settings(), 100)
    result = await run_plumbing(settings, [3], 1.5, broadcast_every_s=0.5, baseline=True, also_frame_ms=[60])
    assert result["mode"] == "plumbing" and result["frame_ms"] == 100
    assert [run["frame_ms"] for run in result["robot_adapter"]] == [100, 60, 20]
    raw = result["baseline_raw_websockets"]["runs"][0]["steps"][0]
    for step, frame_ms in [*((run["steps"][0], run["frame_ms"]) for run in result["robot_adapter"]), (raw, 20)]:
        assert step["calls"] == 3
        assert step["failed_originates"] == 0
        assert step["frame_ms"] == frame_ms
        assert step["frames_expected_per_s"] == round(3 * 1000 / frame_ms, 1)  # STREAM_BUFFER_SIZE reached the sim
        assert 0.5 < step["frames_received_ratio"] <= 1.1  # the sim's frames actually arrived, none invented
        assert step["robot_cpu_pct_one_core"] > 0
        assert step["robot_cpu_us_per_frame"] > 0
        assert step["esl_event_lag"]["n"] > 0  # PLAYBACK_* events of the broadcasts came back
        assert step["broadcast_rtt"]["n"] > 0
        assert step["loop_lag"]["n"] > 0
    summary = result["summary_last_step_median_of_rounds"]
    assert set(summary) == {"robot_adapter_100ms", "robot_adapter_60ms", "robot_adapter_20ms", "raw_websockets_20ms"}
    assert summary["robot_adapter_100ms"]["robot_dropped_frames"] == 0
    assert result["esl_events_dropped"] == 0
    assert result["capacity"]["calls_at_goal_cpu"] > 0 and result["capacity"]["frame_ms"] == 100
    assert result["goal"] == {"calls": 500, "cpu_pct_one_core_max": 50.0}
    assert isinstance(result["goal_met"], bool)


async def test_dialog_smoke_transcribes_turns(tiny_model_dir: Path) -> None:
    # 6 s: at least one whole turn (answer, end-of-turn silence, its transcription) even on a busy machine
    result = await run_dialog(_settings(), [2], 6.0, tiny_model_dir, tokens=8, budget_ms=3000.0, eot_s=0.6)
    step = result["steps"][0]
    assert step["calls"] == 2
    assert step["frames_received_ratio"] > 0.5
    assert step["turns"]["n"] >= 1  # the talker's answers were cut into turns by the VAD and transcribed
    assert step["asr_queue"]["served"] >= step["turns"]["n"]
    assert set(step["misses"]) == {
        "dropped_deadline",
        "refused_full",
        "robot_dropped_frames",
        "turn_asr_p95_over_budget",
    }
    assert result["max_calls_without_miss"] in (0, 2)


async def test_analysis_smoke_reports_cpu_per_call_and_decision_lags_on_both_sides() -> None:
    result = await run_analysis(_settings(), [3], 3.0, broadcast_every_s=0.5, baseline=True)
    assert result["mode"] == "analysis" and result["machine"]["cpus"]
    for side in ("worker", "baseline_per_frame_executor"):
        step = result[side][0]
        assert step["calls"] == 3 and step["failed_originates"] == 0
        assert 0.5 < step["frames_received_ratio"] <= 1.1  # every call's frames were analysed, none invented
        assert step["robot_cpu_pct_one_core_per_call"] > 0
        assert step["esl_event_lag"]["n"] > 0
        assert set(step["bargein_lag"]) == {"n", "p50_ms", "p95_ms", "max_ms"}
        assert step["bargein_lag"]["n"] == step["bargeins"]
    worker = result["worker"][0]["analysis_worker"]
    assert worker["frames"] > 0 and worker["iterations"] > 0
    assert result["baseline_per_frame_executor"][0]["analysis_worker"]["frames"] == 0


def test_steps_argument_rejects_bad_ramps() -> None:
    assert _steps("100,250,500") == [100, 250, 500]
    for bad in ("", "5,5", "10,3", "a,b", "0,4"):
        with pytest.raises(argparse.ArgumentTypeError, match="--steps"):
            _steps(bad)
