"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and the demo.

The real aiogram bot talks to it over HTTP exactly as to api.telegram.org
(``TelegramAPIServer.from_base(emu.base_url)``). Every call is checked against the published
Bot API field list; refused calls are kept in `violations` so tests can assert there were none.
Users, groups, presses and faults are driven from Python (in-process) or over ``/_emu/*``
(another process, the web chat page).

`BotAPIEmulator` ties the parts together and is the one API callers use:
world.py (users, chats, messages), actions.py (what users do), updates.py (the update queue,
getUpdates, webhook), methods*.py (the Bot API methods), calls.py (validate, log, dispatch),
faults.py (limits and injected faults), control.py (/_emu/* routes, stats, wait_for),
page.py (the web chat page). One event loop, no threads.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from emulator.actions import UserActions
from emulator.calls import CallLog, Dispatcher, Handler
from emulator.control import ControlRoutes, collect_stats, wait_for_bot_message
from emulator.faults import FAULT_KINDS, SENDING_METHODS, FaultConfig, FaultPlan
from emulator.methods import BotMethods, all_commands, build_handlers, commands_for_chat
from emulator.methods_messages import MAX_FILE, MessageMethods
from emulator.page import add_page_routes, register_personas
from emulator.updates import UpdateQueue
from emulator.validation import ApiError, ApiSpec, UploadedFile
from emulator.wire import json_response, read_request
from emulator.world import World, scope_key

__all__ = [
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "SENDING_METHODS",
    "BotAPIEmulator",
    "FaultConfig",
]

DEFAULT_TOKEN = "7770000001:AAEmulatorLocalTokenNotForTelegram0"
_TOKEN_RE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,100}")


class BotAPIEmulator:
    """In-process Telegram Bot API with a control API for tests, benchmarks and the demo page."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_username: str = "helfernetz_demo_bot",
        bot_first_name: str = "Helfernetz Demo",
        token: str = DEFAULT_TOKEN,
        personas: Iterable[dict[str, Any]] | None = None,
        serve_page: bool = False,
        strict_html: bool = True,
        call_log_size: int = 50_000,
        webhook_max_tries: int = 4,
        webhook_backoff: float = 0.2,
        webhook_timeout: float = 30.0,
        spec: ApiSpec | None = None,
        mount: Callable[[web.Application], None] | None = None,
        **faults: Any,
    ) -> None:
        self.host = host
        self.mount = mount  # more routes on this server (the demo's organizers' console), added at start
        self.port = port
        self.token = token  # the token the demo and tests should give aiogram; any valid one works
        self.personas: list[dict[str, Any]] = [dict(p) for p in personas or ()]
        self.serve_page = serve_page
        self.spec = spec or ApiSpec.load()
        self.world = World(bot_username, bot_first_name)
        self.fault_plan = FaultPlan(self.spec.canonical)
        self.call_log = CallLog(call_log_size)
        # process_call is looked up late: a webhook answer may carry a call to run
        self.updates = UpdateQueue(
            self.world,
            self.process_call,
            max_tries=webhook_max_tries,
            backoff=webhook_backoff,
            timeout=webhook_timeout,
        )
        self.actions = UserActions(self.world, self.updates)
        self.message_methods = MessageMethods(self.world, self.fault_plan, strict_html)
        self.handlers: dict[str, Handler] = build_handlers(
            self.spec, self.message_methods, BotMethods(self.world), self.updates
        )
        self.dispatcher = Dispatcher(self.spec, self.handlers, self.call_log, self.fault_plan, self.world)
        self._runner: web.AppRunner | None = None
        if faults:
            self.configure_faults(**faults)

    # ------------------------------------------------------------------ settings kept as attributes

    @property
    def bot_username(self) -> str:
        return self.world.bot_username

    @bot_username.setter
    def bot_username(self, value: str) -> None:
        self.world.bot_username = value

    @property
    def bot_first_name(self) -> str:
        return self.world.bot_first_name

    @bot_first_name.setter
    def bot_first_name(self, value: str) -> None:
        self.world.bot_first_name = value

    @property
    def strict_html(self) -> bool:
        return self.message_methods.strict_html

    @strict_html.setter
    def strict_html(self, value: bool) -> None:
        self.message_methods.strict_html = value

    @property
    def webhook_max_tries(self) -> int:
        return self.updates.max_tries

    @webhook_max_tries.setter
    def webhook_max_tries(self, value: int) -> None:
        self.updates.max_tries = value

    @property
    def webhook_backoff(self) -> float:
        return self.updates.backoff

    @webhook_backoff.setter
    def webhook_backoff(self, value: float) -> None:
        self.updates.backoff = value

    @property
    def webhook_timeout(self) -> float:
        return self.updates.timeout

    @webhook_timeout.setter
    def webhook_timeout(self, value: float) -> None:
        self.updates.timeout = value

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> Self:
        app = web.Application(client_max_size=MAX_FILE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file_download)
        ControlRoutes(self).add_to(app)
        if self.serve_page:
            add_page_routes(app)
        if self.mount is not None:
            self.mount(app)
        # handler_cancellation: a dropped long poll must not linger; access_log off for benchmarks
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        self.world.closing = False
        register_personas(self.world, self.personas)
        return self

    async def stop(self) -> None:
        self.world.closing = True
        self.updates.wake()
        self.world.notify()
        tasks = list(self.dispatcher.tasks)
        for task in tasks:
            task.cancel()
        await self.updates.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("emulator is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def reset(self) -> None:
        """Forget users, chats, files, queued updates, calls, violations and counters.

        Kept: what the bot configured (webhook, commands, menu button, names), the fault
        settings, and the update id counter, so a bot that keeps running is not confused.
        """
        self.world.clear()
        self.updates.clear()
        self.call_log.clear()
        self.fault_plan.clear()
        register_personas(self.world, self.personas)
        self.world.notify()

    # ------------------------------------------------------------------ HTTP: Bot API

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        if not _TOKEN_RE.fullmatch(token):
            return json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        try:
            params, files = await read_request(request)
        except ApiError as error:
            status, body = self.call_log.refuse(method, {}, error)
            return json_response(body, status)
        try:
            status, body = await self.process_call(token, method, params, files)
        except asyncio.CancelledError:  # the client gave up waiting (handler_cancellation): it may call again
            if method.lower() != "getupdates":  # (a long poll left behind is no lost answer)
                self.fault_plan.abandoned += 1
            raise
        return json_response(body, status)

    async def _handle_file_download(self, request: web.Request) -> web.StreamResponse:
        file_id = self.world.file_paths.get(request.match_info["path"])
        if file_id is None or not _TOKEN_RE.fullmatch(request.match_info["token"]):
            return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        record = self.world.files[file_id]
        return web.Response(body=record.data, content_type=record.mime_type)

    async def process_call(
        self,
        token: str,
        method_name: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call as the HTTP route does; return (HTTP status, Telegram JSON body)."""
        return await self.dispatcher.process_call(token, method_name, params, files)

    # ------------------------------------------------------------------ users, chats (control)

    def add_user(
        self,
        user_id: int,
        language_code: str | None = None,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        started: bool = True,
    ) -> dict[str, Any]:
        """Register (or update) a user who has pressed Start, so the bot can write to them.

        `started=False` registers someone who never opened the bot: sending to them gives
        Telegram's 403 "bot can't initiate conversation with a user".
        """
        return self.world.add_user(
            user_id, language_code, first_name, last_name=last_name, username=username, started=started
        )

    def add_group(
        self, chat_id: int, title: str, member_ids: Iterable[int] = (), *, kind: str | None = None
    ) -> dict[str, Any]:
        """Create a group (-100… ids are supergroups; `kind` "group" or "channel" to choose) with the bot
        and these users in it."""
        return self.world.add_group(chat_id, title, member_ids, kind=kind)

    def block(self, user_id: int, blocked: bool = True) -> None:
        """Mark the user as having blocked (or unblocked) the bot; Telegram tells the bot by update."""
        self.actions.block(user_id, blocked, self.world.bot_user(self.token))

    def user_sends(
        self,
        user_id: int,
        text: str | None = None,
        chat_id: int | None = None,
        *,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
        kind: str = "text",
        caption: str | None = None,
        latitude: float = 52.4739,
        longitude: float = 9.8539,
        file_name: str = "document.pdf",
        data: bytes | None = None,
        duration: int | None = None,
    ) -> dict[str, Any]:
        """The user writes to the bot: store the message, queue a `message` update, return its view.

        `kind` is text, sticker, photo, voice, location or document; `data` the file's bytes (a small
        stand-in when None), `duration` a voice note's seconds.
        """
        return self.actions.user_sends(
            user_id,
            text,
            chat_id,
            language_code=language_code,
            reply_to_message_id=reply_to_message_id,
            kind=kind,
            caption=caption,
            latitude=latitude,
            longitude=longitude,
            file_name=file_name,
            data=data,
            duration=duration,
        )

    def user_edits(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user edits an earlier text message: queue an `edited_message` update."""
        return self.actions.user_edits(user_id, message_id, text, chat_id)

    def user_presses(
        self,
        user_id: int,
        message_id: int,
        data: str,
        chat_id: int | None = None,
        *,
        check_button: bool = True,
    ) -> dict[str, Any]:
        """The user taps an inline button: queue a `callback_query`; return its live record.

        The record's ``answered``/``text``/``show_alert`` fill in when the bot answers.
        """
        return self.actions.user_presses(user_id, message_id, data, chat_id, check_button=check_button)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update as is (junk tests); assign update_id if missing."""
        return self.actions.push_update(update)

    def push_message(self, message: dict[str, Any], kind: str = "message") -> int:
        """Queue a hand-made message as a `kind` update (message, edited_message, channel_post, ...),
        kept in its chat's history so the bot may reply to it (fuzz tests); see UserActions."""
        return self.actions.push_message(message, kind)

    # ------------------------------------------------------------------ inspection (control)

    def messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        return self.world.messages(chat_id, after)

    def bot_messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        return [m for m in self.messages(chat_id, after) if m["from_bot"]]

    def changed_messages(self, chat_id: int, since_rev: int) -> list[dict[str, Any]]:
        """Messages created or changed (edited, deleted, answered) after revision `since_rev`."""
        return self.world.changed_messages(chat_id, since_rev)

    def chats(self) -> list[dict[str, Any]]:
        return self.world.chat_list()

    def callback(self, query_id: str) -> dict[str, Any] | None:
        return self.world.callbacks.get(query_id)

    def file_bytes(self, file_id: str) -> bytes:
        return self.world.files[file_id].data

    def is_blocked(self, user_id: int) -> bool:
        return int(user_id) in self.world.blocked

    @property
    def violations(self) -> list[dict[str, Any]]:
        """Calls refused as the bot's mistake (400/401/404): tests assert there are none."""
        return self.call_log.violations

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self.updates.queue)

    @property
    def last_update_id(self) -> int:
        return self.updates.last_update_id

    @property
    def webhook(self) -> dict[str, Any] | None:
        hook = self.updates.webhook
        return dict(hook) if hook else None

    @property
    def calls_total(self) -> int:
        """Every call so far; unlike len(calls) it keeps growing once the log is full."""
        return self.call_log.total

    @property
    def calls(self) -> list[tuple[str, dict[str, Any], int]]:
        """The last `call_log_size` calls as (method, params, HTTP status)."""
        return list(self.call_log.calls)

    @property
    def stats(self) -> dict[str, Any]:
        return collect_stats(self.call_log, self.fault_plan, self.updates)

    def commands(self, language_code: str = "", scope: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The commands set for exactly this scope and language (Telegram does not fall back here)."""
        return list(self.world.commands.get((scope_key(scope), language_code or ""), []))

    def all_commands(self) -> list[dict[str, Any]]:
        return all_commands(self.world)

    def chat_commands(
        self, chat_id: int, user_id: int | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The command menu `user_id` sees in this chat, with Telegram's fallbacks (scope, then language)."""
        return commands_for_chat(self.world, chat_id, user_id, language_code)

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any] | None:
        return self.world.menu_buttons.get(chat_id)

    def bot_text(self, kind: str, language_code: str = "") -> str | None:
        """What setMyName/setMyDescription/setMyShortDescription stored (kind: name|description|short_description)."""
        return self.world.bot_texts.get((kind, language_code))

    async def wait_until(
        self, condition: Callable[[], Any], timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        """Wait until `condition()` is truthy and return its value.

        Re-checked on every emulator change and every 50 ms (for conditions on outside state).
        """
        return await self.world.wait_until(condition, timeout, what)

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
        after: int | None = None,
    ) -> dict[str, Any]:
        """Wait for the next bot message in the chat (matching `predicate`) and return its view.

        `after=None` means after the later of the chat's last user message and the last message
        wait_for returned for this chat, so consecutive calls walk through the bot's replies.
        """
        return await wait_for_bot_message(self.world, self.call_log, chat_id, predicate, timeout, after)

    async def wait_late_calls(self, timeout: float = 30.0) -> None:
        """Wait until the calls that an emulated timeout answered are carried out (`timeout_delivers`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while late := [task for task in self.dispatcher.tasks if not task.done()]:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"emulator: {len(late)} late calls not done within {timeout} s")
            await asyncio.wait(late, timeout=remaining)

    # ------------------------------------------------------------------ faults and limits

    def configure_faults(self, **changes: Any) -> dict[str, Any]:
        """Change limits/faults (see FaultConfig); pass None to switch a limit off. Returns the config."""
        return self.fault_plan.configure(**changes)

    @property
    def faults(self) -> dict[str, Any]:
        return self.fault_plan.config.as_json()

    def _pick_fault(self, method: str) -> str | None:
        # kept for tests that check the seeded fault sequence
        return self.fault_plan.pick(method)
