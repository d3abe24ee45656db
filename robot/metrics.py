"""Prometheus metrics: counters, gauges, callback gauges and histograms, the text exposition format (0.0.4),
and a tiny asyncio HTTP server answering `GET /metrics`. No external dependency.

`RobotMetrics` holds the metrics robot exposes; the call path increments them:
  robot_calls_in_flight                          gauge (the campaign runner)
  robot_originate_results_total{cause}           counter (hangup cause of every finished attempt)
  robot_amd_verdicts_total{result}               counter
  robot_bargeins_total                           counter
  robot_bargein_latency_seconds                  histogram (speech onset -> playback stop)
  robot_asr_queue_depth                          callback gauge (set `asr_queue_depth.callback`)
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)
LabelKey = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(key: LabelKey, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = key + extra
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if value != int(value) else str(int(value))


class _Metric:
    kind = ""

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str] = ()) -> None:
        self.name, self.help, self.labelnames = name, help_text, tuple(labelnames)

    def _key(self, labels: dict[str, str]) -> LabelKey:
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name}: labels {sorted(labels)} != {sorted(self.labelnames)}")
        return tuple((n, str(labels[n])) for n in self.labelnames)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {_escape_help(self.help)}", f"# TYPE {self.name} {self.kind}"]

    def samples(self) -> list[str]:
        raise NotImplementedError


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labelnames)
        self._values: dict[LabelKey, float] = {} if labelnames else {(): 0.0}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        if amount < 0:
            raise ValueError(f"{self.name}: a counter only goes up")
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self._values.get(self._key(labels), 0.0)

    def samples(self) -> list[str]:
        return [f"{self.name}{_labels(k)} {_number(v)}" for k, v in sorted(self._values.items())]


class Gauge(_Metric):
    kind = "gauge"

    def __init__(self, name: str, help_text: str) -> None:
        super().__init__(name, help_text)
        self._value = 0.0

    def set(self, value: float) -> None:
        self._value = float(value)

    def inc(self, amount: float = 1.0) -> None:
        self._value += amount

    def dec(self, amount: float = 1.0) -> None:
        self._value -= amount

    def value(self) -> float:
        return self._value

    def samples(self) -> list[str]:
        return [f"{self.name} {_number(self._value)}"]


class CallbackGauge(_Metric):
    """A gauge read at scrape time from `callback` (None: no sample)."""

    kind = "gauge"

    def __init__(self, name: str, help_text: str, callback: Callable[[], float] | None = None) -> None:
        super().__init__(name, help_text)
        self.callback = callback

    def samples(self) -> list[str]:
        return [] if self.callback is None else [f"{self.name} {_number(self.callback())}"]


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help_text: str, buckets: Sequence[float]) -> None:
        super().__init__(name, help_text)
        if list(buckets) != sorted(buckets) or not buckets:
            raise ValueError(f"{name}: buckets must be increasing")
        self.buckets = tuple(float(b) for b in buckets)
        self._counts = [0] * len(self.buckets)
        self._sum = 0.0
        self._count = 0

    def observe(self, value: float) -> None:
        self._sum += value
        self._count += 1
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self._counts[i] += 1

    def samples(self) -> list[str]:
        out = [
            f"{self.name}_bucket{_labels((), (('le', _number(b)),))} {n}"
            for b, n in zip(self.buckets, self._counts, strict=True)
        ]
        out.append(f'{self.name}_bucket{{le="+Inf"}} {self._count}')
        out.append(f"{self.name}_sum {_number(self._sum)}")
        out.append(f"{self.name}_count {self._count}")
        return out


class Registry:
    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}

    def register(self, metric: _Metric) -> None:
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name} registered twice")
        self._metrics[metric.name] = metric

    def render(self) -> str:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines += metric.header() + metric.samples()
        return "\n".join(lines) + "\n"


class RobotMetrics:
    def __init__(self) -> None:
        self.registry = Registry()
        self.calls_in_flight = Gauge("robot_calls_in_flight", "Calls in flight now.")
        self.originate_results = Counter(
            "robot_originate_results_total", "Finished attempts by hangup cause.", ("cause",)
        )
        self.amd_verdicts = Counter("robot_amd_verdicts_total", "AMD verdicts by result.", ("result",))
        self.bargeins = Counter("robot_bargeins_total", "Barge-ins (prompt stopped by the caller).")
        self.bargein_latency = Histogram(
            "robot_bargein_latency_seconds",
            "Caller speech onset to playback stop sent, seconds.",
            (0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0),
        )
        self.asr_queue_depth = CallbackGauge("robot_asr_queue_depth", "ASR requests waiting for a worker.")
        for metric in (
            self.calls_in_flight,
            self.originate_results,
            self.amd_verdicts,
            self.bargeins,
            self.bargein_latency,
            self.asr_queue_depth,
        ):
            self.registry.register(metric)


_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class MetricsServer:
    """`GET /metrics` over plain HTTP/1.1 (one response per connection). Port 0 picks a free port."""

    def __init__(self, registry: Registry, host: str, port: int) -> None:
        self.registry, self.host, self.port = registry, host, port
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5.0)
            method, path, *_ = [*request.split(b"\r\n", 1)[0].decode("latin-1").split(" "), "", ""]
            if method != "GET":
                status, body = "405 Method Not Allowed", "only GET\n"
            elif path.split("?", 1)[0] != "/metrics":
                status, body = "404 Not Found", "try /metrics\n"
            else:
                status, body = "200 OK", self.registry.render()
            data = body.encode()
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {_CONTENT_TYPE}\r\nContent-Length: {len(data)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + data
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as err:
            log.debug("metrics request dropped: %s", err)
        finally:
            writer.close()
