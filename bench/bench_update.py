"""Where a question's CPU goes inside the bot. Prints figures; it does not pass or fail.

The real dispatcher, middlewares, handlers and database (`bot.app.build_app`), with Telegram answered in
the process at the session's `make_request`: each call's body is still built and its answer parsed into
aiogram's types, as over HTTP, only the network is left out. FAQ questions (tests/data/faq_testset.yaml)
from `--people` people who have chosen their language, 50 at a time, each person once (as in
bench/bench_load.py, most questions are a person's first in the process). Start-up as `python -m bot run`
does it: the FAQ loaded, then everything alive taken out of the garbage collector's sight.

Each variant runs in a fresh process with one part taken out, so that part's cost is the difference:

- `all`: nothing taken out;
- `no-matching`: `FaqService.decide` answers from a memo of the same question (the same reply, the matcher
  not run);
- `no-keyboards`: replies without their buttons;
- `no-outer`: without the update middlewares of ours that come before the database (metrics, duplicates,
  flood throttle).

    .venv/bin/python bench/bench_update.py                    # PostgreSQL on TEST_PG_URL's server, ~2 min
    .venv/bin/python bench/bench_update.py --engine sqlite --variants all,no-matching
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiogram import Bot  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.types import Update  # noqa: E402

from bench.bench_load import LANGS, drop_database, load_questions, make_database, seed_people  # noqa: E402
from bot.ops.collector import settle_after_start  # noqa: E402

TOKEN = "7770000003:BenchUpdateToken"
VARIANTS = ("all", "no-matching", "no-keyboards", "no-outer")
BATCH = 50
WARM_UP = 300


def take_out(variant: str) -> None:
    """Before the app is built: the part a variant leaves out."""
    if variant == "no-matching":
        from bot.faq.service import FaqReply, FaqService

        decide = FaqService.decide
        memo: dict[tuple[str, str | None], FaqReply] = {}

        def remembered(self: FaqService, text: str, user_lang: str | None) -> FaqReply:
            key = (text, user_lang)
            if key not in memo:
                memo[key] = decide(self, text, user_lang)
            return memo[key]

        FaqService.decide = remembered  # type: ignore[method-assign]
    elif variant == "no-keyboards":
        import handlers.faq.views as views

        views.answer_keyboard = lambda *args, **kwargs: None  # type: ignore[assignment]


def answer_here(bot: Bot) -> None:
    """Telegram's answers from this process: a sent message as Telegram echoes it, True for the rest."""
    session = bot.session
    sent = [0]

    async def make_request(
        self: Any, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        body = self.build_form_data(bot=bot, method=method)
        params = json.loads(body.decode()) if hasattr(body, "decode") else {}
        result: Any = True
        if method.__api_method__ == "sendMessage":
            sent[0] += 1
            result = {
                "message_id": sent[0],
                "date": 1700000000,
                "chat": {"id": params.get("chat_id", 1), "type": "private", "first_name": "A"},
                "from": {"id": int(TOKEN.split(":")[0]), "is_bot": True, "first_name": "Bot"},
                "text": params.get("text", ""),
            }
            if "reply_markup" in params:
                result["reply_markup"] = params["reply_markup"]
        content = json.dumps({"ok": True, "result": result})
        return self.check_response(bot=bot, method=method, status_code=200, content=content).result

    session.make_request = types.MethodType(make_request, session)  # type: ignore[method-assign]


async def one_variant(variant: str, engine_kind: str, count: int) -> float:
    """CPU ms per update of this process, after the warm-up."""
    from bot.app import build_app
    from bot.config import Settings
    from handlers.middlewares import ThrottleMiddleware, UpdateDedup, UpdateMetrics

    take_out(variant)
    rnd = random.Random(7)
    people = list(range(10_000, 10_000 + count))
    rnd.shuffle(people)
    questions = load_questions()
    with tempfile.TemporaryDirectory(prefix="bench-update-") as folder:
        url, name = await make_database(engine_kind, Path(folder))
        try:
            await seed_people(url, people)
            settings = Settings(
                _env_file=None, bot_token=TOKEN, database_url=url, redis_url="", webhook_url=""
            )  # type: ignore[call-arg]
            app = await build_app(settings, TOKEN)
            answer_here(app.bot)
            if variant == "no-outer":
                outer = app.dp.update.outer_middleware._middlewares
                outer[:] = [
                    m for m in outer if not isinstance(m, UpdateMetrics | UpdateDedup | ThrottleMiddleware)
                ]
            updates = [
                Update.model_validate(
                    {
                        "update_id": i + 1,
                        "message": {
                            "message_id": i + 1,
                            "date": 1700000000,
                            "chat": {"id": u, "type": "private", "first_name": "A"},
                            "from": {"id": u, "is_bot": False, "first_name": "A"},
                            "text": rnd.choice(questions[LANGS[u % len(LANGS)]]),
                        },
                    },
                    context={"bot": app.bot},
                )
                for i, u in enumerate(people)
            ]

            async def feed(batch: list[Update]) -> None:
                for start in range(0, len(batch), BATCH):
                    await asyncio.gather(
                        *(app.dp.feed_update(app.bot, u) for u in batch[start : start + BATCH])
                    )

            await feed(updates[:WARM_UP])  # (the FAQ is loaded by the first question)
            settle_after_start()  # as `python -m bot run` does after loading the FAQ
            began = time.process_time()
            await feed(updates[WARM_UP:])
            spent = time.process_time() - began
            await app.bot.session.close()
            await app.engine.dispose()
        finally:
            await drop_database(name)
    return spent / (count - WARM_UP) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=("pg", "sqlite"), default="pg")
    parser.add_argument("--people", type=int, default=3000, help="questions, one per person")
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}"
    )
    parser.add_argument("--rounds", type=int, default=2, help="runs of each variant (the least is printed)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a variant, in this process (run by main)
    args = parser.parse_args()
    if args.one:
        print(f"{asyncio.run(one_variant(args.one, args.engine, args.people)):.3f}")
        return
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    results: dict[str, float] = {}
    for _ in range(args.rounds):
        for variant in args.variants.split(","):
            if variant not in VARIANTS:
                raise SystemExit(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
            command = [
                sys.executable,
                __file__,
                "--one",
                variant,
                "--engine",
                args.engine,
                "--people",
                str(args.people),
            ]
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            ms = float(out.stdout.strip().splitlines()[-1])
            results[variant] = min(ms, results.get(variant, ms))
    whole = results.get("all")
    print(
        f"CPU per FAQ update inside the bot ({args.engine}, {args.people - WARM_UP} questions, least of {args.rounds}):"
    )
    print()
    print("| variant | CPU ms per update | the part taken out |")
    print("|---|---:|---:|")
    for variant, ms in results.items():
        part = f"{whole - ms:.2f} ms" if whole is not None and variant != "all" else "—"
        print(f"| {variant} | {ms:.2f} | {part} |")


if __name__ == "__main__":
    main()
