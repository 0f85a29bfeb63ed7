"""A topic given in /unanswered reaches every process at once: two real bot processes (`python -m bot run`,
webhooks) on PostgreSQL and Redis. A question asked through process 2 goes unanswered; the organizer gives
it its topic through process 1; the same question asked again through process 2, which was not restarted,
gets that topic's answer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.faq.content import load_content
from bot.i18n import catalogs
from emulator.server import BotAPIEmulator
from tests.e2e.harness import button_data, buttons
from tests.ops_support import (
    BotProcess,
    PrivateRedis,
    RoundRobinProxy,
    create_database,
    drop_database,
    free_port,
)

pytestmark = pytest.mark.pg

TOKEN = "123456:TEST-examples"
SECRET = "ex-secret_1"
PATH = "/telegram/webhook"
ORGANIZER, ASKER = 9001, 40_101
QUESTION = "wo kann man hier schildkröten füttern"
TOPIC = "events"
WAIT = 60.0  # two bot processes start beside other tests on two cores


def env_for(
    port: int, emu: BotAPIEmulator, db: str, redis: PrivateRedis, proxy: RoundRobinProxy
) -> dict[str, str]:
    return {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emu.base_url,
        "DATABASE_URL": db,
        "DATABASE_POOL_SIZE": "3",
        "REDIS_URL": redis.url,
        "WEBHOOK_URL": proxy.url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_PATH": PATH,
        "ORGANIZER_IDS": str(ORGANIZER),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }


def tr(msgid: str) -> str:
    return re.sub(r"<[^>]+>", "", catalogs().gettext("de", msgid))


async def say(emu: BotAPIEmulator, uid: int, text: str, seen: str | None = None) -> dict[str, Any]:
    """Send a text; the bot's answer: the one replying to it, or (`seen`) the one showing that text (not the
    news offer that follows /start)."""
    sent = emu.user_sends(uid, text)

    def answers(m: dict[str, Any]) -> bool:
        return seen in m["text"] if seen is not None else m.get("reply_to_message_id") == sent["message_id"]

    return await emu.wait_for(uid, answers, timeout=WAIT, after=sent["message_id"])


async def start(emu: BotAPIEmulator, uid: int) -> None:
    """/start with German chosen; back once the bot has answered it."""
    sent = emu.user_sends(uid, "/start lang-de")
    await emu.wait_for(uid, timeout=WAIT, after=sent["message_id"])


async def press(emu: BotAPIEmulator, uid: int, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Press a button of a message the bot edits in place; the message afterwards."""

    def now() -> dict[str, Any]:
        return next(m for m in emu.messages(uid) if m["message_id"] == message["message_id"])

    before = (now()["text"], now().get("reply_markup"))
    emu.user_presses(uid, message["message_id"], button_data(message, label))
    await emu.wait_until(
        lambda: (now()["text"], now().get("reply_markup")) != before, timeout=WAIT, what="edit"
    )
    return now()


async def test_a_topic_given_through_one_process_is_used_by_the_other(tmp_path: Path) -> None:
    if not PrivateRedis.available():
        pytest.skip("redis-server is not installed")
    title = load_content().entries["de"][TOPIC].title
    db = await create_database()
    redis = await PrivateRedis().start()
    emu = BotAPIEmulator(webhook_backoff=0.2, webhook_max_tries=6)
    await emu.start()
    ports = [free_port(), free_port()]
    proxy = await RoundRobinProxy(ports, PATH).start()
    for uid in (ORGANIZER, ASKER):
        emu.add_user(uid, language_code="de", first_name=f"P{uid}")
    procs = [
        BotProcess(f"bot{i}", env_for(port, emu, db, redis, proxy), tmp_path / f"bot{i}.log", port)
        for i, port in enumerate(ports)
    ]
    one, two = ports

    def through(port: int) -> int:
        """Every update from now on goes to this process; where the list of forwarded updates stands."""
        proxy.backends = [port]
        return len(proxy.forwarded)

    def went_to(mark: int) -> set[int]:
        return {port for port, _status in proxy.forwarded[mark:]}

    try:
        for proc in procs:
            await proc.start()
        for proc in procs:
            await proc.wait_healthy()

        mark = through(two)
        await start(emu, ASKER)
        first = await say(emu, ASKER, QUESTION)  # process 2 has its matcher and cannot answer
        assert not first["text"].startswith(title), first["text"]
        assert went_to(mark) == {two}

        mark = through(one)
        await start(emu, ORGANIZER)
        listing = await say(emu, ORGANIZER, "/unanswered", seen=QUESTION)
        assert QUESTION in listing["text"]
        picker = await press(emu, ORGANIZER, listing, "🏷")
        while title not in [label for label, _ in buttons(picker)]:
            picker = await press(emu, ORGANIZER, picker, "▶")
        after = await press(emu, ORGANIZER, picker, title)
        assert after["text"] == tr("No open questions. 🎉")
        assert went_to(mark) == {one}

        mark = through(two)
        again = await say(emu, ASKER, QUESTION)
        assert again["text"].startswith(title), again["text"]
        assert went_to(mark) == {two}
        assert emu.violations == []
        assert "1 example question(s)" in procs[1].log.read_text()
    finally:
        for proc in procs:
            await proc.stop()
        await proxy.stop()
        await emu.stop()
        await redis.stop()
        await drop_database(db)
