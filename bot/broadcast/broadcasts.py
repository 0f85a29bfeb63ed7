"""Broadcasts: an organizer's announcement to the subscribers of one topic, in every reader's language.

States: draft → scheduled → sending → done; a scheduled or sending broadcast can be cancelled; a scheduled
one that is found overdue by more than BROADCAST_OVERDUE_MINUTES (the bot was down) is held until an
organizer decides. The draft lives in the database (not in the dialog state), so composing survives a
restart and the buttons only carry the broadcast id, which is re-checked on every press.

Texts: the original (Telegram HTML, in `source_lang`) and one text per further language, typed by the
organizer or machine-translated (`machine=True`; recipients see a note). A reader whose language has no
text gets the original.

Sending (expansion into the outbox when due, holding overdue ones, the preview, the organizer's report)
is in sending.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import dates
from bot.broadcast import payloads as kinds
from bot.broadcast import texts as text_tools
from bot.broadcast import topics as topic_service
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery import outbox
from bot.delivery.report import delivery_report
from bot.text import clean_text, escape
from bot.translation.service import MachineTranslator
from bot.users import ROLE_RANK, ROLES
from storage import db
from storage.models import Broadcast, BroadcastText, Topic, User
from storage.repositories import broadcast as repo

# Re-exported: the types handlers receive from this module.
__all__ = ["Broadcast", "BroadcastText", "Topic"]


class State(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"
    HELD = "held"


DRAFT, SCHEDULED, SENDING, DONE, CANCELLED, HELD = State
PLANNED = (SCHEDULED, HELD, SENDING)
KIND, PHOTO_KIND = kinds.BROADCAST, kinds.BROADCAST_PHOTO
REPORT_KIND, HELD_KIND = kinds.BROADCAST_REPORT, kinds.BROADCAST_HELD
REPORT_COLUMNS = ("delivered", "blocked", "failed", "cancelled")
DRAFT_TTL = timedelta(days=7)
# "Send now" starts at once when confirmed within this margin; a later moment is a schedule.
NOW_MARGIN = timedelta(seconds=5)


class Problem(StrEnum):
    """Why a step was refused (the handler turns it into a message)."""

    NOT_DRAFT = "not_draft"  # not a draft (any more), or not this organizer's
    TOPIC = "topic"  # the topic is gone or hidden
    AUDIENCE = "audience"  # no language or no role chosen
    LANGUAGE = "language"  # not a language this step accepts
    ROLE = "role"
    EMPTY = "empty"  # no text (yet)
    TOO_LONG = "too_long"
    UNREADABLE = "unreadable"  # a typed date we cannot read
    PAST = "past"
    NOT_PLANNED = "not_planned"  # nothing to cancel (done, cancelled already)
    NOT_HELD = "not_held"  # not waiting for the organizer's decision


class BroadcastError(Exception):
    """A rule was broken; `code` names it for the handler's message."""

    def __init__(self, code: Problem) -> None:
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


async def draft_of(session: AsyncSession, user: User) -> Broadcast | None:
    """The organizer's draft being composed, if any (one at a time: create_draft drops older ones)."""
    drafts = await repo.broadcasts_in_state(session, [DRAFT], limit=200)
    return next((b for b in drafts if b.created_by == user.id), None)


async def _active_topic(session: AsyncSession, topic_id: int) -> Topic:
    topic = await topic_service.get_active(session, topic_id)
    if topic is None:
        raise BroadcastError(Problem.TOPIC)
    return topic


async def set_topic(session: AsyncSession, broadcast: Broadcast, topic_id: int) -> Topic:
    topic = await _active_topic(session, topic_id)
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
        raise BroadcastError(Problem.LANGUAGE)
    current = set(languages(broadcast))
    current.symmetric_difference_update({lang})
    broadcast.languages = None if len(current) == len(SUPPORTED_LANGUAGES) else sorted(current)


def toggle_role(broadcast: Broadcast, role: str) -> None:
    if role not in ROLES:
        raise BroadcastError(Problem.ROLE)
    current = set(roles(broadcast))
    current.symmetric_difference_update({role})
    broadcast.roles = None if len(current) == len(ROLES) else sorted(current)


def check_text(html: str) -> None:
    if not text_tools.plain_text(html).strip():
        raise BroadcastError(Problem.EMPTY)
    if text_tools.visible_length(html) > text_tools.MAX_TEXT:
        raise BroadcastError(Problem.TOO_LONG)


async def set_original(
    session: AsyncSession, broadcast: Broadcast, html: str, lang: str, photo_file_id: str | None = None
) -> str:
    """The organizer's own text (and optionally photo); its language is the one it is written in where
    that can be told, else `lang` (the organizer's). Translations made from an earlier original go.
    Returns the original's language."""
    html = clean_text(html)
    check_text(html)
    lang = text_tools.looks_like(html, lang) or lang
    old = await repo.broadcast_texts(session, broadcast.id)
    for text_lang, row in old.items():
        if row.machine or text_lang == broadcast.source_lang:
            await repo.delete_broadcast_text(session, broadcast.id, text_lang)
    broadcast.source_lang = lang
    if photo_file_id:
        broadcast.photo_file_id = photo_file_id
    await repo.put_broadcast_text(session, broadcast.id, lang, html, machine=False)
    return lang


def set_photo(broadcast: Broadcast, file_id: str | None) -> None:
    broadcast.photo_file_id = file_id


async def set_source_language(session: AsyncSession, broadcast: Broadcast, lang: str) -> None:
    """The organizer says the original is in another language than we assumed."""
    if lang not in SUPPORTED_LANGUAGES or broadcast.source_lang is None:
        raise BroadcastError(Problem.LANGUAGE)
    texts = await repo.broadcast_texts(session, broadcast.id)
    original = texts.get(broadcast.source_lang)
    if original is None:
        raise BroadcastError(Problem.EMPTY)
    if lang == broadcast.source_lang:
        return
    await repo.delete_broadcast_text(session, broadcast.id, broadcast.source_lang)
    await repo.delete_broadcast_text(session, broadcast.id, lang)
    await session.flush()
    await repo.put_broadcast_text(session, broadcast.id, lang, original.text, machine=False)
    broadcast.source_lang = lang


async def set_translation(
    session: AsyncSession, broadcast: Broadcast, lang: str, html: str, *, machine: bool = False
) -> str | None:
    """Store the text for `lang`; the language it seems to be written in when that is another one (an
    Arabic text given as Farsi: "ar"), for a warning; None when it fits."""
    if lang not in SUPPORTED_LANGUAGES or lang == broadcast.source_lang:
        raise BroadcastError(Problem.LANGUAGE)
    html = clean_text(html)
    check_text(html)
    await repo.put_broadcast_text(session, broadcast.id, lang, html, machine=machine)
    return None if machine else text_tools.looks_like(html, lang)


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


def check_audience(broadcast: Broadcast) -> None:
    """At least one language and one role, before the text is written."""
    if not languages(broadcast) or not roles(broadcast):
        raise BroadcastError(Problem.AUDIENCE)


def check_translation_language(broadcast: Broadcast, lang: str) -> None:
    """A language the organizer may type a translation for: supported, and not the original's."""
    if lang not in SUPPORTED_LANGUAGES or lang == broadcast.source_lang:
        raise BroadcastError(Problem.LANGUAGE)


async def machine_targets(session: AsyncSession, broadcast: Broadcast, lang: str | None) -> list[str]:
    """One language (when the organizer chose it), or every audience language still without a text."""
    if lang is not None:
        return [lang] if lang in SUPPORTED_LANGUAGES else []
    return missing_languages(broadcast, await texts(session, broadcast))


async def machine_translate(
    session: AsyncSession,
    translator: MachineTranslator,
    broadcast: Broadcast,
    user: User,
    targets: list[str],
) -> dict[str, str | None]:
    """Machine-translate the original into `targets` and store each result as a machine translation.

    The session is released while the translator works (its cache needs the database, and nothing may
    wait on our lock meanwhile); afterwards the draft is read again, since the organizer may have dropped
    it. Formatting of the original is not kept: the visible text is translated and escaped. Returns
    lang -> stored text (None: no translation came).
    """
    broadcast_id, source = broadcast.id, broadcast.source_lang
    if broadcast.state != DRAFT or broadcast.created_by != user.id or source is None:
        raise BroadcastError(Problem.NOT_DRAFT)
    original = (await repo.broadcast_texts(session, broadcast_id)).get(source)
    if original is None:
        raise BroadcastError(Problem.EMPTY)
    plain = text_tools.plain_text(original.text)
    await db.release(session)
    results: dict[str, str | None] = {}
    for lang in targets:
        if lang == source or lang not in SUPPORTED_LANGUAGES:
            continue
        translated = await translator.translate(plain, source, lang) if translator.enabled else None
        html = escape(clean_text(translated)) if translated else None
        if html is not None and text_tools.visible_length(html) > text_tools.MAX_TEXT:
            html = None
        results[lang] = html
    session.expire(broadcast)  # read it again: it may have changed while we waited
    if await get_draft(session, broadcast_id, user) is None:
        raise BroadcastError(Problem.NOT_DRAFT)
    for lang, html in results.items():
        if html is not None:
            await repo.put_broadcast_text(session, broadcast_id, lang, html, machine=True)
    return results


# --- every language at once (the web console) ------------------------------------------------------------
def set_audience(broadcast: Broadcast, langs: Collection[str], chosen_roles: Collection[str]) -> None:
    """The audience's languages and roles in one step (at least one of each)."""
    picked_langs = [lang for lang in SUPPORTED_LANGUAGES if lang in langs]
    picked_roles = [role for role in ROLES if role in chosen_roles]
    if not picked_langs or not picked_roles:
        raise BroadcastError(Problem.AUDIENCE)
    broadcast.languages = None if len(picked_langs) == len(SUPPORTED_LANGUAGES) else picked_langs
    broadcast.roles = None if len(picked_roles) == len(ROLES) else picked_roles


@dataclass(frozen=True)
class TypedText:
    """One language's text as the organizer typed it (Telegram HTML), checked."""

    lang: str
    html: str  # normalized: a bare & or < escaped
    length: int  # as Telegram counts it
    problem: Problem | None = None  # EMPTY (the original), TOO_LONG
    html_problem: text_tools.HtmlProblem | None = None  # what Telegram would refuse
    looks_like: str | None = None  # the language it seems to be in, when not its own (a warning only)

    @property
    def ok(self) -> bool:
        return self.problem is None and self.html_problem is None


def check_typed(lang: str, text: str, *, original: bool = False) -> TypedText:
    """A typed text checked as Telegram will take it; an empty box is fine except for the original."""
    html = text_tools.typed_html(clean_text(text))
    length = text_tools.visible_length(html)
    if not text_tools.plain_text(html).strip():
        return TypedText(lang, "", 0, Problem.EMPTY if original else None)
    return TypedText(
        lang,
        html,
        length,
        Problem.TOO_LONG if length > text_tools.MAX_TEXT else None,
        text_tools.html_problem(html),
        text_tools.looks_like(html, lang),
    )


async def save_texts(
    session: AsyncSession,
    broadcast: Broadcast,
    source_lang: str,
    typed: dict[str, str],
    reviewed: Collection[str] = (),
) -> dict[str, TypedText]:
    """The texts of every language at once: `source_lang` is the original, an empty box gets the original.
    Nothing is written when a text breaks a rule (see each TypedText). A machine translation stays marked
    until it is changed or its language is in `reviewed`; when the original changed, the unchanged machine
    translations of the earlier one go (as with set_original)."""
    if broadcast.state != DRAFT:
        raise BroadcastError(Problem.NOT_DRAFT)
    if source_lang not in SUPPORTED_LANGUAGES:
        raise BroadcastError(Problem.LANGUAGE)
    checked = {
        lang: check_typed(lang, typed.get(lang, ""), original=lang == source_lang)
        for lang in SUPPORTED_LANGUAGES
    }
    if not all(c.ok for c in checked.values()):
        return checked
    stored = await repo.broadcast_texts(session, broadcast.id)
    old_source = stored.get(broadcast.source_lang) if broadcast.source_lang else None
    new_original = old_source is None or old_source.text != checked[source_lang].html
    for lang, text in checked.items():
        row = stored.get(lang)
        machine = (
            lang != source_lang
            and row is not None
            and row.machine
            and row.text == text.html
            and lang not in reviewed
        )
        if not text.html or (machine and new_original):
            if row is not None:
                await repo.delete_broadcast_text(session, broadcast.id, lang)
            continue
        if row is None or row.text != text.html or row.machine != machine:
            await repo.put_broadcast_text(session, broadcast.id, lang, text.html, machine=machine)
    broadcast.source_lang = source_lang
    return checked


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
        raise BroadcastError(Problem.NOT_DRAFT)
    if broadcast.topic_id is None:
        raise BroadcastError(Problem.TOPIC)
    if not languages(broadcast) or not roles(broadcast):
        raise BroadcastError(Problem.AUDIENCE)
    all_texts = await repo.broadcast_texts(session, broadcast.id)
    if broadcast.source_lang is None or broadcast.source_lang not in all_texts:
        raise BroadcastError(Problem.EMPTY)


def check_time(at: datetime, now: datetime) -> None:
    if at <= now:
        raise BroadcastError(Problem.PAST)


def propose_time(broadcast: Broadcast, at: datetime | None, clock: Clock) -> None:
    """Remember the moment the organizer typed (None: now) until they confirm."""
    if at is not None:
        check_time(at, clock.now())
    broadcast.scheduled_at = at


def local_moment(value: str, tz: ZoneInfo) -> datetime:
    """A date-time field's value ("2026-12-04T09:00", seconds optional) in the zone `tz`, as UTC."""
    try:
        naive = datetime.fromisoformat(value.strip())
        if naive.tzinfo is not None:
            raise ValueError(value)
        return dates.local_moment(naive.date(), naive.time().replace(microsecond=0), tz)
    except ValueError:  # not a date-time, or a wall-clock time that does not exist (clocks go forward)
        raise BroadcastError(Problem.UNREADABLE) from None


def propose_local_time(broadcast: Broadcast, value: str, clock: Clock, tz: ZoneInfo) -> datetime:
    """The moment chosen in a date-time field, remembered until confirmed; refused when past."""
    at = local_moment(value, tz)
    propose_time(broadcast, at, clock)
    return at


async def confirm(session: AsyncSession, clock: Clock, broadcast: Broadcast) -> datetime:
    """Draft → scheduled, at the proposed moment or now. Returns the moment."""
    await check_ready(session, broadcast)
    now = clock.now()
    at = broadcast.scheduled_at
    if at is not None and at <= now:
        raise BroadcastError(Problem.PAST)
    at = at or now
    if not await repo.move_state(session, broadcast.id, [DRAFT], SCHEDULED, scheduled_at=at):
        raise BroadcastError(Problem.NOT_DRAFT)
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


async def get_planned(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    """A broadcast that can still be cancelled (scheduled, held or being sent)."""
    broadcast = await repo.get_broadcast(session, broadcast_id)
    return broadcast if broadcast is not None and broadcast.state in PLANNED else None


async def release(session: AsyncSession, clock: Clock, broadcast_id: int) -> bool:
    """A held broadcast goes out now after all (the organizer decided)."""
    return await repo.move_state(session, broadcast_id, [HELD], SCHEDULED, scheduled_at=clock.now())


async def hold_planned(session: AsyncSession, broadcast_id: int) -> bool:
    """An organizer stops a scheduled broadcast until they decide (send now, another time, or cancel)."""
    return await repo.move_state(session, broadcast_id, [SCHEDULED], HELD)


async def resume_held(session: AsyncSession, clock: Clock, broadcast_id: int, at: datetime) -> None:
    """A held broadcast goes out at `at` (in the future) after all."""
    check_time(at, clock.now())
    if not await repo.move_state(session, broadcast_id, [HELD], SCHEDULED, scheduled_at=at):
        raise BroadcastError(Problem.NOT_HELD)


async def planned(session: AsyncSession) -> list[Broadcast]:
    return list(await repo.broadcasts_in_state(session, PLANNED))


async def report(session: AsyncSession, broadcast_id: int) -> dict[str, Any]:
    """Delivered, blocked, failed, cancelled and pending messages, in total and per language (see
    bot.delivery.report); `done` once no message of the broadcast is pending any more."""
    return await delivery_report(session, ref(broadcast_id))


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
    (html, machine). The organizer previews it and schedules or sends it like any other. Everything is
    checked before anything is written."""
    if source_lang not in texts_by_lang:
        raise BroadcastError(Problem.EMPTY)
    for html, _machine in texts_by_lang.values():
        check_text(html)
    topic = await _active_topic(session, topic_id)
    broadcast = await create_draft(session, clock, creator)
    broadcast.topic_id = topic.id
    broadcast.source_lang = source_lang
    broadcast.event_id = event_id
    for lang, (html, machine) in texts_by_lang.items():
        await repo.put_broadcast_text(
            session, broadcast.id, lang, clean_text(html), machine=machine and lang != source_lang
        )
    return broadcast
