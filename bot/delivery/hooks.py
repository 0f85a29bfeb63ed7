"""Tell other capabilities what became of their messages (e.g. keep the message id of an alert to edit
it later, count a broadcast's deliveries).

    async def remember(session: AsyncSession, outcome: Outcome) -> None:
        if outcome.status == "sent": ...

    OUTCOME_HOOKS = {"alert": [remember]}   # listed in bot/wiring.py

A hook runs in the same transaction that records the row's final state, inside a savepoint: what it
writes is committed together with the state, and when it raises, its writes are rolled back, the error
is logged and the row's state is still committed (a failing hook never makes a message go out twice).
Hooks are for final states only: "sent", "blocked", "failed". The outbox row itself stays the durable
record (see `storage.repositories.outbox.sent_message_id`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

SENT, BLOCKED, FAILED = "sent", "blocked", "failed"
ANY_KIND = "*"


@dataclass(frozen=True, slots=True)
class Outcome:
    outbox_id: int
    chat_id: int
    user_id: int | None
    kind: str
    ref: str | None
    dedupe_key: str | None
    payload: dict[str, Any]
    lang: str | None
    status: str  # sent | blocked | failed
    telegram_message_id: int | None = None
    error: str | None = None
    recorded_at: datetime | None = None  # the worker's clock when the outcome was recorded


Hook = Callable[[AsyncSession, Outcome], Awaitable[None]]


def only_sent(func: Hook) -> Hook:
    """The hook, run only for rows that were sent."""

    async def hook(session: AsyncSession, outcome: Outcome) -> None:
        if outcome.status == SENT:
            await func(session, outcome)

    hook.__wrapped__ = func  # type: ignore[attr-defined]
    return hook


class OutcomeHooks:
    """Hooks per outbox kind ("*": every kind), listed in bot/wiring.py and handed to the worker."""

    def __init__(self, table: Mapping[str, Sequence[Hook]] | None = None) -> None:
        self._table = {kind: list(hooks) for kind, hooks in (table or {}).items()}

    def for_kind(self, kind: str) -> list[Hook]:
        return [*self._table.get(kind, ()), *self._table.get(ANY_KIND, ())]
