"""SQLite's connection for the bot: statements on the event loop's thread (InlineSqlite), WAL, and BEGIN
IMMEDIATE. Imported by storage.db only for a SQLite URL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

SQLITE_BUSY_TIMEOUT_MS = 30_000


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


def tune_sqlite(engine: AsyncEngine) -> None:
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
