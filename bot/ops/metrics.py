"""Process metrics in the Prometheus text format (version 0.0.4), without a client library.

Counters, gauges and histograms with labels; one registry per process (each bot process is scraped on its
own, Prometheus adds them up). Recording is a dict lookup and an addition on the event loop's thread, cheap
enough for the per-update path. Values that live in the database (outbox depth) are read by async
collectors when /metrics is scraped, not on every change.

The names (see docs/operations.md):

    hnb_updates_total{type,result}            updates handled, by update type; result ok | error
    hnb_updates_duplicate_total               updates dropped because their update_id was seen before
    hnb_handler_seconds{type}                 time from our first middleware to the handler's end
    hnb_faq_questions_total{outcome}          answered (a confident answer) | suggested | unknown | greeting
    hnb_deliveries_total{result}              outbox rows: sent | blocked | failed | retried | claim_lost ...
    hnb_telegram_429_total{source}            "Too Many Requests" answers: delivery | bot (direct replies)
    hnb_telegram_retries_total{reason}        direct Bot API calls tried again: 5xx | network | 429
    hnb_outbox_messages{status}               pending | due | sending rows in the outbox (read at scrape)
    hnb_outbox_oldest_due_seconds             age of the oldest message that is due and not sent
    hnb_job_runs_total{job,result}            scheduled jobs: ok | error | skipped (another process leads)
    hnb_job_seconds{job}                      duration of scheduled jobs
    hnb_scheduler_leader                      1 when this process runs the scheduled jobs
    hnb_redis_up / hnb_database_up            1 when the last use (or check) succeeded
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _fmt(value: float) -> str:
    if value == math.inf:
        return "+Inf"
    if value == -math.inf:
        return "-Inf"
    if math.isnan(value):
        return "NaN"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _labels(names: tuple[str, ...], values: tuple[str, ...], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class _Metric:
    kind = "untyped"

    def __init__(self, name: str, help_text: str, labelnames: Iterable[str] = ()) -> None:
        self.name = name
        self.help = help_text
        self.labelnames = tuple(labelnames)

    def _key(self, labels: tuple[Any, ...]) -> tuple[str, ...]:
        if len(labels) != len(self.labelnames):
            raise ValueError(f"{self.name}: expected labels {self.labelnames}, got {labels}")
        return tuple(str(v) for v in labels)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]

    def samples(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def reset(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class _Values(_Metric):
    """A metric with one value per label set (counters and gauges)."""

    def __init__(self, name: str, help_text: str, labelnames: Iterable[str] = ()) -> None:
        super().__init__(name, help_text, labelnames)
        self.values: dict[tuple[str, ...], float] = {}

    def get(self, *labels: Any) -> float:
        return self.values.get(self._key(labels), 0.0)

    def samples(self) -> list[str]:
        if not self.labelnames and not self.values:
            return [f"{self.name} 0"]
        return [f"{self.name}{_labels(self.labelnames, k)} {_fmt(v)}" for k, v in sorted(self.values.items())]

    def reset(self) -> None:
        self.values.clear()


class Counter(_Values):
    kind = "counter"

    def inc(self, *labels: Any, amount: float = 1.0) -> None:
        key = labels if labels and all(type(v) is str for v in labels) else self._key(labels)
        if len(key) != len(self.labelnames):
            raise ValueError(f"{self.name}: expected labels {self.labelnames}, got {labels}")
        self.values[key] = self.values.get(key, 0.0) + amount

    def total(self) -> float:
        return sum(self.values.values())


class Gauge(_Values):
    kind = "gauge"

    def set(self, value: float, *labels: Any) -> None:
        self.values[self._key(labels)] = float(value)


class Histogram(_Metric):
    kind = "histogram"

    def __init__(
        self,
        name: str,
        help_text: str,
        labelnames: Iterable[str] = (),
        buckets: Iterable[float] = DEFAULT_BUCKETS,
    ) -> None:
        super().__init__(name, help_text, labelnames)
        self.buckets = tuple(sorted(float(b) for b in buckets))
        # per label set: [count per bucket (not cumulative) ..., +Inf], sum, count
        self.series: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}

    def observe(self, value: float, *labels: Any) -> None:
        key = labels if labels and all(type(v) is str for v in labels) else self._key(labels)
        series = self.series.get(key)
        if series is None:
            self._key(labels)
            series = self.series[key] = ([0] * (len(self.buckets) + 1), [0.0, 0.0])
        counts, totals = series
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
        totals[0] += value
        totals[1] += 1

    def count(self, *labels: Any) -> int:
        series = self.series.get(self._key(labels))
        return int(series[1][1]) if series else 0

    def samples(self) -> list[str]:
        lines: list[str] = []
        for key, (counts, totals) in sorted(self.series.items()):
            running = 0
            for bound, n in zip((*self.buckets, math.inf), counts, strict=True):
                running += n
                le = f'le="{_fmt(bound)}"'
                lines.append(f"{self.name}_bucket{_labels(self.labelnames, key, le)} {running}")
            lines.append(f"{self.name}_sum{_labels(self.labelnames, key)} {_fmt(totals[0])}")
            lines.append(f"{self.name}_count{_labels(self.labelnames, key)} {_fmt(totals[1])}")
        return lines

    def reset(self) -> None:
        self.series.clear()


Collector = Callable[[], Awaitable[None]]


class Registry:
    def __init__(self) -> None:
        self.metrics: dict[str, _Metric] = {}
        self.collectors: dict[str, Collector] = {}

    def add(self, metric: _Metric) -> Any:
        if metric.name in self.metrics:
            raise ValueError(f"metric {metric.name} registered twice")
        self.metrics[metric.name] = metric
        return metric

    def counter(self, name: str, help_text: str, labelnames: Iterable[str] = ()) -> Counter:
        return self.add(Counter(name, help_text, labelnames))  # type: ignore[no-any-return]

    def gauge(self, name: str, help_text: str, labelnames: Iterable[str] = ()) -> Gauge:
        return self.add(Gauge(name, help_text, labelnames))  # type: ignore[no-any-return]

    def histogram(
        self,
        name: str,
        help_text: str,
        labelnames: Iterable[str] = (),
        buckets: Iterable[float] = DEFAULT_BUCKETS,
    ) -> Histogram:
        return self.add(Histogram(name, help_text, labelnames, buckets))  # type: ignore[no-any-return]

    def collector(self, name: str, collect: Collector) -> None:
        """An async function run before each scrape (reads the database, ...); a newer one replaces it."""
        self.collectors[name] = collect

    def remove_collector(self, name: str, collect: Collector | None = None) -> None:
        if collect is None or self.collectors.get(name) is collect:
            self.collectors.pop(name, None)

    async def collect(self) -> None:
        for collect in list(self.collectors.values()):
            try:
                await collect()
            except Exception:  # a failing collector must not take the other metrics down
                COLLECTOR_ERRORS.inc()

    def render(self) -> str:
        PROCESS_START.set(_START_TIME)
        _memory()
        lines: list[str] = []
        for metric in self.metrics.values():
            lines += metric.header()
            lines += metric.samples()
        return "\n".join(lines) + "\n"

    async def exposition(self) -> str:
        await self.collect()
        return self.render()

    def reset(self) -> None:
        """Zero every metric (tests)."""
        for metric in self.metrics.values():
            metric.reset()


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REGISTRY = Registry()
_START_TIME = time.time()

UPDATES = REGISTRY.counter(
    "hnb_updates_total", "Updates handled, by update type and result.", ("type", "result")
)
DUPLICATES = REGISTRY.counter(
    "hnb_updates_duplicate_total", "Updates dropped because their update_id was handled before."
)
HANDLER_SECONDS = REGISTRY.histogram(
    "hnb_handler_seconds", "Time to handle one update (middlewares, handler, replies).", ("type",)
)
FAQ_QUESTIONS = REGISTRY.counter(
    "hnb_faq_questions_total",
    "Free-text questions: answered (confident match), suggested, unknown (no confident answer), greeting.",
    ("outcome",),
)
DELIVERIES = REGISTRY.counter(
    "hnb_deliveries_total", "Outbox deliveries by result (sent, blocked, failed, retried, ...).", ("result",)
)
RATE_LIMITED = REGISTRY.counter(
    "hnb_telegram_429_total", "429 Too Many Requests answers from the Bot API.", ("source",)
)
RETRIES = REGISTRY.counter(
    "hnb_telegram_retries_total", "Direct Bot API calls tried again, by reason.", ("reason",)
)
OUTBOX = REGISTRY.gauge(
    "hnb_outbox_messages",
    "Outbox rows not sent yet: pending (all), due (now), sending (claimed).",
    ("status",),
)
OUTBOX_OLDEST_DUE = REGISTRY.gauge(
    "hnb_outbox_oldest_due_seconds", "Age of the oldest outbox message that is due and not sent (0: none)."
)
JOB_RUNS = REGISTRY.counter(
    "hnb_job_runs_total", "Scheduled job runs (skipped: another process leads).", ("job", "result")
)
JOB_SECONDS = REGISTRY.histogram(
    "hnb_job_seconds", "Duration of scheduled jobs.", ("job",), buckets=(0.01, 0.05, 0.25, 1, 5, 30, 120)
)
LEADER = REGISTRY.gauge("hnb_scheduler_leader", "1 when this process runs the scheduled jobs.")
REDIS_UP = REGISTRY.gauge("hnb_redis_up", "1 when Redis answered its last use; absent without Redis.")
DATABASE_UP = REGISTRY.gauge("hnb_database_up", "1 when the database answered the last health check.")
COLLECTOR_ERRORS = REGISTRY.counter(
    "hnb_metrics_collector_errors_total", "Metrics that could not be read at scrape time."
)
PROCESS_START = REGISTRY.gauge("process_start_time_seconds", "Start time of the process (Unix time).")
PROCESS_RSS = REGISTRY.gauge("process_resident_memory_bytes", "Resident memory of the process.")

_FAQ_OUTCOMES = {"answer": "answered", "suggest": "suggested", "unknown": "unknown", "greeting": "greeting"}


def _memory() -> None:
    try:
        import psutil

        PROCESS_RSS.set(psutil.Process(os.getpid()).memory_info().rss)
    except Exception:  # pragma: no cover - psutil is a dependency, but metrics never fail on it
        pass


# --- hooks called from the rest of the bot (one line each at the call site) ------------------------------


def faq_question(kind: str) -> None:
    """A free-text question was decided: kind is FaqReply.kind (answer | suggest | unknown | greeting)."""
    FAQ_QUESTIONS.inc(_FAQ_OUTCOMES.get(kind, kind))


def deliveries(counts: Mapping[str, int]) -> None:
    """Outcomes the delivery worker recorded (its stats keys: sent, blocked, failed, retried, ...)."""
    for result, n in counts.items():
        if n:
            DELIVERIES.inc(str(result), amount=n)


def rate_limited(source: str = "delivery") -> None:
    RATE_LIMITED.inc(source)
