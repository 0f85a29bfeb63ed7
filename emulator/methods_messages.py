"""Bot API methods that write into chats: send, copy, forward, edit, delete, answer a button tap.

Each checks what Telegram checks beyond the field types (text length, HTML entities, keyboards,
replies, rate limits) and refuses with Telegram's error text.
"""

from __future__ import annotations

import mimetypes
import re
import time
import urllib.parse
from pathlib import Path
from typing import Any

from emulator.calls import Call
from emulator.faults import FaultPlan
from emulator.html_entities import EntityParseError, parse_html, strip_entities_text, utf16_len
from emulator.validation import ApiError, UploadedFile, bad_request
from emulator.world import Chat, Stored, StoredFile, World, document_of, photo_size_of, without_reply

__all__ = ["MAX_FILE", "MessageMethods"]

MAX_FILE = 50 * 1024 * 1024
_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
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
    "audio",  # an audio file goes to a person like a voice message (copyMessage)
)


class MessageMethods:
    """sendMessage and its kin; `strict_html` refuses HTML that Telegram would refuse."""

    def __init__(self, world: World, faults: FaultPlan, strict_html: bool = True) -> None:
        self.world = world
        self.faults = faults
        self.strict_html = strict_html

    # ------------------------------------------------------------------ sending

    async def send_message(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat = self.world.writable_chat(args["chat_id"])
        content = self._text_content(args)
        markup = _check_markup(args.get("reply_markup"))
        reply = self._reply_to(chat, args)
        return self._deliver(call, chat, content, args["text"], markup, reply).message

    async def send_location(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat = self.world.writable_chat(args["chat_id"])
        location = _location(args)
        markup = _check_markup(args.get("reply_markup"))
        return self._deliver(
            call, chat, {"location": location}, None, markup, self._reply_to(chat, args)
        ).message

    async def send_venue(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat = self.world.writable_chat(args["chat_id"])
        location = _location(args)
        venue: dict[str, Any] = {"location": location, "title": args["title"], "address": args["address"]}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if key in args:
                venue[key] = args[key]
        markup = _check_markup(args.get("reply_markup"))
        content = {"venue": venue, "location": location}
        return self._deliver(call, chat, content, None, markup, self._reply_to(chat, args)).message

    async def send_document(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat = self.world.writable_chat(args["chat_id"])
        caption = self._caption_content(args)
        markup = _check_markup(args.get("reply_markup"))
        reply = self._reply_to(chat, args)
        self.faults.check_rate(chat.id)  # before storing bytes that a 429 would orphan
        record = self._input_file(args["document"], "document", "document")
        content = {"document": document_of(record), **caption}
        return self._deliver(call, chat, content, args.get("caption"), markup, reply).message

    async def send_photo(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat = self.world.writable_chat(args["chat_id"])
        caption = self._caption_content(args)
        markup = _check_markup(args.get("reply_markup"))
        reply = self._reply_to(chat, args)
        self.faults.check_rate(chat.id)
        record = self._input_file(args["photo"], "photo", "photo.jpg")
        content = {"photo": [photo_size_of(record)], **caption}
        return self._deliver(call, chat, content, args.get("caption"), markup, reply).message

    def _copy_source(self, args: dict[str, Any], what: str) -> Stored:
        source_chat = self.world.lookup_chat(args["from_chat_id"])
        return self.world.find_message(source_chat, args["message_id"], f"message to {what} not found")

    async def copy_message(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat = self.world.writable_chat(args["chat_id"])
        source = self._copy_source(args, "copy")
        content = {k: source.message[k] for k in _CONTENT_KEYS if k in source.message}
        html = source.html
        if "caption" in args and "text" not in content:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption_content(args))
            html = args["caption"]
        markup = _check_markup(args.get("reply_markup"))
        stored = self._deliver(call, chat, content, html, markup, self._reply_to(chat, args))
        return {"message_id": stored.message["message_id"]}

    async def forward_message(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat = self.world.writable_chat(args["chat_id"])
        source = self._copy_source(args, "forward")
        content: dict[str, Any] = {k: source.message[k] for k in _CONTENT_KEYS if k in source.message}
        content["forward_origin"] = {
            "type": "user",
            "sender_user": source.message["from"],
            "date": source.message["date"],
        }
        return self._deliver(call, chat, content, source.html).message

    async def send_chat_action(self, call: Call) -> bool:
        self.world.writable_chat(call.args["chat_id"])
        if call.args["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ------------------------------------------------------------------ editing, deleting

    def _editable(self, args: dict[str, Any]) -> tuple[Chat, Stored]:
        if "inline_message_id" in args:
            raise bad_request("emulator: inline messages are not supported")
        if "chat_id" not in args or "message_id" not in args:
            raise bad_request("message identifier is not specified")
        chat = self.world.writable_chat(args["chat_id"])
        stored = self.world.find_message(chat, args["message_id"], "message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return chat, stored

    def _apply_edit(
        self,
        chat: Chat,
        stored: Stored,
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
        # Presses whose edit has not come yet; each edit is taken as the answer to the oldest of them.
        waiting = [c for c in stored.callbacks or () if c.get("version") is not None]
        if _without(new, "edit_date") == _without(old, "edit_date"):
            # A press on an older version (a double tap: both updates carry the message as it was then):
            # the bot cannot know the edit is done already, so Telegram's 400 is no mistake of the bot.
            stale = next((c for c in waiting if c["version"] < stored.version), None)
            if stale is not None:
                stale["version"] = None
            raise ApiError(400, f"Bad Request: {_NOT_MODIFIED}", race=stale is not None)
        new["edit_date"] = int(time.time())
        stored.version += 1
        if waiting:
            waiting[0]["version"] = None
        stored.message = new
        stored.markup = markup
        if html is not None:
            stored.html = html
        stored.edited = True
        self.world.notify(chat, stored)
        return new

    async def edit_message_text(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat, stored = self._editable(args)
        if "text" not in stored.message:
            raise bad_request("there is no text in the message to edit")
        content = self._text_content(args)
        # like Telegram: an edit without reply_markup removes the inline keyboard
        markup = _check_markup(args.get("reply_markup"))
        return self._apply_edit(chat, stored, content, ("text", "entities"), markup, args["text"])

    async def edit_message_caption(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat, stored = self._editable(args)
        if "text" in stored.message or "location" in stored.message:
            raise bad_request("there is no caption in the message to edit")
        content = self._caption_content(args)
        markup = _check_markup(args.get("reply_markup"))
        return self._apply_edit(
            chat, stored, content, ("caption", "caption_entities"), markup, args.get("caption")
        )

    async def edit_message_reply_markup(self, call: Call) -> dict[str, Any]:
        args = call.args
        chat, stored = self._editable(args)
        markup = _check_markup(args.get("reply_markup"))
        return self._apply_edit(chat, stored, {}, (), markup, None)

    async def delete_message(self, call: Call) -> bool:
        chat = self.world.lookup_chat(call.args["chat_id"])
        stored = self.world.find_message(chat, call.args["message_id"], "message to delete not found")
        stored.deleted = True
        self.world.notify(chat, stored)
        return True

    async def delete_messages(self, call: Call) -> bool:
        chat = self.world.lookup_chat(call.args["chat_id"])
        ids = call.args["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            stored = chat.get(message_id)
            if stored is not None and not stored.deleted:  # Telegram skips missing ones here
                stored.deleted = True
                self.world.notify(chat, stored)
        return True

    async def answer_callback_query(self, call: Call) -> bool:
        args = call.args
        record = self.world.callbacks.get(args["callback_query_id"])
        if record is None or record["answered"]:
            raise bad_request(_QUERY_INVALID)
        text = args.get("text")
        if text is not None and len(text) > 200:
            raise bad_request("answerCallbackQuery text is too long (at most 200 characters)")
        record.update(answered=True, text=text, show_alert=bool(args.get("show_alert")), url=args.get("url"))
        if "pressed_at" in record:
            record["answer_delay"] = round(time.monotonic() - record["pressed_at"], 4)
        chat = self.world.chats.get(record.get("chat_id", 0))
        stored = chat.get(record["message_id"]) if chat is not None else None
        self.world.notify(chat, stored)
        return True

    # ------------------------------------------------------------------ helpers

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

    def _reply_to(self, chat: Chat, args: dict[str, Any]) -> dict[str, Any] | None:
        params = args.get("reply_parameters")
        if params is None and "reply_to_message_id" in args:
            params = {
                "message_id": args["reply_to_message_id"],
                "allow_sending_without_reply": args.get("allow_sending_without_reply", False),
            }
        if not params:
            return None
        source = self.world.lookup_chat(params["chat_id"]) if "chat_id" in params else chat
        stored = source.get(int(params["message_id"]))
        if stored is None or stored.deleted:
            if params.get("allow_sending_without_reply") or args.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return without_reply(stored.message)

    def _deliver(
        self,
        call: Call,
        chat: Chat,
        content: dict[str, Any],
        html: str | None = None,
        markup: dict[str, Any] | None = None,
        reply: dict[str, Any] | None = None,
    ) -> Stored:
        """Store a bot message after the rate limits allow it."""
        self.faults.check_rate(chat.id)
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
        stored = Stored(message, True, html, markup, 0)
        chat.messages.append(stored)
        self.faults.record_send(chat.id)
        self.world.notify(chat, stored)
        return stored

    def _input_file(self, value: Any, kind: str, default_name: str) -> StoredFile:
        world = self.world
        if isinstance(value, UploadedFile):
            if len(value.data) > MAX_FILE:
                raise ApiError(413, "Request Entity Too Large")
            name = value.filename or default_name
            mime = value.content_type
            if mime == "application/octet-stream":  # aiogram sends no type; Telegram guesses by name
                mime = mimetypes.guess_type(name)[0] or mime
            return world.new_file(kind, name, mime, value.data)
        if value in world.files:
            return world.files[value]
        if isinstance(value, str) and re.match(r"https?://", value):
            name = Path(urllib.parse.urlparse(value).path).name or default_name
            return world.new_file(kind, name, "application/octet-stream", b"")
        raise bad_request("wrong file identifier/HTTP URL specified")


def _check_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
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


def _location(args: dict[str, Any]) -> dict[str, Any]:
    latitude, longitude = args["latitude"], args["longitude"]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong latitude or longitude specified")
    return {"latitude": latitude, "longitude": longitude}


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}
