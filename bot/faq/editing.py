"""Editing the FAQ content (the console's FAQ editor; the inbox makes topics with `create_topic`).

- `topic_list`: every topic with each language's state: complete, a machine translation to review,
  missing, or stale (its checked month is STALE_MONTHS or more ago: bot/faq/freshness.py);
- `topic_page`: one topic's six languages, each with a `token` of the stored text, so a save over someone
  else's newer text is refused (CONFLICT) instead of overwriting it;
- `save_entry`: an organizer's text for one language, checked (bot/faq/validation.py); saving a machine
  translation marks it reviewed, even unchanged;
- `prefill`: a machine translation from another language into a missing language (or over an earlier
  machine translation, never over a person's text), marked "to review"; the bot answers with it under a
  note that it is a machine translation, until a person saves it;
- `create_topic`: a new topic with its first language.
Every change writes an audit line (who, what, when, before and after) and advances the FAQ content's
version, so every bot process answers with it before its next question (bot/faq/live.py). The caller
commits (the console's request owns the unit of work).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.faq import emergency
from bot.faq import facts as facts_store
from bot.faq.content import ACTIONS, CATEGORIES, MACHINE, MAX_SLUG, MAX_TITLE, placeholders
from bot.faq.freshness import is_stale
from bot.faq.store import PERSON
from bot.faq.validation import EntryForm, EntryProblem, check_entry, parse_form
from bot.faq.version import bump_content_version
from bot.local_facts import LocalFacts
from bot.telegram_html import plain_text
from bot.text import clip, escape
from bot.translation.service import MachineTranslator
from storage.db import release
from storage.models.faq_content import FaqEntryRow, FaqTopicRow
from storage.repositories import faq_content as repo

log = logging.getLogger(__name__)

SAVED_ACTION = "faq.saved"  # audit: an organizer saved one language of a topic (subject faq:<slug>:<lang>)
PREFILLED = "faq.prefilled"  # audit: a machine translation was stored to be reviewed
CREATED = "faq.created"  # audit: a new topic (subject faq:<slug>)
DEFAULT_CATEGORY = "help"


async def facts_now(session: AsyncSession, settings: Settings) -> LocalFacts:
    """The local facts the bot fills in now (the database's, else the file's), with the emergency numbers:
    what an answer is checked and previewed with. Read directly: a page never waits for a rebuild."""
    facts = await facts_store.load(session)
    return emergency.with_numbers(facts if facts is not None else LocalFacts.load(settings.local_facts_file))


class State(StrEnum):
    COMPLETE = "complete"
    REVIEW = "review"  # a machine translation nobody has reviewed yet
    STALE = "stale"  # not checked for STALE_MONTHS months (or never)
    MISSING = "missing"


def state_of(row: FaqEntryRow | None, today: date) -> State:
    if row is None:
        return State.MISSING
    if row.review == MACHINE:
        return State.REVIEW
    return State.STALE if is_stale(row.checked, today) else State.COMPLETE


@dataclass(frozen=True)
class TopicSummary:
    slug: str
    category: str
    action: str | None
    title: str  # in the first language that has one, German first
    states: dict[str, State]  # language -> state, in SUPPORTED_LANGUAGES order
    updated_at: datetime


async def topic_list(session: AsyncSession, today: date, prefer: str = "de") -> list[TopicSummary]:
    entries: dict[str, dict[str, FaqEntryRow]] = {}
    for row in await repo.entries(session):
        entries.setdefault(row.slug, {})[row.lang] = row
    found = []
    for topic in await repo.topics(session):
        rows = entries.get(topic.slug, {})
        first = next((rows[lang] for lang in (prefer, *SUPPORTED_LANGUAGES) if lang in rows), None)
        found.append(
            TopicSummary(
                slug=topic.slug,
                category=topic.category,
                action=topic.action,
                title=first.title if first is not None else topic.slug,
                states={lang: state_of(rows.get(lang), today) for lang in SUPPORTED_LANGUAGES},
                updated_at=max([topic.updated_at, *(r.updated_at for r in rows.values())]),
            )
        )
    return found


def token_of(row: FaqEntryRow | None) -> str:
    """A short fingerprint of the stored text ("" while there is none): a form carries it back."""
    if row is None:
        return ""
    parts = (row.title, row.answer, *row.questions, "\x00", *row.keywords, row.checked or "", row.review)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class StoredEntry:
    lang: str
    form: EntryForm
    state: State
    machine: bool
    source_lang: str | None
    updated_at: datetime
    updated_by: int | None
    token: str


@dataclass(frozen=True)
class TopicPage:
    slug: str
    category: str
    action: str | None
    entries: dict[str, StoredEntry | None]  # every supported language; None where it is missing


def _stored(row: FaqEntryRow, today: date) -> StoredEntry:
    form = EntryForm(row.title, row.answer, tuple(row.questions), tuple(row.keywords), row.checked)
    return StoredEntry(
        lang=row.lang,
        form=form,
        state=state_of(row, today),
        machine=row.review == MACHINE,
        source_lang=row.source_lang,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        token=token_of(row),
    )


async def topic_page(session: AsyncSession, slug: str, today: date) -> TopicPage | None:
    topic = await repo.topic(session, slug)
    if topic is None:
        return None
    rows = {row.lang: row for row in await repo.topic_entries(session, slug)}
    entries = {lang: _stored(rows[lang], today) if lang in rows else None for lang in SUPPORTED_LANGUAGES}
    return TopicPage(topic.slug, topic.category, topic.action, entries)


# --- changes ---------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    SAVED = "saved"
    UNCHANGED = "unchanged"  # the same text, already a person's: nothing written
    INVALID = "invalid"  # `problems` say why: nothing written
    CONFLICT = "conflict"  # someone changed it since the form was opened: nothing written
    UNKNOWN = "unknown"  # no such topic or language
    NO_TRANSLATOR = "no_translator"  # no machine translation configured
    NO_SOURCE = "no_source"  # the language to translate from has no text
    PERSON_TEXT = "person_text"  # a person's text is there: a machine translation never replaces it
    NOT_TRANSLATED = "not_translated"  # the translator gave nothing (timeout, error) or lost a {placeholder}
    TAKEN = "taken"  # create_topic: the slug is in use


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    problems: list[EntryProblem] = field(default_factory=list)
    slug: str | None = None


def subject(slug: str, lang: str | None = None) -> str:
    return f"faq:{slug}:{lang}" if lang else f"faq:{slug}"


def summary(row: FaqEntryRow | None) -> str | None:
    """An entry in an audit line: what a reader of the log needs to see the change."""
    if row is None:
        return None
    lines = [
        f"title: {row.title}",
        f"answer: {row.answer}",
        f"questions: {' | '.join(row.questions)}",
        f"keywords: {', '.join(row.keywords)}",
        f"checked: {row.checked or '-'}",
    ]
    if row.review == MACHINE:
        lines.append(f"machine translation from {row.source_lang or '?'}")
    return "\n".join(lines)


def _write(row: FaqEntryRow, form: EntryForm, clock: Clock, actor_id: int | None) -> None:
    row.title, row.answer = form.title, form.answer
    row.questions, row.keywords, row.checked = list(form.questions), list(form.keywords), form.checked
    row.updated_at, row.updated_by = clock.now(), actor_id


async def _changed(session: AsyncSession, clock: Clock, actor_id: int | None, slug: str) -> None:
    """The topic's "last changed" and the version every process compares."""
    topic = await repo.topic(session, slug)
    if topic is not None:
        topic.updated_at, topic.updated_by = clock.now(), actor_id
    await bump_content_version(session)


async def save_entry(
    session: AsyncSession,
    clock: Clock,
    actor_id: int | None,
    slug: str,
    lang: str,
    form: EntryForm,
    facts: LocalFacts,
    today: date,
    *,
    token: str | None = None,
) -> Result:
    """Save one language of a topic as a person's text. `token`: the one the form was opened with
    (`StoredEntry.token`, "" for a new language); None skips the check."""
    if lang not in SUPPORTED_LANGUAGES or await repo.topic(session, slug) is None:
        return Result(Outcome.UNKNOWN)
    problems = check_entry(form, lang, facts, today)
    if problems:
        return Result(Outcome.INVALID, problems)
    row = await repo.entry(session, slug, lang, for_update=True)
    if token is not None and token != token_of(row):
        return Result(Outcome.CONFLICT)
    before = summary(row)
    if row is not None and row.review == PERSON and token_of(row) == token_of(_as_row(form, PERSON)):
        return Result(Outcome.UNCHANGED, slug=slug)
    new, row = row is None, row or FaqEntryRow(slug=slug, lang=lang)
    _write(row, form, clock, actor_id)
    row.review, row.source_lang = PERSON, None
    if new and not await _inserted(session, row):
        return Result(Outcome.CONFLICT)  # another organizer wrote this language first
    await session.flush()
    await audit(session, clock, actor_id, SAVED_ACTION, subject(slug, lang), before, summary(row))
    await _changed(session, clock, actor_id, slug)
    log.info("faq entry saved: %s (%s)", slug, lang)
    return Result(Outcome.SAVED, slug=slug)


async def _inserted(session: AsyncSession, *rows: FaqTopicRow | FaqEntryRow) -> bool:
    """Add new rows in a savepoint; False when someone added the same (primary key) meanwhile."""
    try:
        async with session.begin_nested():
            await repo.add_all(session, rows)
    except IntegrityError:
        return False
    return True


def _as_row(form: EntryForm, review: str) -> FaqEntryRow:
    return FaqEntryRow(
        title=form.title,
        answer=form.answer,
        questions=list(form.questions),
        keywords=list(form.keywords),
        checked=form.checked,
        review=review,
    )


async def _translate_lines(
    translator: MachineTranslator, items: Sequence[str], source: str, target: str
) -> tuple[str, ...]:
    """Example questions or keywords, one request for all: () when the lines do not come back one for one."""
    if not items:
        return ()
    translated = await translator.translate("\n".join(items), source, target)
    lines = [line.strip() for line in (translated or "").split("\n") if line.strip()]
    return tuple(lines) if len(lines) == len(items) else ()


async def prefill(
    session: AsyncSession,
    clock: Clock,
    actor_id: int | None,
    slug: str,
    lang: str,
    source_lang: str,
    translator: MachineTranslator,
    facts: LocalFacts,
    today: date,
) -> Result:
    """Machine-translate the topic from `source_lang` into `lang` and store it to be reviewed. Formatting
    is not kept (the visible text is translated); the connection is given back while the translator works."""
    if not translator.enabled:
        return Result(Outcome.NO_TRANSLATOR)
    if lang == source_lang or {lang, source_lang} - set(SUPPORTED_LANGUAGES):
        return Result(Outcome.UNKNOWN)
    if await repo.topic(session, slug) is None:
        return Result(Outcome.UNKNOWN)
    source = await repo.entry(session, slug, source_lang)
    if source is None:
        return Result(Outcome.NO_SOURCE)
    target = await repo.entry(session, slug, lang)
    if target is not None and target.review != MACHINE:
        return Result(Outcome.PERSON_TEXT)
    text, title = plain_text(source.answer), source.title
    questions, keywords, checked = list(source.questions), list(source.keywords), source.checked
    await release(session)  # the translator may take seconds
    answer = await translator.translate(text, source_lang, lang)
    new_title = await translator.translate(title, source_lang, lang)
    if not answer or not new_title or placeholders(answer) != placeholders(text):
        return Result(Outcome.NOT_TRANSLATED)
    form = parse_form(
        lang, clip(" ".join(new_title.split()), MAX_TITLE), escape(answer), checked=checked or ""
    )
    form = EntryForm(
        form.title,
        form.answer,
        await _translate_lines(translator, questions, source_lang, lang),
        await _translate_lines(translator, keywords, source_lang, lang),
        form.checked,
    )
    problems = check_entry(form, lang, facts, today, machine=True)
    if problems:
        return Result(Outcome.INVALID, problems)
    row = await repo.entry(session, slug, lang, for_update=True)  # again: it may have changed meanwhile
    if row is not None and row.review != MACHINE:
        return Result(Outcome.PERSON_TEXT)
    if await repo.topic(session, slug) is None:
        return Result(Outcome.UNKNOWN)
    before = summary(row)
    new, row = row is None, row or FaqEntryRow(slug=slug, lang=lang)
    _write(row, form, clock, actor_id)
    row.review, row.source_lang = MACHINE, source_lang
    if new and not await _inserted(session, row):
        return Result(Outcome.PERSON_TEXT)  # someone wrote this language meanwhile
    await session.flush()
    await audit(session, clock, actor_id, PREFILLED, subject(slug, lang), before, summary(row))
    await _changed(session, clock, actor_id, slug)
    log.info("faq entry machine-translated: %s (%s from %s)", slug, lang, source_lang)
    return Result(Outcome.SAVED, slug=slug)


def slug_for(title: str) -> str:
    """A slug from a title: ASCII letters and digits joined by '-', at most MAX_SLUG ("topic" when a title
    has no Latin letters)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > MAX_SLUG - 3:  # room for "-99"
            break
        slug = longer
    return slug or "topic"


RESERVED_SLUGS = frozenset({"new"})  # the console's /faq/new


async def _free_slug(session: AsyncSession, wanted: str) -> str:
    if wanted not in RESERVED_SLUGS and await repo.topic(session, wanted) is None:
        return wanted
    for n in range(2, 1000):
        candidate = f"{wanted}-{n}"
        if await repo.topic(session, candidate) is None:
            return candidate
    raise RuntimeError("no free slug")


async def create_topic(
    session: AsyncSession,
    clock: Clock,
    actor_id: int | None,
    lang: str,
    form: EntryForm,
    facts: LocalFacts,
    today: date,
    *,
    category: str = DEFAULT_CATEGORY,
    action: str | None = None,
    slug: str | None = None,
) -> Result:
    """A new topic with its text in `lang` (a person's). `slug`: wanted (TAKEN when in use), else one is
    made from the title. The other languages are missing until written or pre-filled."""
    if lang not in SUPPORTED_LANGUAGES or category not in CATEGORIES or (action and action not in ACTIONS):
        return Result(Outcome.UNKNOWN)
    problems = check_entry(form, lang, facts, today)
    if problems:
        return Result(Outcome.INVALID, problems)
    if slug is not None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug) or len(slug) > MAX_SLUG:
            return Result(Outcome.UNKNOWN)
        if slug in RESERVED_SLUGS or await repo.topic(session, slug) is not None:
            return Result(Outcome.TAKEN, slug=slug)
    else:
        slug = await _free_slug(session, slug_for(form.title))
    now = clock.now()
    topic = FaqTopicRow(
        slug=slug, position=await repo.next_position(session), category=category, action=action or None,
        created_at=now, updated_at=now, updated_by=actor_id,
    )  # fmt: skip
    row = FaqEntryRow(slug=slug, lang=lang, review=PERSON, source_lang=None)
    _write(row, form, clock, actor_id)
    if not await _inserted(session, topic, row):
        return Result(Outcome.TAKEN, slug=slug)  # made by someone else at the same moment
    await audit(session, clock, actor_id, CREATED, subject(slug), None, f"{category}\n{summary(row)}")
    await bump_content_version(session)
    log.info("faq topic created: %s (%s)", slug, lang)
    return Result(Outcome.SAVED, slug=slug)
