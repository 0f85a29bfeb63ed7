"""The figures as tables: what the console's page shows under its charts and what its CSV holds, built
once here so the two can never differ.

A table has a key, column keys and rows (a row key and one value per column); the page translates the keys
into headings, the CSV keeps them as they are. The CSV is long ("tidy"): one line per cell,
`table,row,column,value`, which any spreadsheet pivots back into the tables.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.faq.stats import Outcome
from bot.figures.service import BookingWeek, Figures, HandoffWeek

Value = int | float | str | None
TOTAL = "total"

HANDOFF_COLUMNS = ("handed", "answered", "waiting", "unanswered", "median_minutes", "p90_minutes")
BOOKING_COLUMNS = ("booked", "cancelled", "came", "no_show", "not_recorded")
BROADCAST_COLUMNS = ("day", "topic", "recipients", "delivered", "blocked", "failed", "pending")
CSV_HEADER = ("table", "row", "column", "value")


@dataclass(frozen=True)
class Table:
    key: str
    columns: tuple[str, ...]
    rows: list[tuple[str, tuple[Value, ...]]]

    def value(self, row: str, column: str) -> Value:
        values = dict(self.rows)[row]
        return values[self.columns.index(column)]


def tables(figures: Figures, lang: str = "de") -> list[Table]:
    """Every table of the page, in its order. FAQ topics are their slugs (the page shows each one's title
    beside it); a broadcast's topic is its name in `lang`, or the first name it has."""
    langs = figures.languages
    per_day = Table(
        "questions_per_day",
        (*langs, TOTAL),
        [(d.day.isoformat(), (*(d.by_lang.get(x, 0) for x in langs), d.total)) for d in figures.days],
    )
    per_day.rows.append(
        (TOTAL, (*(sum(d.by_lang.get(x, 0) for d in figures.days) for x in langs), figures.outcomes.total))
    )
    outcomes = Table(
        "outcomes",
        ("questions", "percent"),
        [(o.value, (figures.outcomes.counts[o], figures.outcomes.percent(o))) for o in Outcome],
    )
    outcomes.rows.append((TOTAL, (figures.outcomes.total, 100.0 if figures.outcomes.total else None)))
    topics = Table(
        "topics", ("questions", "up", "down"), [(t.slug, (t.questions, t.up, t.down)) for t in figures.topics]
    )
    handoffs = Table(
        "handoffs",
        HANDOFF_COLUMNS,
        [
            *((w.week.isoformat(), _handoff(w)) for w in figures.handoffs),
            (TOTAL, _handoff(figures.handoff_total)),
        ],
    )
    bookings = Table(
        "bookings",
        BOOKING_COLUMNS,
        [
            *((w.week.isoformat(), _booking(w)) for w in figures.bookings),
            (TOTAL, _booking(figures.booking_total)),
        ],
    )
    broadcasts = Table(
        "broadcasts",
        BROADCAST_COLUMNS,
        [
            (
                str(b.id),
                (
                    b.day.isoformat(),
                    b.topic_names.get(lang) or next(iter(b.topic_names.values()), ""),
                    b.recipients,
                    b.delivered,
                    b.blocked,
                    b.failed,
                    b.pending,
                ),
            )
            for b in figures.broadcasts
        ],
    )
    return [per_day, outcomes, topics, handoffs, bookings, broadcasts]


def _handoff(week: HandoffWeek) -> tuple[Value, ...]:
    return tuple(getattr(week, column) for column in HANDOFF_COLUMNS)


def _booking(week: BookingWeek) -> tuple[Value, ...]:
    return tuple(getattr(week, column) for column in BOOKING_COLUMNS)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula


def cell(value: Value) -> str:
    """A value as the CSV and the page write it: empty for none, one decimal for a share; a text an
    organizer typed (a topic's name) that a spreadsheet would take for a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return str(value)


def to_csv(found: list[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for table in found:
        for row, values in table.rows:
            for column, value in zip(table.columns, values, strict=True):
                writer.writerow((table.key, row, column, cell(value)))
    return out.getvalue()


def from_csv(text: str) -> dict[tuple[str, str, str], str]:
    """(table, row, column) -> value of a CSV written by to_csv (for tests and for checking a download)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    if tuple(header) != CSV_HEADER:
        raise ValueError(f"not a figures CSV: {header}")
    return {(t, r, c): v for t, r, c, v in reader}
