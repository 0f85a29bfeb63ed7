"""The rate limiter of the delivery engine, on virtual time (no real sleeping)."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.delivery.limits import INF, Limiter, Window


class VirtualTime:
    """A monotonic clock that jumps forward when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def make(
    total: float | None = 30, chat: float | None = 1, group: float | None = 20
) -> tuple[Limiter, VirtualTime]:
    vt = VirtualTime()
    return Limiter(total, chat, group, clock=vt, sleep=vt.sleep), vt


async def send(limiter: Limiter, vt: VirtualTime, chat_id: int, latency: float = 0.0) -> float:
    permit = await limiter.acquire(chat_id)
    started = vt.now
    vt.now += latency
    limiter.release(permit)
    return started


def test_window_per_second_shapes() -> None:
    assert (Window.per_second(30).cap, Window.per_second(30).period) == (30, 1.0)
    half = Window.per_second(0.5)
    assert (half.cap, half.period) == (1, 2.0)
    odd = Window.per_second(29.5)
    assert odd.cap == 29 and odd.period == pytest.approx(29 / 29.5)
    with pytest.raises(ValueError):
        Window.per_second(0)


def test_window_counts_a_send_until_its_answer_plus_period() -> None:
    window = Window(2, 1.0)
    window.start()
    window.start()
    assert window.wait(0.0) == INF  # both in flight: only an answer frees a slot
    window.finish(0.3)
    assert window.wait(0.3) == pytest.approx(1.0)  # free at answer + period
    window.finish(0.5)
    assert window.wait(1.2) == pytest.approx(0.1)
    assert window.wait(1.3) == 0.0
    assert window.wait(1.3, ahead=1) == pytest.approx(0.2)  # one more first: needs the second slot


async def test_global_rate_never_exceeds_30_in_any_second_with_latency() -> None:
    limiter, vt = make(total=30, chat=None, group=None)
    starts, ends = [], []
    for i in range(300):
        permit = await limiter.acquire(10_000 + i)
        starts.append(vt.now)
        vt.now += 0.004 if i % 7 else 0.03  # uneven latency (sequential here: below the 33 ms spacing)
        ends.append(vt.now)
        limiter.release(permit)
    # server may count a send anywhere in [start, end]: no second ever holds more than 30
    for i in range(len(starts)):
        later = [s for s in starts[i + 1 :] if s < ends[i] + 1.0]
        assert len(later) + 1 <= 30
    elapsed = starts[-1] - starts[0]
    rate = (len(starts) - 1) / elapsed
    assert 29.0 <= rate <= 30.0, rate
    # paced, not in bursts: at most 3 in a row to catch up after a delay
    assert max(sum(1 for s in starts if t <= s < t + 0.1) for t in starts) <= 3 + 3


async def test_per_chat_one_per_second_and_group_twenty_per_minute() -> None:
    limiter, vt = make(total=None, chat=1, group=20)
    times = [await send(limiter, vt, 5, latency=0.01) for _ in range(4)]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))

    group_times = [await send(limiter, vt, -1001, latency=0.01) for _ in range(25)]
    first = group_times[0]
    in_first_minute = [t for t in group_times if t < first + 60]
    assert len(in_first_minute) == 20
    assert group_times[20] >= group_times[0] + 60 + 0.01  # the 21st waits for the first to leave the window
    # other chats are not held up by a busy one
    before = vt.now
    await send(limiter, vt, 6)
    assert vt.now == before


async def test_pause_stops_everyone_for_retry_after() -> None:
    limiter, vt = make()
    t0 = await send(limiter, vt, 1)
    limiter.pause(7)
    assert limiter.paused_for == pytest.approx(7)
    t1 = await send(limiter, vt, 2)
    t2 = await send(limiter, vt, 3)
    assert t1 >= t0 + 7 and t2 >= t0 + 7
    assert limiter.paused_for == 0


async def test_a_send_in_flight_blocks_its_chat_until_answered() -> None:
    limiter, vt = make(total=None, chat=1, group=None)
    permit = await limiter.acquire(9)
    waiter = asyncio.create_task(limiter.acquire(9))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not waiter.done()
    vt.now += 0.2
    limiter.release(permit)  # answer at +0.2: next send to chat 9 at +1.2
    second = await asyncio.wait_for(waiter, 1)
    assert second.started == pytest.approx(permit.started + 1.2)


async def test_cancelled_wait_reserves_nothing() -> None:
    limiter, _vt = make(total=None, chat=1, group=None)
    permit = await limiter.acquire(9)
    waiter = asyncio.create_task(limiter.acquire(9))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    limiter.release(permit)
    assert limiter._chats[9].in_flight == 0


def test_chat_ready_in_plans_rows_for_the_same_chat() -> None:
    limiter, _vt = make(total=30, chat=1, group=20)
    assert limiter.chat_ready_in(5) == 0
    assert limiter.chat_ready_in(5, ahead=1) == pytest.approx(1.0)
    assert limiter.chat_ready_in(5, ahead=3) == pytest.approx(3.0)
    assert limiter.chat_ready_in(-100, ahead=19) == pytest.approx(19.0)  # 1/s in a group as well
    assert limiter.chat_ready_in(-100, ahead=20) >= 60.0
    unlimited = Limiter.unlimited()
    assert unlimited.chat_ready_in(5, ahead=10) == 0
