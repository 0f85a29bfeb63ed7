"""The console's inbox with many open questions: the time of one page of groups (bot.faq.inbox.inbox_page:
the queries and the grouping by similarity; not the HTML), for grouping them all (done once when a process
starts), an unchanged inbox, after a group was dealt with, and after a new question came in.

Prints figures; it does not pass or fail. The questions are the FAQ development set's (tests/data/
faq_devset.yaml, six languages and the Latin spellings), repeated with a word or two of another question
added, so there are many near-duplicates and many distinct ones, as in real use.

    .venv/bin/python bench/bench_inbox.py                  # 10,000 open questions, SQLite
    .venv/bin/python bench/bench_inbox.py --db pg          # PostgreSQL (TEST_PG_URL)
    .venv/bin/python bench/bench_inbox.py --questions 2000
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bot.clock import Clock  # noqa: E402
from bot.faq import grouping, inbox  # noqa: E402
from bot.yamlfile import read_yaml  # noqa: E402
from storage.db import create_engine, create_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import FaqUnanswered  # noqa: E402

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
RUNS = 15


def questions(count: int, seed: int = 16) -> list[tuple[str, str]]:
    data = read_yaml(ROOT / "tests" / "data" / "faq_devset.yaml")
    base = [(q["text"], q["lang"]) for q in data["questions"]]
    words = [w for text, _lang in base for w in text.split() if len(w) > 3]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text, lang = rng.choice(base)
        extra = rng.randint(0, 2)
        out.append((" ".join([text, *rng.sample(words, extra)]), lang))
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    args = parser.parse_args()
    database = None
    if args.db == "pg":
        database = f"bench_inbox_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
        await admin.dispose()
        url = PG_URL.rsplit("/", 1)[0] + "/" + database
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/inbox.sqlite3"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        start = datetime(2026, 3, 1, tzinfo=UTC)
        rows = [
            {"text": t, "lang": lang, "reason": "no_match", "status": "open",
             "created_at": start + timedelta(minutes=i), "asker_hash": None}
            for i, (t, lang) in enumerate(questions(args.questions))
        ]  # fmt: skip
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            await session.execute(insert(FaqUnanswered), rows)
            await session.commit()

        async def page() -> tuple[float, inbox.InboxPage]:
            async with sessionmaker() as session:
                began = time.perf_counter()
                result = await inbox.inbox_page(session, 0)
                return (time.perf_counter() - began) * 1000, result

        grouping.features.cache_clear()
        inbox._LAST.clear()
        cold, first = await page()
        unchanged = [(await page())[0] for _ in range(RUNS)]
        closed, regrouped = [], []
        for i in range(5):
            async with sessionmaker() as session:  # an organizer dealt with the newest group
                await inbox.dismiss(session, Clock(), ids=first.groups[0].ids, actor_id=None)
                await session.commit()
            took, first = await page()
            closed.append(took)
            async with sessionmaker() as session:  # a new question came in
                await session.execute(
                    insert(FaqUnanswered),
                    [{"text": f"Frage Nummer {i} zum Bench", "lang": "de", "reason": "no_match",
                      "status": "open", "created_at": start + timedelta(days=30, minutes=i)}],
                )  # fmt: skip
                await session.commit()
            took, first = await page()
            regrouped.append(took)
        sizes = sorted((g.count for g in first.groups), reverse=True)
        print(f"inbox, {args.questions:,} open questions on {args.db} (times of inbox_page: query, grouping)")
        print(f"  groups: {first.total_groups:,} (largest {sizes[:5]} on the first page)")
        print(f"  grouping all (a process does it once, when it starts: console WARM_UP): {cold:.0f} ms")
        print(f"  unchanged since the last page: median {statistics.median(unchanged):.0f} ms ({RUNS} runs)")
        print(f"  after a group was dealt with: median {statistics.median(closed):.0f} ms")
        print(
            f"  after a new question came in (placed into the kept groups): median {statistics.median(regrouped):.0f} ms"
        )
    finally:
        await engine.dispose()
        if database:
            admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
