"""Process metrics for Prometheus, with prometheus_client.

One registry of our own (`REGISTRY`, not the library's global one, which would also carry its default
process and platform collectors); each bot process is scraped on its own, Prometheus adds them up.
Values that live in the database (outbox depth) are read by async functions registered with `on_scrape`,
run just before each scrape (`await refresh()`); process memory is read by a collector at scrape time.

The names (see docs/operations.md):

    hnb_updates_total{type,result}            updates handled, by update type; result ok | error
    hnb_updates_duplicate_total               updates dropped because their update_id was seen before
    hnb_handler_seconds{type}                 time from our first middleware to the handler's end
    hnb_faq_questions_total{outcome}          answered (a confident answer) | suggested | unknown | greeting | smalltalk
    hnb_deliveries_total{result}              outbox rows: sent | blocked | failed | retried | claim_lost ...
    hnb_telegram_429_total{source}            "Too Many Requests" answers: delivery | bot (direct replies)
    hnb_telegram_retries_total{reason}        direct Bot API calls tried again: 5xx | network | 429
    hnb_outbox_messages{status}               pending | due | sending rows in the outbox (read at scrape)
    hnb_outbox_oldest_due_seconds             age of the oldest message that is due and not sent
    hnb_job_runs_total{job,result}            scheduled jobs: ok | error | skipped (another process leads)
    hnb_job_seconds{job}                      duration of scheduled jobs
    hnb_scheduler_leader                      1 when this process runs the scheduled jobs
    hnb_redis_up / hnb_database_up            1 when the last use (or check) succeeded
    hnb_metrics_collector_errors_total        scrape-time reads that failed
    hnb_gc_pause_seconds{generation}          garbage collections and how long each held the process up
    process_start_time_seconds / process_resident_memory_bytes
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    exposition,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

# What generate_latest writes: text format 0.0.4. (From prometheus_client 0.22 on, CONTENT_TYPE_LATEST names
# format 1.0.0, which generate_latest only writes when asked; before 0.22 it is 0.0.4.)
CONTENT_TYPE: str = getattr(exposition, "CONTENT_TYPE_PLAIN_0_0_4", exposition.CONTENT_TYPE_LATEST)

# No *_created series: the exposition keeps the names it had before prometheus_client (process-wide switch).
disable_created_metrics()

REGISTRY = CollectorRegistry(auto_describe=True)
_START_TIME = time.time()

UPDATES = Counter(
    "hnb_updates_total",
    "Updates handled, by update type and result.",
    ("type", "result"),
    registry=REGISTRY,
)
DUPLICATES = Counter(
    "hnb_updates_duplicate_total",
    "Updates dropped because their update_id was handled before.",
    registry=REGISTRY,
)
HANDLER_SECONDS = Histogram(
    "hnb_handler_seconds",
    "Time to handle one update (middlewares, handler, replies).",
    ("type",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
FAQ_QUESTIONS = Counter(
    "hnb_faq_questions_total",
    "Free-text questions: answered (confident match), suggested, unknown (no confident answer), greeting, smalltalk.",
    ("outcome",),
    registry=REGISTRY,
)
LETTERS = Counter(
    "hnb_letters_total",
    "Photos of letters read, by the sender's kind (unknown, unreadable) and whether a date was found.",
    ("kind", "deadline"),
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "hnb_deliveries_total",
    "Outbox deliveries by result (sent, blocked, failed, retried, ...).",
    ("result",),
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "hnb_telegram_429_total",
    "429 Too Many Requests answers from the Bot API.",
    ("source",),
    registry=REGISTRY,
)
RETRIES = Counter(
    "hnb_telegram_retries_total",
    "Direct Bot API calls tried again, by reason.",
    ("reason",),
    registry=REGISTRY,
)
OUTBOX = Gauge(
    "hnb_outbox_messages",
    "Outbox rows not sent yet: pending (all), due (now), sending (claimed).",
    ("status",),
    registry=REGISTRY,
)
OUTBOX_OLDEST_DUE = Gauge(
    "hnb_outbox_oldest_due_seconds",
    "Age of the oldest outbox message that is due and not sent (0: none).",
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "hnb_job_runs_total",
    "Scheduled job runs (skipped: another process leads).",
    ("job", "result"),
    registry=REGISTRY,
)
JOB_SECONDS = Histogram(
    "hnb_job_seconds",
    "Duration of scheduled jobs.",
    ("job",),
    buckets=(0.01, 0.05, 0.25, 1, 5, 30, 120),
    registry=REGISTRY,
)
LEADER = Gauge("hnb_scheduler_leader", "1 when this process runs the scheduled jobs.", registry=REGISTRY)
REDIS_UP = Gauge(
    "hnb_redis_up", "1 when Redis answered its last use; absent without Redis.", registry=REGISTRY
)
DATABASE_UP = Gauge(
    "hnb_database_up", "1 when the database answered the last health check.", registry=REGISTRY
)
COLLECTOR_ERRORS = Counter(
    "hnb_metrics_collector_errors_total",
    "Metrics that could not be read at scrape time.",
    registry=REGISTRY,
)
GC_PAUSE_SECONDS = Histogram(
    "hnb_gc_pause_seconds",
    "Garbage collections, by generation: how long each held the process up.",
    ("generation",),
    buckets=(0.001, 0.005, 0.025, 0.1, 0.25, 1.0),
    registry=REGISTRY,
)
# One child per generation, made here: the collector's callback must not make one (a child is made under
# its parent's lock, and making it may start a collection). Not zeroed by reset(): a fact of the process.
GC_PAUSES = tuple(GC_PAUSE_SECONDS.labels(str(generation)) for generation in range(3))

# For reset(): prometheus_client zeroes labelled and unlabelled metrics differently.
_LABELLED: tuple[Counter | Gauge | Histogram, ...] = (
    UPDATES,
    HANDLER_SECONDS,
    FAQ_QUESTIONS,
    DELIVERIES,
    RATE_LIMITED,
    RETRIES,
    OUTBOX,
    JOB_RUNS,
    JOB_SECONDS,
)
_COUNTERS: tuple[Counter, ...] = (DUPLICATES, COLLECTOR_ERRORS)
_GAUGES: tuple[Gauge, ...] = (OUTBOX_OLDEST_DUE, LEADER, REDIS_UP, DATABASE_UP)


class _ProcessMetrics:
    """process_start_time_seconds and process_resident_memory_bytes, read when scraped. (The library's
    ProcessCollector would add CPU, file and virtual-memory series we never exposed.)"""

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("process_start_time_seconds", "Start time of the process (Unix time).")
        yield GaugeMetricFamily("process_resident_memory_bytes", "Resident memory of the process.")

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "process_start_time_seconds", "Start time of the process (Unix time).", value=_START_TIME
        )
        rss = GaugeMetricFamily("process_resident_memory_bytes", "Resident memory of the process.")
        try:
            import psutil

            rss.add_metric([], psutil.Process(os.getpid()).memory_info().rss)
        except Exception:  # pragma: no cover - psutil is a dependency, but metrics never fail on it
            rss.add_metric([], 0)
        yield rss


REGISTRY.register(_ProcessMetrics())

# --- values read from elsewhere (the database) just before a scrape ----------------------------------------

ScrapeReader = Callable[[], Awaitable[None]]
_readers: dict[str, ScrapeReader] = {}


def on_scrape(name: str, read: ScrapeReader) -> None:
    """An async function run before each scrape (reads the database and sets gauges); a newer one under
    the same name replaces it (several apps in one process: the last one started is scraped)."""
    _readers[name] = read


def remove_on_scrape(name: str, read: ScrapeReader | None = None) -> None:
    """Forget the reader `name` (only if it is still `read`, when given: a newer app may have replaced it)."""
    if read is None or _readers.get(name) is read:
        _readers.pop(name, None)


async def refresh() -> None:
    """Run the scrape-time readers; one that fails is counted and does not take the other metrics down."""
    for read in list(_readers.values()):
        try:
            await read()
        except Exception:
            COLLECTOR_ERRORS.inc()


def value(name: str, **labels: str) -> float:
    """Sum of the current samples called `name` whose labels include `labels` (0 when there is none):
    `value("hnb_updates_total", type="message")`, `value("hnb_job_seconds_count", job="x")`."""
    total = 0.0
    for family in REGISTRY.collect():
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total


def reset() -> None:
    """Zero every metric (tests: the registry lives as long as the process)."""
    for metric in _LABELLED:
        metric.clear()
    for counter in _COUNTERS:
        counter.reset()
    for gauge in _GAUGES:
        gauge.set(0)


# --- hooks called from the rest of the bot (one line each at the call site) ------------------------------

_FAQ_OUTCOMES = {
    "answer": "answered",
    "suggest": "suggested",
    "unknown": "unknown",
    "greeting": "greeting",
    "smalltalk": "smalltalk",
}


def faq_question(kind: str) -> None:
    """A free-text question was decided: kind is FaqReply.kind (answer | suggest | unknown | greeting |
    smalltalk)."""
    FAQ_QUESTIONS.labels(_FAQ_OUTCOMES.get(kind, kind)).inc()


def deliveries(counts: Mapping[str, int]) -> None:
    """Outcomes the delivery worker recorded (its stats keys: sent, blocked, failed, retried, ...)."""
    for result, n in counts.items():
        if n:
            DELIVERIES.labels(str(result)).inc(n)


def rate_limited(source: str = "delivery") -> None:
    RATE_LIMITED.labels(source).inc()
