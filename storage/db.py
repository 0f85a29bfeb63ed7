"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

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
            else {"pool_size": 1, "max_overflow": 0, "pool_timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **pool
        )
        _tune_sqlite(engine)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


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
