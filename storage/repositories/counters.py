"""Numbers that only grow (table `counters`): one UPDATE … RETURNING per number, so two sessions never get
the same one, and a number is never given again after its row was deleted."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Counter


async def next_value(session: AsyncSession, name: str) -> int:
    """The next number of counter `name` (1, 2, 3 …). On PostgreSQL the counter's row stays locked until
    the transaction ends; SQLite serialises writers anyway."""
    for _attempt in range(3):
        result = await session.execute(
            update(Counter)
            .where(Counter.name == name)
            .values(value=Counter.value + 1)
            .returning(Counter.value)
            .execution_options(synchronize_session=False)
        )
        value = result.scalar()
        if value is not None:
            return int(value)
        try:  # a counter nobody used yet (the migration creates the ones it knows)
            async with session.begin_nested():
                session.add(Counter(name=name, value=1))
                await session.flush()
            return 1
        except IntegrityError:
            continue  # created by another session meanwhile: take the next one
    raise RuntimeError(f"counter {name!r} could not be advanced")


def current_value_column(name: str) -> ColumnElement[int]:
    """current_value as a column of another query (0 when nobody used it yet)."""
    return func.coalesce(select(Counter.value).where(Counter.name == name).scalar_subquery(), 0)


async def current_value(session: AsyncSession, name: str) -> int:
    """The counter's value now (0 when nobody used it yet): one primary-key read, cheap enough to ask
    before every FAQ question (bot/faq/examples.py)."""
    value = await session.scalar(select(Counter.value).where(Counter.name == name))
    return int(value or 0)


async def advance_to(session: AsyncSession, name: str, value: int) -> bool:
    """Set the counter to `value` if it is lower now; True for the one session that did it (a claim: the
    FAQ's monthly message, bot/faq/freshness.py)."""
    result = await session.execute(
        update(Counter)
        .where(Counter.name == name, Counter.value < value)
        .values(value=value)
        .returning(Counter.value)
        .execution_options(synchronize_session=False)
    )
    if result.scalar() is not None:
        return True
    if await session.scalar(select(Counter.value).where(Counter.name == name)) is not None:
        return False  # already there (or beyond)
    try:
        async with session.begin_nested():
            session.add(Counter(name=name, value=value))
            await session.flush()
        return True
    except IntegrityError:
        return False  # another session created it meanwhile: theirs
