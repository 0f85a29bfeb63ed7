"""Storage and user services on SQLite and PostgreSQL: migrations, roles, invites, erasure."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import users as svc
from bot.clock import FrozenClock
from bot.delivery.outbox import enqueue
from bot.services import erasure
from storage.base import Base
from storage.migrate import downgrade, upgrade
from storage.repositories.users import tables_referencing_users


async def test_migrations_apply_twice_and_roll_back(engine: AsyncEngine) -> None:
    await upgrade(engine)  # second time: nothing to do, no error
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)))
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    await downgrade(engine, "base")
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)))
    assert "users" not in tables
    await upgrade(engine)


async def test_organizer_ids_make_organizers(session: AsyncSession, clock: FrozenClock) -> None:
    user = await svc.ensure_user(session, 5, clock, organizer_ids=[5])
    visitor = await svc.ensure_user(session, 6, clock, organizer_ids=[5])
    assert user.role == svc.ORGANIZER
    assert visitor.role == svc.VISITOR
    assert svc.has_role(user, svc.HELPER) and not svc.has_role(visitor, svc.HELPER)


async def test_invite_works_once_and_expires(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await svc.ensure_user(session, 1, clock, organizer_ids=[1])
    invite = await svc.create_invite(session, organizer, svc.HELPER, clock, ttl_hours=2)
    first = await svc.ensure_user(session, 2, clock, organizer_ids=[])
    second = await svc.ensure_user(session, 3, clock, organizer_ids=[])
    await session.commit()
    assert await svc.redeem_invite(session, first, invite.code, clock) == svc.HELPER
    assert first.role == svc.HELPER
    assert await svc.redeem_invite(session, second, invite.code, clock) is None
    assert second.role == svc.VISITOR

    late = await svc.create_invite(session, organizer, svc.HELPER, clock, ttl_hours=2)
    clock.advance(timedelta(hours=2, seconds=1))
    assert await svc.redeem_invite(session, second, late.code, clock) is None
    assert await svc.redeem_invite(session, second, "inv-doesnotexist", clock) is None


async def test_invite_never_demotes(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await svc.ensure_user(session, 1, clock, organizer_ids=[1])
    invite = await svc.create_invite(session, organizer, svc.HELPER, clock, ttl_hours=1)
    assert await svc.redeem_invite(session, organizer, invite.code, clock) == svc.HELPER
    assert organizer.role == svc.ORGANIZER


async def _rows_mentioning(session: AsyncSession, user_id: int) -> list[str]:
    found = []
    for table, column in tables_referencing_users():
        count = (
            await session.execute(
                text(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = :u'), {"u": user_id}
            )
        ).scalar()
        if count:
            found.append(f"{table}.{column}")
    count = (await session.execute(text("SELECT COUNT(*) FROM users WHERE id = :u"), {"u": user_id})).scalar()
    if count:
        found.append("users.id")
    return found


async def test_erase_user_leaves_no_row(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        organizer = await svc.ensure_user(session, 1, clock, organizer_ids=[1])
        person = await svc.ensure_user(session, 42, clock, organizer_ids=[])
        svc.choose_language(person, "fa", clock)
        invite = await svc.create_invite(session, organizer, svc.HELPER, clock, ttl_hours=1)
        await session.commit()
        await svc.redeem_invite(session, person, invite.code, clock)
        await enqueue(session, clock, chat_id=42, user_id=42, kind="raw", data={"text": "hi"})
        await session.commit()
        assert await _rows_mentioning(session, 42)
    async with sessionmaker() as session:
        await erasure.erase_user(session, 42)
    async with sessionmaker() as session:
        assert await _rows_mentioning(session, 42) == []
        assert await _rows_mentioning(session, 1) != []  # others keep their data


async def test_outbox_dedupe_key_queues_once(session: AsyncSession, clock: FrozenClock) -> None:
    await svc.ensure_user(session, 7, clock, organizer_ids=[])
    first = await enqueue(
        session, clock, chat_id=7, user_id=7, kind="raw", data={"text": "a"}, dedupe_key="k:1"
    )
    again = await enqueue(
        session, clock, chat_id=7, user_id=7, kind="raw", data={"text": "a"}, dedupe_key="k:1"
    )
    await session.commit()
    assert (first, again) == (True, False)


async def test_outbox_retention_deletes_only_old_finished_rows(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    from sqlalchemy import select, update

    from bot.config import load_settings
    from bot.delivery.retention import delete_old_rows
    from bot.jobs import JobContext
    from storage.models import OutboxMessage

    async with sessionmaker() as session:
        await svc.ensure_user(session, 7, clock, organizer_ids=[])
        for key in ("old-sent", "old-pending", "new-sent"):
            await enqueue(
                session, clock, chat_id=7, user_id=7, kind="raw", data={"text": key}, dedupe_key=key
            )
            if key == "old-pending":
                clock.advance(timedelta(days=40))
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key.in_(["old-sent", "new-sent"]))
            .values(status="sent")
        )
        await session.commit()
    ctx = JobContext(load_settings(_env_file=None, outbox_retention_days=30), clock, sessionmaker)
    await delete_old_rows(ctx)
    async with sessionmaker() as session:
        left = set((await session.scalars(select(OutboxMessage.dedupe_key))).all())
    assert left == {"old-pending", "new-sent"}
