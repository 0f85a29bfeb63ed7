"""An answer edited in the console reaches every bot process at once: two real bot processes
(`python -m bot run`, webhooks) on PostgreSQL and Redis, each serving the console. A refugee asks in Arabic
through process 2; the organizer logs in to process 1's console with the link from /console and saves a
new Arabic answer there; the same question asked again through process 2, which was not restarted, gets
the new text."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from bot.faq.content import load_content
from emulator.server import BotAPIEmulator
from tests.e2e.test_multiprocess_examples import PATH, WAIT, env_for, say, start
from tests.ops_support import (
    BotProcess,
    PrivateRedis,
    RoundRobinProxy,
    create_database,
    drop_database,
    free_port,
)

pytestmark = pytest.mark.pg

ORGANIZER, ASKER = 9001, 40_201
TOPIC = "sewing-group"
NEW = "مجموعة الخياطة تلتقي الآن كل يوم سبت. <b>الماكينات والقماش مجانية.</b>"
SHOWN = "مجموعة الخياطة تلتقي الآن كل يوم سبت. الماكينات والقماش مجانية."
LINK = re.compile(r"(http://\S+/console/login\?t=[\w-]+)")


async def start_arabic(emu: BotAPIEmulator, uid: int) -> None:
    sent = emu.user_sends(uid, "/start lang-ar")
    await emu.wait_for(uid, timeout=WAIT, after=sent["message_id"])


async def save_in_console(base: str, link: str, answer: str) -> None:
    """Log in with the link and save the Arabic answer of TOPIC, as the editor's form does."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(link) as page:
            token = re.search(r'name="t" value="([^"]+)"', await page.text())
        assert token
        async with http.post(f"{base}/console/login", data={"t": token.group(1)}) as home:
            assert home.status == 200
        async with http.get(f"{base}/console/faq/{TOPIC}") as page:
            assert page.status == 200
            html = await page.text()
        card = re.search(r'<section class="faq-lang" id="lang-ar".*?</section>', html, re.S)
        assert card
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', card.group(0))
        form_token = re.search(r'name="token" value="([0-9a-f]*)"', card.group(0))
        title = re.search(r'id="title-ar" name="title" value="([^"]*)"', card.group(0))
        assert csrf and form_token and title
        fields = {
            "csrf": csrf.group(1),
            "token": form_token.group(1),
            "title": title.group(1),
            "answer": answer,
        }
        async with http.post(f"{base}/console/faq/{TOPIC}/ar", data=fields, allow_redirects=False) as saved:
            assert saved.status == 303, await saved.text()


async def test_an_answer_saved_in_one_process_is_answered_by_the_other(tmp_path: Path) -> None:
    if not PrivateRedis.available():
        pytest.skip("redis-server is not installed")
    entry = load_content().entries["ar"][TOPIC]
    question = entry.questions[0]
    db = await create_database()
    redis = await PrivateRedis().start()
    emu = BotAPIEmulator(webhook_backoff=0.2, webhook_max_tries=6)
    await emu.start()
    ports = [free_port(), free_port()]
    proxy = await RoundRobinProxy(ports, PATH).start()
    for uid, lang in ((ORGANIZER, "de"), (ASKER, "ar")):
        emu.add_user(uid, language_code=lang, first_name=f"P{uid}")
    procs = []
    for i, port in enumerate(ports):
        env = {**env_for(port, emu, db, redis, proxy), "CONSOLE_URL": f"http://127.0.0.1:{port}"}
        procs.append(BotProcess(f"bot{i}", env, tmp_path / f"bot{i}.log", port))
    one, two = ports

    def through(port: int) -> None:
        proxy.backends = [port]  # every update from now on goes to this process

    try:
        for proc in procs:
            await proc.start()
        for proc in procs:
            await proc.wait_healthy()

        through(two)
        await start_arabic(emu, ASKER)
        first = await say(emu, ASKER, question)  # process 2 answers from the imported content
        assert first["text"].startswith(entry.title) and SHOWN not in first["text"], first["text"]

        through(one)
        await start(emu, ORGANIZER)
        answer = await say(emu, ORGANIZER, "/console", seen="/console/login")
        link = LINK.search(answer["text"])
        assert link and link.group(1).startswith(procs[0].base)
        await save_in_console(procs[0].base, link.group(1), NEW)

        through(two)
        again = await say(emu, ASKER, question)  # process 2, not restarted
        assert again["text"].startswith(entry.title) and SHOWN in again["text"], again["text"]
        bold = [e for e in again.get("entities", []) if e["type"] == "bold"]
        assert len(bold) == 2  # the title and the answer's own bold: Telegram HTML, not escaped
        assert emu.violations == []
        assert "faq matcher rebuilt from the database" in procs[1].log.read_text()
    finally:
        for proc in procs:
            await proc.stop()
        await proxy.stop()
        await emu.stop()
        await redis.stop()
        await drop_database(db)
