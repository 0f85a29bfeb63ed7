"""One version for all FAQ content, so a change reaches every running bot process without a restart.

Whatever changes the content a process answers from (topics and entries in the console, an example
question from /unanswered, a local fact) calls `bump_content_version(session)` (bot/faq/version.py) in the
same transaction: it advances the counter `faq_content` (table `counters`). Each process compares that counter with the
version its FAQ was built from (`LiveContent.refresh`, once per database session): the version is read in the
statement that reads the update's person (handlers.middlewares.READ_WITH_PERSON), else with a primary-key read
of its own (bot.faq.service.faq_for, FaqService.ask). When it differs, the process reads
the topics, entries and example questions (bot/faq/store.py), gives its connection back, and builds its
matcher again in a worker thread: only the indexes of the languages whose entries changed are built again
(bot.faq.views.language_index; a new example question: 0.3 s for the real FAQ, all ten indexes 1.4 s;
the language detector is kept). Content read back unchanged (the usual first check after a start) costs no
rebuild.

The local facts (bot/faq/facts.py) are read with the content: a changed fact changes the answers' text,
not the matcher. A database without FAQ content or facts (counter 0, or empty tables: a test's, or a bot
before its first import) is answered from the files the service was built with.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from bot.faq import emergency
from bot.faq import facts as facts_store
from bot.faq.content import FaqContent, with_examples
from bot.faq.matcher import FaqMatcher
from bot.faq.store import load_db_content
from bot.faq.version import CHECKED, content_version
from bot.local_facts import LocalFacts
from storage.db import release
from storage.repositories import faq_examples as examples_repo

log = logging.getLogger(__name__)


class FaqService(Protocol):
    """What a rebuild needs of bot.faq.service.FaqService (which holds a LiveContent: no import back)."""

    content: FaqContent
    facts: LocalFacts
    matcher: FaqMatcher
    default_lang: str


Version = tuple[str, int]  # (the database, its counter `faq_content`)


# by the URL object's id; the object is kept with its name, so no other takes its id meanwhile
_DATABASE_NAMES: dict[int, tuple[URL, str]] = {}


def _database_name(url: URL) -> str:
    """Rendered once per URL object (an engine keeps its own): SQLAlchemy renders a URL anew on every
    call, and to hash it as well, so a cache keyed by the URL itself rendered it before every question."""
    known = _DATABASE_NAMES.get(id(url))
    if known is None:
        if len(_DATABASE_NAMES) >= 64:  # (engines of tests come and go)
            _DATABASE_NAMES.clear()
        known = _DATABASE_NAMES[id(url)] = (url, url.render_as_string(hide_password=True))
    return known[1]


Examples = list[tuple[str, str, str]]  # (lang, slug, text)


@dataclass(frozen=True)
class Snapshot:
    content: FaqContent
    facts: LocalFacts
    examples: Examples


class LiveContent:
    """The version of the FAQ content one process answers from (none at first: `base` and `base_facts`,
    from the files).

    The version is the database's counter, so a process compares it and never counts itself; it is kept
    with the database's address, so a service shared by tests on fresh databases is never mistaken."""

    def __init__(self, base: FaqContent, base_facts: LocalFacts) -> None:
        self.base, self.base_facts = base, base_facts
        self.version: Version = ("", 0)
        self.examples: Examples = []  # the example questions in the matcher now
        self._lock = threading.Lock()  # one rebuild at a time (they run in worker threads)

    @property
    def count(self) -> int:
        """Example questions from the database in the matcher now."""
        return len(self.examples)

    async def refresh(self, session: AsyncSession, service: FaqService) -> bool:
        """Before a question: build the FAQ again if its content changed; True if the matcher was rebuilt."""
        if session.info.get(CHECKED):
            return False
        session.info[CHECKED] = True
        database = _database_name(session.bind.url) if session.bind is not None else ""
        version = (database, await content_version(session))
        if version == self.version:
            return False
        if version[1] == 0 and self._only_files(service):
            self.version = version  # nothing in the database, and nothing but the files in memory
            return False
        snapshot = await self._read(session, version[1])
        await release(session)  # no connection (or SQLite lock) held while the matcher is built
        return await asyncio.to_thread(self._rebuild, service, version, snapshot)

    def _only_files(self, service: FaqService) -> bool:
        return service.content is self.base and service.facts is self.base_facts and not self.examples

    async def _read(self, session: AsyncSession, number: int) -> Snapshot:
        """The database's content, facts and examples; the files' content or facts where it has none."""
        content = await load_db_content(session) if number else None
        if content is not None:
            content.asked = self.base.asked  # asked questions live in the files only
            content.not_ours = self.base.not_ours
        facts = await facts_store.load(session) if number else None
        rows = [(e.lang, e.slug, e.text) for e in await examples_repo.all_examples(session)]
        return Snapshot(
            content or self.base,
            emergency.with_numbers(facts) if facts is not None else self.base_facts,
            rows,
        )

    def _rebuild(self, service: FaqService, version: Version, snapshot: Snapshot) -> bool:
        with self._lock:
            if version == self.version:
                return False  # another update of this process rebuilt it meanwhile
            if snapshot.facts != service.facts:  # only the answers' text: no new matcher for it
                service.facts = self.base_facts if snapshot.facts == self.base_facts else snapshot.facts
            content, rows = snapshot.content, snapshot.examples
            if content == service.content and rows == self.examples:
                if content is not service.content and content == self.base:
                    service.content = self.base  # (keeps "nothing but the files" recognisable)
                self.version = version
                return False  # read back as it is: the same content as the files, usually
            service.matcher = FaqMatcher(
                with_examples(content, rows),
                detector=service.matcher.detector,
                default_lang=service.default_lang,
                store=service.matcher.store,
            )
            service.content = content
            self.version, self.examples = version, rows
        log.info(
            "faq matcher rebuilt from the database: %d topics, %d example question(s) (version %d)",
            len(content.topics),
            len(rows),
            version[1],
        )
        return True
