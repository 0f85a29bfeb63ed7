"""Replies under pressure (issue 18), through the Bot API emulator with Telegram's per-chat limit on (one
message a second in a chat, answered 429 above it), the real bot over HTTP in this process.

- 50 people send 1,000 messages at once, 20 each. The flood is throttled on arrival (before the chat's lock):
  every accepted message gets its answer, every flooding person one warning in their language, and nothing
  else; no ERROR and no traceback in the log. The emulator refused nothing but with 429, and a chat meets
  429 once or twice, not once per reply: after the first its replies are paced at its rate.
- A reply refused with a long 429 waits in the outbox and arrives once when its chat is free; a second
  reply to the paused chat goes there straight away, and they arrive in order.

The bot polls as `python -m bot run` does (an update is confirmed once handled), so the flood reaches it in
slices while the replies to the first ones wait for their chats. Before (issue 18): a throttle counted after
the chat's lock, or at the time an update came in, let those seconds refill it, so all 1,000 were answered,
with 830 429s; a black-box run logged 351 tracebacks for replies lost to 429.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import logs
from bot.broadcast.texts import plain_text
from bot.clock import FrozenClock
from bot.text import Translator
from emulator.server import BotAPIEmulator
from handlers.middlewares import FLOOD
from tests.e2e.harness import running_bot
from tests.ops_support import LANGS, QUESTIONS

PEOPLE = list(range(70_001, 70_051))
EACH = 20
# The throttle (default: 8 at once, one a second more): fewer replies per chat to wait for at one a second.
BURST, RATE = 4, 1.0


def trouble(records: list[logging.LogRecord]) -> list[str]:
    """Log lines that must not be there: errors, tracebacks, and warnings of the reply path."""
    return [
        f"{r.levelname} {r.name}: {r.getMessage()[:200]}"
        for r in records
        if r.levelno >= logging.ERROR
        or r.exc_info
        or (r.levelno >= logging.WARNING and r.name.startswith(("handlers", "bot.ops", "aiogram")))
    ]


async def test_a_flood_is_throttled_on_arrival_and_every_accepted_message_answered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emu = BotAPIEmulator(host="127.0.0.1", port=0, chat_per_second=1.0)
    async with running_bot(
        "sqlite",
        tmp_path,
        emulator=emu,
        confirm_after_handling=True,  # as `python -m bot run` polls: the flood comes in slices
        throttle_rate=RATE,
        throttle_burst=BURST,
    ) as bot:
        for uid in PEOPLE:
            bot.emu.add_user(uid, language_code=LANGS[uid % 6], first_name=f"P{uid}")
        caplog.set_level(logging.INFO)
        sent: dict[int, set[int]] = {uid: set() for uid in PEOPLE}
        for _ in range(EACH):
            for uid in PEOPLE:
                sent[uid].add(bot.emu.user_sends(uid, QUESTIONS[LANGS[uid % 6]])["message_id"])
        await bot.settle(limit=60)

        throttled = Counter(
            getattr(r, "user_hash", None) for r in caplog.records if r.getMessage() == "throttled user update"
        )
        stats = bot.emu.stats
        refused: Counter[int] = Counter(
            int(params["chat_id"]) for _, params, status in bot.emu.calls if status == 429
        )
        for uid in PEOPLE:
            messages = bot.emu.bot_messages(uid)
            answered = [m["reply_to_message_id"] for m in messages if m.get("reply_to_message_id")]
            others = [plain_text(m.get("text") or "") for m in messages if not m.get("reply_to_message_id")]
            accepted = EACH - throttled[logs.user_hash(uid)]
            # each accepted message answered once, and only those; at least the burst was accepted
            assert len(answered) == len(set(answered)) == accepted >= BURST, (uid, len(answered), accepted)
            assert set(answered) <= sent[uid]
            # one warning, in their language, and nothing else
            assert others == [plain_text(Translator(LANGS[uid % 6])._(FLOOD))], (uid, others)
            assert refused[uid] <= 2, (uid, refused[uid])  # then paced: no 429 per reply

        assert sum(throttled.values()) >= len(PEOPLE) * (EACH - BURST - 4)  # most of the flood dropped early
        assert trouble(caplog.records) == []
        assert set(stats["responses_by_status"]) <= {200, 429}, stats["responses_by_status"]
        assert bot.emu.violations == []


async def test_a_reply_refused_for_long_waits_in_the_outbox_and_arrives_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FrozenClock(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))
    emu = BotAPIEmulator(host="127.0.0.1", port=0, chat_per_second=1.0)
    async with running_bot("sqlite", tmp_path, emulator=emu, clock=clock) as bot:
        person = 70_101
        bot.emu.add_user(person, language_code="uk", first_name="P")
        caplog.set_level(logging.INFO)
        # Telegram refuses the next send for 30 s (longer than a reply waits in place)
        bot.emu.configure_faults(
            fault_ratio=1.0, fault_kinds=["429"], fault_retry_after=30, fault_methods=["sendMessage"]
        )
        first = bot.emu.user_sends(person, QUESTIONS["uk"])
        await bot.settle()
        bot.emu.configure_faults(fault_ratio=0.0)
        second = bot.emu.user_sends(person, QUESTIONS["en"])
        await bot.settle()  # the chat is still paused: this reply goes to the outbox without a call
        assert bot.emu.bot_messages(person) == []
        assert bot.emu.stats["responses_429"] == 1

        assert await bot.deliver() == 0  # not before the chat is free
        clock.advance(timedelta(seconds=31))
        await bot.deliver()
        clock.advance(timedelta(seconds=2))  # the second waits for the first (one chat, in order)
        await bot.deliver()
        clock.advance(timedelta(minutes=15))
        assert await bot.deliver() == 0
        replies = bot.emu.bot_messages(person)
        assert [m.get("reply_to_message_id") for m in replies] == [first["message_id"], second["message_id"]]

        queued = [r for r in caplog.records if "queued in the outbox" in r.getMessage()]
        assert [r.levelname for r in queued] == ["WARNING", "WARNING"]  # one line per reply
        assert [line for line in trouble(caplog.records) if "queued in the outbox" not in line] == []
        assert bot.emu.violations == []
