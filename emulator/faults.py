"""Telegram's rate limits and injected failures (429, 500/502, timeouts), all off by default.

Tests and benchmarks switch them on to see that the bot's delivery engine copes; a seed makes the
random failures repeatable.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from emulator.validation import ApiError

__all__ = ["FAULT_KINDS", "SENDING_METHODS", "FaultConfig", "FaultPlan"]

SENDING_METHODS = frozenset(
    {"sendMessage", "sendVenue", "sendLocation", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage"}
)
FAULT_KINDS = frozenset({"500", "502", "timeout", "429"})


@dataclass(slots=True)
class FaultConfig:
    """Rate limits and injected faults; every limit is off by default."""

    global_per_second: float | None = None  # messages/s over all chats (Telegram: ~30)
    chat_per_second: float | None = None  # messages/s in one chat (Telegram: ~1)
    group_per_minute: float | None = None  # messages/min in one group (Telegram: 20)
    fault_ratio: float = 0.0  # share of calls that fail at random
    fault_kinds: tuple[str, ...] = ("500",)  # picked at random among these
    fault_delay: float = 65.0  # "timeout": sleep longer than the client waits
    fault_retry_after: int = 1  # retry_after of a random "429"
    fault_methods: frozenset[str] = SENDING_METHODS  # calls that may fail at random
    timeout_delivers: bool = True  # a timed-out send still lands, like a lost answer
    seed: int | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["fault_kinds"] = list(self.fault_kinds)
        data["fault_methods"] = sorted(self.fault_methods)
        return data


class Window:
    """Sliding-window limiter: at most `cap` hits in `period` seconds."""

    __slots__ = ("cap", "hits", "period")

    def __init__(self, cap: int, period: float) -> None:
        self.cap = cap
        self.period = period
        self.hits: deque[float] = deque()

    @classmethod
    def rate(cls, rate: float, period: float) -> Window:
        # 30 per 1 s means 30 in any second; 0.5 per 1 s means one in any 2 s
        return cls(int(rate), period) if rate >= 1 else cls(1, period / rate)

    def wait(self, now: float) -> float:
        hits = self.hits
        while hits and hits[0] <= now - self.period:
            hits.popleft()
        return hits[0] + self.period - now if len(hits) >= self.cap else 0.0


class FaultPlan:
    """The fault settings, the limiters' windows and the counters they feed into stats."""

    def __init__(self, canonical: Callable[[str], str | None]) -> None:
        self._canonical = canonical  # fault_methods may be given in any case, like the methods
        self.config = FaultConfig()
        self.rng = random.Random()
        self.clear()

    def clear(self) -> None:
        """Forget counters and windows (reset()); the settings stay."""
        self.timeouts = 0
        # answers nobody waited for any more: an emulated timeout, or the client's own on a slow machine
        self.abandoned = 0
        self.delivered_by_chat: Counter[int] = Counter()
        self.reset_windows()

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change limits/faults (see FaultConfig); pass None to switch a limit off. Returns the config."""
        config = self.config
        for key, value in changes.items():
            if key not in FaultConfig.__dataclass_fields__:
                raise ValueError(f"unknown fault setting {key!r}")
            if key == "fault_kinds":
                kinds = tuple(str(k) for k in ([value] if isinstance(value, (str, int)) else value))
                if not kinds or set(kinds) - FAULT_KINDS:
                    raise ValueError(f"fault_kinds must be among {sorted(FAULT_KINDS)}")
                value = kinds
            elif key == "fault_methods":
                value = frozenset(self._canonical(m) or m for m in value) if value else SENDING_METHODS
            elif key == "fault_ratio":
                value = float(value or 0.0)
                if not 0.0 <= value <= 1.0:
                    raise ValueError("fault_ratio must be within 0..1")
            elif key in ("global_per_second", "chat_per_second", "group_per_minute") and value is not None:
                value = float(value)
                if value <= 0:
                    raise ValueError(f"{key} must be positive or None")
            setattr(config, key, value)
        if "seed" in changes:
            self.rng.seed(config.seed)
        self.reset_windows()
        return config.as_json()

    def reset_windows(self) -> None:
        config = self.config
        self.global_window = Window.rate(config.global_per_second, 1.0) if config.global_per_second else None
        self.chat_windows: dict[int, Window] = {}
        self.group_windows: dict[int, Window] = {}

    def window_wait(self, chat_id: int, now: float) -> float:
        """Seconds until one more message to this chat fits all limits."""
        config = self.config
        waits = [0.0]
        if self.global_window is not None:
            waits.append(self.global_window.wait(now))
        if config.chat_per_second:
            window = self.chat_windows.get(chat_id)
            if window is None:
                window = self.chat_windows[chat_id] = Window.rate(config.chat_per_second, 1.0)
            waits.append(window.wait(now))
        if config.group_per_minute and chat_id < 0:
            window = self.group_windows.get(chat_id)
            if window is None:
                window = self.group_windows[chat_id] = Window.rate(config.group_per_minute, 60.0)
            waits.append(window.wait(now))
        return max(waits)

    def check_rate(self, chat_id: int) -> None:
        wait = self.window_wait(chat_id, time.monotonic())
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)

    def record_send(self, chat_id: int) -> None:
        now = time.monotonic()
        if self.global_window is not None:
            self.global_window.hits.append(now)
        if chat_id in self.chat_windows:
            self.chat_windows[chat_id].hits.append(now)
        if chat_id in self.group_windows:
            self.group_windows[chat_id].hits.append(now)
        self.delivered_by_chat[chat_id] += 1

    def pick(self, method: str) -> str | None:
        """The fault this call gets, if any (one of FAULT_KINDS)."""
        config = self.config
        if config.fault_ratio <= 0 or method not in config.fault_methods:
            return None
        if self.rng.random() >= config.fault_ratio:
            return None
        return self.rng.choice(config.fault_kinds)
