"""The update's person kept in memory between their updates: their row and the values read with it
(handlers.middlewares), so a question from someone known needs no statement and no transaction. Measured
with bench/bench_load.py: about 0.6 ms of CPU per question on PostgreSQL.

It is right across processes, or it serves nothing:

- A write to a watched table by this process (any engine in it) empties it at once; until that connection
  is back in its pool (committed or rolled back) nothing is kept, and a read that raced the write cannot put
  its old row back (`generation`).
- PostgreSQL: a trigger on the watched tables NOTIFYs at commit (migration 0021), and each process LISTENs on
  a connection of its own: another bot process, `python -m bot users`, psql. While that connection is down,
  the cache serves nothing.
- SQLite: the process's one connection is asked for `PRAGMA data_version` before each use (a few
  microseconds); it changes when another connection commits, not for the process's own writes (those are
  seen above).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool

log = logging.getLogger(__name__)

# The tables whose rows the cached values come from: the person (users), whether their question to a person
# is open (tickets) and the FAQ content's version (counters).
WATCHED_TABLES = ("users", "tickets", "counters")
CHANNEL = "person_cache"  # PostgreSQL's NOTIFY channel (migration 0021)
RECONNECT_SECONDS = 5.0
_WRITE_VERBS = frozenset({"insert", "update", "delete", "replace", "truncate", "merge"})
_WRITE = re.compile(r"\b(insert|update|delete|replace|truncate|merge)\b", re.IGNORECASE)
_WATCHED = re.compile(r"\b(" + "|".join(WATCHED_TABLES) + r")\b", re.IGNORECASE)
_WRITING = "person_cache_writing"  # in a pooled connection's info: it wrote to a watched table


@dataclass(frozen=True, slots=True)
class CachedPerson:
    columns: tuple[Any, ...]  # the row's columns (storage.repositories.users.user_columns)
    values: tuple[Any, ...]  # what was read with it


class PersonCache:
    def __init__(self, max_people: int = 20_000) -> None:
        self.max_people = max_people
        self.generation = 0  # grows with every emptying: a read started before it is not kept
        self._people: dict[int, CachedPerson] = {}
        self._writers = 0  # connections of this process with an unfinished write to a watched table
        self._serving = False  # whether writes by others reach us (start)
        # SQLite on a file: the process's connection (storage.sqlite.InlineSqlite), asked before each use
        self._sqlite: Any = None
        self._ask_sqlite = False
        self._seen_version: int | None = None
        self._listener: asyncio.Task[None] | None = None
        _LIVE.add(self)

    @property
    def serving(self) -> bool:
        return self._serving

    def get(self, person_id: int) -> CachedPerson | None:
        if not self._serving or self._writers:
            return None
        if self._ask_sqlite:
            version = self._data_version()
            if version is None or version != self._seen_version:
                self._seen_version = version
                self.clear()
                return None
        return self._people.get(person_id)

    def put(self, person_id: int, generation: int, person: CachedPerson) -> None:
        """Keep what was read while `generation` was current (else it may be older than a write)."""
        if not self._serving or self._writers or generation != self.generation:
            return
        if len(self._people) >= self.max_people:
            del self._people[next(iter(self._people))]  # the longest kept
        self._people[person_id] = person

    def clear(self) -> None:
        self._people.clear()
        self.generation += 1

    # --- what tells us about writes ---------------------------------------------------------------------

    async def start(self, engine: AsyncEngine) -> None:
        """Serve from now on, if writes by other processes can reach us on this database."""
        if engine.dialect.name == "postgresql":
            self._listener = asyncio.create_task(self._listen(engine))
            return
        database = engine.url.database
        if database and database != ":memory:":  # (in memory: no other process can write to it)
            # the pool's one connection as it is now, and any that replaces it (after an error)
            event.listen(engine.sync_engine, "connect", self._on_connect)
            async with engine.connect() as conn:
                self._sqlite = (await conn.get_raw_connection()).driver_connection
            self._ask_sqlite = True
            self._seen_version = self._data_version()
        self._serving = True

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        self._sqlite = getattr(dbapi_connection, "driver_connection", None)

    def _data_version(self) -> int | None:
        """SQLite's count of other connections' commits (storage.sqlite.InlineSqlite); None: cannot tell."""
        read = getattr(self._sqlite, "data_version", None)
        return read() if read is not None else None

    async def stop(self) -> None:
        self._serving = False
        self.clear()
        task, self._listener = self._listener, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self, engine: AsyncEngine) -> None:
        """LISTEN on a connection of our own for as long as we run; serve only while it listens."""
        while True:
            lost = asyncio.Event()
            try:
                conn = await (await engine.connect()).execution_options(isolation_level="AUTOCOMMIT")
            except Exception as exc:
                log.warning("person cache off: cannot listen for changes (%s)", type(exc).__name__)
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            try:
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                await driver.add_listener(CHANNEL, lambda *_: self.clear())
                driver.add_termination_listener(lambda *_, lost=lost: lost.set())
                self.clear()  # whatever happened while nobody listened
                self._serving = True
                await lost.wait()
                log.warning("person cache off: the connection that listens for changes was lost")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("person cache off: listening failed (%s)", type(exc).__name__)
            finally:
                self._serving = False
                self.clear()
                with contextlib.suppress(Exception):
                    await conn.invalidate()
                with contextlib.suppress(Exception):
                    await conn.close()
            await asyncio.sleep(RECONNECT_SECONDS)

    def _write_started(self) -> None:
        self._writers += 1
        self.clear()

    def _write_ended(self) -> None:
        self._writers = max(0, self._writers - 1)
        self.clear()


# One set of listeners for every engine of the process: a test, a CLI command or the console writing through
# an engine of its own is seen too.
_LIVE: weakref.WeakSet[PersonCache] = weakref.WeakSet()


@lru_cache(maxsize=2048)
def writes_watched(statement: str) -> bool:
    """A write that may touch a watched table. A SELECT is none, even `FOR UPDATE` (the delivery worker
    claims its rows so, joined to users, several times a second)."""
    verb = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else ""
    if verb not in _WRITE_VERBS and not (verb == "with" and _WRITE.search(statement)):
        return False
    return _WATCHED.search(statement) is not None


@event.listens_for(Engine, "before_cursor_execute")
def _on_statement(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
    if _LIVE and writes_watched(statement) and not conn.info.get(_WRITING):
        conn.info[_WRITING] = True
        for cache in list(_LIVE):
            cache._write_started()


@event.listens_for(Pool, "checkin")
def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
    # Back in the pool: its transaction is over (committed or rolled back), so reads see the outcome.
    if record is not None and record.info.pop(_WRITING, False):
        for cache in list(_LIVE):
            cache._write_ended()


@event.listens_for(Pool, "invalidate")
def _on_invalidate(_dbapi_conn: Any, record: Any, _exc: Any) -> None:
    _on_checkin(_dbapi_conn, record)
