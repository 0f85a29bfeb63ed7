"""Backup and restore of the bot's database: `python -m bot backup` / `python -m bot restore FILE`.

Three formats; `restore` recognises each by its first bytes:

- SQLite, native (`.sqlite3`): SQLite's online backup API copies a consistent snapshot while the bot keeps
  running (WAL mode); restored with the same API into the database file.
- PostgreSQL, native (`.pgdump`): `pg_dump --format=custom`, restored with `pg_restore`. Used when pg_dump is
  on PATH and not older than the server (pg_dump refuses older servers' newer formats).
- Logical JSON (`.jsonl.gz`), any database: every table row by row through SQLAlchemy, with the schema
  revision (Alembic heads). The fallback when pg_dump is missing, and the way to move between engines
  (`backup --format json` on SQLite, `restore` into PostgreSQL, or back).

Restoring (bot/ops/restore.py) replaces everything in the target database (it refuses a database that has
users unless told `--yes`), brings the schema to the backup's revision first, loads the rows, and then
migrates to the code's current revision, so a backup from an older version of the bot restores into a newer
one. It checks the whole backup before it touches anything and replaces in one transaction: a refused or
failed restore leaves the database as it was.

Stop the bot (all its processes) before restoring. A backup holds personal data (ids, questions, bookings):
keep it as safe as the database itself, and delete old ones (the retention rules apply to them too).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import MetaData, Table, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.migrate import alembic_config

FORMAT = "helfernetz-backup"
VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1000


class BackupError(Exception):
    """A problem phrased for the operator (one line)."""


@dataclass
class Report:
    path: Path
    format: str  # sqlite | pgdump | json
    seconds: float = 0.0
    tables: dict[str, int] = field(default_factory=dict)  # rows per table (json; users for native)
    heads: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def summary(self, verb: str) -> str:
        size = self.path.stat().st_size if self.path.exists() else 0
        detail = f"{len(self.tables)} tables, {self.rows} rows" if self.format == "json" else ""
        users = self.tables.get("users")
        if self.format != "json" and users is not None:
            detail = f"{users} users"
        parts = [
            f"{verb} {self.path} ({self.format}, {size / 1024:.0f} KiB{', ' + detail if detail else ''})"
        ]
        parts.append(f"in {self.seconds:.1f} s")
        if self.heads:
            parts.append(f"schema {','.join(self.heads)}")
        line = " ".join(parts)
        return f"{line}; {self.note}" if self.note else line


# ---------------------------------------------------------------------------------------------- helpers


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(path)


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for pg_dump/pg_restore (password in PGPASSWORD, not on the command line)."""
    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    env: dict[str, str] = {}
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    query = f"?{parts.query}" if parts.query else ""
    if query and not re.fullmatch(
        r"\?(sslmode|application_name|connect_timeout)=[\w.-]+(&\w+=[\w.-]+)*", query
    ):
        raise BackupError(
            f"connection options {parts.query!r} are not understood by pg_dump; use --format json"
        )
    return f"postgresql://{user}{host}{port}{parts.path}{query}", env


def default_path(directory: Path, kind: str) -> Path:
    suffix = {"sqlite": ".sqlite3", "pgdump": ".pgdump", "json": ".jsonl.gz"}[kind]
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return directory / f"helfernetz-{stamp}{suffix}"


def detect_format(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pgdump"
    if head.startswith(GZIP_MAGIC):
        return "json"
    raise BackupError(f"{path}: not a backup of this bot (neither SQLite, pg_dump custom format nor JSON)")


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


async def db_heads(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        try:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        except Exception:
            return []
    return sorted(str(r[0]) for r in rows)


async def count_users(engine: AsyncEngine) -> int | None:
    async with engine.connect() as conn:
        try:
            return int((await conn.execute(text("SELECT count(*) FROM users"))).scalar() or 0)
        except Exception:
            return None


def pg_tool(name: str) -> str | None:
    return shutil.which(name)


def tool_major(tool: str) -> int:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


async def server_major(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        num = int((await conn.execute(text("SHOW server_version_num"))).scalar() or 0)
    return num // 10000


async def native_pg_usable(engine: AsyncEngine, tool: str = "pg_dump") -> tuple[bool, str]:
    path = pg_tool(tool)
    if path is None:
        return False, f"{tool} not on PATH"
    try:
        ours, theirs = tool_major(path), await server_major(engine)
    except Exception as exc:
        return False, f"cannot compare versions ({type(exc).__name__})"
    if ours < theirs:
        return False, f"{tool} {ours} is older than the server ({theirs})"
    return True, ""


# ---------------------------------------------------------------------------------------------- backup


async def backup(url: str, output: Path | None, fmt: str = "auto", directory: Path | None = None) -> Report:
    """Write a backup of the database at `url`; returns what was written."""
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        heads = await db_heads(engine)
        if not heads:
            raise BackupError("the database has no schema yet (run the bot or `python -m bot db upgrade`)")
        note = ""
        kind = fmt
        if fmt == "auto":
            if is_sqlite(url):
                kind = "sqlite"
            else:
                usable, why = await native_pg_usable(engine)
                kind = "pgdump" if usable else "json"
                note = "" if usable else f"logical JSON backup: {why}"
        elif fmt == "native":
            kind = "sqlite" if is_sqlite(url) else "pgdump"
        if kind == "sqlite" and not is_sqlite(url):
            raise BackupError("--format sqlite needs a SQLite database")
        if kind == "pgdump" and is_sqlite(url):
            raise BackupError("pg_dump needs a PostgreSQL database")
        path = output or default_path(directory or Path("data/backups"), kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        if kind == "sqlite":
            await asyncio.to_thread(_sqlite_backup, sqlite_file(url), partial)
            tables = {"users": await asyncio.to_thread(_sqlite_count_users, partial)}
        elif kind == "pgdump":
            usable, why = await native_pg_usable(engine)
            if not usable:
                raise BackupError(f"pg_dump cannot be used: {why}; use --format json")
            await asyncio.to_thread(_pg_dump, url, partial)
            tables = {"users": await count_users(engine) or 0}
        else:
            tables = await _json_dump(engine, partial, heads)
        os.replace(partial, path)
    finally:
        await engine.dispose()
    return Report(path, kind, time.perf_counter() - started, tables, heads, note)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"{source}: no such database file")
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=1024)  # in steps: writers are not blocked for the whole copy
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        status = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"the backup failed its integrity check: {status}")
    finally:
        dst.close()
        src.close()


def _sqlite_count_users(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM users").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def _pg_dump(url: str, target: Path) -> None:
    uri, env = libpq(url)
    result = subprocess.run(
        [
            pg_tool("pg_dump") or "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            uri,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | dtime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


async def _tables(engine: AsyncEngine) -> list[Table]:
    """The database's tables in dependency order: the models' definitions (their types know that timestamps
    are UTC) where they exist, reflected ones for the rest (alembic_version, tables of newer code)."""
    import storage.models  # noqa: F401  (registers every table)
    from storage.base import Base

    reflected = MetaData()
    async with engine.connect() as conn:
        await conn.run_sync(lambda sync: reflected.reflect(bind=sync))
    ordered = reflected.sorted_tables
    return [Base.metadata.tables.get(t.name, t) for t in ordered]


async def _json_dump(engine: AsyncEngine, path: Path, heads: list[str]) -> dict[str, int]:
    tables = await _tables(engine)
    counts: dict[str, int] = {}
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as out:
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "dialect": engine.dialect.name,
            "heads": heads,
            "tables": [t.name for t in tables],
        }
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        async with engine.connect() as conn:
            for table in tables:
                columns = [c.name for c in table.columns]
                out.write(json.dumps({"table": table.name, "columns": columns}) + "\n")
                n = 0
                result = await conn.stream(select(table).execution_options(yield_per=CHUNK))
                async for row in result:
                    out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n")
                    n += 1
                counts[table.name] = n
        out.write(json.dumps({"end": True, "rows": sum(counts.values())}) + "\n")
    return counts
