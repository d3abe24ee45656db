"""`robot amd-eval --plot`: valid PNG and SVG files with both panels; clear errors for a bad name or no matplotlib."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

import pytest

from robot.amd.evaluation import EvalReport
from robot.cli import main
from robot.errors import ConfigError
from robot.plots import latency_summaries, plot_amd_eval, plot_bench

pytestmark = pytest.mark.unit
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def small_report() -> EvalReport:
    report = EvalReport()
    runs = [
        ("HUMAN", "HUMAN", 0.8),
        ("HUMAN", "MACHINE", 2.9),
        ("MACHINE", "MACHINE", 3.4),
        ("NO_ANSWER", "NO_ANSWER", 4),
    ]
    for truth, verdict, decided in runs:
        report.total += 1
        report.correct += truth == verdict
        report.confusion.setdefault(truth, {}).setdefault(verdict, 0)
        report.confusion[truth][verdict] += 1
        report.items.append({"label": truth, "result": verdict, "decided_at_s": decided})
    return report


def test_png_is_a_valid_image(tmp_path: Path) -> None:
    from matplotlib.image import imread

    out = tmp_path / "amd.png"
    plot_amd_eval(small_report(), out, "subset")
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    pixels = imread(out)
    assert pixels.shape[0] == 500 and pixels.shape[1] == 1200  # 12 x 5 in at 100 dpi
    assert pixels.std() > 0.05  # something is drawn


def test_svg_holds_both_panels_as_text(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    out = tmp_path / "amd.svg"
    plot_amd_eval(small_report(), out)
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    text = out.read_text()
    assert "Confusion matrix (accuracy 75.0%, 4 files)" in text and "Decision time per true label" in text
    assert "NO_ANSWER" in text and "decision time after answer (s)" in text


def test_bad_name_and_missing_matplotlib_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"must end in \.png or \.svg"):
        plot_amd_eval(small_report(), tmp_path / "amd.pdf")
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == "matplotlib":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ConfigError, match=r"pip install 'robot\[plots\]'"):
        plot_amd_eval(small_report(), tmp_path / "amd.png")


def test_latency_summaries_of_committed_bench_results() -> None:
    bargein = json.loads((RESULTS / "bargein_earlier.json").read_text())
    found = latency_summaries(bargein)
    assert [(m, g) for m, g, _ in found][:2] == [
        ("talker_speech_to_prompt_silent_ms", "variants pause"),
        ("talker_speech_to_prompt_silent_ms", "variants vad_resume"),
    ]
    assert found[0][2] == {"p50": 150.1, "p95": 171.2, "max": 176.9}
    amd = latency_summaries(json.loads((RESULTS / "bench_amd_base.json").read_text()))
    assert ("latency_ms", "concurrency 1 baseline_plain_transcribe") in [(m, g) for m, g, _ in amd]
    assert latency_summaries({"a": [1, {"p50": None, "p95": 2}]}) == []


def test_bench_plot_command_on_a_committed_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from matplotlib.image import imread

    out = tmp_path / "streaming.png"
    assert main(["bench", "plot", str(RESULTS / "streaming.json"), str(out)]) == 0
    assert "plot written to" in capsys.readouterr().err
    height, width = imread(out).shape[:2]
    assert width == 2100 and height > 400  # three panels (three latency metrics), one row per variant and level
    svg = tmp_path / "bargein.svg"
    plot_bench(json.loads((RESULTS / "bargein.json").read_text()), svg)
    text = svg.read_text()
    assert "talker_speech_to_prompt_silent_ms" in text and "variants baseline_vad_500ms" in text
    assert main(["bench", "plot", str(RESULTS / "intents_fr.json"), str(tmp_path / "x.png")]) == 2
    assert "no latency summary" in capsys.readouterr().err
