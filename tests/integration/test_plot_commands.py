"""`robot amd-eval --plot` on a small real eval run (four clips, the shared tiny model) and `robot bench amd --plot`
on two speech windows: valid images with the expected panels."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from robot.cli import main

pytestmark = pytest.mark.integration
EVAL = Path(__file__).resolve().parents[2] / "audio" / "amd-eval"
SUBSET = ("machine_tune_031.wav", "human_tune_001.wav", "noanswer_tune_001.wav", "operator_tune_003.wav")


def test_amd_eval_plot_from_a_small_run(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matplotlib.image import imread

    labels = {row.split(",")[0]: row.split(",")[1] for row in (EVAL / "manifest.csv").read_text().splitlines()[1:]}
    manifest = tmp_path / "subset.csv"
    manifest.write_text("file,label\n" + "".join(f"{EVAL / n},{labels[n]}\n" for n in SUBSET), encoding="utf-8")
    assert main(["amd-eval", str(manifest), "--model", str(tiny_model_dir), "--plot", str(tmp_path / "a.txt")]) == 2
    assert "must end in .png or .svg" in capsys.readouterr().err  # refused before the run
    out = tmp_path / "amd.png"
    assert main(["amd-eval", str(manifest), "--model", str(tiny_model_dir), "--plot", str(out)]) == 0
    captured = capsys.readouterr()
    assert "plot written to" in captured.err and "accuracy" in captured.out.lower()
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert imread(out).shape[:2] == (500, 1200)


def test_bench_amd_plot_against_its_baseline(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.svg"
    args = ["bench", "amd", "--model", str(tiny_model_dir), "--windows", "2", "--runs", "1", "--concurrency", "1"]
    assert main([*args, "--plot", str(out)]) == 0
    result = json.loads((tmp_path / "bench.json").read_text())  # the JSON is written beside the plot
    assert result["bench"] == "amd"
    svg = ET.parse(out).getroot()
    assert svg.tag.endswith("svg")
    text = out.read_text()
    assert "latency_ms" in text and "concurrency 1 ours" in text and "concurrency 1 baseline_plain_transcribe" in text
