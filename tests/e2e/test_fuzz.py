"""Fuzz (issue 13): 2,000 random updates and callback presses against the real bot, on SQLite and PostgreSQL.

Generated with a fixed seed (FUZZ_SEED, default 13; FUZZ_UPDATES, default 2000), so a failure replays:
the seed is printed, and a failure names the generated updates that led to it.

- Messages from the Bot API field list (emulator/data/bot-api-fields.json): texts of any Unicode (NUL,
  right-to-left marks, emoji, 5,000 characters, empty), commands and deep links, captions, stickers,
  voice, photos, documents, locations, contacts and any other content the list names (required fields
  filled, some optional ones), edited messages, messages from bots and anonymous admins, in private chats,
  groups, supergroups and as channel posts; other update kinds the field list names.
- Callback presses: random data, and payloads packed from the bot's own CallbackData schemas (found by
  walking handlers/) with boundary values (0, -1, 2**31-1, 2**31, 2**63, "", enum values and wrong ones),
  truncated or garbled; real buttons too. Pressed by visitors, helpers, the organizer and group members
  who never talked to the bot, in private chats and on the bot's messages in the helpers' group.

Asserted: no traceback and no ERROR in the log, no call the emulator refused, every press answered, the
bot still polling, and a fresh person's ordinary question still answered.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_origin

import aiogram.types
import pytest
from aiogram.filters.callback_data import CallbackData

from bot.faq.content import load_content
from emulator.validation import DATA_FILE
from emulator.world import World
from handlers.callbacks import LangCb, MenuCb
from handlers.faq.callbacks import FaqCb
from tests.e2e.harness import HELPERS_CHAT_ID, ORGANIZER_ID, BotHarness, buttons, running_bot, text_of
from tests.e2e.hostile_support import (
    HELPER_ID,
    SEPARATOR,
    callback_schemas,
    make_helper,
    pack_raw,
    problems,
    relay_of_a_question,
    seed_sample_data,
    start,
)

SEED = int(os.environ.get("FUZZ_SEED", "13"))
TOTAL = int(os.environ.get("FUZZ_UPDATES", "2000"))
BATCH = 40  # updates sent before waiting for the bot to settle

HELPER_2 = 8102
VISITORS = {8201: "de", 8202: "ar", 8203: "fa", 8204: "uk", 8205: "ru", 8206: "en", 8207: "tr", 8208: "ps"}
MEMBERS = [8301, 8302, 8303, 8304]  # in the groups, never talked to the bot
GROUP, SUPERGROUP, CHANNEL = -4242, -100777888, -1009999
COMMANDS = [
    "start", "menu", "help", "faq", "ask", "book", "mybookings", "subscribe", "events", "agenda",
    "assignments", "profile", "assign", "invite", "slots", "unanswered", "newevent", "broadcast",
    "broadcasts", "topics", "flyer", "language", "privacy", "deletedata", "cancel", "nonsense",
]  # fmt: skip
DEEP_LINKS = [
    "lang-de",
    "lang-ar",
    "lang-xx",
    "book-1",
    "book-",
    "book-999999999999",
    "inv-x",
    "x" * 64,
    "\x00",
]
QUESTIONS = [
    "Wie kann ich einen Deutschkurs finden?", "Wo ist ein Arzt?", "Ich brauche eine Wohnung",
    "كيف أجد دورة لغة ألمانية؟", "کلاس زبان آلمانی کجاست؟", "Де знайти лікаря?", "Привет",
    "Hallo", "Danke", "Brief vom Jobcenter", "Mein Mann schlägt mich",
]  # fmt: skip
ODD_TEXTS = [
    "", " ", "\n\t", "\x00", "a\x00b", "\u200f\u202eabc\u202c", "\u2066RTL\u2069", "\ufeff", "\u0301\u0301",
    "👍🏽👨‍👩‍👧‍👦🏳️‍🌈", "<b>bold</b>", "<a href='javascript:x'>x</a>", "&lt;&amp;", "{name}", "%s %d", "{0}",
    "0", "-1", "2147483648", "9223372036854775808", "1e308", "NaN", "31.02.2026", "25:61", "morgen 10:00",
    "heute", "2026-03-24 10:00", "\U0010ffff", "\uffff", "x" * 4096, "y" * 4097, "z" * 5000,
]  # fmt: skip
RANGES = [
    (0x20, 0x7E), (0x00, 0x1F), (0x7F, 0x9F), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF),
    (0x590, 0x5FF), (0x600, 0x6FF), (0x900, 0x97F), (0x200B, 0x200F), (0x2028, 0x202E), (0x2066, 0x2069),
    (0x4E00, 0x9FFF), (0xE000, 0xF8FF), (0xFE00, 0xFFFF), (0x1F300, 0x1FAFF), (0x10000, 0x10FFFF),
]  # fmt: skip
INTS = [0, -1, 1, 2, 3, 7, 999, 1000, 1439, 1440, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1]
STRINGS = [
    "", "de", "ar", "fa", "uk", "ru", "en", "xx", "-", "other", "german-courses", "doctor", "health",
    "visitor", "helper", "organizer", "admin", "20260324", "2026-03-24", "2026-02-30", "99999999", "ä", "🙂",
    "x" * 40, "a b", "\x00",
]  # fmt: skip
WRONG_ENUMS = ["", "zzz", "TAKE", "take ", "0", "\x00"]
# Content a person (or their app) can send, as Message field names of the field list.
CONTENT_FIELDS = [
    "animation", "audio", "document", "photo", "sticker", "story", "video", "video_note", "voice",
    "contact", "dice", "game", "poll", "venue", "location", "new_chat_members", "left_chat_member",
    "new_chat_title", "delete_chat_photo", "group_chat_created", "pinned_message", "web_app_data",
    "forward_origin", "quote", "link_preview_options", "checklist", "giveaway", "users_shared",
    "chat_shared", "write_access_allowed", "proximity_alert_triggered", "forum_topic_created",
    "video_chat_started", "migrate_to_chat_id", "invoice", "successful_payment", "passport_data",
]  # fmt: skip
OTHER_UPDATES = [
    "my_chat_member", "chat_member", "message_reaction", "message_reaction_count", "inline_query",
    "chosen_inline_result", "poll", "poll_answer", "chat_join_request", "chat_boost", "removed_chat_boost",
    "shipping_query", "pre_checkout_query", "business_message", "deleted_business_messages",
]  # fmt: skip


class FieldList:
    """Objects of the Bot API field list: required fields always, optional ones now and then; a field
    that picks one of several shapes (e.g. ChatMember) gets the value aiogram's model fixes for it."""

    def __init__(self, fuzz: Fuzzer) -> None:
        self.types: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))["types"]
        self.fuzz = fuzz

    def fields(self, name: str) -> list[dict[str, Any]]:
        return list(self.types.get(name, {}).get("fields", []))

    def make(self, kind: str, depth: int = 0) -> Any:
        rng, fuzz = self.fuzz.rng, self.fuzz
        if kind.startswith("Array of "):
            return [self.make(kind[len("Array of ") :], depth + 1) for _ in range(rng.randint(1, 2))]
        if kind == "Integer":
            return rng.choice(INTS)
        if kind == "Float":
            return rng.choice([0.0, -1.5, 52.4739, 9.8539, 90.0, 180.0, 999.9, 1e-9])
        if kind == "Boolean":
            return rng.random() < 0.5
        if kind == "String":
            return fuzz.text(short=True)
        if kind == "User":
            return fuzz.user_object(rng.choice(fuzz.everyone))
        if kind == "Chat":
            return fuzz.chat_object(rng.choice(list(fuzz.world.chats)))
        if kind in ("Message", "MaybeInaccessibleMessage") and depth > 0:
            return fuzz.stub_message(rng.choice(list(fuzz.world.chats)))
        spec = self.types.get(kind)
        if spec is None:
            return {}
        if spec.get("subtypes"):
            return self.make(rng.choice(spec["subtypes"]), depth)
        fixed = literal_fields(kind)
        result: dict[str, Any] = {}
        for field in spec["fields"]:
            name = field["name"]
            if name in fixed:
                result[name] = fixed[name]
            elif field["required"] or (depth < 2 and rng.random() < 0.15):
                result[name] = self.make(rng.choice(field["types"]), depth + 1)
        if "file_id" in result:
            record = fuzz.world.new_file(kind.lower(), "file.bin", "application/octet-stream", b"fuzz")
            result["file_id"], result["file_unique_id"] = record.file_id, record.file_unique_id
        return result


def literal_fields(kind: str) -> dict[str, Any]:
    """The fields aiogram's model of `kind` fixes (its discriminator: a ChatMember's status, ...)."""
    model = getattr(aiogram.types, kind, None)
    if model is None or not hasattr(model, "model_fields"):
        return {}
    return {
        name: field.default.value if isinstance(field.default, Enum) else field.default
        for name, field in model.model_fields.items()
        if get_origin(field.annotation) is Literal
    }


class Fuzzer:
    def __init__(self, bot: BotHarness, rng: random.Random) -> None:
        self.bot = bot
        self.emu = bot.emu
        self.world: World = bot.emu.world
        self.rng = rng
        self.spec = FieldList(self)
        self.schemas = callback_schemas()
        self.people = [ORGANIZER_ID, HELPER_ID, HELPER_2, *VISITORS]  # have a private chat with the bot
        self.everyone = [*self.people, *MEMBERS]
        self.sent: dict[int, str] = {}  # update id → what it was, for the failure message
        self.presses: list[dict[str, Any]] = []

    # --- values ---------------------------------------------------------------------------------------
    def text(self, short: bool = False) -> str:
        rng = self.rng
        pick = rng.random()
        if pick < 0.2:
            value = rng.choice(ODD_TEXTS)
        elif pick < 0.35:
            value = rng.choice(QUESTIONS)
        elif pick < 0.5:
            value = f"/{rng.choice(COMMANDS)}" + rng.choice(
                ["", " ", f" {rng.choice(DEEP_LINKS)}", "@helfernetz_demo_bot"]
            )
        else:
            value = self.unicode(rng.choice([1, 5, 20, 80, 300]) if not short else rng.randint(0, 12))
        if rng.random() < 0.1:
            at = rng.randint(0, len(value))
            value = value[:at] + "\x00" + value[at:]
        return value[:64] if short else value

    def unicode(self, length: int) -> str:
        rng, chars = self.rng, []
        while len(chars) < length:
            low, high = rng.choice(RANGES)
            code = rng.randint(low, high)
            if not 0xD800 <= code <= 0xDFFF:  # lone surrogates cannot be sent as UTF-8 JSON
                chars.append(chr(code))
        return "".join(chars)

    def user_object(self, uid: int) -> dict[str, Any]:
        user = dict(self.world.user(uid))
        if self.rng.random() < 0.1:
            user["language_code"] = self.rng.choice(["", "xx", "zh-hans", "de-AT", "ar_SA", "q" * 40])
        return user

    def chat_object(self, chat_id: int) -> dict[str, Any]:
        return dict(self.world.chats[chat_id].chat)

    def stub_message(self, chat_id: int) -> dict[str, Any]:
        chat = self.world.chats[chat_id]
        if chat.messages and self.rng.random() < 0.7:
            return {
                k: v for k, v in self.rng.choice(chat.messages).message.items() if k != "reply_to_message"
            }
        return {"message_id": self.rng.choice([1, 2**31, 10**6]), "date": 0, "chat": dict(chat.chat)}

    def callback_data(self) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            return self.text(short=True) if rng.random() < 0.8 else self.unicode(rng.randint(30, 90))
        schema = rng.choice(self.schemas)
        value = self.plausible if rng.random() < 0.5 else self.boundary
        data = pack_raw(schema, **{name: value(schema, name) for name in schema.model_fields})
        if rng.random() < 0.25:
            data = self.garble(data)
        return data

    def boundary(self, schema: type[CallbackData], name: str) -> Any:
        """Values at and beyond the edges, and wrong ones."""
        rng, field = self.rng, schema.model_fields[name]
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, Enum):
            return rng.choice(list(kind)) if rng.random() < 0.7 else rng.choice(WRONG_ENUMS)
        if kind is int:
            return rng.choice(INTS)
        if kind is bool:
            return rng.choice([True, False, "2", "x", ""])
        return rng.choice(STRINGS)

    def plausible(self, schema: type[CallbackData], name: str) -> Any:
        """Values a button of the bot could carry (small ids hit the sample data's rows), so that the
        press gets past unpacking into the handlers and services."""
        rng, field = self.rng, schema.model_fields[name]
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, Enum):
            return rng.choice(list(kind))
        if kind is bool:
            return rng.random() < 0.5
        if name == "day":
            day = date.today() + timedelta(days=rng.randint(-2, 20))
            if kind is int:
                return int(day.strftime("%Y%m%d")) if rng.random() < 0.8 else 0
            return rng.choice([day.strftime("%Y%m%d"), day.isoformat(), ""])
        if kind is int:
            return -1 if name == "minute" and rng.random() < 0.5 else rng.randint(0, 6)
        if name in ("lang", "code", "language"):
            return rng.choice(["", "de", "ar", "fa", "uk", "ru", "en", "-", "other"])
        if name == "role":
            return rng.choice(["", "visitor", "helper", "organizer"])
        if name in ("key", "kind", "area"):
            return rng.choice(["", "german-courses", "doctor", "health", "de", "ar", "escort", "linden"])
        return rng.choice(["", "main", "events", "book", "faq", "handoff", "subscribe", "mybookings"])

    def garble(self, data: str) -> str:
        rng = self.rng
        how = rng.randrange(6)
        if how == 0 and data:
            return data[: rng.randrange(len(data))]  # truncated
        if how == 1 and data:
            at = rng.randrange(len(data))
            return data[:at] + self.unicode(1) + data[at + 1 :]
        if how == 2:
            return data + SEPARATOR + rng.choice(STRINGS)  # one field too many
        if how == 3:
            return SEPARATOR.join(data.split(SEPARATOR)[:-1])  # one too few
        if how == 4:
            return rng.choice(self.schemas).__prefix__ + data[data.find(SEPARATOR) :]  # another schema's
        return data.replace(SEPARATOR, SEPARATOR * 2, 1)

    # --- actions --------------------------------------------------------------------------------------
    def step(self) -> None:
        rng = self.rng
        actions = [
            (25, self.private_text),
            (7, self.group_text),
            (7, self.media),
            (10, self.raw_message),
            (5, self.edit),
            (3, self.channel_post),
            (10, self.press_random),
            (17, self.press_schema),
            (8, self.press_in_helpers_group),
            (6, self.press_real_button),
            (2, self.raw_callback),
            (2, self.other_update),
        ]
        action = rng.choices([a for _, a in actions], [w for w, _ in actions])[0]
        update_id, what = action()
        self.sent[update_id] = what

    def private_text(self) -> tuple[int, str]:
        uid = self.rng.choice(self.people)
        text = self.text() or "."
        sent = self.emu.user_sends(uid, text)
        return sent["update_id"], f"text from {uid}: {text[:80]!r}"

    def group_member(self, chat_id: int) -> int:
        return self.rng.choice(sorted(self.world.chats[chat_id].members))

    def group_text(self) -> tuple[int, str]:
        chat_id = self.rng.choice([HELPERS_CHAT_ID, GROUP, SUPERGROUP])
        uid = self.group_member(chat_id)
        text = self.text() or "."
        reply_to = None
        bot_messages = [s for s in self.world.chats[chat_id].messages if s.from_bot and not s.deleted]
        if bot_messages and self.rng.random() < 0.4:  # e.g. an answer to a relay
            reply_to = self.rng.choice(bot_messages).message["message_id"]
        sent = self.emu.user_sends(uid, text, chat_id=chat_id, reply_to_message_id=reply_to)
        return sent["update_id"], f"text in {chat_id} from {uid} (reply to {reply_to}): {text[:80]!r}"

    def media(self) -> tuple[int, str]:
        rng = self.rng
        kind = rng.choice(["sticker", "photo", "voice", "location", "document"])
        chat_id = rng.choice([None, None, None, HELPERS_CHAT_ID, GROUP])
        uid = rng.choice(self.people) if chat_id is None else self.group_member(chat_id)
        caption = self.text() if kind in ("photo", "document", "voice") and rng.random() < 0.6 else None
        sent = self.emu.user_sends(
            uid,
            None,
            chat_id=chat_id,
            kind=kind,
            caption=caption or None,
            latitude=rng.uniform(-90, 90),
            longitude=rng.uniform(-180, 180),
            file_name=self.unicode(rng.randint(1, 30)).replace("\x00", "") or "f",
        )
        return sent["update_id"], f"{kind} in {chat_id or uid} from {uid}, caption {str(caption)[:60]!r}"

    def raw_message(self, kind: str = "message") -> tuple[int, str]:
        """A message the app would not make: any content of the field list, empty text, a bot sender."""
        rng = self.rng
        chat_id = rng.choice([*rng.sample(self.people, 3), HELPERS_CHAT_ID, GROUP, SUPERGROUP])
        private = chat_id > 0
        sender = chat_id if private else self.group_member(chat_id)
        message: dict[str, Any] = {
            "message_id": 0,  # the emulator gives the next one of the chat
            "date": int(time.time()),
            "chat": self.chat_object(chat_id),
            "from": self.user_object(sender),
        }
        if rng.random() < 0.05:
            message["from"] = {"id": sender, "is_bot": True, "first_name": "Bot"}
        if not private and rng.random() < 0.1:  # an anonymous admin
            message["from"] = {
                "id": 1087968824,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
            message["sender_chat"] = self.chat_object(chat_id)
        pick = rng.random()
        if pick < 0.3:
            message["text"] = self.text()
            if rng.random() < 0.3:
                message["entities"] = [self.spec.make("MessageEntity")]
        else:
            field = rng.choice(CONTENT_FIELDS)
            types = next(f["types"] for f in self.spec.fields("Message") if f["name"] == field)
            message[field] = self.spec.make(rng.choice(types), 1)
            if rng.random() < 0.4:
                message["caption"] = self.text()
        if rng.random() < 0.1:
            message["reply_to_message"] = self.stub_message(chat_id)
        update_id = self.emu.push_message(message, kind)
        shown = {k: v for k, v in message.items() if k not in ("chat", "from", "date")}
        return (
            update_id,
            f"raw {kind} in {chat_id} from {sender}: {json.dumps(shown, ensure_ascii=False)[:200]}",
        )

    def edit(self) -> tuple[int, str]:
        rng = self.rng
        uid = rng.choice(self.people)
        mine = [
            s.message["message_id"]
            for s in self.world.chats[uid].messages
            if not s.from_bot and not s.deleted and "text" in s.message
        ]
        if not mine or rng.random() < 0.3:
            return self.raw_message("edited_message")
        message_id = rng.choice(mine)
        text = self.text() or "."
        sent = self.emu.user_edits(uid, message_id, text)
        return sent["update_id"], f"edit by {uid} of {message_id}: {text[:80]!r}"

    def channel_post(self) -> tuple[int, str]:
        rng = self.rng
        message: dict[str, Any] = {
            "message_id": 0,
            "date": int(time.time()),
            "chat": self.chat_object(CHANNEL),
            "sender_chat": self.chat_object(CHANNEL),
            "text" if rng.random() < 0.7 else "caption": self.text(),
        }
        kind = rng.choice(["channel_post", "edited_channel_post"])
        return self.emu.push_message(message, kind), f"{kind}: {str(message.get('text'))[:80]!r}"

    def press(self, uid: int, chat_id: int, message_id: int, data: str, how: str) -> tuple[int, str]:
        record = self.emu.user_presses(uid, message_id, data, chat_id=chat_id, check_button=False)
        self.presses.append(record)
        return record["update_id"], f"{how} press by {uid} in {chat_id} on {message_id}: {data!r}"

    def bot_message(self, chat_id: int) -> int | None:
        messages = [
            s.message["message_id"]
            for s in self.world.chats[chat_id].messages
            if s.from_bot and not s.deleted
        ]
        return self.rng.choice(messages[-30:]) if messages else None

    def press_random(self) -> tuple[int, str]:
        uid = self.rng.choice(self.people)
        message_id = self.bot_message(uid)
        if message_id is None:
            return self.private_text()
        return self.press(uid, uid, message_id, self.text(short=True), "random")

    def press_schema(self) -> tuple[int, str]:
        uid = self.rng.choice(self.people)
        message_id = self.bot_message(uid)
        if message_id is None:
            return self.private_text()
        return self.press(uid, uid, message_id, self.callback_data(), "schema")

    def press_in_helpers_group(self) -> tuple[int, str]:
        chat_id = HELPERS_CHAT_ID if self.rng.random() < 0.8 else self.rng.choice([GROUP, SUPERGROUP])
        message_id = self.bot_message(chat_id)
        if message_id is None:
            return self.group_text()
        uid = self.group_member(chat_id)
        return self.press(uid, chat_id, message_id, self.callback_data(), "group")

    def press_real_button(self) -> tuple[int, str]:
        """A button the bot really showed (a walk through the dialogs), by its reader or anyone else."""
        rng = self.rng
        chat_id = rng.choice([*self.people, HELPERS_CHAT_ID])
        shown = [
            (s.message["message_id"], b["callback_data"])
            for s in self.world.chats[chat_id].messages[-20:]
            if s.from_bot and not s.deleted and s.markup
            for row in s.markup.get("inline_keyboard", [])
            for b in row
            if "callback_data" in b
        ]
        if not shown:
            return self.press_schema()
        message_id, data = rng.choice(shown)
        uid = chat_id if chat_id > 0 else self.group_member(chat_id)
        return self.press(uid, chat_id, message_id, data, "real")

    def raw_callback(self) -> tuple[int, str]:
        """A press the app would not make: no message (inline), an inaccessible one, no data, by a bot."""
        rng = self.rng
        uid = rng.choice(self.everyone)
        query: dict[str, Any] = {
            "id": f"fuzz-{len(self.sent)}",
            "from": self.user_object(uid),
            "chat_instance": str(rng.randint(1, 10**12)),
        }
        shape = rng.randrange(4)
        if shape == 0:
            query["inline_message_id"] = self.text(short=True) or "x"
        elif shape == 1:
            chat_id = rng.choice([uid if uid in self.people else HELPERS_CHAT_ID, HELPERS_CHAT_ID])
            query["message"] = {
                "chat": self.chat_object(chat_id),
                "message_id": rng.choice([1, 2, 2**31]),
                "date": 0,
            }
        elif shape == 2:
            query["from"] = {**query["from"], "is_bot": True}
        if rng.random() < 0.85:
            query["data"] = self.callback_data()
        else:
            query["game_short_name"] = "game"
        if "message" not in query and "inline_message_id" not in query:
            query["inline_message_id"] = "x"
        update_id = self.emu.push_update({"callback_query": query})
        record = self.world.callbacks[query["id"]]
        self.presses.append(record)
        return update_id, f"raw callback: {json.dumps(query, ensure_ascii=False)[:200]}"

    def other_update(self) -> tuple[int, str]:
        kind = self.rng.choice(OTHER_UPDATES)
        field = next(f for f in self.spec.fields("Update") if f["name"] == kind)
        value = self.spec.make(field["types"][0])
        return self.emu.push_update({kind: value}), f"{kind}: {json.dumps(value, ensure_ascii=False)[:200]}"


async def set_up(bot: BotHarness) -> None:
    """People, groups and sample data; a relay in the helpers' group to press on."""
    emu = bot.emu
    for member in MEMBERS:
        emu.add_user(member, language_code="de", started=False)
    visitors = list(VISITORS)
    emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID, HELPER_ID, HELPER_2, *visitors[:3], *MEMBERS])
    emu.add_group(GROUP, "Nachbarschaft", [visitors[3], visitors[4], *MEMBERS[:2]], kind="group")
    emu.add_group(SUPERGROUP, "Deutschkurs", [HELPER_ID, visitors[5], *MEMBERS[2:]])
    emu.add_group(CHANNEL, "Neuigkeiten", [ORGANIZER_ID], kind="channel")
    await seed_sample_data(bot)
    await make_helper(bot, HELPER_2)
    for uid, lang in [(ORGANIZER_ID, "de"), (HELPER_ID, "de"), (HELPER_2, "uk"), *VISITORS.items()]:
        await start(bot, uid, lang)
    await relay_of_a_question(bot, visitors[1], "Wer hilft mir beim Antrag auf Wohngeld?")


# Buttons of the menu and of the visitors' dialogs: they belong in private chats only.
SCREENS = [
    schema
    for schema in callback_schemas()
    if schema in (MenuCb, LangCb, FaqCb)
    or schema.__module__
    in ("handlers.booking.callbacks", "handlers.broadcast.callbacks", "handlers.core.callbacks")
]


def is_screen(data: str) -> bool:
    for schema in SCREENS:
        try:
            schema.unpack(data)
        except (TypeError, ValueError):
            continue
        return True
    return False


def explain(fuzz: Fuzzer, records: list[logging.LogRecord], violations: list[dict[str, Any]]) -> str:
    """The seed, the problems, and the generated updates they came from."""
    lines = [f"FUZZ_SEED={SEED} FUZZ_UPDATES={TOTAL}"]
    for record in records:
        if record.exc_info is not None or record.levelno >= logging.ERROR:
            update_id = getattr(record, "update_id", None)
            lines.append(f"{record.levelname} {record.getMessage()[:300]} <- {fuzz.sent.get(update_id or 0)}")
    for violation in violations[:20]:
        lines.append(f"refused: {json.dumps(violation, ensure_ascii=False)[:300]}")
        params = violation.get("params", {})
        where = f" in {params.get('chat_id')} on {params.get('message_id')}:"
        lines += [f"  <- {update_id}: {what}" for update_id, what in fuzz.sent.items() if where in what]
    return "\n".join(lines)


@pytest.mark.pg_e2e
async def test_fuzz(db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    print(f"fuzz seed {SEED}, {TOTAL} updates on {db_kind} (replay: FUZZ_SEED={SEED})")
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path) as bot:
        await set_up(bot)
        fuzz = Fuzzer(bot, random.Random(SEED))
        started = time.perf_counter()
        for sent in range(1, TOTAL + 1):
            fuzz.step()
            if sent % BATCH == 0 or sent == TOTAL:
                await bot.settle(0.1, limit=30)
                if sent % (BATCH * 5) == 0:
                    await bot.deliver()
        await bot.deliver()
        await bot.settle(0.3)
        elapsed = time.perf_counter() - started
        print(f"fuzz on {db_kind}: {TOTAL} updates in {elapsed:.1f} s")

        report = explain(fuzz, caplog.records, bot.emu.violations)
        assert problems(caplog.records) == [], report
        assert bot.emu.violations == [], report
        unanswered = [r for r in fuzz.presses if not r["answered"]]
        assert unanswered == [], report
        assert bot._polling is not None and not bot._polling.done(), report
        # in groups the bot relays questions and says short things: no menus, no dialog screens
        assert bot.emu.bot_messages(CHANNEL) == []
        for chat_id in (HELPERS_CHAT_ID, GROUP, SUPERGROUP):
            for shown in bot.emu.bot_messages(chat_id):
                assert not [data for _, data in buttons(shown) if is_screen(data)], (shown, report)

        fresh = 8999
        bot.user(fresh, language_code="de")
        reply = await bot.say(fresh, "Wie kann ich einen Deutschkurs finden?", timeout=10)
        assert text_of(reply).startswith(load_content().entries["de"]["german-courses"].title), report
        assert bot.emu.violations == [], report
    assert problems(caplog.records) == []
