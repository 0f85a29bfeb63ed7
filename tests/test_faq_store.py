"""The FAQ content in the database (issue 16): the import from locales/faq (first install, idempotent,
--replace), the export back in the files' layout (a round trip gives the same content), the first start on
an empty database, and a change reaching a second process before its next question. SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import users
from bot.audit import latest
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.faq import cli, live, store, version
from bot.faq.content import DEFAULT_FAQ_DIR, FaqContent, check_content, load_content
from bot.faq.service import ANSWER, FaqService
from bot.faq.service import new_service as service_of_its_own
from bot.faq.stats import QuestionCounts
from bot.faq.version import bump_content_version, content_version
from storage.models import FaqEntryRow, FaqTopicRow
from storage.repositories import counters
from storage.repositories import faq_content as repo
from tests.faq_quality import few_topics


@pytest.fixture(scope="module")
def faq_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of locales/faq: the files may change while the tests run (others edit them)."""
    folder = tmp_path_factory.mktemp("faq") / "faq"
    shutil.copytree(DEFAULT_FAQ_DIR, folder)
    return folder


@pytest.fixture(scope="module")
def content(faq_dir: Path) -> FaqContent:
    return load_content(faq_dir)


async def count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_import_then_export_gives_the_same_content(
    session: AsyncSession, clock: FrozenClock, content: FaqContent, tmp_path: Path, faq_dir: Path
) -> None:
    result = await store.import_yaml(session, clock, faq_dir)
    await session.commit()
    assert (result.topics, result.entries) == (
        len(content.topics),
        sum(len(e) for e in content.entries.values()),
    )
    assert await load_db_content_fresh(session) == content
    written = await store.export_yaml(session, tmp_path)
    assert {p.name for p in written} == {"topics.yaml", *(f"{lang}.yaml" for lang in content.entries)}
    assert load_content(tmp_path) == content
    assert check_content(tmp_path) == check_content(faq_dir)  # the export is as valid as the files

    # a second export of an import of the export is the same bytes: the layout is stable
    again = tmp_path / "again"
    await store.import_yaml(session, clock, tmp_path, replace=True)
    await store.export_yaml(session, again)
    for path in written:
        assert (again / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


async def load_db_content_fresh(session: AsyncSession) -> FaqContent | None:
    session.expunge_all()
    return await store.load_db_content(session)


async def test_import_twice_changes_nothing_and_keeps_what_organizers_changed(
    session: AsyncSession, clock: FrozenClock, faq_dir: Path, content: FaqContent
) -> None:
    await store.import_yaml(session, clock, faq_dir)
    version = await content_version(session)
    row = await repo.entry(session, "kita", "ar")
    assert row is not None
    row.answer = "نص جديد من المنظمين"
    await session.commit()

    again = await store.import_yaml(session, clock, faq_dir)
    await session.commit()
    assert not again.changed and await content_version(session) == version
    row = await repo.entry(session, "kita", "ar")
    assert row is not None and row.answer == "نص جديد من المنظمين"

    replaced = await store.import_yaml(session, clock, faq_dir, replace=True)
    await session.commit()
    assert (replaced.topics, replaced.entries, replaced.replaced) == (0, 0, 1)
    row = await repo.entry(session, "kita", "ar")
    assert row is not None and row.answer == content.entries["ar"]["kita"].answer_template
    assert await content_version(session) == version + 1
    lines = await latest(session, subject="faq")
    assert [line.action for line in lines] == [store.IMPORTED, store.IMPORTED]


async def test_new_topics_and_languages_of_the_files_are_added(
    session: AsyncSession, clock: FrozenClock, content: FaqContent
) -> None:
    smaller = FaqContent(
        topics=content.topics[:-1],
        entries={lang: dict(list(e.items())[:-1]) for lang, e in content.entries.items() if lang != "fa"},
    )
    await store.import_content(session, clock, smaller)
    await session.commit()
    result = await store.import_content(session, clock, content)
    await session.commit()
    assert result.topics == 1
    assert result.entries == len(content.entries["fa"]) + len(content.entries) - 1
    assert await store.load_db_content(session) == content


async def test_the_first_start_imports_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, faq_dir: Path, content: FaqContent
) -> None:
    await store.import_at_start(sessionmaker, clock, faq_dir)
    await store.import_at_start(
        sessionmaker, clock, faq_dir
    )  # a second process after the first, under the lock
    async with sessionmaker() as session:
        assert await count(session, FaqTopicRow) == len(content.topics)
        assert await content_version(session) == 1


async def test_the_cli_imports_and_exports(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path, faq_dir: Path, content: FaqContent
) -> None:
    engine = sessionmaker.kw["bind"]
    url = engine.url.render_as_string(hide_password=False)
    out = io.StringIO()
    args = argparse.Namespace(faq_dir=faq_dir, replace=False, database_url=url)
    assert await asyncio.to_thread(cli.run_import, args, out) == 0
    assert f"{len(content.topics)} topic(s)" in out.getvalue()
    args = argparse.Namespace(faq_dir=tmp_path, database_url=url)
    assert await asyncio.to_thread(cli.run_export, args, out) == 0
    assert load_content(tmp_path) == content
    async with sessionmaker() as session:
        assert await count(session, FaqEntryRow) == sum(len(e) for e in content.entries.values())


def new_service(content: FaqContent) -> FaqService:
    """A bot process of its own (not the shared service of bot.faq.service, which other tests use)."""
    return service_of_its_own(load_settings(_env_file=None), content)


@pytest.fixture(scope="module")
def small(content: FaqContent) -> FaqContent:
    return few_topics(content)


async def test_a_change_reaches_a_second_process_before_its_next_question(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, small: FaqContent
) -> None:
    service = new_service(small)  # the second process: the change is made without it
    async with sessionmaker() as session:
        await store.import_content(session, clock, small)
        await session.commit()
    question = "وين الروضة للاطفال"
    async with sessionmaker() as session:  # the content read back as it is: no rebuild
        matcher = service.matcher
        before = await service.ask(session, clock, question, "ar", QuestionCounts())
        await session.commit()
        assert service.matcher is matcher
    assert before.kind == ANSWER and before.entry is not None and before.entry.slug == "kita"

    async with sessionmaker() as session:  # the first process (the console) changes the Arabic answer
        row = await repo.entry(session, "kita", "ar")
        assert row is not None
        row.answer = "نص جديد عن <b>الروضة</b>: اتصلوا بنا على {contact_phone}."
        await bump_content_version(session)
        await session.commit()

    async with sessionmaker() as session:  # the second process, no restart
        after = await service.ask(session, clock, question, "ar", QuestionCounts())
        await session.commit()
    assert after.kind == ANSWER and after.answer is not None
    phone = service.facts.get("contact_phone", "ar")
    assert phone is not None and after.answer.startswith(
        f"نص جديد عن <b>الروضة</b>: اتصلوا بنا على \u2068{phone}"
    )

    async with sessionmaker() as session:  # nothing changed since: one read of the counter, no rebuild
        matcher = service.matcher
        assert await service.live.refresh(session, service) is False
        assert service.matcher is matcher


async def test_the_version_is_checked_once_per_session(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    small: FaqContent,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At most one primary-key read per update: faq_for and ask in one session read the counter once; a
    change made in that very session is seen all the same."""
    service = new_service(small)
    reads: list[int] = []

    async def counted(session: AsyncSession) -> int:
        reads.append(1)
        return await content_version(session)

    monkeypatch.setattr(live, "content_version", counted)
    async with sessionmaker() as session:
        await store.import_content(session, clock, small)
        await session.commit()
        await service.live.refresh(session, service)
        await service.ask(session, clock, "kita", "de", QuestionCounts())
        assert len(reads) == 1
        row = await repo.entry(session, "kita", "de")
        assert row is not None
        row.title = "Kita (neu)"
        await bump_content_version(session)
        await session.commit()
        reply = await service.ask(session, clock, "kita platz", "de", QuestionCounts())
        await session.commit()
    assert len(reads) == 2
    assert reply.entry is not None and reply.entry.title == "Kita (neu)"


async def test_the_version_read_with_the_person_needs_no_read_of_its_own(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    small: FaqContent,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The middleware reads the version in the statement that reads the person (handlers.middlewares):
    the FAQ then reads no counter of its own, and still sees another process's change at the next update."""
    service = new_service(small)
    reads: list[str] = []
    current_value = counters.current_value

    async def counted(session: AsyncSession, name: str) -> int:
        reads.append(name)
        return await current_value(session, name)

    monkeypatch.setattr(version.counters, "current_value", counted)
    async with sessionmaker() as session:
        await store.import_content(session, clock, small)
        await session.commit()

    async def update_of_a_person() -> tuple[str, int]:
        async with sessionmaker() as session:
            _, values = await users.ensure_user_and(session, 4242, clock, [], [version.version_column()])
            if values is not None:
                version.read_with_person(session, values[0])
            await service.ask(session, clock, "kita", "de", QuestionCounts())
            await session.commit()
        return service.live.version

    await update_of_a_person()  # new here: nothing read with them, the FAQ reads the counter itself
    assert len(reads) == 1
    first = await update_of_a_person()
    assert len(reads) == 1 and first[1] >= 1  # read with the person
    async with sessionmaker() as session:  # another process's change: the counter moves
        await version.bump_content_version(session)
        await session.commit()
    after = await update_of_a_person()
    assert after[1] == first[1] + 1 and len(reads) == 1


async def test_a_database_without_content_is_answered_from_the_files(
    session: AsyncSession, small: FaqContent
) -> None:
    service = new_service(small)
    edited = replace(small.entries["de"]["kita"], answer_template="anders")
    service.content = FaqContent(
        small.topics, {**small.entries, "de": {**small.entries["de"], "kita": edited}}
    )
    assert await service.live.refresh(session, service) is True  # counter 0: the files' content again
    assert service.content == small and service.content.entries["de"]["kita"].answer_template != "anders"
