"""Issue 14's fault test: 200 conversations with a person while the Bot API fails one call in ten and the bot
is killed (SIGKILL) once in the middle and started again on the same database.

The bot is a real `python -m bot run` process (long polling). 200 askers in six languages ask a question the
FAQ cannot answer, press "Ask a person" under the reply, and write one or two follow-ups; ten helpers take
the cards in the helpers' group (half with 🙋 first, the others by simply replying) and answer one or two
times, by replying to the card or to the asker's follow-up. The emulator answers 10 % of the bot's calls
that send or change something (sendMessage, editMessageText, answerCallbackQuery, …; getUpdates is left
alone, aiogram's polling backoff would only slow the run) with 429 (retry_after 1; one in five) or 500/502, for
the whole run. Such a refused call was not carried out, so it cannot double a message.

Checked from the emulator's view of the chats:
- every asker message (question and follow-ups) is in the helpers' group, in the order written;
- every helper reply reached its asker, in the order written;
- nothing is lost, and a message arrives twice only if it was in flight at the kill: the outbox rows
  claimed (`sending`) but not recorded when the process died (docs/delivery.md), and of those at most the
  calls under way (DELIVERY_CONCURRENCY). Their number, counted in the database right after the kill,
  bounds the duplicates.
The figures (messages, faults injected, rows in flight at the kill, duplicates, follow-ups that do not
reply to their card because they were queued before the card was sent) are printed. About a minute on a
busy 2-core machine (45 s without faults: the 429s' one-second pauses of every send cost the most), on
SQLite; the outbox's own fault tests and the multi-process tests cover PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import Clock
from emulator.faults import SENDING_METHODS
from emulator.server import BotAPIEmulator
from handlers.callbacks import parse_take
from handlers.faq.callbacks import FaqAction, FaqCb, WithdrawCb
from storage.db import create_sessionmaker
from storage.models import OutboxMessage, User
from tests.conftest import drop_pg_database, make_engine
from tests.ops_support import LANGS, BotProcess, free_port

# The 200 conversations run on SQLite (two minutes of a busy 2-core machine); the outbox's fault tests and
# the multi-process tests cover PostgreSQL. The smaller test below runs on both.

TOKEN = "123456:TEST-ticket-faults"
GROUP = -100_714
ORGANIZER = 9001
HELPERS = list(range(9_301, 9_311))
ASKERS = list(range(41_001, 41_201))
# Questions the FAQ does not know (checked: "unknown" or "suggest" with any marker): "Ask a person" is
# offered under the reply.
QUESTION = {
    "de": "wann hat der zoo in hannover offen",
    "ar": "شلون اصلح شاشة الموبايل",
    "fa": "آیفون بخرم یا سامسونگ",
    "uk": "як оновити айфон до нової версії",
    "en": "how do i make pancakes",
    "ru": "рецепт пельменей",
}
FOLLOW_UP = {
    "de": "Und gilt das auch am Wochenende?",
    "ar": "وهل هذا ينطبق أيضا في عطلة نهاية الأسبوع؟",
    "fa": "آیا این در آخر هفته هم صدق می‌کند؟",
    "uk": "А це діє і на вихідних?",
    "en": "And is that the same at the weekend?",
    "ru": "А в выходные тоже так?",
}
FAULT_METHODS = SENDING_METHODS | {
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "deleteMessage",
}
# Seconds for the conversation part: about 80 alone, 115-150 beside the whole suite on 2 cores. A stall never
# ends, and fails with details.
RUN_LIMIT = 300.0


def qmark(uid: int) -> str:
    return f"(Q{uid})"


def fmark(uid: int, n: int) -> str:
    return f"(F{uid}.{n})"


def rmark(uid: int, n: int) -> str:
    return f"(R{uid}.{n})"


MARK = re.compile(r"\(([QFR])(\d+)(?:\.(\d))?\)")


@dataclass
class Conversation:
    """One asker's ticket, as the driver plays it."""

    uid: int
    lang: str
    helper: int
    follow_ups: int  # 1 or 2
    replies: int  # 1 or 2
    take_first: bool  # the helper presses 🙋 before replying (else replying takes it)
    question_id: int | None = None
    pressed: bool = False
    ticket: int | None = None
    card_id: int | None = None
    sent_f: list[int] = field(default_factory=list)  # follow-ups written (their numbers)
    sent_r: list[int] = field(default_factory=list)  # replies written
    relayed_f: dict[int, int] = field(default_factory=dict)  # follow-up n → its relay's id in the group
    got_r: set[int] = field(default_factory=set)  # replies that reached the asker
    took: bool = False
    asker_seen: int = 0  # messages of the asker's chat looked at

    @property
    def done(self) -> bool:
        return (
            self.card_id is not None
            and len(self.sent_f) == self.follow_ups
            and set(self.relayed_f) == set(self.sent_f)
            and len(self.sent_r) == self.replies
            and self.got_r == set(self.sent_r)
        )

    def stage(self) -> str:
        """Where a stalled conversation stopped (for the failure message)."""
        if self.question_id is None:
            return "question not sent"
        if not self.pressed:
            return "no 'ask a person' button under the reply"
        if self.ticket is None:
            return "pressed, not confirmed"
        if self.card_id is None:
            return f"ticket {self.ticket}: no card in the group"
        missing_f = set(self.sent_f) - set(self.relayed_f)
        missing_r = set(self.sent_r) - self.got_r
        return (
            f"ticket {self.ticket}: follow-ups {self.sent_f}/{self.follow_ups} missing {sorted(missing_f)}, "
            f"replies {self.sent_r}/{self.replies} missing {sorted(missing_r)}"
        )


def bot_env(emu: BotAPIEmulator, database_url: str, metrics_port: int) -> dict[str, str]:
    return {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emu.base_url,
        "DATABASE_URL": database_url,
        "DATABASE_POOL_SIZE": "5",  # the shared PostgreSQL serves the tests running alongside
        "REDIS_URL": "",
        "WEBHOOK_URL": "",
        "METRICS_HOST": "127.0.0.1",
        "METRICS_PORT": str(metrics_port),
        "HELPERS_CHAT_ID": str(GROUP),
        "ORGANIZER_IDS": str(ORGANIZER),
        "TRANSLATOR": "none",
        "THROTTLE_RATE": "50",  # a helper answers many tickets in a row
        "THROTTLE_BURST": "100",
        # Telegram's limits are not under test here (tests/test_delivery_limits.py): 1,000 messages to one
        # group at 20 a minute would take most of an hour
        "SEND_RATE_TOTAL": "300",
        "SEND_RATE_PER_CHAT": "50",
        "SEND_RATE_PER_GROUP_MINUTE": "100000",
        "DELIVERY_BATCH_SIZE": "200",  # a 429 pauses every send for a second: more per round
        "DELIVERY_CONCURRENCY": "16",
        "DELIVERY_BACKOFF_SECONDS": "0.2",
        "DELIVERY_BACKOFF_MAX_SECONDS": "1",
        "DELIVERY_MAX_ATTEMPTS": "30",  # a 5xx streak never ends a relay here: nothing may be lost
        "DELIVERY_CLAIM_TIMEOUT_SECONDS": "5",  # the killed worker's rows are taken over soon
        "DELIVERY_IDLE_SECONDS": "0.05",
        "TELEGRAM_RETRIES": "6",
        "TELEGRAM_REQUEST_TIMEOUT_SECONDS": "10",
        "LOG_LEVEL": "INFO",
    }


async def seed(sessionmaker: Any, clock: Clock) -> None:
    now = clock.now()
    async with sessionmaker() as session, session.begin():
        session.add(User(id=ORGANIZER, role="organizer", language="de", created_at=now, consent_at=now))
        session.add_all(
            [User(id=h, role="helper", language="de", created_at=now, consent_at=now) for h in HELPERS]
        )
        session.add_all(
            [
                User(id=u, role="visitor", language=LANGS[u % 6], created_at=now, consent_at=now)
                for u in ASKERS
            ]
        )


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


def handoff_data(message: dict[str, Any]) -> str | None:
    for data in buttons(message):
        if data.startswith("faq:"):
            try:
                if FaqCb.unpack(data).action == FaqAction.ASK:
                    return data
            except (ValueError, TypeError):
                continue
    return None


def withdraw_ticket(message: dict[str, Any]) -> int | None:
    """The ticket number on "↩️ Withdraw my question" under the confirmation."""
    for data in buttons(message):
        if data.startswith("wdq:"):
            return WithdrawCb.unpack(data).ticket
    return None


def take_data(message: dict[str, Any]) -> str | None:
    return next((d for d in buttons(message) if d.startswith("take:") and parse_take(d) is not None), None)


class Driver:
    """Plays the askers and the helpers against the emulator: each acts on what it sees in its chats."""

    def __init__(self, emu: BotAPIEmulator) -> None:
        self.emu = emu
        self.conversations = {
            uid: Conversation(
                uid=uid,
                lang=LANGS[uid % 6],
                helper=HELPERS[i % len(HELPERS)],
                follow_ups=1 + i % 2,
                replies=1 + (i // 2) % 2,
                take_first=i % 4 < 2,
            )
            for i, uid in enumerate(ASKERS)
        }
        self.group_seen = 0
        self.cards = 0
        self.sent = Counter[str]()

    def ask(self, conv: Conversation) -> None:
        sent = self.emu.user_sends(conv.uid, f"{QUESTION[conv.lang]} {qmark(conv.uid)}")
        conv.question_id = sent["message_id"]
        self.sent["questions"] += 1

    def follow_up(self, conv: Conversation) -> None:
        n = len(conv.sent_f) + 1
        self.emu.user_sends(conv.uid, f"{fmark(conv.uid, n)} {FOLLOW_UP[conv.lang]}")
        conv.sent_f.append(n)
        self.sent["follow_ups"] += 1

    def reply(self, conv: Conversation, to: int) -> None:
        n = len(conv.sent_r) + 1
        text = f"{rmark(conv.uid, n)} Antwort {n}: Bitte bringen Sie Ihren Ausweis mit."
        self.emu.user_sends(conv.helper, text, chat_id=GROUP, reply_to_message_id=to)
        conv.sent_r.append(n)
        self.sent["replies"] += 1

    def look_at_askers(self) -> None:
        for conv in self.conversations.values():
            if conv.question_id is None:
                continue
            fresh = self.emu.messages(conv.uid, after=conv.asker_seen)
            conv.asker_seen += len(fresh)
            for message in fresh:
                if not message["from_bot"]:
                    continue
                data = handoff_data(message)
                if (
                    data is not None
                    and not conv.pressed
                    and message.get("reply_to_message_id") == conv.question_id
                ):
                    self.emu.user_presses(conv.uid, message["message_id"], data)
                    conv.pressed = True
                    self.sent["presses"] += 1
                    continue
                number = withdraw_ticket(message)
                if conv.ticket is None and number is not None and message["text"].startswith("✅"):
                    conv.ticket = number
                    self.follow_up(conv)  # the asker adds something at once
                for kind, uid, n in MARK.findall(message["text"]):
                    if kind == "R" and int(uid) == conv.uid:
                        conv.got_r.add(int(n))
                        if len(conv.sent_f) < conv.follow_ups:
                            self.follow_up(conv)  # and writes again once the helper answered

    def look_at_group(self) -> None:
        fresh = self.emu.messages(GROUP, after=self.group_seen)
        self.group_seen += len(fresh)
        for message in fresh:
            if not message["from_bot"]:
                continue
            for kind, uid, n in MARK.findall(message["text"]):
                conv = self.conversations.get(int(uid))
                if conv is None:
                    continue
                if kind == "Q" and conv.card_id is None:
                    conv.card_id = message["message_id"]
                    self.cards += 1
                    take = take_data(message)
                    if conv.take_first and take is not None:
                        self.emu.user_presses(conv.helper, conv.card_id, take, chat_id=GROUP)
                        conv.took = True
                        self.sent["takes"] += 1
                    if len(conv.sent_r) < conv.replies:  # (a follow-up may have come first)
                        self.reply(conv, conv.card_id)
                elif kind == "F" and int(n) not in conv.relayed_f:
                    conv.relayed_f[int(n)] = message["message_id"]
                    if len(conv.sent_r) < conv.replies:
                        self.reply(conv, message["message_id"])  # the helper answers the follow-up

    def stalled(self) -> list[str]:
        return [f"{c.uid}: {c.stage()}" for c in self.conversations.values() if not c.done]


async def outbox_open(sessionmaker: Any) -> int:
    async with sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_(("pending", "sending")))
            )
            or 0
        )


async def outbox_sending(sessionmaker: Any) -> int:
    async with sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sending")
            )
            or 0
        )


def group_marks(emu: BotAPIEmulator) -> tuple[Counter[str], dict[str, list[dict[str, Any]]]]:
    """How often each asker marker stands in a bot message of the group, and those messages."""
    counts: Counter[str] = Counter()
    where: dict[str, list[dict[str, Any]]] = {}
    for message in emu.bot_messages(GROUP):
        for kind, uid, n in set(MARK.findall(message["text"])):
            if kind in "QF":
                key = f"{kind}{uid}.{n}" if n else f"{kind}{uid}"
                counts[key] += 1
                where.setdefault(key, []).append(message)
    return counts, where


async def test_200_conversations_under_faults_and_a_kill_lose_nothing(db_kind: str, tmp_path: Path) -> None:
    engine, url, database = await make_engine(db_kind, tmp_path)
    sessionmaker = create_sessionmaker(engine)
    emu = BotAPIEmulator(
        fault_ratio=0.1,
        # one refusal in five a 429 (2% of calls), the rest 500/502: each 429 pauses every send for a second
        fault_kinds=["429", "500", "502", "500", "502"],
        fault_retry_after=1,
        fault_methods=FAULT_METHODS,
        seed=14,
    )
    await emu.start()
    emu.add_user(ORGANIZER, language_code="de", first_name="Orga")
    for uid in HELPERS:
        emu.add_user(uid, language_code="de", first_name=f"Helfer{uid}")
    for uid in ASKERS:
        emu.add_user(uid, language_code=LANGS[uid % 6], first_name=f"P{uid}")
    emu.add_group(GROUP, "Helfer", [ORGANIZER, *HELPERS])
    await seed(sessionmaker, Clock())
    port = free_port()
    env = bot_env(emu, url, port)
    bot = BotProcess("bot", env, tmp_path / "bot.log", port)
    driver = Driver(emu)
    in_flight_at_kill: int | None = None
    pending_updates_at_kill = 0
    restarting: asyncio.Future[Any] | None = None
    started = time.monotonic()
    try:
        await bot.start()
        await bot.wait_healthy()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RUN_LIMIT
        queue = list(driver.conversations.values())
        killed = False
        while True:
            # the askers arrive over the first seconds, 20 every tick
            for conv in queue[:20]:
                driver.ask(conv)
            queue = queue[20:]
            driver.look_at_askers()
            driver.look_at_group()
            if not killed and driver.cards >= len(ASKERS) // 2:
                # in the middle of it all: the process dies, whatever it was doing
                bot.kill()
                assert bot.proc is not None
                await bot.proc.wait()
                killed = True
                in_flight_at_kill = await outbox_sending(sessionmaker)
                pending_updates_at_kill = len(emu.pending_updates)
                print(
                    f"killed after {time.monotonic() - started:.1f} s: {driver.cards} cards in the group, "
                    f"{in_flight_at_kill} outbox rows in flight, {pending_updates_at_kill} updates "
                    "unconfirmed"
                )
                await bot.start()
                restarting = asyncio.ensure_future(bot.wait_healthy())  # the people go on meanwhile
            if killed and not queue and all(c.done for c in driver.conversations.values()):
                assert restarting is not None
                await restarting  # (done long since; raises if the restart failed)
                break
            if restarting is not None and restarting.done() and restarting.exception() is not None:
                raise AssertionError(f"the bot did not come back: {restarting.exception()}")
            if loop.time() > deadline:
                stalled = driver.stalled()
                stuck = next(c for c in driver.conversations.values() if not c.done)
                seen = [
                    (m["text"][:60], m.get("reply_to_message_id"), buttons(m))
                    for m in emu.messages(stuck.uid)
                ]
                raise AssertionError(
                    f"{len(stalled)} conversations did not finish within {RUN_LIMIT} s: {stalled[:15]}\n"
                    f"the chat of {stuck.uid}: {seen}\n"
                    f"bot log: {bot.tail(20)}"
                )
            await asyncio.sleep(0.1)
        # every outbox row final, then a moment for a late duplicate to show
        for _ in range(200):
            if await outbox_open(sessionmaker) == 0:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        elapsed = time.monotonic() - started

        counts, where = group_marks(emu)
        convs = driver.conversations.values()
        duplicates: dict[str, int] = {}
        lost: list[str] = []
        out_of_order: list[str] = []
        unthreaded = 0
        for conv in convs:
            uid = conv.uid
            # the asker's words in the group: the question on its card, each follow-up once, in order
            wanted = [f"Q{uid}"] + [f"F{uid}.{n}" for n in conv.sent_f]
            for key in wanted:
                if counts[key] == 0:
                    lost.append(key)
                elif counts[key] > 1:
                    duplicates[key] = counts[key] - 1
            ids = [min(m["message_id"] for m in where[k]) for k in wanted if where.get(k)]
            if ids != sorted(ids):
                out_of_order.append(f"asker {uid}: group ids {ids}")
            # (a follow-up queued before the card was sent does not reply to it: counted, not required)
            threads = [m.get("reply_to_message_id") for k in wanted[1:] for m in where.get(k, [])]
            unthreaded += sum(1 for t in threads if t != conv.card_id)
            # the helper's words at the asker: each reply once, in order
            got: list[int] = []
            for message in emu.bot_messages(uid):
                got += [
                    int(n) for kind, u, n in MARK.findall(message["text"]) if kind == "R" and int(u) == uid
                ]
            for n in conv.sent_r:
                if got.count(n) == 0:
                    lost.append(f"R{uid}.{n}")
                elif got.count(n) > 1:
                    duplicates[f"R{uid}.{n}"] = got.count(n) - 1
            first_seen = sorted(set(got), key=got.index)
            if first_seen != sorted(first_seen):
                out_of_order.append(f"asker {uid}: replies arrived as {got}")

        stats = emu.stats
        faults = stats["responses_429"] + stats["responses_5xx"]
        asker_messages = driver.sent["questions"] + driver.sent["follow_ups"]
        doubled = sum(duplicates.values())
        print(
            f"ticket fault test ({db_kind}): {len(ASKERS)} tickets, {asker_messages} asker messages "
            f"({driver.sent['follow_ups']} follow-ups), {driver.sent['replies']} helper replies, "
            f"{driver.sent['takes']} takes, {driver.sent['presses']} 'ask a person' presses; "
            f"{stats['calls_total']} Bot API calls, {faults} faults injected "
            f"({stats['responses_429']} × 429, {stats['responses_5xx']} × 5xx); killed once with "
            f"{in_flight_at_kill} outbox rows in flight and {pending_updates_at_kill} updates unconfirmed; "
            f"lost {len(lost)}, duplicates {doubled}, out of order {len(out_of_order)}; {unthreaded} "
            f"follow-ups not in the card's thread; {len(emu.violations)} calls refused as repeats; "
            f"{elapsed:.1f} s"
        )
        assert killed and in_flight_at_kill is not None
        assert lost == [], lost[:20]
        assert out_of_order == [], out_of_order[:20]
        # only what was in flight at the kill may arrive twice: claimed and not recorded, and of those at
        # most the calls under way (DELIVERY_CONCURRENCY, docs/delivery.md)
        assert doubled <= min(in_flight_at_kill, int(env["DELIVERY_CONCURRENCY"])), (
            duplicates,
            in_flight_at_kill,
        )
        assert faults >= 0.05 * stats["calls_total"], stats  # the faults did happen (getUpdates has none)
        assert stats["responses_429"] > 0 and stats["responses_5xx"] > 0
        # What the kill repeats, Telegram refuses as the emulator does, and the bot takes as done: a second
        # answer to a press whose update came again ("query is too old": the press is handled anyway,
        # bot/ops/telegram.py), an edit of the card sent again that changes nothing ("not modified": the
        # worker records it as sent). No other refusal.
        answered_again = [v for v in emu.violations if "query is too old" in v["description"]]
        edited_again = [v for v in emu.violations if "message is not modified" in v["description"]]
        assert len(answered_again) <= pending_updates_at_kill, answered_again
        assert len(edited_again) <= in_flight_at_kill, edited_again
        others = [v for v in emu.violations if v not in answered_again + edited_again]
        assert others == [], others[:5]
    finally:
        if restarting is not None and not restarting.done():
            restarting.cancel()
        await bot.stop()
        await emu.stop()
        await engine.dispose()
        if database:
            await drop_pg_database(database)


@pytest.mark.pg_e2e
async def test_a_reply_to_a_card_the_outbox_has_not_recorded_yet_reaches_the_asker(
    db_kind: str, tmp_path: Path
) -> None:
    """The card is in the group the moment Telegram accepts it; its id is recorded a moment later (or, for
    a copy sent twice at a crash, never). A helper quicker than that is still passed on: the card's head
    names the ticket (handlers/faq/reply_target.py)."""
    from sqlalchemy import update

    from storage.models import Ticket
    from tests.e2e.harness import HELPERS_CHAT_ID, button_data, running_bot, text_of
    from tests.e2e.test_conversations import ASKER, HELPER, card_of, setting_up
    from tests.e2e.test_faq import start

    async with running_bot(db_kind, tmp_path) as bot:
        await setting_up(bot)
        await start(bot, ASKER, "ar")
        menu = await bot.say(ASKER, "/menu", timeout=30)  # generous: it may run beside the big test
        await bot.press(ASKER, menu, button_data(menu, "💬"), timeout=30)
        await bot.say(ASKER, "أين أجد طبيب أطفال؟", timeout=30)
        await bot.deliver()
        card = card_of(bot, 1)
        async with bot.app.sessionmaker() as session, session.begin():  # as if not recorded yet
            await session.execute(update(Ticket).values(relay_message_id=None))
            await session.execute(update(OutboxMessage).values(telegram_message_id=None))
        bot.emu.user_sends(
            HELPER,
            "Beim Kinderarzt am Markt.",
            chat_id=HELPERS_CHAT_ID,
            reply_to_message_id=card["message_id"],
        )
        await bot.settle()
        await bot.deliver()
        assert "Beim Kinderarzt am Markt." in text_of(bot.emu.bot_messages(ASKER)[-1])
        # a reply to another bot message (no ticket named in its head) is still people talking
        other = bot.emu.bot_messages(HELPERS_CHAT_ID)[-1]  # the "passed on" notice
        bot.emu.user_sends(HELPER, "Danke!", chat_id=HELPERS_CHAT_ID, reply_to_message_id=other["message_id"])
        await bot.settle()
        await bot.deliver()
        assert "Danke!" not in text_of(bot.emu.bot_messages(ASKER)[-1])
        assert bot.emu.violations == []
