"""One Bot API call from request to answer: validate, maybe fail on purpose, run, log.

Refused calls that are the bot's mistakes (400/401/404) are kept as `violations`, so tests can
assert there were none.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from emulator.faults import FaultPlan
from emulator.validation import ApiError, ApiSpec, UploadedFile, bad_request
from emulator.world import World

__all__ = ["Call", "CallLog", "Dispatcher", "Handler"]


@dataclass(slots=True)
class Call:
    token: str
    method: str
    args: dict[str, Any]
    bot: dict[str, Any]


Handler = Callable[[Call], Awaitable[Any]]
Result = tuple[int, dict[str, Any]]  # (HTTP status, Telegram JSON body)


class CallLog:
    """The last calls, the violations and the counters for stats."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.clear()

    def clear(self) -> None:
        self.calls: deque[tuple[str, dict[str, Any], int]] = deque(maxlen=self.size)
        self.violations: list[dict[str, Any]] = []
        self.total = 0
        self.by_method: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()

    def ok(self, method: str, args: dict[str, Any]) -> None:
        self.by_status[200] += 1
        self.calls.append((method, loggable(args), 200))

    def refuse(self, method: str, params: dict[str, Any], error: ApiError) -> Result:
        status = error.error_code
        self.by_status[status] += 1
        logged = loggable(params)
        self.calls.append((method, logged, status))
        # 400/401/404 are the bot's mistakes; 403/409/429/5xx are situations it must handle
        if status in (400, 401, 404) and not error.race:
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


class Dispatcher:
    """Runs calls against the method table, with the fault plan in between."""

    def __init__(
        self,
        spec: ApiSpec,
        handlers: dict[str, Handler],
        log: CallLog,
        faults: FaultPlan,
        world: World,
    ) -> None:
        self.spec = spec
        self.handlers = handlers
        self.log = log
        self.faults = faults
        self.world = world
        self.tasks: set[asyncio.Task[Any]] = set()  # timed-out calls still at work; cancelled by stop()

    async def process_call(
        self,
        token: str,
        method_name: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile] | None = None,
    ) -> Result:
        """Run one Bot API call as the HTTP route does; return (HTTP status, Telegram JSON body)."""
        files = files or {}
        log = self.log
        log.total += 1
        method = self.spec.canonical(method_name)
        if method is None:
            log.by_method[method_name] += 1
            return log.refuse(method_name, params, ApiError(404, "Not Found"))
        log.by_method[method] += 1
        fields = self.spec.methods[method]
        for name, part in files.items():
            if name in fields and name not in params:
                params[name] = part  # a file sent directly as the field, not via attach://
        try:
            args = self.spec.validate(method, params, files)
        except ApiError as error:
            return log.refuse(method, params, error)
        call = Call(token, method, args, self.world.bot_user(token))
        fault = self.faults.pick(method)
        if fault is None:
            return await self.execute(call)
        config = self.faults.config
        if fault == "timeout":
            self.faults.timeouts += 1
            delay = config.fault_delay
            if config.timeout_delivers:
                # the work happens even though the client gave up, like a lost answer
                task = self.spawn(self._execute_later(call, delay))
                return await asyncio.shield(task)
            await asyncio.sleep(delay)
            return log.refuse(method, args, ApiError(500, "Internal Server Error: emulated timeout"))
        if fault == "429":
            retry = config.fault_retry_after
            error = ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        else:
            error = ApiError(int(fault), "Internal Server Error" if fault == "500" else "Bad Gateway")
        return log.refuse(method, args, error)

    async def _execute_later(self, call: Call, delay: float) -> Result:
        await asyncio.sleep(delay)
        return await self.execute(call)

    async def execute(self, call: Call) -> Result:
        handler = self.handlers.get(call.method)
        try:
            if handler is None:
                raise bad_request(f"emulator: method {call.method} not implemented")
            result = await handler(call)
        except ApiError as error:
            return self.log.refuse(call.method, call.args, error)
        self.log.ok(call.method, call.args)
        return 200, {"ok": True, "result": result}

    def spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self.tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self.tasks.discard(t)
            if not t.cancelled():
                t.exception()  # consumed: the caller that cared has already seen it

        task.add_done_callback(done)
        return task


def loggable(params: dict[str, Any]) -> dict[str, Any]:
    """The call log keeps no file bytes, only what identifies the file."""
    if not any(isinstance(v, UploadedFile) for v in params.values()):
        return params
    return {
        k: ({"file_name": v.filename, "size": len(v.data)} if isinstance(v, UploadedFile) else v)
        for k, v in params.items()
    }
