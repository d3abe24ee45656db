"""Prometheus text exposition format."""

from __future__ import annotations

import pytest

from robot.metrics import Counter, Histogram, Registry, RobotMetrics

pytestmark = pytest.mark.unit


def test_robot_metrics_exposition() -> None:
    m = RobotMetrics()
    m.calls_in_flight.inc()
    m.calls_in_flight.inc()
    m.calls_in_flight.dec()
    m.originate_results.inc(cause="USER_BUSY")
    m.originate_results.inc(cause="NORMAL_CLEARING")
    m.originate_results.inc(2, cause="USER_BUSY")
    m.amd_verdicts.inc(result="MACHINE")
    m.bargeins.inc()
    m.bargein_latency.observe(0.25)
    m.bargein_latency.observe(1.2)
    m.asr_queue_depth.callback = lambda: 7
    text = m.registry.render()
    assert text.endswith("\n")
    lines = text.splitlines()
    assert "# TYPE robot_calls_in_flight gauge" in lines and "robot_calls_in_flight 1" in lines
    assert 'robot_originate_results_total{cause="NORMAL_CLEARING"} 1' in lines
    assert 'robot_originate_results_total{cause="USER_BUSY"} 3' in lines
    assert 'robot_amd_verdicts_total{result="MACHINE"} 1' in lines
    assert "robot_bargeins_total 1" in lines
    assert 'robot_bargein_latency_seconds_bucket{le="0.2"} 0' in lines
    assert 'robot_bargein_latency_seconds_bucket{le="0.3"} 1' in lines
    assert 'robot_bargein_latency_seconds_bucket{le="1.5"} 2' in lines
    assert 'robot_bargein_latency_seconds_bucket{le="+Inf"} 2' in lines
    assert "robot_bargein_latency_seconds_sum 1.45" in lines
    assert "robot_bargein_latency_seconds_count 2" in lines
    assert "robot_asr_queue_depth 7" in lines
    # every sample line belongs to a declared family
    families = {line.split()[2] for line in lines if line.startswith("# TYPE")}
    for line in lines:
        if not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            assert any(name == f or name.startswith(f + "_") for f in families), line


def test_label_escaping_and_errors() -> None:
    reg = Registry()
    c = Counter("x_total", 'help with "quotes"\nand newline', ("cause",))
    reg.register(c)
    c.inc(cause='a"b\\c\nd')
    text = reg.render()
    assert 'x_total{cause="a\\"b\\\\c\\nd"} 1' in text
    assert '# HELP x_total help with "quotes"\\nand newline' in text
    with pytest.raises(ValueError, match="only goes up"):
        c.inc(-1, cause="a")
    with pytest.raises(ValueError, match="labels"):
        c.inc(other="a")
    with pytest.raises(ValueError, match="twice"):
        reg.register(Counter("x_total", "again"))
    with pytest.raises(ValueError, match="increasing"):
        Histogram("h", "h", (1.0, 0.5))


def test_unset_callback_gauge_has_no_sample() -> None:
    text = RobotMetrics().registry.render()
    assert "# TYPE robot_asr_queue_depth gauge" in text
    assert "\nrobot_asr_queue_depth " not in text
