"""What a capability hands to the reminder mechanism (bot/reminders.py), and the keys of its reminders.

A capability does not queue reminders itself: it offers a *source*, a small function in its own service
module that lists its candidates starting soon (`Due`: the start, since when the candidate exists, who is
reminded, the outbox kind, the typed payload and the row's `ref`). The mechanism decides which reminder is
due and queues it once, with the dedupe key `remind:<kind>:<id>:<recipient>:<hours>`. The cancel paths of
the capabilities withdraw queued reminders with `key_prefix` / `parent_prefix`.

This module sits apart from bot/reminders.py, which imports the sources, so that the sources and the
cancel paths can use it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings

PREFIX = "remind"


class ReminderKind(StrEnum):
    """The kinds of appointment that are reminded of; each has its plan of offsets (bot/reminders.py)."""

    BOOKING = "booking"
    EVENT = "event"
    ASSIGNMENT = "assignment"


@dataclass(frozen=True)
class Recipient:
    user_id: int
    lang: str | None = None  # None: rendered in the reader's language when it is sent


# The payload for one recipient and the offset (hours) being reminded of: the kind's typed payload model,
# dumped as its service has always stored it, so the rows look the same to the renderers.
PayloadFor = Callable[[Recipient, float], dict[str, Any]]


@dataclass(frozen=True)
class Due:
    """One candidate for reminders: a booking, one person's attendance, a taken assignment."""

    kind: ReminderKind
    id: str  # stable for the candidate's life; a new one when it is made again (a new attendance, round)
    starts_at: datetime
    since: datetime  # made / said / claimed: an offset whose time was already past then is not reminded
    recipients: tuple[Recipient, ...]
    outbox_kind: str
    ref: str
    payload: PayloadFor


# A source: (session, settings, now, until) → the candidates whose start is in (now, until].
Source = Callable[[AsyncSession, Settings, datetime, datetime], Awaitable[list[Due]]]


def hours_label(hours: float) -> str:
    """24 → "24", 0.5 → "0.5": the offset as it appears in a key."""
    return f"{hours:g}"


def key(kind: ReminderKind, candidate: str, user_id: int, hours: float) -> str:
    return f"{PREFIX}:{kind}:{candidate}:{user_id}:{hours_label(hours)}"


def key_prefix(kind: ReminderKind, candidate: str) -> str:
    """Every reminder of one candidate (a cancelled booking, an attendance taken back)."""
    return f"{PREFIX}:{kind}:{candidate}:"


def parent_prefix(kind: ReminderKind, parent: int) -> str:
    """Every reminder of the candidates `<parent>.<n>`: all attendances of an event, all rounds of an
    assignment."""
    return f"{PREFIX}:{kind}:{parent}."
