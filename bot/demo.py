"""`python -m bot demo`: the Bot API emulator, the bot on SQLite with sample data, and a web chat page.

No token, no internet. Everything shown is sample data (marked as such).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot import console_login, wiring
from bot import users as user_service
from bot.app import App, build_app, console_mounter, run_polling
from bot.clock import Clock
from bot.config import ROOT, Settings, load_settings
from bot.faq.service import warm_up
from bot.logs import setup_logging
from bot.ops.collector import settle_after_start
from bot.sample import DemoPeople
from bot.translation.demo import DemoTranslator
from emulator.server import BotAPIEmulator
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_apart
from storage.models import User

log = logging.getLogger(__name__)

DEMO_TOKEN = "100000:DEMO-token-no-real-telegram"
REFUGEE_ID, HELPER_ID, ORGANIZER_ID = 1001, 2002, 3003
REFUGEE_FA_ID = 1004  # a second refugee, whose phone is set to Farsi
REFUGEE_UK_ID = 1005  # a refugee from Ukraine (the sample letters of the page are read for her)
NEWCOMER_ID = 1006  # someone new, not in the database yet: opens an invitation link (the helpers page's test)
HELPERS_CHAT_ID = -100200300
DEMO_LINK_TTL = timedelta(hours=24)
PERSONAS = [
    {"key": "refugee", "user_id": REFUGEE_ID, "label": "Refugee / Geflüchtete", "language_code": "ar"},
    {
        "key": "refugee-fa",
        "user_id": REFUGEE_FA_ID,
        "label": "Refugee (Farsi) / Geflüchtete (Farsi)",
        "language_code": "fa",
    },
    {
        "key": "refugee-uk",
        "user_id": REFUGEE_UK_ID,
        "label": "Refugee (Ukrainian) / Geflüchtete (Ukrainisch)",
        "language_code": "uk",
    },
    {"key": "helper", "user_id": HELPER_ID, "label": "Helper / Helfer*in", "language_code": "de"},
    {"key": "organizer", "user_id": ORGANIZER_ID, "label": "Organizer / Organisation", "language_code": "de"},
    {"key": "newcomer", "user_id": NEWCOMER_ID, "label": "Someone new / Neue Person", "language_code": "de"},
    {"key": "staff-group", "chat_id": HELPERS_CHAT_ID, "user_id": HELPER_ID, "label": "Helpers' group"},
]


async def seed(session: AsyncSession, clock: Clock, settings: Settings) -> None:
    now = clock.now()
    session.add(User(id=HELPER_ID, role=user_service.HELPER, language="de", consent_at=now, created_at=now))
    session.add(
        User(id=ORGANIZER_ID, role=user_service.ORGANIZER, language="de", consent_at=now, created_at=now)
    )
    await session.flush()
    people = DemoPeople(helper_id=HELPER_ID, organizer_id=ORGANIZER_ID)
    for seed_capability in wiring.DEMO_SEEDS:
        await seed_capability(session, clock, settings, people)
    await session.commit()


def use_demo_translator(app: App) -> bool:
    """With no real translator configured (TRANSLATOR=none), the demo's stand-in: its output is marked
    "[DEMO — not a real translation]", so the translated side of a conversation can be seen. A real
    TRANSLATOR setting is kept. The stand-in exists only here, never in `python -m bot run`."""
    if app.machine_translator.enabled:
        return False
    translator = DemoTranslator()
    app.machine_translator = translator  # jobs (JobContext) and ...
    app.dp.workflow_data["machine_translator"] = translator  # ... handlers get it from here
    return True


async def demo_login_link(app: App) -> str:
    """A one-time login link to the console for the demo organizer, valid for a day (in the chat, /console
    gives a new one for 10 minutes, as in production)."""
    async with app.sessionmaker() as session:
        organizer = await user_service.find_user(session, ORGANIZER_ID)
        assert organizer is not None
        token = await console_login.create_link(session, app.clock, organizer, ttl=DEMO_LINK_TTL)
        await session.commit()
    link = console_login.login_url(app.settings, token)
    assert link is not None
    return link


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


async def run_demo(host: str = "127.0.0.1", port: int = 8080, database: str | None = None) -> int:
    if database and "://" in database:  # a database URL (the browser tests run the demo on PostgreSQL too)
        database_url = database
    else:
        db_path = Path(database) if database else ROOT / "data" / "demo.sqlite3"
        db_path.parent.mkdir(parents=True, exist_ok=True)
        if database is None:  # the demo starts fresh each time
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{db_path}{suffix}").unlink()
        database_url = f"sqlite+aiosqlite:///{db_path}"
    # One web server for everything: the emulator (Bot API and chat page) and the organizers' console,
    # which needs the bot built before the server starts; so the port is known first.
    port = port or free_port(host)
    base_url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    settings = load_settings(
        bot_token=DEMO_TOKEN,
        telegram_api_url=base_url,
        console_url=base_url,
        database_url=database_url,
        organizer_ids=[ORGANIZER_ID],
        helpers_chat_id=HELPERS_CHAT_ID,
        webhook_url=None,
        redis_url=None,
    )
    setup_logging(settings.log_level, settings.log_format)
    engine = create_engine(settings.database_url)
    await upgrade_apart(engine, settings.database_url)
    clock = Clock()
    async with create_sessionmaker(engine)() as session:
        # a --database kept from an earlier run is seeded already
        if await session.get(User, HELPER_ID) is None:
            await seed(session, clock, settings)
    app = await build_app(settings, DEMO_TOKEN, clock=clock, engine=engine)
    if use_demo_translator(app):
        print("  Translation: demo stand-in, marked [DEMO] (set TRANSLATOR for a real one)", flush=True)
    emu = BotAPIEmulator(
        host=host, port=port, serve_page=True, personas=PERSONAS, mount=console_mounter(app, sample_data=True)
    )
    await emu.start()
    emu.add_user(HELPER_ID, language_code="de", first_name="Helper")
    emu.add_user(ORGANIZER_ID, language_code="de", first_name="Organizer")
    emu.add_group(HELPERS_CHAT_ID, "Helfer*innen (demo)", [HELPER_ID, ORGANIZER_ID])
    await warm_up(settings)  # the FAQ and the language models, before the first question
    settle_after_start()  # as `python -m bot run` does (bot/ops/collector.py)
    link = await demo_login_link(app)
    print(
        f"\n  Demo chat: {emu.base_url}/   (sample data; no real Telegram; Ctrl+C to stop)\n"
        f"  Console:   {link}\n"
        "             (organizer 3003; one use, for 24 hours; /console in the chat gives a new one)\n",
        flush=True,
    )
    try:
        await run_polling(app)
    finally:
        await emu.stop()
    return 0


if __name__ == "__main__":
    asyncio.run(run_demo())
