"""The delivery worker: claims due outbox rows, renders them in the reader's language, sends them within
Telegram's limits and records each outcome at once.

Row life: pending → sending (claimed: claimed_by/claimed_at) → sent | blocked | failed.
- claiming: PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`, then `sending` + commit, so several workers never
  share a row; SQLite does the same in one BEGIN IMMEDIATE transaction. A `sending` row whose claim is
  older than the claim timeout belongs to a worker that died and is taken over; a live worker refreshes
  its claims (heartbeat), so that never happens to it.
- 429: every send pauses for retry_after (the limiter), then the same message is tried again;
- 5xx, timeouts, connection errors: back to pending after a backoff (5 s, 10 s, 20 s …), failed after
  `delivery_max_attempts`;
- 403: the user blocked the bot: the row is `blocked`, the user inactive; rows for inactive users are
  marked `blocked` when they come due, without a call;
- 400 and other refusals: `failed` with Telegram's description.
Order: rows with the same chat and ref (a ticket's messages to the helpers' group, a conversation's
replies to one person) leave in the order they were queued: a later one is not claimed while an earlier
one is on its way, also while that one waits for a retry (`first_on_the_way`).
The final state is committed right after each call, so a crash can only repeat the one message whose call
was in flight (at-least-once between the call and the commit; Telegram has no idempotency key).
See docs/delivery.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery.hooks import BLOCKED, FAILED, SENT, Outcome, OutcomeHooks
from bot.delivery.limits import Limiter, Permit
from bot.delivery.render import Rendered, Renderers, UnknownKind
from bot.delivery.sender import (
    Blocked,
    BotApiSender,
    Permanent,
    RetryAfter,
    Sender,
    SendResult,
    Sent,
    Transient,
)
from bot.ops import metrics
from bot.text import Translator
from bot.users import mark_blocked
from storage.repositories import outbox as repo

log = logging.getLogger(__name__)

# methods whose text/caption is Telegram HTML unless the renderer says otherwise (as aiogram's default)
HTML_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAudio",
        "sendAnimation",
        "sendVoice",
        "copyMessage",
        "editMessageCaption",
    }
)
INACTIVE = "recipient inactive (blocked the bot)"
MAX_INLINE_WAIT = 0.25  # a row whose chat is free within this many seconds is claimed and waits in memory
MAX_RETRY_AFTER_IN_MEMORY = 5  # 429s for one message before it goes back to the queue
MAX_GROUP_COMMIT = 100  # outcomes committed in one transaction at most
# An earlier row of the same chat and ref holds a later one back while it is on its way: being sent, being
# retried, or due within this horizon (waiting for its chat's limit, a 429 pause). One scheduled further
# ahead (a reminder for next week) holds nothing back.
ORDER_HORIZON = timedelta(minutes=10)


@dataclass(slots=True)
class Job:
    """A claimed row, as the worker needs it."""

    id: int
    chat_id: int
    user_id: int | None
    kind: str
    ref: str | None
    dedupe_key: str | None
    method: str
    payload: dict[str, Any]
    lang: str
    attempts: int  # attempts before this one


OutcomeQueue = asyncio.Queue[tuple[Job, SendResult, asyncio.Future[None]] | None]


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class DeliveryWorker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sender: Sender,
        settings: Settings,
        clock: Clock | None = None,
        worker_id: str | None = None,
        *,
        renderers: Renderers,
        hooks: OutcomeHooks | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.renderers = renderers
        self.hooks = hooks or OutcomeHooks()
        self.sender = sender
        self.settings = settings
        self.clock = clock or Clock()
        self.worker_id = (worker_id or default_worker_id())[:64]
        self.limiter = limiter or Limiter(
            settings.send_rate_total, settings.send_rate_per_chat, settings.send_rate_per_group_minute
        )
        self.batch_size = settings.delivery_batch_size
        self.concurrency = settings.delivery_concurrency
        self.max_attempts = settings.delivery_max_attempts
        self.backoff = settings.delivery_backoff_seconds
        self.backoff_max = settings.delivery_backoff_max_seconds
        self.claim_timeout = timedelta(seconds=settings.delivery_claim_timeout_seconds)
        self.idle_seconds = settings.delivery_idle_seconds
        self.hold_step = timedelta(seconds=settings.delivery_idle_seconds)  # a row held for order looks again
        # a longer 429 pause sends the messages back to the queue instead of holding them
        self.max_pause_in_memory = min(30.0, settings.delivery_claim_timeout_seconds / 2)
        self.stats: Counter[str] = Counter()
        self._translators: dict[str, Translator] = {}
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_bot(
        cls,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        token: str,
        clock: Clock | None = None,
        **kw: Any,
    ) -> DeliveryWorker:
        """A worker that talks HTTP to `settings.telegram_api_url` with the bot's token."""
        sender = BotApiSender(
            settings.telegram_api_url,
            token,
            timeout=settings.delivery_request_timeout_seconds,
            pool_size=max(8, settings.delivery_concurrency * 2),
        )
        return cls(sessionmaker, sender, settings, clock, **kw)

    # ------------------------------------------------------------------ public
    async def run_once(self) -> int:
        """Claim one batch of due rows and finish it; the number of rows handled (0: nothing due)."""
        jobs, handled = await self._claim()
        if not jobs:
            return handled
        outcomes: OutcomeQueue = asyncio.Queue()
        writer = asyncio.create_task(self._writer(outcomes))
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(job: Job) -> None:
            async with semaphore:  # held until the outcome is committed: at most `concurrency` in flight
                await self._deliver(job, outcomes)

        try:
            await asyncio.gather(*(one(job) for job in jobs))
        finally:
            outcomes.put_nowait(None)
            try:
                await writer
            except asyncio.CancelledError:
                writer.cancel()
                raise
        return handled + len(jobs)

    async def run_forever(self) -> None:
        """Deliver until `stop()`; sleeps `delivery_idle_seconds` between looks when nothing is due."""
        self._stopping.clear()
        heartbeat = asyncio.create_task(self._heartbeat_loop())
        log.info("delivery worker %s started", self.worker_id)
        try:
            while not self._stopping.is_set():
                try:
                    handled = await self.run_once()
                except Exception:
                    log.exception("delivery round failed; retrying shortly")
                    self.stats["round_errors"] += 1
                    handled = 0
                    await self._sleep_unless_stopping(min(5.0, self.idle_seconds * 4))
                if handled == 0:
                    await self._sleep_unless_stopping(self.idle_seconds)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            log.info("delivery worker %s stopped: %s", self.worker_id, dict(self.stats))

    def start(self) -> asyncio.Task[None]:
        """Run `run_forever` as a background task."""
        if self._task is None or self._task.done():
            self._stopping.clear()
            self._task = asyncio.create_task(self.run_forever(), name=f"delivery:{self.worker_id}")
        return self._task

    async def stop(self, timeout: float = 30.0) -> None:
        """Finish the calls in flight and record them, hand unsent claimed rows back, close the sender."""
        self._stopping.set()
        task = self._task
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout)
            except TimeoutError:
                log.warning("delivery worker did not stop within %s s; cancelling", timeout)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.sender.close()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # ------------------------------------------------------------------ claiming
    async def _claim(self) -> tuple[list[Job], int]:
        """Claim due rows; rows of inactive users are closed on the way. (jobs, rows closed)."""
        now = self.clock.now()
        default = self.settings.default_language
        jobs: list[Job] = []
        fresh: list[int] = []
        reclaimed: list[int] = []
        closed: list[tuple[Any, str, str]] = []  # (row, status, error)
        async with self.sessionmaker() as session, session.begin():
            dialect = session.get_bind().dialect.name
            rows = await repo.due_candidates(
                session,
                now,
                now - self.claim_timeout,
                self.batch_size,
                skip_locked=dialect == "postgresql",
            )
            # messages about one thing (ref) to one chat leave in the order they were queued
            first = await repo.first_on_the_way(
                session, {(r.chat_id, r.ref) for r in rows if r.ref}, now + ORDER_HORIZON
            )
            ahead: Counter[int] = Counter()
            for row in rows:
                stale = row.status == repo.SENDING
                if row.user_active is False:
                    closed.append((row, BLOCKED, INACTIVE))
                    continue
                head = first.get((row.chat_id, row.ref)) if row.ref else None
                if head is not None and head.id < row.id:  # an earlier one is on its way: after it
                    later = head.not_before if head.status == repo.PENDING else now + self.hold_step
                    await repo.defer(session, row.id, max(later, now))  # out of the way of the others
                    self.stats["held_for_order"] += 1
                    continue
                if stale and row.attempts + 1 >= self.max_attempts:
                    closed.append((row, FAILED, f"gave up after {row.attempts + 1} attempts (worker lost)"))
                    continue
                wait = self.limiter.chat_ready_in(row.chat_id, ahead[row.chat_id])
                if wait > MAX_INLINE_WAIT:
                    await repo.defer(session, row.id, now + timedelta(seconds=wait))
                    self.stats["deferred"] += 1
                    continue
                ahead[row.chat_id] += 1
                (reclaimed if stale else fresh).append(row.id)
                lang = row.lang or row.user_language or default
                jobs.append(
                    Job(
                        id=row.id,
                        chat_id=row.chat_id,
                        user_id=row.user_id,
                        kind=row.kind,
                        ref=row.ref,
                        dedupe_key=row.dedupe_key,
                        method=row.method,
                        payload=dict(row.payload or {}),
                        lang=lang if lang in SUPPORTED_LANGUAGES else default,
                        attempts=row.attempts + (1 if stale else 0),
                    )
                )
            await repo.mark_claimed(session, fresh, self.worker_id, now)
            await repo.mark_claimed(session, reclaimed, self.worker_id, now, count_attempt=True)
            for status, error in {(s, e) for _, s, e in closed}:
                ids = [r.id for r, s, e in closed if (s, e) == (status, error)]
                await repo.set_final(session, ids, status, error)
            for row, status, error in closed:
                lang = row.lang or row.user_language or default
                await self._run_hooks(session, _outcome(row, status, lang, error=error, at=now))
        if reclaimed:
            self.stats["reclaimed"] += len(reclaimed)
            log.warning("delivery: took over %d rows of a worker that stopped answering", len(reclaimed))
        if closed:
            self.stats["skipped_inactive"] += sum(1 for _, s, _ in closed if s == BLOCKED)
            metrics.deliveries(Counter(status for _, status, _ in closed))
        return jobs, len(closed)

    # ------------------------------------------------------------------ sending
    def _translator(self, lang: str) -> Translator:
        tr = self._translators.get(lang)
        if tr is None:
            tr = self._translators[lang] = Translator(lang, self.settings.tz)
        return tr

    def _render(self, job: Job) -> Rendered:
        rendered = self.renderers.render(job.kind, job.payload, self._translator(job.lang))
        params = dict(rendered.params)
        params["chat_id"] = job.chat_id
        if rendered.method in HTML_METHODS and "parse_mode" not in params:
            if ("text" in params and "entities" not in params) or (
                "caption" in params and "caption_entities" not in params
            ):
                params["parse_mode"] = "HTML"
        return Rendered(rendered.method, params)

    async def _deliver(self, job: Job, outcomes: OutcomeQueue) -> None:
        try:
            call = self._render(job)
        except UnknownKind:
            log.error(
                "delivery: no renderer for outbox kind %r (row %s): see bot/wiring.py", job.kind, job.id
            )
            await self._finish(job, Permanent(f"no renderer for kind {job.kind!r}"), outcomes)
            return
        except Exception as error:
            log.exception("delivery: renderer for %r failed on row %s", job.kind, job.id)
            await self._finish(job, Permanent(f"render: {type(error).__name__}: {error}"), outcomes)
            return
        retries = 0
        while True:
            permit = await self._acquire(job.chat_id)
            if permit is None:  # stopping: not sent, back to the queue
                await self._release([job])
                return
            try:
                result: SendResult = await self.sender.send(call.method, call.params)
            except Exception as error:  # a sender bug must not strand the row
                log.exception("delivery: sender failed on row %s", job.id)
                result = Transient(f"{type(error).__name__}: {error}")
            finally:
                self.limiter.release(permit)
            if not isinstance(result, RetryAfter):
                break
            self.stats["rate_limited"] += 1
            metrics.rate_limited("delivery")
            self.limiter.pause(result.seconds)
            retries += 1
            log.warning("delivery: 429, pausing all sends for %s s", result.seconds)
            if (
                result.seconds > self.max_pause_in_memory
                or retries >= MAX_RETRY_AFTER_IN_MEMORY
                or self.stopping
            ):
                await self._release([job], not_before=self.clock.now() + timedelta(seconds=result.seconds))
                return
        await self._finish(job, result, outcomes)

    async def _acquire(self, chat_id: int) -> Permit | None:
        """Wait for the limiter; None when the worker is told to stop first."""
        if self.stopping:
            return None
        permit = self.limiter.try_acquire(chat_id)
        if permit is not None:  # the common case: no tasks needed
            return permit
        acquire = asyncio.ensure_future(self.limiter.acquire(chat_id))
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({acquire, stop}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            acquire.cancel()
            raise
        finally:
            stop.cancel()
        if acquire.done() and not acquire.cancelled():
            return acquire.result()
        acquire.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            permit = await acquire
            self.limiter.release(permit)  # it won the race after all: give the slot back
        return None

    # ------------------------------------------------------------------ recording
    def _backoff(self, attempts: int) -> float:
        return min(self.backoff * 2 ** max(0, attempts - 1), self.backoff_max)

    async def _finish(self, job: Job, result: SendResult, outcomes: OutcomeQueue) -> None:
        """Hand the outcome to the writer and wait until it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        outcomes.put_nowait((job, result, done))
        await done

    async def _writer(self, outcomes: OutcomeQueue) -> None:
        """Commit outcomes as they come. Those that arrive while a commit runs go together into the next
        transaction (group commit): one message alone is committed at once, and under load the database
        keeps up with the sends instead of queueing one commit per message."""
        while True:
            item = await outcomes.get()
            if item is None:
                return
            batch = [item]
            last = False
            while len(batch) < MAX_GROUP_COMMIT and not outcomes.empty():
                following = outcomes.get_nowait()
                if following is None:
                    last = True
                    break
                batch.append(following)
            await self._write(batch)
            if last:
                return

    async def _write(self, batch: list[tuple[Job, SendResult, asyncio.Future[None]]]) -> None:
        try:
            async with self.sessionmaker() as session, session.begin():
                counts = await self._apply_many(session, [(job, result) for job, result, _ in batch])
        except Exception:
            log.warning("delivery: committing %d outcomes failed; one by one", len(batch), exc_info=True)
            counts = Counter([await self._write_alone(job, result) for job, result, _ in batch])
        self.stats.update(counts)
        metrics.deliveries(counts)
        for _, _, done in batch:
            if not done.done():
                done.set_result(None)

    async def _write_alone(self, job: Job, result: SendResult) -> str:
        for attempt in range(4):
            try:
                async with self.sessionmaker() as session, session.begin():
                    return await self._apply(session, job, result)
            except Exception:
                if attempt == 3:
                    # the row stays `sending`; another worker takes it over after the claim timeout
                    log.exception("delivery: could not record the outcome of row %s", job.id)
                    return "record_errors"
                await asyncio.sleep(0.2 * 2**attempt)
        return "record_errors"  # pragma: no cover

    async def _apply_many(self, session: AsyncSession, items: list[tuple[Job, SendResult]]) -> Counter[str]:
        """Successful sends in one statement, the rest one by one; all in the caller's transaction."""
        now = self.clock.now()
        sent = [(job, result) for job, result in items if isinstance(result, Sent)]
        await repo.finish_sent_many(
            session,
            [
                {
                    "id": job.id,
                    "sent_at": now,
                    "telegram_message_id": result.message_id,
                    "attempts": job.attempts + 1,
                    "lang": job.lang,
                }
                for job, result in sent
                if isinstance(result, Sent)
            ],
        )
        counts: Counter[str] = Counter({SENT: len(sent)} if sent else {})
        for job, result in sent:
            if self.hooks.for_kind(job.kind) and isinstance(result, Sent):
                await self._run_hooks(session, _job_outcome(job, SENT, message_id=result.message_id, at=now))
        for job, result in items:
            if not isinstance(result, Sent):
                counts[await self._apply(session, job, result)] += 1
        return counts

    async def _apply(self, session: AsyncSession, job: Job, result: SendResult) -> str:
        """Write one outcome (and run the hooks) in the caller's transaction; the key for `stats`."""
        now = self.clock.now()
        attempts = job.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "lang": job.lang}
        final: str | None = None
        error: str | None = None
        message_id: int | None = None
        if isinstance(result, Sent):
            final, message_id = SENT, result.message_id
            values.update(status=SENT, sent_at=now, telegram_message_id=message_id, error=None)
        elif isinstance(result, Blocked):
            final, error = BLOCKED, result.description
        elif isinstance(result, Permanent):
            final, error = FAILED, result.description
        elif isinstance(result, Transient):
            if attempts >= self.max_attempts:
                final, error = FAILED, f"{result.description} (after {attempts} attempts)"
            else:
                values.update(
                    status=repo.PENDING,
                    not_before=now + timedelta(seconds=self._backoff(attempts)),
                    claimed_by=None,
                    claimed_at=None,
                    error=result.description[:200],
                )
        else:  # pragma: no cover - RetryAfter is handled by the caller
            raise TypeError(f"unexpected result {result!r}")
        if final in (BLOCKED, FAILED):
            values.update(status=final, error=(error or "")[:200])
        if not await repo.finish(session, job.id, self.worker_id, values, sent=final == SENT):
            log.warning("delivery: row %s was taken over by another worker before its outcome", job.id)
            return "claim_lost"
        if final == BLOCKED:
            person = job.user_id if job.user_id is not None else (job.chat_id if job.chat_id > 0 else None)
            if person is not None:
                await mark_blocked(session, person)
        if final is None:
            return "retried"
        await self._run_hooks(
            session, _job_outcome(job, final, message_id=message_id, error=values.get("error"), at=now)
        )
        return final

    async def _release(self, jobs: Iterable[Job], not_before: Any = None) -> None:
        ids = [job.id for job in jobs]
        try:
            async with self.sessionmaker() as session, session.begin():
                await repo.release(session, ids, self.worker_id, not_before)
            self.stats["released"] += len(ids)
        except Exception:
            log.exception("delivery: could not hand rows %s back; they are taken over later", ids)

    async def _run_hooks(self, session: AsyncSession, outcome: Outcome) -> None:
        for hook in self.hooks.for_kind(outcome.kind):
            try:
                async with session.begin_nested():
                    await hook(session, outcome)
            except Exception:
                self.stats["hook_errors"] += 1
                log.exception("delivery: hook %r failed for row %s", hook, outcome.outbox_id)

    # ------------------------------------------------------------------ background
    async def _heartbeat_loop(self) -> None:
        interval = self.claim_timeout.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.sessionmaker() as session, session.begin():
                    await repo.heartbeat(session, self.worker_id, self.clock.now())
            except Exception:
                log.exception("delivery: heartbeat failed")

    async def _sleep_unless_stopping(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


def _outcome(
    row: Any, status: str, lang: str, *, error: str | None = None, at: datetime | None = None
) -> Outcome:
    return Outcome(
        outbox_id=row.id,
        chat_id=row.chat_id,
        user_id=row.user_id,
        kind=row.kind,
        ref=row.ref,
        dedupe_key=row.dedupe_key,
        payload=dict(row.payload or {}),
        lang=lang,
        status=status,
        error=error,
        recorded_at=at,
    )


def _job_outcome(
    job: Job,
    status: str,
    *,
    message_id: int | None = None,
    error: str | None = None,
    at: datetime | None = None,
) -> Outcome:
    return Outcome(
        outbox_id=job.id,
        chat_id=job.chat_id,
        user_id=job.user_id,
        kind=job.kind,
        ref=job.ref,
        dedupe_key=job.dedupe_key,
        payload=job.payload,
        lang=job.lang,
        status=status,
        telegram_message_id=message_id,
        error=error,
        recorded_at=at,
    )
