"""Sending broadcasts: when due, a broadcast is expanded into one outbox row per recipient (the active
subscribers of the topic at that moment, filtered by language and role), or held when it is overdue by
more than BROADCAST_OVERDUE_MINUTES (the bot was down) until the organizer decides; the preview shows each
language exactly as it will be sent; when no row is pending any more, the organizer gets a report.

Dedupe key f"broadcast:{id}:{user_id}", ref f"broadcast:{id}", lang = the recipient's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import texts as text_tools
from bot.broadcast import topics as topic_service
from bot.broadcast.broadcasts import (
    CANCELLED,
    DONE,
    HELD,
    HELD_KIND,
    KIND,
    NOW_MARGIN,
    PHOTO_KIND,
    REPORT_COLUMNS,
    REPORT_KIND,
    SCHEDULED,
    SENDING,
    Broadcast,
    BroadcastError,
    BroadcastText,
    Problem,
    Topic,
    check_ready,
    confirm,
    languages,
    photo_ref,
    recipient_counts,
    recipients,
    ref,
    release,
    report,
    text_for,
)
from bot.broadcast.payloads import BroadcastPayload, BroadcastPhotoPayload, Counts, HeldPayload, ReportPayload
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from bot.delivery.report import COLUMNS as report_columns
from bot.delivery.report import KEYS as REPORT_KEYS
from bot.delivery.report import UNKNOWN_LANGUAGE
from storage.models import User
from storage.repositories import broadcast as repo
from storage.repositories import outbox as outbox_repo


@dataclass(frozen=True)
class Confirmed:
    at: datetime
    sending: int | None  # recipients when it went out at once; None when it waits for its time


async def send_or_schedule(
    session: AsyncSession, clock: Clock, settings: Settings, broadcast: Broadcast
) -> Confirmed:
    """Confirm the draft; a broadcast due now (within NOW_MARGIN) is expanded at once, not at the next
    wake-up of the dispatch job."""
    at = await confirm(session, clock, broadcast)
    if at > clock.now() + NOW_MARGIN:
        return Confirmed(at, None)
    result = await dispatch_due(session, clock, settings)
    return Confirmed(at, result.expanded.get(broadcast.id, 0))


async def send_held_now(session: AsyncSession, clock: Clock, settings: Settings, broadcast_id: int) -> int:
    """The organizer's answer to a held broadcast: send it now. The number of recipients."""
    if not await release(session, clock, broadcast_id):
        raise BroadcastError(Problem.NOT_HELD)
    result = await dispatch_due(session, clock, settings)
    return result.expanded.get(broadcast_id, 0)


@dataclass
class DispatchResult:
    expanded: dict[int, int] = field(default_factory=dict)  # broadcast id -> recipients
    held: list[int] = field(default_factory=list)


async def dispatch_due(session: AsyncSession, clock: Clock, settings: Settings) -> DispatchResult:
    """Expand every due broadcast into outbox rows; hold the ones overdue by more than the limit."""
    result = DispatchResult()
    now = clock.now()
    limit = timedelta(minutes=settings.broadcast_overdue_minutes)
    for broadcast_id in await repo.due_broadcast_ids(session, now):
        broadcast = await repo.get_broadcast(session, broadcast_id, for_update=True)
        if broadcast is None or broadcast.state != SCHEDULED or broadcast.scheduled_at is None:
            continue
        if now - broadcast.scheduled_at > limit:
            if await hold(session, clock, settings, broadcast):
                result.held.append(broadcast_id)
            continue
        count = await expand(session, clock, settings, broadcast)
        if count is not None:
            result.expanded[broadcast_id] = count
    return result


async def hold(session: AsyncSession, clock: Clock, settings: Settings, broadcast: Broadcast) -> bool:
    if not await repo.move_state(session, broadcast.id, [SCHEDULED], HELD):
        return False
    if broadcast.created_by is not None:
        organizer = await session.get(User, broadcast.created_by)
        topic = await topic_service.get_topic(session, broadcast.topic_id) if broadcast.topic_id else None
        assert broadcast.scheduled_at is not None
        await outbox.enqueue(
            session,
            clock,
            chat_id=broadcast.created_by,
            user_id=broadcast.created_by,
            kind=HELD_KIND,
            lang=(organizer.language if organizer else None) or settings.default_language,
            ref=f"broadcast-admin:{broadcast.id}",
            dedupe_key=f"broadcast-held:{broadcast.id}:{int(broadcast.scheduled_at.timestamp())}",
            data=HeldPayload(
                broadcast_id=broadcast.id,
                scheduled_at=broadcast.scheduled_at,
                topic_names=dict(topic.names) if topic else {},
                topic_source=topic.source_lang if topic else "de",
            ).data(),
        )
    return True


@dataclass(frozen=True)
class Message:
    """What one reader gets: the broadcast, and the photo on its own first when the text is too long
    for a caption (captions stop at 1024 characters)."""

    lang: str
    payload: BroadcastPayload
    photo_ahead: str | None = None


def message_for(
    broadcast: Broadcast, topic: Topic | None, all_texts: dict[str, BroadcastText], source: str, lang: str
) -> Message:
    html, machine = text_for(all_texts, source, lang)
    photo = broadcast.photo_file_id
    ahead = photo if photo and not text_tools.fits_caption(html) else None
    payload = BroadcastPayload(
        broadcast_id=broadcast.id,
        text=html,
        machine=machine,
        photo=None if ahead else photo,
        topic_id=topic.id if topic else None,
        topic_name=topic_service.topic_name(topic, lang) if topic else "",
        event_id=broadcast.event_id,
    )
    return Message(lang, payload, ahead)


@dataclass(frozen=True)
class Preview:
    message: Message
    recipients: int  # readers of this language now


async def previews(
    session: AsyncSession, settings: Settings, broadcast: Broadcast
) -> tuple[list[Preview], int]:
    """Each audience language exactly as its readers will get it, with their number now; and the total."""
    await check_ready(session, broadcast)
    topic = await topic_service.get_topic(session, broadcast.topic_id) if broadcast.topic_id else None
    all_texts = await repo.broadcast_texts(session, broadcast.id)
    counts = await recipient_counts(session, broadcast, settings)
    source = broadcast.source_lang or settings.default_language
    shown = [
        Preview(message_for(broadcast, topic, all_texts, source, lang), counts[lang])
        for lang in languages(broadcast)
    ]
    return shown, sum(counts.values())


async def expand(session: AsyncSession, clock: Clock, settings: Settings, broadcast: Broadcast) -> int | None:
    """scheduled → sending, with one outbox row per current recipient (in one transaction)."""
    now = clock.now()
    if not await repo.move_state(session, broadcast.id, [SCHEDULED], SENDING, started_at=now):
        return None
    topic = await topic_service.get_topic(session, broadcast.topic_id) if broadcast.topic_id else None
    people = await recipients(session, broadcast, settings)
    all_texts = await repo.broadcast_texts(session, broadcast.id)
    source = broadcast.source_lang or settings.default_language
    queued = 0
    for user_id, lang in people:
        message = message_for(broadcast, topic, all_texts, source, lang)
        if message.photo_ahead:
            await outbox.enqueue(
                session,
                clock,
                chat_id=user_id,
                user_id=user_id,
                kind=PHOTO_KIND,
                method="sendPhoto",
                lang=lang,
                ref=photo_ref(broadcast.id),
                dedupe_key=f"broadcast:{broadcast.id}:{user_id}:photo",
                data=BroadcastPhotoPayload(broadcast_id=broadcast.id, photo=message.photo_ahead).data(),
            )
        if await outbox.enqueue(
            session,
            clock,
            chat_id=user_id,
            user_id=user_id,
            kind=KIND,
            method="sendPhoto" if message.payload.photo else "sendMessage",
            lang=lang,
            ref=ref(broadcast.id),
            dedupe_key=f"broadcast:{broadcast.id}:{user_id}",
            data=message.payload.data(),
        ):
            queued += 1
    broadcast.recipients = queued
    await session.flush()
    return queued


async def finish_sent(session: AsyncSession, clock: Clock, settings: Settings) -> list[int]:
    """Broadcasts with no row pending any more: done, and the organizer's report is queued."""
    finished = []
    for broadcast in await repo.broadcasts_in_state(session, [SENDING], limit=200):
        result = await report(session, broadcast.id)
        if not result["done"]:
            continue
        totals = {key: int(result[key]) for key in ("delivered", "blocked", "failed")}  # kept for the figures
        if not await repo.move_state(
            session, broadcast.id, [SENDING], DONE, finished_at=clock.now(), **totals
        ):
            continue
        finished.append(broadcast.id)
        if broadcast.created_by is None:
            continue
        organizer = await session.get(User, broadcast.created_by)
        topic = await topic_service.get_topic(session, broadcast.topic_id) if broadcast.topic_id else None
        await outbox.enqueue(
            session,
            clock,
            chat_id=broadcast.created_by,
            user_id=broadcast.created_by,
            kind=REPORT_KIND,
            lang=(organizer.language if organizer else None) or settings.default_language,
            ref=f"broadcast-admin:{broadcast.id}",
            dedupe_key=f"broadcast-report:{broadcast.id}",
            data=ReportPayload(
                broadcast_id=broadcast.id,
                topic_names=dict(topic.names) if topic else {},
                topic_source=topic.source_lang if topic else "de",
                recipients=broadcast.recipients or 0,
                totals=_counts(result),
                by_language={lang: _counts(counts) for lang, counts in result["by_language"].items()},
            ).data(),
        )
    return finished


def _counts(row: dict[str, Any]) -> Counts:
    return Counts(**{key: int(row.get(key, 0)) for key in REPORT_COLUMNS})


# --- the history (the web console) ------------------------------------------------------------------------
HISTORY_STATES = (SCHEDULED, SENDING, DONE, HELD, CANCELLED)


async def history(
    session: AsyncSession, states: Sequence[str], *, page: int, per_page: int
) -> list[Broadcast]:
    """A page of the broadcasts in `states` (never drafts), the latest first."""
    wanted = [state for state in states if state in HISTORY_STATES]
    return list(await repo.list_broadcasts(session, wanted, offset=page * per_page, limit=per_page))


async def counts_by_state(session: AsyncSession) -> dict[str, int]:
    counts = await repo.count_by_state(session)
    return {state: counts.get(state, 0) for state in HISTORY_STATES}


async def reports(session: AsyncSession, broadcast_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The delivery report (as `report`) of several broadcasts in one query: id -> report."""
    refs = {ref(broadcast_id): broadcast_id for broadcast_id in broadcast_ids}
    found = {broadcast_id: _empty_report(ref(broadcast_id)) for broadcast_id in broadcast_ids}
    for row_ref, status, lang, count in await outbox_repo.counts_by_ref_status_and_language(
        session, list(refs)
    ):
        result = found[refs[row_ref]]
        column = report_columns.get(status, "failed")
        per_lang = result["by_language"].setdefault(lang or UNKNOWN_LANGUAGE, dict.fromkeys(REPORT_KEYS, 0))
        for bucket in (result, per_lang):
            bucket[column] += int(count)
            bucket["total"] += int(count)
    for result in found.values():
        result["done"] = result["pending"] == 0
        result["by_language"] = dict(sorted(result["by_language"].items()))
    return found


def _empty_report(reference: str) -> dict[str, Any]:
    return {"ref": reference, **dict.fromkeys(REPORT_KEYS, 0), "done": True, "by_language": {}}
