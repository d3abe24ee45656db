"""Charts as PNG or SVG files, drawn with matplotlib, an optional extra (`pip install 'robot[plots]'`): the default
install stays lean, and asking for a plot without it is one clear error.

`plot_amd_eval`: `robot amd-eval --plot`: the confusion matrix (truth x verdict, counts) and the decision-time
histogram of each true label. `plot_bench`: `robot bench NAME --plot` / `robot bench plot RESULT.json`: every latency
summary (p50/p95/max) of a bench result, ours against the baselines measured in the same run. Figures are built
with `matplotlib.figure.Figure` (no pyplot, no global state); SVG keeps its text as text.
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


def latency_summaries(result: Any, path: tuple[str, ...] = ()) -> list[tuple[str, str, dict[str, float]]]:
    """(metric, group, {p50, p95[, max]}) for every latency summary in a bench JSON: a dict with p50 and p95 (the
    metric is its key) or with p50_ms and p95_ms (the metric is `latency_ms`); the group is the path to it."""
    found: list[tuple[str, str, dict[str, float]]] = []
    if isinstance(result, dict):
        for suffix in ("", "_ms"):
            p50, p95 = result.get(f"p50{suffix}"), result.get(f"p95{suffix}")
            if isinstance(p50, int | float) and isinstance(p95, int | float):
                top = result.get(f"max{suffix}")
                values = {"p50": float(p50), "p95": float(p95)} | ({"max": float(top)} if top is not None else {})
                metric, group = (path[-1], path[:-1]) if not suffix and path else ("latency_ms", path)
                found.append((metric, " ".join(group) or "-", values))
        for key, value in result.items():
            found += latency_summaries(value, (*path, str(key)))
    elif isinstance(result, list):
        for i, value in enumerate(result):
            found += latency_summaries(value, (*path, f"#{i}"))
    return found


def plot_bench(result: dict[str, Any], path: Path) -> None:
    """One panel per latency metric of a `robot bench` JSON: p50 bars, p95 and max marks, baselines in grey."""
    check_output(path)
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure

    metrics: dict[str, list[tuple[str, dict[str, float]]]] = {}
    for metric, group, values in latency_summaries(result):
        metrics.setdefault(metric, []).append((group, values))
    if not metrics:
        raise ConfigError("this bench result holds no latency summary (p50/p95) to plot")
    tallest = max(len(rows) for rows in metrics.values())
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig = Figure(figsize=(7 * len(metrics), 1.2 + 0.4 * tallest), layout="constrained")
        axes = fig.subplots(1, len(metrics), squeeze=False)[0]
        for ax, (metric, rows) in zip(axes, metrics.items(), strict=True):
            names = [group for group, _ in rows]
            colors = ["#9aa0a6" if "baseline" in group else "#3b7dd8" for group in names]
            ax.barh(range(len(rows)), [v["p50"] for _, v in rows], color=colors, label="p50")
            ax.scatter([v["p95"] for _, v in rows], range(len(rows)), marker="|", s=200, color="black", label="p95")
            tops = [(v["max"], i) for i, (_, v) in enumerate(rows) if "max" in v]
            if tops:
                ax.scatter(*zip(*tops, strict=True), marker="x", color="#cf222e", label="max")
            ax.set_yticks(range(len(rows)), names)
            ax.invert_yaxis()
            ax.set_xlabel(metric)
            ax.set_title(metric)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=3)
        bench = f"robot bench {result.get('bench', '')}".strip()
        fig.suptitle(f"{bench}: ours in blue, baselines in grey (bar p50, | p95, x max)")
        fig.savefig(path, format=path.suffix.lower()[1:], dpi=100)
