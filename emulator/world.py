"""What Telegram knows: users, chats and their message histories, files, callback queries, and what
the bot configured about itself (commands, names, menu buttons).

One event loop, no threads: all state lives in plain dicts and lists touched only from the loop.
Every change bumps a revision and wakes whoever waits for one (tests, the web chat page).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.validation import ApiError, bad_request

__all__ = ["Chat", "Stored", "StoredFile", "World"]

_INT_RE = re.compile(r"-?\d+")


@dataclass(slots=True)
class Stored:
    """One message in a chat's history, in both directions."""

    message: dict[str, Any]  # the Bot API Message object
    from_bot: bool
    html: str | None  # text/caption exactly as the bot sent it (before HTML parsing)
    markup: dict[str, Any] | None  # any reply_markup sent, also reply keyboards
    rev: int
    edited: bool = False
    deleted: bool = False
    callbacks: list[dict[str, Any]] | None = None
    version: int = 0  # of what users see (content, buttons): counts the bot's edits


@dataclass(slots=True)
class Chat:
    chat: dict[str, Any]
    members: set[int] = field(default_factory=set)
    messages: list[Stored] = field(default_factory=list)
    rev: int = 0

    @property
    def id(self) -> int:
        return int(self.chat["id"])

    def get(self, message_id: int) -> Stored | None:
        # message ids are 1..n per chat and never reused, so the list index is the id
        if 1 <= message_id <= len(self.messages):
            return self.messages[message_id - 1]
        return None


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str
    mime_type: str
    data: bytes


class World:
    """Users, chats, files and callback queries, plus the bot's own settings."""

    def __init__(self, bot_username: str, bot_first_name: str) -> None:
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        # what the bot set up or relies on across tests: kept by clear()
        self.bots: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (name|description|short_description, lang)
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.rev = 0
        self.change_signal = asyncio.Event()
        self.closing = False  # set while the emulator stops, so waiters give up at once
        self.clear()

    def clear(self) -> None:
        """Forget users, chats, files and callback queries (reset())."""
        self.users: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.file_paths: dict[str, str] = {}
        self.file_seq = itertools.count(1)
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.callback_seq = itertools.count(1)
        self.last_user_message: dict[int, int] = {}
        self.wait_cursor: dict[int, int] = {}

    # ------------------------------------------------------------------ changes

    def notify(self, chat: Chat | None = None, stored: Stored | None = None) -> None:
        """Bump revisions and wake everyone waiting for a change."""
        self.rev += 1
        if stored is not None:
            stored.rev = self.rev
        if chat is not None:
            chat.rev = self.rev
        signal = self.change_signal
        self.change_signal = asyncio.Event()
        signal.set()

    async def wait_until(
        self, condition: Callable[[], Any], timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        """Wait until `condition()` is truthy and return its value.

        Re-checked on every change and every 50 ms (for conditions on outside state).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = condition()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0 or self.closing:
                raise TimeoutError(f"emulator: {what} not met within {timeout} s")
            signal = self.change_signal
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), min(remaining, 0.05))

    # ------------------------------------------------------------------ users and chats

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
        """Register (or update) a user; `started` opens their private chat with the bot."""
        user_id = int(user_id)
        if user_id <= 0:
            raise ValueError("user_id must be positive")
        user = self.users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}"}
            self.users[user_id] = user
        for key, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                user[key] = value
        if started:
            self.private_chat(user_id)
        return dict(user)

    def user(self, user_id: int) -> dict[str, Any]:
        user_id = int(user_id)
        if user_id not in self.users:
            self.add_user(user_id, started=False)  # e.g. a group member who never opened the bot
        return self.users[user_id]

    def private_chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            user = self.user(user_id)
            info: dict[str, Any] = {"id": user_id, "type": "private", "first_name": user["first_name"]}
            for key in ("last_name", "username"):
                if key in user:
                    info[key] = user[key]
            chat = Chat(info, {user_id})
            self.chats[user_id] = chat
        return chat

    def add_group(
        self, chat_id: int, title: str, member_ids: Iterable[int] = (), *, kind: str | None = None
    ) -> dict[str, Any]:
        """Create a group (-100… ids are supergroups unless `kind` says "group" or "channel") with the bot
        and these users in it."""
        chat_id = int(chat_id)
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if kind not in (None, "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat kind {kind!r}")
        members = {int(m) for m in member_ids}
        for member in members:
            self.user(member)
        chat = self.chats.get(chat_id)
        if chat is None:
            kind = kind or ("supergroup" if str(chat_id).startswith("-100") else "group")
            chat = Chat({"id": chat_id, "type": kind, "title": title}, members)
            self.chats[chat_id] = chat
        else:
            chat.chat["title"] = title
            chat.members |= members
        return dict(chat.chat)

    def chat_for_user(self, user_id: int, chat_id: int | None) -> Chat:
        """The chat a user writes in (their private chat unless a group is named); control-side errors."""
        if chat_id is None or int(chat_id) == int(user_id):
            return self.private_chat(int(user_id))
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise ValueError(f"chat {chat_id} does not exist")
        if int(user_id) not in chat.members:
            raise ValueError(f"user {user_id} is not a member of chat {chat_id}")
        return chat

    def bot_user(self, token: str) -> dict[str, Any]:
        bot = self.bots.get(token)
        if bot is None:
            # Telegram's bot id is the token's first part; aiogram's Bot.id relies on it
            bot = {
                "id": int(token.split(":", 1)[0]),
                "is_bot": True,
                "first_name": self.bot_first_name,
                "username": self.bot_username,
            }
            self.bots[token] = bot
        return bot

    # ------------------------------------------------------------------ lookups for Bot API calls

    def lookup_chat(self, chat_id: Any) -> Chat:
        """The chat a call names, or Telegram's error for it."""
        chat = None
        if isinstance(chat_id, int):
            chat = self.chats.get(chat_id)
        elif isinstance(chat_id, str) and _INT_RE.fullmatch(chat_id):
            chat = self.chats.get(int(chat_id))
        if chat is None:
            if isinstance(chat_id, int) and chat_id in self.users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, chat_id: Any) -> Chat:
        chat = self.lookup_chat(chat_id)
        if chat.id > 0 and chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def find_message(chat: Chat, message_id: Any, missing: str) -> Stored:
        stored = chat.get(int(message_id)) if isinstance(message_id, int) else None
        if stored is None or stored.deleted:
            raise bad_request(missing)
        return stored

    # ------------------------------------------------------------------ files

    def new_file(self, kind: str, file_name: str, mime_type: str, data: bytes) -> StoredFile:
        n = next(self.file_seq)
        suffix = Path(file_name).suffix or ""
        record = StoredFile(
            file_id=f"EMU{kind.upper()}{n:08d}",
            file_unique_id=f"emu{n:08d}",
            file_path=f"{kind}s/file_{n}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
        )
        self.files[record.file_id] = record
        self.file_paths[record.file_path] = record.file_id
        return record

    # ------------------------------------------------------------------ views (control API)

    def messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        chat = self.chats.get(int(chat_id))
        if chat is None:
            return []
        return [self.view(chat, s) for s in chat.messages[max(int(after), 0) :]]

    def changed_messages(self, chat_id: int, since_rev: int) -> list[dict[str, Any]]:
        """Messages created or changed (edited, deleted, answered) after revision `since_rev`."""
        chat = self.chats.get(int(chat_id))
        if chat is None or chat.rev <= since_rev:
            return []
        return [self.view(chat, s) for s in chat.messages if s.rev > since_rev]

    def chat_list(self) -> list[dict[str, Any]]:
        return [
            {**c.chat, "members": sorted(c.members), "message_count": len(c.messages), "rev": c.rev}
            for c in self.chats.values()
        ]

    def view(self, chat: Chat, stored: Stored) -> dict[str, Any]:
        """The control API's shape of a message (both directions), for tests and the page."""
        message = stored.message
        sender = message.get("from", {})
        view: dict[str, Any] = {
            "message_id": message["message_id"],
            "chat_id": chat.id,
            "from_bot": stored.from_bot,
            "from": {"id": sender.get("id"), "first_name": sender.get("first_name")},
            "date": message["date"],
            "kind": message_kind(message),
            "text": message.get("text", message.get("caption", "")),
            "html": stored.html if stored.html is not None else message.get("text", message.get("caption")),
            "entities": message.get("entities", message.get("caption_entities", [])),
            "reply_markup": stored.markup if stored.from_bot else None,
            "edited": stored.edited,
            "deleted": stored.deleted,
            "rev": stored.rev,
            "callback_answers": [public_callback(c) for c in stored.callbacks or ()],
        }
        if "caption" in message:
            view["caption"] = message["caption"]
        if "reply_to_message" in message:
            replied = message["reply_to_message"]
            view["reply_to_message_id"] = replied["message_id"]
            # what the app shows above a reply: the start of the replied message, or what it holds
            quoted = replied.get("text") or replied.get("caption") or ""
            view["reply_to_text"] = quoted[:120] or message_kind(replied)
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
        if "voice" in message or "audio" in message:  # the page plays both the same way
            voice = message.get("voice") or message["audio"]
            view["voice"] = {
                "file_id": voice["file_id"],
                "duration": voice.get("duration", 0),
                "url": f"/_emu/files/{voice['file_id']}",
            }
        return view


# ---------------------------------------------------------------------- Bot API object shapes


def document_of(record: StoredFile) -> dict[str, Any]:
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_name": record.file_name,
        "mime_type": record.mime_type,
        "file_size": len(record.data),
    }


def photo_size_of(record: StoredFile) -> dict[str, Any]:
    # the emulator does not decode images; a plausible size is enough for bots
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "width": 1280,
        "height": 960,
        "file_size": len(record.data),
    }


def without_reply(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def message_kind(message: dict[str, Any]) -> str:
    for key in ("text", "document", "photo", "venue", "location", "sticker", "voice", "audio"):
        if key in message:
            return key
    return "other"


def public_callback(record: dict[str, Any]) -> dict[str, Any]:
    """A callback query record without the emulator's own fields (timing, the version pressed)."""
    return {k: v for k, v in record.items() if k not in ("pressed_at", "version")}


def scope_key(scope: dict[str, Any] | None) -> str:
    """Commands are stored per scope; the JSON of the scope is its key."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)
