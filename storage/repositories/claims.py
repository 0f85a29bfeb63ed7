"""First claim wins: one conditional UPDATE, shared by every "I'll take it" (bot.claims: assignments, tickets).

`update_if` changes one row only while `where` still holds, in a single statement. Of several sessions
doing it at the same moment exactly one succeeds: on PostgreSQL the row lock makes the later UPDATEs
re-check `where` against the committed row, on SQLite BEGIN IMMEDIATE serialises the writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, inspect, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

T = TypeVar("T")


async def update_if(
    session: AsyncSession,
    model: type[Any],
    row_id: int,
    where: Sequence[ColumnElement[bool]],
    values: dict[str, Any],
) -> bool:
    """Set `values` on row `row_id` of `model` if `where` holds; True when this call changed it."""
    key = inspect(model).primary_key[0]
    result = await session.execute(
        update(model)
        .where(key == row_id, *where)
        .values(**values)
        .returning(key)
        .execution_options(synchronize_session=False)
    )
    changed = result.first() is not None
    if changed:  # an object of this row already loaded in the session shows the new values
        loaded = session.identity_map.get(Session.identity_key(model, row_id))
        if loaded is not None:
            await session.refresh(loaded)
    return changed


async def current(session: AsyncSession, model: type[T], row_id: int) -> T | None:
    """Row `row_id` of `model` as it is in the database now (not as loaded before)."""
    return await session.get(model, row_id, populate_existing=True)
