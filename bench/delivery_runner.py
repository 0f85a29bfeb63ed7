"""Runs one delivery worker in its own process until SIGTERM (bench/bench_delivery.py starts, kills and
restarts it). Only the worker: no polling, no handlers, so the figures are the delivery engine's.

    .venv/bin/python bench/delivery_runner.py --database-url URL --api-url URL --token TOKEN
        [--pg-schema SCHEMA] [--rate 30] [--claim-timeout 10]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bot import wiring  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.delivery.worker import DeliveryWorker  # noqa: E402
from storage.db import create_engine, create_sessionmaker  # noqa: E402


async def main(args: argparse.Namespace) -> None:
    settings = load_settings(
        _env_file=None,
        bot_token=args.token,
        telegram_api_url=args.api_url,
        database_url=args.database_url,
        send_rate_total=args.rate,
        delivery_claim_timeout_seconds=args.claim_timeout,
    )
    if args.pg_schema:
        engine = create_async_engine(
            settings.database_url, connect_args={"server_settings": {"search_path": args.pg_schema}}
        )
    else:
        engine = create_engine(settings.database_url)
    worker = DeliveryWorker.for_bot(
        settings,
        create_sessionmaker(engine),
        args.token,
        Clock(),
        renderers=wiring.renderers(),
        hooks=wiring.outcome_hooks(),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker.start()
    print(f"worker {worker.worker_id} running", flush=True)
    await stop.wait()
    await worker.stop()
    await engine.dispose()
    print(f"worker stopped: {dict(worker.stats)}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pg-schema")
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--claim-timeout", type=float, default=10.0)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main(parser.parse_args()))
