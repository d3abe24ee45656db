"""Prometheus exposition through prometheus_client: the metric names and values robot promises."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from robot.metrics import Counter, RobotMetrics

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
    m.esl_connected.callback = lambda: 1.0
    text = m.render().decode()
    assert text.endswith("\n")
    lines = text.splitlines()
    assert "# TYPE robot_calls_in_flight gauge" in lines and "robot_calls_in_flight 1.0" in lines
    assert 'robot_originate_results_total{cause="NORMAL_CLEARING"} 1.0' in lines
    assert 'robot_originate_results_total{cause="USER_BUSY"} 3.0' in lines
    assert 'robot_amd_verdicts_total{result="MACHINE"} 1.0' in lines
    assert "robot_bargeins_total 1.0" in lines
    assert 'robot_bargein_latency_seconds_bucket{le="0.2"} 0.0' in lines
    assert 'robot_bargein_latency_seconds_bucket{le="0.3"} 1.0' in lines
    assert 'robot_bargein_latency_seconds_bucket{le="1.5"} 2.0' in lines
    assert 'robot_bargein_latency_seconds_bucket{le="+Inf"} 2.0' in lines
    assert "robot_bargein_latency_seconds_sum 1.45" in lines
    assert "robot_bargein_latency_seconds_count 2.0" in lines
    assert "robot_asr_queue_depth 7.0" in lines and "robot_esl_connected 1.0" in lines
    # the standard parser reads it back: every sample belongs to a declared family
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["robot_originate_results"].type == "counter"
    assert families["robot_bargein_latency_seconds"].type == "histogram"
    assert m.originate_results.values() == {"USER_BUSY": 3.0, "NORMAL_CLEARING": 1.0}
    assert m.originate_results.value(cause="USER_BUSY") == 3.0


def test_label_escaping_and_errors() -> None:
    reg = CollectorRegistry()
    c = Counter("x_total", 'help with "quotes"\nand newline', ("cause",), reg)
    c.inc(cause='a"b\\c\nd')

    text = generate_latest(reg).decode()
    assert 'x_total{cause="a\\"b\\\\c\\nd"} 1.0' in text
    assert '# HELP x_total help with "quotes"\\nand newline' in text
    with pytest.raises(ValueError):
        c.inc(-1, cause="a")
    with pytest.raises(ValueError, match="labels"):
        c.inc(other="a")
    with pytest.raises(ValueError, match="Duplicated"):
        Counter("x_total", "again", (), reg)


def test_unset_callback_gauge_has_no_sample() -> None:
    text = RobotMetrics().render().decode()
    assert "# TYPE robot_asr_queue_depth gauge" in text
    assert "\nrobot_asr_queue_depth " not in text


def test_each_instance_has_its_own_registry() -> None:
    a, b = RobotMetrics(), RobotMetrics()
    a.bargeins.inc()
    assert b.bargeins.value() == 0.0 and a.bargeins.value() == 1.0
