"""Flood benchmark (issue 18): people sending messages as fast as they can to a real bot process.

Prints figures; it does not pass or fail. The emulator runs in this process with Telegram's per-chat limit
on (one message a second in a chat, 429 above it; `--global-rate` adds the limit over all chats); the bot is
`python -m bot run` on SQLite with its default settings (throttle 8 at once and one a second, long polling).
`--people` send `--each` messages at once, in six languages. When the bot has sent nothing for `--quiet`
seconds, it prints: the time until its last message, the answers (replies to a question), the flood
warnings, anything else, the 429s it met, and its log's ERROR and WARNING lines and tracebacks.

    .venv/bin/python bench/bench_flood.py                    # 50 people x 20 messages (~1 minute)
    .venv/bin/python bench/bench_flood.py --people 200 --each 10 --global-rate 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emulator.server import BotAPIEmulator  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.ops_support import LANGS, QUESTIONS, BotProcess  # noqa: E402

TOKEN = "123456:BENCH-flood"


async def run(args: argparse.Namespace) -> None:
    emu = BotAPIEmulator(host="127.0.0.1", port=0, chat_per_second=1.0, global_per_second=args.global_rate)
    await emu.start()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emu.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bot.db",
            "REDIS_URL": "",
            "WEBHOOK_URL": "",
            "METRICS_HOST": "127.0.0.1",
            "METRICS_PORT": str(port),
            "TRANSLATOR": "none",
            "LOG_FORMAT": "json",
        }
        bot = BotProcess("bot", env, Path(tmp) / "bot.log", port)
        try:
            await bot.start()
            await bot.wait_healthy()
            people = list(range(80_001, 80_001 + args.people))
            for uid in people:
                emu.add_user(uid, language_code=LANGS[uid % 6], first_name=f"P{uid}")
            started = time.monotonic()
            for _ in range(args.each):
                for uid in people:
                    emu.user_sends(uid, QUESTIONS[LANGS[uid % 6]])
            last, seen = started, 0
            while time.monotonic() - last < args.quiet:
                await asyncio.sleep(0.2)
                now_seen = emu.stats["messages_delivered"]
                if now_seen != seen:
                    seen, last = now_seen, time.monotonic()
            messages = [m for uid in people for m in emu.bot_messages(uid)]
            answers = sum(1 for m in messages if m.get("reply_to_message_id"))
            others = len(messages) - answers  # the flood warnings, one per person (nothing else expected)
            stats = emu.stats
        finally:
            await bot.stop()
            await emu.stop()
        levels: Counter[str] = Counter()
        warned: Counter[str] = Counter()  # WARNING lines by their start (no texts or ids are logged)
        tracebacks = 0
        for line in bot.log.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                tracebacks += line.startswith("Traceback")
                continue
            levels[entry.get("level", "?")] += 1
            if entry.get("level") == "WARNING":
                warned[f"{entry.get('logger')}: {str(entry.get('message'))[:60]}"] += 1
            tracebacks += "exception" in entry
    sent = args.people * args.each
    print(f"{args.people} people x {args.each} messages = {sent} at once; per-chat limit 1/s")
    print(f"  last bot message after     {last - started:6.1f} s")
    print(f"  answers (replies)          {answers:6d}")
    print(f"  other messages (warnings)  {others:6d}")
    print(f"  429s met                   {stats['responses_429']:6d}")
    print(f"  ERROR lines / tracebacks   {levels['ERROR']:6d} / {tracebacks}")
    print(f"  WARNING lines              {levels['WARNING']:6d}")
    for line, n in warned.most_common(5):
        print(f"    {n:5d}  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--each", type=int, default=20)
    parser.add_argument("--global-rate", type=float, default=None, help="messages/s over all chats (off)")
    parser.add_argument("--quiet", type=float, default=5.0, help="seconds without a bot message: done")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
