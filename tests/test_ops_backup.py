"""Backup and restore (bot/ops/backup.py), tested by restoring: every table's rows must come back equal.

SQLite: the online backup API, and the logical JSON dump. PostgreSQL: pg_dump/pg_restore (skipped when
pg_dump cannot be used) and the JSON dump. Across engines: a JSON backup of SQLite restored into
PostgreSQL. And the guards: a database with users is only replaced when asked, a damaged or incomplete
backup changes nothing.
"""

from __future__ import annotations

import gzip
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import storage.models  # noqa: F401  (every table)
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.delivery.outbox import enqueue
from bot.demo import seed as demo_seed
from bot.faq import feedback
from bot.ops import backup as bk
from bot.ops.restore import restore
from storage.base import Base
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import User
from tests import forkserver
from tests.ops_support import create_database, drop_database

ROOT = Path(__file__).resolve().parent.parent
CLOCK = FrozenClock(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))


async def populate(url: str) -> None:
    """The demo's sample data in every capability, plus rows with awkward values."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        settings = load_settings(_env_file=None, database_url=url)
        async with create_sessionmaker(engine)() as session:
            await demo_seed(session, CLOCK, settings)
            session.add(User(id=777, language="fa", role="visitor", created_at=CLOCK.now(), consent_at=None))
            await session.flush()
            await enqueue(
                session,
                CLOCK,
                chat_id=777,
                user_id=777,
                kind="raw",
                data={
                    "text": "سلام <b>دنیا</b> \u2068Jobcenter\u2069",
                    "nested": {"list": [1, 2.5, None, True]},
                },
                dedupe_key="backup:777",
                not_before=CLOCK.now() + timedelta(hours=1),
            )
            await feedback.keep_unanswered(
                session, CLOCK, text="Wo ist das Amt? 'quotes' \"and\" \\ \n", lang="de", reason="no_match"
            )
            await session.commit()
    finally:
        await engine.dispose()


async def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered by primary key, as Python values."""
    engine = create_engine(url)
    result: dict[str, list[tuple[Any, ...]]] = {}
    try:
        async with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows = (await conn.execute(select(table).order_by(*order))).all()
                result[table.name] = [tuple(row) for row in rows]
    finally:
        await engine.dispose()
    return result


async def change(url: str) -> None:
    """What happens after the backup and must be undone by the restore."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            user = await session.get(User, 777)
            assert user is not None
            user.language = "de"
            session.add(User(id=778, language="uk", role="visitor", created_at=CLOCK.now()))
            await session.commit()
    finally:
        await engine.dispose()


async def next_outbox_id_works(url: str) -> None:
    """After a restore new rows get fresh ids (PostgreSQL sequences were moved past the restored rows)."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            assert await enqueue(session, CLOCK, chat_id=777, user_id=777, kind="raw", data={"text": "new"})
            await session.commit()
    finally:
        await engine.dispose()


def nonempty(shot: dict[str, list[tuple[Any, ...]]]) -> int:
    return sum(1 for rows in shot.values() if rows)


async def test_sqlite_native_backup_restores_every_row(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.sqlite3'}"
    await populate(url)
    before = await snapshot(url)
    assert nonempty(before) >= 10  # the sample data reaches most tables

    report = await bk.backup(url, None, "auto", tmp_path / "backups")
    assert (
        report.format == "sqlite"
        and report.path.suffix == ".sqlite3"
        and report.path.parent.name == "backups"
    )
    assert report.tables["users"] == len(before["users"])
    await change(url)
    assert await snapshot(url) != before

    with pytest.raises(bk.BackupError, match="--yes"):
        await restore(url, report.path)  # it has users: not without being told
    restored = await restore(url, report.path, force=True)
    assert restored.format == "sqlite"
    assert await snapshot(url) == before
    await next_outbox_id_works(url)


async def test_sqlite_json_backup_restores_into_a_new_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.sqlite3'}"
    await populate(url)
    before = await snapshot(url)
    report = await bk.backup(url, tmp_path / "b.jsonl.gz", "json")
    assert report.format == "json" and report.tables["users"] == len(before["users"])
    target = f"sqlite+aiosqlite:///{tmp_path / 'new' / 'restored.sqlite3'}"
    restored = await restore(target, report.path)
    assert restored.format == "json"
    assert await snapshot(target) == before
    await next_outbox_id_works(target)


async def test_damaged_or_incomplete_json_backups_change_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.sqlite3'}"
    await populate(url)
    before = await snapshot(url)
    report = await bk.backup(url, tmp_path / "b.jsonl.gz", "json")
    lines = gzip.open(report.path, "rt", encoding="utf-8").read().splitlines()
    cut = tmp_path / "cut.jsonl.gz"
    with gzip.open(cut, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines[: len(lines) // 2]) + "\n")  # the end marker is missing
    with pytest.raises(bk.BackupError, match="incomplete"):
        await restore(url, cut, force=True)
    garbage = tmp_path / "garbage.jsonl.gz"
    garbage.write_bytes(report.path.read_bytes()[: report.path.stat().st_size // 2])
    with pytest.raises(bk.BackupError):
        await restore(url, garbage, force=True)
    other = tmp_path / "other.txt"
    other.write_text("hello")
    with pytest.raises(bk.BackupError, match="not a backup"):
        await restore(url, other, force=True)
    assert await snapshot(url) == before


@pytest.mark.pg
@pytest.mark.parametrize("fmt", ["native", "json"])
async def test_postgres_backup_round_trip(fmt: str, tmp_path: Path) -> None:
    url = await create_database()
    try:
        if fmt == "native":
            engine = create_engine(url)
            usable, why = await bk.native_pg_usable(engine)
            await engine.dispose()
            if not usable:
                pytest.skip(f"pg_dump cannot be used here: {why}")
        await populate(url)
        before = await snapshot(url)
        report = await bk.backup(url, None, fmt, tmp_path)
        assert report.format == ("pgdump" if fmt == "native" else "json")
        await change(url)
        restored = await restore(url, report.path, force=True)
        assert restored.format == report.format
        assert await snapshot(url) == before
        await next_outbox_id_works(url)
    finally:
        await drop_database(url)


@pytest.mark.pg
async def test_sqlite_json_backup_moves_to_postgres(tmp_path: Path) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'small.sqlite3'}"
    await populate(source)
    before = await snapshot(source)
    report = await bk.backup(source, tmp_path / "move.jsonl.gz", "json")
    target = await create_database()
    try:
        await restore(target, report.path)
        assert await snapshot(target) == before
        await next_outbox_id_works(target)
    finally:
        await drop_database(target)


def test_cli_backup_and_restore(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "BACKUP_DIR": str(tmp_path / "bk")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return forkserver.run_bot(list(args), env, ROOT)

    assert run("db", "upgrade").returncode == 0
    made = run("backup")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("backup written:") and "(sqlite," in made.stdout
    files = list((tmp_path / "bk").iterdir())
    assert len(files) == 1 and files[0].name.startswith("helfernetz-")
    again = run("restore", str(files[0]))
    assert again.returncode == 0 and again.stdout.startswith("restored from"), again.stderr
    missing = run("restore", str(tmp_path / "nope.sqlite3"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
