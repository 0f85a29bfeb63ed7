"""Topics people subscribe to. Names in every language are data (organizers add topics in the bot).

Decision on new topics: /topics asks the organizer for the name in their own language, then for every
other language in turn, where they can type the name, take a machine translation, or skip. A skipped
language is "missing": readers of that language see the name in the language it was first written in,
and /topics lists what is missing so it can be completed later.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES
from bot.text import clean_text
from bot.translation.service import MachineTranslator
from bot.users import ROLE_RANK, VISITOR
from storage import db
from storage.models import Topic, User
from storage.repositories import broadcast as repo

# Re-exported: the type handlers receive from this module.
__all__ = ["Topic"]

MAX_NAME = 60
DEFAULT_EMOJI = "📢"


class Problem(StrEnum):
    NAME = "name"  # empty, too long, or with < > in it
    LANGUAGE = "language"


class TopicError(Exception):
    """A rule was broken; `code` names it for the handler's message."""

    def __init__(self, code: Problem) -> None:
        super().__init__(code)
        self.code = code


def topic_name(topic: Topic, lang: str) -> str:
    names = topic.names or {}
    return names.get(lang) or names.get(topic.source_lang) or next(iter(names.values()), "?")


def missing_languages(topic: Topic) -> list[str]:
    names = topic.names or {}
    return [lang for lang in SUPPORTED_LANGUAGES if not (names.get(lang) or "").strip()]


def visible_to(topic: Topic, role: str) -> bool:
    return topic.active and ROLE_RANK.get(role, 0) >= ROLE_RANK.get(topic.min_role, 0)


async def topics_for(session: AsyncSession, role: str) -> list[Topic]:
    """Active topics this role may subscribe to, in display order."""
    return [t for t in await repo.list_topics(session) if visible_to(t, role)]


async def all_topics(session: AsyncSession) -> Sequence[Topic]:
    return await repo.list_topics(session, active_only=False)


async def get_topic(session: AsyncSession, topic_id: int) -> Topic | None:
    return await repo.get_topic(session, topic_id)


async def get_active(session: AsyncSession, topic_id: int) -> Topic | None:
    """The topic, if it exists and is not hidden (new broadcasts and events may use it)."""
    topic = await repo.get_topic(session, topic_id)
    return topic if topic is not None and topic.active else None


def clean_name(text: str) -> str | None:
    name = " ".join(clean_text(text).split())
    if not name or len(name) > MAX_NAME or "<" in name or ">" in name:
        return None
    return name


def _typed_name(text: str) -> str:
    name = clean_name(text)
    if name is None:
        raise TopicError(Problem.NAME)
    return name


def check_language(lang: str) -> None:
    if lang not in SUPPORTED_LANGUAGES:
        raise TopicError(Problem.LANGUAGE)


async def create_topic(session: AsyncSession, clock: Clock, creator: User, lang: str, text: str) -> Topic:
    """A new topic from the name the organizer typed in their language (the other names come later)."""
    check_language(lang)
    return await add_topic(session, clock, creator, {lang: _typed_name(text)}, lang)


def rename(topic: Topic, lang: str, text: str) -> None:
    """The name in one language, as the organizer typed it."""
    check_language(lang)
    set_name(topic, lang, _typed_name(text))


async def add_topic(
    session: AsyncSession,
    clock: Clock,
    creator: User,
    names: dict[str, str],
    source_lang: str,
    *,
    emoji: str = DEFAULT_EMOJI,
    min_role: str = VISITOR,
) -> Topic:
    cleaned = {lang: n for lang, n in names.items() if lang in SUPPORTED_LANGUAGES and n.strip()}
    if not cleaned.get(source_lang):
        raise ValueError("a topic needs a name in its source language")
    sort = await repo.max_topic_sort(session) + 10
    topic = Topic(
        key=None,
        emoji=emoji or DEFAULT_EMOJI,
        names=cleaned,
        source_lang=source_lang,
        min_role=min_role,
        sort=sort,
        active=True,
        created_by=creator.id,
        created_at=clock.now(),
    )
    return await repo.add_topic(session, topic)


def set_name(topic: Topic, lang: str, name: str | None) -> None:
    """Set (or with None remove) the name in one language; the source name cannot be removed."""
    names = dict(topic.names or {})
    if name:
        names[lang] = name
    elif lang != topic.source_lang:
        names.pop(lang, None)
    topic.names = names  # a new dict, so SQLAlchemy sees the change of the JSON column


def set_active(topic: Topic, active: bool) -> None:
    topic.active = active


async def machine_translate_names(
    session: AsyncSession, translator: MachineTranslator, topic: Topic
) -> Topic | None:
    """Fill the missing names with machine translations of the original name. The session is released
    while the translator works; the topic is read again afterwards (None: it is gone)."""
    topic_id, source = topic.id, topic.source_lang
    original = topic_name(topic, source)
    missing = missing_languages(topic)
    await db.release(session)
    results = {lang: await translator.translate(original, source, lang) for lang in missing}
    session.expire(topic)
    fresh = await get_topic(session, topic_id)
    if fresh is None:
        return None
    for lang, name in results.items():
        cleaned = clean_name(name or "")
        if cleaned:
            set_name(fresh, lang, cleaned)
    return fresh
