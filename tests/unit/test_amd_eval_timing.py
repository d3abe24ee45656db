"""AMD evaluation's decision times: per true label, and after the first speech onset (the dead air a person who
speaks at once hears, whatever silence the clip began with)."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.amd.detector import AmdFileResult, AmdTiming
from robot.amd.evaluation import EvalReport, ManifestRow
from robot.events import AmdResult, AmdVerdict

pytestmark = pytest.mark.unit


def _add(report: EvalReport, label: str, decided_at: float, onset: float | None) -> None:
    evidence: dict[str, float | str | bool] = {
        "initial_silence_ms": (decided_at if onset is None else onset) * 1000.0,
        "speech_segments": 0.0 if onset is None else 1.0,
    }
    verdict = AmdVerdict(AmdResult(label), 0.9, decided_at, ("r",), "", evidence)
    row = ManifestRow(Path(f"/x/{label}.wav"), label, "test", "", 2)
    report.add(row, AmdFileResult(verdict, "", AmdTiming(decided_at, None, None, 0.0, decided_at)))


def test_decision_after_the_first_speech_and_per_label() -> None:
    report = EvalReport()
    _add(report, "HUMAN", 1.6, 0.4)  # "Allô ?" at once: 1.2 s of dead air
    _add(report, "HUMAN", 4.0, 2.5)  # a person who spoke late
    _add(report, "MACHINE", 4.3, 0.3)
    _add(report, "NO_ANSWER", 4.0, None)  # nobody spoke: not in the after-speech figure
    s = report.summary()
    assert [i["first_speech_s"] for i in report.items] == [0.4, 2.5, 0.3, None]
    assert s["decision_after_speech_ms_p50"] == 1500.0 and s["decision_after_speech_ms_p95"] == 4000.0
    assert s["decision_ms_by_label"]["HUMAN"] == {"files": 2, "p50_ms": 1600.0, "p95_ms": 4000.0}
    assert s["decision_ms_by_label"]["NO_ANSWER"] == {"files": 1, "p50_ms": 4000.0, "p95_ms": 4000.0}
    assert "decision after the first speech p50 1500.0 ms" in report.render()
