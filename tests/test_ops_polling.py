"""Long polling confirms an update to Telegram only once it has been handled (bot/ops/polling.py): while a
handler is still at work, the update stays with Telegram (here: the emulator), so a process killed then gets
it again after its restart."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from bot.ops.polling import confirm_after_handling
from emulator.server import BotAPIEmulator

TOKEN = "123456:TEST-polling"


async def test_an_update_is_confirmed_only_once_handled() -> None:
    emu = await BotAPIEmulator().start()
    emu.add_user(7, language_code="de", first_name="P7")
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
    dp = confirm_after_handling(Dispatcher())
    started, release = asyncio.Event(), asyncio.Event()
    handled: list[str] = []

    @dp.message()
    async def slow(message: Message) -> None:
        if message.text == "eins":  # the first takes its time
            started.set()
            await release.wait()
        handled.append(message.text or "")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        first = emu.user_sends(7, "eins")
        await asyncio.wait_for(started.wait(), 10)
        second = emu.user_sends(7, "zwei")  # arrives while the first is being handled
        await emu.wait_until(lambda: handled == ["zwei"], 10, "the second handled meanwhile")
        await asyncio.sleep(0.5)
        # the first is in hand, so neither is confirmed: both are still queued at "Telegram"
        assert [u["message"]["message_id"] for u in emu.pending_updates] == [
            first["message_id"],
            second["message_id"],
        ]
        release.set()
        await emu.wait_until(lambda: not emu.pending_updates and len(handled) == 2, 10, "both confirmed")
        assert handled == ["zwei", "eins"]  # each once
    finally:
        release.set()
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(polling, 10)
        await bot.session.close()
        await emu.stop()


async def test_a_late_answer_to_a_press_does_not_stop_its_handling() -> None:
    """A press handled again after a restart was answered before: Telegram refuses the second answer as "too
    old". That must not raise into the handler (it would drop what the press asks for); other refusals do."""
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.methods import AnswerCallbackQuery, SendMessage

    from bot.ops.telegram import RetryRequest

    async def refuse(bot: object, method: object) -> object:
        raise TelegramBadRequest(
            method=method,  # type: ignore[arg-type]
            message="Bad Request: query is too old and response timeout expired or query ID is invalid",
        )

    middleware = RetryRequest(retries=2)
    assert await middleware(refuse, None, AnswerCallbackQuery(callback_query_id="1")) is True  # type: ignore[arg-type]
    with pytest.raises(TelegramBadRequest):  # any other refusal still reaches the handler
        await middleware(refuse, None, SendMessage(chat_id=1, text="x"))  # type: ignore[arg-type]
