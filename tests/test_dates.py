"""Dates and times typed by organizers (bot/broadcast/dates.py): German and English, relative to `now`, in
Europe/Berlin, refused with a reason when they cannot be used; and how the bot offers them as quick picks
and explains a refusal (handlers/when.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.broadcast import dates
from bot.broadcast.dates import DateError, DateProblem
from bot.text import FSI, Translator
from handlers.when import day_label, from_minute, pick_label, problem_text, to_minute

BERLIN = ZoneInfo("Europe/Berlin")
# Thursday, 3 December 2026, 18:00 in Berlin (winter time, UTC+1).
NOW = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("morgen 9 Uhr", local(2026, 12, 4, 9, 0)),
        ("morgen 9:30", local(2026, 12, 4, 9, 30)),
        ("Morgen um 9", local(2026, 12, 4, 9, 0)),
        ("übermorgen 18 Uhr", local(2026, 12, 5, 18, 0)),
        ("uebermorgen 18h", local(2026, 12, 5, 18, 0)),
        ("Samstag 10 Uhr", local(2026, 12, 5, 10, 0)),
        ("am Samstag um 10 Uhr", local(2026, 12, 5, 10, 0)),
        ("Sa 10:00", local(2026, 12, 5, 10, 0)),
        ("Sa. 10.00", local(2026, 12, 5, 10, 0)),
        ("Mo 9:00", local(2026, 12, 7, 9, 0)),
        ("5.12. 9:00", local(2026, 12, 5, 9, 0)),
        ("5.12 9:00", local(2026, 12, 5, 9, 0)),
        ("Sa 5.12. 9:00", local(2026, 12, 5, 9, 0)),
        ("5.12.2026 18:00", local(2026, 12, 5, 18, 0)),
        ("04.12.2026 18:00", local(2026, 12, 4, 18, 0)),
        ("4.12.26 18.00", local(2026, 12, 4, 18, 0)),
        ("04.12.2026, 18:00 Uhr", local(2026, 12, 4, 18, 0)),
        ("5. Dezember 10 Uhr", local(2026, 12, 5, 10, 0)),
        ("2026-12-24 18:00", local(2026, 12, 24, 18, 0)),
        ("heute 18:30", local(2026, 12, 3, 18, 30)),
        ("heute 21 Uhr 30", local(2026, 12, 3, 21, 30)),
        ("19:15", local(2026, 12, 3, 19, 15)),  # a time alone: today
        ("tomorrow 9am", local(2026, 12, 4, 9, 0)),
        ("tomorrow 9 am", local(2026, 12, 4, 9, 0)),
        ("tomorrow at 9:30 p.m.", local(2026, 12, 4, 21, 30)),
        ("tomorrow 12pm", local(2026, 12, 4, 12, 0)),
        ("tomorrow 12am", local(2026, 12, 4, 0, 0)),
        ("saturday 10:00", local(2026, 12, 5, 10, 0)),
        ("on Saturday at 10", local(2026, 12, 5, 10, 0)),
        ("Dec 5 10am", local(2026, 12, 5, 10, 0)),
        ("5th December 10am", local(2026, 12, 5, 10, 0)),
        ("in 2 Stunden", local(2026, 12, 3, 20, 0)),
        ("in einer Stunde", local(2026, 12, 3, 19, 0)),
        ("in einer halben Stunde", local(2026, 12, 3, 18, 30)),
        ("in 30 minutes", local(2026, 12, 3, 18, 30)),
        ("in 90 Minuten", local(2026, 12, 3, 19, 30)),
        ("in an hour", local(2026, 12, 3, 19, 0)),
        ("in 3 Tagen 10 Uhr", local(2026, 12, 6, 10, 0)),
        ("Donnerstag 19 Uhr", local(2026, 12, 3, 19, 0)),  # today is Thursday, 19:00 still ahead
        ("Do 10:00", local(2026, 12, 10, 10, 0)),  # Thursday 10:00 has passed: next week's
        ("nächsten Donnerstag 19 Uhr", local(2026, 12, 10, 19, 0)),  # "next": never today
        ("next friday 8pm", local(2026, 12, 4, 20, 0)),
        ("٥.١٢. ٩:٠٠", local(2026, 12, 5, 9, 0)),  # Arabic-Indic digits
        ("۵.۱۲. ۹:۰۰", local(2026, 12, 5, 9, 0)),  # Persian digits
    ],
)
def test_moments_typed_in_german_and_english(typed: str, expected: datetime) -> None:
    assert dates.moment(typed, NOW, BERLIN) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("heute 17:30", DateProblem.PAST),
        ("2.12. 10:00", DateProblem.PAST),  # yesterday: a slip, not next year
        ("04.12.2025 18:00", DateProblem.PAST),
        ("at 5pm", DateProblem.PAST),
        ("31.02. 10:00", DateProblem.NO_SUCH_DAY),
        ("31.11.2026 10:00", DateProblem.NO_SUCH_DAY),
        ("5.13. 10:00", DateProblem.NO_SUCH_DAY),
        ("morgen 25:00", DateProblem.NO_SUCH_TIME),
        ("morgen 9:75", DateProblem.NO_SUCH_TIME),
        ("tomorrow 13pm", DateProblem.NO_SUCH_TIME),
        ("morgen", DateProblem.NO_TIME),
        ("Samstag", DateProblem.NO_TIME),
        ("5.12.", DateProblem.NO_TIME),
        ("5.12", DateProblem.NO_TIME),
        ("Dec 5", DateProblem.NO_TIME),
        ("quatsch", DateProblem.UNREADABLE),
        ("", DateProblem.UNREADABLE),
        ("9", DateProblem.UNREADABLE),
        ("irgendwann nächste Woche", DateProblem.UNREADABLE),
        ("morgen früh", DateProblem.UNREADABLE),
        ("in 2 Jahren", DateProblem.UNREADABLE),
    ],
)
def test_what_cannot_be_used_is_refused_with_a_reason(typed: str, problem: DateProblem) -> None:
    with pytest.raises(DateError) as refused:
        dates.moment(typed, NOW, BERLIN)
    assert refused.value.problem is problem


def test_a_date_without_year_wraps_into_next_year_in_december() -> None:
    assert dates.moment("5.1. 10:00", NOW, BERLIN) == local(2027, 1, 5, 10, 0)
    assert dates.moment("2. Januar 9 Uhr", NOW, BERLIN) == local(2027, 1, 2, 9, 0)
    new_years_eve = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # 23:00 in Berlin
    assert dates.moment("morgen 10 Uhr", new_years_eve, BERLIN) == local(2027, 1, 1, 10, 0)
    assert dates.moment("in 2 Stunden", new_years_eve, BERLIN) == local(2027, 1, 1, 1, 0)
    assert dates.moment("Sa 10:00", new_years_eve, BERLIN) == local(2027, 1, 2, 10, 0)


def test_29_february_is_the_next_leap_years() -> None:
    assert dates.moment("29.2. 10:00", NOW, BERLIN) == local(2028, 2, 29, 10, 0)
    with pytest.raises(DateError):
        dates.moment("29.2.2027 10:00", NOW, BERLIN)


def test_clocks_going_forward_and_back() -> None:
    saturday = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)  # the clocks go forward on Sunday 28 March
    assert dates.moment("morgen 9 Uhr", saturday, BERLIN) == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # UTC+2
    assert dates.moment("heute 20 Uhr", saturday, BERLIN) == datetime(2027, 3, 27, 19, 0, tzinfo=UTC)  # UTC+1
    with pytest.raises(DateError) as gap:
        dates.moment("morgen 2:30", saturday, BERLIN)
    assert gap.value.problem is DateProblem.CLOCK_CHANGE
    # "in 24 Stunden" is a duration: from 13:00 on Saturday 24 real hours are 14:00 on Sunday's clock
    assert dates.moment("in 24 Stunden", saturday, BERLIN) == datetime(2027, 3, 28, 12, 0, tzinfo=UTC)
    autumn = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # the clocks go back on Sunday 25 October
    assert dates.moment("morgen 9 Uhr", autumn, BERLIN) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # UTC+1
    # 02:30 happens twice that night: the first one (summer time) is meant
    assert dates.moment("morgen 2:30", autumn, BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_read_keeps_a_day_without_time() -> None:
    assert dates.read("Samstag", NOW, BERLIN) == dates.When(date(2026, 12, 5))
    assert dates.read("morgen 14 Uhr", NOW, BERLIN) == dates.When(date(2026, 12, 4), time(14, 0))
    assert dates.read("20:00", NOW, BERLIN, base_day=date(2026, 12, 9)) == dates.When(
        date(2026, 12, 9), time(20)
    )


def test_end_of_an_event() -> None:
    start = local(2026, 12, 5, 18, 0)
    assert dates.parse_end("20:00", start, BERLIN) == local(2026, 12, 5, 20, 0)
    assert dates.parse_end("20 Uhr", start, BERLIN) == local(2026, 12, 5, 20, 0)
    assert dates.parse_end("in 2 Stunden", start, BERLIN) == local(2026, 12, 5, 20, 0)
    assert dates.parse_end("6.12. 1:00", start, BERLIN) == local(2026, 12, 6, 1, 0)
    assert dates.parse_end("später", start, BERLIN) is None


def test_quick_picks_are_computed_from_now() -> None:
    picks = dates.quick_picks(NOW, BERLIN)  # Thursday 18:00: today's evening has begun
    assert [(p.at, p.days_ahead) for p in picks] == [
        (local(2026, 12, 4, 9, 0), 1),
        (local(2026, 12, 4, 18, 0), 1),
        (local(2026, 12, 5, 10, 0), 2),
        (local(2026, 12, 7, 9, 0), 4),
    ]
    morning = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # Friday 9:00: Saturday is tomorrow
    picks = dates.quick_picks(morning, BERLIN)
    assert [p.at for p in picks] == [
        local(2026, 12, 4, 18, 0),
        local(2026, 12, 5, 9, 0),
        local(2026, 12, 5, 10, 0),
        local(2026, 12, 5, 18, 0),
    ]
    assert [p.days_ahead for p in picks] == [0, 1, 1, 1]
    late = datetime(2026, 12, 4, 16, 45, tzinfo=UTC)  # 17:45: 18:00 is too close to offer
    assert dates.quick_picks(late, BERLIN)[0].at == local(2026, 12, 5, 9, 0)


def test_quick_picks_skip_a_time_the_clocks_jump_over() -> None:
    saturday = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
    picks = dates.quick_picks(saturday, BERLIN, ((1, 2, 30), (1, 9, 0)))
    assert [p.at for p in picks] == [datetime(2027, 3, 28, 7, 0, tzinfo=UTC)]


def test_check_future() -> None:
    assert dates.check_future(NOW + timedelta(minutes=1), NOW) == NOW + timedelta(minutes=1)
    with pytest.raises(DateError):
        dates.check_future(NOW, NOW)


# --- how the bot offers and explains them (handlers/when.py) --------------------------------------------------
def test_quick_pick_labels_in_the_readers_language() -> None:
    de, ar = Translator("de"), Translator("ar")
    assert pick_label(de, local(2026, 12, 3, 19, 0), NOW) == de._("Today {time}", time="19:00")
    assert pick_label(de, local(2026, 12, 4, 9, 0), NOW) == de._("Tomorrow {time}", time="09:00")
    assert pick_label(de, local(2026, 12, 5, 10, 0), NOW) == "Samstag 10:00"
    assert pick_label(de, local(2026, 12, 12, 10, 0), NOW).startswith("Sa., 12. Dez.")
    assert FSI in pick_label(ar, local(2026, 12, 5, 10, 0), NOW)  # the time isolated in right-to-left text
    assert [day_label(de, date(2026, 12, d), date(2026, 12, 3)) for d in (3, 4, 5)] == [
        de._("Today"),
        de._("Tomorrow"),
        "Samstag",
    ]
    assert day_label(Translator("uk"), date(2026, 12, 5), date(2026, 12, 3)) == "Субота"
    at = local(2026, 12, 5, 10, 0)
    assert from_minute(to_minute(at)) == at


@pytest.mark.parametrize("problem", list(DateProblem))
def test_every_refusal_has_its_own_sentence(problem: DateProblem) -> None:
    tr = Translator("de")
    others = {problem_text(tr, p) for p in DateProblem if p is not problem}
    assert problem_text(tr, problem) not in others
