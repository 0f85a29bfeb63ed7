"""Console benchmark: the server time of each console page with 10,000 questions logged.

Prints figures; it does not pass or fail. For SQLite and PostgreSQL (a fresh database on TEST_PG_URL's
server, dropped afterwards; `--no-pg` to skip) it fills a database as three months of a busy association
would: `--questions` questions over the last `--days` days (counted per day, language, topic and outcome as
the bot counts them; those without a confident answer also kept for the inbox, at most 90 days old),
questions handed to a person and their answers, 👍/👎, appointments with no-shows, broadcasts, and
`--audit` lines in the audit log (long before/after texts, as edited answers have).
Then it serves the console on a real aiohttp server in this process, logs an organizer in with a link, and
requests each page it can reach `--repeat` times: the time from the request entering the server to the
response being ready (a middleware around the console), median / p95 / max, and the page's size. Pages
that answer 404 (not built yet) are listed as such.

It also prints what counting one question costs the bot (bot/faq/stats.py): the CPU time of a question's
transaction without counting, with an upsert in it (the old way), and with the count kept in memory and
written in batches (the way now), in this process (SQLAlchemy, the driver and, for SQLite, the database
itself), median of several rounds.

    .venv/bin/python bench/bench_console.py                 # ~2 minutes
    .venv/bin/python bench/bench_console.py --questions 50000 --repeat 50 --no-pg
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bot import console_login, tickets  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.config import SUPPORTED_LANGUAGES, load_settings  # noqa: E402
from bot.faq.service import faq_service  # noqa: E402
from bot.faq.stats import Outcome, QuestionCounts  # noqa: E402
from bot.ops.collector import settle_after_start  # noqa: E402
from bot.users import ORGANIZER, find_user  # noqa: E402
from bot.yamlfile import read_yaml  # noqa: E402
from console.app import mount  # noqa: E402
from console.web import ConsoleContext  # noqa: E402
from storage.db import create_engine, create_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    AuditEntry,
    Booking,
    BookingTopic,
    Broadcast,
    FaqUnanswered,
    Slot,
    Ticket,
    User,
    Venue,
)
from storage.repositories import figures as figures_repo  # noqa: E402

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
TESTSET = ROOT / "tests" / "data" / "faq_testset.yaml"
PAGES = [
    "/console",
    "/console/faq",
    "/console/faq/kita",
    "/console/inbox",
    "/console/facts",
    "/console/audit",
    "/console/figures?days=7",
    "/console/figures?days=30",
    "/console/figures?days=90",
    "/console/figures.csv?days=90",
    "/console/schedule",
    "/console/schedule/bookings",
    "/console/schedule/bookings?when=past",
    "/console/events",
    "/console/broadcasts",
    "/console/broadcasts/new",
    "/console/helpers",
    "/console/helpers/invites",
    "/console/helpers/board",
]
ORGANIZER_ID = 9_000_001
PEOPLE = 2_000
LANG_WEIGHTS = {"ar": 30, "fa": 25, "uk": 25, "de": 10, "ru": 6, "en": 4}
OUTCOME_WEIGHTS = {"answer": 62, "suggest": 18, "unknown": 18, "emergency": 2}
UNANSWERED_DAYS = 90  # the inbox keeps questions this long (bot.faq.feedback.RETENTION_DAYS)


# --- filling -------------------------------------------------------------------------------------------------


def testset_questions() -> dict[str, list[str]]:
    """Real-looking questions per language (tests/data/faq_testset.yaml), for the inbox's texts."""
    data = read_yaml(TESTSET)
    items = data.get("questions", data) if isinstance(data, dict) else data
    found: dict[str, list[str]] = {}
    for item in items:
        if isinstance(item, dict) and item.get("text") and item.get("lang"):
            found.setdefault(str(item["lang"]), []).append(str(item["text"]))
    return found


async def fill(
    sessionmaker: async_sessionmaker[AsyncSession], args: argparse.Namespace, slugs: list[str]
) -> dict[str, int]:
    rng = random.Random(args.seed)
    now = Clock().now()
    tz = load_settings(_env_file=None).tz
    today = now.astimezone(tz).date()
    langs, lang_w = list(LANG_WEIGHTS), list(LANG_WEIGHTS.values())
    outcomes, outcome_w = list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values())
    texts = testset_questions()
    counts: Counter[tuple[date, str, str, str]] = Counter()
    unanswered: list[FaqUnanswered] = []
    for _ in range(args.questions):
        day = today - timedelta(days=rng.randrange(args.days))
        lang = rng.choices(langs, lang_w)[0]
        outcome = rng.choices(outcomes, outcome_w)[0]
        slug = "emergency" if outcome == "emergency" else rng.choice(slugs) if outcome == "answer" else ""
        counts[(day, lang, slug, outcome)] += 1
        if outcome in ("suggest", "unknown") and (today - day).days < UNANSWERED_DAYS:
            moment = datetime.combine(day, day_time(rng.randrange(7, 22), rng.randrange(60)), tz).astimezone(
                UTC
            )
            words = rng.choice(texts.get(lang) or texts.get("de") or ["Wo ist das Amt?"])
            unanswered.append(
                FaqUnanswered(
                    text=words, lang=lang, reason="no_match", status="open", created_at=moment,
                    asker_hash=uuid.uuid4().hex[:16],
                )
            )  # fmt: skip
    async with sessionmaker() as session:
        people = [
            User(id=10_000_000 + i, language=rng.choices(langs, lang_w)[0], role="visitor", created_at=now, consent_at=now)
            for i in range(PEOPLE)
        ]  # fmt: skip
        session.add_all(people)
        session.add(User(id=ORGANIZER_ID, language="de", role=ORGANIZER, created_at=now, consent_at=now))
        await session.flush()
        votes = [  # about one answer in five gets a vote
            (rng.choice(slugs), rng.choices(langs, lang_w)[0], 1 if rng.random() < 0.8 else -1,
             today - timedelta(days=rng.randrange(args.days)))
            for _ in range(args.questions // 7)
        ]  # fmt: skip
        await figures_repo.add_counts(session, counts, votes)
        session.add_all(unanswered)
        handed = args.questions // 16
        for number in range(1, handed + 1):
            created = now - timedelta(minutes=rng.randrange(args.days * 24 * 60))
            answered = rng.random() < 0.85 and created + timedelta(minutes=30) < now
            session.add(
                Ticket(
                    id=number, kind=tickets.QUESTION, lang=rng.choices(langs, lang_w)[0], chat_id=-100,
                    status=tickets.CLOSED if answered else rng.choice([tickets.OPEN, tickets.WITHDRAWN]),
                    created_at=created,
                    answered_at=created + timedelta(minutes=rng.lognormvariate(4, 1)) if answered else None,
                    asker_id=None,
                )
            )  # fmt: skip
        topic = BookingTopic(
            key="work", names={"de": "Arbeit", "en": "Work"}, emoji="💼", position=0, active=True
        )
        venue = Venue(key="room", name="Beratungsraum (SAMPLE)", address="Musterstraße 1 (SAMPLE)",
                      latitude=52.47, longitude=9.85, is_sample=True)  # fmt: skip
        session.add_all([topic, venue])
        await session.flush()
        slots = []
        for offset in range(-args.days, 15):
            day = today + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for hour in (10, 11, 14):
                starts = datetime.combine(day, day_time(hour), tz).astimezone(UTC)
                slots.append(
                    Slot(topic_id=topic.id, venue_id=venue.id, starts_at=starts, ends_at=starts + timedelta(hours=1),
                         capacity=1, status="open", created_at=now)
                )  # fmt: skip
        session.add_all(slots)
        await session.flush()
        bookings = 0
        for slot in slots:
            if rng.random() < 0.7:
                past = slot.starts_at <= now
                came = (rng.random() < 0.8) if past and rng.random() < 0.9 else None
                session.add(
                    Booking(slot_id=slot.id, user_id=rng.choice(people).id,
                            status="cancelled" if rng.random() < 0.1 else "booked", created_at=now,
                            attended=came)
                )  # fmt: skip
                bookings += 1
        for i in range(12):
            started = now - timedelta(days=rng.randrange(args.days), hours=i)
            session.add(
                Broadcast(state="done", created_at=started, started_at=started, finished_at=started,
                          recipients=900, delivered=880, blocked=15, failed=5)
            )  # fmt: skip
        await session.execute(
            insert(AuditEntry),
            [
                {"at": now - timedelta(minutes=10 * i), "actor_id": ORGANIZER_ID, "action": "faq.answer",
                 "subject": f"faq:topic-{i % 28}:ar", "before": "نص قديم " * 40, "after": "نص جديد " * 40}
                for i in range(args.audit)
            ],
        )  # fmt: skip
        await session.commit()
    return {
        "questions": sum(counts.values()),
        "count rows": len(counts),
        "kept for the inbox": len(unanswered),
        "handed to a person": handed,
        "appointments": bookings,
        "audit lines": args.audit,
    }


async def import_faq(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The FAQ content into the database where this version keeps it there (the editor's pages read it)."""
    try:
        from bot.faq import store
    except ImportError:
        return
    async with sessionmaker() as session:
        await store.import_yaml(session, Clock())
        await session.commit()


# --- serving and measuring -----------------------------------------------------------------------------------


class Timings:
    def __init__(self) -> None:
        self.last: float = 0.0

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            self.last = (time.perf_counter() - started) * 1000


async def measure_pages(url: str, args: argparse.Namespace) -> list[tuple[str, int, list[float], int]]:
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    settings = load_settings(_env_file=None, database_url=url, console_url="http://127.0.0.1")
    ctx = ConsoleContext(settings, Clock(), sessionmaker)
    timings = Timings()
    app = web.Application(middlewares=[timings.middleware])
    mount(app, ctx)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        async with sessionmaker() as session:
            organizer = await find_user(session, ORGANIZER_ID)
            assert organizer is not None
            token = await console_login.create_link(session, ctx.clock, organizer)
            await session.commit()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.post(f"{base}/console/login", data={"t": token}, allow_redirects=False) as r:
                assert r.status == 303, r.status
            for path in PAGES:
                times, size, status = [], 0, 0
                for attempt in range(args.repeat + 2):  # two unmeasured: templates, the FAQ's first load
                    async with http.get(base + path, allow_redirects=False) as r:
                        body = await r.read()
                        status, size = r.status, len(body)
                    if status != 200:
                        break
                    if attempt >= 2:
                        times.append(timings.last)
                results.append((path, status, times, size))
    finally:
        await runner.cleanup()
        await engine.dispose()
    return results


async def counting_cost(url: str, rounds: int = 6, per_round: int = 300) -> tuple[float, float, float]:
    """CPU ms per question's transaction (a read, as every question's transaction has, then commit): alone,
    with one upsert per question in it (how bot.faq.stats counted before 5 Dec 2026), and alone plus the
    question counted in memory with its share of one flush per `per_round` questions (how it counts now);
    medians of `rounds`."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    clock = Clock()
    tz = ZoneInfo("Europe/Berlin")
    day = date.today()

    async def loop(n: int, how: str) -> float:
        counts = QuestionCounts()
        started = time.process_time()
        for i in range(n):
            async with sessionmaker() as session:
                await session.execute(text("SELECT value FROM counters WHERE name = 'faq_content'"))
                if how == "upsert":
                    await figures_repo.add_questions(session, {(day, "ar", f"topic-{i % 28}", "answer"): 1})
                await session.commit()
            if how == "batched":
                counts.count(
                    clock, tz, lang="ar", fallback_lang="de", outcome=Outcome.ANSWER, slug=f"t-{i % 28}"
                )
        await counts.flush(sessionmaker)
        return (time.process_time() - started) / n * 1000

    try:
        for how in ("upsert", "none", "batched"):
            await loop(100, how)
        found: dict[str, list[float]] = {"none": [], "upsert": [], "batched": []}
        for _ in range(rounds):
            for how, times in found.items():
                times.append(await loop(per_round, how))
        return tuple(statistics.median(found[how]) for how in ("none", "upsert", "batched"))  # type: ignore[return-value]
    finally:
        await engine.dispose()


# --- databases --------------------------------------------------------------------------------------------------


async def create_pg() -> tuple[str, str]:
    name = f"hnb_bench_console_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await admin.dispose()
    return f"{PG_URL.rpartition('/')[0]}/{name}", name


async def drop_pg(name: str) -> None:
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.dispose()


async def run_one(label: str, url: str, args: argparse.Namespace, slugs: list[str]) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    started = time.perf_counter()
    await import_faq(sessionmaker)
    filled = await fill(sessionmaker, args, slugs)
    await engine.dispose()
    print(f"\n## {label}\n")
    print(
        f"Filled in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{value:,} {what}" for what, value in filled.items())
    )
    print(f"\nServer time per page ({args.repeat} requests each, after two unmeasured):\n")
    print("| page | status | median ms | p95 ms | max ms | size KB |")
    print("|---|---:|---:|---:|---:|---:|")
    for path, status, times, size in await measure_pages(url, args):
        if not times:
            print(f"| {path} | {status} | – | – | – | – |")
            continue
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(
            f"| {path} | {status} | {statistics.median(times):.1f} | {p95:.1f} | {max(times):.1f} | "
            f"{size / 1024:.0f} |"
        )
    without, upsert, batched = await counting_cost(url)
    print(
        f"\nCounting one question: {without:.3f} ms CPU per question's transaction without; "
        f"{upsert:.3f} ms with an upsert in it ({upsert - without:+.3f} ms); {batched:.3f} ms counted in "
        f"memory and written in batches ({batched - without:+.3f} ms)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=10_000, help="questions logged")
    parser.add_argument("--days", type=int, default=90, help="over this many days up to today")
    parser.add_argument("--audit", type=int, default=10_000, help="lines in the audit log (long edits)")
    parser.add_argument("--repeat", type=int, default=20, help="measured requests per page")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()

    print("Loading the FAQ (topic titles) ...", flush=True)
    service = await faq_service(load_settings(_env_file=None))
    # As `python -m bot run` does after loading the FAQ (bot/ops/collector.py): what lives for ever leaves
    # the garbage collector's sight, else a full collection walking the FAQ index stalls a page for 100-150 ms.
    settle_after_start()
    slugs = [t.slug for t in service.content.topics if t.slug != "emergency"]
    print(f"Console benchmark: {os.cpu_count()} CPU cores, Python {sys.version.split()[0]}, "
          f"{len(SUPPORTED_LANGUAGES)} languages, {len(slugs)} topics.")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="hnb-bench-console-") as folder:
        await run_one("SQLite", f"sqlite+aiosqlite:///{folder}/bench.sqlite3", args, slugs)
    if not args.no_pg:
        url, name = await create_pg()
        try:
            await run_one("PostgreSQL", url, args, slugs)
        finally:
            await drop_pg(name)


if __name__ == "__main__":
    asyncio.run(main())
