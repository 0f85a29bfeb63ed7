"""Topics people subscribe to. Names in every language are data (organizers add topics in the bot).

Decision on new topics: /topics asks the organizer for the name in their own language, then for every
other language in turn, where they can type the name, take a machine translation, or skip. A skipped
language is "missing": readers of that language see the name in the language it was first written in,
and /topics lists what is missing so it can be completed later.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES
from bot.services.users import ROLE_RANK, VISITOR
from storage.models import Topic, User
from storage.repositories import broadcast as repo

MAX_NAME = 60
DEFAULT_EMOJI = "📢"


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


def clean_name(text: str) -> str | None:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME or "<" in name or ">" in name:
        return None
    return name


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
