"""Restore: `python -m bot restore FILE` (the three formats are described in bot/ops/backup.py).

A restore checks everything before it touches anything, and replaces the database in one transaction, so a
refused or failed restore leaves the live database exactly as it was and says why in one line
(BackupError):

- JSON: every line is read and checked against the schema at the backup's revision (built in a scratch
  SQLite file): the revision is one this version knows (a backup of a newer version is refused), the
  tables and columns exist, each row has one value per column, of the right type and length, required
  values are there, primary and unique keys are unique, and foreign keys point at rows of the backup.
  Then ONE transaction drops the tables, builds the schema at the backup's revision, loads the rows and
  migrates to this version (DDL is transactional on PostgreSQL and SQLite alike).
- SQLite native: integrity check and revision first; SQLite's backup API then copies in one step.
- pg_dump: pg_restore turns the whole archive into SQL (so a damaged one fails here), the revision is
  checked, and psql runs the drop and the script in one transaction.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import gzip
import json
import os
import re
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, NoReturn

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Column, MetaData, Table, UniqueConstraint, column, func, select, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ops.backup import (
    CHUNK,
    FORMAT,
    VERSION,
    BackupError,
    Report,
    count_users,
    detect_format,
    is_sqlite,
    known_revisions,
    libpq,
    native_pg_usable,
    pg_tool,
    sqlite_file,
)
from storage.db import create_engine
from storage.migrate import alembic_config, upgrade

VERSION_TABLE = "alembic_version"  # set by the migrations, never loaded from the backup
Convert = Callable[[Any], Any]


async def restore(url: str, path: Path, *, force: bool = False) -> Report:
    """Replace the database at `url` with the backup in `path`; BackupError (one line) when refused."""
    if not path.exists():
        raise BackupError(f"{path}: no such file")
    kind = detect_format(path)
    started = time.perf_counter()
    if is_sqlite(url):
        sqlite_file(url).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    try:
        users = await count_users(engine)
        if users and not force:
            raise BackupError(
                f"the target database has {users} users; restoring replaces ALL its data. "
                "Stop the bot, then run again with --yes"
            )
        if kind == "sqlite":
            heads, tables = await _sqlite_native(engine, url, path)
        elif kind == "pgdump":
            heads, tables = await _pgdump_native(engine, url, path)
        else:
            heads, tables = await _json_restore(engine, path)
    except BackupError:
        raise
    except Exception as exc:  # anything else still ends in one line, never with parameters or rows
        raise BackupError(f"{path}: restore failed ({describe(exc)})") from None
    finally:
        await engine.dispose()
    return Report(path, kind, time.perf_counter() - started, tables, heads)


def describe(exc: BaseException) -> str:
    """An exception in a few words; a database error's message carries parameters, so only its classes."""
    if isinstance(exc, StatementError):
        return f"{type(exc).__name__}, {type(exc.orig).__name__}"
    first = (str(exc).splitlines() or [""])[0][:160]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def check_heads(heads: list[str]) -> None:
    if not heads:
        raise BackupError("the backup has no schema revision (alembic_version): not a backup of this bot?")
    unknown = [h for h in heads if h not in known_revisions()]
    if unknown:
        raise BackupError(
            f"the backup comes from a newer version of the bot (schema {', '.join(unknown)}); "
            "update the bot first, then restore; nothing was restored"
        )


# --------------------------------------------------------------------------------------- native formats


async def _sqlite_native(engine: AsyncEngine, url: str, path: Path) -> tuple[list[str], dict[str, int]]:
    if not is_sqlite(url):
        raise BackupError("a SQLite backup restores into SQLite; for PostgreSQL make a --format json backup")
    heads = await asyncio.to_thread(_sqlite_backup_heads, path)
    check_heads(heads)
    await engine.dispose()  # no connection of ours stays open on the file we replace
    target = sqlite_file(url)
    await asyncio.to_thread(_sqlite_copy, path, target)
    await upgrade(engine)  # a backup of an older version: migrate to this one
    return heads, {"users": await count_users(engine) or 0}


def _sqlite_backup_heads(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path}: the backup file is damaged (integrity check failed)")
        return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: not a backup of this bot ({exc})") from None
    finally:
        conn.close()


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)  # all pages in one step, under the target's write lock: all or nothing
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


async def _pgdump_native(engine: AsyncEngine, url: str, path: Path) -> tuple[list[str], dict[str, int]]:
    if is_sqlite(url):
        raise BackupError("a pg_dump backup restores into PostgreSQL only")
    usable, why = await native_pg_usable(engine, "pg_restore")
    if not usable:
        raise BackupError(f"pg_restore cannot be used: {why}")
    psql = pg_tool("psql")
    if psql is None:
        raise BackupError(
            "psql is not on PATH (it runs the restore in one transaction); nothing was restored"
        )
    drops = await _drop_statements(engine)
    with tempfile.TemporaryDirectory(prefix="hnb-restore-") as scratch:
        script = Path(scratch) / "restore.sql"
        await asyncio.to_thread(_pg_script, path, script)
        heads = await asyncio.to_thread(_script_heads, script)
        check_heads(heads)
        drop = Path(scratch) / "drop.sql"
        drop.write_text("".join(f"{statement};\n" for statement in drops), encoding="utf-8")
        await asyncio.to_thread(_psql, psql, url, [drop, script])
    await upgrade(engine)
    return heads, {"users": await count_users(engine) or 0}


def _pg_script(source: Path, target: Path) -> None:
    """The archive as one SQL script (pg_restore reads all of it: a damaged archive fails here)."""
    result = subprocess.run(
        [
            pg_tool("pg_restore") or "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not target.exists():
        raise BackupError(f"{source}: not a readable pg_dump archive; nothing was restored")


def _script_heads(script: Path) -> list[str]:
    heads: list[str] = []
    copying = False
    with script.open(encoding="utf-8") as handle:
        for line in handle:
            if copying:
                if line.startswith("\\."):
                    break
                heads.append(line.strip())
            elif re.match(r"COPY (\w+\.)?\"?alembic_version\"? ", line):
                copying = True
    return sorted(h for h in heads if h)


async def _drop_statements(engine: AsyncEngine) -> list[str]:
    meta = MetaData()
    async with engine.connect() as conn:
        await conn.run_sync(lambda sync: meta.reflect(bind=sync))
        # the migrations' functions (e.g. 0021's trigger function; an extension's stay): the archive makes its own
        functions = await conn.scalars(
            text(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = current_schema() AND NOT EXISTS"
                " (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
            )
        )
        names = sorted(set(functions))
    tables = [f'DROP TABLE IF EXISTS "{t.name}" CASCADE' for t in reversed(meta.sorted_tables)]
    return tables + [f'DROP FUNCTION IF EXISTS "{name}" CASCADE' for name in names]


def _psql(psql: str, url: str, files: list[Path]) -> None:
    uri, env = libpq(url)
    args = [psql, "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1", "--dbname", uri]
    for file in files:
        args += ["--file", str(file)]
    result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **env})
    if result.returncode != 0:
        first = next((line for line in result.stderr.splitlines() if "ERROR" in line), "psql failed")
        raise BackupError(f"the archive could not be loaded ({first.strip()[:200]}); nothing was restored")


# ----------------------------------------------------------------------------------------- JSON: checks


async def _json_restore(engine: AsyncEngine, path: Path) -> tuple[list[str], dict[str, int]]:
    header = await asyncio.to_thread(_read_header, path)
    heads = sorted(str(h) for h in header.get("heads") or [])
    check_heads(heads)
    schema = await _schema_at(heads)
    checker = _Checker(path, schema, engine.dialect.name)
    counts = await asyncio.to_thread(checker.run)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_replace, path, heads, checker)
    except BackupError:
        raise
    except Exception as exc:
        raise BackupError(
            f"{path}: the database refused the backup ({describe(exc)}); nothing was restored"
        ) from None
    return heads, counts


def _lines(handle: IO[str], path: Path) -> Iterator[tuple[int, Any]]:
    number = 0
    try:
        for number, line in enumerate(handle, start=1):
            yield number, json.loads(line)
    except json.JSONDecodeError:
        raise BackupError(f"{path}: line {number} is damaged; nothing was restored") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise BackupError(
            f"{path}: the file is damaged ({type(exc).__name__}); nothing was restored"
        ) from None


def _read_header(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for _number, header in _lines(handle, path):
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                break
            if int(header.get("version", 0)) > VERSION:
                raise BackupError(f"{path}: backup format {header.get('version')} is newer than this bot")
            return header
    raise BackupError(f"{path}: not a JSON backup of this bot")


_SCHEMAS: dict[tuple[str, ...], MetaData] = {}  # by revision: the migrations of this code never change


async def _schema_at(heads: list[str]) -> MetaData:
    """The tables at the backup's revision, only read by the checks: built once per process and revision
    (`python -m bot restore` restores once; the tests restore dozens of backups in one process)."""
    key = tuple(heads)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = await _build_schema(heads)
    return _SCHEMAS[key]


async def _build_schema(heads: list[str]) -> MetaData:
    """The tables at a revision, built in a scratch SQLite file (the live database is not touched)."""
    meta = MetaData()
    with tempfile.TemporaryDirectory(prefix="hnb-schema-") as scratch:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(scratch) / 'schema.sqlite3'}")
        try:
            for head in heads:
                await upgrade(engine, head)
            async with engine.connect() as conn:
                await conn.run_sync(lambda sync: meta.reflect(bind=sync))
        finally:
            await engine.dispose()
    return meta


def _model_column(table_name: str, name: str, fallback: Column[Any]) -> Column[Any]:
    """The model's column where this version has one (its type knows how values are stored)."""
    import storage.models  # noqa: F401  (registers every table)
    from storage.base import Base

    model = Base.metadata.tables.get(table_name)
    found = model.columns.get(name) if model is not None else None
    return found if found is not None else fallback


def _effective(kind: Any, dialect: str) -> Any:
    kind = kind._variant_mapping.get(dialect, kind)
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    return kind() if isinstance(kind, type) else kind


def _converter(col: Column[Any], dialect: str) -> Convert:
    """Checks one JSON value for the column and turns it into the Python value the database takes."""
    kind = _effective(col.type, dialect)

    def wrong(value: Any, what: str) -> NoReturn:
        raise ValueError(f"{what} expected, got {type(value).__name__}")

    if isinstance(kind, sa.Boolean):
        return lambda v: bool(v) if isinstance(v, bool) or v in (0, 1) else wrong(v, "true/false")
    if isinstance(kind, sa.Integer):
        bits = 16 if isinstance(kind, sa.SmallInteger) else 64 if isinstance(kind, sa.BigInteger) else 32
        bits = 64 if dialect == "sqlite" else bits
        top = 2 ** (bits - 1)

        def integer(v: Any) -> int:
            if not isinstance(v, int) or isinstance(v, bool):
                wrong(v, "a whole number")
            if not -top <= v < top:
                raise ValueError("number out of range")
            return v

        return integer
    if isinstance(kind, sa.Numeric):
        if getattr(kind, "asdecimal", False):
            return lambda v: Decimal(str(v)) if isinstance(v, str | int | float) else wrong(v, "a number")
        return lambda v: v if isinstance(v, int | float) and not isinstance(v, bool) else wrong(v, "a number")
    if isinstance(kind, sa.DateTime):
        return lambda v: _aware(datetime.fromisoformat(v)) if isinstance(v, str) else wrong(v, "a timestamp")
    if isinstance(kind, sa.Date):
        return lambda v: date.fromisoformat(v) if isinstance(v, str) else wrong(v, "a date")
    if isinstance(kind, sa.Time):
        return lambda v: dtime.fromisoformat(v) if isinstance(v, str) else wrong(v, "a time")
    if isinstance(kind, sa.LargeBinary):
        return lambda v: base64.b64decode(v, validate=True) if isinstance(v, str) else wrong(v, "base64")
    if isinstance(kind, sa.String) and not isinstance(kind, sa.JSON):
        length = kind.length

        def string(v: Any) -> str:
            if not isinstance(v, str):
                wrong(v, "text")
            if length is not None and len(v) > length:
                raise ValueError(f"text longer than {length} characters")
            if dialect == "postgresql" and "\x00" in v:
                raise ValueError("text with a NUL character (PostgreSQL refuses it)")
            return v

        return string
    return lambda v: v  # JSON and anything else: as read


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class _Section:
    """One table of the backup as it is read: its columns, converters and the keys seen so far."""

    def __init__(self, name: str, columns: list[str], schema: Table, dialect: str) -> None:
        self.name = name
        self.columns = columns
        cols = [_model_column(name, c, schema.columns[c]) for c in columns]
        self.converters = [_converter(c, dialect) for c in cols]
        self.required = [not schema.columns[c].nullable for c in columns]
        self.target = table(name, *[column(c.name, c.type) for c in cols])  # exactly these columns
        self.rows = 0
        positions = {c: i for i, c in enumerate(columns)}
        keys: list[tuple[str, ...]] = [tuple(c.name for c in schema.primary_key.columns)]
        keys += [
            tuple(c.name for c in u.columns) for u in schema.constraints if isinstance(u, UniqueConstraint)
        ]
        keys += [tuple(c.name for c in i.columns) for i in schema.indexes if i.unique and not _partial(i)]
        self.unique = [(k, [positions[c] for c in k], set()) for k in keys if k and set(k) <= set(positions)]
        self.positions = positions

    def values(self, item: list[Any]) -> tuple[Any, ...]:
        return tuple(self.converters[i](v) if v is not None else None for i, v in enumerate(item))


def _partial(index: Any) -> bool:
    return any(index.dialect_options[d].get("where") is not None for d in ("sqlite", "postgresql"))


class _Checker:
    """Reads the whole backup once and refuses it at the first thing that would not load."""

    def __init__(self, path: Path, schema: MetaData, dialect: str) -> None:
        self.path = path
        self.schema = schema
        self.dialect = dialect
        self.sections: dict[str, _Section] = {}
        self.skipped = 0  # rows of alembic_version (the migrations write it)
        # foreign keys: (child table, child columns, parent table, parent columns)
        self.links = [
            (t.name, tuple(e.parent.name for e in fk.elements), fk.referred_table.name,
             tuple(e.column.name for e in fk.elements))
            for t in schema.sorted_tables for fk in t.foreign_key_constraints
        ]  # fmt: skip
        self.children: dict[int, set[tuple[Any, ...]]] = {i: set() for i in range(len(self.links))}
        self.parents: dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]] = {
            (parent, cols): set() for _c, _cc, parent, cols in self.links
        }

    def fail(self, why: str) -> NoReturn:
        raise BackupError(f"{self.path}: {why}; nothing was restored")

    def run(self) -> dict[str, int]:
        section: _Section | None = None
        skipping = False
        with gzip.open(self.path, "rt", encoding="utf-8") as handle:
            lines = _lines(handle, self.path)
            next(lines, None)  # the header (read before)
            for number, item in lines:
                if isinstance(item, list):
                    if skipping:
                        self.skipped += 1
                        continue
                    if section is None:
                        self.fail(f"line {number}: a row before any table")
                    self.row(section, number, item)
                elif isinstance(item, dict) and "table" in item:
                    skipping = item.get("table") == VERSION_TABLE
                    section = None if skipping else self.start(number, item)
                elif isinstance(item, dict) and item.get("end"):
                    self.finish(item)
                    return {name: s.rows for name, s in self.sections.items()}
                else:
                    self.fail(f"line {number} is neither a table, a row nor the end")
        self.fail("the backup is incomplete (no end marker)")

    def start(self, number: int, item: dict[str, Any]) -> _Section:
        name, columns = item.get("table"), item.get("columns")
        if (
            not isinstance(name, str)
            or not isinstance(columns, list)
            or not all(isinstance(c, str) for c in columns)
        ):
            self.fail(f"line {number}: a damaged table header")
        if name in self.sections:
            self.fail(f"table {name} appears twice")
        schema = self.schema.tables.get(name)
        if schema is None:
            self.fail(f"table {name} does not exist in this version of the bot (a backup of a newer one?)")
        unknown = [c for c in columns if c not in schema.columns]
        if unknown or len(set(columns)) != len(columns):
            self.fail(
                f"table {name} has no column {', '.join(unknown) or 'twice'} in this version of the bot"
            )
        missing = [
            c.name for c in schema.columns
            if c.name not in columns and not c.nullable and c.server_default is None and not c.primary_key
        ]  # fmt: skip
        if missing:
            self.fail(f"table {name}: required column {', '.join(missing)} is missing")
        section = self.sections[name] = _Section(name, columns, schema, self.dialect)
        return section

    def row(self, section: _Section, number: int, item: list[Any]) -> None:
        where = f"table {section.name}, line {number}"
        if len(item) != len(section.columns):
            self.fail(f"{where}: {len(item)} values for {len(section.columns)} columns")
        for index, value in enumerate(item):
            if value is None:
                if section.required[index]:
                    self.fail(f"{where}: column {section.columns[index]} is empty")
                continue
            try:
                section.converters[index](value)
            except (ValueError, TypeError, InvalidOperation, binascii.Error) as exc:
                self.fail(f"{where}: column {section.columns[index]}: {str(exc)[:80]}")
        for key, positions, seen in section.unique:
            values = tuple(item[p] for p in positions)
            if None in values:
                continue
            if values in seen:
                self.fail(f"{where}: duplicate key ({', '.join(key)})")
            seen.add(values)
        for (parent, cols), found in self.parents.items():
            if parent == section.name and all(c in section.positions for c in cols):
                found.add(tuple(item[section.positions[c]] for c in cols))
        for index, (child, cols, _parent, _pcols) in enumerate(self.links):
            if child == section.name and all(c in section.positions for c in cols):
                values = tuple(item[section.positions[c]] for c in cols)
                if None not in values:
                    self.children[index].add(values)
        section.rows += 1

    def finish(self, end: dict[str, Any]) -> None:
        total = sum(s.rows for s in self.sections.values()) + self.skipped
        if isinstance(end.get("rows"), int) and end["rows"] != total:
            self.fail(f"the backup says {end['rows']} rows but holds {total}")
        for index, (child, cols, parent, pcols) in enumerate(self.links):
            dangling = self.children[index] - self.parents[(parent, pcols)]
            if dangling:
                self.fail(
                    f"table {child}: {len(dangling)} rows point to missing rows of {parent} ({', '.join(cols)})"
                )


# ------------------------------------------------------------------------------------------- JSON: load


def _replace(conn: Connection, path: Path, heads: list[str], checker: _Checker) -> None:
    """In the caller's one transaction: drop, build the backup's schema, load, migrate to this version."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # checked at commit, like PostgreSQL's order
    live = MetaData()
    live.reflect(bind=conn)
    if sqlite:
        live.drop_all(bind=conn)
    else:
        for old in reversed(live.sorted_tables):
            conn.execute(text(f'DROP TABLE IF EXISTS "{old.name}" CASCADE'))
    for head in heads:
        _migrate(conn, head)
    built = MetaData()
    built.reflect(bind=conn)
    for seeded in reversed(built.sorted_tables):  # rows the migrations seeded (default topics, ...)
        if seeded.name != VERSION_TABLE:
            conn.execute(seeded.delete())
    _load(conn, path, checker)
    if not sqlite:
        _reset_sequences(conn, built)
    _migrate(conn, "heads")  # a backup of an older version: migrate to this one


def _migrate(conn: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def _load(conn: Connection, path: Path, checker: _Checker) -> None:
    section: _Section | None = None
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if batch and section is not None:
            conn.execute(section.target.insert(), batch)
            batch.clear()

    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = _lines(handle, path)
        next(lines, None)
        for _number, item in lines:
            if isinstance(item, list):
                if section is not None:
                    batch.append(dict(zip(section.columns, section.values(item), strict=True)))
                    if len(batch) >= CHUNK:
                        flush()
            elif isinstance(item, dict) and "table" in item:
                flush()
                section = checker.sections.get(str(item["table"]))  # None: alembic_version
            else:
                break
        flush()


def _reset_sequences(conn: Connection, meta: MetaData) -> None:
    """New rows get fresh ids: PostgreSQL's sequences move past the restored ones."""
    for tbl in meta.sorted_tables:
        for col in tbl.primary_key.columns:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": tbl.name, "c": col.name}
            ).scalar()
            if seq:
                top = conn.execute(select(func.max(col))).scalar()
                conn.execute(
                    text("SELECT setval(:s, :v, :called)"),
                    {"s": seq, "v": top if top is not None else 1, "called": top is not None},
                )
