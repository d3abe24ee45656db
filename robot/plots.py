"""Charts as PNG or SVG files, drawn with matplotlib, an optional extra (`pip install 'robot[plots]'`): the default
install stays lean, and asking for a plot without it is one clear error.

`plot_amd_eval`: `robot amd-eval --plot`: the confusion matrix (truth x verdict, counts) and the decision-time
histogram of each true label. Figures are built with `matplotlib.figure.Figure` (no pyplot, no global state); SVG
keeps its text as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from robot.errors import ConfigError
from robot.events import AmdResult

if TYPE_CHECKING:
    from robot.amd.evaluation import EvalReport

FORMATS = (".png", ".svg")
HIST_BINS = 20


def check_output(path: Path) -> None:
    """Refuse early (before a long run) a format we do not write or a missing matplotlib."""
    if path.suffix.lower() not in FORMATS:
        raise ConfigError(f"--plot {path}: the file name must end in {' or '.join(FORMATS)}")
    _matplotlib()


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ModuleNotFoundError as err:
        raise ConfigError("plots need matplotlib, an optional extra: pip install 'robot[plots]'") from err
    return matplotlib


def _labels(confusion: dict[str, dict[str, int]]) -> list[str]:
    seen = set(confusion) | {p for row in confusion.values() for p in row}
    order = [r.value for r in AmdResult]
    return sorted(seen, key=lambda x: (order.index(x) if x in order else len(order), x))


def plot_amd_eval(report: EvalReport, path: Path, title: str = "") -> None:
    """Write the two panels to `path` (.png or .svg)."""
    check_output(path)
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure

    labels = _labels(report.confusion)
    matrix = [[report.confusion.get(t, {}).get(p, 0) for p in labels] for t in labels]
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig = Figure(figsize=(12, 5), layout="constrained")
        left, right = fig.subplots(1, 2)
        left.imshow(matrix, cmap="Blues")
        left.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        left.set_yticks(range(len(labels)), labels)
        left.set_xlabel("verdict")
        left.set_ylabel("truth")
        top = max((max(row) for row in matrix), default=0)
        for i, row in enumerate(matrix):
            for j, count in enumerate(row):
                left.text(j, i, str(count), ha="center", va="center", color="white" if count > top / 2 else "black")
        left.set_title(f"Confusion matrix (accuracy {report.accuracy:.1%}, {report.total} files)")
        times: dict[str, list[float]] = {}
        for item in report.items:
            times.setdefault(str(item["label"]), []).append(float(item["decided_at_s"]))
        longest = max((max(v) for v in times.values()), default=1.0)
        bins = [longest * i / HIST_BINS for i in range(HIST_BINS + 1)] if longest > 0 else HIST_BINS
        for label in labels:
            if times.get(label):
                right.hist(times[label], bins=bins, histtype="step", linewidth=1.8, label=label)
        right.set_xlabel("decision time after answer (s)")
        right.set_ylabel("files")
        right.set_title("Decision time per true label")
        if times:
            right.legend()
        if title:
            fig.suptitle(title)
        fig.savefig(path, format=path.suffix.lower()[1:], dpi=100)
