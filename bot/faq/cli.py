"""`python -m bot faq check|match|import|export`.

`check` and `match` (the same matcher the chat uses) read locales/faq, the repository's content; the bot
answers from the database, which `import` fills from the files (the first install; later only what the
database lacks, or everything with --replace) and `export` writes back to them for version control.

The main CLI calls `register(subparsers)` and then `args.func(args)`, which returns the exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.clock import Clock
from bot.faq.content import DEFAULT_FAQ_DIR, FaqContentError, check_content, load_content
from bot.faq.detect import SUPPORTED
from bot.faq.freshness import STALE_MONTHS, stale_answers, stale_facts, warnings
from bot.faq.index_store import store_in
from bot.faq.matcher import FaqMatcher, MatchResult
from bot.local_facts import DEFAULT_FACTS_FILE, LocalFacts, LocalFactsError


def _settings() -> Any:
    """The configuration (environment or .env), or None when it cannot be read: these commands work without
    it (a wrong value elsewhere in it is told by the bot's own start)."""
    try:
        from bot.config import ConfigError, load_settings
    except ImportError:
        return None
    try:
        return load_settings()
    except ConfigError:
        return None


def _facts_path(args: argparse.Namespace) -> Path:
    """--facts, else LOCAL_FACTS_FILE from the configuration (environment or .env), else the sample."""
    if getattr(args, "facts", None):
        return Path(args.facts)
    settings = _settings()
    if settings is not None:
        return Path(settings.local_facts_file)
    return Path(os.environ.get("LOCAL_FACTS_FILE") or DEFAULT_FACTS_FILE)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `faq` command (with `check` and `match`) to an argparse subparsers object."""
    faq = subparsers.add_parser(
        "faq",
        help="FAQ content check and matching",
        description="Check the FAQ content (locales/faq) or match questions against it, as the chat does.",
    )
    faq.set_defaults(func=lambda args: _usage(faq))
    sub = faq.add_subparsers(dest="faq_command", metavar="{check,match,import,index,export}")

    check = sub.add_parser("check", help="validate locales/faq (exit code 1 on problems)")
    check.add_argument(
        "--faq-dir", type=Path, default=DEFAULT_FAQ_DIR, help="folder with topics.yaml and <lang>.yaml"
    )
    check.add_argument(
        "--facts", type=Path, default=None, help="local facts file (default: $LOCAL_FACTS_FILE or the sample)"
    )
    check.set_defaults(func=run_check)

    match = sub.add_parser(
        "match",
        help="match questions to FAQ topics",
        description="Match one QUESTION, or read one question per line from stdin and write one JSON object per line.",
    )
    match.add_argument("question", nargs="?", help="the question; without it, questions are read from stdin")
    match.add_argument("--lang", choices=SUPPORTED, default=None, help="force the question's language")
    match.add_argument("--user-lang", choices=SUPPORTED, default=None, help="the asker's interface language")
    match.add_argument("--top", type=int, default=3, help="how many closest topics to list (default 3)")
    match.add_argument("--json", action="store_true", help="print JSON (always so when reading stdin)")
    match.add_argument(
        "--faq-dir", type=Path, default=DEFAULT_FAQ_DIR, help="folder with topics.yaml and <lang>.yaml"
    )
    match.set_defaults(func=run_match)

    load = sub.add_parser(
        "import",
        help="load locales/faq into the database (first install; adds what the database lacks)",
        description="Add the topics and languages of the files that the database lacks; keep what "
        "organizers changed in the console (--replace: overwrite it with the files).",
    )
    load.add_argument("--faq-dir", type=Path, default=DEFAULT_FAQ_DIR, help="folder to read")
    load.add_argument(
        "--replace", action="store_true", help="overwrite the database's entries with the files'"
    )
    load.set_defaults(func=run_import)

    index = sub.add_parser(
        "index",
        help="build the FAQ's indexes into FAQ_INDEX_CACHE (python -m bot run does, in a child, when missing)",
    )
    index.set_defaults(func=run_index)

    dump = sub.add_parser("export", help="write the database's FAQ content as topics.yaml and <lang>.yaml")
    dump.add_argument(
        "--faq-dir", type=Path, default=DEFAULT_FAQ_DIR, help="folder to write (default locales/faq)"
    )
    dump.set_defaults(func=run_export)
    return faq


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    return int(args.func(args))


def run_check(args: argparse.Namespace, out: TextIO | None = None, clock: Clock | None = None) -> int:
    """Problems fail (exit code 1); answers and facts not checked for STALE_MONTHS months are warnings."""
    out = out or sys.stdout
    try:
        facts = LocalFacts.load(_facts_path(args))
    except LocalFactsError as exc:
        print(f"local facts: {exc}", file=out)
        return 1
    problems = check_content(Path(args.faq_dir), facts)
    for problem in problems:
        print(problem, file=out)
    if problems:
        print(f"{len(problems)} problem(s)", file=out)
        return 1
    today = (clock or Clock()).now().date()
    stale = warnings(stale_answers(load_content(Path(args.faq_dir)), today), stale_facts(facts, today))
    for line in stale:
        print(line, file=out)
    if stale:
        print(f"{len(stale)} warning(s): not checked for {STALE_MONTHS} months", file=out)
    if facts.is_sample:
        print("note: the local facts are SAMPLE values", file=out)
    print("FAQ content OK", file=out)
    return 0


async def _with_database(work: Any, database_url: str | None) -> Any:
    """Run `work(session)` on the configured database (migrated first) and commit."""
    from bot.config import load_settings
    from bot.ops.leader import migration_lock
    from storage.db import create_engine, create_sessionmaker
    from storage.migrate import upgrade

    engine = create_engine(database_url or load_settings().database_url)
    try:
        async with migration_lock(engine):  # a bot starting meanwhile waits, as for a migration
            await upgrade(engine)
            async with create_sessionmaker(engine)() as session:
                result = await work(session)
                await session.commit()
        return result
    finally:
        await engine.dispose()


def run_import(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from bot.faq import store

    out = out or sys.stdout
    faq_dir = Path(args.faq_dir)

    async def work(session: Any) -> store.Imported:
        return await store.import_yaml(session, Clock(), faq_dir, replace=args.replace)

    try:
        result = asyncio.run(_with_database(work, getattr(args, "database_url", None)))
    except FaqContentError as exc:
        print(f"faq: {exc}", file=out)
        return 1
    print(
        f"{result.topics} topic(s) and {result.entries} entries added, {result.replaced} replaced "
        f"(running bots use them before their next question)",
        file=out,
    )
    return 0


def run_index(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Build the indexes of the files' FAQ content into the configured store (a bot loads them from there)."""
    from bot.config import load_settings
    from bot.faq.service import build_service

    out = out or sys.stdout
    settings = load_settings()
    if not settings.faq_index_cache:
        print("FAQ_INDEX_CACHE is empty: the index cache is off, nothing to build", file=out)
        return 1
    service = build_service(settings)
    print(f"FAQ indexes of {len(service.content.entries)} languages in {settings.faq_index_cache}", file=out)
    return 0


def run_export(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from bot.faq import store

    out = out or sys.stdout
    faq_dir = Path(args.faq_dir)

    async def work(session: Any) -> list[Path]:
        return await store.export_yaml(session, faq_dir)

    written = asyncio.run(_with_database(work, getattr(args, "database_url", None)))
    if not written:
        print("the database has no FAQ content: nothing written (python -m bot faq import)", file=out)
        return 1
    for path in written:
        print(f"wrote {path}", file=out)
    return 0


def _human(question: str, r: MatchResult) -> str:
    lines = [
        f"question: {question}",
        f"language: {r.question_lang or '?'} ({r.lang_confidence:.2f}), answer in {r.answer_lang}",
        f"answer:   {r.slug or '-'} (score {r.score:.3f}{', confident' if r.confident else ''})",
    ]
    if r.is_emergency:
        lines.append("flag:     emergency")
    if r.is_greeting:
        lines.append("flag:     greeting (show the menu)")
    lines.extend(f"  {i}. {slug} {score:.3f}" for i, (slug, score) in enumerate(r.top, 1))
    return "\n".join(lines)


def run_match(args: argparse.Namespace, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        settings = _settings()  # the stored indexes, when the configuration names their folder
        store = store_in(settings.faq_index_cache) if settings is not None else None
        matcher = FaqMatcher(load_content(Path(args.faq_dir)), store=store)
    except FaqContentError as exc:
        print(f"faq: {exc}", file=sys.stderr)
        return 1
    top_k = max(1, args.top)

    def one(question: str) -> MatchResult:
        return matcher.match(question, user_lang=args.user_lang, forced_lang=args.lang, top_k=top_k)

    if args.question is not None:
        result = one(args.question)
        if args.json:
            print(json.dumps(result.to_json(args.question), ensure_ascii=False), file=out)
        else:
            print(_human(args.question, result), file=out)
        return 0
    for line in stdin or sys.stdin:
        question = line.rstrip("\r\n")
        print(json.dumps(one(question).to_json(question), ensure_ascii=False), file=out, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.faq.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["faq", *(argv if argv is not None else sys.argv[1:])])
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
