"""Prometheus metrics with the standard client (`prometheus_client`), each process with its own registry.

`RobotMetrics` holds the metrics robot exposes; the call path increments them:
  robot_calls_in_flight                          gauge (the campaign runner)
  robot_originate_results_total{cause}           counter (hangup cause of every finished attempt)
  robot_amd_verdicts_total{result}               counter
  robot_bargeins_total                           counter
  robot_bargein_latency_seconds                  histogram (speech onset -> playback stop)
  robot_asr_queue_depth                          callback gauge (set `asr_queue_depth.callback`)
  robot_esl_connected                            callback gauge, 1/0 (set `esl_connected.callback`)

`render()` is the text exposition served at `/metrics` by robot.console.server (with the live console).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client import Counter as _Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BARGEIN_BUCKETS_S = (0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0)


class Counter:
    """A counter whose labels are keyword arguments: `inc(cause="USER_BUSY")`, `value(cause=...)`."""

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str], registry: CollectorRegistry) -> None:
        self.labelnames = tuple(labelnames)
        self._counter = _Counter(name, help_text, self.labelnames, registry=registry)

    def _child(self, labels: dict[str, str]) -> _Counter:
        if set(labels) != set(self.labelnames):
            raise ValueError(f"labels {sorted(labels)} != {sorted(self.labelnames)}")
        return self._counter.labels(**labels) if self.labelnames else self._counter

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        self._child(labels).inc(amount)  # prometheus_client refuses negative amounts

    def value(self, **labels: str) -> float:
        return float(self._child(labels)._value.get())

    def values(self) -> dict[str, float]:
        """First label's value -> count (for the live view's outcome counts)."""
        out: dict[str, float] = {}
        for metric in self._counter.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    key = next(iter(sample.labels.values()), "")
                    out[key] = out.get(key, 0.0) + sample.value
        return out


class CallbackGauge(Collector):
    """A gauge read at scrape time from `callback` (None: no sample)."""

    def __init__(self, name: str, help_text: str, registry: CollectorRegistry) -> None:
        self.name, self.help = name, help_text
        self.callback: Callable[[], float] | None = None
        registry.register(self)

    def describe(self) -> list[Metric]:
        return [GaugeMetricFamily(self.name, self.help)]

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(self.name, self.help)
        value = self.read()
        if value is not None:
            family.add_metric([], value)
        yield family

    def read(self) -> float | None:
        return None if self.callback is None else float(self.callback())


class RobotMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.calls_in_flight = Gauge("robot_calls_in_flight", "Calls in flight now.", registry=r)
        self.originate_results = Counter(
            "robot_originate_results_total", "Finished attempts by hangup cause.", ("cause",), r
        )
        self.amd_verdicts = Counter("robot_amd_verdicts_total", "AMD verdicts by result.", ("result",), r)
        self.bargeins = Counter("robot_bargeins_total", "Barge-ins (prompt stopped by the caller).", (), r)
        self.bargein_latency = Histogram(
            "robot_bargein_latency_seconds",
            "Caller speech onset to playback stop sent, seconds.",
            buckets=BARGEIN_BUCKETS_S,
            registry=r,
        )
        self.asr_queue_depth = CallbackGauge("robot_asr_queue_depth", "ASR requests waiting for a worker.", r)
        self.esl_connected = CallbackGauge("robot_esl_connected", "1 while the ESL link to FreeSWITCH is up.", r)

    def render(self) -> bytes:
        """The text exposition format (0.0.4)."""
        return generate_latest(self.registry)
