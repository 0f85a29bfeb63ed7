"""Runs the real bot (aiogram over HTTP, long polling) against the Bot API emulator, in-process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

from aiogram import Dispatcher
from aiohttp import web

from bot import wiring
from bot.app import App, build_app, console_mounter, set_commands, shutdown
from bot.clock import Clock
from bot.config import load_settings
from bot.faq.service import warm_up
from bot.ops.polling import confirm_after_handling as confirm_updates_after_handling
from emulator.server import BotAPIEmulator
from tests.conftest import drop_pg_database, free_port, make_engine

TOKEN = "123456:TEST-token"
ORGANIZER_ID = 9001
HELPERS_CHAT_ID = -100500
# How long a test waits for an answer. The bot gives most within a tenth of a second, but in CI four test
# workers share two cores (and PostgreSQL checkpoints for their CREATE and DROP DATABASE): one answer that
# takes 0.1 s alone has taken more than 5 s there (test_nul_characters_in_free_text_get_a_clean_answer[pg]).
ANSWER_WITHIN = 10.0


class BotHarness:
    def __init__(self, emu: BotAPIEmulator, app: App, database: str | None) -> None:
        self.emu = emu
        self.database = database
        self._polling: asyncio.Task[None] | None = None
        self._handling = 0  # updates the dispatcher took and is still handling
        self._done_signal = asyncio.Event()  # set (and replaced) each time it finishes one
        self.app = app
        self.console_url: str | None = None  # running_bot(..., console=True)
        self.console_runner: web.AppRunner | None = None

    @property
    def app(self) -> App:
        return self._app

    @app.setter
    def app(self, app: App) -> None:
        """The running bot (a test may restart it with a new App: set it before that one polls)."""
        self._app = app
        self._track_updates(app.dp)

    def _track_updates(self, dp: Dispatcher) -> None:
        """Count the updates in the dispatcher's hands: from the moment the poller takes one (before it asks
        for the next ones, which confirms this one to the emulator) until its handling, and the answer the
        handler may return, are done. (Wraps the dispatcher's per-update entry point, which polling calls.)"""
        process = dp._process_update

        def tracked(*args: Any, **kwargs: Any) -> Coroutine[Any, Any, bool]:
            self._handling += 1

            async def run() -> bool:
                try:
                    return await process(*args, **kwargs)
                finally:
                    self._handling -= 1
                    signal, self._done_signal = self._done_signal, asyncio.Event()
                    signal.set()

            return run()

        dp._process_update = tracked  # type: ignore[method-assign]

    def idle(self) -> bool:
        """The bot fetched (and confirmed) every queued update and finished handling each of them."""
        return self._handling == 0 and not self.emu.pending_updates

    # --- talking to the bot as a person -------------------------------------------------------
    def user(self, user_id: int, language_code: str | None = "de") -> None:
        self.emu.add_user(user_id, language_code=language_code, first_name=f"User{user_id}")

    async def say(
        self, user_id: int, text: str, *, timeout: float = ANSWER_WITHIN, chat_id: int | None = None
    ) -> dict[str, Any]:
        """Send a text and wait for the bot's next message in that chat."""
        chat = chat_id if chat_id is not None else user_id
        sent = self.emu.user_sends(user_id, text, chat_id=chat_id)
        # The answer is the first bot message after the user's own message.
        return await self.emu.wait_for(chat, timeout=timeout, after=sent["message_id"])

    async def press(
        self, user_id: int, message: dict[str, Any], data: str, *, timeout: float = ANSWER_WITHIN
    ) -> dict[str, Any] | None:
        """Press a button and wait until the bot has handled it; its first new message in the chat, or None
        (the press only edited a message or answered the callback)."""
        chat = message.get("chat_id", user_id)
        last = self.last_id(chat)
        self.emu.user_presses(user_id, message["message_id"], data, chat_id=chat)
        await self.settle(limit=timeout)
        if not self.emu.bot_messages(chat, after=last):
            return None
        return await self.emu.wait_for(chat, timeout=timeout, after=last)

    async def press_text(
        self, user_id: int, message: dict[str, Any], label_part: str, **kw: Any
    ) -> dict[str, Any] | None:
        return await self.press(user_id, message, button_data(message, label_part), **kw)

    def last_id(self, chat_id: int) -> int:
        messages = self.emu.messages(chat_id)
        return max((m["message_id"] for m in messages), default=0)

    async def settle(self, seconds: float | None = None, limit: float = 60.0) -> None:
        """Wait until the bot is idle (see idle()): by then it has sent everything it sends in answer to the
        updates so far. At most `limit` seconds.

        `seconds` was the quiet period callers used to give (the bot making no call for that long); an exact
        wait needs none, so it is accepted and ignored.
        """
        del seconds
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while not self.idle() and (remaining := deadline - loop.time()) > 0:
            # Woken when the bot finishes an update. Only the poller's fetching (and confirming) has no signal
            # here: while nothing is being handled, look again soon.
            step = 0.01 if self._handling == 0 else 0.5
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._done_signal.wait(), min(remaining, step))

    async def run_job(self, name: str) -> None:
        job = next(job for job in wiring.JOBS if job.name == name)
        await job.func(self.app.job_context())

    async def deliver(self, max_rounds: int = 100, *, limits: bool = False) -> int:
        """Run the delivery worker until nothing in the outbox is due; the number of rows handled.

        With a FrozenClock, retries and later messages wait until the test moves the clock. Telegram's
        limits are off unless `limits=True` (a test's few messages to one chat go out at once).
        """
        from bot.delivery.limits import Limiter
        from bot.delivery.worker import DeliveryWorker

        worker = DeliveryWorker.for_bot(
            self.app.settings,
            self.app.sessionmaker,
            self.app.bot.token,
            self.app.clock,
            worker_id="harness",
            renderers=wiring.renderers(),
            hooks=wiring.outcome_hooks(),
            limiter=None if limits else Limiter.unlimited(),
        )
        handled = 0
        try:
            for _ in range(max_rounds):
                done = await worker.run_once()
                if not done:
                    break
                handled += done
        finally:
            await worker.sender.close()
        return handled

    async def stop(self) -> None:
        if self.console_runner is not None:
            await self.console_runner.cleanup()
        if self._polling is not None:
            with contextlib.suppress(RuntimeError):  # polling may have stopped already
                await self.app.dp.stop_polling()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await asyncio.wait_for(self._polling, 5)
        await shutdown(self.app)
        await self.emu.stop()
        if self.database:
            await drop_pg_database(self.database)


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (button.get("text", ""), button.get("callback_data") or button.get("url", ""))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def button_data(message: dict[str, Any], label_part: str) -> str:
    for text, data in buttons(message):
        if label_part in text:
            return data
    raise AssertionError(f"no button with {label_part!r} in {buttons(message)}")


@contextlib.asynccontextmanager
async def running_bot(
    db_kind: str,
    tmp_path: Path,
    *,
    clock: Clock | None = None,
    emulator: BotAPIEmulator | None = None,
    console: bool = False,
    confirm_after_handling: bool = False,
    **overrides: Any,
) -> AsyncIterator[BotHarness]:
    """`console=True`: the organizers' console is served on a free port too (`harness.console_url`, which
    is also CONSOLE_URL, so /console sends links to it). `confirm_after_handling=True`: poll as
    `python -m bot run` does (an update is confirmed once handled, bot/ops/polling.py: new ones come in only
    while the oldest is not stuck); aiogram's own polling, the default here, takes them in at once."""
    emu = emulator or BotAPIEmulator(host="127.0.0.1", port=0)
    await emu.start()
    engine, url, database = await make_engine(db_kind, tmp_path)
    if console:
        overrides.setdefault("console_url", f"http://127.0.0.1:{free_port()}")
    settings = load_settings(
        bot_token=TOKEN,
        telegram_api_url=emu.base_url,
        database_url=url,
        organizer_ids=[ORGANIZER_ID],
        helpers_chat_id=overrides.pop("helpers_chat_id", HELPERS_CHAT_ID),
        throttle_rate=overrides.pop("throttle_rate", 50.0),
        throttle_burst=overrides.pop("throttle_burst", 100),
        **overrides,
    )
    app = await build_app(settings, TOKEN, clock=clock, engine=engine)
    await set_commands(app.bot, settings)
    # as `python -m bot run` does before polling: the FAQ and the language models are built once per
    # process (seconds on a busy machine), so a test's first question does not wait for them
    await warm_up(settings)
    if confirm_after_handling:
        confirm_updates_after_handling(app.dp)
    harness = BotHarness(emu, app, database)
    if console:
        harness.console_url = str(settings.console_url)
        harness.console_runner = await serve_console(app)
    harness._polling = asyncio.create_task(
        app.dp.start_polling(app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
    )
    try:
        yield harness
    finally:
        await harness.stop()


async def serve_console(app: App) -> web.AppRunner:
    """The console of this bot on its own little server, at the port of CONSOLE_URL."""
    assert app.settings.console_url is not None
    port = int(app.settings.console_url.rsplit(":", 1)[1])
    web_app = web.Application()
    console_mounter(app)(web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


Predicate = Callable[[dict[str, Any]], bool]
