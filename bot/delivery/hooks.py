"""Tell other capabilities what became of their messages (e.g. keep the message id of an alert to edit
it later, count a broadcast's deliveries).

    @on_outcome("alert")
    async def remember(session: AsyncSession, outcome: Outcome) -> None:
        if outcome.status == "sent": ...

A hook runs in the same transaction that records the row's final state, inside a savepoint: what it
writes is committed together with the state, and when it raises, its writes are rolled back, the error
is logged and the row's state is still committed (a failing hook never makes a message go out twice).
Hooks are for final states only: "sent", "blocked", "failed". The outbox row itself stays the durable
record (see `storage.repositories.outbox.sent_message_id`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
_HOOKS: dict[str, list[Hook]] = {}


def on_outcome(kind: str = ANY_KIND) -> Callable[[Hook], Hook]:
    """Register a hook for the final state of every row of `kind` ("*": of every kind)."""

    def register(func: Hook) -> Hook:
        _HOOKS.setdefault(kind, []).append(func)
        return func

    return register


def on_sent(kind: str = ANY_KIND) -> Callable[[Hook], Hook]:
    """Like `on_outcome`, only for rows that were sent."""

    def register(func: Hook) -> Hook:
        async def only_sent(session: AsyncSession, outcome: Outcome) -> None:
            if outcome.status == SENT:
                await func(session, outcome)

        only_sent.__wrapped__ = func  # type: ignore[attr-defined]
        _HOOKS.setdefault(kind, []).append(only_sent)
        return func

    return register


def hooks_for(kind: str) -> list[Hook]:
    return [*_HOOKS.get(kind, ()), *_HOOKS.get(ANY_KIND, ())]


def remove_hook(func: Hook) -> None:
    """Unregister (tests)."""
    for hooks in _HOOKS.values():
        hooks[:] = [h for h in hooks if h is not func and getattr(h, "__wrapped__", None) is not func]
