"""A restore that cannot destroy (issue 13): a crafted, damaged or newer backup is refused before anything is
touched, and a refused restore leaves the live database exactly as it was (SQLite and PostgreSQL).

The crafted backups are a good JSON backup of the live database with one thing changed: a table this
version does not have, a column it does not have, a row with a value missing, a duplicate key, a row that
points nowhere, a value of the wrong type, a schema revision from the future, a file cut short.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.ops import backup as bk
from bot.ops.restore import restore
from storage.db import create_engine
from tests import forkserver
from tests.conftest import drop_pg_database, make_engine
from tests.ops_support import create_database, drop_database
from tests.test_ops_backup import populate, snapshot

ROOT = Path(__file__).resolve().parent.parent
Lines = list[Any]


@pytest.fixture
async def live(db_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """A live database full of the demo's data; its URL. (A copy of the migrated template database.)"""
    engine, url, database = await make_engine(db_kind, tmp_path)
    await engine.dispose()
    try:
        await populate(url)
        yield url
    finally:
        if database:
            await drop_pg_database(database)


async def counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            users = (await conn.execute(text("SELECT count(*) FROM users"))).scalar()
            topics = (await conn.execute(text("SELECT count(*) FROM topics"))).scalar()
    finally:
        await engine.dispose()
    return int(users or 0), int(topics or 0)


def read_lines(path: Path) -> Lines:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def write_lines(path: Path, lines: Lines) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for item in lines:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


def section(lines: Lines, table: str) -> tuple[int, list[str]]:
    """(index of the table's header line, its columns)."""
    for index, item in enumerate(lines):
        if isinstance(item, dict) and item.get("table") == table:
            return index, list(item["columns"])
    raise AssertionError(f"no table {table} in the backup")


def unknown_table(lines: Lines) -> Lines:
    end = len(lines) - 1
    return [*lines[:end], {"table": "shoe_sizes", "columns": ["id", "size"]}, [1, 44], lines[end]]


def unknown_column(lines: Lines) -> Lines:
    at, columns = section(lines, "users")
    out = list(lines)
    out[at] = {"table": "users", "columns": [*columns, "shoe_size"]}
    index = at + 1
    while isinstance(out[index], list):
        out[index] = [*out[index], 44]
        index += 1
    return out


def wrong_arity(lines: Lines) -> Lines:
    at, _columns = section(lines, "users")
    out = list(lines)
    out[at + 1] = out[at + 1][:-1]
    return out


def duplicate_key(lines: Lines) -> Lines:
    at, _columns = section(lines, "users")
    return [*lines[: at + 2], lines[at + 1], *lines[at + 2 :]]


def dangling_reference(lines: Lines) -> Lines:
    at, columns = section(lines, "subscriptions")
    row = list(lines[at + 1])
    row[columns.index("user_id")] = 987654321  # nobody
    return [*lines[: at + 1], row, *lines[at + 2 :]]


def wrong_type(lines: Lines) -> Lines:
    at, columns = section(lines, "users")
    out = list(lines)
    row = list(out[at + 1])
    row[columns.index("created_at")] = "yesterday-ish"
    out[at + 1] = row
    return out


def too_long(lines: Lines) -> Lines:
    at, columns = section(lines, "users")
    out = list(lines)
    row = list(out[at + 1])
    row[columns.index("language")] = "de-DE-x-very-long"  # VARCHAR(5): PostgreSQL refuses it
    out[at + 1] = row
    return out


def from_the_future(lines: Lines) -> Lines:
    return [{**lines[0], "heads": ["9999_future"]}, *lines[1:]]


CRAFTED: dict[str, Callable[[Lines], Lines]] = {
    "unknown table": unknown_table,
    "unknown column": unknown_column,
    "wrong number of values": wrong_arity,
    "duplicate key": duplicate_key,
    "dangling reference": dangling_reference,
    "wrong type": wrong_type,
    "too long": too_long,
    "newer version": from_the_future,
}


async def good_backup(url: str, tmp_path: Path) -> Path:
    report = await bk.backup(url, tmp_path / "good.jsonl.gz", "json")
    return report.path


def truncated(good: Path, tmp_path: Path) -> Path:
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    return cut


@pytest.mark.parametrize("craft", list(CRAFTED))
async def test_a_crafted_backup_is_refused_and_changes_nothing(craft: str, live: str, tmp_path: Path) -> None:
    before = await snapshot(live)
    users, topics = await counts(live)
    assert users >= 3 and topics > 0
    good = await good_backup(live, tmp_path)
    bad = write_lines(tmp_path / "bad.jsonl.gz", CRAFTED[craft](read_lines(good)))
    with pytest.raises(bk.BackupError) as refused:
        await restore(live, bad, force=True)
    message = str(refused.value)
    assert "\n" not in message and "nothing was restored" in message, message
    assert await counts(live) == (users, topics)
    assert await snapshot(live) == before


async def test_a_truncated_backup_changes_nothing(live: str, tmp_path: Path) -> None:
    before = await snapshot(live)
    good = await good_backup(live, tmp_path)
    with pytest.raises(bk.BackupError):
        await restore(live, truncated(good, tmp_path), force=True)
    assert await snapshot(live) == before


async def test_the_good_backup_still_restores_after_the_checks(live: str, tmp_path: Path) -> None:
    before = await snapshot(live)
    good = await good_backup(live, tmp_path)
    engine = create_engine(live)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM subscriptions"))
    finally:
        await engine.dispose()
    assert await snapshot(live) != before
    report = await restore(live, good, force=True)
    assert report.format == "json" and report.tables["users"] == len(before["users"])
    assert await snapshot(live) == before


def run_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return forkserver.run_bot(list(args), {**os.environ, "DATABASE_URL": url}, ROOT)


async def test_cli_refuses_with_one_line_and_changes_nothing(live: str, tmp_path: Path) -> None:
    before = await snapshot(live)
    good = await good_backup(live, tmp_path)
    files = {
        name: write_lines(tmp_path / f"{index}.jsonl.gz", CRAFTED[name](read_lines(good)))
        for index, name in enumerate(
            ["unknown table", "unknown column", "wrong number of values", "duplicate key"]
        )
    }
    files["truncated"] = truncated(good, tmp_path)
    for name, path in files.items():
        result = run_cli(live, "restore", str(path), "--yes")
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode != 0, name
        assert len(lines) == 1 and lines[0].startswith("restore failed:"), (name, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, name
    assert await snapshot(live) == before


@pytest.mark.pg
async def test_a_cut_pg_dump_archive_changes_nothing(tmp_path: Path) -> None:
    url = await create_database()
    try:
        engine = create_engine(url)
        usable, why = await bk.native_pg_usable(engine)
        await engine.dispose()
        if not usable:
            pytest.skip(f"pg_dump cannot be used here: {why}")
        await populate(url)
        before = await snapshot(url)
        report = await bk.backup(url, tmp_path / "live.pgdump", "native")
        cut = tmp_path / "cut.pgdump"
        cut.write_bytes(report.path.read_bytes()[: report.path.stat().st_size * 2 // 3])
        with pytest.raises(bk.BackupError, match="nothing was restored"):
            await restore(url, cut, force=True)
        assert await snapshot(url) == before
    finally:
        await drop_database(url)
