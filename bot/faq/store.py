"""The FAQ content in the database: read it for the bot, import it from locales/faq, export it back.

- `load_db_content(session)`: the content as the bot uses it (a `FaqContent`, the same shape the YAML gives);
  None when the database has no topics yet.
- `import_yaml` (`python -m bot faq import`): the first install, and later new topics or languages of the
  repository. It adds what the database lacks and keeps what organizers changed, so running it twice
  changes nothing (`replace=True` overwrites the database's entries with the files' instead).
- `import_if_empty`: at start-up, under the migration lock (bot/app.py), so several processes started at
  once on an empty database import once.
- `export_yaml` (`python -m bot faq export`): topics.yaml and one file per language in the files' own
  layout; `load_content` of the export equals the database's content (tests/test_faq_store.py).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import audit
from bot.clock import Clock
from bot.faq.content import DEFAULT_FAQ_DIR, MACHINE, FaqContent, FaqEntry, Topic, load_content
from bot.faq.detect import SUPPORTED
from bot.faq.version import bump_content_version
from bot.yamlfile import parse_yaml
from storage.models.faq_content import FaqEntryRow, FaqTopicRow
from storage.repositories import faq_content as repo

log = logging.getLogger(__name__)

PERSON = "person"  # FaqEntryRow.review: written (or reviewed) by a person
IMPORTED = "faq.import"  # audit action


def topic_of(row: FaqTopicRow) -> Topic:
    return Topic(row.slug, row.category, row.action or None)


def entry_of(row: FaqEntryRow, topic: Topic) -> FaqEntry:
    return FaqEntry(
        slug=topic.slug,
        lang=row.lang,
        category=topic.category,
        title=row.title,
        answer_template=row.answer,
        questions=tuple(row.questions or ()),
        keywords=tuple(row.keywords or ()),
        action=topic.action,
        checked=row.checked,
        machine=row.review == MACHINE,
    )


def content_of(topic_rows: Sequence[FaqTopicRow], entry_rows: Sequence[FaqEntryRow]) -> FaqContent:
    """Topics in their order; per language (in the order the YAML is read) the entries in the topics'
    order."""
    topics = [topic_of(row) for row in topic_rows]
    by_slug = {t.slug: t for t in topics}
    found: dict[str, dict[str, FaqEntry]] = {}
    for row in entry_rows:
        if row.slug in by_slug:
            found.setdefault(row.lang, {})[row.slug] = entry_of(row, by_slug[row.slug])
    content = FaqContent(topics=topics)
    for lang in [*SUPPORTED, *sorted(set(found) - set(SUPPORTED))]:
        if lang in found:
            content.entries[lang] = {t.slug: found[lang][t.slug] for t in topics if t.slug in found[lang]}
    return content


async def load_db_content(session: AsyncSession) -> FaqContent | None:
    topic_rows = await repo.topics(session)
    if not topic_rows:
        return None
    return content_of(topic_rows, await repo.entries(session))


# --- import ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    topics: int = 0  # topics added
    entries: int = 0  # entries added
    replaced: int = 0  # entries overwritten (replace=True)

    @property
    def changed(self) -> bool:
        return bool(self.topics or self.entries or self.replaced)


def _fill(row: FaqEntryRow, entry: FaqEntry, clock: Clock) -> None:
    row.title, row.answer = entry.title, entry.answer_template
    row.questions, row.keywords = list(entry.questions), list(entry.keywords)
    row.checked = entry.checked
    row.review, row.source_lang = (MACHINE if entry.machine else PERSON), None
    row.updated_at, row.updated_by = clock.now(), None


def _same(row: FaqEntryRow, entry: FaqEntry) -> bool:
    return entry_of(row, Topic(entry.slug, entry.category, entry.action)) == entry


async def import_content(
    session: AsyncSession, clock: Clock, content: FaqContent, *, replace: bool = False
) -> Imported:
    """Add the topics and entries of `content` the database lacks (`replace`: also overwrite the entries
    that differ, and the topics' category and action). The caller commits."""
    now = clock.now()
    topics = {row.slug: row for row in await repo.topics(session)}
    entries = {(row.slug, row.lang): row for row in await repo.entries(session)}
    position = await repo.next_position(session)
    added_topics = added_entries = replaced = 0
    for topic in content.topics:
        row = topics.get(topic.slug)
        if row is None:
            row = FaqTopicRow(
                slug=topic.slug, position=position, category=topic.category, action=topic.action,
                created_at=now, updated_at=now, updated_by=None,
            )  # fmt: skip
            position += 1
            added_topics += 1
            await repo.add(session, row)
        elif replace and (row.category, row.action) != (topic.category, topic.action):
            row.category, row.action, row.updated_at, row.updated_by = topic.category, topic.action, now, None
    for lang, by_slug in content.entries.items():
        for slug, entry in by_slug.items():
            existing = entries.get((slug, lang))
            if existing is None:
                new = FaqEntryRow(slug=slug, lang=lang)
                _fill(new, entry, clock)
                session.add(new)
                added_entries += 1
            elif replace and not _same(existing, entry):
                _fill(existing, entry, clock)
                replaced += 1
    await session.flush()
    result = Imported(added_topics, added_entries, replaced)
    if result.changed:
        await bump_content_version(session)
        after = f"{added_topics} topics, {added_entries} entries added, {replaced} replaced"
        await audit(session, clock, None, IMPORTED, "faq", after=after)
    return result


async def import_yaml(
    session: AsyncSession, clock: Clock, faq_dir: Path = DEFAULT_FAQ_DIR, *, replace: bool = False
) -> Imported:
    return await import_content(session, clock, load_content(faq_dir), replace=replace)


async def import_if_empty(session: AsyncSession, clock: Clock, faq_dir: Path = DEFAULT_FAQ_DIR) -> bool:
    """At start-up: import the files into a database without FAQ content (the caller commits); True if it
    did. Run under the migration lock, so only the first of several processes imports."""
    if await repo.has_topics(session):
        return False
    result = await import_yaml(session, clock, faq_dir)
    log.info("FAQ content imported from %s: %d topics, %d entries", faq_dir, result.topics, result.entries)
    return True


async def import_at_start(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, faq_dir: Path = DEFAULT_FAQ_DIR
) -> None:
    """Start-up (bot/app.py, under the migration lock): the first install of the FAQ content."""
    async with sessionmaker() as session:
        if await import_if_empty(session, clock, faq_dir):
            await session.commit()


# --- export ----------------------------------------------------------------------------------------------

TOPICS_HEADER = (
    "# Slugs, categories and optional action buttons: the same in every language.\n"
    "# action: a bot command the answer offers as a button (book, subscribe, events, privacy, handoff)\n"
)


# What a literal block cannot hold as it is: characters YAML does not print, or reads as line breaks.
_NOT_IN_BLOCK = re.compile(f"{yaml.reader.Reader.NON_PRINTABLE.pattern}|[\x85\u2028\u2029\r]")


# Words and sentences that YAML reads as text without asking the parser (most of them): a letter first, no
# character with a meaning in YAML, not a word YAML reads as true/false/null.
_SURELY_PLAIN = re.compile(r"[^\W\d_][^?:#,\[\]{}&*!|>'\"%@`\n]*(?<=[^\s])")
_YAML_WORDS = frozenset("y n yes no on off true false null".split())


@functools.lru_cache(maxsize=8192)
def _plain_ok(text: str, flow: bool) -> bool:
    """Whether `text` reads back as itself without quotes (in a flow list `[a, b]` when `flow`)."""
    if not text or text != text.strip() or "\n" in text:
        return False
    if _SURELY_PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return True
    try:
        return (parse_yaml(f"[{text}]") == [text]) if flow else (parse_yaml(f"k: {text}") == {"k": text})
    except yaml.YAMLError:
        return False


def scalar(text: str, flow: bool = False) -> str:
    """One string as YAML: plain when that reads back the same, else double-quoted (JSON is valid YAML)."""
    return text if _plain_ok(text, flow) else json.dumps(text, ensure_ascii=False)


def topics_yaml(content: FaqContent) -> str:
    lines = [TOPICS_HEADER.rstrip("\n"), "topics:"]
    for t in content.topics:
        action = f", action: {scalar(t.action, True)}" if t.action else ""
        lines.append(f"  - {{slug: {scalar(t.slug, True)}, category: {scalar(t.category, True)}{action}}}")
    return "\n".join(lines) + "\n"


def _entry_yaml(entry: FaqEntry) -> list[str]:
    lines = [f"  - slug: {scalar(entry.slug)}"]
    if entry.checked:
        lines.append(f"    checked: {entry.checked}")
    if entry.machine:
        lines.append(f"    review: {MACHINE}")
    lines.append(f"    title: {scalar(entry.title)}")
    answer = entry.answer_template
    if all(line == line.rstrip() for line in answer.split("\n")) and not _NOT_IN_BLOCK.search(answer):
        lines.append("    answer: |")
        lines.extend(f"      {line}" if line else "" for line in answer.split("\n"))
    else:  # trailing spaces would be lost in a block: keep them in quotes
        lines.append(f"    answer: {json.dumps(answer, ensure_ascii=False)}")
    if entry.questions:
        lines.append("    questions:")
        lines.extend(f"      - {scalar(q)}" for q in entry.questions)
    else:
        lines.append("    questions: []")
    lines.append(f"    keywords: [{', '.join(scalar(k, True) for k in entry.keywords)}]")
    return lines


def language_yaml(lang: str, entries: Sequence[FaqEntry]) -> str:
    if not entries:
        return f"language: {lang}\nentries: []\n"
    blocks = ["\n".join(_entry_yaml(e)) for e in entries]
    return f"language: {lang}\nentries:\n" + "\n\n".join(blocks) + "\n"


async def export_yaml(session: AsyncSession, out_dir: Path) -> list[Path]:
    """Write topics.yaml and <lang>.yaml into `out_dir`; the files written (none without content)."""
    content = await load_db_content(session)
    if content is None:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "topics.yaml"]
    written[0].write_text(topics_yaml(content), encoding="utf-8")
    for lang, by_slug in content.entries.items():
        path = out_dir / f"{lang}.yaml"
        path.write_text(language_yaml(lang, list(by_slug.values())), encoding="utf-8")
        written.append(path)
    return written
