"""Every button of assignments and helper profiles packs to at most 64 bytes (Telegram's limit on
callback_data), with the longest realistic values; forged values outside a field's range do not unpack."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.assignments.options import AREA_KEY, KINDS
from bot.assignments.profiles import PAUSE_DAYS
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
from handlers.callbacks import QuestionTakeCb

MAX_ID = 2**31 - 1
LONGEST_AREA = "x" * 16  # AREA_KEY allows at most 16 characters
LONGEST_KIND = max(KINDS, key=len)
LONGEST_LANGUAGE = max([*HELPER_LANGUAGES, "any"], key=len)


def packed_sizes() -> list[tuple[str, int]]:
    assert AREA_KEY.match(LONGEST_AREA)
    buttons: list[CallbackData] = [AssignmentCb(action=a, assignment=MAX_ID) for a in AssignmentAction]
    buttons += [BoardCb(page=999), QuestionTakeCb(ticket=MAX_ID)]
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
        "asg:take:2147483648",  # beyond the id column
        "asg:take:99999999999999999999",
        "asg:det:-5",
        "asg:steal:5",  # no such action
        "qtk:-5",
        "qtk:2147483648",
        "asb:-1",
        "asn:time:doctor:fa:kirchhorst:20260326:0:99999",  # no such minute
        "prf:pauseset::100000",
    ],
)
def test_forged_values_do_not_unpack(forged: str) -> None:
    schema = {"asg": AssignmentCb, "qtk": QuestionTakeCb, "asb": BoardCb, "asn": NewCb, "prf": ProfileCb}
    with pytest.raises(ValueError):
        schema[forged.split(":")[0]].unpack(forged)  # type: ignore[attr-defined]


def test_values_round_trip() -> None:
    new = NewCb(step=NewStep.TIME, kind="doctor", language="fa", area="kirchhorst", day=20260326, minute=540)
    assert NewCb.unpack(new.pack()) == new
    assert AssignmentCb.unpack("asg:take:5") == AssignmentCb(action=AssignmentAction.TAKE, assignment=5)
    assert ProfileCb.unpack(ProfileCb(action=ProfileAction.PAUSE_FOR, days=7).pack()).days == 7
