"""Exactly-once scheduling across processes: one leader runs the periodic jobs.

Every bot process runs the scheduler, but a job only runs in the process that holds the leader lock:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on one connection kept for it. The key
  is derived from the database and schema, so bots sharing a server do not block each other. If the leader
  dies, or its connection (or the server) goes away, the lock is released with the session and another
  process takes it at its next heartbeat. Before each job the leader checks that its connection is still
  alive (a query on it), so a leader that lost its session stops at once.
- SQLite: an exclusive `flock` on a file next to the database (`<database>.leader`): several processes on
  one SQLite file (by mistake, or a CLI next to the bot) still run each job once.

The jobs themselves stay idempotent (conditional UPDATEs, outbox dedupe keys), so even the short overlap a
network partition could cause (a leader whose session the server already dropped, inside a job) does no
harm. The outbox is not a job: every process's delivery worker claims rows with `FOR UPDATE SKIP LOCKED`.

The same advisory lock idea serialises migrations (`migration_lock`), so N processes started at once on an
empty database do not race Alembic.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.ops import metrics

log = logging.getLogger(__name__)

PING_TIMEOUT = 5.0


def _key(*parts: str) -> int:
    """A signed 64-bit advisory lock key."""
    digest = hashlib.blake2b(":".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Leadership:
    """Who runs the scheduled jobs. `ensure()` takes the lock or confirms it is still held."""

    kind = "none"

    def __init__(self) -> None:
        self.is_leader = False
        self.since: float | None = None  # monotonic time leadership was taken
        self.last_error: str | None = None

    async def ensure(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    async def release(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _became(self, leader: bool, *, released: bool = False) -> None:
        if leader and not self.is_leader:
            log.info("this process now runs the scheduled jobs (%s leader lock)", self.kind)
            self.since = time.monotonic()
        elif not leader and self.is_leader:
            if released:
                log.info("leader lock released (%s)", self.kind)
            else:
                log.warning("this process lost the %s leader lock; another process runs the jobs", self.kind)
            self.since = None
        self.is_leader = leader
        metrics.LEADER.set(1 if leader else 0)

    def describe(self) -> dict[str, Any]:
        return {
            "lock": self.kind,
            "leader": self.is_leader,
            "for_seconds": round(time.monotonic() - self.since, 1) if self.since is not None else None,
            **({"error": self.last_error} if self.last_error and not self.is_leader else {}),
        }


class AlwaysLeader(Leadership):
    """One process by design (tests, the demo)."""

    kind = "none"

    async def ensure(self) -> bool:
        self._became(True)
        return True

    async def release(self) -> None:
        self._became(False, released=True)


class PostgresLeader(Leadership):
    kind = "postgresql"

    def __init__(self, engine: AsyncEngine, name: str = "scheduler") -> None:
        super().__init__()
        self.engine = engine
        self.name = name
        self.conn: AsyncConnection | None = None
        self.key: int | None = None
        self._lock = asyncio.Lock()

    async def ensure(self) -> bool:
        async with self._lock:
            if self.conn is not None:
                try:
                    await asyncio.wait_for(self.conn.execute(text("SELECT 1")), PING_TIMEOUT)
                    self._became(True)
                    return True
                except Exception as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                    await self._drop()
                    self._became(False)  # its session is gone, and the lock with it
            try:
                got = await asyncio.wait_for(self._acquire(), PING_TIMEOUT)
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                await self._drop()
                got = False
            self._became(got)
            return got

    async def _acquire(self) -> bool:
        conn = await self.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            if self.key is None:
                row = (await conn.execute(text("SELECT current_database(), current_schema()"))).one()
                self.key = _key("helfernetz", self.name, str(row[0]), str(row[1]))
            got = bool(
                (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})).scalar()
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.invalidate()
            raise
        if got:
            self.conn = conn
            self.last_error = None
        else:
            await conn.close()
        return got

    async def _drop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()  # the session ends: the server releases the lock with it

    async def release(self) -> None:
        async with self._lock:
            conn, self.conn = self.conn, None
            if conn is not None:
                try:
                    await asyncio.wait_for(
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key}), PING_TIMEOUT
                    )
                    await conn.close()
                except Exception:
                    with contextlib.suppress(Exception):
                        await conn.invalidate()
            self._became(False, released=True)


class FileLeader(Leadership):
    kind = "file"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.fd: int | None = None

    async def ensure(self) -> bool:
        if self.fd is not None:
            self._became(True)
            return True
        import fcntl

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"[:200]
            self._became(False)
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            self.last_error = "held by another process"
            self._became(False)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        self.last_error = None
        self._became(True)
        return True

    async def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            import fcntl

            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        self._became(False, released=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite+aiosqlite:///path URL (None: in memory)."""
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path)


def leadership_for(engine: AsyncEngine, database_url: str) -> Leadership:
    if engine.dialect.name == "postgresql":
        return PostgresLeader(engine)
    path = sqlite_path(database_url)
    if path is None:
        return AlwaysLeader()
    return FileLeader(path.with_name(path.name + ".leader"))


JobFunc = Callable[[Any], Awaitable[None]]


def exactly_once(name: str, func: JobFunc, leader: Leadership) -> JobFunc:
    """The job, run only in the leader; its runs, errors and duration go to the metrics."""

    async def run(ctx: Any) -> None:
        if not await leader.ensure():
            metrics.JOB_RUNS.labels(name, "skipped").inc()
            return
        started = time.perf_counter()
        try:
            await func(ctx)
        except Exception:
            metrics.JOB_RUNS.labels(name, "error").inc()
            log.exception(
                "scheduled job %s failed; it runs again at its next time", name, extra={"job": name}
            )
            return
        finally:
            metrics.JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
        metrics.JOB_RUNS.labels(name, "ok").inc()

    run.__name__ = run.__qualname__ = f"job:{name}"
    return run


@contextlib.asynccontextmanager
async def migration_lock(engine: AsyncEngine, timeout: float = 300.0) -> AsyncIterator[None]:
    """Hold a PostgreSQL advisory lock while migrating (no-op on SQLite, where BEGIN IMMEDIATE serialises)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    conn = await (await engine.connect()).execution_options(isolation_level="AUTOCOMMIT")
    try:
        row = (await conn.execute(text("SELECT current_database(), current_schema()"))).one()
        key = _key("helfernetz", "migrations", str(row[0]), str(row[1]))
        await conn.execute(
            text("SELECT set_config('lock_timeout', :t, false)"), {"t": str(int(timeout * 1000))}
        )
        await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        yield
    finally:
        # a connection of its own, closed for good: the lock (and the session setting) end with it
        with contextlib.suppress(Exception):
            await conn.invalidate()
        with contextlib.suppress(Exception):
            await conn.close()
