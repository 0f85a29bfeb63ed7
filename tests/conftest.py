"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a controllable clock.

Migrations run once per test session (per xdist worker): into a template SQLite file, copied for each
test, and into a template PostgreSQL database, cloned with CREATE DATABASE ... TEMPLATE (a database of its
own: subprocesses get a plain URL, no search_path); a used clone is emptied, renamed and reused. Other tests
that take `db_kind` run on both. End-to-end tests (tests/e2e/) run on SQLite; those marked `pg_e2e` run on
PostgreSQL too: one smoke test per capability, the races, and what depends on the database (NUL characters,
number ranges, deadlocks).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import gc
import inspect
import os
import random
import shutil
import socket
import ssl
import tempfile
import threading
import time
import types
import uuid
import zlib
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from bot.clock import FrozenClock
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from tests import forkserver

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
DB_KINDS = ["sqlite", "pg"]
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw3" under pytest-xdist, "" without it
TESTS = Path(__file__).resolve().parent
T = TypeVar("T")


def pg_url_for(database: str, base: str = PG_URL) -> str:
    return f"{base.rsplit('/', 1)[0]}/{database}"


async def pg_admin(*statements: str) -> None:
    """Statements that cannot run in a transaction (CREATE/DROP DATABASE), on the server's `test` database."""
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            for statement in statements:
                await conn.exec_driver_sql(statement)
    finally:
        await admin.dispose()


class _SqliteTemplate:
    """The migrated SQLite file of this process, made when the first test needs it."""

    folder: Path | None = None
    path: Path | None = None

    @classmethod
    async def get(cls) -> Path:
        if cls.path is None:
            cls.folder = cls.folder or Path(tempfile.mkdtemp(prefix=f"hnb-tpl-{WORKER or 'main'}-"))
            path = cls.folder / "template.sqlite3"
            path.unlink(missing_ok=True)
            engine = create_engine(f"sqlite+aiosqlite:///{path}")
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()  # the last connection checkpoints the WAL into the file
            cls.path = path
        return cls.path

    @classmethod
    def remove(cls) -> None:
        if cls.folder is not None:
            shutil.rmtree(cls.folder, ignore_errors=True)
            cls.folder = cls.path = None


# What a test database's schema is made of (tables, columns, indexes, constraints, sequences, schemas, the
# migration heads ...), as one hash: a used database whose hash is the template's may be emptied and reused.
_SCHEMA_HASH = """
SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
  SELECT 'c:' || table_schema || '.' || table_name || '.' || column_name || ':' || data_type || ':'
         || coalesce(column_default, '') || is_nullable AS x
    FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT 'i:' || schemaname || '.' || indexname || ':' || indexdef
    FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog')
  UNION ALL SELECT 'k:' || conrelid::regclass::text || '.' || conname || ':' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace NOT IN ('pg_catalog'::regnamespace)
  UNION ALL SELECT 'n:' || nspname FROM pg_namespace
  UNION ALL SELECT 'f:' || proname FROM pg_proc WHERE pronamespace NOT IN ('pg_catalog'::regnamespace,
    'information_schema'::regnamespace)
  UNION ALL SELECT 't:' || tgname FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT 'y:' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace
  UNION ALL SELECT 's:' || schemaname || '.' || sequencename FROM pg_sequences
  UNION ALL SELECT 'e:' || extname FROM pg_extension
  UNION ALL SELECT 'v:' || schemaname || '.' || viewname FROM pg_views
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT 'a:' || version_num FROM public.alembic_version
) AS parts
"""


class _PgDatabases:
    """PostgreSQL databases for tests: clones of a template migrated once per process, reused.

    A CREATE DATABASE and a DROP DATABASE cost the server about 80 ms of CPU together (copying and removing
    some 8 MB of files), for each of the ~460 PostgreSQL tests of a run. So a used database is emptied and
    reused instead: its other connections are ended, and if its schema is still the template's (the same
    hash, `_SCHEMA_HASH`), every table is emptied, the rows the migrations wrote are put back and the
    sequences set as in the template; otherwise (a test changed the schema, or anything failed) it is
    dropped. An emptied database gets a new name, so that it is a new database to whatever keeps state per
    database URL. This happens on a thread of its own, with its own event loop, while the next test runs; a
    new clone is made only when no emptied database is ready or coming. The template gets no connection after
    its migration (a database being copied must have none).
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="pg-databases", daemon=True)
        self.thread.start()
        self.template: str | None = None
        self.schema_hash = ""
        self.reset_sql = ""  # empties a database made from the template and puts its first rows back
        self.free: collections.deque[str] = collections.deque()  # emptied, ready to be used again
        self.recycling: set[concurrent.futures.Future[None]] = set()
        self.admin: AsyncEngine | None = None  # used on self.loop only
        self.migrating = asyncio.Lock()  # used on self.loop only

    def _run(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    async def _sql(self, statement: str) -> None:
        if self.admin is None:
            # Its connections are kept: two new ones per recycling cost the server a third of its CPU there.
            # (Pinged when taken: a test restarts the server.)
            self.admin = create_async_engine(
                PG_URL, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=6, pool_pre_ping=True
            )
        async with self.admin.connect() as conn:
            await conn.exec_driver_sql(statement)

    async def _template(self) -> str | None:
        async with self.migrating:
            if self.template is None:
                name = f"hnb_tpl_{uuid.uuid4().hex[:12]}"
                await self._sql(f'CREATE DATABASE "{name}"')
                engine = create_async_engine(pg_url_for(name), poolclass=NullPool)
                try:
                    await upgrade(engine)
                    async with engine.connect() as conn:
                        self.schema_hash, self.reset_sql = await self._reset_script(conn)
                except BaseException:
                    await engine.dispose()
                    await self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    raise
                await engine.dispose()
                self.template = name
            return self.template

    @staticmethod
    async def _reset_script(conn: Any) -> tuple[str, str]:
        """The template's schema hash, and SQL that empties a copy of it and puts back what the migrations
        wrote (rows, sequence positions), read from the template."""
        schema_hash = (await conn.exec_driver_sql(_SCHEMA_HASH)).scalar()
        tables = [
            r[0]
            for r in (
                await conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).all()
        ]
        lines = ["SET session_replication_role = replica;"]  # no foreign key checks while emptying
        lines += [f'DELETE FROM public."{t}";' for t in tables]
        for t in tables:
            # Rows as JSON, read back with the table's own column types.
            rows = (await conn.exec_driver_sql(f'SELECT json_agg(r)::text FROM public."{t}" AS r')).scalar()
            if rows:
                literal = rows.replace("'", "''")
                records = f"json_populate_recordset(NULL::public.\"{t}\", '{literal}')"
                lines.append(f'INSERT INTO public."{t}" SELECT * FROM {records};')
        sequences = (
            await conn.exec_driver_sql(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
        ).all()
        for name, last in sequences:
            position = f"{int(last)}, true" if last is not None else "1, false"
            lines.append(f"SELECT setval('public.\"{name}\"', {position});")
        lines.append("SET session_replication_role = DEFAULT;")
        return str(schema_hash), "\n".join(lines)

    async def _clone(self) -> str:
        template = await self._template()
        assert template is not None
        name = f"t_{uuid.uuid4().hex[:12]}"
        await self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    async def _drop(self, name: str) -> None:
        await self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def _recycle(self, name: str) -> None:
        """Empty a used database for the next test, or drop it (see the class)."""
        try:
            await self._sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            engine = create_async_engine(pg_url_for(name), isolation_level="AUTOCOMMIT", poolclass=NullPool)
            try:
                async with engine.connect() as conn:
                    if (await conn.exec_driver_sql(_SCHEMA_HASH)).scalar() != self.schema_hash:
                        raise LookupError("the schema changed")
                    raw = await conn.get_raw_connection()
                    await raw.driver_connection.execute(f"BEGIN;\n{self.reset_sql}\nCOMMIT;")
            finally:
                await engine.dispose()
            # A new name, as a new database has: caches of the process keyed by the database's URL (the
            # inbox's grouping) rightly trust that a database never gives an id twice.
            renamed = f"t_{uuid.uuid4().hex[:12]}"
            await self._sql(f'ALTER DATABASE "{name}" RENAME TO "{renamed}"')
        except Exception:
            await self._drop(name)
            return
        self.free.append(renamed)

    async def acquire(self) -> str:
        """A fresh migrated database of its own (its name); give it back with release()."""
        if self.template is None:  # migrated while the test waits (Alembic runs one migration at a time)
            await asyncio.wrap_future(self._run(self._template()))
        if not self.free and self.recycling:  # one is being emptied: a few milliseconds
            await asyncio.wrap_future(self._run(self._first_recycled()))
        if self.free:
            return self.free.popleft()
        return await asyncio.wrap_future(self._run(self._clone()))

    async def _first_recycled(self) -> None:
        pending = [asyncio.wrap_future(f) for f in list(self.recycling)]
        if pending:
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)

    def release(self, name: str) -> None:
        """Empty the database for the next test, in the background (open connections are ended)."""
        future = self._run(self._recycle(name))
        self.recycling.add(future)
        future.add_done_callback(self.recycling.discard)

    def close(self) -> None:
        """Wait for the databases being emptied; drop them all and the template; stop the thread."""
        concurrent.futures.wait(list(self.recycling), timeout=120)
        leftovers = list(self.free)
        self.free.clear()
        if self.template is not None:
            leftovers.append(self.template)

        async def finish() -> None:
            await asyncio.gather(*(self._drop(n) for n in leftovers), return_exceptions=True)
            if self.admin is not None:
                await self.admin.dispose()

        with contextlib.suppress(Exception):
            self._run(finish()).result(timeout=120)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


_pg_databases: _PgDatabases | None = None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _pg_databases
    if _pg_databases is not None:
        _pg_databases.close()
        _pg_databases = None
    _SqliteTemplate.remove()


# What a test process keeps alive (the imported modules, the FAQ index and language models, SQLAlchemy's
# caches) out of the garbage collector's sight, as `python -m bot run` does after its warm-up (bot/cli.py):
# every full collection walked it all again, a sixth of an end-to-end test's CPU time. Frozen again after
# each few seconds of CPU, once what the tests built lazily is there too.
FREEZE_EVERY_CPU_S = 3.0
_frozen_at_cpu = 0.0


# The built FAQ indexes (bot/faq/index_store.py) in a folder of this run's own: the first process that needs
# an index builds it, the workers, bots and demos after it load it (each build is about 1.5 s of CPU). A new
# folder per run: every run builds from the code and content as they are.
_INDEX_CACHE_OWNED: Path | None = None
_FORK_SERVER: forkserver.ForkServer | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _INDEX_CACHE_OWNED, _FORK_SERVER
    if WORKER:
        return  # a worker inherits the run's folder and fork server
    if "FAQ_INDEX_CACHE" not in os.environ:  # a folder given is kept
        _INDEX_CACHE_OWNED = Path(tempfile.mkdtemp(prefix="hnb-faq-index-"))
        os.environ["FAQ_INDEX_CACHE"] = str(_INDEX_CACHE_OWNED)
    # `python -m bot ...` forked from one process that imported the bot (tests/forkserver.py): it imports
    # while the workers start
    _FORK_SERVER = forkserver.ForkServer()
    os.environ[forkserver.SOCKET_ENV] = _FORK_SERVER.path


def pytest_unconfigure(config: pytest.Config) -> None:
    if _INDEX_CACHE_OWNED is not None:
        shutil.rmtree(_INDEX_CACHE_OWNED, ignore_errors=True)
        os.environ.pop("FAQ_INDEX_CACHE", None)
    if _FORK_SERVER is not None:
        _FORK_SERVER.stop()
        os.environ.pop(forkserver.SOCKET_ENV, None)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    global _frozen_at_cpu
    if time.process_time() - _frozen_at_cpu >= FREEZE_EVERY_CPU_S:
        gc.collect()
        gc.freeze()
        _frozen_at_cpu = time.process_time()


# One dialect and one cache of compiled SQL for all the test engines of an engine kind in a worker. Every
# test has an engine of its own, and SQLAlchemy keeps compiled statements per engine (keyed by the dialect
# instance), so each test compiled every statement again: about 8% of the unit tests' CPU (two runs each of
# tests/test_*.py: 214 -> 197 s of CPU, 133 -> 124 s wall). The engines of a kind are made alike, on one
# server; the bot itself has one engine per process. (Private attributes: should SQLAlchemy rename them,
# this only stops saving time.)
_COMPILED_SQL: dict[str, tuple[Any, Any]] = {}


def _with_shared_compiled_sql(engine: AsyncEngine, kind: str) -> AsyncEngine:
    sync = engine.sync_engine
    shared = _COMPILED_SQL.get(kind)
    if shared is None or shared[0].server_version_info is None:
        # A dialect learns the server (its version, and what that allows) on its engine's first connection:
        # until one has, this engine keeps its own, and its own become the ones to share.
        _COMPILED_SQL[kind] = (sync.dialect, sync._compiled_cache)
        return engine
    sync.dialect, sync._compiled_cache = shared
    sync.pool._dialect = shared[0]
    return engine


# What aiogram reads of each handler and filter (its parameters, whether it is a coroutine), worked out
# once per code object in a worker. aiogram inspects every callable each time a router is built
# (CallableObject.__post_init__: inspect.signature), about 1,800 per bot, most of them one `lambda: True`
# per observer; every test builds its own bot, and this was about 4% of the suite's CPU (py-spy of a whole
# run). The bot itself builds its routers once per process. Only plain functions and methods are kept:
# for them the answer depends on the code alone. Anything else is inspected as before.
_INSPECTED: dict[tuple[types.CodeType, bool], tuple[bool, frozenset[str], bool]] = {}


def _inspect_each_callable_once() -> None:
    # (imported here, after bot/__init__.py: aiogram must come after bot.ops.lazy_types)
    from aiogram.dispatcher.event.handler import CallableObject

    inspect_callable = CallableObject.__post_init__

    def inspect_once(self: CallableObject) -> None:
        function = getattr(self.callback, "__func__", self.callback)
        plain = isinstance(function, types.FunctionType) and not (
            hasattr(function, "__wrapped__") or hasattr(function, "__signature__")
        )
        if not plain:
            inspect_callable(self)
            return
        key = (function.__code__, inspect.ismethod(self.callback))
        known = _INSPECTED.get(key)
        if known is None:
            inspect_callable(self)
            _INSPECTED[key] = (self.awaitable, frozenset(self.params), self.varkw)
            return
        self.awaitable, params, self.varkw = known
        self.params = set(params)

    CallableObject.__post_init__ = inspect_once  # type: ignore[method-assign]


_inspect_each_callable_once()


def _one_certificate_store() -> None:
    """aiogram's HTTP session loads the certificate bundle for each Bot it is given (17 ms of CPU in
    `ssl.create_default_context`), and every test builds its own bot: one context for all of a worker's
    bots, made the same way (the emulator is plain HTTP; nothing changes a context once made)."""
    import certifi
    from aiogram.client.session import aiohttp as aiogram_http

    context = ssl.create_default_context(cafile=certifi.where())

    def same_context(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        return (
            context
            if (args, kwargs) == ((), {"cafile": certifi.where()})
            else ssl.create_default_context(*args, **kwargs)
        )

    aiogram_http.ssl = types.SimpleNamespace(create_default_context=same_context)  # type: ignore[assignment]


_one_certificate_store()


async def make_engine(kind: str, tmp_path: Path) -> tuple[AsyncEngine, str, str | None]:
    """A fresh, migrated database: a copy of the migrated SQLite file, or a PostgreSQL database cloned from
    the migrated template. Returns (engine, URL, PostgreSQL database to give to drop_pg_database() after)."""
    global _pg_databases
    if kind == "sqlite":
        path = tmp_path / "test.sqlite3"
        template = await _SqliteTemplate.get()
        shutil.copyfile(template, path)
        for suffix in ("-wal", "-shm"):  # normally gone once the template's engine is disposed
            if Path(f"{template}{suffix}").exists():
                shutil.copyfile(f"{template}{suffix}", f"{path}{suffix}")
        url = f"sqlite+aiosqlite:///{path}"
        return _with_shared_compiled_sql(create_engine(url), kind), url, None
    if _pg_databases is None:
        _pg_databases = _PgDatabases()
    database = await _pg_databases.acquire()
    url = pg_url_for(database)
    # At most 15 connections: the server allows 100, shared by the parallel workers (and whoever else uses it)
    engine = create_async_engine(url, pool_size=10, max_overflow=5)
    return _with_shared_compiled_sql(engine, kind), url, database


async def drop_pg_database(database: str) -> None:
    """Give back a database from make_engine: emptied for reuse, or dropped, in the background (open
    connections are ended)."""
    if _pg_databases is not None:
        _pg_databases.release(database)
    else:
        await pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def drop_schema(schema: str) -> None:
    """Drop a schema of the shared `test` database (tests that make their own)."""
    admin = create_async_engine(PG_URL, poolclass=NullPool)
    try:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await admin.dispose()


# --- ports -------------------------------------------------------------------------------------------------

# Servers started by tests as subprocesses must be told a port in advance. Under pytest-xdist each worker takes
# them from a block of its own (below the kernel's ephemeral ports, 32768+), so the workers of a run never hand
# out the same port; which blocks a run uses depends on its run id, so two runs at once rarely share one, and
# a port somebody listens on is skipped either way. Without xdist the kernel picks, as before.
_PORTS_FIRST, _PORTS_END, _PORTS_PER_WORKER = 20_000, 32_000, 150
_ports: list[int] = []


def _worker_ports() -> list[int]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 0)
    if not worker.startswith("gw") or not worker[2:].isdigit() or count < 1:
        return []
    runs = (_PORTS_END - _PORTS_FIRST) // (_PORTS_PER_WORKER * count)
    if runs < 1:
        return []
    run = zlib.crc32(os.environ.get("PYTEST_XDIST_TESTRUNUID", "").encode()) % runs
    first = _PORTS_FIRST + (run * count + int(worker[2:])) * _PORTS_PER_WORKER
    ports = list(range(first, first + _PORTS_PER_WORKER))
    random.shuffle(ports)
    return ports


def free_port() -> int:
    """A port nobody listens on (see above)."""
    if not _ports:
        _ports.extend(_worker_ports())
    for _ in range(len(_ports)):
        port = _ports.pop(0)
        _ports.append(port)  # round robin: a port comes again only after all the others
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- collection: which database a test runs on, which tests share an xdist worker ---------------------------


@pytest.fixture
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _kinds(metafunc: pytest.Metafunc) -> list[str]:
    """End-to-end tests run on SQLite, and on PostgreSQL too when marked pg_e2e; every other test on both."""
    path = Path(str(metafunc.definition.path))
    if TESTS / "e2e" in path.parents and metafunc.definition.get_closest_marker("pg_e2e") is None:
        return ["sqlite"]
    return DB_KINDS


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_kind" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "db_kind" in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return  # the test chose its databases itself
    params = [pytest.param(k, marks=pytest.mark.pg) if k == "pg" else k for k in _kinds(metafunc)]
    metafunc.parametrize("db_kind", params, indirect=True)


# The longest tests (a minute or two on a busy 2-core machine) start first, so none of them is left to run
# alone at the end while the other workers wait (longest first: the whole run is shorter).
SLOW_FIRST = (
    "tests/e2e/test_ticket_faults.py::test_200",
    "tests/e2e/test_fuzz.py",
    "tests/e2e/test_multiprocess",
    # first of its browser lane: it starts as a new refugee, whom test_console_schedule has made German
    "tests/browser/test_demo_page.py",
    "tests/browser/",
    "tests/e2e/test_foundation.py::test_thousand",
    "tests/test_ops_restore.py::test_cli_refuses",
    "tests/e2e/test_faults",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next(
            (i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST)
        )

    items.sort(key=rank)  # stable: the order within each rank stays as collected


# Tests that must share one xdist worker, by path. A browser test module runs whole on one worker (its
# tests go on from each other's state in the demo), and the browser modules run on two workers, in two lanes
# of about equal length: each worker that runs browser tests starts its own demo on SQLite, another on
# PostgreSQL and a Chromium (about 10 s of CPU), so four workers doing it cost more than the waiting they
# saved; one lane alone made the suite wait minutes for its last test. (pytest-xdist's own xdist_group marks
# work through node ids, which pytest 9.2 no longer lets a plugin change; so the scheduler groups by path.)
BROWSER = "tests/browser/"
# The longest modules (measured), spread over the two lanes; any other module goes to the second.
BROWSER_FIRST_LANE = (
    "test_console_broadcasts",
    "test_demo_page",
    "test_console_schedule",
    "test_console_helpers",
    "test_letter_page",
)


def browser_lane(nodeid: str) -> str:
    module = nodeid.split("::", 1)[0].removeprefix(BROWSER).removesuffix(".py")
    return "browser-1" if module in BROWSER_FIRST_LANE else "browser-2"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup`: each test on the next free worker, except the groups above (and xdist_group)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class Grouping(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(BROWSER):
                return browser_lane(nodeid)
            return super()._split_scope(nodeid)

    return Grouping(config, log)


# --- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture
async def engine(db_kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    eng, _url, database = await make_engine(db_kind, tmp_path)
    try:
        yield eng
    finally:
        await eng.dispose()
        if database:
            await drop_pg_database(database)


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))
