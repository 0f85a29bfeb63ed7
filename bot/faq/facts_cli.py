"""`python -m bot facts ...`: the local facts between the database and a file (for version control).

facts export [--out FILE]        the database's facts as YAML (the format of sample_data/local_facts.yaml)
facts import [FILE] [--dry-run]  make the database's facts equal to FILE (default: LOCAL_FACTS_FILE); a file
                                 with a value that is not valid for its kind changes nothing
facts check [FILE]               validate a file without touching the database

The bot fills an empty table from LOCAL_FACTS_FILE on its first start; after that organizers change the facts
in the console, and `import` is the way to bring a file's version back (each change is audited).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings, load_settings
from bot.faq import facts as store
from bot.local_facts import LocalFacts, LocalFactsError

HEADER = """\
# Local facts exported from the bot's database (`python -m bot facts export`); bring them back with
# `python -m bot facts import FILE`. Format: sample_data/local_facts.yaml. "(SAMPLE)" at the end of a value
# marks a placeholder nobody has replaced yet.
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "facts",
        help="local facts: export the database's to YAML, import a YAML file, check a file",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="facts_command", metavar="<facts command>", required=True)
    export = sub.add_parser("export", help="write the database's facts as YAML (stdout or --out)")
    export.add_argument("--out", type=Path, default=None)
    export.set_defaults(func=run_export)
    imp = sub.add_parser("import", help="make the database's facts equal to a YAML file")
    imp.add_argument("file", nargs="?", type=Path, default=None, help="default: LOCAL_FACTS_FILE")
    imp.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    imp.set_defaults(func=run_import)
    check = sub.add_parser("check", help="validate a facts file (exit code 1 on problems)")
    check.add_argument("file", nargs="?", type=Path, default=None, help="default: LOCAL_FACTS_FILE")
    check.set_defaults(func=run_check)
    return parser


def to_yaml(facts: LocalFacts) -> str:
    body = yaml.safe_dump(facts.to_raw(), allow_unicode=True, sort_keys=False, width=120)
    return HEADER + body


def read_file(path: Path, out: TextIO) -> LocalFacts | None:
    """The file's facts, or None after printing why they cannot be used."""
    try:
        facts = LocalFacts.load(path)
    except LocalFactsError as exc:
        print(f"error: {exc}", file=out)
        return None
    problems = store.problems_of(facts)
    for line in problems:
        print(f"{path.name}: {line}", file=out)
    if problems:
        print(f"{len(problems)} problem(s): nothing changed", file=out)
        return None
    return facts


async def _with_session(settings: Settings, action: Any) -> Any:
    from storage.db import create_engine, create_sessionmaker
    from storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            result = await action(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def run_export(args: argparse.Namespace, out: TextIO | None = None, settings: Settings | None = None) -> int:
    out = out or sys.stdout
    settings = settings or load_settings()

    async def export(session: AsyncSession) -> LocalFacts | None:
        await store.ensure_imported(session, Clock(), Path(settings.local_facts_file))
        return await store.load(session)

    facts = asyncio.run(_with_session(settings, export))
    text = to_yaml(facts or LocalFacts())
    if args.out is None:
        out.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{len(facts.facts) if facts else 0} facts written to {args.out}", file=out)
    return 0


def run_import(args: argparse.Namespace, out: TextIO | None = None, settings: Settings | None = None) -> int:
    out = out or sys.stdout
    settings = settings or load_settings()
    path = Path(args.file or settings.local_facts_file)
    facts = read_file(path, out)
    if facts is None:
        return 1

    async def replace(session: AsyncSession) -> store.ImportReport:
        report = await store.replace_all(session, Clock(), facts)
        if args.dry_run:
            await session.rollback()
        return report

    report = asyncio.run(_with_session(settings, replace))
    for what, names in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if names:
            print(f"{what}: {', '.join(names)}", file=out)
    verb = "would change" if args.dry_run else "changed"
    total = len(report.added) + len(report.changed) + len(report.removed)
    print(f"{path.name}: {verb} {total} fact(s), {report.unchanged} unchanged", file=out)
    return 0


def run_check(args: argparse.Namespace, out: TextIO | None = None, settings: Settings | None = None) -> int:
    out = out or sys.stdout
    path = Path(args.file or (settings or load_settings()).local_facts_file)
    facts = read_file(path, out)
    if facts is None:
        return 1
    note = " (some are SAMPLE values)" if facts.is_sample else ""
    print(f"{path.name}: {len(facts.facts)} facts OK{note}", file=out)
    return 0
