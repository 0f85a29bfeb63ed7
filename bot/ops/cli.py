"""`python -m bot backup` and `python -m bot restore FILE` (bot/ops/backup.py, bot/ops/restore.py and
docs/operations.md)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.config import load_settings


def register(subparsers: Any) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="back up the database (SQLite online backup, pg_dump, or logical JSON)",
        description=(
            "Back up DATABASE_URL while the bot runs. SQLite: the online backup API (a .sqlite3 file). "
            "PostgreSQL: pg_dump's custom format when pg_dump is on PATH and not older than the server, "
            "else a logical JSON dump. --format json works on both and restores into either engine."
        ),
    )
    backup.add_argument(
        "--output", "-o", type=Path, default=None, help="file to write (default: BACKUP_DIR/...)"
    )
    backup.add_argument(
        "--format",
        choices=("auto", "native", "json"),
        default="auto",
        help="auto (default): native when possible; native: .sqlite3 or pg_dump; json: portable",
    )
    backup.set_defaults(func=_cmd_backup)

    restore = subparsers.add_parser(
        "restore",
        help="replace the database with a backup (stop the bot first)",
        description=(
            "Replace ALL data in DATABASE_URL with the backup FILE (format recognised by its content). "
            "Stop every bot process first. A database that has users is only replaced with --yes. The "
            "whole backup is checked first and loaded in one transaction: a refused restore changes nothing."
        ),
    )
    restore.add_argument("file", type=Path, help="a file written by `python -m bot backup`")
    restore.add_argument("--yes", action="store_true", help="replace a database that has data")
    restore.set_defaults(func=_cmd_restore)


def _cmd_backup(args: argparse.Namespace) -> int:
    from bot.ops.backup import BackupError, backup

    settings = load_settings()
    try:
        report = asyncio.run(backup(settings.database_url, args.output, args.format, settings.backup_dir))
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(report.summary("backup written:"))
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from bot.ops.restore import BackupError, describe, restore

    settings = load_settings()
    try:
        report = asyncio.run(restore(settings.database_url, args.file, force=args.yes))
    except BackupError as exc:
        print(f"restore failed: {exc}", file=sys.stderr)  # one line, no traceback
        return 1
    except Exception as exc:  # a bug: still one line (never rows or SQL parameters)
        print(f"restore failed: {describe(exc)}", file=sys.stderr)
        return 1
    print(report.summary("restored from"))
    return 0
