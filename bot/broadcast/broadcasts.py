"""Broadcasts: an organizer's announcement to the subscribers of one topic, in every reader's language.

States: draft → scheduled → sending → done; a scheduled or sending broadcast can be cancelled; a scheduled
one that is found overdue by more than BROADCAST_OVERDUE_MINUTES (the bot was down) is held until an
organizer decides. The draft lives in the database (not in the dialog state), so composing survives a
restart and the buttons only carry the broadcast id, which is re-checked on every press.

Texts: the original (Telegram HTML, in `source_lang`) and one text per further language, typed by the
organizer or machine-translated (`machine=True`; recipients see a note). A reader whose language has no
text gets the original.

When due, a broadcast is expanded into one outbox row per recipient (the active subscribers of the topic
at that moment, filtered by language and role): dedupe key f"broadcast:{id}:{user_id}", ref
f"broadcast:{id}", lang = the recipient's language. When no row is pending any more, the organizer gets a
report: delivered, blocked, failed, per language.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import texts as text_tools
from bot.broadcast import topics as topic_service
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery import outbox
from bot.delivery.report import delivery_report
from bot.services.users import ROLE_RANK, ROLES
from bot.translation.service import MachineTranslator
from storage.models import Broadcast, BroadcastText, Topic, User
from storage.repositories import broadcast as repo

DRAFT, SCHEDULED, SENDING, DONE, CANCELLED, HELD = (
    "draft",
    "scheduled",
    "sending",
    "done",
    "cancelled",
    "held",
)
PLANNED = (SCHEDULED, HELD, SENDING)
KIND, PHOTO_KIND = "broadcast", "broadcast_photo"
REPORT_KIND, HELD_KIND = "broadcast_report", "broadcast_held"
REPORT_COLUMNS = ("delivered", "blocked", "failed", "cancelled")
DRAFT_TTL = timedelta(days=7)


class BroadcastError(Exception):
    """A rule was broken; `code` names it for the handler's message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def ref(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


def photo_ref(broadcast_id: int) -> str:
    """Photos sent ahead of a long text have their own reference, so the report counts each person once."""
    return f"broadcast:{broadcast_id}:photo"


# --- composing ------------------------------------------------------------------------------------------
async def create_draft(session: AsyncSession, clock: Clock, creator: User) -> Broadcast:
    """A new draft; the organizer's older drafts are dropped (one composition at a time)."""
    await repo.delete_drafts(session, created_by=creator.id)
    return await repo.add_broadcast(
        session, Broadcast(state=DRAFT, created_by=creator.id, created_at=clock.now(), source_lang=None)
    )


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await repo.get_broadcast(session, broadcast_id)


async def get_draft(session: AsyncSession, broadcast_id: int, user: User) -> Broadcast | None:
    """The draft, if it is still a draft and belongs to this organizer."""
    broadcast = await repo.get_broadcast(session, broadcast_id)
    if broadcast is None or broadcast.state != DRAFT or broadcast.created_by != user.id:
        return None
    return broadcast


async def set_topic(session: AsyncSession, broadcast: Broadcast, topic_id: int) -> Topic:
    topic = await topic_service.get_topic(session, topic_id)
    if topic is None or not topic.active:
        raise BroadcastError("topic")
    broadcast.topic_id = topic.id
    return topic


def languages(broadcast: Broadcast) -> list[str]:
    """The audience's languages, in the usual order."""
    chosen = broadcast.languages
    return [lang for lang in SUPPORTED_LANGUAGES if chosen is None or lang in chosen]


def roles(broadcast: Broadcast) -> list[str]:
    chosen = broadcast.roles
    return [role for role in ROLES if chosen is None or role in chosen]


def toggle_language(broadcast: Broadcast, lang: str) -> None:
    if lang not in SUPPORTED_LANGUAGES:
        raise BroadcastError("language")
    current = set(languages(broadcast))
    current.symmetric_difference_update({lang})
    broadcast.languages = None if len(current) == len(SUPPORTED_LANGUAGES) else sorted(current)


def toggle_role(broadcast: Broadcast, role: str) -> None:
    if role not in ROLES:
        raise BroadcastError("role")
    current = set(roles(broadcast))
    current.symmetric_difference_update({role})
    broadcast.roles = None if len(current) == len(ROLES) else sorted(current)


def check_text(html: str) -> None:
    if not text_tools.plain_text(html).strip():
        raise BroadcastError("empty")
    if text_tools.visible_length(html) > text_tools.MAX_TEXT:
        raise BroadcastError("too_long")


async def set_original(
    session: AsyncSession, broadcast: Broadcast, html: str, lang: str, photo_file_id: str | None = None
) -> None:
    """The organizer's own text (and optionally photo). Translations made from an earlier original go."""
    check_text(html)
    old = await repo.broadcast_texts(session, broadcast.id)
    for text_lang, row in old.items():
        if row.machine or text_lang == broadcast.source_lang:
            await repo.delete_broadcast_text(session, broadcast.id, text_lang)
    broadcast.source_lang = lang
    if photo_file_id:
        broadcast.photo_file_id = photo_file_id
    await repo.put_broadcast_text(session, broadcast.id, lang, html, machine=False)


def set_photo(broadcast: Broadcast, file_id: str | None) -> None:
    broadcast.photo_file_id = file_id


async def set_source_language(session: AsyncSession, broadcast: Broadcast, lang: str) -> None:
    """The organizer says the original is in another language than we assumed."""
    if lang not in SUPPORTED_LANGUAGES or broadcast.source_lang is None:
        raise BroadcastError("language")
    texts = await repo.broadcast_texts(session, broadcast.id)
    original = texts.get(broadcast.source_lang)
    if original is None:
        raise BroadcastError("empty")
    if lang == broadcast.source_lang:
        return
    await repo.delete_broadcast_text(session, broadcast.id, broadcast.source_lang)
    await repo.delete_broadcast_text(session, broadcast.id, lang)
    await session.flush()
    await repo.put_broadcast_text(session, broadcast.id, lang, original.text, machine=False)
    broadcast.source_lang = lang


async def set_translation(
    session: AsyncSession, broadcast: Broadcast, lang: str, html: str, *, machine: bool = False
) -> None:
    if lang not in SUPPORTED_LANGUAGES or lang == broadcast.source_lang:
        raise BroadcastError("language")
    check_text(html)
    await repo.put_broadcast_text(session, broadcast.id, lang, html, machine=machine)


async def use_original(session: AsyncSession, broadcast: Broadcast, lang: str) -> None:
    """This language gets the original text (its translation is dropped)."""
    if lang == broadcast.source_lang:
        return
    await repo.delete_broadcast_text(session, broadcast.id, lang)


async def texts(session: AsyncSession, broadcast: Broadcast) -> dict[str, BroadcastText]:
    return await repo.broadcast_texts(session, broadcast.id)


def text_for(all_texts: dict[str, BroadcastText], source_lang: str, lang: str) -> tuple[str, bool]:
    """(html, machine) a reader of `lang` gets: their translation, else the original."""
    row = all_texts.get(lang) or all_texts[source_lang]
    return row.text, row.machine


def missing_languages(broadcast: Broadcast, all_texts: dict[str, BroadcastText]) -> list[str]:
    """Audience languages that would get the original because nobody wrote or ordered a translation."""
    return [lang for lang in languages(broadcast) if lang not in all_texts and lang != broadcast.source_lang]


async def machine_translate(
    sessionmaker: async_sessionmaker[AsyncSession],
    translator: MachineTranslator,
    broadcast_id: int,
    user: User,
    targets: list[str],
) -> dict[str, str | None]:
    """Machine-translate the original into `targets` and store each result as a machine translation.

    Runs in its own sessions: on SQLite the caller commits its transaction first (the translator's cache
    needs the write lock while we wait for the network). Formatting of the original is not kept: the
    visible text is translated and escaped. Returns lang -> stored text (None: no translation came).
    """
    async with sessionmaker() as session:
        broadcast = await get_draft(session, broadcast_id, user)
        if broadcast is None or broadcast.source_lang is None:
            raise BroadcastError("not_draft")
        source = broadcast.source_lang
        original = (await repo.broadcast_texts(session, broadcast_id)).get(source)
        if original is None:
            raise BroadcastError("empty")
        plain = text_tools.plain_text(original.text)
    results: dict[str, str | None] = {}
    for lang in targets:
        if lang == source or lang not in SUPPORTED_LANGUAGES:
            continue
        translated = await translator.translate(plain, source, lang) if translator.enabled else None
        html = text_tools.escape(translated) if translated else None
        if html is not None and text_tools.visible_length(html) > text_tools.MAX_TEXT:
            html = None
        results[lang] = html
    async with sessionmaker() as session:
        broadcast = await get_draft(session, broadcast_id, user)
        if broadcast is None:
            raise BroadcastError("not_draft")
        for lang, html in results.items():
            if html is not None:
                await repo.put_broadcast_text(session, broadcast_id, lang, html, machine=True)
        await session.commit()
    return results


# --- audience -------------------------------------------------------------------------------------------
async def recipients(
    session: AsyncSession, broadcast: Broadcast, settings: Settings
) -> list[tuple[int, str]]:
    """(user id, language) of everybody who would get the broadcast now."""
    if broadcast.topic_id is None:
        return []
    topic = await topic_service.get_topic(session, broadcast.topic_id)
    if topic is None:
        return []
    allowed_roles = [r for r in roles(broadcast) if ROLE_RANK[r] >= ROLE_RANK.get(topic.min_role, 0)]
    rows = await repo.subscribers(
        session,
        topic.id,
        default_lang=settings.default_language,
        languages=languages(broadcast),
        roles=allowed_roles,
    )
    return [(uid, lang) for uid, lang, _role in rows]


async def recipient_counts(session: AsyncSession, broadcast: Broadcast, settings: Settings) -> dict[str, int]:
    counts = Counter(lang for _uid, lang in await recipients(session, broadcast, settings))
    return {lang: counts.get(lang, 0) for lang in languages(broadcast)}


# --- scheduling -----------------------------------------------------------------------------------------
async def check_ready(session: AsyncSession, broadcast: Broadcast) -> None:
    if broadcast.state != DRAFT:
        raise BroadcastError("not_draft")
    if broadcast.topic_id is None:
        raise BroadcastError("topic")
    if not languages(broadcast) or not roles(broadcast):
        raise BroadcastError("audience")
    all_texts = await repo.broadcast_texts(session, broadcast.id)
    if broadcast.source_lang is None or broadcast.source_lang not in all_texts:
        raise BroadcastError("empty")


def check_time(at: datetime, now: datetime) -> None:
    if at <= now:
        raise BroadcastError("past")


def propose_time(broadcast: Broadcast, at: datetime | None, clock: Clock) -> None:
    """Remember the moment the organizer typed (None: now) until they confirm."""
    if at is not None:
        check_time(at, clock.now())
    broadcast.scheduled_at = at


async def confirm(session: AsyncSession, clock: Clock, broadcast: Broadcast) -> datetime:
    """Draft → scheduled, at the proposed moment or now. Returns the moment."""
    await check_ready(session, broadcast)
    now = clock.now()
    at = broadcast.scheduled_at
    if at is not None and at <= now:
        raise BroadcastError("past")
    at = at or now
    if not await repo.move_state(session, broadcast.id, [DRAFT], SCHEDULED, scheduled_at=at):
        raise BroadcastError("not_draft")
    broadcast.state, broadcast.scheduled_at = SCHEDULED, at
    return at


@dataclass
class CancelResult:
    withdrawn: int
    sent: int


async def cancel(session: AsyncSession, broadcast_id: int) -> CancelResult | None:
    """Cancel a scheduled, held or running broadcast; messages not sent yet are withdrawn."""
    broadcast = await repo.get_broadcast(session, broadcast_id, for_update=True)
    if broadcast is None or broadcast.state not in (*PLANNED, DRAFT):
        return None
    if not await repo.move_state(session, broadcast_id, [*PLANNED, DRAFT], CANCELLED):
        return None
    withdrawn = await outbox.cancel(session, ref=ref(broadcast_id))
    await outbox.cancel(session, ref=photo_ref(broadcast_id))
    counts = await report(session, broadcast_id)
    return CancelResult(withdrawn=withdrawn, sent=int(counts["delivered"]))


async def release(session: AsyncSession, clock: Clock, broadcast_id: int) -> bool:
    """A held broadcast goes out now after all (the organizer decided)."""
    return await repo.move_state(session, broadcast_id, [HELD], SCHEDULED, scheduled_at=clock.now())


async def planned(session: AsyncSession) -> list[Broadcast]:
    return list(await repo.broadcasts_in_state(session, PLANNED))


# --- sending --------------------------------------------------------------------------------------------
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
            data={
                "b": broadcast.id,
                "scheduled": broadcast.scheduled_at.isoformat(),
                "topic": dict(topic.names) if topic else {},
                "topic_source": topic.source_lang if topic else "de",
            },
        )
    return True


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
        html, machine = text_for(all_texts, source, lang)
        photo = broadcast.photo_file_id
        if photo and not text_tools.fits_caption(html):
            # The photo first, then the text in its own message (captions stop at 1024 characters).
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
                data={"b": broadcast.id, "photo": photo},
            )
            photo = None
        if await outbox.enqueue(
            session,
            clock,
            chat_id=user_id,
            user_id=user_id,
            kind=KIND,
            method="sendPhoto" if photo else "sendMessage",
            lang=lang,
            ref=ref(broadcast.id),
            dedupe_key=f"broadcast:{broadcast.id}:{user_id}",
            data={
                "b": broadcast.id,
                "text": html,
                "machine": machine,
                "photo": photo,
                "topic": topic.id if topic else None,
                "topic_name": topic_service.topic_name(topic, lang) if topic else "",
                "event": broadcast.event_id,
            },
        ):
            queued += 1
    broadcast.recipients = queued
    await session.flush()
    return queued


async def report(session: AsyncSession, broadcast_id: int) -> dict[str, Any]:
    """Delivered, blocked, failed, cancelled and pending messages, in total and per language (see
    bot.delivery.report); `done` once no message of the broadcast is pending any more."""
    return await delivery_report(session, ref(broadcast_id))


async def finish_sent(session: AsyncSession, clock: Clock, settings: Settings) -> list[int]:
    """Broadcasts with no row pending any more: done, and the organizer's report is queued."""
    finished = []
    for broadcast in await repo.broadcasts_in_state(session, [SENDING], limit=200):
        result = await report(session, broadcast.id)
        if not result["done"]:
            continue
        if not await repo.move_state(session, broadcast.id, [SENDING], DONE, finished_at=clock.now()):
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
            data={
                "b": broadcast.id,
                "topic": dict(topic.names) if topic else {},
                "topic_source": topic.source_lang if topic else "de",
                "recipients": broadcast.recipients or 0,
                "totals": {key: result[key] for key in REPORT_COLUMNS},
                "by_language": {
                    lang: {key: counts[key] for key in REPORT_COLUMNS}
                    for lang, counts in result["by_language"].items()
                },
            },
        )
    return finished


async def drop_stale_drafts(session: AsyncSession, clock: Clock) -> int:
    return await repo.delete_drafts(session, before=clock.now() - DRAFT_TTL)


# --- an event announced in one step -----------------------------------------------------------------------
async def draft_from_event(
    session: AsyncSession,
    clock: Clock,
    creator: User,
    *,
    event_id: int,
    topic_id: int,
    source_lang: str,
    texts_by_lang: dict[str, tuple[str, bool]],
) -> Broadcast:
    """A ready draft announcing an event: its topic, all languages and roles, the texts given per language
    (html, machine). The organizer previews it and schedules or sends it like any other."""
    if source_lang not in texts_by_lang:
        raise BroadcastError("empty")
    broadcast = await create_draft(session, clock, creator)
    await set_topic(session, broadcast, topic_id)
    broadcast.source_lang = source_lang
    broadcast.event_id = event_id
    for lang, (html, machine) in texts_by_lang.items():
        check_text(html)
        await repo.put_broadcast_text(
            session, broadcast.id, lang, html, machine=machine and lang != source_lang
        )
    return broadcast
