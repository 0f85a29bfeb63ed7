"""Telegram's sending limits, kept by one process: in total, per chat, per group, and a pause after 429.

Every limit is a sliding window "at most `cap` sends in any `period` seconds", kept strictly from the
server's point of view: Telegram counts a message somewhere between the moment our request leaves and the
moment its answer arrives, so a send occupies its slot from the start of the request until the answer
came back plus `period`. Measured that way, no window on the server can ever hold more than `cap`
messages, whatever the network latency (it costs latency/period of the rate: under 1 % locally).
On top of the windows, starts are paced `period / cap` apart instead of in bursts (a credit of three
starts lets a short stall of the sender be caught up; the window still caps every second).

Async and without busy loops: a waiting send sleeps exactly until the earliest moment it may start, or
until a send in flight finishes when that is what it waits for. Time and sleep are injectable, so tests
run on virtual time.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

INF = math.inf
EPSILON = 1e-9  # seconds; float rounding must not turn into a loop of tiny sleeps


class Window:
    """At most `cap` sends in any `period` seconds; a send counts from its start to its end + period."""

    __slots__ = ("cap", "ends", "in_flight", "period")

    def __init__(self, cap: int, period: float) -> None:
        if cap < 1 or period <= 0:
            raise ValueError("a window needs cap >= 1 and period > 0")
        self.cap = cap
        self.period = period
        # end times of finished sends, oldest first: at most `cap` of them (a list: a deque takes 600 bytes even
        # when empty, and there is a window per chat the bot wrote to lately)
        self.ends: list[float] = []
        self.in_flight = 0

    @classmethod
    def per_second(cls, rate: float) -> Window:
        """`rate` sends per second: 30 → 30 in any second; 0.5 → one in any 2 s; 29.5 → 29 in 0.983 s."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        cap = max(1, math.floor(rate))
        return cls(cap, cap / rate)

    def _expire(self, now: float) -> None:
        ends, cut = self.ends, now - self.period
        if ends and ends[0] <= cut:
            done = 1
            while done < len(ends) and ends[done] <= cut:
                done += 1
            del ends[:done]

    def wait(self, now: float, ahead: int = 0) -> float:
        """Seconds until a send may start (INF: only a send in flight finishing frees a slot).

        `ahead`: that many other sends are assumed to go first (an estimate for planning).
        """
        self._expire(now)
        excess = self.in_flight + len(self.ends) + ahead - self.cap
        if excess < 0:
            return 0.0
        if excess < len(self.ends):
            return self.ends[excess] + self.period - now
        if ahead:
            # the slot is taken by a send still to come: about one period later
            return self.period * (1 + (excess - len(self.ends)) // self.cap)
        return INF

    def start(self) -> None:
        self.in_flight += 1

    def finish(self, now: float) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self.ends.append(now)

    def idle(self, now: float) -> bool:
        self._expire(now)
        return not self.in_flight and not self.ends


@dataclass(slots=True)
class Permit:
    """A reserved send: hand it back with `Limiter.release` when the answer came (or the call failed)."""

    chat_id: int
    started: float
    released: bool = False


class Limiter:
    """Global rate, per-chat rate, per-group rate (chat_id < 0) and a global pause (429 retry_after).

    `None` switches a limit off.
    """

    def __init__(
        self,
        total_per_second: float | None = 30.0,
        chat_per_second: float | None = 1.0,
        group_per_minute: float | None = 20.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._time = clock
        self._sleep = sleep
        self.total = Window.per_second(total_per_second) if total_per_second else None
        self.spacing = self.total.period / self.total.cap if self.total else 0.0
        # starts are paced `spacing` apart; a pause of the sender (a database commit) may be caught up
        # with up to `burst` starts in a row (the window above still caps every second)
        self.burst = min(3, self.total.cap) if self.total else 1
        self._credit = float(self.burst)
        self.chat_rate = chat_per_second
        self.group_window = (
            (
                max(1, math.floor(group_per_minute)),
                60.0 * max(1, math.floor(group_per_minute)) / group_per_minute,
            )
            if group_per_minute
            else None
        )
        self._chats: dict[int, Window] = {}
        self._groups: dict[int, Window] = {}
        self._last_start = -INF  # when the pacing credit was last updated
        self._paused_until = -INF
        self._changed = asyncio.Event()
        self._acquired = 0
        self.waits = 0  # how often a send had to wait (for figures)

    @classmethod
    def unlimited(cls, **kw: object) -> Limiter:
        return cls(None, None, None, **kw)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ state
    def now(self) -> float:
        return self._time()

    def pause(self, seconds: float) -> None:
        """Stop every send for `seconds` (Telegram answered 429 with retry_after)."""
        self._paused_until = max(self._paused_until, self._time() + max(0.0, seconds))

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._time())

    def _chat_window(self, chat_id: int, create: bool) -> Window | None:
        window = self._chats.get(chat_id)
        if window is None and create and self.chat_rate:
            window = self._chats[chat_id] = Window.per_second(self.chat_rate)
        return window

    def _group_window(self, chat_id: int, create: bool) -> Window | None:
        if chat_id >= 0 or self.group_window is None:
            return None
        window = self._groups.get(chat_id)
        if window is None and create:
            window = self._groups[chat_id] = Window(*self.group_window)
        return window

    def chat_ready_in(self, chat_id: int, ahead: int = 0) -> float:
        """Seconds until this chat's own limits (chat, group) allow a send, if `ahead` sends go first.

        The worker uses it to leave rows for a busy chat in the queue instead of holding them.
        """
        now = self._time()
        waits = [0.0]
        for window in (self._chat_window(chat_id, create=False), self._group_window(chat_id, create=False)):
            if window is not None:
                wait = window.wait(now, ahead)
                waits.append(window.period if wait == INF else wait)  # in flight: free a period later
        if ahead and self.chat_rate and chat_id not in self._chats:
            waits.append(ahead / self.chat_rate)
        if ahead and self.group_window and chat_id < 0 and chat_id not in self._groups:
            cap, period = self.group_window
            waits.append(period * (ahead // cap))
        return max(waits)

    def _pacing_credit(self, now: float) -> float:
        if now == -INF or self._last_start == -INF:
            return float(self.burst)
        return min(float(self.burst), self._credit + (now - self._last_start) / self.spacing)

    def _wait(self, chat_id: int, now: float) -> float:
        waits = [self._paused_until - now, 0.0]
        if self.total is not None:
            waits.append(self.total.wait(now))
            waits.append((1.0 - self._pacing_credit(now)) * self.spacing)
        chat = self._chat_window(chat_id, create=False)
        if chat is not None:
            waits.append(chat.wait(now))
        group = self._group_window(chat_id, create=False)
        if group is not None:
            waits.append(group.wait(now))
        return max(waits)

    # ------------------------------------------------------------------ acquire / release
    def try_acquire(self, chat_id: int) -> Permit | None:
        """Reserve the slots if a message to `chat_id` may be sent right now, else None."""
        now = self._time()
        return self._reserve(chat_id, now) if self._wait(chat_id, now) <= EPSILON else None

    async def acquire(self, chat_id: int) -> Permit:
        """Wait until a message to `chat_id` may be sent now, and reserve the slots. Cancellable."""
        while True:
            now = self._time()
            wait = self._wait(chat_id, now)
            if wait <= EPSILON:
                return self._reserve(chat_id, now)
            self.waits += 1
            if wait == INF:
                await self._changed.wait()  # a send in flight must finish first
            else:
                await self._sleep(wait)

    def reserve(self, chat_id: int) -> Permit:
        """Count a send that goes now whatever the limits say (ChatPacer: a reply to a chat not known busy)."""
        return self._reserve(chat_id, self._time())

    def _reserve(self, chat_id: int, now: float) -> Permit:
        if self.total is not None:
            self.total.start()
        for window in (self._chat_window(chat_id, True), self._group_window(chat_id, True)):
            if window is not None:
                window.start()
        if self.total is not None:
            self._credit = self._pacing_credit(now) - 1.0
        self._last_start = now
        self._acquired += 1
        if self._acquired % 1024 == 0:
            self._forget_idle(now)
        return Permit(chat_id, now)

    def release(self, permit: Permit) -> None:
        """The answer arrived (or the call gave up): the slots count until now + period."""
        if permit.released:
            return
        permit.released = True
        now = self._time()
        if self.total is not None:
            self.total.finish(now)
        for window in (self._chat_window(permit.chat_id, False), self._group_window(permit.chat_id, False)):
            if window is not None:
                window.finish(now)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _forget_idle(self, now: float) -> None:
        """Drop the windows of chats that are quiet again (a broadcast touches thousands of chats once)."""
        for table in (self._chats, self._groups):
            for chat_id in [c for c, w in table.items() if w.idle(now)]:
                del table[chat_id]


class ChatPacer:
    """The bot's direct replies (sent while an update is handled), chat by chat.

    A 429 pauses its chat alone for `retry_after`: other chats never wait. For `hot_seconds` after a 429 the
    chat's messages are also paced at its rate (`chat_per_second`, groups also `group_per_minute`), so a
    flood of replies stops meeting 429 instead of meeting one per message. Quiet chats are not paced: two
    messages in a row to a person leave at once, as Telegram allows short bursts. Every send is counted (a
    few bytes per chat, forgotten when idle), so a sender that paces itself (`ready`: a broadcast preview)
    knows when the chat's last message left.
    """

    def __init__(
        self,
        chat_per_second: float = 1.0,
        group_per_minute: float | None = 20.0,
        *,
        hot_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.limiter = Limiter(None, chat_per_second, group_per_minute, clock=clock, sleep=sleep)
        self.hot_seconds = hot_seconds
        self._time = clock
        self._sleep = sleep
        self._paused: dict[int, float] = {}  # chat → no send before this moment (429)
        self._hot: dict[int, float] = {}  # chat → paced until this moment
        self._pauses = 0

    def pause(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429 for this chat: no send to it for `seconds`, then paced for a while."""
        now = self._time()
        until = now + max(0.0, seconds)
        self._paused[chat_id] = max(self._paused.get(chat_id, -INF), until)
        self._hot[chat_id] = max(self._hot.get(chat_id, -INF), until + self.hot_seconds)
        self._pauses += 1
        if self._pauses % 256 == 0:
            for table in (self._paused, self._hot):
                for chat in [c for c, t in table.items() if t <= now]:
                    del table[chat]

    def paused_for(self, chat_id: int) -> float:
        return max(0.0, self._paused.get(chat_id, -INF) - self._time())

    def hot(self, chat_id: int) -> bool:
        return self._hot.get(chat_id, -INF) > self._time()

    async def acquire(self, chat_id: int) -> Permit:
        """Wait for the chat's pause, and for its rate while it is hot; the send is counted from now."""
        while (wait := self.paused_for(chat_id)) > EPSILON:
            await self._sleep(wait)
        if self.hot(chat_id):
            return await self.limiter.acquire(chat_id)
        return self.limiter.reserve(chat_id)

    def release(self, permit: Permit) -> None:
        self.limiter.release(permit)

    def ready_in(self, chat_id: int) -> float:
        """Seconds until one more message to this chat keeps its pause and its rate."""
        return max(self.paused_for(chat_id), self.limiter.chat_ready_in(chat_id))

    async def ready(self, chat_id: int) -> None:
        """Wait until one more message to this chat keeps its rate (for a sender that sends several)."""
        while (wait := self.ready_in(chat_id)) > EPSILON:
            await self._sleep(wait)
