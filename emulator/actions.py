"""What people do in the Telegram app: write, edit, tap a button, block the bot.

Each action changes the World and queues the update Telegram would send the bot.
"""

from __future__ import annotations

import re
import time
from typing import Any

from emulator.html_entities import utf16_len
from emulator.updates import UpdateQueue
from emulator.world import Stored, World, document_of, photo_size_of, without_reply

__all__ = ["UserActions"]

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?")


class UserActions:
    """The control side of users: every method raises ValueError for what the app would not allow."""

    def __init__(self, world: World, updates: UpdateQueue) -> None:
        self.world = world
        self.updates = updates

    def block(self, user_id: int, blocked: bool, bot: dict[str, Any]) -> None:
        """Mark the user as having blocked (or unblocked) the bot; Telegram tells the bot by update."""
        world = self.world
        user_id = int(user_id)
        user = world.user(user_id)
        was = user_id in world.blocked
        if blocked:
            world.blocked.add(user_id)
        else:
            world.blocked.discard(user_id)
        if was != blocked and user_id in world.chats:
            member = {"status": "member", "user": bot}
            kicked = {"status": "kicked", "user": bot, "until_date": 0}
            self.updates.enqueue(
                {
                    "my_chat_member": {
                        "chat": world.chats[user_id].chat,
                        "from": dict(user),
                        "date": int(time.time()),
                        "old_chat_member": member if blocked else kicked,
                        "new_chat_member": kicked if blocked else member,
                    }
                }
            )

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

        `data` is the file of a photo, voice note or document (a small stand-in when None); `duration`
        the length of a voice note in seconds."""
        world = self.world
        user = world.user(user_id)
        if language_code is not None:
            user["language_code"] = language_code
        world.blocked.discard(int(user_id))  # writing to a bot needs it unblocked in the app
        chat = world.chat_for_user(user_id, chat_id)
        content = self._content(kind, text, latitude, longitude, file_name, data, duration)
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
            message["reply_to_message"] = without_reply(replied.message)
        stored = Stored(message, False, None, None, 0)
        chat.messages.append(stored)
        world.last_user_message[chat.id] = message["message_id"]
        update_id = self.updates.enqueue({"message": message})
        world.notify(chat, stored)
        return {**world.view(chat, stored), "update_id": update_id}

    def _content(
        self,
        kind: str,
        text: str | None,
        latitude: float,
        longitude: float,
        file_name: str,
        data: bytes | None,
        duration: int | None,
    ) -> dict[str, Any]:
        """The content fields of a message the user sends, by kind."""
        new_file = self.world.new_file
        content: dict[str, Any]
        if kind == "text":
            if not text:
                raise ValueError("text is required for kind 'text'")
            content = {"text": text}
            command = _COMMAND_RE.match(text)
            if command:
                content["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
                ]
        elif kind == "sticker":
            record = new_file("sticker", "sticker.webp", "image/webp", b"RIFF\x00\x00\x00\x00WEBP")
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
            record = new_file("photo", "photo.jpg", "image/jpeg", data or b"\xff\xd8\xff\xe0emulator\xff\xd9")
            content = {"photo": [photo_size_of(record)]}
        elif kind == "voice":
            if duration is not None and not 0 <= int(duration) <= 3600:
                raise ValueError("duration must be 0-3600 seconds")
            record = new_file("voice", "voice.ogg", "audio/ogg", data or b"OggS\x00emulator")
            content = {
                "voice": {
                    "file_id": record.file_id,
                    "file_unique_id": record.file_unique_id,
                    "duration": 3 if duration is None else int(duration),
                    "mime_type": "audio/ogg",
                    "file_size": len(record.data),
                }
            }
        elif kind == "location":
            content = {"location": {"latitude": float(latitude), "longitude": float(longitude)}}
        elif kind == "document":
            sample = b"%PDF-1.4\n% emulator sample\n"
            record = new_file(
                "document", file_name, "application/octet-stream", sample if data is None else data
            )
            content = {"document": document_of(record)}
        else:
            raise ValueError(f"unknown kind {kind!r}")
        return content

    def user_edits(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user edits an earlier text message: queue an `edited_message` update."""
        world = self.world
        chat = world.chat_for_user(user_id, chat_id)
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
        update_id = self.updates.enqueue({"edited_message": message})
        world.notify(chat, stored)
        return {**world.view(chat, stored), "update_id": update_id}

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
        world = self.world
        user = world.user(user_id)
        chat = world.chat_for_user(user_id, chat_id)
        stored = chat.get(int(message_id))
        if stored is None or stored.deleted or not stored.from_bot:
            raise ValueError(f"no bot message {message_id} in chat {chat.id}")
        if check_button and data not in _callback_datas(stored.message.get("reply_markup")):
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        query_id = str(4_000_000_000_000_000 + next(world.callback_seq))
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
            "version": stored.version,  # the update carries the message as it is now (None: edit came)
        }
        world.callbacks[query_id] = record
        stored.callbacks = [*(stored.callbacks or []), record]
        record["update_id"] = self.updates.enqueue(
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
        world.notify(chat, stored)
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
            self.world.callbacks.setdefault(
                query["id"],
                {"id": query["id"], "answered": False, "text": None, "show_alert": False, "url": None},
            )
        return self.updates.enqueue(dict(update))

    def push_message(self, message: dict[str, Any], kind: str = "message") -> int:
        """Queue a hand-made message as a `kind` update: content the app would not send (a contact, an
        empty text, a caption on a sticker), a sender it would not allow, a channel post.

        When its chat exists the message is kept in the chat's history, so the bot may reply to it: a
        new message takes the chat's next message_id; an `edited_*` one replaces the user's message with
        its message_id. The message must carry what the history needs (message_id, date, chat).
        """
        chat_info = message.get("chat")
        chat_id = chat_info.get("id") if isinstance(chat_info, dict) else None
        chat = self.world.chats.get(chat_id) if type(chat_id) is int else None
        if chat is not None:
            message_id = message.get("message_id")
            edits = chat.get(message_id) if type(message_id) is int and kind.startswith("edited_") else None
            if edits is not None and not edits.from_bot:
                edits.message, edits.edited, stored = dict(message), True, edits
            else:
                message = {**message, "message_id": len(chat.messages) + 1}
                stored = Stored(message, False, None, None, 0)
                chat.messages.append(stored)
            self.world.notify(chat, stored)
        return self.push_update({kind: message})


def _callback_datas(markup: dict[str, Any] | None) -> set[str]:
    if not markup:
        return set()
    return {
        b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b
    }
