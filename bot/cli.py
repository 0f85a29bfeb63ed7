"""`python -m bot <command>`: run, demo, db upgrade, and the organizer tools of each capability."""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib import import_module

from bot.config import ConfigError, load_settings
from bot.logs import setup_logging
from bot.ops.malloc import limit_arenas

# Capabilities that add commands: each module has register(subparsers), which adds the commands named here
# and sets args.func -> int. Only the chosen command's module is imported (the others cost up to a second of
# imports for each `python -m bot ...`); help without a command lists them all.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "bot.i18n_tools": ("i18n",),
    "bot.faq.cli": ("faq",),
    "bot.faq.facts_cli": ("facts",),
    "bot.booking.cli": ("slots",),
    "bot.flyer.cli": ("flyer",),
    "bot.ops.cli": ("backup", "restore"),
    "bot.services.cli": ("users",),
}


def _cmd_run(args: argparse.Namespace) -> int:
    # the configuration first: a mistake in it is told at once, before seconds of imports
    settings = load_settings()
    token = settings.require_token()
    settings.require_console_server()
    from bot.app import build_app, run_polling, run_webhook
    from bot.faq.service import build_indexes_apart, warm_up
    from bot.ops.collector import settle_after_start

    setup_logging(settings.log_level, settings.log_format)

    async def main() -> None:
        app = await build_app(settings, token)
        # Load the FAQ first, then take everything alive at start-up out of the garbage collector's sight
        # (bot/ops/collector.py): the FAQ index and the language models live for ever.
        await build_indexes_apart(settings)  # where missing: a child builds them, this process loads them
        await warm_up(settings)
        settle_after_start()
        await (run_webhook(app) if settings.webhook_url else run_polling(app))

    asyncio.run(main())
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(host=args.host, port=args.port, database=args.database))


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage.db import create_engine
    from storage.migrate import upgrade

    settings = load_settings()

    async def main() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(main())
    print("database is up to date")
    return 0


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or only the modules that `command` needs when it is one of theirs."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Helfernetzwerk bot: questions, counselling appointments, announcements, helper alerts.",
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>")

    run = sub.add_parser("run", help="run the bot for real (polling, or webhook when WEBHOOK_URL is set)")
    run.set_defaults(func=_cmd_run)

    demo = sub.add_parser("demo", help="local demo: Bot API emulator + SQLite + sample data + web chat page")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080, help="port of the web chat page (default 8080)")
    demo.add_argument(
        "--database",
        default=None,
        help="SQLite file (default: data/demo.sqlite3, fresh each start) or a database URL",
    )
    demo.set_defaults(func=_cmd_demo)

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", metavar="<db command>", required=True)
    db_sub.add_parser("upgrade", help="apply all migrations").set_defaults(func=_cmd_db_upgrade)

    needed = [name for name, commands in COMMAND_MODULES.items() if command in commands]
    if not needed and command not in sub.choices:  # no command, or a wrong one: help lists them all
        needed = list(COMMAND_MODULES)
    for name in needed:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # capability not installed in this build
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    limit_arenas()  # before any thread starts (bot/ops/malloc.py)
    words = sys.argv[1:] if argv is None else argv
    command = next((word for word in words if not word.startswith("-")), None)
    if command is not None and {"-h", "--help"} & set(words[: words.index(command)]):
        command = None  # "-h restore": the help of every command
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
