"""Taking what was handed to a person: one mechanism for everything a helper takes — a question from the
FAQ (bot.tickets), an assignment (bot.assignments.claiming); voice notes and photos will be questions too.

- one claim: `claim` changes the row from open to taken in one conditional UPDATE
  (storage.repositories.claims.update_if), so of several helpers pressing at the same moment exactly one
  wins, on SQLite and PostgreSQL alike; pressing again on what one took already is harmless (MINE);
- one outcome type: `Outcome`, for every press of a helper (take, not this time, hand back, done, close);
- one callback schema: `handlers.callbacks.TakeCb(kind=Handed…, item=…, via=…)` on every "I'll take it".

What is taken keeps its own texts and rules on top (who is alerted, what the winner learns, what the
others' messages say): the capabilities call `claim` and act on its result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.users import HELPER, Person, has_role
from storage.repositories import claims as repo

T = TypeVar("T")


class Outcome(StrEnum):
    """What became of a helper's press."""

    WON = "won"  # the first claim: it is yours
    MINE = "mine"  # you had taken it already
    TAKEN = "taken"  # someone else was quicker
    CLOSED = "closed"  # done, closed or cancelled (for "done": you closed it already)
    GONE = "gone"  # no such thing (any more)
    REFUSED = "refused"  # not a helper
    OK = "ok"
    NOT_YOURS = "not_yours"
    TOO_LATE = "too_late"  # the appointment has begun: no handing back any more
    TOO_EARLY = "too_early"  # its day has not come yet: not done before it happened


class Handed(StrEnum):
    """What can be handed to a person (the `kind` of `handlers.callbacks.TakeCb`)."""

    QUESTION = "q"  # a ticket of bot.tickets
    ASSIGNMENT = "a"  # bot.assignments


@dataclass(frozen=True)
class Takeable(Generic[T]):
    """How rows of one table are taken: `status` goes from `open` to `taken`, `taker` and `taken_at` are
    set (and `extra`)."""

    model: type[T]
    taker: str
    taken_at: str
    open: str = "open"
    taken: str = "taken"
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimResult(Generic[T]):
    outcome: Outcome
    item: T | None = None
    details: str | None = None  # what only the one who took it may see (an assignment's address)


async def claim(
    session: AsyncSession, what: Takeable[T], item_id: int, person: Person, now: datetime
) -> ClaimResult[T]:
    """`person` takes the item if nobody did before: WON; MINE (theirs already), TAKEN (someone else's),
    CLOSED (not open any more), GONE (no such item), REFUSED (not a helper)."""
    if not has_role(person, HELPER):
        return ClaimResult(Outcome.REFUSED)
    model: Any = what.model
    won = await repo.update_if(
        session,
        model,
        item_id,
        [model.status == what.open],
        {"status": what.taken, what.taker: person.id, what.taken_at: now, **what.extra},
    )
    item = await repo.current(session, what.model, item_id)
    if item is None:
        return ClaimResult(Outcome.GONE)
    if won:
        return ClaimResult(Outcome.WON, item)
    status, taker = getattr(item, "status"), getattr(item, what.taker)  # noqa: B009
    if status == what.taken:
        return ClaimResult(Outcome.MINE if taker == person.id else Outcome.TAKEN, item)
    return ClaimResult(Outcome.CLOSED, item)
