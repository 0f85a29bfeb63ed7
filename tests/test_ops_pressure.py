"""Direct replies under pressure (issue 18): a 429 waits in its chat alone, a reply still refused goes to the
outbox (once) instead of being lost, and only what Telegram surely did not carry out is queued. Virtual time
for the waits; the outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import logs
from bot.app import build_bot
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.delivery.limits import ChatPacer, Limiter
from bot.delivery.render import READY, Renderers, render_ready
from bot.delivery.replies import OutboxReplies
from bot.delivery.worker import DeliveryWorker
from bot.ops.telegram import ReplyQueued, RetryRequest
from bot.ops.throttle import LocalThrottle
from storage.models import OutboxMessage, User
from tests.test_delivery_limits import VirtualTime
from tests.test_delivery_worker import FakeSender

TOKEN = "123456:TEST-token"
SM = async_sessionmaker[AsyncSession]
PERSON, OTHER = 4711, 4712


def pacer(vt: VirtualTime, **kw: Any) -> ChatPacer:
    return ChatPacer(1.0, 20, clock=vt, sleep=vt.sleep, **kw)


class Telegram:
    """make_request for the middleware: answers from a script per chat (then "sent"), logs every call."""

    def __init__(self, vt: VirtualTime, script: dict[int, list[Exception]] | None = None) -> None:
        self.vt = vt
        self.script = script or {}
        self.calls: list[tuple[int, float]] = []  # (chat, virtual time of the call)

    async def __call__(self, bot: Any, method: Any) -> str:
        chat = int(method.chat_id)
        self.calls.append((chat, self.vt()))
        failures = self.script.get(chat)
        if failures:
            raise failures.pop(0)
        return "sent"


# --- the per-chat wait ----------------------------------------------------------------------------------------


async def test_a_429_pauses_its_chat_alone_then_paces_it_for_a_while() -> None:
    vt = VirtualTime()
    chats = pacer(vt, hot_seconds=10)
    chats.pause(PERSON, 3)
    assert chats.paused_for(PERSON) == pytest.approx(3) and chats.paused_for(OTHER) == 0
    start = vt.now
    chats.release(await chats.acquire(OTHER))  # another chat goes at once
    assert vt.now == start
    chats.release(await chats.acquire(PERSON))  # this one after its retry_after
    assert vt.now == pytest.approx(start + 3)
    chats.release(await chats.acquire(PERSON))  # while hot: at the chat's rate, one a second
    assert vt.now == pytest.approx(start + 4)
    vt.now += 20  # quiet again: no pacing, two in a row leave at once (Telegram allows short bursts)
    cool = vt.now
    for _ in range(2):
        chats.release(await chats.acquire(PERSON))
    assert vt.now == cool
    # a sender that paces itself (a preview) waits for the chat's rate all the same
    await chats.ready(PERSON)
    assert vt.now == pytest.approx(cool + 1)


async def test_a_reply_that_meets_429_waits_without_holding_up_other_chats() -> None:
    vt = VirtualTime()
    refused = SendMessage(chat_id=PERSON, text="a")
    telegram = Telegram(vt, {PERSON: [TelegramRetryAfter(refused, "Too Many Requests", retry_after=2)]})
    middleware = RetryRequest(retries=3, pacer=pacer(vt))
    start = vt.now
    results = await asyncio.gather(
        middleware(telegram, None, refused),  # type: ignore[arg-type]
        middleware(telegram, None, SendMessage(chat_id=OTHER, text="b")),  # type: ignore[arg-type]
    )
    assert results == ["sent", "sent"]
    # the other chat went while the refused one waited its retry_after (the one wait there was)
    assert [chat for chat, _ in telegram.calls] == [PERSON, OTHER, PERSON]
    assert vt.sleeps == [2.0] and telegram.calls[-1][1] == pytest.approx(start + 2)


# --- the outbox fallback --------------------------------------------------------------------------------------


async def add_person(sessionmaker: SM, clock: FrozenClock) -> None:
    async with sessionmaker() as session, session.begin():
        session.add(User(id=PERSON, language="ar", created_at=clock.now(), role="visitor"))


async def outbox(sessionmaker: SM) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


def reply_to_question(text: str = "<b>Deutschkurse</b> gibt es …") -> SendMessage:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="👍", callback_data="faq:y:1")]]
    )
    return SendMessage(
        chat_id=PERSON, text=text, reply_markup=markup, reply_parameters=ReplyParameters(message_id=7)
    )


async def test_a_reply_refused_for_long_goes_to_the_outbox_and_is_sent_once(
    sessionmaker: SM, clock: FrozenClock
) -> None:
    await add_person(sessionmaker, clock)
    bot = build_bot(load_settings(bot_token=TOKEN), TOKEN)
    vt = VirtualTime()
    chats = pacer(vt)
    middleware = RetryRequest(retries=3, max_wait=10, pacer=chats, queue=OutboxReplies(sessionmaker, clock))
    method = reply_to_question()
    telegram = Telegram(vt, {PERSON: [TelegramRetryAfter(method, "Too Many Requests", retry_after=40)]})
    token = logs.bind(555, PERSON)
    try:
        with pytest.raises(ReplyQueued) as queued:
            await middleware(telegram, bot, method)
        # the update handled again (a crash before its confirmation) queues the same reply no second time;
        # the chat is refused for long, so this one is queued without a call
        with pytest.raises(ReplyQueued):
            await middleware(telegram, bot, reply_to_question())
        # another reply of this update waits its turn in the outbox too
        with pytest.raises(ReplyQueued):
            await middleware(telegram, bot, reply_to_question("Noch etwas"))
    finally:
        logs.unbind(token)
        await bot.session.close()
    assert queued.value.delay == 40 and len(telegram.calls) == 1 and vt.sleeps == []
    first, second = await outbox(sessionmaker)
    assert (first.chat_id, first.user_id, first.kind, first.status) == (PERSON, PERSON, READY, "pending")
    assert first.ref == second.ref == f"reply:{PERSON}"
    assert first.not_before == clock.now() + timedelta(seconds=40)
    assert first.dedupe_key is not None and first.dedupe_key.startswith("reply:555:")
    assert first.payload == {
        "method": "sendMessage",
        "text": "<b>Deutschkurse</b> gibt es …",
        "parse_mode": "HTML",
        "reply_parameters": {
            "message_id": 7,
            "quote_parse_mode": "HTML",
            "allow_sending_without_reply": True,
        },
        "reply_markup": {"inline_keyboard": [[{"text": "👍", "callback_data": "faq:y:1"}]]},
    }

    sender = FakeSender()
    worker = DeliveryWorker(
        sessionmaker,
        sender,
        load_settings(bot_token=TOKEN),
        clock,
        "w1",
        renderers=Renderers({READY: render_ready}),
        limiter=Limiter.unlimited(),
    )
    assert await worker.run_once() == 0  # not before its chat is free
    clock.advance(timedelta(seconds=41))
    assert await worker.run_once() == 1  # the replies of one chat leave in order: the second after it
    clock.advance(timedelta(seconds=1))
    assert await worker.run_once() == 1
    clock.advance(timedelta(minutes=10))
    assert await worker.run_once() == 0
    assert [params["text"] for _, params, _ in sender.calls] == [
        "<b>Deutschkurse</b> gibt es …",
        "Noch etwas",
    ]
    assert sender.calls[0][1]["reply_markup"] == first.payload["reply_markup"]
    assert [row.status for row in await outbox(sessionmaker)] == ["sent", "sent"]


async def test_only_what_telegram_surely_did_not_carry_out_is_queued(
    sessionmaker: SM, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_person(sessionmaker, clock)
    # a Bot API address where nothing listens: the connection is refused, as when Telegram is unreachable
    bot = build_bot(load_settings(bot_token=TOKEN, telegram_api_url="http://127.0.0.1:1"), TOKEN)
    vt = VirtualTime()
    middleware = RetryRequest(retries=1, pacer=pacer(vt), queue=OutboxReplies(sessionmaker, clock))
    method = reply_to_question()

    async def no_backoff(seconds: float) -> None:
        pass

    monkeypatch.setattr("bot.ops.telegram.asyncio.sleep", no_backoff)

    def fail(*errors: Exception) -> Telegram:
        return Telegram(vt, {PERSON: list(errors)})

    timeout = TelegramNetworkError(method, "Request timeout error")
    try:
        # a timeout may hide a reply that arrived: never queued, so it cannot come twice
        with pytest.raises(TelegramNetworkError):
            await middleware(fail(timeout, timeout), bot, method)
        assert await outbox(sessionmaker) == []
        # a file upload cannot wait in the outbox
        upload = SendDocument(chat_id=PERSON, document=BufferedInputFile(b"%PDF", "flyer.pdf"))
        bad_gateway = [TelegramServerError(upload, "Bad Gateway") for _ in range(2)]
        with pytest.raises(TelegramServerError):
            await middleware(fail(*bad_gateway), bot, upload)
        assert await outbox(sessionmaker) == []
        # Telegram unreachable, or answering 5xx: it did not do it, so the outbox may
        with pytest.raises(ReplyQueued) as unreachable:
            await middleware(bot.session.make_request, bot, method)
        assert unreachable.value.reason == "network"
        bad_gateway = [TelegramServerError(method, "Bad Gateway") for _ in range(2)]
        with pytest.raises(ReplyQueued):
            await middleware(fail(*bad_gateway), bot, reply_to_question("zweite Antwort"))
    finally:
        await bot.session.close()
    assert [row.payload["text"] for row in await outbox(sessionmaker)] == [
        "<b>Deutschkurse</b> gibt es …",
        "zweite Antwort",
    ]


# --- the flood warning -------------------------------------------------------------------------------------


async def test_one_warning_per_flood_even_when_a_few_messages_get_through() -> None:
    vt = VirtualTime()
    throttle = LocalThrottle(rate=1.0, burst=3, clock=vt)

    async def flood(messages: int) -> list[tuple[bool, bool]]:
        answers = []
        for _ in range(messages):  # one every 0.3 s: now and then a token comes back and one gets through
            answers.append(await throttle(PERSON))
            vt.now += 0.3
        return answers

    answers = await flood(20)
    assert sum(allowed for allowed, _ in answers) > 3  # the burst, and a few more while it went on
    assert [warn for _, warn in answers].count(True) == 1
    vt.now += 10  # a quiet moment: the next flood is a new one, with its own warning
    assert [warn for _, warn in await flood(20)].count(True) == 1


async def test_messages_count_when_they_were_written_not_when_they_arrive() -> None:
    vt = VirtualTime()
    throttle = LocalThrottle(rate=1.0, burst=4, clock=vt)
    written = vt.now
    # a flood of 20 written within a second reaches the bot in slices, seconds apart (polling takes new
    # updates only while the oldest is not stuck): counted when written, it is still a flood
    answers = []
    for i in range(20):
        if i % 5 == 0:
            vt.now += 2
        answers.append(await throttle(PERSON, written + i / 20))
    assert sum(allowed for allowed, _ in answers) == 4
    # six messages written minutes apart while the bot was down arrive at once: no flood
    later = vt.now + 600
    vt.now = later + 1200
    assert [await throttle(OTHER, later + 200 * i) for i in range(6)] == [(True, False)] * 6
