"""The delivery worker with a fake sender, on SQLite and PostgreSQL: due rows, 429, retries, 403, 400,
crash recovery, two workers at once, hooks, the report, graceful stop, per-chat and group limits."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import users as svc
from bot.clock import FrozenClock
from bot.config import Settings, load_settings
from bot.delivery.hooks import Outcome, OutcomeHooks, only_sent
from bot.delivery.limits import Limiter
from bot.delivery.outbox import enqueue, enqueue_many
from bot.delivery.render import Rendered, Renderers
from bot.delivery.report import delivery_report
from bot.delivery.sender import Blocked, Permanent, RetryAfter, SendResult, Sent, Transient
from bot.delivery.worker import DeliveryWorker
from bot.text import Translator
from storage.models import OutboxMessage, User
from storage.repositories import outbox as repo

TOKEN = "123456:TEST-token"
SM = async_sessionmaker[AsyncSession]


class VirtualTime:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class FakeSender:
    """Answers from a script per chat (then Sent); counts what 'Telegram' accepted per chat."""

    def __init__(
        self, script: dict[int, list[SendResult]] | None = None, vt: VirtualTime | None = None
    ) -> None:
        self.script = {chat: list(results) for chat, results in (script or {}).items()}
        self.vt = vt
        self.calls: list[tuple[str, dict[str, Any], float | None]] = []
        self.delivered: Counter[int] = Counter()
        self.ids = itertools.count(100)
        self.delay = 0.0

    async def send(self, method: str, params: dict[str, Any]) -> SendResult:
        chat = int(params["chat_id"])
        self.calls.append((method, params, self.vt() if self.vt else None))
        queued = self.script.get(chat)
        result = queued.pop(0) if queued else Sent(next(self.ids))
        if isinstance(result, Sent):
            self.delivered[chat] += 1
        await asyncio.sleep(self.delay)
        return result

    async def close(self) -> None:
        pass

    def calls_to(self, chat: int) -> int:
        return sum(1 for _, params, _ in self.calls if params["chat_id"] == chat)


def settings(**overrides: Any) -> Settings:
    return load_settings(bot_token=TOKEN, **overrides)


def worker(
    sessionmaker: SM,
    sender: FakeSender,
    clock: FrozenClock,
    *,
    limiter: Limiter | None = None,
    worker_id: str = "w1",
    hooks: OutcomeHooks | None = None,
    **overrides: Any,
) -> DeliveryWorker:
    return DeliveryWorker(
        sessionmaker,
        sender,
        settings(**overrides),
        clock,
        worker_id,
        renderers=TEST_RENDERERS,
        hooks=hooks,
        limiter=limiter or Limiter.unlimited(),
    )


async def drain(w: DeliveryWorker, rounds: int = 500) -> int:
    total = 0
    for _ in range(rounds):
        handled = await w.run_once()
        if not handled:
            break
        total += handled
    return total


async def add_users(sessionmaker: SM, clock: FrozenClock, ids: list[int], lang: str | None = "de") -> None:
    async with sessionmaker() as session, session.begin():
        session.add_all([User(id=i, language=lang, created_at=clock.now(), role="visitor") for i in ids])


async def queue(
    sessionmaker: SM,
    clock: FrozenClock,
    chats: list[int],
    *,
    ref: str = "broadcast:1",
    kind: str = "raw",
    not_before_in: timedelta | None = None,
    users: bool = True,
    data: dict[str, Any] | None = None,
) -> None:
    async with sessionmaker() as session, session.begin():
        for chat in chats:
            await enqueue(
                session,
                clock,
                chat_id=chat,
                user_id=chat if users and chat > 0 else None,
                kind=kind,
                data=data or {"text": f"Hallo {chat}"},
                ref=ref,
                not_before=clock.now() + not_before_in if not_before_in else None,
            )


async def rows(sessionmaker: SM) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def statuses(sessionmaker: SM) -> Counter[str]:
    return Counter(row.status for row in await rows(sessionmaker))


async def test_sends_due_rows_and_waits_for_later_ones(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1, 2, 3])
    await queue(sessionmaker, clock, [1, 2])
    await queue(sessionmaker, clock, [3], not_before_in=timedelta(hours=1), ref="later")
    sender = FakeSender()
    w = worker(sessionmaker, sender, clock)
    assert await drain(w) == 2
    assert sorted(sender.delivered) == [1, 2]
    assert await w.run_once() == 0
    clock.advance(timedelta(minutes=59))
    assert await w.run_once() == 0
    clock.advance(timedelta(minutes=1))
    assert await w.run_once() == 1
    assert sender.delivered == Counter({1: 1, 2: 1, 3: 1})
    sent = await rows(sessionmaker)
    assert {r.status for r in sent} == {"sent"}
    assert all(r.telegram_message_id and r.sent_at and r.attempts == 1 for r in sent)
    # the text is HTML, like every message of the bot
    assert sender.calls[0] == ("sendMessage", {"text": "Hallo 1", "chat_id": 1, "parse_mode": "HTML"}, None)


async def test_429_pauses_all_sending_for_retry_after(sessionmaker: SM, clock: FrozenClock) -> None:
    chats = list(range(1, 11))
    await add_users(sessionmaker, clock, chats)
    await queue(sessionmaker, clock, chats)
    vt = VirtualTime()
    sender = FakeSender({3: [RetryAfter(5.0)]}, vt=vt)
    limiter = Limiter(None, None, None, clock=vt, sleep=vt.sleep)
    w = worker(sessionmaker, sender, clock, limiter=limiter, delivery_concurrency=1)
    await drain(w)
    times = [t for _, _, t in sender.calls]
    refused = next(i for i, (_, params, _) in enumerate(sender.calls) if params["chat_id"] == 3)
    assert all(t is not None and t >= times[refused] + 5.0 for t in times[refused + 1 :])
    assert all(t == times[0] for t in times[: refused + 1])  # no pause before it
    assert sender.delivered == Counter(dict.fromkeys(chats, 1))  # the refused one went again, once
    assert w.stats["rate_limited"] == 1
    assert (await statuses(sessionmaker)) == Counter({"sent": 10})


async def test_5xx_is_retried_with_backoff_then_succeeds(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1])
    await queue(sessionmaker, clock, [1])
    sender = FakeSender({1: [Transient("Internal Server Error"), Transient("Bad Gateway")]})
    w = worker(sessionmaker, sender, clock, delivery_backoff_seconds=5)
    start = clock.now()
    assert await w.run_once() == 1
    (row,) = await rows(sessionmaker)
    assert (row.status, row.attempts, row.error) == ("pending", 1, "Internal Server Error")
    assert row.not_before == start + timedelta(seconds=5) and row.claimed_by is None
    assert await w.run_once() == 0
    clock.advance(timedelta(seconds=5))
    assert await w.run_once() == 1
    (row,) = await rows(sessionmaker)
    assert (row.status, row.attempts) == ("pending", 2)
    assert row.not_before == clock.now() + timedelta(seconds=10)  # doubled
    clock.advance(timedelta(seconds=10))
    assert await w.run_once() == 1
    (row,) = await rows(sessionmaker)
    assert (row.status, row.attempts, row.error) == ("sent", 3, None)
    assert sender.delivered[1] == 1 and len(sender.calls) == 3


async def test_timeouts_are_retried_and_fail_after_max_attempts(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1, 2])
    await queue(sessionmaker, clock, [1, 2])
    timeout = Transient("timeout after 15.0 s")
    sender = FakeSender({1: [timeout] * 5, 2: [timeout]})
    w = worker(sessionmaker, sender, clock, delivery_max_attempts=3, delivery_backoff_seconds=1)
    for _ in range(4):
        await drain(w)
        clock.advance(timedelta(minutes=1))
    by_chat = {r.chat_id: r for r in await rows(sessionmaker)}
    assert (by_chat[2].status, by_chat[2].attempts) == ("sent", 2)
    assert (by_chat[1].status, by_chat[1].attempts) == ("failed", 3)
    assert by_chat[1].error == "timeout after 15.0 s (after 3 attempts)"
    assert sender.calls_to(1) == 3


async def test_403_marks_user_inactive_and_skips_them_next_time(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1, 2])
    await queue(sessionmaker, clock, [1, 2])
    await queue(sessionmaker, clock, [1], ref="reminder", not_before_in=timedelta(hours=1))
    sender = FakeSender({1: [Blocked("Forbidden: bot was blocked by the user")]})
    w = worker(sessionmaker, sender, clock)
    await drain(w)
    async with sessionmaker() as session:
        assert (await session.get(User, 1)).is_active is False  # type: ignore[union-attr]
        assert (await session.get(User, 2)).is_active is True  # type: ignore[union-attr]
    clock.advance(timedelta(hours=1))
    await queue(sessionmaker, clock, [1, 2], ref="broadcast:2")  # the next broadcast
    await drain(w)
    assert sender.calls_to(1) == 1  # only the first attempt ever reached Telegram
    assert sender.delivered == Counter({2: 2})
    by_ref = {(r.ref, r.chat_id): r for r in await rows(sessionmaker)}
    assert by_ref[("broadcast:1", 1)].status == "blocked"
    assert by_ref[("reminder", 1)].status == "blocked"
    assert by_ref[("broadcast:2", 1)].error == "recipient inactive (blocked the bot)"
    async with sessionmaker() as session:
        report = await delivery_report(session, "broadcast:2")
    assert (report["delivered"], report["blocked"], report["failed"], report["done"]) == (1, 1, 0, True)

    # they write to the bot again: active again, and messages reach them
    async with sessionmaker() as session, session.begin():
        await svc.ensure_user(session, 1, clock, organizer_ids=[])
    await queue(sessionmaker, clock, [1], ref="broadcast:3")
    await drain(w)
    assert sender.delivered[1] == 1


async def test_400_fails_permanently(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1])
    await queue(sessionmaker, clock, [1])
    sender = FakeSender({1: [Permanent("Bad Request: can't parse entities")]})
    w = worker(sessionmaker, sender, clock)
    await drain(w)
    clock.advance(timedelta(days=1))
    await drain(w)
    (row,) = await rows(sessionmaker)
    assert (row.status, row.attempts, row.error) == ("failed", 1, "Bad Request: can't parse entities")
    assert len(sender.calls) == 1


class FreezingSender(FakeSender):
    """Telegram accepts call number `freeze_at`, then the process hangs before it can record it."""

    def __init__(self, freeze_at: int) -> None:
        super().__init__()
        self.freeze_at = freeze_at
        self.frozen = asyncio.Event()

    async def send(self, method: str, params: dict[str, Any]) -> SendResult:
        result = await super().send(method, params)
        if len(self.calls) == self.freeze_at:
            self.frozen.set()
            await asyncio.Event().wait()
        return result


async def test_crash_repeats_only_the_message_in_flight(sessionmaker: SM, clock: FrozenClock) -> None:
    chats = list(range(1, 31))
    await add_users(sessionmaker, clock, chats)
    await queue(sessionmaker, clock, chats)
    first = FreezingSender(freeze_at=10)
    dead = worker(sessionmaker, first, clock, worker_id="dead", delivery_concurrency=1)
    task = asyncio.create_task(dead.run_once())
    await asyncio.wait_for(first.frozen.wait(), 10)
    task.cancel()  # the process dies: nothing more is written
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert await statuses(sessionmaker) == Counter({"sent": 9, "sending": 21})

    second = FakeSender()
    second.delivered = first.delivered  # the same Telegram
    w = worker(sessionmaker, second, clock, worker_id="restarted", delivery_claim_timeout_seconds=60)
    assert await w.run_once() == 0  # the claims are fresh: the other worker might still be alive
    clock.advance(timedelta(seconds=61))
    assert await drain(w) == 21
    assert await statuses(sessionmaker) == Counter({"sent": 30})
    in_flight = first.calls[9][1]["chat_id"]
    assert {chat: n for chat, n in first.delivered.items() if n != 1} == {in_flight: 2}
    assert set(first.delivered) == set(chats)  # none lost
    assert w.stats["reclaimed"] == 21
    sent_before = {first.calls[i][1]["chat_id"] for i in range(9)}
    assert not sent_before & {params["chat_id"] for _, params, _ in second.calls}  # never resent


async def test_two_workers_at_once_send_each_row_once(sessionmaker: SM, clock: FrozenClock) -> None:
    chats = list(range(1, 501))
    await add_users(sessionmaker, clock, chats)
    await queue(sessionmaker, clock, chats)
    telegram: Counter[int] = Counter()
    senders = [FakeSender(), FakeSender()]
    for s in senders:
        s.delivered = telegram
        s.delay = 0.001
    # two workers, each with its own session factory, as in two processes
    workers = [
        worker(
            async_sessionmaker(sessionmaker.kw["bind"], expire_on_commit=False),
            s,
            clock,
            worker_id=f"w{i}",
            delivery_batch_size=20,
            delivery_concurrency=4,
        )
        for i, s in enumerate(senders)
    ]
    await asyncio.gather(*(drain(w) for w in workers))
    assert telegram == Counter(dict.fromkeys(chats, 1))
    assert all(s.calls for s in senders), "both workers took part"
    assert await statuses(sessionmaker) == Counter({"sent": 500})
    claimed_by = Counter(r.claimed_by for r in await rows(sessionmaker))
    assert set(claimed_by) == {"w0", "w1"}


async def test_claiming_skips_rows_locked_by_another_worker(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1, 2, 3, 4])
    await queue(sessionmaker, clock, [1, 2, 3, 4])
    async with sessionmaker() as first, first.begin():
        if first.get_bind().dialect.name != "postgresql":
            pytest.skip("row locks are PostgreSQL's; SQLite serialises claims with BEGIN IMMEDIATE")
        now = clock.now()
        mine = await repo.due_candidates(first, now, now, 2, skip_locked=True)
        async with sessionmaker() as second, second.begin():
            theirs = await repo.due_candidates(second, now, now, 10, skip_locked=True)
        assert len(mine) == 2 and len(theirs) == 2
        assert not {r.id for r in mine} & {r.id for r in theirs}


async def test_hooks_get_the_outcome_in_the_same_transaction(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1, 2, 3])
    await queue(sessionmaker, clock, [1, 2], kind="alert")
    await queue(sessionmaker, clock, [3], kind="alert-bad")
    seen: list[Outcome] = []

    async def remember(session: AsyncSession, outcome: Outcome) -> None:
        seen.append(outcome)
        user = await session.get(User, outcome.chat_id)
        assert user is not None
        user.role = "helper"  # stands for "store the message id": committed with the state

    async def any_outcome(session: AsyncSession, outcome: Outcome) -> None:
        seen.append(outcome)

    async def broken(session: AsyncSession, outcome: Outcome) -> None:
        user = await session.get(User, outcome.chat_id)
        assert user is not None
        user.role = "organizer"
        await session.flush()
        raise RuntimeError("hook bug")

    sender = FakeSender({2: [Permanent("Bad Request: chat not found")]})
    hooks = OutcomeHooks({"alert": [only_sent(remember), any_outcome], "alert-bad": [broken]})
    w = worker(sessionmaker, sender, clock, hooks=hooks)
    await drain(w)
    sent = [o for o in seen if o.status == "sent"]
    assert len(sent) == 2 and sent[0] == sent[1]  # on_sent and on_outcome for chat 1
    assert sent[0].telegram_message_id is not None and sent[0].kind == "alert" and sent[0].lang == "de"
    assert sent[0].recorded_at == clock.now()
    assert [o.status for o in seen if o.chat_id == 2] == ["failed"]
    async with sessionmaker() as session:
        assert (await session.get(User, 1)).role == "helper"  # type: ignore[union-attr]
        assert (await session.get(User, 2)).role == "visitor"  # type: ignore[union-attr]
        assert (await session.get(User, 3)).role == "visitor"  # type: ignore[union-attr]
    by_chat = {r.chat_id: r.status for r in await rows(sessionmaker)}
    assert by_chat == {1: "sent", 2: "failed", 3: "sent"}  # a failing hook does not undo the send
    assert w.stats["hook_errors"] == 1


def _greeting(data: dict[str, Any], tr: Translator) -> Rendered:
    return Rendered("sendMessage", {"text": f"{tr.lang}:{data['name']}"})


def _raw(data: dict[str, Any], tr: Translator) -> Rendered:
    return Rendered("sendMessage", dict(data))


# The test's own outbox kinds: "raw" sends its data as it is.
TEST_RENDERERS = Renderers({"raw": _raw, "alert": _raw, "alert-bad": _raw, "test-greeting": _greeting})


async def test_rows_render_in_the_readers_language_and_report_per_language(
    sessionmaker: SM, clock: FrozenClock
) -> None:
    await add_users(sessionmaker, clock, [1, 2], lang="ar")
    await add_users(sessionmaker, clock, [3], lang="uk")
    await add_users(sessionmaker, clock, [4, 5], lang=None)
    await queue(sessionmaker, clock, [1, 2, 3, 4, 5], kind="test-greeting", data={"name": "Ali"})
    async with sessionmaker() as session, session.begin():  # one with an explicit language
        await enqueue(
            session,
            clock,
            chat_id=5,
            user_id=5,
            kind="test-greeting",
            data={"name": "x"},
            lang="fa",
            ref="broadcast:1",
        )
    sender = FakeSender(
        {2: [Blocked("Forbidden: bot was blocked by the user")], 3: [Permanent("Bad Request")]}
    )
    await drain(worker(sessionmaker, sender, clock, default_language="en"))
    texts = sorted(params["text"] for _, params, _ in sender.calls)
    assert texts == ["ar:Ali", "ar:Ali", "en:Ali", "en:Ali", "fa:x", "uk:Ali"]
    async with sessionmaker() as session:
        report = await delivery_report(session, "broadcast:1")
        empty = await delivery_report(session, "broadcast:404")
    assert {k: report[k] for k in ("total", "delivered", "blocked", "failed", "pending", "done")} == {
        "total": 6,
        "delivered": 4,
        "blocked": 1,
        "failed": 1,
        "pending": 0,
        "done": True,
    }
    assert report["by_language"]["ar"] == {
        "total": 2,
        "delivered": 1,
        "blocked": 1,
        "failed": 0,
        "pending": 0,
        "cancelled": 0,
    }
    assert report["by_language"]["uk"]["failed"] == 1
    assert report["by_language"]["en"]["delivered"] == 2  # sent in the default language
    assert report["by_language"]["fa"]["delivered"] == 1
    assert empty["total"] == 0 and empty["by_language"] == {}


async def test_stop_finishes_in_flight_and_hands_back_the_rest(sessionmaker: SM, clock: FrozenClock) -> None:
    chats = list(range(1, 41))
    await add_users(sessionmaker, clock, chats)
    await queue(sessionmaker, clock, chats)
    sender = FakeSender()
    sender.delay = 0.01
    w = worker(sessionmaker, sender, clock, limiter=Limiter(20, 1, 20), delivery_idle_seconds=0.05)
    w.start()
    while True:
        if len(sender.calls) >= 5:
            break
        await asyncio.sleep(0.01)
    await w.stop()
    counts = await statuses(sessionmaker)
    assert set(counts) == {"sent", "pending"}  # nothing left claimed
    assert counts["sent"] == len(sender.calls) == sum(sender.delivered.values())
    assert all(r.claimed_by is None for r in await rows(sessionmaker) if r.status == "pending")


async def test_per_chat_spacing_and_group_limit(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1, 2])
    await queue(sessionmaker, clock, [1, 1, 1, 2])
    group = -100500
    await queue(sessionmaker, clock, [group] * 25, ref="alerts")
    vt = VirtualTime()
    sender = FakeSender(vt=vt)
    limiter = Limiter(30, 1, 20, clock=vt, sleep=vt.sleep)
    w = worker(sessionmaker, sender, clock, limiter=limiter)
    for _ in range(200):
        await w.run_once()
        if (await statuses(sessionmaker)) == Counter({"sent": 29}):
            break
        clock.advance(timedelta(seconds=2))  # real time passes for both clocks
        vt.now += 2
    assert await statuses(sessionmaker) == Counter({"sent": 29})
    assert w.stats["deferred"] > 0  # busy chats' rows stay queued instead of blocking the batch

    def times(chat: int) -> list[float]:
        return [t for _, params, t in sender.calls if params["chat_id"] == chat and t is not None]

    user = times(1)
    assert len(user) == 3 and all(b - a >= 1.0 for a, b in itertools.pairwise(user))
    in_group = times(group)
    assert len(in_group) == 25
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(in_group))
    assert max(sum(1 for t in in_group if s <= t < s + 60) for s in in_group) == 20


async def test_enqueue_many_skips_duplicates(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1, 2, 3])
    messages = [
        {
            "chat_id": uid,
            "user_id": uid,
            "kind": "raw",
            "data": {"text": "x"},
            "ref": "b:9",
            "dedupe_key": f"b:9:{uid}",
        }
        for uid in (1, 2, 3)
    ]
    async with sessionmaker() as session, session.begin():
        assert await enqueue_many(session, clock, messages[:2]) == 2
        assert await enqueue_many(session, clock, messages) == 1  # only user 3 is new
        assert await enqueue_many(session, clock, []) == 0
    sender = FakeSender()
    await drain(worker(sessionmaker, sender, clock))
    assert sender.delivered == Counter({1: 1, 2: 1, 3: 1})


async def test_a_live_workers_heartbeat_keeps_its_claims(sessionmaker: SM, clock: FrozenClock) -> None:
    await add_users(sessionmaker, clock, [1, 2])
    await queue(sessionmaker, clock, [1, 2])
    async with sessionmaker() as session, session.begin():
        ids = [
            r.id for r in await repo.due_candidates(session, clock.now(), clock.now(), 10, skip_locked=False)
        ]
        await repo.mark_claimed(session, ids, "slow", clock.now())
    clock.advance(timedelta(seconds=50))
    async with sessionmaker() as session, session.begin():
        assert await repo.heartbeat(session, "slow", clock.now()) == 2
    clock.advance(timedelta(seconds=50))  # 100 s after the claim, 50 s after the heartbeat
    sender = FakeSender()
    assert await worker(sessionmaker, sender, clock, delivery_claim_timeout_seconds=60).run_once() == 0
    clock.advance(timedelta(seconds=11))
    assert await worker(sessionmaker, sender, clock, delivery_claim_timeout_seconds=60).run_once() == 2


async def test_a_kind_without_renderer_fails_and_is_never_sent_raw(
    sessionmaker: SM, clock: FrozenClock
) -> None:
    await add_users(sessionmaker, clock, [1])
    await queue(sessionmaker, clock, [1], kind="nobody-renders-this", data={"text": "secret"})
    sender = FakeSender()
    await drain(worker(sessionmaker, sender, clock))
    assert sender.calls == []
    assert [r.status for r in await rows(sessionmaker)] == ["failed"]


async def test_messages_about_one_thing_to_one_chat_leave_in_the_order_queued(
    sessionmaker: SM, clock: FrozenClock
) -> None:
    """A ticket's messages to the helpers' group: the first fails (5xx) and waits for its retry, the later
    one of the same chat and ref waits for it; other refs go on; a reminder due tomorrow holds nothing back."""
    await add_users(sessionmaker, clock, [1])
    group = -1001
    for text, ref in (("first", "ticket:7"), ("second", "ticket:7"), ("other", "ticket:8")):
        await queue(sessionmaker, clock, [group], ref=ref, users=False, data={"text": text})
    await queue(
        sessionmaker, clock, [1], ref="booking:3", not_before_in=timedelta(days=1), data={"text": "24h"}
    )
    await queue(sessionmaker, clock, [1], ref="booking:3", data={"text": "moved"})
    sender = FakeSender({group: [Transient("Bad Gateway")]})
    w = worker(sessionmaker, sender, clock, delivery_backoff_seconds=5)
    await drain(w)
    sent = lambda: [p["text"] for _, p, _ in sender.calls]  # noqa: E731
    assert sorted(sent()) == ["first", "moved", "other"]  # "first" refused; "second" waits for it
    clock.advance(timedelta(seconds=5))
    await drain(w)
    assert [t for t in sent() if t in ("first", "second")] == ["first", "first", "second"]
    assert w.stats["held_for_order"] >= 1
    assert (await statuses(sessionmaker)) == Counter({"sent": 4, "pending": 1})  # the 24h reminder
