"""One Bot API call with a typed answer; the worker decides what each answer means for the outbox row.

`BotApiSender` talks HTTP (aiohttp, JSON body) to `{telegram_api_url}/bot{token}/{method}`, the same
endpoint aiogram uses, so it works with Telegram, a self-hosted Bot API server and the emulator.
No aiogram types reach the worker: a renderer may put aiogram objects (keyboards) into the params; they
are turned into plain JSON here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import aiohttp

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sent:
    """Telegram accepted the call; `message_id` of the message it created (None for e.g. deleteMessage)."""

    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """429: every send must wait `seconds`."""

    seconds: float
    description: str = "Too Many Requests"


@dataclass(frozen=True, slots=True)
class Blocked:
    """403: the user blocked the bot or deleted the account; the bot was removed from the group."""

    description: str = "Forbidden"


@dataclass(frozen=True, slots=True)
class Permanent:
    """The call can never succeed as it is (400 and friends): do not retry."""

    description: str


@dataclass(frozen=True, slots=True)
class Transient:
    """5xx, timeout, connection trouble: may succeed later (and may even have been delivered)."""

    description: str


SendResult = Sent | RetryAfter | Blocked | Permanent | Transient


class Sender(Protocol):
    async def send(self, method: str, params: dict[str, Any]) -> SendResult: ...

    async def close(self) -> None: ...


def to_jsonable(value: Any) -> Any:
    """Plain JSON from params that may hold pydantic models (aiogram keyboards), enums, tuples."""
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def classify(status: int, body: Any) -> SendResult:
    """Map a Bot API answer (HTTP status + decoded JSON body, or None) to a SendResult."""
    if isinstance(body, dict) and body.get("ok") is True:
        result = body.get("result")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return Sent(int(message_id) if isinstance(message_id, int) else None)
    code = status
    description = f"HTTP {status}"
    retry_after: Any = None
    if isinstance(body, dict):
        code = int(body.get("error_code") or status)
        description = str(body.get("description") or description)
        parameters = body.get("parameters") or {}
        if isinstance(parameters, dict):
            retry_after = parameters.get("retry_after")
    if code == 429:
        try:
            seconds = float(retry_after) if retry_after is not None else 1.0
        except (TypeError, ValueError):
            seconds = 1.0
        return RetryAfter(max(seconds, 0.0), description)
    if code == 403:
        return Blocked(description)
    if code >= 500 or code in (401, 408) or body is None:
        # 401: the token is wrong or revoked; that is no fault of the message, so keep it for later
        return Transient(description)
    if code == 400 and "message is not modified" in description:
        return Sent(None)  # an edit that changes nothing reached its goal
    return Permanent(description)


class BotApiSender:
    """Sends one Bot API call over HTTP and classifies the answer."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        timeout: float = 15.0,
        session: aiohttp.ClientSession | None = None,
        pool_size: int = 32,
    ) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}/"
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._own_session = session is None
        self._pool_size = pool_size

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout)
            self._own_session = True
        return self._session

    async def send(self, method: str, params: dict[str, Any]) -> SendResult:
        body = json.dumps(to_jsonable(params), ensure_ascii=False, separators=(",", ":"))
        try:
            async with self._http().post(
                self.base + method,
                data=body.encode(),
                headers={"Content-Type": "application/json"},
                timeout=self.timeout,
            ) as response:
                status = response.status
                try:
                    answer = await response.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    answer = None
        except TimeoutError:
            return Transient(f"timeout after {self.timeout.total} s")
        except aiohttp.ClientError as error:
            return Transient(f"connection: {type(error).__name__}: {error}"[:200])
        return classify(status, answer)

    async def close(self) -> None:
        if self._session is not None and self._own_session and not self._session.closed:
            await self._session.close()
        self._session = None
