"""Delivery benchmark: a broadcast through the Bot API emulator enforcing Telegram's limits.

Prints figures; it does not pass or fail. The emulator answers 429 (with retry_after) above the global
rate (default 30 msgs/s), above 1 msg/s per chat and 20/min per group. The delivery worker runs in its
own process (bench/delivery_runner.py), twice:

1. a clean run: messages per second achieved against the limit, 429s received, deliveries lost and
   doubled (counted per chat by the emulator), peak memory (RSS) of the worker process;
2. the same broadcast, with the worker killed (SIGKILL) half-way and started again at once: lost and
   doubled again. Rows the killed worker had claimed are taken over after the claim timeout; only a
   message whose call was in flight at the kill may arrive twice (docs/delivery.md).

    .venv/bin/python bench/bench_delivery.py                      # 2,000 recipients, SQLite (~3 min)
    .venv/bin/python bench/bench_delivery.py --recipients 10000   # ~12 min at 30 msgs/s
    .venv/bin/python bench/bench_delivery.py --db pg              # PostgreSQL (TEST_PG_URL)
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine  # noqa: E402

from bot.clock import Clock  # noqa: E402
from bot.delivery.outbox import enqueue_many  # noqa: E402
from emulator.server import BotAPIEmulator  # noqa: E402
from storage.db import create_engine, create_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import User  # noqa: E402
from storage.repositories.outbox import count_by_status  # noqa: E402

TOKEN = "7770000001:BenchDeliveryToken"
REF = "broadcast:bench"
LANGS = ("de", "ar", "fa", "uk", "en", "ru")
PG_URL = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
FIRST_ID = 1_000_000
KILL_OFFSET = 23  # kill a little after the half, in the middle of a batch rather than between two


@dataclass
class Run:
    name: str
    recipients: int
    samples: list[tuple[float, int]] = field(default_factory=list)  # (time, messages delivered)
    peak_rss: int = 0
    kill_at: float | None = None
    restart_at: float | None = None
    first: float | None = None
    last: float | None = None
    lost: int = 0
    doubled: int = 0
    responses_429: int = 0
    violations: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    timed_out: bool = False
    worker_stats: dict[str, int] = field(default_factory=dict)  # of the last worker, as it stopped
    left_claimed: int = 0  # rows the killed worker had claimed (`sending`)
    resumed_at: float | None = None  # first delivery after the restart

    def rate(self, start: float | None = None, end: float | None = None) -> float:
        """Messages per second between two moments, from the samples."""
        points = [
            (t, n) for t, n in self.samples if (start is None or t >= start) and (end is None or t <= end)
        ]
        if len(points) < 2 or points[-1][0] <= points[0][0]:
            return 0.0
        return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0])

    def sustained(self, window: float = 10.0) -> float:
        """The slowest `window` seconds while a backlog remained (up to 95 % delivered), the kill's gap left
        out: the rate the worker holds, not its start or its tail."""
        if self.first is None:
            return 0.0
        steady_end = next(
            (t for t, n in self.samples if n >= 0.95 * self.recipients), self.last or self.first
        )
        gap = (self.kill_at - 1.0, (self.resumed_at or self.kill_at) + 1.0) if self.kill_at else None
        rates = []
        t = self.first
        while t + window <= steady_end:
            if gap is None or t + window <= gap[0] or t >= gap[1]:
                rates.append(self.rate(t, t + window))
            t += 0.5
        return min(rates) if rates else self.rate(self.first, steady_end)


async def make_database(kind: str, workdir: Path) -> tuple[AsyncEngine, str, str | None]:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"
        engine = create_engine(url)
        await upgrade(engine)
        return engine, url, None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    await admin.dispose()
    engine = create_async_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    await upgrade(engine)
    return engine, PG_URL, schema


async def drop_database(schema: str | None) -> None:
    if schema is None:
        return
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await admin.dispose()


async def seed(engine: AsyncEngine, emu: BotAPIEmulator, ids: list[int]) -> None:
    clock = Clock()
    now = clock.now()
    for uid in ids:
        emu.add_user(uid, language_code=LANGS[uid % len(LANGS)], first_name=f"P{uid}", started=True)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        session.add_all(
            [User(id=u, language=LANGS[u % len(LANGS)], created_at=now, role="visitor") for u in ids]
        )
    async with sessionmaker() as session, session.begin():
        await enqueue_many(
            session,
            clock,
            [
                {
                    "chat_id": uid,
                    "user_id": uid,
                    "kind": "ready",
                    "data": {"text": f"<b>Neuigkeiten</b> — Nachricht an {uid}"},
                    "ref": REF,
                    "dedupe_key": f"{REF}:{uid}",
                }
                for uid in ids
            ],
        )


async def start_worker(
    args: argparse.Namespace, emu: BotAPIEmulator, url: str, schema: str | None, log: Path
) -> asyncio.subprocess.Process:
    command = [
        sys.executable,
        str(ROOT / "bench" / "delivery_runner.py"),
        "--database-url",
        url,
        "--api-url",
        emu.base_url,
        "--token",
        TOKEN,
        "--rate",
        str(args.rate),
        "--claim-timeout",
        str(args.claim_timeout),
    ]
    if schema:
        command += ["--pg-schema", schema]
    handle = log.open("a")
    try:
        return await asyncio.create_subprocess_exec(*command, stdout=handle, stderr=handle, cwd=str(ROOT))
    finally:
        handle.close()


def rss(pid: int) -> int:
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


async def run_once(args: argparse.Namespace, emu: BotAPIEmulator, name: str, kill_half_way: bool) -> Run:
    n = args.recipients
    ids = list(range(FIRST_ID, FIRST_ID + n))
    emu.reset()
    workdir = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    engine, url, schema = await make_database(args.db, workdir)
    run = Run(name, n)
    try:
        await seed(engine, emu, ids)
        log = workdir / "worker.log"
        proc = await start_worker(args, emu, url, schema, log)
        started = time.monotonic()
        at_kill = 0
        deadline = started + n / args.rate * 2 + args.claim_timeout + 60
        while True:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            stats = emu.stats
            delivered = stats["messages_delivered"]
            run.samples.append((now, delivered))
            if delivered and run.first is None:
                run.first = now
            if run.samples and len(run.samples) > 1 and delivered != run.samples[-2][1]:
                run.last = now
            run.peak_rss = max(run.peak_rss, rss(proc.pid))
            if kill_half_way and run.kill_at is None and delivered >= n // 2 + KILL_OFFSET:
                os.kill(proc.pid, signal.SIGKILL)
                await proc.wait()
                run.kill_at = time.monotonic()
                at_kill = emu.stats["messages_delivered"]
                async with create_sessionmaker(engine)() as session:
                    run.left_claimed = (await count_by_status(session, REF)).get("sending", 0)
                proc = await start_worker(args, emu, url, schema, log)
                run.restart_at = time.monotonic()
            if run.restart_at is not None and run.resumed_at is None and delivered > at_kill:
                run.resumed_at = now
            if len(stats["delivered_by_chat"]) >= n:
                await asyncio.sleep(1.0)  # let the worker record the last outcomes
                break
            if now > deadline:
                run.timed_out = True
                break
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
        per_chat = Counter({int(c): k for c, k in emu.stats["delivered_by_chat"].items()})
        run.lost = sum(1 for uid in ids if per_chat[uid] == 0)
        run.doubled = sum(k - 1 for k in per_chat.values() if k > 1)
        run.responses_429 = emu.stats["responses_429"]
        run.violations = len(emu.violations)
        async with create_sessionmaker(engine)() as session:
            run.statuses = await count_by_status(session, REF)
        stopped = [line for line in log.read_text().splitlines() if line.startswith("worker stopped: ")]
        if stopped:
            run.worker_stats = ast.literal_eval(stopped[-1].removeprefix("worker stopped: "))
    finally:
        await engine.dispose()
        await drop_database(schema)
    return run


def report(args: argparse.Namespace, runs: list[Run]) -> None:
    print()
    print(
        f"Delivery benchmark: {args.recipients} recipients, database {args.db}, emulator limit "
        f"{args.rate:g} msgs/s in total (429 above), 1/s per chat; worker configured for {args.rate:g} msgs/s"
    )
    header = (
        f"{'run':<22}{'delivered':>10}{'lost':>6}{'doubled':>9}{'429s':>6}{'msgs/s':>8}"
        f"{'min 10 s':>10}{'of limit':>10}{'peak RSS':>10}{'time':>9}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        overall = run.rate(run.first, run.last)
        sustained = run.sustained()
        duration = (run.last or 0) - (run.first or 0)
        delivered = run.recipients - run.lost
        print(
            f"{run.name:<22}{delivered:>10}{run.lost:>6}{run.doubled:>9}{run.responses_429:>6}"
            f"{overall:>8.1f}{sustained:>10.1f}{sustained / args.rate:>10.0%}"
            f"{run.peak_rss / 2**20:>8.0f}MB{duration:>8.1f}s"
        )
    print()
    for run in runs:
        extra = " (TIMED OUT)" if run.timed_out else ""
        print(f"{run.name}: outbox states {run.statuses}, protocol violations {run.violations}{extra}")
        if run.kill_at is not None and run.restart_at is not None and run.first is not None:
            before = run.rate(run.first, run.kill_at)
            resumed = (run.resumed_at - run.restart_at) if run.resumed_at else float("nan")
            print(
                f"  killed with SIGKILL after {run.kill_at - run.first:.1f} s ({before:.1f} msgs/s before), "
                f"{run.left_claimed} rows left claimed (`sending`); restarted at once, sending again "
                f"{resumed:.2f} s later (process start); "
                f"{run.worker_stats.get('reclaimed', 0)} rows claimed by the killed worker were taken over "
                f"after the claim timeout ({args.claim_timeout:g} s)"
            )
    print()
    print("msgs/s: first to last delivery (the killed run includes the restart and the claim timeout);")
    print("min 10 s: the slowest 10 seconds while a backlog remained (up to 95 %), the kill's gap left out;")
    print("of limit: min 10 s against the limit; doubled: extra copies, counted per chat by the emulator.")
    if args.recipients < 10_000:
        print("10,000 recipients: .venv/bin/python bench/bench_delivery.py --recipients 10000")


async def main(args: argparse.Namespace) -> None:
    emu = BotAPIEmulator(global_per_second=args.rate, chat_per_second=1, group_per_minute=20)
    await emu.start()
    try:
        runs = [await run_once(args, emu, "clean", kill_half_way=False)]
        if not args.skip_kill:
            runs.append(await run_once(args, emu, "SIGKILL half-way", kill_half_way=True))
    finally:
        await emu.stop()
    report(args, runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--rate", type=float, default=30.0, help="Telegram's global limit, msgs/s")
    parser.add_argument(
        "--claim-timeout", type=float, default=10.0, help="seconds before a dead worker's rows are taken over"
    )
    parser.add_argument("--skip-kill", action="store_true", help="only the clean run")
    asyncio.run(main(parser.parse_args()))
