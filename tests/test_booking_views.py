"""Booking keyboards stay within Telegram's limits however much the organizers add: every list that can
grow (topics, days, times, schedule rules, a day's slots) is paged, and the pages hold everything."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.booking.admin import DaySlot, DaySummary
from bot.text import Translator
from handlers.booking.callbacks import BookAction, BookCb, PageCb, SlotsAction, SlotsCb
from handlers.booking.slots_views import day_view, home_view
from handlers.booking.steps import days_view, times_view, topics_view

TR = Translator("de")
MAX_BUTTONS = 100  # Telegram refuses an inline keyboard with more


def datas(markup: InlineKeyboardMarkup | None) -> list[str]:
    assert markup is not None
    found = [b.callback_data or "" for row in markup.inline_keyboard for b in row]
    assert len(found) <= MAX_BUTTONS
    return found


def topic(n: int) -> Any:
    return SimpleNamespace(id=n, key=f"t{n}", emoji="💼", names={"de": f"Thema {n}"}, active=True)


def slot_info(n: int, venue: int = 1) -> Any:
    start = datetime(2026, 3, 24, 8, 0, tzinfo=UTC) + timedelta(minutes=10 * n)
    slot = SimpleNamespace(
        id=n, starts_at=start, ends_at=start + timedelta(minutes=10), capacity=1, status="open"
    )
    place = SimpleNamespace(id=venue, name=f"Raum {venue}", address="Musterstraße 1")
    return SimpleNamespace(slot=slot, topic=topic(1), venue=place, counsellor=None, free=1)


def test_topics_are_paged() -> None:
    topics = [topic(n) for n in range(1, 21)]
    seen: list[int] = []
    for page in range(3):
        _text, markup = topics_view(TR, topics, page)
        found = datas(markup)
        picks = [BookCb.unpack(d) for d in found if d.startswith("bk:")]
        seen += [p.topic for p in picks if p.action == BookAction.TOPIC]
        assert BookCb(action=BookAction.STOP).pack() in found  # ✖ on every page
        assert any(d.startswith("bkp:") for d in found)
    assert seen == list(range(1, 21))
    first_page = datas(topics_view(TR, topics, 0)[1])
    assert {PageCb.unpack(d).page for d in first_page if d.startswith("bkp:")} == {0, 1}  # "1/3", "▶"
    _text, few = topics_view(TR, topics[:3], 0)
    assert not any(d.startswith("bkp:") for d in datas(few))  # one page: no pager


def test_days_and_times_are_paged() -> None:
    days = [date(2026, 3, 24) + timedelta(days=n) for n in range(30)]
    shown = []
    for page in range(4):
        found = datas(days_view(TR, topic(1), days, page, moving=0)[1])
        shown += [BookCb.unpack(d).day for d in found if d.startswith("bk:d:")]
        assert all(PageCb.unpack(d).of == BookAction.TOPIC for d in found if d.startswith("bkp:"))
    assert shown == [d.strftime("%Y%m%d") for d in days]

    slots = [slot_info(n) for n in range(1, 61)]
    times = []
    for page in range(3):
        found = datas(times_view(TR, topic(1), date(2026, 3, 24), slots, page, moving=0)[1])
        times += [BookCb.unpack(d).slot for d in found if d.startswith("bk:s:")]
    assert times == list(range(1, 61))
    two_venues = [slot_info(n, venue=n % 2) for n in range(1, 21)]
    found = datas(times_view(TR, topic(1), date(2026, 3, 24), two_venues, 0, moving=0)[1])
    assert len([d for d in found if d.startswith("bk:s:")]) == 8  # one a row when venues differ


def rule(n: int) -> Any:
    return SimpleNamespace(
        id=n,
        kind="weekly",
        weekday=n % 7,
        on_date=None,
        start_time=time(10),
        end_time=time(12),
        slot_minutes=30,
        capacity=1,
        topic_id=1,
        venue_id=1,
        counsellor_id=None,
        active=n % 2 == 0,
    )


def test_slots_rules_and_a_days_slots_are_paged() -> None:
    schedule = {
        "topics": [topic(1)],
        "venues": [],
        "counsellors": [],
        "rules": [rule(n) for n in range(1, 41)],
        "closures": [],
    }
    overview = [DaySummary(date(2026, 3, 24) + timedelta(days=n), 4, 4, 1) for n in range(14)]
    toggled = []
    for page in range(4):
        found = datas(home_view(TR, schedule, overview, page)[1])
        toggled += [SlotsCb.unpack(d).rule for d in found if SlotsCb.unpack(d).action == SlotsAction.RULE]
        assert len([d for d in found if SlotsCb.unpack(d).action == SlotsAction.DAY]) == 14
    assert toggled == list(range(1, 41))

    day_slots = [DaySlot(slot_info(n), 0, cancellable=n != 3) for n in range(1, 31)]
    cancellable = []
    for page in range(4):
        text, markup = day_view(TR, date(2026, 3, 24), day_slots, page)
        assert text.count("\n") == 30  # every slot is listed in the text
        found = datas(markup)
        cancellable += [
            SlotsCb.unpack(d).slot for d in found if SlotsCb.unpack(d).action == SlotsAction.ASK_CANCEL
        ]
    assert cancellable == [n for n in range(1, 31) if n != 3]
