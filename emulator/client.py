"""Client for the emulator's control API, for code that runs the bot in another process.

Mirrors the in-process helpers of `BotAPIEmulator` over ``/_emu/*`` (benchmarks, smoke scripts).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import ClientSession, ClientTimeout

__all__ = ["EmulatorClient", "EmulatorControlError"]


class EmulatorControlError(RuntimeError):
    """The control API refused a request (bad input, unknown chat or message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class EmulatorClient:
    """`async with EmulatorClient("http://127.0.0.1:8081") as emu: await emu.user_sends(1, "/start")`."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, poll_interval: float = 0.05) -> None:
        self.base_url = base_url.rstrip("/")
        self.poll_interval = poll_interval
        self._timeout = ClientTimeout(total=timeout)
        self._session: ClientSession | None = None
        # the same cursors as BotAPIEmulator.wait_for, kept on this side
        self._last_user_message: dict[int, int] = {}
        self._wait_cursor: dict[int, int] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(
        self, verb: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        if self._session is None:
            self._session = ClientSession(timeout=self._timeout)
        async with self._session.request(verb, self.base_url + path, json=body, params=params) as resp:
            data = await resp.json(content_type=None)
            if resp.status >= 400:
                message = data.get("error") if isinstance(data, dict) else data
                raise EmulatorControlError(resp.status, str(message))
            return data

    # -- driving the users ------------------------------------------------------------------

    async def add_user(
        self,
        user_id: int,
        language_code: str | None = None,
        first_name: str | None = None,
        *,
        started: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "user_id": user_id,
            "language_code": language_code,
            "first_name": first_name,
            "started": started,
        }
        return (await self._request("POST", "/_emu/users", {**body, **extra}))["user"]

    async def add_group(self, chat_id: int, title: str, member_ids: list[int]) -> dict[str, Any]:
        body = {"chat_id": chat_id, "title": title, "member_ids": member_ids}
        return (await self._request("POST", "/_emu/groups", body))["chat"]

    async def user_sends(
        self, user_id: int, text: str | None = None, chat_id: int | None = None, **kw: Any
    ) -> dict[str, Any]:
        """Returns the stored user message (view) with its `update_id`."""
        body = {"user_id": user_id, "text": text, "chat_id": chat_id, **kw}
        answer = await self._request("POST", "/_emu/message", body)
        message = answer["message"]
        self._last_user_message[message["chat_id"]] = message["message_id"]
        return {**message, "update_id": answer["update_id"]}

    async def user_edits(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None
    ) -> dict[str, Any]:
        body = {"user_id": user_id, "message_id": message_id, "text": text, "chat_id": chat_id}
        answer = await self._request("POST", "/_emu/edit", body)
        return {**answer["message"], "update_id": answer["update_id"]}

    async def user_presses(
        self,
        user_id: int,
        message_id: int,
        data: str,
        chat_id: int | None = None,
        *,
        check_button: bool = True,
    ) -> dict[str, Any]:
        """Returns the callback record (id, answered, text, …) at the time of the press."""
        body = {
            "user_id": user_id,
            "message_id": message_id,
            "data": data,
            "chat_id": chat_id,
            "check_button": check_button,
        }
        return (await self._request("POST", "/_emu/press", body))["callback"]

    async def callback(self, query_id: str) -> dict[str, Any]:
        return await self._request("GET", f"/_emu/callbacks/{query_id}")

    async def push_update(self, update: dict[str, Any]) -> int:
        return (await self._request("POST", "/_emu/update", update))["update_id"]

    async def block(self, user_id: int, blocked: bool = True) -> None:
        await self._request("POST", "/_emu/block", {"user_id": user_id, "blocked": blocked})

    # -- looking ------------------------------------------------------------------------------

    async def messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        return await self._request("GET", f"/_emu/chats/{chat_id}/messages", params={"after": after})

    async def bot_messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        return [m for m in await self.messages(chat_id, after) if m["from_bot"]]

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
        after: int | None = None,
    ) -> dict[str, Any]:
        """Poll for the next bot message in the chat; same `after` rule as BotAPIEmulator.wait_for."""
        if after is None:
            after = max(self._last_user_message.get(chat_id, 0), self._wait_cursor.get(chat_id, 0))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in await self.messages(chat_id, after):
                if message["from_bot"] and (predicate is None or predicate(message)):
                    self._wait_cursor[chat_id] = message["message_id"]
                    return message
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"emulator: no bot message in chat {chat_id} after #{after} within {timeout} s"
                )
            await asyncio.sleep(self.poll_interval)

    async def chats(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/_emu/chats")

    async def calls(self, limit: int = 1000, method: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if method:
            params["method"] = method
        return await self._request("GET", "/_emu/calls", params=params)

    async def violations(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/_emu/violations")

    async def stats(self) -> dict[str, Any]:
        return await self._request("GET", "/_emu/stats")

    async def configure_faults(self, **changes: Any) -> dict[str, Any]:
        return await self._request("POST", "/_emu/faults", changes)

    async def faults(self) -> dict[str, Any]:
        return await self._request("GET", "/_emu/faults")

    async def commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        params = {"language_code": language_code}
        if scope is not None:
            params["scope"] = json.dumps(scope)
        return await self._request("GET", "/_emu/commands", params=params)

    async def chat_commands(
        self, chat_id: int, user_id: int | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The command menu `user_id` sees in the chat (Telegram's fallbacks by scope and language)."""
        params = {"chat_id": str(chat_id), "language_code": language_code}
        if user_id is not None:
            params["user_id"] = str(user_id)
        return await self._request("GET", "/_emu/commands", params=params)

    async def config(self) -> dict[str, Any]:
        return await self._request("GET", "/_emu/config")

    async def file_bytes(self, url_or_file_id: str) -> bytes:
        """Download a file by the `url` of a message view or by file_id."""
        path = url_or_file_id if url_or_file_id.startswith("/") else f"/_emu/files/{url_or_file_id}"
        if self._session is None:
            self._session = ClientSession(timeout=self._timeout)
        async with self._session.get(self.base_url + path) as resp:
            if resp.status >= 400:
                raise EmulatorControlError(resp.status, await resp.text())
            return await resp.read()

    async def reset(self) -> None:
        await self._request("POST", "/_emu/reset", {})
        self._last_user_message.clear()
        self._wait_cursor.clear()
