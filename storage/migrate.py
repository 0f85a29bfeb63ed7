"""Apply Alembic migrations programmatically (on start and by `python -m bot db upgrade`).

Alembic is imported only when there is something to migrate: a bot restarted on an up-to-date database
(the usual start) compares the database's revisions with the migration files' newest ones, read as text,
and keeps Alembic's 11 MiB out of the process (bench/bench_load.py measures its memory). A bot that does
have to migrate at start runs Alembic in a child process (`upgrade_apart`), so no bot process ever holds it.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.M)
_PARENTS = re.compile(r"^(?:down_revision|depends_on)\s*=\s*(\([^)]*\)|[^\n]*)", re.M)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@cache
def file_heads() -> frozenset[str]:
    """What the version table of a database migrated to the files' newest revisions holds: the revisions no
    other file revises or depends on (Alembic drops a dependency from the table once its dependant is in)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if (revision := _REVISION.search(source)) is None:
            continue
        revisions.add(revision.group(1))
        for parents in _PARENTS.findall(source):
            revised.update(_QUOTED.findall(parents.split("#")[0]))
    return frozenset(revisions - revised)


async def database_heads(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database is at (none before its first migration)."""
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(str(row[0]) for row in rows)
    except DBAPIError:  # no alembic_version table yet
        return frozenset()


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    # Each capability adds its own branch of migrations from the foundation: apply every head.
    command.upgrade(cfg, revision)


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    if revision == "heads" and await database_heads(engine) == file_heads():
        return  # up to date: Alembic need not be loaded
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


_URL_VARIABLE = "HNB_MIGRATE_DATABASE_URL"  # the database for `python -m storage.migrate`


class MigrationFailed(RuntimeError):
    pass


async def upgrade_apart(engine: AsyncEngine, url: str) -> None:
    """upgrade() to the newest revisions, with Alembic in a process of its own (`python -m
    storage.migrate`, the database named by the environment, never on its command line). The caller holds
    the migration lock (bot.ops.leader.migration_lock) where several processes may start at once."""
    if await database_heads(engine) == file_heads():
        return
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "storage.migrate", env={**os.environ, _URL_VARIABLE: url}
    )
    if await child.wait() != 0:
        raise MigrationFailed(f"the database migration failed (exit status {child.returncode}); see above")


def _downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade, revision)


async def _upgrade_from_environment() -> None:
    from storage.db import create_engine

    engine = create_engine(os.environ[_URL_VARIABLE])
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_upgrade_from_environment())
