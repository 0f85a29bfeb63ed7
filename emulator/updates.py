"""The bot's update queue and the two ways out of it: getUpdates (long polling) and a webhook push.

Update ids only grow, also across reset(), so a poller that keeps running never skips new updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, MultipartReader, hdrs

from emulator.calls import Call
from emulator.validation import ApiError, UploadedFile, bad_request
from emulator.wire import dumps, read_multipart
from emulator.world import World

__all__ = ["UpdateQueue"]

_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Telegram leaves these out unless allowed_updates names them
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

ProcessCall = Callable[[str, str, dict[str, Any], dict[str, UploadedFile]], Awaitable[Any]]


class UpdateQueue:
    """Queued updates, the poll/webhook state of the bot, and the webhook delivery loop."""

    def __init__(
        self,
        world: World,
        process_call: ProcessCall,
        *,
        max_tries: int,
        backoff: float,
        timeout: float,
    ) -> None:
        self.world = world
        self._process_call = process_call  # a webhook answer may carry one Bot API call
        self.max_tries = max_tries
        self.backoff = backoff
        self.timeout = timeout
        # what the bot set up: kept by clear()
        self.last_update_id = 100_000_000
        self.allowed_updates: frozenset[str] | None = None
        self.signal = asyncio.Event()
        self.poll_generation = 0
        self.webhook: dict[str, Any] | None = None
        self.webhook_error: tuple[int, str] | None = None
        self.webhook_task: asyncio.Task[None] | None = None
        self._http: ClientSession | None = None
        self.clear()

    def clear(self) -> None:
        """Drop queued updates and counters (reset())."""
        self.queue: deque[dict[str, Any]] = deque()
        self.unordered = False
        self.queued = 0
        self.webhook_posts = 0
        self.webhook_failures = 0

    async def close(self) -> None:
        """Stop the webhook loop and close its HTTP client (stop())."""
        task, self.webhook_task = self.webhook_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    def wake(self) -> None:
        signal = self.signal
        self.signal = asyncio.Event()
        signal.set()

    def next_update_id(self) -> int:
        self.last_update_id += 1
        return self.last_update_id

    def enqueue(self, update: dict[str, Any]) -> int:
        """Queue an update (unless allowed_updates filters it out); return its id."""
        if "update_id" not in update:
            update = {"update_id": self.next_update_id(), **update}
        else:
            if update["update_id"] <= self.last_update_id:
                self.unordered = True
            self.last_update_id = max(self.last_update_id, update["update_id"])
        update_id = int(update["update_id"])
        kind = next((k for k in update if k != "update_id"), "")
        allowed = self.allowed_updates
        if (kind in allowed) if allowed is not None else (kind not in _DEFAULT_EXCLUDED_UPDATES):
            self.queue.append(update)
            self.queued += 1
            self.wake()
        return update_id

    # ------------------------------------------------------------------ Bot API methods

    async def get_updates(self, call: Call) -> list[dict[str, Any]]:
        args = call.args
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        if "allowed_updates" in args:
            self.allowed_updates = frozenset(args["allowed_updates"]) or None
        offset = args.get("offset")
        if offset is not None:
            # confirming: updates below offset are gone; a negative offset keeps only the last -offset
            if offset > 0:
                while self.queue and self.queue[0]["update_id"] < offset:
                    self.queue.popleft()
                if self.unordered:  # a hand-pushed update came with an older id
                    self.queue = deque(u for u in self.queue if u["update_id"] >= offset)
                    self.unordered = False
            elif offset < 0:
                while len(self.queue) > -offset:
                    self.queue.popleft()
        limit = min(max(int(args.get("limit", 100)), 1), 100)
        timeout = max(float(args.get("timeout", 0)), 0.0)
        self.poll_generation += 1
        generation = self.poll_generation
        self.wake()  # an older long poll ends with 409, like Telegram's
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.queue:
                return list(itertools.islice(self.queue, limit))
            remaining = deadline - loop.time()
            if remaining <= 0 or self.world.closing:
                return []
            signal = self.signal
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)
            if generation != self.poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )

    async def set_webhook(self, call: Call) -> bool:
        args = call.args
        url = args["url"]
        if not url:
            return await self.delete_webhook(call)
        if not re.match(r"https?://[^\s/]+", url):
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = args.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        if args.get("drop_pending_updates"):
            self.queue.clear()
        if "allowed_updates" in args:
            self.allowed_updates = frozenset(args["allowed_updates"]) or None
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": args.get("max_connections", 40),
            "token": call.token,
        }
        self.webhook_error = None
        self.poll_generation += 1
        self.wake()
        if self.webhook_task is None or self.webhook_task.done():
            self.webhook_task = asyncio.ensure_future(self._webhook_loop())
        return True

    async def delete_webhook(self, call: Call) -> bool:
        if call.args.get("drop_pending_updates"):
            self.queue.clear()
        self.stop_webhook()
        return True

    def stop_webhook(self) -> None:
        """Forget the webhook and stop pushing (deleteWebhook; benchmarks that deliver themselves)."""
        self.webhook = None
        if self.webhook_task is not None:
            self.webhook_task.cancel()
            self.webhook_task = None

    async def get_webhook_info(self, call: Call) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.queue),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.allowed_updates is not None:
                info["allowed_updates"] = sorted(self.allowed_updates)
        if self.webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook_error
        return info

    # ------------------------------------------------------------------ webhook delivery

    async def _webhook_loop(self) -> None:
        """Deliver queued updates in order; a failing update is retried with backoff, then dropped."""
        while self.webhook is not None and not self.world.closing:
            if not self.queue:
                await self.signal.wait()
                continue
            update = self.queue[0]
            await self._post_update(update)
            if self.queue and self.queue[0] is update:
                self.queue.popleft()

    async def _post_update(self, update: dict[str, Any]) -> bool:
        hook = self.webhook
        assert hook is not None
        if self._http is None:
            self._http = ClientSession(timeout=ClientTimeout(total=self.timeout))
        headers = {hdrs.CONTENT_TYPE: "application/json"}
        if hook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        body = dumps(update).encode("utf-8")
        for attempt in range(self.max_tries):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            self.webhook_posts += 1
            try:
                async with self._http.post(hook["url"], data=body, headers=headers) as resp:
                    if 200 <= resp.status < 300:
                        await self._webhook_reply(hook["token"], resp)
                        return True
                    error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except (ClientError, TimeoutError, OSError) as exc:
                error = f"Connection failed: {type(exc).__name__}"
            self.webhook_error = (int(time.time()), error)
        self.webhook_failures += 1
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
            params, files = await read_multipart(MultipartReader(resp.headers, resp.content))
        method = params.pop("method", None)
        if isinstance(method, str) and method:
            await self._process_call(token, method, params, files)
