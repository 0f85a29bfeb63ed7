"""Engine and session factory for SQLite (aiosqlite, storage/sqlite.py) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.util import await_only
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
        # (imported here: a bot on PostgreSQL does not load sqlite3 and aiosqlite, 2 MiB)
        from storage.sqlite import SQLITE_BUSY_TIMEOUT_MS, connect_sqlite, tune_sqlite

        # One connection per process: every transaction takes SQLite's write lock (BEGIN IMMEDIATE below),
        # so a second connection would only wait in SQLite's busy handler, which sleeps in steps of up to
        # 100 ms; waiting for the pool's one connection is a plain asyncio wait, in order. Other processes
        # still meet the busy timeout. (An in-memory database has one connection already: StaticPool.)
        in_memory = make_url(url).database in (None, "", ":memory:")
        pool: dict[str, Any] = (
            {}
            if in_memory
            else {
                "poolclass": FairPool,
                "pool_size": 1,
                "max_overflow": 0,
                "pool_timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            }
        )
        database = make_url(url).database or ":memory:"
        engine = create_async_engine(url, echo=echo, async_creator=lambda: connect_sqlite(database), **pool)
        tune_sqlite(engine)
        return engine
    # No overflow: a connection opened beyond the pool is closed again when given back, and under load that
    # meant a new PostgreSQL connection (a server process) for many a transaction.
    engine = create_async_engine(url, echo=echo, poolclass=FairPool, pool_size=pool_size, max_overflow=0)
    event.listen(engine.sync_engine.pool, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A connection the server has closed (a restart, an idle timeout) is replaced at checkout: asyncpg
    knows without asking. `pool_pre_ping` asks, with three round trips per checkout (BEGIN, a ping,
    ROLLBACK; two checkouts per question): 0.4-0.6 ms of CPU per question, measured. A connection lost
    without the server closing it fails its first statement, and SQLAlchemy then replaces the pool's."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")  # the pool connects anew


class FairQueue(AsyncAdaptedQueue[ConnectionPoolEntry]):
    """The pool's connections, given in the order they were asked for.

    SQLAlchemy's asyncio queue lets a running task take a connection that was just given back before the
    task that has waited longest is scheduled (which then queues again, at the end). Every update commits
    and begins again more than once, so under load the update that was running kept the connection and
    the others starved. Here a connection given back goes straight to the first one waiting. Measured
    with 100 questions in hand (bench/bench_load.py): the same throughput, the p99 halved on SQLite.
    """

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiting: deque[asyncio.Future[ConnectionPoolEntry]] = deque()

    def put_nowait(self, item: ConnectionPoolEntry) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        super().put_nowait(item)

    def put(self, item: ConnectionPoolEntry, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # never blocks: the pool holds at most its size

    def get(self, block: bool = True, timeout: float | None = None) -> ConnectionPoolEntry:
        if not self._waiting:
            try:
                return self.get_nowait()
            except Empty:
                pass
        if not block:
            raise Empty()
        waiter: asyncio.Future[ConnectionPoolEntry] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return await_only(asyncio.wait_for(waiter, timeout))
        except TimeoutError as err:
            raise Empty() from err
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed over as this one was cancelled: pass it on
            raise


class FairPool(AsyncAdaptedQueuePool):
    _queue_class = FairQueue


def upsert_insert(session: AsyncSession) -> Callable[..., Any]:
    """The INSERT of the session's database, with its ON CONFLICT clauses (the one place that chooses)."""
    postgresql = session.bind is not None and session.bind.dialect.name == "postgresql"
    return pg_insert if postgresql else sqlite_insert


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for one update, as `async with sessionmaker()` gives it, closed by `close`."""
    session = sessionmaker()
    try:
        yield session
    finally:
        await close(session)


async def close(session: AsyncSession) -> None:
    """Close a session. One that holds no connection (most questions, storage.person_cache) has nothing to
    give back and is closed at once. SQLAlchemy's `async with` closes every session in a task of its own, so
    that a cancellation cannot leave a connection half given back: kept for a session that holds one. A task
    for every update cost 2 % of a question's instructions (callgrind: 5.98 against 5.86 million)."""
    if not session.info.get(CONNECTED):
        session.sync_session.close()  # (no I/O: nothing to give back, nothing to roll back on the server)
        return
    closing = asyncio.ensure_future(session.close())
    try:
        await asyncio.shield(closing)
    except asyncio.CancelledError:
        await closing  # the connection back in its pool before the cancellation goes on
        raise


async def release(session: AsyncSession) -> None:
    """Commit what is done so far and give the connection back, before a slow call (the machine
    translator, a file): the one named way to do it, so no lock or connection waits on the network."""
    if holds_work(session):
        await session.commit()


def holds_work(session: AsyncSession) -> bool:
    """Whether the session's transaction holds anything a commit would end: a connection (a statement ran
    in it) or changes not yet flushed. One that holds only objects put in it as read (the update's person,
    storage.repositories.users.attach_user) holds nothing: committing it anyway, on most questions, cost
    0.8 % of their instructions (callgrind: 6.03 against 5.98 million)."""
    if not session.in_transaction():
        return False
    return bool(session.info.get(CONNECTED) or session.new or session.dirty or session.deleted)


async def finish(session: AsyncSession) -> None:
    """Commit an update's unit of work, when there is one: a transaction that wrote, or changes not yet
    flushed. A transaction that only read (or only holds the person, storage.person_cache) is left to the
    session's close, which rolls it back: the same for a read, and a commit of nothing costs about 20 µs of
    CPU."""
    if session.info.get(WROTE) or session.new or session.dirty or session.deleted:
        await session.commit()


async def release_locks(session: AsyncSession) -> None:
    """Commit before CPU work that holds the event loop (the FAQ matcher) if the transaction holds locks
    that another process may wait for: always on SQLite (BEGIN IMMEDIATE takes the write lock), elsewhere
    once it wrote. A transaction that only read keeps its connection, which nothing else of this process
    could use meanwhile: a commit and a begin saved per question on PostgreSQL."""
    if not session.in_transaction() or not session.info.get(CONNECTED):
        return
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" or session.info.get(WROTE):
        await session.commit()


# Whether the session's transaction has written (for `release_locks`): any statement but a SELECT (a text
# statement counts as a write), or a flush; and whether it holds a connection (for `holds_work`). Both are
# forgotten when the transaction ends.
WROTE = "wrote"
CONNECTED = "connected"


@event.listens_for(Session, "after_begin")
def _note_connection(session: Session, _transaction: SessionTransaction, _connection: Any) -> None:
    session.info[CONNECTED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)
        session.info.pop(CONNECTED, None)
