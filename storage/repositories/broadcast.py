"""Topics, subscriptions, events, attendance, broadcasts, outbox counts, translation cache: queries only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert_insert
from storage.models import (
    Attendance,
    Broadcast,
    BroadcastText,
    Event,
    EventText,
    Subscription,
    Topic,
    TranslationCache,
    User,
)


# --- topics -----------------------------------------------------------------------------------------
async def list_topics(session: AsyncSession, *, active_only: bool = True) -> Sequence[Topic]:
    stmt = select(Topic).order_by(Topic.sort, Topic.id)
    if active_only:
        stmt = stmt.where(Topic.active.is_(True))
    return (await session.scalars(stmt)).all()


async def get_topic(session: AsyncSession, topic_id: int) -> Topic | None:
    return await session.get(Topic, topic_id)


async def add_topic(session: AsyncSession, topic: Topic) -> Topic:
    session.add(topic)
    await session.flush()
    return topic


async def max_topic_sort(session: AsyncSession) -> int:
    return int((await session.scalar(select(func.max(Topic.sort)))) or 0)


# --- subscriptions ----------------------------------------------------------------------------------
async def subscribed_topic_ids(session: AsyncSession, user_id: int) -> set[int]:
    rows = await session.scalars(select(Subscription.topic_id).where(Subscription.user_id == user_id))
    return set(rows.all())


async def add_subscription(session: AsyncSession, user_id: int, topic_id: int, now: datetime) -> bool:
    stmt = (
        upsert_insert(session)(Subscription)
        .values(user_id=user_id, topic_id=topic_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "topic_id"])
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)


async def remove_subscription(session: AsyncSession, user_id: int, topic_id: int) -> bool:
    result = await session.execute(
        delete(Subscription).where(Subscription.user_id == user_id, Subscription.topic_id == topic_id)
    )
    return bool(result.rowcount)


async def subscriber_counts(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(
        select(Subscription.topic_id, func.count())
        .join(User, User.id == Subscription.user_id)
        .where(User.is_active.is_(True))
        .group_by(Subscription.topic_id)
    )
    return {int(topic_id): int(n) for topic_id, n in rows.all()}


async def subscribers(
    session: AsyncSession,
    topic_id: int,
    *,
    default_lang: str,
    languages: Iterable[str] | None = None,
    roles: Iterable[str] | None = None,
) -> list[tuple[int, str, str]]:
    """(user id, language, role) of the active subscribers of a topic, optionally filtered."""
    lang = func.coalesce(User.language, default_lang)
    stmt = (
        select(User.id, lang, User.role)
        .join(Subscription, Subscription.user_id == User.id)
        .where(Subscription.topic_id == topic_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    if languages is not None:
        stmt = stmt.where(lang.in_(list(languages)))
    if roles is not None:
        stmt = stmt.where(User.role.in_(list(roles)))
    rows = await session.execute(stmt)
    return [(int(uid), str(language), str(role)) for uid, language, role in rows.all()]


# --- events -----------------------------------------------------------------------------------------
async def add_event(session: AsyncSession, event: Event) -> Event:
    session.add(event)
    await session.flush()
    return event


async def get_event(session: AsyncSession, event_id: int, *, for_update: bool = False) -> Event | None:
    stmt = select(Event).where(Event.id == event_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def upcoming_events(session: AsyncSession, now: datetime, limit: int) -> Sequence[Event]:
    stmt = (
        select(Event)
        .where(Event.cancelled_at.is_(None), Event.ends_at > now)
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def events_attended(session: AsyncSession, user_id: int, now: datetime, limit: int) -> Sequence[Event]:
    """The events not cancelled and not over that this person registered for, soonest first."""
    stmt = (
        select(Event)
        .join(Attendance, Attendance.event_id == Event.id)
        .where(Attendance.user_id == user_id, Event.cancelled_at.is_(None), Event.ends_at > now)
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def count_upcoming_events(session: AsyncSession, now: datetime) -> int:
    stmt = select(func.count()).select_from(Event).where(Event.cancelled_at.is_(None), Event.ends_at > now)
    return int((await session.scalar(stmt)) or 0)


def _over(now: datetime, past: bool):  # type: ignore[no-untyped-def]
    return Event.ends_at <= now if past else Event.ends_at > now


async def events_page(
    session: AsyncSession, now: datetime, *, past: bool, limit: int, offset: int
) -> Sequence[Event]:
    """Events not over yet (soonest first, cancelled ones too) or over (latest first): the console's lists."""
    order = (Event.starts_at.desc(), Event.id.desc()) if past else (Event.starts_at, Event.id)
    stmt = select(Event).where(_over(now, past)).order_by(*order).limit(limit).offset(offset)
    return (await session.scalars(stmt)).all()


async def count_events(session: AsyncSession, now: datetime, *, past: bool) -> int:
    stmt = select(func.count()).select_from(Event).where(_over(now, past))
    return int((await session.scalar(stmt)) or 0)


async def texts_of_events(session: AsyncSession, event_ids: Sequence[int], lang: str) -> dict[int, EventText]:
    """Event id → its text in `lang` (for the events that have one)."""
    if not event_ids:
        return {}
    rows = await session.scalars(
        select(EventText).where(EventText.event_id.in_(list(event_ids)), EventText.lang == lang)
    )
    return {row.event_id: row for row in rows.all()}


async def delete_event_text(session: AsyncSession, event_id: int, lang: str) -> None:
    await session.execute(delete(EventText).where(EventText.event_id == event_id, EventText.lang == lang))


async def event_texts(session: AsyncSession, event_id: int) -> dict[str, EventText]:
    rows = await session.scalars(select(EventText).where(EventText.event_id == event_id))
    return {row.lang: row for row in rows.all()}


async def put_event_text(
    session: AsyncSession, event_id: int, lang: str, title: str, body: str, machine: bool
) -> None:
    existing = await session.get(EventText, (event_id, lang))
    if existing is None:
        session.add(EventText(event_id=event_id, lang=lang, title=title, body=body, machine=machine))
    else:
        existing.title, existing.body, existing.machine = title, body, machine
    await session.flush()


async def attendee_count(session: AsyncSession, event_id: int) -> int:
    """The people registered (a family of four counts four)."""
    stmt = select(func.coalesce(func.sum(Attendance.people), 0)).where(Attendance.event_id == event_id)
    return int((await session.scalar(stmt)) or 0)


async def attendee_counts(session: AsyncSession, event_ids: Sequence[int]) -> dict[int, int]:
    """Event id → the people registered."""
    if not event_ids:
        return {}
    rows = await session.execute(
        select(Attendance.event_id, func.sum(Attendance.people))
        .where(Attendance.event_id.in_(list(event_ids)))
        .group_by(Attendance.event_id)
    )
    return {int(eid): int(n or 0) for eid, n in rows.all()}


async def registration_counts(session: AsyncSession, event_ids: Sequence[int]) -> dict[int, int]:
    """Event id → the registrations (a family is one)."""
    if not event_ids:
        return {}
    rows = await session.execute(
        select(Attendance.event_id, func.count())
        .where(Attendance.event_id.in_(list(event_ids)))
        .group_by(Attendance.event_id)
    )
    return {int(eid): int(n) for eid, n in rows.all()}


async def party_sizes(session: AsyncSession, user_id: int, event_ids: Sequence[int]) -> dict[int, int]:
    """Event id → how many people this person registered, for the events they come to."""
    if not event_ids:
        return {}
    rows = await session.execute(
        select(Attendance.event_id, Attendance.people).where(
            Attendance.user_id == user_id, Attendance.event_id.in_(list(event_ids))
        )
    )
    return {int(eid): int(n) for eid, n in rows.all()}


async def attendance_list(session: AsyncSession, event_id: int) -> list[tuple[Attendance, str | None]]:
    """The registrations of an event in the order they came, with each person's language."""
    rows = await session.execute(
        select(Attendance, User.language)
        .join(User, User.id == Attendance.user_id)
        .where(Attendance.event_id == event_id)
        .order_by(Attendance.created_at, Attendance.user_id)
    )
    return [(attendance, lang) for attendance, lang in rows.all()]


async def get_attendance(session: AsyncSession, event_id: int, user_id: int) -> Attendance | None:
    return await session.get(Attendance, (event_id, user_id))


async def add_attendance(session: AsyncSession, attendance: Attendance) -> Attendance:
    session.add(attendance)
    await session.flush()
    return attendance


async def delete_attendance(session: AsyncSession, attendance: Attendance) -> None:
    await session.delete(attendance)
    await session.flush()


async def attendances_starting(
    session: AsyncSession, after: datetime, until: datetime
) -> list[tuple[Attendance, Event, str | None]]:
    """Attendances of events not cancelled that start in (after, until], with each person's language
    (the reminders' candidates)."""
    rows = await session.execute(
        select(Attendance, Event, User.language)
        .join(Event, Event.id == Attendance.event_id)
        .join(User, User.id == Attendance.user_id)
        .where(Event.cancelled_at.is_(None), Event.starts_at > after, Event.starts_at <= until)
        .order_by(Event.starts_at, Event.id, Attendance.user_id)
    )
    return [(attendance, event, lang) for attendance, event, lang in rows.all()]


async def attendees(session: AsyncSession, event_id: int, default_lang: str) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(User.id, func.coalesce(User.language, default_lang))
        .join(Attendance, Attendance.user_id == User.id)
        .where(Attendance.event_id == event_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    return [(int(uid), str(lang)) for uid, lang in rows.all()]


# --- broadcasts -------------------------------------------------------------------------------------
async def add_broadcast(session: AsyncSession, broadcast: Broadcast) -> Broadcast:
    session.add(broadcast)
    await session.flush()
    return broadcast


async def get_broadcast(
    session: AsyncSession, broadcast_id: int, *, for_update: bool = False
) -> Broadcast | None:
    stmt = select(Broadcast).where(Broadcast.id == broadcast_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def broadcast_texts(session: AsyncSession, broadcast_id: int) -> dict[str, BroadcastText]:
    rows = await session.scalars(select(BroadcastText).where(BroadcastText.broadcast_id == broadcast_id))
    return {row.lang: row for row in rows.all()}


async def put_broadcast_text(
    session: AsyncSession, broadcast_id: int, lang: str, text: str, machine: bool
) -> None:
    existing = await session.get(BroadcastText, (broadcast_id, lang))
    if existing is None:
        session.add(BroadcastText(broadcast_id=broadcast_id, lang=lang, text=text, machine=machine))
    else:
        existing.text, existing.machine = text, machine
    await session.flush()


async def delete_broadcast_text(session: AsyncSession, broadcast_id: int, lang: str) -> None:
    await session.execute(
        delete(BroadcastText).where(BroadcastText.broadcast_id == broadcast_id, BroadcastText.lang == lang)
    )


async def broadcasts_in_state(
    session: AsyncSession, states: Iterable[str], *, limit: int = 50
) -> Sequence[Broadcast]:
    stmt = (
        select(Broadcast)
        .where(Broadcast.state.in_(list(states)))
        .order_by(Broadcast.scheduled_at, Broadcast.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def list_broadcasts(
    session: AsyncSession, states: Iterable[str], *, offset: int, limit: int
) -> Sequence[Broadcast]:
    """Broadcasts in these states, the latest (by planned time, else creation) first: a page of them."""
    moment = func.coalesce(Broadcast.scheduled_at, Broadcast.created_at)
    stmt = (
        select(Broadcast)
        .where(Broadcast.state.in_(list(states)))
        .order_by(moment.desc(), Broadcast.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Broadcast.state, func.count()).group_by(Broadcast.state))
    return {str(state): int(n) for state, n in rows.all()}


async def due_broadcast_ids(session: AsyncSession, now: datetime) -> list[int]:
    rows = await session.scalars(
        select(Broadcast.id)
        .where(Broadcast.state == "scheduled", Broadcast.scheduled_at <= now)
        .order_by(Broadcast.scheduled_at, Broadcast.id)
    )
    return [int(i) for i in rows.all()]


async def move_state(
    session: AsyncSession, broadcast_id: int, from_states: Iterable[str], to_state: str, **values: object
) -> bool:
    """Change the state only if it is still one of `from_states` (one statement: no double expansion)."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.state.in_(list(from_states)))
        .values(state=to_state, **values)
    )
    return bool(result.rowcount)


async def delete_drafts(
    session: AsyncSession, *, created_by: int | None = None, before: datetime | None = None
) -> int:
    stmt = delete(Broadcast).where(Broadcast.state == "draft")
    if created_by is not None:
        stmt = stmt.where(Broadcast.created_by == created_by)
    if before is not None:
        stmt = stmt.where(Broadcast.created_at < before)
    result = await session.execute(stmt)
    return int(result.rowcount or 0)


# --- translation cache ------------------------------------------------------------------------------
async def cached_translation(
    session: AsyncSession, backend: str, source: str, target: str, text_hash: str
) -> str | None:
    return await session.scalar(
        select(TranslationCache.translated).where(
            TranslationCache.backend == backend,
            TranslationCache.source == source,
            TranslationCache.target == target,
            TranslationCache.text_hash == text_hash,
        )
    )


async def store_translation(
    session: AsyncSession,
    backend: str,
    source: str,
    target: str,
    text_hash: str,
    translated: str,
    now: datetime,
) -> None:
    stmt = (
        upsert_insert(session)(TranslationCache)
        .values(
            backend=backend,
            source=source,
            target=target,
            text_hash=text_hash,
            translated=translated,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["backend", "source", "target", "text_hash"])
    )
    await session.execute(stmt)
