"""The engine factory (storage/db.py): SQLite gets one pooled connection per process, an in-memory
database the one connection it has. Migrations (storage/migrate.py): Alembic is loaded only when there is
something to migrate."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.config import ROOT
from storage.db import (
    close,
    create_engine,
    create_sessionmaker,
    finish,
    holds_work,
    release,
    release_locks,
    unit_of_work,
)
from storage.migrate import database_heads, file_heads, upgrade
from storage.models import User
from storage.repositories.users import attach_user, user_columns
from storage.sqlite import connect_sqlite
from tests.conftest import PG_URL


async def test_an_in_memory_sqlite_database_still_opens() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("select 41 + 1"))).scalar_one() == 42
    finally:
        await engine.dispose()


async def test_sqlite_writers_of_one_process_take_turns_on_its_one_connection(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    sessionmaker = create_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("create table t (n integer)"))

        async def write(n: int) -> None:
            async with sessionmaker() as session:
                await session.execute(text("insert into t values (:n)"), {"n": n})
                await asyncio.sleep(0)  # let the others ask for the connection meanwhile
                await session.commit()

        await asyncio.gather(*(write(n) for n in range(20)))
        assert engine.pool.size() == 1  # type: ignore[attr-defined]
        async with sessionmaker() as session:
            assert (await session.execute(text("select count(*) from t"))).scalar_one() == 20
    finally:
        await engine.dispose()


async def test_an_up_to_date_database_is_started_without_loading_alembic(engine: AsyncEngine) -> None:
    """The usual restart: the database is at the files' heads, so the bot process never imports Alembic."""
    assert await database_heads(engine) == file_heads()  # (the fixture's database is migrated)
    url = engine.url.render_as_string(hide_password=False)
    await engine.dispose()
    probe = (
        "import asyncio, sys\n"
        "from storage.db import create_engine\n"
        "from storage.migrate import upgrade\n"
        "engine = create_engine(sys.argv[1])\n"
        "asyncio.run(upgrade(engine))\n"
        "print('alembic' in sys.modules)\n"
    )
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", probe, url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


async def test_a_new_database_is_migrated_to_the_heads(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        assert await database_heads(engine) == frozenset()
        await upgrade(engine)
        assert await database_heads(engine) == file_heads()
    finally:
        await engine.dispose()


async def test_a_connection_given_back_goes_to_the_one_waiting_longest(tmp_path: Path) -> None:
    """Under load every update commits and begins again several times: the one running must not take the
    connection back ahead of those waiting (SQLAlchemy's own asyncio queue lets it, storage.db.FairQueue
    does not)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fair.sqlite3'}")  # one connection
    sessionmaker = create_sessionmaker(engine)
    order: list[str] = []

    async def waiting(name: str) -> None:
        async with sessionmaker() as session:
            await session.execute(text("SELECT 1"))
            order.append(name)
            await session.commit()

    try:
        async with sessionmaker() as running:
            await running.execute(text("SELECT 1"))  # holds the one connection
            first = asyncio.create_task(waiting("first"))
            await asyncio.sleep(0.05)
            second = asyncio.create_task(waiting("second"))
            await asyncio.sleep(0.05)
            await running.commit()  # gives it back ...
            await running.execute(text("SELECT 1"))  # ... and asks for it again at once
            order.append("running")
            await running.commit()
        await asyncio.gather(first, second)
    finally:
        await engine.dispose()
    assert order == ["first", "second", "running"]


@pytest.mark.pg
async def test_a_connection_the_server_closed_is_replaced_before_use() -> None:
    """Without pool_pre_ping's round trips: the pool's idle connection, ended by the server (as at a restart),
    is replaced at checkout, and the next session works at once."""
    engine, admin = create_engine(PG_URL, pool_size=1), create_engine(PG_URL)
    try:
        async with engine.connect() as conn:
            first = (await conn.execute(text("select pg_backend_pid()"))).scalar_one()
            pooled = (await conn.get_raw_connection()).driver_connection  # the asyncpg connection
        async with admin.connect() as conn:  # the server ends the pooled, idle connection
            await conn.execute(text("select pg_terminate_backend(:pid)"), {"pid": first})
        for _ in range(200):  # until asyncpg has read the server's goodbye
            if pooled.is_closed():
                break
            await asyncio.sleep(0.01)
        assert pooled.is_closed()
        async with create_sessionmaker(engine)() as session:
            second = (await session.execute(text("select pg_backend_pid()"))).scalar_one()
        assert second != first
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_release_locks_commits_what_holds_a_lock_and_keeps_a_reading_transaction(
    db_kind: str, session: AsyncSession
) -> None:
    """Before the FAQ matcher: on SQLite every transaction holds the write lock, so it is committed; on
    PostgreSQL a transaction that only read goes on (one transaction per question), one that wrote (a
    statement or a flush) is committed, and the next transaction starts as one that only read."""
    await session.scalar(select(User).limit(1))
    await release_locks(session)
    assert session.in_transaction() is (db_kind == "pg")
    await session.execute(text("select 1"))  # a text statement may write: it counts as a write
    await release_locks(session)
    assert not session.in_transaction()

    session.add(User(id=777_001, language="de", created_at=datetime.now(UTC)))
    await session.flush()
    await release_locks(session)
    assert not session.in_transaction()  # written by a flush: committed on both

    await session.execute(text("update users set language = 'ar' where id = 777001"))
    await release_locks(session)
    assert not session.in_transaction()  # written by a statement

    assert await session.get(User, 777_001) is not None  # a new transaction, reading only
    await release_locks(session)
    assert session.in_transaction() is (db_kind == "pg")
    await session.rollback()
    await release_locks(session)  # no transaction: nothing to do
    assert not session.in_transaction()


async def test_finish_commits_what_was_written_and_leaves_a_read_to_the_close(
    sessionmaker: Any,
) -> None:
    """An update's end: what it wrote (a flush, a statement, changes not yet flushed) is committed; a
    transaction that only read, or that only holds the person (storage.person_cache), is not committed but
    rolled back by the session's close, and nothing it read is lost."""
    commits: list[int] = []

    def count(_session: Any) -> None:
        commits.append(1)

    event.listen(Session, "after_commit", count)
    try:
        async with sessionmaker() as session:
            session.add(User(id=777_101, language="de", created_at=datetime.now(UTC)))
            await finish(session)  # not yet flushed
        assert len(commits) == 1
        async with sessionmaker() as session:
            await session.execute(update(User).where(User.id == 777_101).values(language="ar"))
            await finish(session)  # a statement
        assert len(commits) == 2
        async with sessionmaker() as session:
            user = await session.get(User, 777_101)
            assert user is not None and user.language == "ar"
            user.language = "fa"
            await finish(session)  # a change of a row read
        assert len(commits) == 3
        async with sessionmaker() as session:
            user = await session.get(User, 777_101)
            assert user is not None and user.language == "fa"
            await finish(session)  # only read
            assert session.in_transaction()
        async with sessionmaker() as session:
            kept = user_columns(User(id=777_101, language="fa", created_at=datetime.now(UTC), is_active=True))
            attach_user(session, kept)
            await finish(session)  # only the person, as kept
        assert len(commits) == 3
    finally:
        event.remove(Session, "after_commit", count)


async def test_sqlite_statements_run_on_the_loop_and_a_locked_begin_waits_off_it(tmp_path: Path) -> None:
    """storage/sqlite.py InlineSqlite: a statement runs on the event loop's thread (no trip to aiosqlite's
    thread); a BEGIN that meets another process's write lock waits for it on aiosqlite's thread, so the
    loop goes on meanwhile."""
    path = tmp_path / "x.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessionmaker = create_sessionmaker(engine)
    threads: list[str] = []
    try:
        async with engine.begin() as conn:
            await conn.execute(text("create table t (n integer)"))
        async with engine.connect() as conn:  # the pool's one connection, and the sqlite3 one under it
            sqlite_conn = (await conn.get_raw_connection()).driver_connection._conn
        sqlite_conn.set_trace_callback(
            lambda sql: threads.append(f"{sql.split()[0].upper()} {threading.current_thread().name}")
        )
        other = sqlite3.connect(path, isolation_level=None)  # another process, as SQLite sees it
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        loop_turns = LoopTurns()

        async def write() -> None:
            async with sessionmaker() as session:
                await session.execute(text("insert into t values (1)"))
                await session.commit()

        writing = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        assert not writing.done()  # waiting for the lock ...
        assert loop_turns.count >= 10  # ... while the loop goes on
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 5)
        loop_turns.stop()
        other.close()
        loop_thread = threading.current_thread().name
        assert f"INSERT {loop_thread}" in threads
        assert any(t.startswith("BEGIN ") and not t.endswith(loop_thread) for t in threads), threads
        threads.clear()
        await write()  # no lock taken: BEGIN on the loop's thread too
        assert [t for t in threads if t.startswith("BEGIN")] == [f"BEGIN {loop_thread}"]
        async with sessionmaker() as session:
            assert (await session.execute(text("select count(*) from t"))).scalar_one() == 2
    finally:
        await engine.dispose()


async def test_sqlite_a_close_waits_behind_a_begin_still_waiting_in_the_thread(tmp_path: Path) -> None:
    """A task waiting for the write lock is cancelled (a timeout, the bot stopping) while its BEGIN still
    waits on aiosqlite's thread; closing the connection then must not touch sqlite3 from the loop at the
    same time (that crashed a test process): the close goes behind the BEGIN, on the thread."""
    path = tmp_path / "x.sqlite3"
    sqlite3.connect(path).close()
    connection = await connect_sqlite(str(path))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        begin = asyncio.create_task(connection.execute("BEGIN IMMEDIATE"))
        await asyncio.sleep(0.2)  # tried at once without waiting, then waiting on the thread
        begin.cancel()
        loop_turns = LoopTurns()
        closing = asyncio.create_task(connection.close())
        await asyncio.sleep(0.3)
        assert not closing.done()  # behind the BEGIN, not beside it ...
        assert loop_turns.count >= 10  # ... and waiting there, not on the loop
        loop_turns.stop()
        other.execute("COMMIT")
        await asyncio.wait_for(closing, 5)
    finally:
        other.close()


class LoopTurns:
    """Counts the event loop's turns every 10 ms from now on: a loop that a blocking call stops counts none."""

    def __init__(self) -> None:
        self.count = 0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.count += 1
            await asyncio.sleep(0.01)

    def stop(self) -> None:
        self._task.cancel()


async def test_the_persons_read_on_postgresql_is_one_statement_outside_a_transaction(
    engine: AsyncEngine, db_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update's first read (the person, with more columns) goes alone in autocommit on PostgreSQL: no
    BEGIN and COMMIT around it. What the session writes next still commits, in a transaction of its own."""
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

    from handlers.middlewares import READ_WITH_PERSON
    from storage.repositories.users import get_user_with

    begun: list[str] = []  # the transactions begun on the server (asyncpg's BEGIN), by isolation level
    start = AsyncAdapt_asyncpg_connection._start_transaction

    async def watched(self: AsyncAdapt_asyncpg_connection) -> None:
        begun.append(self.isolation_level)
        await start(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "_start_transaction", watched)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        session.add(User(id=77, role="visitor", created_at=datetime.now(UTC), is_active=True))
        await session.commit()
    begun.clear()
    async with sessionmaker() as session:
        user, values = await get_user_with(session, 77, READ_WITH_PERSON)
        assert user is not None and user.id == 77 and len(values) == len(READ_WITH_PERSON)
        if db_kind == "pg":
            assert begun == ["autocommit"]  # (asyncpg's adapter sends no BEGIN in autocommit)
            assert not session.in_transaction()
        user.language = "fa"  # the handler's write: in a transaction of its own
        await session.commit()
    if db_kind == "pg":
        assert len(begun) == 2 and begun[1] != "autocommit"
    async with sessionmaker() as session:
        assert (await session.scalar(select(User.language).where(User.id == 77))) == "fa"


async def test_a_person_attached_as_read_is_the_rows_own_unchanged_and_saved_when_changed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """attach_user puts the person in the session as a read would (storage.person_cache, the first read): the
    same values, nothing to flush, a change saved by the commit; the one the session holds, if it holds them."""
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        session.add(User(id=777_301, language="uk", role="helper", created_at=now, consent_at=now))
        await session.commit()
    async with sessionmaker() as session:
        read = await session.get(User, 777_301)
        assert read is not None
        kept = user_columns(read)
    async with sessionmaker() as session:
        user = attach_user(session, kept)
        assert (user.id, user.language, user.role, user.consent_at) == (777_301, "uk", "helper", now)
        assert user in session and not session.is_modified(user) and not session.dirty
        assert not holds_work(session)  # nothing read on a connection, nothing changed
        assert attach_user(session, kept) is user  # held already: the same one
        user.language = "ar"
        assert holds_work(session)
        await session.commit()
    async with sessionmaker() as session:
        assert await session.scalar(select(User.language).where(User.id == 777_301)) == "ar"


async def test_release_and_close_leave_a_session_that_holds_nothing_alone_and_give_a_connection_back(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A session that holds only the person as read is not committed by `release` (nothing to give back) and
    is closed at once; one that read holds a connection until `release` or `close` gives it back."""
    commits: list[int] = []

    def count(_session: Any) -> None:
        commits.append(1)

    now = datetime.now(UTC)
    async with sessionmaker() as session:
        session.add(User(id=777_302, language="de", created_at=now))
        await session.commit()
    event.listen(Session, "after_commit", count)
    try:
        async with unit_of_work(sessionmaker) as session:
            attach_user(
                session, user_columns(User(id=777_302, language="de", created_at=now, is_active=True))
            )
            await release(session)
            assert not commits and engine.sync_engine.pool.checkedout() == 0
        assert not session.in_transaction()
        async with unit_of_work(sessionmaker) as session:
            await session.scalar(select(User.language).where(User.id == 777_302))
            assert holds_work(session) and engine.sync_engine.pool.checkedout() == 1
            await release(session)
            assert len(commits) == 1 and engine.sync_engine.pool.checkedout() == 0
            assert not holds_work(session)
            await session.scalar(select(User.language).where(User.id == 777_302))  # a read after it
        assert engine.sync_engine.pool.checkedout() == 0  # given back by the close
        session = sessionmaker()
        session.add(User(id=777_303, created_at=now))  # pending, never flushed: dropped by the close
        await close(session)
        async with sessionmaker() as other:
            assert await other.get(User, 777_303) is None
    finally:
        event.remove(Session, "after_commit", count)
