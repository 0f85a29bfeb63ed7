"""Every button of assignments and helper profiles packs to at most 64 bytes (Telegram's limit on
callback_data), with the longest realistic values; forged values outside a field's range do not unpack."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.assignments.options import AREA_KEY, KINDS
from bot.assignments.profiles import PAUSE_DAYS
from bot.claims import Handed
from bot.languages import HELPER_LANGUAGES
from handlers.assignments.callbacks import (
    AssignmentAction,
    AssignmentCb,
    BoardCb,
    NewCb,
    NewStep,
    ProfileAction,
    ProfileCb,
)
from handlers.callbacks import TakeCb, Via, parse_take

MAX_ID = 2**31 - 1
LONGEST_AREA = "x" * 16  # AREA_KEY allows at most 16 characters
LONGEST_KIND = max(KINDS, key=len)
LONGEST_LANGUAGE = max([*HELPER_LANGUAGES, "any"], key=len)


def packed_sizes() -> list[tuple[str, int]]:
    assert AREA_KEY.match(LONGEST_AREA)
    buttons: list[CallbackData] = [AssignmentCb(action=a, assignment=MAX_ID) for a in AssignmentAction]
    buttons += [BoardCb(page=999)]
    buttons += [TakeCb(kind=kind, item=MAX_ID, via=via) for kind in Handed for via in Via]
    buttons += [
        NewCb(
            step=step,
            kind=LONGEST_KIND,
            language=LONGEST_LANGUAGE,
            area=LONGEST_AREA,
            day=20991231,
            flexible=True,
            minute=23 * 60 + 30,
        )
        for step in NewStep
    ]
    buttons += [ProfileCb(action=a, key=LONGEST_AREA, days=max(PAUSE_DAYS)) for a in ProfileAction]
    return [(b.pack(), len(b.pack().encode())) for b in buttons]


def test_every_button_fits_in_64_bytes() -> None:
    for data, size in packed_sizes():
        assert size <= 64, data


@pytest.mark.parametrize(
    "forged",
    [
        "asg:det:2147483648",  # beyond the id column
        "asg:det:99999999999999999999",
        "asg:det:-5",
        "asg:steal:5",  # no such action
        "take:a:-5:p",
        "take:q:2147483648:l",
        "take:x:5:l",  # nothing of that kind
        "asb:-1",
        "asn:time:doctor:fa:kirchhorst:20260326:0:99999",  # no such minute
        "prf:pauseset::100000",
    ],
)
def test_forged_values_do_not_unpack(forged: str) -> None:
    schema = {"asg": AssignmentCb, "take": TakeCb, "asb": BoardCb, "asn": NewCb, "prf": ProfileCb}
    with pytest.raises(ValueError):
        schema[forged.split(":")[0]].unpack(forged)  # type: ignore[attr-defined]


def test_values_round_trip() -> None:
    new = NewCb(step=NewStep.TIME, kind="doctor", language="fa", area="kirchhorst", day=20260326, minute=540)
    assert NewCb.unpack(new.pack()) == new
    assert AssignmentCb.unpack("asg:det:5") == AssignmentCb(action=AssignmentAction.DETAILS, assignment=5)


@pytest.mark.parametrize(
    ("data", "meant"),
    [
        ("take:a:5:p", TakeCb(kind=Handed.ASSIGNMENT, item=5, via=Via.ALERT)),
        # buttons sent before the one schema, still waiting in chats
        ("asg:take:5", TakeCb(kind=Handed.ASSIGNMENT, item=5, via=Via.ALERT)),
        ("asg:pick:6", TakeCb(kind=Handed.ASSIGNMENT, item=6, via=Via.LIST)),
        ("qtk:7", TakeCb(kind=Handed.QUESTION, item=7, via=Via.LIST)),
        ("tk:take:8", TakeCb(kind=Handed.QUESTION, item=8, via=Via.GROUP)),
        ("asg:take:2147483648", None),
        ("qtk:-5", None),
        ("tk:take:x", None),
        ("asg:det:5", None),
    ],
)
def test_one_take_schema_also_reads_older_buttons(data: str, meant: TakeCb | None) -> None:
    assert parse_take(data) == meant
    assert ProfileCb.unpack(ProfileCb(action=ProfileAction.PAUSE_FOR, days=7).pack()).days == 7
