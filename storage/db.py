"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.util import await_only
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
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
        _tune_sqlite(engine)
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


class InlineSqlite(aiosqlite.Connection):
    """aiosqlite, with the statements run on the event loop's own thread. SQLite answers a statement in
    microseconds; each trip to aiosqlite's thread and back cost about 170 µs of CPU (four thread switches),
    most of a question's database time. Waiting is what must not stop the loop: for a write lock another
    process holds (a CLI command, a second process), up to the busy timeout. That wait can come only at
    BEGIN (IMMEDIATE, below; within the transaction the lock is held, and a commit in WAL mode waits for
    nobody) and at the PRAGMAs when connecting: BEGIN is tried here without waiting, and only when the lock
    is taken goes to aiosqlite's thread to wait there, as the PRAGMAs do. Measured (bench/bench_load.py):
    7.1 -> 4.5 ms of CPU per question."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        # Calls sent to aiosqlite's thread and not finished there. While there is one, every call goes the
        # same way, behind it: sqlite3 objects must not be used by two threads at once (a close on the loop
        # while a BEGIN waited in the thread, its task cancelled, crashed the process).
        self._in_thread = 0
        self._in_thread_lock = threading.Lock()

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        head = args[0].lstrip()[:6].upper() if args and isinstance(args[0], str) else ""
        with self._in_thread_lock:
            inline = self._in_thread == 0
        if inline and head.startswith("BEGIN"):
            connection = self._connection
            connection.execute("PRAGMA busy_timeout=0")
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error):
                    raise
            finally:
                connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        elif inline and not head.startswith("PRAGMA"):
            return fn(*args, **kwargs)
        return await self._through_thread(fn, *args, **kwargs)

    def data_version(self) -> int | None:
        """SQLite's `PRAGMA data_version`: it changes when another connection (another process) commits,
        never for this connection's own commits. Read on the loop's thread, as the statements are; None when
        it cannot be read now (a call is in aiosqlite's thread, or the connection is closed)."""
        with self._in_thread_lock:
            if self._in_thread:
                return None
        connection = self._connection
        if not self._running or connection is None:
            return None
        try:
            return int(connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None

    async def _through_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def call() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:  # (counted down when the call is over, even if the task that waited was cancelled)
                with self._in_thread_lock:
                    self._in_thread -= 1

        with self._in_thread_lock:
            self._in_thread += 1
        return await super()._execute(call)


async def connect_sqlite(database: str) -> InlineSqlite:
    def connector() -> sqlite3.Connection:
        # (used from the loop's thread and aiosqlite's, one at a time: the pool lends it to one session)
        return sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)

    connection = InlineSqlite(connector, iter_chunk_size=64)
    connection._thread.daemon = True  # (as SQLAlchemy does: a forgotten connection does not hold the exit)
    return await connection


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (below); pysqlite's implicit BEGIN would be DEFERRED.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: concurrent writers wait (busy_timeout) instead of
        # failing with "database is locked" when a read transaction upgrades to a write.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def release(session: AsyncSession) -> None:
    """Commit what is done so far and give the connection back, before a slow call (the machine
    translator, a file): the one named way to do it, so no lock or connection waits on the network."""
    if session.in_transaction():
        await session.commit()


async def release_locks(session: AsyncSession) -> None:
    """Commit before CPU work that holds the event loop (the FAQ matcher) if the transaction holds locks
    that another process may wait for: always on SQLite (BEGIN IMMEDIATE takes the write lock), elsewhere
    once it wrote. A transaction that only read keeps its connection, which nothing else of this process
    could use meanwhile: a commit and a begin saved per question on PostgreSQL."""
    if not session.in_transaction():
        return
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" or session.info.get(WROTE):
        await session.commit()


# Whether the session's transaction has written (for `release_locks`): any statement but a SELECT (a text
# statement counts as a write), or a flush; forgotten when the transaction ends.
WROTE = "wrote"


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
