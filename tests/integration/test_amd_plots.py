"""`robot amd-eval --plot` on a small real eval run (four clips, the shared tiny model): a valid PNG."""

from __future__ import annotations

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
