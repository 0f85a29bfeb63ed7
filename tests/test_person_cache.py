"""The cache of people (storage/person_cache.py): a known person is served with no statement, and every
write to what it holds, by this process or any other, empties it before it could serve an old row."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import users as user_service
from bot.audit import audit
from handlers.middlewares import READ_WITH_PERSON
from storage.db import create_sessionmaker
from storage.person_cache import CachedPerson, PersonCache, writes_watched
from tests.conftest import FrozenClock

PERSON = 4242


@pytest.fixture
async def people(engine: AsyncEngine) -> AsyncIterator[PersonCache]:
    cache = PersonCache()
    await cache.start(engine)
    for _ in range(500):  # PostgreSQL: until its connection listens (seconds on a loaded 2-core machine)
        if cache.serving:
            break
        await asyncio.sleep(0.02)
    assert cache.serving, "the cache did not start listening within 10 s"
    yield cache
    await cache.stop()


def count_statements(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    return seen


async def read_person(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, people: PersonCache
) -> tuple[str | None, tuple[Any, ...] | None]:
    """What the middleware does for an update: the person and the values read with them."""
    async with sessionmaker() as session:
        user, values = await user_service.ensure_user_and(
            session, PERSON, clock, [], READ_WITH_PERSON, people
        )
        language = user.language
        await session.commit()
    return language, values


async def new_person(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, people: PersonCache
) -> None:
    """Their first update makes their row. On PostgreSQL its NOTIFY comes a moment later and empties the
    cache again (safe, and only a miss): wait for it, so that what the test keeps next stays kept."""
    await read_person(sessionmaker, clock, people)
    for _ in range(100):
        generation = people.generation
        await asyncio.sleep(0.05)
        if people.generation == generation:
            return


async def until(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)


async def test_a_known_person_is_served_without_a_statement(
    engine: AsyncEngine, people: PersonCache, clock: FrozenClock
) -> None:
    sessionmaker = create_sessionmaker(engine)
    assert people.serving
    await new_person(sessionmaker, clock, people)  # new here: the row is made, nothing kept
    assert people.get(PERSON) is None
    first = await read_person(sessionmaker, clock, people)  # read, and kept
    statements = count_statements(engine)
    assert await read_person(sessionmaker, clock, people) == first
    assert statements == []
    # the row handed out is in the session as if read: a change to it is written
    async with sessionmaker() as session:
        user, _ = await user_service.ensure_user_and(session, PERSON, clock, [], READ_WITH_PERSON, people)
        user.language = "fa"
        await session.commit()
    assert any(s.lstrip().upper().startswith("UPDATE USERS") for s in statements)
    assert people.get(PERSON) is None  # the write emptied it
    assert (await read_person(sessionmaker, clock, people))[0] == "fa"


async def test_a_write_by_another_process_empties_it(
    engine: AsyncEngine, people: PersonCache, clock: FrozenClock, db_kind: str
) -> None:
    """Written past SQLAlchemy (as psql or another program would): SQLite's files, PostgreSQL's NOTIFY."""
    sessionmaker = create_sessionmaker(engine)
    await new_person(sessionmaker, clock, people)
    await read_person(sessionmaker, clock, people)
    assert people.get(PERSON) is not None
    if db_kind == "sqlite":
        database = engine.url.database
        assert database is not None
        with sqlite3.connect(database) as conn:
            conn.execute("UPDATE users SET language = 'uk' WHERE id = ?", (PERSON,))
    else:
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("UPDATE users SET language = 'uk' WHERE id = $1", PERSON)
        finally:
            await conn.close()
        await until(lambda: people.get(PERSON) is None)
    assert people.get(PERSON) is None
    assert (await read_person(sessionmaker, clock, people))[0] == "uk"


async def test_the_process_writing_elsewhere_keeps_it(
    engine: AsyncEngine, people: PersonCache, clock: FrozenClock
) -> None:
    """The outbox, the figures, the audit log are written all the time: they touch no one's cached row."""
    sessionmaker = create_sessionmaker(engine)
    await new_person(sessionmaker, clock, people)
    await read_person(sessionmaker, clock, people)
    async with sessionmaker() as session:
        await audit(session, clock, None, "test.write", "user:1", None, None)
        await session.commit()
    assert people.get(PERSON) is not None


async def test_an_open_question_or_new_faq_content_empties_it(
    engine: AsyncEngine, people: PersonCache, clock: FrozenClock
) -> None:
    sessionmaker = create_sessionmaker(engine)
    await new_person(sessionmaker, clock, people)
    _, before = await read_person(sessionmaker, clock, people)
    assert people.get(PERSON) is not None
    from bot.faq import version

    async with sessionmaker() as session:
        await version.bump_content_version(session)
        await session.commit()
    assert people.get(PERSON) is None
    _, after = await read_person(sessionmaker, clock, people)
    assert before is not None and after is not None and after[1] == before[1] + 1


async def test_a_read_that_raced_a_write_is_not_kept(engine: AsyncEngine, people: PersonCache) -> None:
    person = CachedPerson((PERSON,), (False, 0))
    generation = people.generation
    async with engine.connect() as conn:
        await conn.execute(text("UPDATE users SET language = 'de' WHERE id = 1"))
        people.put(PERSON, people.generation, person)  # a write is open in this process: nothing is kept
        assert people.get(PERSON) is None
        await conn.commit()
    people.put(PERSON, generation, person)  # read before the write ended
    assert people.get(PERSON) is None
    people.put(PERSON, people.generation, person)
    assert people.get(PERSON) == person


async def test_nothing_is_served_before_start_or_after_stop(engine: AsyncEngine) -> None:
    cache = PersonCache()
    person = CachedPerson((PERSON,), (False, 0))
    cache.put(PERSON, cache.generation, person)
    assert cache.get(PERSON) is None
    await cache.start(engine)
    await until(lambda: cache.serving)
    cache.put(PERSON, cache.generation, person)
    assert cache.get(PERSON) == person
    await cache.stop()
    assert cache.get(PERSON) is None


@pytest.mark.parametrize("db_kind", ["pg"], indirect=True)
async def test_postgres_serves_nothing_while_it_cannot_hear_of_changes(
    engine: AsyncEngine, people: PersonCache
) -> None:
    assert people.serving
    async with engine.connect() as conn:  # end the listening connection from the server's side
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query ILIKE 'LISTEN%'"
            )
        )
    await until(lambda: not people.serving)
    assert not people.serving
    people.put(PERSON, people.generation, CachedPerson((PERSON,), (False, 0)))
    assert people.get(PERSON) is None


def test_which_statements_count_as_writes() -> None:
    assert writes_watched("UPDATE users SET language=$1 WHERE users.id = $2")
    assert writes_watched("INSERT INTO tickets (id) VALUES (1)")
    assert writes_watched("DELETE FROM counters WHERE name = 'x'")
    assert not writes_watched("SELECT users.id, users.updated_at FROM users")
    assert not writes_watched("UPDATE outbox SET state = 'sent'")
    # the delivery worker's claim, several times a second: a read, though it locks
    assert not writes_watched("SELECT outbox.id, users.is_active FROM outbox JOIN users ON true FOR UPDATE")
    assert writes_watched(
        "WITH gone AS (DELETE FROM users WHERE id = 1 RETURNING id) SELECT count(*) FROM gone"
    )
