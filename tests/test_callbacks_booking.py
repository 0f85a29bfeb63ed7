"""Booking's buttons: each packs to at most 64 bytes with the largest realistic values; an id outside the
database column's range does not unpack; buttons sent by the bot before the redesign still unpack."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData

from bot import languages
from bot.booking.languages import NOT_NEEDED
from handlers.booking.callbacks import (
    AttendCb,
    BookAction,
    BookCb,
    MyAction,
    MyCb,
    PageCb,
    SlotsAction,
    SlotsCb,
    WaitAction,
    WaitCb,
)

BIG = 2**31 - 1
LONGEST_LANG = max([*languages.INTERPRETER_LANGUAGES, languages.OTHER, NOT_NEEDED], key=len)


def longest(enum: type) -> object:
    return max(enum, key=lambda member: len(member.value))


LARGEST: list[CallbackData] = [
    BookCb(action=longest(BookAction), topic=BIG, slot=BIG, booking=BIG, day="20991231", lang=LONGEST_LANG),
    MyCb(action=longest(MyAction), booking=BIG),
    WaitCb(action=longest(WaitAction), topic=BIG, entry=BIG, slot=BIG, lang=LONGEST_LANG),
    PageCb(of=longest(BookAction), page=999, topic=BIG, booking=BIG, day="20991231"),
    SlotsCb(action=longest(SlotsAction), rule=BIG, slot=BIG, day="2099-12-31", on=True, page=999),
    AttendCb(booking=BIG, came=False),
]


@pytest.mark.parametrize("data", LARGEST, ids=lambda d: type(d).__name__)
def test_every_button_fits_in_64_bytes(data: CallbackData) -> None:
    packed = data.pack()
    assert len(packed.encode()) <= 64, packed
    assert type(data).unpack(packed) == data


@pytest.mark.parametrize(
    ("schema", "forged"),
    [
        (BookCb, "bk:c:0:2147483648:0::-"),
        (BookCb, "bk:m:0:5:-1::"),
        (MyCb, "mb:xx:2147483648"),
        (MyCb, "mb:y:-7"),
        (WaitCb, "wl:take:0:99999999999:1:"),
        (PageCb, "bkp:t:1000:1:0:"),
        (SlotsCb, "sl:cxx:0:2147483648::0:0"),
        (AttendCb, "ba:2147483648:1"),
        (BookCb, "bk:d:1:0:0:2026-03-24:"),  # not a day code
        (BookCb, "bk:zz:0:0:0::"),  # no such action
    ],
)
def test_forged_values_do_not_unpack(schema: type[CallbackData], forged: str) -> None:
    with pytest.raises(ValueError):
        schema.unpack(forged)


@pytest.mark.parametrize(
    ("packed", "expected"),
    [
        ("mb:y:42", MyCb(action=MyAction.WILL_COME, booking=42)),
        ("mb:x:42", MyCb(action=MyAction.ASK_CANCEL, booking=42)),
        ("wl:take:0:7:9:", WaitCb(action=WaitAction.TAKE, entry=7, slot=9)),
        ("wl:no:0:7:0:", WaitCb(action=WaitAction.DECLINE, entry=7)),
        ("wl:ask:3:0:0:", WaitCb(action=WaitAction.ASK, topic=3)),
        ("bk:t:3:0:0::", BookCb(action=BookAction.TOPIC, topic=3)),
        ("bk:c:0:12:0::ar", BookCb(action=BookAction.CONFIRM, slot=12, lang="ar")),
    ],
)
def test_buttons_already_in_chats_still_work(packed: str, expected: CallbackData) -> None:
    """Reminders, offers and cancellations wait in chats across an update: same prefix, fields, values."""
    assert type(expected).unpack(packed) == expected
    assert expected.pack() == packed
