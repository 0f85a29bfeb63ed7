"""Two real bot processes (`python -m bot run`, webhook mode) on PostgreSQL and Redis behind one webhook URL.

A small round-robin proxy in front of them is the one URL the emulator posts to; every fifth update it
forwards and then answers 502, as if the answer had been lost, so the emulator sends it again and the
*other* process gets it a second time: Redis must drop it there. Meanwhile the scheduled jobs (broadcast
dispatch and reports, helper reminders) run in both schedulers but only in the process holding the
PostgreSQL leader lock, and both delivery workers claim outbox rows. Then the leader is killed (SIGKILL) and
the other process takes the jobs over.

Checked: every question answered exactly once, every broadcast message, report and reminder delivered
exactly once, jobs run in one process only, both processes did share the updates, /healthz and /metrics.
The database is a fresh one on the shared server; Redis is a private redis-server.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.broadcast import broadcasts as bc
from bot.broadcast import subscriptions as subs
from bot.broadcast import topics as tp
from bot.clock import Clock
from bot.yamlfile import parse_yaml
from emulator.server import BotAPIEmulator
from storage.db import create_engine, create_sessionmaker
from storage.models import OutboxMessage, User
from storage.models.assignments import Assignment
from tests.ops_support import (
    LANGS,
    BotProcess,
    PrivateRedis,
    RoundRobinProxy,
    create_database,
    drop_database,
    free_port,
    metric,
    wait_for,
)

pytestmark = pytest.mark.pg

TOKEN = "123456:TEST-multiprocess"
SECRET = "mp-secret_1"
PATH = "/telegram/webhook"
ORGANIZER = 9001
HELPER = 9101
RECIPIENTS = list(range(30_001, 30_061))
ASKERS = list(range(40_001, 40_031))
QUESTIONS = parse_yaml(
    (Path(__file__).resolve().parents[1] / "data" / "faq_testset.yaml").read_text(encoding="utf-8")
)["questions"]


def env_for(
    port: int, emu: BotAPIEmulator, db: str, redis: PrivateRedis, proxy: RoundRobinProxy
) -> dict[str, str]:
    return {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emu.base_url,
        "DATABASE_URL": db,
        "DATABASE_POOL_SIZE": "5",  # the shared server's 100 connections serve the tests running alongside
        "REDIS_URL": redis.url,
        "WEBHOOK_URL": proxy.url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_PATH": PATH,
        "ORGANIZER_IDS": str(ORGANIZER),
        "JOB_INTERVAL_MAX_SECONDS": "1",
        "DELIVERY_IDLE_SECONDS": "0.1",
        "SEND_RATE_TOTAL": "200",
        "TELEGRAM_REQUEST_TIMEOUT_SECONDS": "10",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }


async def seed(db: str, clock: Clock) -> int:
    """People, a due broadcast to the subscribers of "events", and an assignment due for its reminder."""
    engine = create_engine(db)
    now = clock.now()
    try:
        async with create_sessionmaker(engine)() as session:
            organizer = User(id=ORGANIZER, role="organizer", language="de", created_at=now, consent_at=now)
            helper = User(id=HELPER, role="helper", language="fa", created_at=now, consent_at=now)
            session.add_all([organizer, helper])
            topic = next(t for t in await tp.all_topics(session) if t.key == "events")
            for uid in RECIPIENTS:
                person = User(id=uid, language=LANGS[uid % 6], role="visitor", created_at=now, consent_at=now)
                session.add(person)
                await session.flush()
                assert await subs.toggle(session, clock, person, topic.id) == subs.Switched.ON
            session.add(
                Assignment(
                    created_by=ORGANIZER,
                    kind="authority",
                    language="fa",
                    area="kirchhorst",
                    starts_at=now + timedelta(hours=23),
                    description="Termin bei der Ausländerbehörde",
                    status="taken",
                    assignee_id=HELPER,
                    round=1,
                    offered_at=now - timedelta(days=3),
                    claimed_at=now - timedelta(days=2),
                    created_at=now - timedelta(days=3),
                )
            )
            broadcast_id = await make_broadcast(
                session, clock, organizer, topic.id, "Sommerfest am <b>Samstag</b>!"
            )
            await session.commit()
    finally:
        await engine.dispose()
    return broadcast_id


async def make_broadcast(session: Any, clock: Clock, organizer: User, topic_id: int, html: str) -> int:
    broadcast = await bc.create_draft(session, clock, organizer)
    await bc.set_topic(session, broadcast, topic_id)
    await bc.set_original(session, broadcast, html, "de", None)
    bc.propose_time(broadcast, None, clock)
    await bc.confirm(session, clock, broadcast)
    return broadcast.id


async def second_broadcast(db: str, clock: Clock) -> int:
    engine = create_engine(db)
    try:
        async with create_sessionmaker(engine)() as session:
            organizer = await session.get(User, ORGANIZER)
            assert organizer is not None
            topic = next(t for t in await tp.all_topics(session) if t.key == "events")
            broadcast_id = await make_broadcast(session, clock, organizer, topic.id, "Deutschkurs fällt aus")
            await session.commit()
            reminded = select(OutboxMessage.chat_id).where(OutboxMessage.kind == "assignment_reminder")
            assert sorted((await session.scalars(reminded)).all()) == sorted([HELPER, ORGANIZER])
    finally:
        await engine.dispose()
    return broadcast_id


def texts(emu: BotAPIEmulator, chat: int) -> list[str]:
    return [m["text"] for m in emu.bot_messages(chat)]


async def test_two_webhook_processes_handle_each_update_and_send_each_message_once(tmp_path: Path) -> None:
    if not PrivateRedis.available():
        pytest.skip("redis-server is not installed")
    clock = Clock()
    db = await create_database()
    redis = await PrivateRedis().start()
    emu = BotAPIEmulator(webhook_backoff=0.2, webhook_max_tries=6)
    await emu.start()
    ports = [free_port(), free_port()]
    proxy = await RoundRobinProxy(ports, PATH, fail_every=5).start()
    for uid in [ORGANIZER, HELPER, *RECIPIENTS, *ASKERS]:
        emu.add_user(uid, language_code=LANGS[uid % 6], first_name=f"P{uid}")
    procs = [
        BotProcess(f"bot{i}", env_for(port, emu, db, redis, proxy), tmp_path / f"bot{i}.log", port)
        for i, port in enumerate(ports)
    ]
    try:
        # both start at once on an empty database: the migrations take turns (advisory lock)
        for proc in procs:
            await proc.start()
        for proc in procs:
            await proc.wait_healthy()
        assert emu.webhook is not None and emu.webhook["url"] == proxy.url + PATH

        await seed(db, clock)

        # questions from 30 people, two each, through the proxy to both processes
        rng = random.Random(5)
        asked: Counter[int] = Counter()
        for round_ in range(2):
            for uid in ASKERS:
                lang = LANGS[uid % 6]
                question = rng.choice([q["text"] for q in QUESTIONS if q["lang"] == lang])
                emu.user_sends(uid, question)
                asked[uid] += 1
            await wait_for(
                lambda r=round_: all(len(emu.bot_messages(uid)) >= r + 1 for uid in ASKERS),
                60,
                f"answers to round {round_ + 1}",
            )

        # the broadcast, its report and the reminders: delivered by either worker, exactly once
        await wait_for(
            lambda: (
                all(len(emu.bot_messages(uid)) >= 1 for uid in RECIPIENTS)
                and len(emu.bot_messages(HELPER)) >= 1
                and len(emu.bot_messages(ORGANIZER)) >= 2
            ),
            60,
            "broadcast, report and reminders delivered",
        )
        await asyncio.sleep(2.5)  # time for any duplicate to show up
        for uid in ASKERS:
            replies = emu.bot_messages(uid)
            assert len(replies) == asked[uid], (uid, [m["text"][:40] for m in replies])
            assert len({m.get("reply_to_message_id") for m in replies}) == len(replies)  # one per question
        for uid in RECIPIENTS:
            assert len(texts(emu, uid)) == 1, (uid, texts(emu, uid))
        assert len(texts(emu, HELPER)) == 1  # the reminder
        organizer_texts = texts(emu, ORGANIZER)
        assert len(organizer_texts) == 2, organizer_texts  # the reminder's copy and the broadcast's report
        assert emu.violations == []

        # each process handled part of the updates; every re-sent update was dropped as a duplicate
        samples = [await proc.metrics() for proc in procs]
        handled = [metric(s, "hnb_updates_total", result="ok") for s in samples]
        duplicates = sum(metric(s, "hnb_updates_duplicate_total") for s in samples)
        assert all(n > 0 for n in handled), handled
        assert sum(handled) == sum(asked.values())
        assert proxy.failed_on_purpose > 0 and duplicates == proxy.failed_on_purpose
        # the jobs ran in exactly one process (the leader); the other only skipped them
        runs = [metric(s, "hnb_job_runs_total", job="broadcast_dispatch", result="ok") for s in samples]
        skips = [metric(s, "hnb_job_runs_total", job="broadcast_dispatch", result="skipped") for s in samples]
        assert sorted(r > 0 for r in runs) == [False, True], runs
        leader = runs.index(max(runs))
        assert skips[1 - leader] > 0
        assert [metric(s, "hnb_scheduler_leader") for s in samples] == [
            1.0 if i == leader else 0.0 for i in range(2)
        ]
        # deliveries were recorded by the workers of both processes together
        sent = sum(metric(s, "hnb_deliveries_total", result="sent") for s in samples)
        assert sent == len(RECIPIENTS) + 3
        status, health = await procs[leader].health()
        assert status == 200 and health["status"] == "ok", health
        assert health["checks"]["redis"]["ok"] is True and health["checks"]["scheduler"]["leader"] is True

        # the leader dies: the other process takes the jobs over and sends the next broadcast, once
        procs[leader].kill()
        survivor = procs[1 - leader]
        await wait_for(
            lambda: _leads(survivor), 20, "the surviving process taking the leader lock", interval=0.3
        )
        await second_broadcast(db, clock)
        await wait_for(
            lambda: (
                all(len(emu.bot_messages(uid)) >= 2 for uid in RECIPIENTS) and len(texts(emu, ORGANIZER)) >= 3
            ),
            60,
            "the second broadcast and its report",
        )
        await asyncio.sleep(1.5)
        for uid in RECIPIENTS:
            assert len(texts(emu, uid)) == 2, (uid, texts(emu, uid))
        assert len(texts(emu, ORGANIZER)) == 3
        assert emu.violations == []
        survivor_log = survivor.log.read_text()
        assert '"update_id"' in survivor_log or '"level"' in survivor_log  # JSON lines
        for uid in ASKERS:  # questions are never logged
            for message in emu.messages(uid):
                if not message["from_bot"]:
                    assert message["text"] not in survivor_log
    finally:
        for proc in procs:
            await proc.stop()
        await proxy.stop()
        await emu.stop()
        await redis.stop()
        await drop_database(db)


async def _leads(proc: BotProcess) -> bool:
    try:
        samples = await proc.metrics()
    except Exception:
        return False
    return metric(samples, "hnb_scheduler_leader") == 1.0
