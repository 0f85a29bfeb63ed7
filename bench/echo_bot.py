"""A bare aiogram echo bot: the yardstick for bench/bench_load.py.

Long polling against `TELEGRAM_API_URL` with `BOT_TOKEN`, one handler that answers every text with the same
text. No database, no middlewares, no FSM storage beyond aiogram's default: what aiogram plus one HTTP
call per update costs on this machine.

    BOT_TOKEN=123:abc TELEGRAM_API_URL=http://127.0.0.1:8081 .venv/bin/python bench/echo_bot.py
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    await bot.delete_webhook(drop_pending_updates=False)
    try:
        await dp.start_polling(bot, handle_signals=True, close_bot_session=True)
    finally:
        await bot.session.close()


if __name__ == "__main__":
    asyncio.run(main())
