"""Figures: how the bot is doing, for the last 7, 30 or 90 days, as charts (server-rendered SVG) with the
same numbers as tables below each, and the whole as one CSV download (bot/figures/).

Aggregates only, never a person: counts per day, language, topic and week, times as a median. The tables
and the CSV come from one source (bot.figures.tables), so a download says exactly what the page says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from aiohttp import web
from babel.dates import format_skeleton
from babel.numbers import get_decimal_symbol, get_group_symbol
from markupsafe import Markup

from bot.faq.service import faq_for
from bot.faq.stats import Outcome
from bot.figures import charts
from bot.figures.service import RANGES, Figures, for_last_days
from bot.figures.tables import TOTAL, Table, Value, cell, tables, to_csv
from bot.i18n import catalogs
from bot.languages import name_in
from bot.text import N_
from console.web import NavItem, Page, get

DEFAULT_DAYS = 30
TOP_TOPICS = 10  # bars in the topics chart; the table lists every topic

# Headings of the tables' columns and rows that are keys (message ids of the console domain)
COLUMNS = {
    TOTAL: N_("Total"),
    "questions": N_("Questions"),
    "percent": N_("Share (%)"),
    "up": N_("👍 helpful"),
    "down": N_("👎 not helpful"),
    "handed": N_("Handed to a person"),
    "answered": N_("Answered"),
    "waiting": N_("Waiting"),
    "unanswered": N_("Ended without an answer"),
    "median_minutes": N_("Median time to answer (min)"),
    "p90_minutes": N_("9 in 10 answered within (min)"),
    "booked": N_("Booked"),
    "cancelled": N_("Cancelled"),
    "came": N_("Came"),
    "no_show": N_("Did not come"),
    "not_recorded": N_("Not recorded"),
    "day": N_("Day"),
    "topic": N_("Topic"),
    "recipients": N_("Recipients"),
    "delivered": N_("Delivered"),
    "blocked": N_("Blocked the bot"),
    "failed": N_("Failed"),
    "pending": N_("Still sending"),
}
OUTCOMES = {
    Outcome.ANSWER: N_("Answered with confidence"),
    Outcome.EMERGENCY: N_("Emergency numbers"),
    Outcome.SUGGEST: N_("Topics offered to choose from"),
    Outcome.UNKNOWN: N_("No answer"),
}
TITLES = {
    "questions_per_day": N_("Questions per day and language"),
    "outcomes": N_("How questions were answered"),
    "topics": N_("Questions and votes per topic"),
    "handoffs": N_("Questions handed to a person, per week"),
    "bookings": N_("Appointments per week"),
    "broadcasts": N_("Broadcasts"),
}

ROW_HEADINGS = {
    "questions_per_day": N_("Day"),
    "outcomes": N_("Outcome"),
    "topics": N_("Topic"),
    "handoffs": N_("Week"),
    "bookings": N_("Week"),
    "broadcasts": N_("Broadcast"),
}


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[tuple[str, str]]  # (column key, the value as shown)


@dataclass(frozen=True)
class ShownTable:
    key: str
    title: str
    row_heading: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[Row]
    chart: Markup | None = None


def chosen_days(raw: str | None) -> int:
    try:
        days = int(raw or DEFAULT_DAYS)
    except ValueError:
        return DEFAULT_DAYS
    return days if days in RANGES else DEFAULT_DAYS


async def counted(page: Page, days: int) -> Figures:
    """The figures of the last `days`, with this process's latest question counts written first (other
    processes write theirs within bot.faq.stats.FLUSH_SECONDS)."""
    if page.ctx.question_counts is not None:
        await page.ctx.question_counts.flush_before_reading(page.session, page.ctx.sessionmaker)
    return await for_last_days(page.session, page.settings, page.clock, days)


async def show(page: Page) -> web.StreamResponse:
    days = chosen_days(page.request.query.get("days"))
    found = await counted(page, days)
    shown = await _view(page, found)
    return page.render(
        "figures.html",
        days=days,
        ranges=RANGES,
        found=found,
        tables=shown,
        summary=_summary(page, found),
    )


async def download(page: Page) -> web.StreamResponse:
    days = chosen_days(page.request.query.get("days"))
    found = await counted(page, days)
    name = f"figures-{found.period.first.isoformat()}-{found.period.last.isoformat()}.csv"
    return web.Response(
        body=to_csv(tables(found, page.tr.lang)).encode("utf-8-sig"),  # the BOM: spreadsheets read UTF-8
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@lru_cache(maxsize=8)
def _symbols(lang: str) -> dict[int, str]:
    """The language's digit grouping and decimal signs (1.234,5 in German), read once from Babel."""
    return {ord(","): get_group_symbol(locale=lang), ord("."): get_decimal_symbol(locale=lang)}


def _shown(page: Page, value: Value) -> str:
    """A cell as the page shows it: numbers in the page's language (62,5 in German; a share always with
    one decimal, as in the CSV), the rest as is. Python formats and Babel's signs are swapped in: a
    thousand cells cost no more than a millisecond."""
    if isinstance(value, float):
        return f"{value:,.1f}".translate(_symbols(page.tr.lang))
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".translate(_symbols(page.tr.lang))
    return cell(value)


def _short_day(page: Page, day: date) -> str:
    return format_skeleton("MMMd", day, locale=page.tr.lang)


async def _view(page: Page, found: Figures) -> list[ShownTable]:
    _ = page.tr._
    service = await faq_for(page.settings, page.session)
    titles: dict[str, str] = {}
    for topic in found.topics:
        entry = service.entry(topic.slug, page.tr.lang)
        titles[topic.slug] = entry.title if entry is not None else topic.slug
    gettext = catalogs().gettext
    languages = {code: name_in(code, lambda msgid: gettext(page.tr.lang, msgid)) for code in found.languages}

    def heading(table: Table, column: str) -> str:
        if table.key == "questions_per_day" and column in languages:
            return languages[column]
        return _(COLUMNS[column])

    def week(key: str) -> str:
        return _("Week of {day}", day=page.tr.date(date.fromisoformat(key)))

    row_labels: dict[str, Callable[[str], str]] = {
        "questions_per_day": lambda key: page.tr.date(date.fromisoformat(key)),
        "outcomes": lambda key: _(OUTCOMES[Outcome(key)]),
        "topics": lambda key: titles.get(key, key),
        "handoffs": week,
        "bookings": week,
        "broadcasts": lambda key: f"#{key}",
    }
    charts_of = _charts(page, found, titles, languages)
    shown = []
    for table in tables(found, page.tr.lang):
        label = row_labels[table.key]
        shown.append(
            ShownTable(
                key=table.key,
                title=_(TITLES[table.key]),
                row_heading=_(ROW_HEADINGS[table.key]),
                columns=[(column, heading(table, column)) for column in table.columns],
                rows=[
                    Row(
                        key,
                        _("Total") if key == TOTAL else label(key),
                        [(c, _shown(page, v)) for c, v in zip(table.columns, values, strict=True)],
                    )
                    for key, values in table.rows
                ],
                chart=charts_of.get(table.key),
            )
        )
    return shown


def _charts(
    page: Page, found: Figures, titles: dict[str, str], languages: dict[str, str]
) -> dict[str, Markup]:
    """The SVG of each table that has a chart. Texts go in plain (charts.py escapes each one itself)."""

    def plain(msgid: str, /, **values: object) -> str:
        return page.tr._(msgid, **values).unescape()

    def shown(value: float) -> str:  # as the tables write it: 68,9 and 1.234 in German
        return _shown(page, int(value) if float(value).is_integer() else float(value))

    total = found.outcomes.total
    days = [_short_day(page, d.day) for d in found.days]
    weeks = [_short_day(page, w.week) for w in found.handoffs]
    booked = found.bookings
    handoff, booking = found.handoff_total, found.booking_total
    svgs = {
        "questions_per_day": charts.bars(
            "chart-days",
            plain(TITLES["questions_per_day"]),
            plain(N_("Questions: {n}, by the language they were asked in."), n=total),
            days,
            [charts.Series(languages[x], [d.by_lang.get(x, 0) for d in found.days]) for x in found.languages],
            number=shown,
        ),
        "outcomes": charts.hbars(
            "chart-outcomes",
            plain(TITLES["outcomes"]),
            plain(N_("Share of all questions ({n}), in percent."), n=total),
            [plain(OUTCOMES[o]) for o in Outcome],
            [found.outcomes.percent(o) or 0 for o in Outcome],
            unit=" %",
            number=shown,
        ),
        "topics": charts.hbars(
            "chart-topics",
            plain(N_("Most asked topics")),
            plain(N_("Questions answered per topic, the most asked first.")),
            [titles.get(t.slug, t.slug) for t in found.topics[:TOP_TOPICS]],
            [t.questions for t in found.topics[:TOP_TOPICS]],
            number=shown,
        ),
        "handoffs": charts.bars(
            "chart-handoffs",
            plain(TITLES["handoffs"]),
            plain(
                N_("Handed to a person: {n}; answered: {answered}."),
                n=handoff.handed,
                answered=handoff.answered,
            ),
            weeks,
            [
                charts.Series(plain(N_("Answered")), [w.answered for w in found.handoffs]),
                charts.Series(plain(N_("Waiting")), [w.waiting for w in found.handoffs]),
                charts.Series(plain(N_("Ended without an answer")), [w.unanswered for w in found.handoffs]),
            ],
            number=shown,
        ),
        "bookings": charts.bars(
            "chart-bookings",
            plain(TITLES["bookings"]),
            plain(
                N_("Appointments booked: {n}; did not come: {no_show}."),
                n=booking.booked,
                no_show=booking.no_show,
            ),
            [_short_day(page, w.week) for w in booked],
            [
                charts.Series(plain(N_("Came")), [w.came for w in booked]),
                charts.Series(plain(N_("Did not come")), [w.no_show for w in booked]),
                charts.Series(plain(N_("Not recorded")), [w.not_recorded for w in booked]),
                charts.Series(
                    plain(N_("Still ahead")), [w.booked - w.came - w.no_show - w.not_recorded for w in booked]
                ),
                charts.Series(plain(N_("Cancelled")), [w.cancelled for w in booked]),
            ],
            number=shown,
        ),
    }
    # built by bot.figures.charts, which escapes every text itself
    return {key: Markup(svg) for key, svg in svgs.items()}


def _summary(page: Page, found: Figures) -> list[tuple[str, str]]:
    """The few numbers at the top: (what, value)."""
    _ = page.tr._
    share = found.outcomes.percent(Outcome.ANSWER)
    median = found.handoff_total.median_minutes
    return [
        (_("Questions"), _shown(page, found.outcomes.total)),
        (_("Answered with confidence"), "–" if share is None else f"{_shown(page, share)} %"),
        (_("Handed to a person"), _shown(page, found.handoff_total.handed)),
        (_("Median time to answer (min)"), "–" if median is None else _shown(page, median)),
        (_("Appointments"), _shown(page, found.booking_total.booked)),
        (_("Did not come"), _shown(page, found.booking_total.no_show)),
    ]


ROUTES = [get("/figures", show), get("/figures.csv", download)]
NAV = NavItem(
    N_("Figures"),
    "/figures",
    order=40,
    description=N_("Questions, answers, appointments and broadcasts in numbers"),
)
