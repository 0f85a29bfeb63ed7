"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and the demo.

The real aiogram bot talks to it over HTTP exactly as to api.telegram.org
(``TelegramAPIServer.from_base(emu.base_url)``). Every call is checked against the published
Bot API field list; refused calls are kept in `violations` so tests can assert there were none.
Users, groups, presses and faults are driven from Python (in-process) or over ``/_emu/*``
(another process, the web chat page).

One event loop, no threads: all state lives in plain dicts and lists touched only from the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import mimetypes
import random
import re
import time
import urllib.parse
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import ClientError, ClientSession, ClientTimeout, MultipartReader, hdrs, web

from bot.emulator.html_entities import EntityParseError, parse_html, strip_entities_text, utf16_len
from bot.emulator.validation import ApiError, ApiSpec, UploadedFile, bad_request

__all__ = [
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "SENDING_METHODS",
    "BotAPIEmulator",
    "FaultConfig",
]

DEFAULT_TOKEN = "7770000001:AAEmulatorLocalTokenNotForTelegram0"
SENDING_METHODS = frozenset(
    {"sendMessage", "sendVenue", "sendLocation", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage"}
)
FAULT_KINDS = frozenset({"500", "502", "timeout", "429"})
STATIC_DIR = Path(__file__).parent / "static"

_TOKEN_RE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,100}")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANG_RE = re.compile(r"[a-z]{2}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_MAX_FILE = 50 * 1024 * 1024
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
# Telegram leaves these out unless allowed_updates names them
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# content keys a copy or forward carries over
_CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "document",
    "photo",
    "venue",
    "location",
    "sticker",
    "voice",
)
_dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
_UNSET: Any = object()


@dataclass(slots=True)
class FaultConfig:
    """Rate limits and injected faults; every limit is off by default."""

    global_per_second: float | None = None  # messages/s over all chats (Telegram: ~30)
    chat_per_second: float | None = None  # messages/s in one chat (Telegram: ~1)
    group_per_minute: float | None = None  # messages/min in one group (Telegram: 20)
    fault_ratio: float = 0.0  # share of calls that fail at random
    fault_kinds: tuple[str, ...] = ("500",)  # picked at random among these
    fault_delay: float = 65.0  # "timeout": sleep longer than the client waits
    fault_retry_after: int = 1  # retry_after of a random "429"
    fault_methods: frozenset[str] = SENDING_METHODS  # calls that may fail at random
    timeout_delivers: bool = True  # a timed-out send still lands, like a lost answer
    seed: int | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["fault_kinds"] = list(self.fault_kinds)
        data["fault_methods"] = sorted(self.fault_methods)
        return data


class _Window:
    """Sliding-window limiter: at most `cap` hits in `period` seconds."""

    __slots__ = ("cap", "hits", "period")

    def __init__(self, cap: int, period: float) -> None:
        self.cap = cap
        self.period = period
        self.hits: deque[float] = deque()

    @classmethod
    def rate(cls, rate: float, period: float) -> _Window:
        # 30 per 1 s means 30 in any second; 0.5 per 1 s means one in any 2 s
        return cls(int(rate), period) if rate >= 1 else cls(1, period / rate)

    def wait(self, now: float) -> float:
        hits = self.hits
        while hits and hits[0] <= now - self.period:
            hits.popleft()
        return hits[0] + self.period - now if len(hits) >= self.cap else 0.0


@dataclass(slots=True)
class _Stored:
    """One message in a chat's history, in both directions."""

    message: dict[str, Any]  # the Bot API Message object
    from_bot: bool
    html: str | None  # text/caption exactly as the bot sent it (before HTML parsing)
    markup: dict[str, Any] | None  # any reply_markup sent, also reply keyboards
    rev: int
    edited: bool = False
    deleted: bool = False
    callbacks: list[dict[str, Any]] | None = None


@dataclass(slots=True)
class _Chat:
    chat: dict[str, Any]
    members: set[int] = field(default_factory=set)
    messages: list[_Stored] = field(default_factory=list)
    rev: int = 0

    @property
    def id(self) -> int:
        return int(self.chat["id"])

    def get(self, message_id: int) -> _Stored | None:
        # message ids are 1..n per chat and never reused, so the list index is the id
        if 1 <= message_id <= len(self.messages):
            return self.messages[message_id - 1]
        return None


@dataclass(slots=True)
class _File:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str
    mime_type: str
    data: bytes


@dataclass(slots=True)
class _Call:
    token: str
    method: str
    args: dict[str, Any]
    bot: dict[str, Any]


Handler = Callable[[_Call], Awaitable[Any]]


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
        **faults: Any,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token  # the token the demo and tests should give aiogram; any valid one works
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.personas: list[dict[str, Any]] = [dict(p) for p in personas or ()]
        self.serve_page = serve_page
        self.strict_html = strict_html
        self.webhook_max_tries = webhook_max_tries
        self.webhook_backoff = webhook_backoff
        self.webhook_timeout = webhook_timeout
        self.spec = spec or ApiSpec.load()
        self._call_log_size = call_log_size
        self._faults = FaultConfig()
        self._rng = random.Random()
        self._handlers: dict[str, Handler] = self._build_handlers()
        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._webhook_task: asyncio.Task[None] | None = None
        self._closing = False
        self._init_bot_state()
        self._init_state()
        if faults:
            self.configure_faults(**faults)

    def _init_bot_state(self) -> None:
        """What the bot set up or relies on across tests: kept by reset()."""
        self._bots: dict[str, dict[str, Any]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}  # (name|description|short_description, lang)
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        # update ids only grow: a running poller's offset must never skip new updates
        self._last_update_id = 100_000_000
        self._allowed_updates: frozenset[str] | None = None
        self._update_signal = asyncio.Event()
        self._change_signal = asyncio.Event()
        self._poll_generation = 0
        self._webhook: dict[str, Any] | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._rev = 0

    def _init_state(self) -> None:
        """Users, chats, queued updates, calls and counters: cleared by reset()."""
        self._users: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._chats: dict[int, _Chat] = {}
        self._files: dict[str, _File] = {}
        self._file_paths: dict[str, str] = {}
        self._file_seq = itertools.count(1)
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._callback_seq = itertools.count(1)
        self._updates: deque[dict[str, Any]] = deque()
        self._unordered = False
        self._last_user_message: dict[int, int] = {}
        self._wait_cursor: dict[int, int] = {}
        self._calls: deque[tuple[str, dict[str, Any], int]] = deque(maxlen=self._call_log_size)
        self.violations: list[dict[str, Any]] = []
        self._calls_total = 0
        self._calls_by_method: Counter[str] = Counter()
        self._responses_by_status: Counter[int] = Counter()
        self._timeouts = 0
        self._delivered_by_chat: Counter[int] = Counter()
        self._updates_queued = 0
        self._webhook_posts = 0
        self._webhook_failures = 0
        self._reset_windows()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> Self:
        app = web.Application(client_max_size=_MAX_FILE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file_download)
        self._add_control_routes(app)
        if self.serve_page:
            app.router.add_get("/", self._handle_page)
            app.router.add_static("/static/", STATIC_DIR)
        # handler_cancellation: a dropped long poll must not linger; access_log off for benchmarks
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        self._closing = False
        self._register_personas()
        return self

    async def stop(self) -> None:
        self._closing = True
        self._wake_updates()
        self._notify()
        tasks = [t for t in (self._webhook_task, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._webhook_task = None
        if self._http is not None:
            await self._http.close()
            self._http = None
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
        self._init_state()
        self._register_personas()
        self._notify()

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled():
                t.exception()  # consumed: the caller that cared has already seen it

        task.add_done_callback(done)
        return task

    # ------------------------------------------------------------------ state changes

    def _notify(self, chat: _Chat | None = None, stored: _Stored | None = None) -> None:
        """Bump revisions and wake everyone waiting for a change."""
        self._rev += 1
        if stored is not None:
            stored.rev = self._rev
        if chat is not None:
            chat.rev = self._rev
        signal = self._change_signal
        self._change_signal = asyncio.Event()
        signal.set()

    def _wake_updates(self) -> None:
        signal = self._update_signal
        self._update_signal = asyncio.Event()
        signal.set()

    def _next_update_id(self) -> int:
        self._last_update_id += 1
        return self._last_update_id

    def _enqueue(self, update: dict[str, Any]) -> int:
        if "update_id" not in update:
            update = {"update_id": self._next_update_id(), **update}
        else:
            if update["update_id"] <= self._last_update_id:
                self._unordered = True
            self._last_update_id = max(self._last_update_id, update["update_id"])
        update_id = int(update["update_id"])
        kind = next((k for k in update if k != "update_id"), "")
        allowed = self._allowed_updates
        if (kind in allowed) if allowed is not None else (kind not in _DEFAULT_EXCLUDED_UPDATES):
            self._updates.append(update)
            self._updates_queued += 1
            self._wake_updates()
        return update_id

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
        user_id = int(user_id)
        if user_id <= 0:
            raise ValueError("user_id must be positive")
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}"}
            self._users[user_id] = user
        for key, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        if started:
            self._private_chat(user_id)
        return dict(user)

    def _user(self, user_id: int) -> dict[str, Any]:
        user_id = int(user_id)
        if user_id not in self._users:
            self.add_user(user_id, started=False)  # e.g. a group member who never opened the bot
        return self._users[user_id]

    def _private_chat(self, user_id: int) -> _Chat:
        chat = self._chats.get(user_id)
        if chat is None:
            user = self._user(user_id)
            info: dict[str, Any] = {"id": user_id, "type": "private", "first_name": user["first_name"]}
            for key in ("last_name", "username"):
                if key in user:
                    info[key] = user[key]
            chat = _Chat(info, {user_id})
            self._chats[user_id] = chat
        return chat

    def add_group(self, chat_id: int, title: str, member_ids: Iterable[int] = ()) -> dict[str, Any]:
        """Create a group (-100… ids are supergroups) with the bot and these users in it."""
        chat_id = int(chat_id)
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        members = {int(m) for m in member_ids}
        for member in members:
            self._user(member)
        chat = self._chats.get(chat_id)
        if chat is None:
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            chat = _Chat({"id": chat_id, "type": kind, "title": title}, members)
            self._chats[chat_id] = chat
        else:
            chat.chat["title"] = title
            chat.members |= members
        return dict(chat.chat)

    def block(self, user_id: int, blocked: bool = True) -> None:
        """Mark the user as having blocked (or unblocked) the bot; Telegram tells the bot by update."""
        user_id = int(user_id)
        user = self._user(user_id)
        was = user_id in self._blocked
        if blocked:
            self._blocked.add(user_id)
        else:
            self._blocked.discard(user_id)
        if was != blocked and user_id in self._chats:
            bot = self._bot_user(self.token)
            member = {"status": "member", "user": bot}
            kicked = {"status": "kicked", "user": bot, "until_date": 0}
            self._enqueue(
                {
                    "my_chat_member": {
                        "chat": self._chats[user_id].chat,
                        "from": dict(user),
                        "date": int(time.time()),
                        "old_chat_member": member if blocked else kicked,
                        "new_chat_member": kicked if blocked else member,
                    }
                }
            )

    def _chat_for_user(self, user_id: int, chat_id: int | None) -> _Chat:
        if chat_id is None or int(chat_id) == int(user_id):
            return self._private_chat(int(user_id))
        chat = self._chats.get(int(chat_id))
        if chat is None:
            raise ValueError(f"chat {chat_id} does not exist")
        if int(user_id) not in chat.members:
            raise ValueError(f"user {user_id} is not a member of chat {chat_id}")
        return chat

    def _new_file(self, kind: str, file_name: str, mime_type: str, data: bytes) -> _File:
        n = next(self._file_seq)
        suffix = Path(file_name).suffix or ""
        record = _File(
            file_id=f"EMU{kind.upper()}{n:08d}",
            file_unique_id=f"emu{n:08d}",
            file_path=f"{kind}s/file_{n}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
        )
        self._files[record.file_id] = record
        self._file_paths[record.file_path] = record.file_id
        return record

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
        data: bytes = b"%PDF-1.4\n% emulator sample\n",
    ) -> dict[str, Any]:
        """The user writes to the bot: store the message, queue a `message` update, return its view."""
        user = self._user(user_id)
        if language_code is not None:
            user["language_code"] = language_code
        self._blocked.discard(int(user_id))  # writing to a bot needs it unblocked in the app
        chat = self._chat_for_user(user_id, chat_id)
        content: dict[str, Any]
        if kind == "text":
            if not text:
                raise ValueError("text is required for kind 'text'")
            content = {"text": text}
            command = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?", text)
            if command:
                content["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
                ]
        elif kind == "sticker":
            record = self._new_file("sticker", "sticker.webp", "image/webp", b"RIFF\x00\x00\x00\x00WEBP")
            content = {
                "sticker": {
                    "file_id": record.file_id,
                    "file_unique_id": record.file_unique_id,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": text or "👍",
                }
            }
        elif kind == "photo":
            record = self._new_file("photo", "photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0emulator\xff\xd9")
            content = {"photo": [self._photo_size(record)]}
        elif kind == "voice":
            record = self._new_file("voice", "voice.ogg", "audio/ogg", b"OggS\x00emulator")
            content = {
                "voice": {
                    "file_id": record.file_id,
                    "file_unique_id": record.file_unique_id,
                    "duration": 3,
                    "mime_type": "audio/ogg",
                    "file_size": len(record.data),
                }
            }
        elif kind == "location":
            content = {"location": {"latitude": float(latitude), "longitude": float(longitude)}}
        elif kind == "document":
            record = self._new_file("document", file_name, "application/octet-stream", data)
            content = {"document": self._document(record)}
        else:
            raise ValueError(f"unknown kind {kind!r}")
        if caption and kind in ("photo", "document", "voice"):
            content["caption"] = caption
        message: dict[str, Any] = {
            "message_id": len(chat.messages) + 1,
            "from": dict(user),
            "chat": chat.chat,
            "date": int(time.time()),
            **content,
        }
        if reply_to_message_id is not None:
            replied = chat.get(int(reply_to_message_id))
            if replied is None or replied.deleted:
                raise ValueError(f"message {reply_to_message_id} not found in chat {chat.id}")
            message["reply_to_message"] = self._without_reply(replied.message)
        stored = _Stored(message, False, None, None, 0)
        chat.messages.append(stored)
        self._last_user_message[chat.id] = message["message_id"]
        update_id = self._enqueue({"message": message})
        self._notify(chat, stored)
        return {**self._view(chat, stored), "update_id": update_id}

    def user_edits(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user edits an earlier text message: queue an `edited_message` update."""
        chat = self._chat_for_user(user_id, chat_id)
        stored = chat.get(int(message_id))
        if (
            stored is None
            or stored.deleted
            or stored.from_bot
            or stored.message["from"]["id"] != int(user_id)
        ):
            raise ValueError(f"user {user_id} has no message {message_id} in chat {chat.id}")
        if "text" not in stored.message:
            raise ValueError("only text messages can be edited")
        message = {k: v for k, v in stored.message.items() if k != "entities"}
        message.update(text=text, edit_date=int(time.time()))
        stored.message = message
        stored.edited = True
        update_id = self._enqueue({"edited_message": message})
        self._notify(chat, stored)
        return {**self._view(chat, stored), "update_id": update_id}

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
        user = self._user(user_id)
        chat = self._chat_for_user(user_id, chat_id)
        stored = chat.get(int(message_id))
        if stored is None or stored.deleted or not stored.from_bot:
            raise ValueError(f"no bot message {message_id} in chat {chat.id}")
        if check_button and data not in _callback_datas(stored.message.get("reply_markup")):
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        query_id = str(4_000_000_000_000_000 + next(self._callback_seq))
        record: dict[str, Any] = {
            "id": query_id,
            "chat_id": chat.id,
            "message_id": int(message_id),
            "user_id": int(user_id),
            "data": data,
            "answered": False,
            "text": None,
            "show_alert": False,
            "url": None,
            "pressed_at": time.monotonic(),
            "answer_delay": None,
        }
        self._callbacks[query_id] = record
        stored.callbacks = [*(stored.callbacks or []), record]
        record["update_id"] = self._enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": dict(user),
                    "message": stored.message,
                    "chat_instance": str(abs(hash(("chat", chat.id))) % 10**18),
                    "data": data,
                }
            }
        )
        self._notify(chat, stored)
        return record

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update as is (junk tests); assign update_id if missing."""
        if not isinstance(update, dict):
            raise ValueError("an update is a JSON object")
        if "update_id" in update and (type(update["update_id"]) is not int or update["update_id"] <= 0):
            raise ValueError("update_id must be a positive integer")
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("id"), str):
            # so that the bot's answer to a hand-made query is not a violation
            self._callbacks.setdefault(
                query["id"],
                {"id": query["id"], "answered": False, "text": None, "show_alert": False, "url": None},
            )
        return self._enqueue(dict(update))

    # ------------------------------------------------------------------ inspection (control)

    def messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        chat = self._chats.get(int(chat_id))
        if chat is None:
            return []
        return [self._view(chat, s) for s in chat.messages[max(int(after), 0) :]]

    def bot_messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        return [m for m in self.messages(chat_id, after) if m["from_bot"]]

    def changed_messages(self, chat_id: int, since_rev: int) -> list[dict[str, Any]]:
        """Messages created or changed (edited, deleted, answered) after revision `since_rev`."""
        chat = self._chats.get(int(chat_id))
        if chat is None or chat.rev <= since_rev:
            return []
        return [self._view(chat, s) for s in chat.messages if s.rev > since_rev]

    def chats(self) -> list[dict[str, Any]]:
        return [
            {**c.chat, "members": sorted(c.members), "message_count": len(c.messages), "rev": c.rev}
            for c in self._chats.values()
        ]

    def callback(self, query_id: str) -> dict[str, Any] | None:
        return self._callbacks.get(query_id)

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data

    def is_blocked(self, user_id: int) -> bool:
        return int(user_id) in self._blocked

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    @property
    def last_update_id(self) -> int:
        return self._last_update_id

    @property
    def webhook(self) -> dict[str, Any] | None:
        return dict(self._webhook) if self._webhook else None

    @property
    def calls_total(self) -> int:
        """Every call so far; unlike len(calls) it keeps growing once the log is full."""
        return self._calls_total

    @property
    def calls(self) -> list[tuple[str, dict[str, Any], int]]:
        """The last `call_log_size` calls as (method, params, HTTP status)."""
        return list(self._calls)

    @property
    def stats(self) -> dict[str, Any]:
        return {
            "calls_total": self._calls_total,
            "calls_by_method": dict(self._calls_by_method),
            "responses_by_status": dict(self._responses_by_status),
            "responses_429": self._responses_by_status[429],
            "responses_5xx": sum(n for s, n in self._responses_by_status.items() if s >= 500),
            "timeouts": self._timeouts,
            "messages_delivered": sum(self._delivered_by_chat.values()),
            "delivered_by_chat": dict(self._delivered_by_chat),
            "violations": len(self.violations),
            "updates_queued": self._updates_queued,
            "updates_pending": len(self._updates),
            "webhook_posts": self._webhook_posts,
            "webhook_failures": self._webhook_failures,
        }

    def commands(self, language_code: str = "", scope: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The commands set for exactly this scope and language (Telegram does not fall back here)."""
        return list(self._commands.get((_scope_key(scope), language_code or ""), []))

    def all_commands(self) -> list[dict[str, Any]]:
        return [
            {"scope": json.loads(scope), "language_code": lang, "commands": cmds}
            for (scope, lang), cmds in self._commands.items()
        ]

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any] | None:
        return self._menu_buttons.get(chat_id)

    def bot_text(self, kind: str, language_code: str = "") -> str | None:
        """What setMyName/setMyDescription/setMyShortDescription stored (kind: name|description|short_description)."""
        return self._bot_texts.get((kind, language_code))

    async def wait_until(
        self, condition: Callable[[], Any], timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        """Wait until `condition()` is truthy and return its value.

        Re-checked on every emulator change and every 50 ms (for conditions on outside state).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = condition()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                raise TimeoutError(f"emulator: {what} not met within {timeout} s")
            signal = self._change_signal
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), min(remaining, 0.05))

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
        chat_id = int(chat_id)
        if after is None:
            after = max(self._last_user_message.get(chat_id, 0), self._wait_cursor.get(chat_id, 0))
        start = after

        def find() -> dict[str, Any] | None:
            chat = self._chats.get(chat_id)
            if chat is None:
                return None
            for stored in chat.messages[start:]:
                if stored.from_bot:
                    view = self._view(chat, stored)
                    if predicate is None or predicate(view):
                        return view
            return None

        try:
            found = await self.wait_until(find, timeout, f"bot message in chat {chat_id} after #{start}")
        except TimeoutError as error:
            recent = [
                (m["message_id"], "bot" if m["from_bot"] else "user", m["text"])
                for m in self.messages(chat_id)[-5:]
            ]
            raise TimeoutError(
                f"{error}; last messages: {recent}; violations: {self.violations[-3:]}"
            ) from None
        self._wait_cursor[chat_id] = found["message_id"]
        return found

    # ------------------------------------------------------------------ faults and limits

    def configure_faults(self, **changes: Any) -> dict[str, Any]:
        """Change limits/faults (see FaultConfig); pass None to switch a limit off. Returns the config."""
        config = self._faults
        for key, value in changes.items():
            if key not in FaultConfig.__dataclass_fields__:
                raise ValueError(f"unknown fault setting {key!r}")
            if key == "fault_kinds":
                kinds = tuple(str(k) for k in ([value] if isinstance(value, (str, int)) else value))
                if not kinds or set(kinds) - FAULT_KINDS:
                    raise ValueError(f"fault_kinds must be among {sorted(FAULT_KINDS)}")
                value = kinds
            elif key == "fault_methods":
                value = frozenset(self.spec.canonical(m) or m for m in value) if value else SENDING_METHODS
            elif key == "fault_ratio":
                value = float(value or 0.0)
                if not 0.0 <= value <= 1.0:
                    raise ValueError("fault_ratio must be within 0..1")
            elif key in ("global_per_second", "chat_per_second", "group_per_minute") and value is not None:
                value = float(value)
                if value <= 0:
                    raise ValueError(f"{key} must be positive or None")
            setattr(config, key, value)
        if "seed" in changes:
            self._rng.seed(config.seed)
        self._reset_windows()
        return config.as_json()

    @property
    def faults(self) -> dict[str, Any]:
        return self._faults.as_json()

    def _reset_windows(self) -> None:
        config = getattr(self, "_faults", FaultConfig())
        self._global_window = (
            _Window.rate(config.global_per_second, 1.0) if config.global_per_second else None
        )
        self._chat_windows: dict[int, _Window] = {}
        self._group_windows: dict[int, _Window] = {}

    def _window_wait(self, chat_id: int, now: float) -> float:
        config = self._faults
        waits = [0.0]
        if self._global_window is not None:
            waits.append(self._global_window.wait(now))
        if config.chat_per_second:
            window = self._chat_windows.get(chat_id)
            if window is None:
                window = self._chat_windows[chat_id] = _Window.rate(config.chat_per_second, 1.0)
            waits.append(window.wait(now))
        if config.group_per_minute and chat_id < 0:
            window = self._group_windows.get(chat_id)
            if window is None:
                window = self._group_windows[chat_id] = _Window.rate(config.group_per_minute, 60.0)
            waits.append(window.wait(now))
        return max(waits)

    def _check_rate(self, chat_id: int) -> None:
        wait = self._window_wait(chat_id, time.monotonic())
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)

    def _record_send(self, chat_id: int) -> None:
        now = time.monotonic()
        if self._global_window is not None:
            self._global_window.hits.append(now)
        if chat_id in self._chat_windows:
            self._chat_windows[chat_id].hits.append(now)
        if chat_id in self._group_windows:
            self._group_windows[chat_id].hits.append(now)
        self._delivered_by_chat[chat_id] += 1

    def _pick_fault(self, method: str) -> str | None:
        config = self._faults
        if config.fault_ratio <= 0 or method not in config.fault_methods:
            return None
        if self._rng.random() >= config.fault_ratio:
            return None
        return self._rng.choice(config.fault_kinds)

    # ------------------------------------------------------------------ HTTP: Bot API

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        if not _TOKEN_RE.fullmatch(token):
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        try:
            params, files = await _read_request(request)
        except ApiError as error:
            status, body = self._refuse(method, {}, error)
            return _json(body, status)
        status, body = await self.process_call(token, method, params, files)
        return _json(body, status)

    async def process_call(
        self,
        token: str,
        method_name: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call as the HTTP route does; return (HTTP status, Telegram JSON body)."""
        files = files or {}
        self._calls_total += 1
        method = self.spec.canonical(method_name)
        if method is None:
            self._calls_by_method[method_name] += 1
            return self._refuse(method_name, params, ApiError(404, "Not Found"))
        self._calls_by_method[method] += 1
        fields = self.spec.methods[method]
        for name, part in files.items():
            if name in fields and name not in params:
                params[name] = part  # a file sent directly as the field, not via attach://
        try:
            args = self.spec.validate(method, params, files)
        except ApiError as error:
            return self._refuse(method, params, error)
        call = _Call(token, method, args, self._bot_user(token))
        fault = self._pick_fault(method)
        if fault is None:
            return await self._execute(call)
        if fault == "timeout":
            self._timeouts += 1
            delay = self._faults.fault_delay
            if self._faults.timeout_delivers:
                # the work happens even though the client gave up, like a lost answer
                task = self._spawn(self._execute_later(call, delay))
                return await asyncio.shield(task)
            await asyncio.sleep(delay)
            return self._refuse(method, args, ApiError(500, "Internal Server Error: emulated timeout"))
        if fault == "429":
            retry = self._faults.fault_retry_after
            error = ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        else:
            error = ApiError(int(fault), "Internal Server Error" if fault == "500" else "Bad Gateway")
        return self._refuse(method, args, error)

    async def _execute_later(self, call: _Call, delay: float) -> tuple[int, dict[str, Any]]:
        await asyncio.sleep(delay)
        return await self._execute(call)

    async def _execute(self, call: _Call) -> tuple[int, dict[str, Any]]:
        handler = self._handlers.get(call.method)
        try:
            if handler is None:
                raise bad_request(f"emulator: method {call.method} not implemented")
            result = await handler(call)
        except ApiError as error:
            return self._refuse(call.method, call.args, error)
        self._responses_by_status[200] += 1
        self._calls.append((call.method, _loggable(call.args), 200))
        return 200, {"ok": True, "result": result}

    def _refuse(self, method: str, params: dict[str, Any], error: ApiError) -> tuple[int, dict[str, Any]]:
        status = error.error_code
        self._responses_by_status[status] += 1
        logged = _loggable(params)
        self._calls.append((method, logged, status))
        # 400/401/404 are the bot's mistakes; 403/409/429/5xx are situations it must handle
        if status in (400, 401, 404):
            if len(self.violations) < 10_000:
                self.violations.append(
                    {
                        "method": method,
                        "error_code": status,
                        "description": error.description,
                        "params": logged,
                    }
                )
        return status, error.payload()

    async def _handle_file_download(self, request: web.Request) -> web.StreamResponse:
        file_id = self._file_paths.get(request.match_info["path"])
        if file_id is None or not _TOKEN_RE.fullmatch(request.match_info["token"]):
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        record = self._files[file_id]
        return web.Response(body=record.data, content_type=record.mime_type)

    # ------------------------------------------------------------------ helpers for methods

    def _bot_user(self, token: str) -> dict[str, Any]:
        bot = self._bots.get(token)
        if bot is None:
            # Telegram's bot id is the token's first part; aiogram's Bot.id relies on it
            bot = {
                "id": int(token.split(":", 1)[0]),
                "is_bot": True,
                "first_name": self.bot_first_name,
                "username": self.bot_username,
            }
            self._bots[token] = bot
        return bot

    def _lookup_chat(self, chat_id: Any) -> _Chat:
        chat = None
        if isinstance(chat_id, int):
            chat = self._chats.get(chat_id)
        elif isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            chat = self._chats.get(int(chat_id))
        if chat is None:
            if isinstance(chat_id, int) and chat_id in self._users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return chat

    def _writable_chat(self, chat_id: Any) -> _Chat:
        chat = self._lookup_chat(chat_id)
        if chat.id > 0 and chat.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _find_message(self, chat: _Chat, message_id: Any, missing: str) -> _Stored:
        stored = chat.get(int(message_id)) if isinstance(message_id, int) else None
        if stored is None or stored.deleted:
            raise bad_request(missing)
        return stored

    def _parse_text(
        self, raw: str, parse_mode: str | None, entities: list[dict[str, Any]] | None, caption: bool
    ) -> tuple[str, list[dict[str, Any]]]:
        mode = (parse_mode or "").lower()
        if mode == "html":
            try:
                text, parsed = parse_html(raw, strict=self.strict_html)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        elif mode in ("", "markdown", "markdownv2"):
            text, parsed = raw, list(entities or [])  # Markdown is not parsed by the emulator
        else:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        text, parsed = strip_entities_text(text, parsed)
        length = utf16_len(text)
        if caption:
            if length > _MAX_CAPTION:
                raise bad_request("message caption is too long")
        elif not text:
            raise bad_request("message text is empty")
        elif length > _MAX_TEXT:
            raise bad_request("message is too long")
        return text, parsed

    def _text_content(self, args: dict[str, Any]) -> dict[str, Any]:
        text, entities = self._parse_text(
            args["text"], args.get("parse_mode"), args.get("entities"), caption=False
        )
        return {"text": text, **({"entities": entities} if entities else {})}

    def _caption_content(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = args.get("caption")
        if not raw:
            return {}
        text, entities = self._parse_text(
            raw, args.get("parse_mode"), args.get("caption_entities"), caption=True
        )
        if not text:
            return {}
        return {"caption": text, **({"caption_entities": entities} if entities else {})}

    def _check_markup(self, markup: dict[str, Any] | None) -> dict[str, Any] | None:
        """Telegram's checks on keyboards beyond the field types."""
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise bad_request("can't parse inline keyboard button: text must be non-empty")
                if not any(key in button for key in _INLINE_ACTIONS):
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button and not 1 <= len(button["callback_data"].encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"(https?|tg)://[^\s]+$", button["url"]):
                    raise bad_request("BUTTON_URL_INVALID")
        for row in markup.get("keyboard", []):
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise bad_request("keyboard button text must be non-empty")
        return markup

    def _reply_to(self, chat: _Chat, args: dict[str, Any]) -> dict[str, Any] | None:
        params = args.get("reply_parameters")
        if params is None and "reply_to_message_id" in args:
            params = {
                "message_id": args["reply_to_message_id"],
                "allow_sending_without_reply": args.get("allow_sending_without_reply", False),
            }
        if not params:
            return None
        source = self._lookup_chat(params["chat_id"]) if "chat_id" in params else chat
        stored = source.get(int(params["message_id"]))
        if stored is None or stored.deleted:
            if params.get("allow_sending_without_reply") or args.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return self._without_reply(stored.message)

    @staticmethod
    def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if k != "reply_to_message"}

    def _deliver(
        self,
        call: _Call,
        chat: _Chat,
        content: dict[str, Any],
        html: str | None = None,
        markup: dict[str, Any] | None = None,
        reply: dict[str, Any] | None = None,
    ) -> _Stored:
        """Store a bot message after the rate limits allow it."""
        self._check_rate(chat.id)
        message: dict[str, Any] = {
            "message_id": len(chat.messages) + 1,
            "from": call.bot,
            "chat": chat.chat,
            "date": int(time.time()),
            **content,
        }
        if reply is not None:
            message["reply_to_message"] = reply
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # only inline keyboards are part of a Message
        stored = _Stored(message, True, html, markup, 0)
        chat.messages.append(stored)
        self._record_send(chat.id)
        self._notify(chat, stored)
        return stored

    def _input_file(self, value: Any, kind: str, default_name: str) -> _File:
        if isinstance(value, UploadedFile):
            if len(value.data) > _MAX_FILE:
                raise ApiError(413, "Request Entity Too Large")
            name = value.filename or default_name
            mime = value.content_type
            if mime == "application/octet-stream":  # aiogram sends no type; Telegram guesses by name
                mime = mimetypes.guess_type(name)[0] or mime
            return self._new_file(kind, name, mime, value.data)
        if value in self._files:
            return self._files[value]
        if isinstance(value, str) and re.match(r"https?://", value):
            name = Path(urllib.parse.urlparse(value).path).name or default_name
            return self._new_file(kind, name, "application/octet-stream", b"")
        raise bad_request("wrong file identifier/HTTP URL specified")

    @staticmethod
    def _document(record: _File) -> dict[str, Any]:
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_name": record.file_name,
            "mime_type": record.mime_type,
            "file_size": len(record.data),
        }

    @staticmethod
    def _photo_size(record: _File) -> dict[str, Any]:
        # the emulator does not decode images; a plausible size is enough for bots
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": len(record.data),
        }

    # ------------------------------------------------------------------ Bot API methods

    def _build_handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {
            "getMe": self._m_get_me,
            "logOut": self._m_true,
            "close": self._m_true,
            "getUpdates": self._m_get_updates,
            "setWebhook": self._m_set_webhook,
            "deleteWebhook": self._m_delete_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "sendMessage": self._m_send_message,
            "sendVenue": self._m_send_venue,
            "sendLocation": self._m_send_location,
            "sendDocument": self._m_send_document,
            "sendPhoto": self._m_send_photo,
            "copyMessage": self._m_copy_message,
            "forwardMessage": self._m_forward_message,
            "sendChatAction": self._m_send_chat_action,
            "editMessageText": self._m_edit_message_text,
            "editMessageCaption": self._m_edit_message_caption,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "deleteMessage": self._m_delete_message,
            "deleteMessages": self._m_delete_messages,
            "answerCallbackQuery": self._m_answer_callback_query,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "setChatMenuButton": self._m_set_chat_menu_button,
            "getChatMenuButton": self._m_get_chat_menu_button,
            "setMyName": partial(self._m_set_bot_text, "name", 64),
            "setMyDescription": partial(self._m_set_bot_text, "description", 512),
            "setMyShortDescription": partial(self._m_set_bot_text, "short_description", 120),
            "getMyName": partial(self._m_get_bot_text, "name"),
            "getMyDescription": partial(self._m_get_bot_text, "description"),
            "getMyShortDescription": partial(self._m_get_bot_text, "short_description"),
            "getChat": self._m_get_chat,
            "getChatMember": self._m_get_chat_member,
            "getChatMemberCount": self._m_get_chat_member_count,
            "getFile": self._m_get_file,
        }
        missing = set(handlers) - set(self.spec.methods)
        if missing:
            raise RuntimeError(f"handlers for methods not in the spec: {sorted(missing)}")
        return handlers

    async def _m_true(self, call: _Call) -> bool:
        return True

    async def _m_get_me(self, call: _Call) -> dict[str, Any]:
        return {
            **call.bot,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_get_updates(self, call: _Call) -> list[dict[str, Any]]:
        args = call.args
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        if "allowed_updates" in args:
            self._allowed_updates = frozenset(args["allowed_updates"]) or None
        offset = args.get("offset")
        if offset is not None:
            # confirming: updates below offset are gone; a negative offset keeps only the last -offset
            if offset > 0:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
                if self._unordered:  # a hand-pushed update came with an older id
                    self._updates = deque(u for u in self._updates if u["update_id"] >= offset)
                    self._unordered = False
            elif offset < 0:
                while len(self._updates) > -offset:
                    self._updates.popleft()
        limit = min(max(int(args.get("limit", 100)), 1), 100)
        timeout = max(float(args.get("timeout", 0)), 0.0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_updates()  # an older long poll ends with 409, like Telegram's
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._updates:
                return list(itertools.islice(self._updates, limit))
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return []
            signal = self._update_signal
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )

    async def _m_set_webhook(self, call: _Call) -> bool:
        args = call.args
        url = args["url"]
        if not url:
            return await self._m_delete_webhook(call)
        if not re.match(r"https?://[^\s/]+", url):
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = args.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        if args.get("drop_pending_updates"):
            self._updates.clear()
        if "allowed_updates" in args:
            self._allowed_updates = frozenset(args["allowed_updates"]) or None
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": args.get("max_connections", 40),
            "token": call.token,
        }
        self._webhook_error = None
        self._poll_generation += 1
        self._wake_updates()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.ensure_future(self._webhook_loop())
        return True

    async def _m_delete_webhook(self, call: _Call) -> bool:
        if call.args.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        return True

    async def _m_get_webhook_info(self, call: _Call) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _m_send_message(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat = self._writable_chat(args["chat_id"])
        content = self._text_content(args)
        markup = self._check_markup(args.get("reply_markup"))
        reply = self._reply_to(chat, args)
        return self._deliver(call, chat, content, args["text"], markup, reply).message

    async def _m_send_location(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat = self._writable_chat(args["chat_id"])
        location = _location(args)
        markup = self._check_markup(args.get("reply_markup"))
        return self._deliver(
            call, chat, {"location": location}, None, markup, self._reply_to(chat, args)
        ).message

    async def _m_send_venue(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat = self._writable_chat(args["chat_id"])
        location = _location(args)
        venue: dict[str, Any] = {"location": location, "title": args["title"], "address": args["address"]}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if key in args:
                venue[key] = args[key]
        markup = self._check_markup(args.get("reply_markup"))
        content = {"venue": venue, "location": location}
        return self._deliver(call, chat, content, None, markup, self._reply_to(chat, args)).message

    async def _m_send_document(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat = self._writable_chat(args["chat_id"])
        caption = self._caption_content(args)
        markup = self._check_markup(args.get("reply_markup"))
        reply = self._reply_to(chat, args)
        self._check_rate(chat.id)  # before storing bytes that a 429 would orphan
        record = self._input_file(args["document"], "document", "document")
        content = {"document": self._document(record), **caption}
        return self._deliver(call, chat, content, args.get("caption"), markup, reply).message

    async def _m_send_photo(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat = self._writable_chat(args["chat_id"])
        caption = self._caption_content(args)
        markup = self._check_markup(args.get("reply_markup"))
        reply = self._reply_to(chat, args)
        self._check_rate(chat.id)
        record = self._input_file(args["photo"], "photo", "photo.jpg")
        content = {"photo": [self._photo_size(record)], **caption}
        return self._deliver(call, chat, content, args.get("caption"), markup, reply).message

    def _copy_source(self, args: dict[str, Any], what: str) -> _Stored:
        source_chat = self._lookup_chat(args["from_chat_id"])
        return self._find_message(source_chat, args["message_id"], f"message to {what} not found")

    async def _m_copy_message(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat = self._writable_chat(args["chat_id"])
        source = self._copy_source(args, "copy")
        content = {k: source.message[k] for k in _CONTENT_KEYS if k in source.message}
        html = source.html
        if "caption" in args and "text" not in content:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption_content(args))
            html = args["caption"]
        markup = self._check_markup(args.get("reply_markup"))
        stored = self._deliver(call, chat, content, html, markup, self._reply_to(chat, args))
        return {"message_id": stored.message["message_id"]}

    async def _m_forward_message(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat = self._writable_chat(args["chat_id"])
        source = self._copy_source(args, "forward")
        content: dict[str, Any] = {k: source.message[k] for k in _CONTENT_KEYS if k in source.message}
        content["forward_origin"] = {
            "type": "user",
            "sender_user": source.message["from"],
            "date": source.message["date"],
        }
        return self._deliver(call, chat, content, source.html).message

    async def _m_send_chat_action(self, call: _Call) -> bool:
        self._writable_chat(call.args["chat_id"])
        if call.args["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _editable(self, args: dict[str, Any]) -> tuple[_Chat, _Stored]:
        if "inline_message_id" in args:
            raise bad_request("emulator: inline messages are not supported")
        if "chat_id" not in args or "message_id" not in args:
            raise bad_request("message identifier is not specified")
        chat = self._writable_chat(args["chat_id"])
        stored = self._find_message(chat, args["message_id"], "message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return chat, stored

    def _apply_edit(
        self,
        chat: _Chat,
        stored: _Stored,
        content: dict[str, Any],
        drop: tuple[str, ...],
        markup: dict[str, Any] | None,
        html: str | None,
    ) -> dict[str, Any]:
        old = stored.message
        new = {k: v for k, v in old.items() if k not in drop and k != "reply_markup"}
        new.update(content)
        if markup and "inline_keyboard" in markup:
            new["reply_markup"] = markup
        # a change is judged on what the user sees (content, inline keyboard), not on edit_date
        if _without(new, "edit_date") == _without(old, "edit_date"):
            raise bad_request(_NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        stored.message = new
        stored.markup = markup
        if html is not None:
            stored.html = html
        stored.edited = True
        self._notify(chat, stored)
        return new

    async def _m_edit_message_text(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat, stored = self._editable(args)
        if "text" not in stored.message:
            raise bad_request("there is no text in the message to edit")
        content = self._text_content(args)
        # like Telegram: an edit without reply_markup removes the inline keyboard
        markup = self._check_markup(args.get("reply_markup"))
        return self._apply_edit(chat, stored, content, ("text", "entities"), markup, args["text"])

    async def _m_edit_message_caption(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat, stored = self._editable(args)
        if "text" in stored.message or "location" in stored.message:
            raise bad_request("there is no caption in the message to edit")
        content = self._caption_content(args)
        markup = self._check_markup(args.get("reply_markup"))
        return self._apply_edit(
            chat, stored, content, ("caption", "caption_entities"), markup, args.get("caption")
        )

    async def _m_edit_message_reply_markup(self, call: _Call) -> dict[str, Any]:
        args = call.args
        chat, stored = self._editable(args)
        markup = self._check_markup(args.get("reply_markup"))
        return self._apply_edit(chat, stored, {}, (), markup, None)

    async def _m_delete_message(self, call: _Call) -> bool:
        chat = self._lookup_chat(call.args["chat_id"])
        stored = self._find_message(chat, call.args["message_id"], "message to delete not found")
        stored.deleted = True
        self._notify(chat, stored)
        return True

    async def _m_delete_messages(self, call: _Call) -> bool:
        chat = self._lookup_chat(call.args["chat_id"])
        ids = call.args["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            stored = chat.get(message_id)
            if stored is not None and not stored.deleted:  # Telegram skips missing ones here
                stored.deleted = True
                self._notify(chat, stored)
        return True

    async def _m_answer_callback_query(self, call: _Call) -> bool:
        args = call.args
        record = self._callbacks.get(args["callback_query_id"])
        if record is None or record["answered"]:
            raise bad_request(_QUERY_INVALID)
        text = args.get("text")
        if text is not None and len(text) > 200:
            raise bad_request("answerCallbackQuery text is too long (at most 200 characters)")
        record.update(answered=True, text=text, show_alert=bool(args.get("show_alert")), url=args.get("url"))
        if "pressed_at" in record:
            record["answer_delay"] = round(time.monotonic() - record["pressed_at"], 4)
        chat = self._chats.get(record.get("chat_id", 0))
        stored = chat.get(record["message_id"]) if chat is not None else None
        self._notify(chat, stored)
        return True

    def _commands_key(self, args: dict[str, Any]) -> tuple[str, str]:
        language = args.get("language_code") or ""
        if language and not _LANG_RE.fullmatch(language):
            raise bad_request("invalid language code specified")
        return _scope_key(args.get("scope")), language

    async def _m_set_my_commands(self, call: _Call) -> bool:
        commands = call.args["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands (at most 100)")
        for command in commands:
            if not _COMMAND_RE.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"].strip()) <= 256:
                raise bad_request("command description must be 1-256 characters")
        key = self._commands_key(call.args)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        self._notify()
        return True

    async def _m_get_my_commands(self, call: _Call) -> list[dict[str, Any]]:
        return list(self._commands.get(self._commands_key(call.args), []))

    async def _m_delete_my_commands(self, call: _Call) -> bool:
        self._commands.pop(self._commands_key(call.args), None)
        self._notify()
        return True

    async def _m_set_chat_menu_button(self, call: _Call) -> bool:
        chat_id = call.args.get("chat_id")
        if chat_id is not None:
            chat_id = self._lookup_chat(chat_id).id
        self._menu_buttons[chat_id] = call.args.get("menu_button") or {"type": "default"}
        return True

    async def _m_get_chat_menu_button(self, call: _Call) -> dict[str, Any]:
        chat_id = call.args.get("chat_id")
        if chat_id is not None:
            chat_id = self._lookup_chat(chat_id).id
        return self._menu_buttons.get(chat_id) or self._menu_buttons.get(None) or {"type": "default"}

    async def _m_set_bot_text(self, kind: str, limit: int, call: _Call) -> bool:
        language = call.args.get("language_code") or ""
        if language and not _LANG_RE.fullmatch(language):
            raise bad_request("invalid language code specified")
        value = call.args.get(kind) or ""
        if len(value) > limit:
            raise bad_request(f"{kind} is too long (at most {limit} characters)")
        if value:
            self._bot_texts[(kind, language)] = value
        else:
            self._bot_texts.pop((kind, language), None)
        return True

    async def _m_get_bot_text(self, kind: str, call: _Call) -> dict[str, Any]:
        language = call.args.get("language_code") or ""
        value = self._bot_texts.get((kind, language)) or self._bot_texts.get((kind, ""), "")
        if kind == "name" and not value:
            value = self.bot_first_name
        return {kind: value}

    async def _m_get_chat(self, call: _Call) -> dict[str, Any]:
        chat = self._lookup_chat(call.args["chat_id"])
        return {
            **chat.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _m_get_chat_member(self, call: _Call) -> dict[str, Any]:
        chat = self._lookup_chat(call.args["chat_id"])
        user_id = call.args["user_id"]
        if user_id == call.bot["id"]:
            return {"status": "member", "user": call.bot}
        user = self._users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return {"status": "member" if user_id in chat.members else "left", "user": dict(user)}

    async def _m_get_chat_member_count(self, call: _Call) -> int:
        return len(self._lookup_chat(call.args["chat_id"]).members) + 1

    async def _m_get_file(self, call: _Call) -> dict[str, Any]:
        record = self._files.get(call.args["file_id"])
        if record is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.data),
            "file_path": record.file_path,
        }

    # ------------------------------------------------------------------ webhook delivery

    async def _webhook_loop(self) -> None:
        """Deliver queued updates in order; a failing update is retried with backoff, then dropped."""
        while self._webhook is not None and not self._closing:
            if not self._updates:
                await self._update_signal.wait()
                continue
            update = self._updates[0]
            await self._post_update(update)
            if self._updates and self._updates[0] is update:
                self._updates.popleft()

    async def _post_update(self, update: dict[str, Any]) -> bool:
        hook = self._webhook
        assert hook is not None
        if self._http is None:
            self._http = ClientSession(timeout=ClientTimeout(total=self.webhook_timeout))
        headers = {hdrs.CONTENT_TYPE: "application/json"}
        if hook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        body = _dumps(update).encode("utf-8")
        for attempt in range(self.webhook_max_tries):
            if attempt:
                await asyncio.sleep(self.webhook_backoff * 2 ** (attempt - 1))
            self._webhook_posts += 1
            try:
                async with self._http.post(hook["url"], data=body, headers=headers) as resp:
                    if 200 <= resp.status < 300:
                        await self._webhook_reply(hook["token"], resp)
                        return True
                    error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except (ClientError, TimeoutError, OSError) as exc:
                error = f"Connection failed: {type(exc).__name__}"
            self._webhook_error = (int(time.time()), error)
        self._webhook_failures += 1
        return False

    async def _webhook_reply(self, token: str, resp: Any) -> None:
        """A webhook answer may carry one Bot API call (aiogram does this when not in background)."""
        ctype = resp.content_type
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if ctype == "application/json":
            with contextlib.suppress(ValueError):
                body = json.loads(await resp.read() or b"{}")
                if isinstance(body, dict):
                    params = body
        elif ctype == "multipart/form-data":
            params, files = await _read_multipart(MultipartReader(resp.headers, resp.content))
        method = params.pop("method", None)
        if isinstance(method, str) and method:
            await self.process_call(token, method, params, files)

    # ------------------------------------------------------------------ HTTP: control API

    def _add_control_routes(self, app: web.Application) -> None:
        routes = [
            ("POST", "/_emu/users", self._c_users),
            ("POST", "/_emu/groups", self._c_groups),
            ("POST", "/_emu/message", self._c_message),
            ("POST", "/_emu/edit", self._c_edit),
            ("POST", "/_emu/press", self._c_press),
            ("POST", "/_emu/update", self._c_update),
            ("POST", "/_emu/block", self._c_block),
            ("POST", "/_emu/faults", self._c_faults),
            ("GET", "/_emu/faults", self._c_faults),
            ("POST", "/_emu/reset", self._c_reset),
            ("GET", "/_emu/chats", self._c_chats),
            ("GET", "/_emu/chats/{chat_id}/messages", self._c_messages),
            ("GET", "/_emu/calls", self._c_calls),
            ("GET", "/_emu/violations", self._c_violations),
            ("GET", "/_emu/stats", self._c_stats),
            ("GET", "/_emu/commands", self._c_commands),
            ("GET", "/_emu/config", self._c_config),
            ("GET", "/_emu/callbacks/{query_id}", self._c_callback),
            ("GET", "/_emu/files/{file_id}", self._c_file),
        ]
        for verb, path, handler in routes:
            app.router.add_route(verb, path, _control(handler))

    async def _c_users(self, request: web.Request) -> Any:
        body = await _body(request)
        user = self.add_user(
            body["user_id"],
            language_code=body.get("language_code"),
            first_name=body.get("first_name"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            started=bool(body.get("started", True)),
        )
        return {"user": user}

    async def _c_groups(self, request: web.Request) -> Any:
        body = await _body(request)
        return {
            "chat": self.add_group(body["chat_id"], body.get("title", "Group"), body.get("member_ids", []))
        }

    async def _c_message(self, request: web.Request) -> Any:
        body = await _body(request)
        extra = {
            k: body[k]
            for k in (
                "language_code",
                "reply_to_message_id",
                "kind",
                "caption",
                "latitude",
                "longitude",
                "file_name",
            )
            if body.get(k) is not None
        }
        view = self.user_sends(body["user_id"], body.get("text"), body.get("chat_id"), **extra)
        return {"update_id": view.pop("update_id"), "message": view}

    async def _c_edit(self, request: web.Request) -> Any:
        body = await _body(request)
        view = self.user_edits(body["user_id"], body["message_id"], body["text"], body.get("chat_id"))
        return {"update_id": view.pop("update_id"), "message": view}

    async def _c_press(self, request: web.Request) -> Any:
        body = await _body(request)
        record = self.user_presses(
            body["user_id"],
            body["message_id"],
            body["data"],
            body.get("chat_id"),
            check_button=bool(body.get("check_button", True)),
        )
        return {
            "update_id": record["update_id"],
            "callback_query_id": record["id"],
            "callback": _public(record),
        }

    async def _c_update(self, request: web.Request) -> Any:
        return {"update_id": self.push_update(await _body(request))}

    async def _c_block(self, request: web.Request) -> Any:
        body = await _body(request)
        self.block(body["user_id"], bool(body.get("blocked", True)))
        return {"ok": True}

    async def _c_faults(self, request: web.Request) -> Any:
        if request.method == "POST":
            return self.configure_faults(**await _body(request))
        return self.faults

    async def _c_reset(self, request: web.Request) -> Any:
        self.reset()
        return {"ok": True}

    async def _c_chats(self, request: web.Request) -> Any:
        return self.chats()

    async def _c_messages(self, request: web.Request) -> Any:
        chat_id = int(request.match_info["chat_id"])
        if "since_rev" in request.query:
            return {
                "rev": self._rev,
                "messages": self.changed_messages(chat_id, int(request.query["since_rev"])),
            }
        return self.messages(chat_id, int(request.query.get("after", 0)))

    async def _c_calls(self, request: web.Request) -> Any:
        limit = int(request.query.get("limit", 1000))
        method = request.query.get("method")
        calls = [c for c in self._calls if method is None or c[0] == method]
        return [{"method": m, "params": p, "status": s} for m, p, s in calls[-limit:]] if limit > 0 else []

    async def _c_violations(self, request: web.Request) -> Any:
        return self.violations

    async def _c_stats(self, request: web.Request) -> Any:
        stats = self.stats
        stats["delivered_by_chat"] = {str(k): v for k, v in stats["delivered_by_chat"].items()}
        stats["responses_by_status"] = {str(k): v for k, v in stats["responses_by_status"].items()}
        return stats

    async def _c_commands(self, request: web.Request) -> Any:
        if request.query.get("all"):
            return self.all_commands()
        scope = json.loads(request.query["scope"]) if request.query.get("scope") else None
        return self.commands(request.query.get("language_code", ""), scope)

    async def _c_config(self, request: web.Request) -> Any:
        return {
            "bot": {**self._bot_user(self.token), "username": self.bot_username},
            "personas": self.personas,
            "groups": [c.chat for c in self._chats.values() if c.id < 0],
            "poll_ms": 700,
        }

    async def _c_callback(self, request: web.Request) -> Any:
        record = self._callbacks.get(request.match_info["query_id"])
        if record is None:
            raise KeyError("unknown callback query")
        return _public(record)

    async def _c_file(self, request: web.Request) -> web.StreamResponse:
        record = self._files.get(request.match_info["file_id"])
        if record is None:
            raise KeyError("unknown file")
        quoted = urllib.parse.quote(record.file_name)
        return web.Response(
            body=record.data,
            content_type=record.mime_type,
            headers={hdrs.CONTENT_DISPOSITION: f"attachment; filename*=UTF-8''{quoted}"},
        )

    async def _handle_page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "chat.html")

    def _register_personas(self) -> None:
        people = [p for p in self.personas if not p.get("chat_id") or int(p["chat_id"]) > 0]
        for persona in people:
            self.add_user(
                int(persona["user_id"]),
                language_code=persona.get("language_code"),
                first_name=persona.get("first_name") or persona.get("label"),
                started=True,  # the demo's people have pressed Start, so alerts can reach them
            )
        for persona in self.personas:
            chat_id = int(persona.get("chat_id") or 0)
            if chat_id < 0 and chat_id not in self._chats:
                title = persona.get("title") or persona.get("label") or "Group"
                self.add_group(chat_id, title, [int(p["user_id"]) for p in people])

    # ------------------------------------------------------------------ views

    def _view(self, chat: _Chat, stored: _Stored) -> dict[str, Any]:
        """The control API's shape of a message (both directions), for tests and the page."""
        message = stored.message
        sender = message.get("from", {})
        view: dict[str, Any] = {
            "message_id": message["message_id"],
            "chat_id": chat.id,
            "from_bot": stored.from_bot,
            "from": {"id": sender.get("id"), "first_name": sender.get("first_name")},
            "date": message["date"],
            "kind": _kind(message),
            "text": message.get("text", message.get("caption", "")),
            "html": stored.html if stored.html is not None else message.get("text", message.get("caption")),
            "entities": message.get("entities", message.get("caption_entities", [])),
            "reply_markup": stored.markup if stored.from_bot else None,
            "edited": stored.edited,
            "deleted": stored.deleted,
            "rev": stored.rev,
            "callback_answers": [_public(c) for c in stored.callbacks or ()],
        }
        if "caption" in message:
            view["caption"] = message["caption"]
        if "reply_to_message" in message:
            view["reply_to_message_id"] = message["reply_to_message"]["message_id"]
        if "forward_origin" in message:
            view["forwarded"] = True
        document = message.get("document")
        if document:
            view["document"] = {
                "file_name": document.get("file_name"),
                "file_id": document["file_id"],
                "mime_type": document.get("mime_type"),
                "file_size": document.get("file_size"),
                "url": f"/_emu/files/{document['file_id']}",
            }
        if "photo" in message:
            largest = message["photo"][-1]
            view["photo"] = {"file_id": largest["file_id"], "url": f"/_emu/files/{largest['file_id']}"}
        if "venue" in message:
            venue = message["venue"]
            view["venue"] = {
                "title": venue["title"],
                "address": venue["address"],
                "latitude": venue["location"]["latitude"],
                "longitude": venue["location"]["longitude"],
            }
        if "location" in message:
            view["location"] = dict(message["location"])
        if "sticker" in message:
            view["sticker"] = {"emoji": message["sticker"].get("emoji")}
        return view


# ---------------------------------------------------------------------- module helpers


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


def _kind(message: dict[str, Any]) -> str:
    for key in ("text", "document", "photo", "venue", "location", "sticker", "voice"):
        if key in message:
            return key
    return "other"


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "pressed_at"}


def _callback_datas(markup: dict[str, Any] | None) -> set[str]:
    if not markup:
        return set()
    return {
        b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b
    }


def _scope_key(scope: dict[str, Any] | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def _location(args: dict[str, Any]) -> dict[str, Any]:
    latitude, longitude = args["latitude"], args["longitude"]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong latitude or longitude specified")
    return {"latitude": latitude, "longitude": longitude}


def _loggable(params: dict[str, Any]) -> dict[str, Any]:
    """The call log keeps no file bytes, only what identifies the file."""
    if not any(isinstance(v, UploadedFile) for v in params.values()):
        return params
    return {
        k: ({"file_name": v.filename, "size": len(v.data)} if isinstance(v, UploadedFile) else v)
        for k, v in params.items()
    }


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=_dumps(body), status=status, content_type="application/json")


async def _read_multipart(reader: MultipartReader) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    while True:
        part = await reader.next()
        if part is None:
            break
        if isinstance(part, MultipartReader) or part.name is None:
            continue  # nested multiparts are not part of the Bot API
        if part.filename is not None:
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            files[part.name] = UploadedFile(part.filename, content_type, bytes(await part.read()))
        else:
            params[part.name] = await part.text()
    return params, files


async def _read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.body_exists:
        return params, files
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("the JSON body must be an object")
        params.update(body)
    elif ctype == "multipart/form-data":
        form, files = await _read_multipart(await request.multipart())
        params.update(form)
    elif ctype == "application/x-www-form-urlencoded":
        params.update((await request.post()).items())
    return params, files


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _control(
    handler: Callable[[web.Request], Awaitable[Any]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Control routes answer JSON; a bad request is a 400 with the reason, never a 500."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            result = await handler(request)
        except KeyError as error:
            return _json(
                {"error": f"missing or unknown: {error.args[0]}"}, 404 if request.method == "GET" else 400
            )
        except (ValueError, TypeError) as error:
            return _json({"error": str(error)}, 400)
        if isinstance(result, web.StreamResponse):
            return result
        return _json(result)

    return wrapped
