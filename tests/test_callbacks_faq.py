"""Every button of the FAQ, the tickets and the core flows fits Telegram's 64 bytes with the largest values
it can carry, and a forged number outside the database's range does not unpack."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.config import SUPPORTED_LANGUAGES
from bot.faq.content import CATEGORIES, MAX_SLUG, load_topics
from handlers.callbacks import CancelCb, LangCb, MediaAction, MediaCb, MenuCb
from handlers.core.callbacks import DeleteDataCb
from handlers.faq.callbacks import (
    FaqAction,
    FaqCb,
    TicketAction,
    TicketCb,
    TopicAction,
    UnansweredAction,
    UnansweredCb,
    UnansweredTopicCb,
    WithdrawAction,
    WithdrawCb,
)

BIGGEST_ID = 2**31 - 1
LONGEST_KEY = max([*CATEGORIES, "x" * MAX_SLUG], key=len)


def widest() -> list[CallbackData]:
    return [
        *(FaqCb(action=a, key=LONGEST_KEY, lang="uk", kept=BIGGEST_ID) for a in FaqAction),
        *(UnansweredCb(action=a, row=BIGGEST_ID, page=99_999) for a in UnansweredAction),
        *(
            UnansweredTopicCb(action=a, row=BIGGEST_ID, page=99_999, topic="x" * MAX_SLUG, topic_page=99)
            for a in TopicAction
        ),
        *(TicketCb(action=a, ticket=BIGGEST_ID) for a in TicketAction),
        *(LangCb(code=code) for code in SUPPORTED_LANGUAGES),
        MenuCb(action="subscribe"),
        *(WithdrawCb(action=a, ticket=BIGGEST_ID, lang="uk") for a in WithdrawAction),
        *(MediaCb(action=a, ticket=BIGGEST_ID, lang="uk") for a in MediaAction),
        MenuCb(action="book-papers"),  # "Book counselling on papers" under a photo (handlers/faq/media.py)
        CancelCb(dialog="x" * 48),  # the longest dialog name it takes (bot.wiring.dialogs() are shorter)
        DeleteDataCb(confirm=True),
        DeleteDataCb(confirm=False),
    ]


@pytest.mark.parametrize("data", widest(), ids=lambda d: d.pack())
def test_fits_in_64_bytes_and_round_trips(data: CallbackData) -> None:
    packed = data.pack()
    assert len(packed.encode()) <= 64, packed
    assert type(data).unpack(packed) == data


def test_every_slug_of_the_content_fits() -> None:
    assert all(len(topic.slug) <= MAX_SLUG for topic in load_topics())


@pytest.mark.parametrize(
    "forged",
    [
        f"faq:ask::de:{BIGGEST_ID + 1}",
        "faq:ask::de:-1",
        f"fqu:done:{BIGGEST_ID + 1}:0",
        "fqu:page:0:-3",
        f"tk:close:{BIGGEST_ID + 1}",
        "tk:name:-5",
        "tk:take:5",  # "I'll take it" is handlers.callbacks.TakeCb now (older buttons: parse_take)
        "faq:nope:x:de:0",
    ],
)
def test_forged_numbers_and_actions_do_not_unpack(forged: str) -> None:
    schema = {"faq": FaqCb, "fqu": UnansweredCb, "tk": TicketCb}[forged.split(":")[0]]
    with pytest.raises(ValueError):
        schema.unpack(forged)
