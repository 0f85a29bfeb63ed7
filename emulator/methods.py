"""The Bot API method table, and the methods about the bot and chats (commands, names, getChat…).

Methods that write into chats are in methods_messages.py; getUpdates and the webhook methods in
updates.py. Every method here must exist in the published spec.
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any

from emulator.calls import Call, Handler
from emulator.methods_messages import MessageMethods
from emulator.updates import UpdateQueue
from emulator.validation import ApiSpec, bad_request
from emulator.world import World, scope_key

__all__ = ["BotMethods", "all_commands", "build_handlers", "commands_for_chat"]

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANG_RE = re.compile(r"[a-z]{2}")


def build_handlers(
    spec: ApiSpec, messages: MessageMethods, bot: BotMethods, updates: UpdateQueue
) -> dict[str, Handler]:
    """Method name → implementation, for every method the emulator answers."""
    handlers: dict[str, Handler] = {
        "getMe": bot.get_me,
        "logOut": bot.true,
        "close": bot.true,
        "getUpdates": updates.get_updates,
        "setWebhook": updates.set_webhook,
        "deleteWebhook": updates.delete_webhook,
        "getWebhookInfo": updates.get_webhook_info,
        "sendMessage": messages.send_message,
        "sendVenue": messages.send_venue,
        "sendLocation": messages.send_location,
        "sendDocument": messages.send_document,
        "sendPhoto": messages.send_photo,
        "copyMessage": messages.copy_message,
        "forwardMessage": messages.forward_message,
        "sendChatAction": messages.send_chat_action,
        "editMessageText": messages.edit_message_text,
        "editMessageCaption": messages.edit_message_caption,
        "editMessageReplyMarkup": messages.edit_message_reply_markup,
        "deleteMessage": messages.delete_message,
        "deleteMessages": messages.delete_messages,
        "answerCallbackQuery": messages.answer_callback_query,
        "setMyCommands": bot.set_my_commands,
        "getMyCommands": bot.get_my_commands,
        "deleteMyCommands": bot.delete_my_commands,
        "setChatMenuButton": bot.set_chat_menu_button,
        "getChatMenuButton": bot.get_chat_menu_button,
        "setMyName": partial(bot.set_bot_text, "name", 64),
        "setMyDescription": partial(bot.set_bot_text, "description", 512),
        "setMyShortDescription": partial(bot.set_bot_text, "short_description", 120),
        "getMyName": partial(bot.get_bot_text, "name"),
        "getMyDescription": partial(bot.get_bot_text, "description"),
        "getMyShortDescription": partial(bot.get_bot_text, "short_description"),
        "getChat": bot.get_chat,
        "getChatMember": bot.get_chat_member,
        "getChatMemberCount": bot.get_chat_member_count,
        "getFile": bot.get_file,
    }
    missing = set(handlers) - set(spec.methods)
    if missing:
        raise RuntimeError(f"handlers for methods not in the spec: {sorted(missing)}")
    return handlers


class BotMethods:
    """What the bot asks or sets about itself, chats, members and files."""

    def __init__(self, world: World) -> None:
        self.world = world

    async def true(self, call: Call) -> bool:
        return True

    async def get_me(self, call: Call) -> dict[str, Any]:
        return {
            **call.bot,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # ------------------------------------------------------------------ commands, menu, names

    def _commands_key(self, args: dict[str, Any]) -> tuple[str, str]:
        language = args.get("language_code") or ""
        if language and not _LANG_RE.fullmatch(language):
            raise bad_request("invalid language code specified")
        return scope_key(args.get("scope")), language

    async def set_my_commands(self, call: Call) -> bool:
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
            self.world.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.world.commands.pop(key, None)
        self.world.notify()
        return True

    async def get_my_commands(self, call: Call) -> list[dict[str, Any]]:
        return list(self.world.commands.get(self._commands_key(call.args), []))

    async def delete_my_commands(self, call: Call) -> bool:
        self.world.commands.pop(self._commands_key(call.args), None)
        self.world.notify()
        return True

    async def set_chat_menu_button(self, call: Call) -> bool:
        chat_id = call.args.get("chat_id")
        if chat_id is not None:
            chat_id = self.world.lookup_chat(chat_id).id
        self.world.menu_buttons[chat_id] = call.args.get("menu_button") or {"type": "default"}
        return True

    async def get_chat_menu_button(self, call: Call) -> dict[str, Any]:
        chat_id = call.args.get("chat_id")
        if chat_id is not None:
            chat_id = self.world.lookup_chat(chat_id).id
        buttons = self.world.menu_buttons
        return buttons.get(chat_id) or buttons.get(None) or {"type": "default"}

    async def set_bot_text(self, kind: str, limit: int, call: Call) -> bool:
        language = call.args.get("language_code") or ""
        if language and not _LANG_RE.fullmatch(language):
            raise bad_request("invalid language code specified")
        value = call.args.get(kind) or ""
        if len(value) > limit:
            raise bad_request(f"{kind} is too long (at most {limit} characters)")
        if value:
            self.world.bot_texts[(kind, language)] = value
        else:
            self.world.bot_texts.pop((kind, language), None)
        return True

    async def get_bot_text(self, kind: str, call: Call) -> dict[str, Any]:
        language = call.args.get("language_code") or ""
        texts = self.world.bot_texts
        value = texts.get((kind, language)) or texts.get((kind, ""), "")
        if kind == "name" and not value:
            value = self.world.bot_first_name
        return {kind: value}

    # ------------------------------------------------------------------ chats, members, files

    async def get_chat(self, call: Call) -> dict[str, Any]:
        chat = self.world.lookup_chat(call.args["chat_id"])
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

    async def get_chat_member(self, call: Call) -> dict[str, Any]:
        chat = self.world.lookup_chat(call.args["chat_id"])
        user_id = call.args["user_id"]
        if user_id == call.bot["id"]:
            return {"status": "member", "user": call.bot}
        user = self.world.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return {"status": "member" if user_id in chat.members else "left", "user": dict(user)}

    async def get_chat_member_count(self, call: Call) -> int:
        return len(self.world.lookup_chat(call.args["chat_id"]).members) + 1

    async def get_file(self, call: Call) -> dict[str, Any]:
        record = self.world.files.get(call.args["file_id"])
        if record is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.data),
            "file_path": record.file_path,
        }


def all_commands(world: World) -> list[dict[str, Any]]:
    """Every command list the bot set, with its scope and language (control API)."""
    return [
        {"scope": json.loads(scope), "language_code": lang, "commands": cmds}
        for (scope, lang), cmds in world.commands.items()
    ]


def commands_for_chat(
    world: World, chat_id: int, user_id: int | None, language_code: str = ""
) -> list[dict[str, Any]]:
    """The command menu a user sees in a chat, picked as Telegram picks it: the narrowest scope that has a
    list, in the user's language before the list without one. (Administrator scopes are left out: the
    emulator has no administrators.)"""
    chat_id = int(chat_id)
    scopes: list[dict[str, Any]] = [{"type": "chat", "chat_id": chat_id}]
    if chat_id > 0:
        scopes.append({"type": "all_private_chats"})
    else:
        if user_id is not None:
            scopes.insert(0, {"type": "chat_member", "chat_id": chat_id, "user_id": int(user_id)})
        scopes.append({"type": "all_group_chats"})
    scopes.append({"type": "default"})
    language = (language_code or "").lower()[:2]
    for scope in scopes:
        for lang in dict.fromkeys((language, "")):
            found = world.commands.get((scope_key(scope), lang))
            if found:
                return list(found)
    return []
