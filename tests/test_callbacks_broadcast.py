"""Every button of broadcasts, topics, subscriptions and events fits Telegram's 64 bytes with the longest
values it can carry, and a forged press (an id beyond the column, a language we do not have) does not
unpack, so it ends as a stale button instead of reaching a handler."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.config import SUPPORTED_LANGUAGES
from bot.users import ROLES
from handlers.broadcast.callbacks import (
    AudienceCb,
    BroadcastAction,
    BroadcastCb,
    DraftTopicCb,
    EvCb,
    EventAction,
    EventTopicCb,
    PageCb,
    Screen,
    SubAction,
    SubCb,
    TopicAction,
    TopicCb,
)

MAX_ID = 2**31 - 1  # the largest id of an Integer column
LONGEST_LANG = max(SUPPORTED_LANGUAGES, key=len)
LONGEST_ROLE = max(ROLES, key=len)


def every_button() -> list[CallbackData]:
    return [
        *(BroadcastCb(action=a, broadcast=MAX_ID, lang=LONGEST_LANG) for a in BroadcastAction),
        AudienceCb(broadcast=MAX_ID, lang=LONGEST_LANG, role=LONGEST_ROLE),
        DraftTopicCb(broadcast=MAX_ID, topic=MAX_ID),
        *(TopicCb(action=a, topic=MAX_ID, lang=LONGEST_LANG) for a in TopicAction),
        *(SubCb(action=a, topic=MAX_ID) for a in SubAction),
        *(EvCb(action=a, event=MAX_ID, lang=LONGEST_LANG) for a in EventAction),
        EventTopicCb(topic=MAX_ID),
        *(PageCb(screen=s, page=999, broadcast=MAX_ID) for s in Screen),
    ]


@pytest.mark.parametrize("data", every_button(), ids=lambda d: f"{type(d).__name__}")
def test_every_button_fits_64_bytes_and_unpacks_again(data: CallbackData) -> None:
    packed = data.pack()
    assert len(packed.encode()) <= 64, packed
    assert type(data).unpack(packed) == data


@pytest.mark.parametrize(
    ("schema", "forged"),
    [
        (BroadcastCb, f"bc:preview:{MAX_ID + 1}:"),
        (BroadcastCb, "bc:preview:-1:"),
        (BroadcastCb, "bc:tl:7:xx"),  # not one of our languages
        (BroadcastCb, "bc:nuke:7:"),  # not an action
        (AudienceCb, "bca:7::admin"),  # not a role
        (DraftTopicCb, f"bct:7:{MAX_ID + 1}"),
        (TopicCb, "tp:name:3:klingon"),
        (SubCb, f"sub:b:{MAX_ID + 1}"),
        (EvCb, f"ev:go:{2**63}:"),
        (EvCb, "ev:go:1e3:"),
        (EventTopicCb, "evt:-5"),
        (PageCb, "bcpg:ev:1000:0"),
    ],
)
def test_forged_values_do_not_unpack(schema: type[CallbackData], forged: str) -> None:
    with pytest.raises((TypeError, ValueError)):
        schema.unpack(forged)


def test_buttons_sent_before_the_redesign_still_unpack() -> None:
    """Cards, broadcasts, reminders and held-broadcast questions already in people's chats."""
    assert EvCb.unpack("ev:bgo:3:") == EvCb(action=EventAction.GO_UNDER, event=3)
    assert EvCb.unpack("ev:bno:1:") == EvCb(action=EventAction.NO_UNDER, event=1)
    assert SubCb.unpack("sub:b:1") == SubCb(action=SubAction.UNDER_BROADCAST, topic=1)
    assert BroadcastCb.unpack("bc:release:7:") == BroadcastCb(action=BroadcastAction.RELEASE, broadcast=7)
