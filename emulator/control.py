"""The control side: the /_emu/* routes (another process, the web chat page), stats, and waiting
for the bot's answers (tests in-process).

The routes only call BotAPIEmulator's public methods, so in-process and HTTP control do the same.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from aiohttp import hdrs, web

from emulator.calls import CallLog
from emulator.faults import FaultPlan
from emulator.page import page_config
from emulator.updates import UpdateQueue
from emulator.wire import json_response, read_body
from emulator.world import World, public_callback

__all__ = ["ControlRoutes", "Controlled", "collect_stats", "wait_for_bot_message"]


class Controlled(Protocol):
    """What the routes use of BotAPIEmulator (a protocol, so this module does not import server.py)."""

    world: World
    call_log: CallLog
    token: str
    personas: list[dict[str, Any]]

    @property
    def violations(self) -> list[dict[str, Any]]: ...
    @property
    def stats(self) -> dict[str, Any]: ...
    @property
    def faults(self) -> dict[str, Any]: ...
    def add_user(
        self,
        user_id: int,
        language_code: str | None = None,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        started: bool = True,
    ) -> dict[str, Any]: ...
    def add_group(self, chat_id: int, title: str, member_ids: Iterable[int] = ()) -> dict[str, Any]: ...
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
    ) -> dict[str, Any]: ...
    def user_edits(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None
    ) -> dict[str, Any]: ...
    def user_presses(
        self,
        user_id: int,
        message_id: int,
        data: str,
        chat_id: int | None = None,
        *,
        check_button: bool = True,
    ) -> dict[str, Any]: ...
    def push_update(self, update: dict[str, Any]) -> int: ...
    def block(self, user_id: int, blocked: bool = True) -> None: ...
    def configure_faults(self, **changes: Any) -> dict[str, Any]: ...
    def reset(self) -> None: ...
    def chats(self) -> list[dict[str, Any]]: ...
    def messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]: ...
    def changed_messages(self, chat_id: int, since_rev: int) -> list[dict[str, Any]]: ...
    def commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]: ...
    def all_commands(self) -> list[dict[str, Any]]: ...
    def chat_commands(
        self, chat_id: int, user_id: int | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]: ...
    def callback(self, query_id: str) -> dict[str, Any] | None: ...


def collect_stats(log: CallLog, faults: FaultPlan, updates: UpdateQueue) -> dict[str, Any]:
    by_status = log.by_status
    return {
        "calls_total": log.total,
        "calls_by_method": dict(log.by_method),
        "responses_by_status": dict(by_status),
        "responses_429": by_status[429],
        "responses_5xx": sum(n for s, n in by_status.items() if s >= 500),
        "timeouts": faults.timeouts,
        "abandoned": faults.abandoned,
        "messages_delivered": sum(faults.delivered_by_chat.values()),
        "delivered_by_chat": dict(faults.delivered_by_chat),
        "violations": len(log.violations),
        "updates_queued": updates.queued,
        "updates_pending": len(updates.queue),
        "webhook_posts": updates.webhook_posts,
        "webhook_failures": updates.webhook_failures,
    }


async def wait_for_bot_message(
    world: World,
    log: CallLog,
    chat_id: int,
    predicate: Callable[[dict[str, Any]], bool] | None = None,
    timeout: float = 5.0,
    after: int | None = None,
) -> dict[str, Any]:
    """BotAPIEmulator.wait_for: the next bot message in the chat (matching `predicate`), as a view."""
    chat_id = int(chat_id)
    if after is None:
        after = max(world.last_user_message.get(chat_id, 0), world.wait_cursor.get(chat_id, 0))
    start = after

    def find() -> dict[str, Any] | None:
        chat = world.chats.get(chat_id)
        if chat is None:
            return None
        for stored in chat.messages[start:]:
            if stored.from_bot:
                view = world.view(chat, stored)
                if predicate is None or predicate(view):
                    return view
        return None

    try:
        found = await world.wait_until(find, timeout, f"bot message in chat {chat_id} after #{start}")
    except TimeoutError as error:
        recent = [
            (m["message_id"], "bot" if m["from_bot"] else "user", m["text"])
            for m in world.messages(chat_id)[-5:]
        ]
        # the last violations often say why the bot did not answer
        raise TimeoutError(f"{error}; last messages: {recent}; violations: {log.violations[-3:]}") from None
    world.wait_cursor[chat_id] = found["message_id"]
    return found


class ControlRoutes:
    """The /_emu/* routes over one emulator."""

    def __init__(self, emu: Controlled) -> None:
        self.emu = emu

    def add_to(self, app: web.Application) -> None:
        routes = [
            ("POST", "/_emu/users", self.users),
            ("POST", "/_emu/groups", self.groups),
            ("POST", "/_emu/message", self.message),
            ("POST", "/_emu/edit", self.edit),
            ("POST", "/_emu/press", self.press),
            ("POST", "/_emu/update", self.update),
            ("POST", "/_emu/block", self.block),
            ("POST", "/_emu/faults", self.faults),
            ("GET", "/_emu/faults", self.faults),
            ("POST", "/_emu/reset", self.reset),
            ("GET", "/_emu/chats", self.chats),
            ("GET", "/_emu/chats/{chat_id}/messages", self.messages),
            ("GET", "/_emu/calls", self.calls),
            ("GET", "/_emu/violations", self.violations),
            ("GET", "/_emu/stats", self.stats),
            ("GET", "/_emu/commands", self.commands),
            ("GET", "/_emu/config", self.config),
            ("GET", "/_emu/callbacks/{query_id}", self.callback),
            ("GET", "/_emu/files/{file_id}", self.file),
        ]
        for verb, path, handler in routes:
            app.router.add_route(verb, path, _control(handler))

    async def users(self, request: web.Request) -> Any:
        body = await read_body(request)
        user = self.emu.add_user(
            body["user_id"],
            language_code=body.get("language_code"),
            first_name=body.get("first_name"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            started=bool(body.get("started", True)),
        )
        return {"user": user}

    async def groups(self, request: web.Request) -> Any:
        body = await read_body(request)
        return {
            "chat": self.emu.add_group(
                body["chat_id"], body.get("title", "Group"), body.get("member_ids", [])
            )
        }

    async def message(self, request: web.Request) -> Any:
        body = await read_body(request)
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
                "duration",
            )
            if body.get(k) is not None
        }
        if body.get("data_base64") is not None:  # the page's sample photo and voice note
            extra["data"] = base64.b64decode(body["data_base64"], validate=True)
        view = self.emu.user_sends(body["user_id"], body.get("text"), body.get("chat_id"), **extra)
        return {"update_id": view.pop("update_id"), "message": view}

    async def edit(self, request: web.Request) -> Any:
        body = await read_body(request)
        view = self.emu.user_edits(body["user_id"], body["message_id"], body["text"], body.get("chat_id"))
        return {"update_id": view.pop("update_id"), "message": view}

    async def press(self, request: web.Request) -> Any:
        body = await read_body(request)
        record = self.emu.user_presses(
            body["user_id"],
            body["message_id"],
            body["data"],
            body.get("chat_id"),
            check_button=bool(body.get("check_button", True)),
        )
        return {
            "update_id": record["update_id"],
            "callback_query_id": record["id"],
            "callback": public_callback(record),
        }

    async def update(self, request: web.Request) -> Any:
        return {"update_id": self.emu.push_update(await read_body(request))}

    async def block(self, request: web.Request) -> Any:
        body = await read_body(request)
        self.emu.block(body["user_id"], bool(body.get("blocked", True)))
        return {"ok": True}

    async def faults(self, request: web.Request) -> Any:
        if request.method == "POST":
            return self.emu.configure_faults(**await read_body(request))
        return self.emu.faults

    async def reset(self, request: web.Request) -> Any:
        self.emu.reset()
        return {"ok": True}

    async def chats(self, request: web.Request) -> Any:
        return self.emu.chats()

    async def messages(self, request: web.Request) -> Any:
        chat_id = int(request.match_info["chat_id"])
        if "since_rev" in request.query:
            return {
                "rev": self.emu.world.rev,
                "messages": self.emu.changed_messages(chat_id, int(request.query["since_rev"])),
            }
        return self.emu.messages(chat_id, int(request.query.get("after", 0)))

    async def calls(self, request: web.Request) -> Any:
        limit = int(request.query.get("limit", 1000))
        method = request.query.get("method")
        calls = [c for c in self.emu.call_log.calls if method is None or c[0] == method]
        return [{"method": m, "params": p, "status": s} for m, p, s in calls[-limit:]] if limit > 0 else []

    async def violations(self, request: web.Request) -> Any:
        return self.emu.violations

    async def stats(self, request: web.Request) -> Any:
        stats = self.emu.stats
        stats["delivered_by_chat"] = {str(k): v for k, v in stats["delivered_by_chat"].items()}
        stats["responses_by_status"] = {str(k): v for k, v in stats["responses_by_status"].items()}
        return stats

    async def commands(self, request: web.Request) -> Any:
        if request.query.get("all"):
            return self.emu.all_commands()
        if request.query.get("chat_id"):  # what the page's command menu shows: Telegram's fallbacks
            user_id = request.query.get("user_id")
            return self.emu.chat_commands(
                int(request.query["chat_id"]),
                int(user_id) if user_id else None,
                request.query.get("language_code", ""),
            )
        scope = json.loads(request.query["scope"]) if request.query.get("scope") else None
        return self.emu.commands(request.query.get("language_code", ""), scope)

    async def config(self, request: web.Request) -> Any:
        return page_config(self.emu.world, self.emu.token, self.emu.personas)

    async def callback(self, request: web.Request) -> Any:
        record = self.emu.callback(request.match_info["query_id"])
        if record is None:
            raise KeyError("unknown callback query")
        return public_callback(record)

    async def file(self, request: web.Request) -> web.StreamResponse:
        record = self.emu.world.files.get(request.match_info["file_id"])
        if record is None:
            raise KeyError("unknown file")
        quoted = urllib.parse.quote(record.file_name)
        return web.Response(
            body=record.data,
            content_type=record.mime_type,
            headers={hdrs.CONTENT_DISPOSITION: f"attachment; filename*=UTF-8''{quoted}"},
        )


def _control(
    handler: Callable[[web.Request], Awaitable[Any]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Control routes answer JSON; a bad request is a 400 with the reason, never a 500."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            result = await handler(request)
        except KeyError as error:
            return json_response(
                {"error": f"missing or unknown: {error.args[0]}"}, 404 if request.method == "GET" else 400
            )
        except (ValueError, TypeError) as error:
            return json_response({"error": str(error)}, 400)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response(result)

    return wrapped
