"""The buttons of broadcasts, topics, subscriptions and events (each packs to at most 64 bytes;
tests/test_callbacks_broadcast.py checks it). Every press is checked again on the server: the role
(flags), and in the service whether the broadcast, topic or event still exists and may be changed.

Ids, languages and roles are validated when a press is unpacked: a forged value (an id beyond the
column's range, a language we do not have) matches no handler and ends as a stale button.

The action values and the field order of `EvCb`, `SubCb` and `BroadcastCb` are the ones cards, broadcasts,
reminders and held-broadcast questions were always sent with, so a button that waited in a chat across an
update still works.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import AfterValidator, Field

from bot.broadcast.events import MAX_PARTY
from bot.config import SUPPORTED_LANGUAGES
from bot.users import ROLES
from handlers.callbacks import RowId


def _language(code: str) -> str:
    if code and code not in SUPPORTED_LANGUAGES:
        raise ValueError(f"not a language: {code!r}")
    return code


def _role(role: str) -> str:
    if role and role not in ROLES:
        raise ValueError(f"not a role: {role!r}")
    return role


Language = Annotated[str, AfterValidator(_language)]  # "" when the action needs none
Role = Annotated[str, AfterValidator(_role)]
PageNo = Annotated[int, Field(ge=0, le=999)]


# --- broadcasts -------------------------------------------------------------------------------------------
class BroadcastAction(StrEnum):
    WRITE = "write"  # the audience is chosen: ask for the text
    OVERVIEW = "ov"  # the texts per language
    TRANSLATE = "tl"  # type the translation for `lang`
    MACHINE = "mt"  # machine-translate `lang`
    MACHINE_ALL = "mtall"  # machine-translate every language still without a text
    ORIGINAL = "orig"  # `lang` gets the original after all
    SOURCE = "src"  # "the original is in another language"
    SOURCE_SET = "srcset"  # ... it is in `lang`
    PREVIEW = "preview"
    NOW = "now"
    WHEN = "when"
    CONFIRM = "ok"
    DROP = "drop"  # discard the draft
    CANCEL = "cancel"  # a planned or held broadcast: "cancel it?"
    CANCEL_YES = "cancelok"
    KEEP = "keep"
    RELEASE = "release"  # a held broadcast: send it now


class BroadcastCb(CallbackData, prefix="bc"):
    action: BroadcastAction
    broadcast: RowId
    lang: Language = ""


class AudienceCb(CallbackData, prefix="bca"):
    """Switch one language or one role of a draft's audience on or off."""

    broadcast: RowId
    lang: Language = ""
    role: Role = ""


class DraftTopicCb(CallbackData, prefix="bct"):
    """The topic of a new broadcast."""

    broadcast: RowId
    topic: RowId


# --- topics (organizers) ------------------------------------------------------------------------------------
class TopicAction(StrEnum):
    LIST = "list"
    EDIT = "edit"
    HIDE = "hide"
    SHOW = "show"
    NEW = "new"
    NAME = "name"  # type the name in `lang`
    MACHINE = "mtall"  # machine-translate the missing names


class TopicCb(CallbackData, prefix="tp"):
    action: TopicAction
    topic: RowId = 0
    lang: Language = ""


# --- subscriptions ------------------------------------------------------------------------------------------
class SubAction(StrEnum):
    TOGGLE = "t"  # in the /subscribe list
    DONE = "done"  # close the list
    UNDER_BROADCAST = "b"  # the "stop news" button under a broadcast


class SubCb(CallbackData, prefix="sub"):
    action: SubAction
    topic: RowId = 0


# --- events -------------------------------------------------------------------------------------------------
class EventAction(StrEnum):
    GO = "go"  # "I'll come" on an event card (the card is shown again)
    NO = "no"  # "I can't come" on an event card
    GO_UNDER = "bgo"  # the same under a broadcast or a reminder (only the button changes)
    NO_UNDER = "bno"
    ANNOUNCE = "ann"  # organizers: announce to the topic's subscribers
    CANCEL = "del"  # organizers: "cancel the event?"
    CANCEL_YES = "delok"
    KEEP = "keep"
    NEW = "new"  # organizers: create an event
    NO_LIMIT = "ncap"  # the new event has no limit of places
    LANGUAGE = "nlang"  # "title and text are in another language"
    LANGUAGE_SET = "nlangset"  # ... in `lang`
    SAVE = "nsave"
    DROP = "ndrop"


class EvCb(CallbackData, prefix="ev"):
    action: EventAction
    event: RowId = 0
    lang: Language = ""


class EvPeopleCb(CallbackData, prefix="evp"):
    """How many people come with a registration (after "I'll come"); 0 is "back". `under`: 1 when asked
    under a broadcast or reminder (only the buttons change there), 0 on an event card."""

    event: RowId
    people: Annotated[int, Field(ge=0, le=MAX_PARTY)]
    under: Annotated[int, Field(ge=0, le=1)] = 0


class EventTopicCb(CallbackData, prefix="evt"):
    """The topic of a new event."""

    topic: RowId


# --- turning the page of a list -----------------------------------------------------------------------------
class Screen(StrEnum):
    SUBSCRIBE = "sub"  # the topics to subscribe to
    DRAFT_TOPICS = "bct"  # the topics of a new broadcast
    TOPICS = "tp"  # /topics
    EVENT_TOPICS = "evt"  # the topics of a new event
    EVENTS = "ev"  # /events
    PLANNED = "bcs"  # /broadcasts


class PageCb(CallbackData, prefix="bcpg"):
    screen: Screen
    page: PageNo
    broadcast: RowId = 0  # the draft, for DRAFT_TOPICS
