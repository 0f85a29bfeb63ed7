"""The local facts in the database (bot/faq/facts.py), on SQLite and PostgreSQL: the first import (also by
two processes at once), an organizer's change with its validation, sample mark, checked month and audit
line, a form opened before someone else's change, the file in and out, erasure, and the answer every bot
process gives after a change."""

from __future__ import annotations

import argparse
import asyncio
import io
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import audit, users
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.faq import facts as store
from bot.faq import facts_cli
from bot.faq.content import load_content
from bot.faq.facts import Saved
from bot.faq.service import ANSWER, FaqService
from bot.faq.service import new_service as service_of_its_own
from bot.faq.stats import QuestionCounts
from bot.faq.version import content_version
from bot.local_facts import ALL, DEFAULT_FACTS_FILE, LocalFacts, kinds
from bot.services import erasure
from bot.yamlfile import parse_yaml
from storage.models import LocalFactRow
from tests.conftest import make_engine

ORGANIZER = 7001
NEW_PHONE = "+49 5139 987654"


@pytest.fixture(scope="module")
def service() -> FaqService:
    """A process of its own (not the shared service other tests use), built once for the module: it reads
    each test's database when its version differs (bot/faq/live.py)."""
    return service_of_its_own(load_settings(_env_file=None), load_content())


async def imported(session: AsyncSession, clock: FrozenClock) -> None:
    assert await store.ensure_imported(session, clock, DEFAULT_FACTS_FILE)
    await users.ensure_user(session, ORGANIZER, clock, organizer_ids=[ORGANIZER])
    await session.commit()


async def row(session: AsyncSession, key: str, lang: str = ALL) -> LocalFactRow:
    found = await session.get(LocalFactRow, (key, lang), populate_existing=True)
    assert found is not None
    return found


async def test_the_first_start_imports_the_file_once(session: AsyncSession, clock: FrozenClock) -> None:
    assert await store.load(session) is None  # empty: the bot answers from the file meanwhile
    await imported(session, clock)
    facts = await store.load(session)
    assert facts is not None and facts.facts == LocalFacts.load(DEFAULT_FACTS_FILE).facts
    assert await content_version(session) == 1  # every process reads the facts again
    phone = await row(session, "contact_phone")
    assert (phone.kind, phone.value, phone.sample, phone.checked) == (
        "phone",
        "+49 511 0000000",
        True,
        "2026-11",
    )
    assert await store.ensure_imported(session, clock, DEFAULT_FACTS_FILE) is False
    assert await content_version(session) == 1


async def test_two_processes_starting_at_once_import_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async def start() -> bool:
        async with sessionmaker() as session:
            done = await store.ensure_imported(session, clock, DEFAULT_FACTS_FILE)
            await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
            await session.commit()
            return done

    results = await asyncio.gather(start(), start())
    assert sorted(results) == [False, True]
    async with sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(LocalFactRow))
        assert count == sum(len(f.values) for f in LocalFacts.load().facts.values())
        assert await content_version(session) == 1


async def test_a_changed_phone_number_loses_its_sample_mark_and_is_audited(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await imported(session, clock)
    result = await store.save(
        session, clock, "contact_phone", {ALL: " +49 5139  987654 "}, actor_id=ORGANIZER
    )
    await session.commit()
    assert result.outcome == Saved.SAVED and result.changed == [ALL]
    phone = await row(session, "contact_phone")
    assert (phone.value, phone.sample, phone.checked, phone.updated_by) == (
        NEW_PHONE,
        False,
        "2026-03",
        ORGANIZER,
    )
    [line] = await audit.latest(session, subject="fact:contact_phone")
    assert (line.actor_id, line.action) == (ORGANIZER, store.CHANGED)
    assert (line.before, line.after) == ("+49 511 0000000 (SAMPLE)", NEW_PHONE)
    assert await content_version(session) == 2
    facts = await store.load(session)
    assert facts is not None and facts.get("contact_phone", "ar") == NEW_PHONE


async def test_a_sample_saved_unchanged_stays_a_sample(session: AsyncSession, clock: FrozenClock) -> None:
    await imported(session, clock)
    result = await store.save(session, clock, "contact_phone", {ALL: "+49 511 0000000"}, actor_id=ORGANIZER)
    await session.commit()
    assert result.outcome == Saved.UNCHANGED
    phone = await row(session, "contact_phone")
    assert phone.sample and phone.checked == "2026-11" and phone.updated_by is None
    assert await audit.latest(session, subject="fact:contact_phone") == []
    assert await content_version(session) == 1


async def test_a_real_value_saved_unchanged_is_checked_again(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await imported(session, clock)
    result = await store.save(session, clock, "police_phone", {ALL: "110"}, actor_id=ORGANIZER)
    await session.commit()
    assert result.outcome == Saved.CONFIRMED
    assert (await row(session, "police_phone")).checked == "2026-03"  # was 2026-12 in the file
    [line] = await audit.latest(session, subject="fact:police_phone")
    assert (line.action, line.before, line.after) == (store.CHECKED, "2026-12", "2026-03")
    again = await store.save(session, clock, "police_phone", {ALL: "110"}, actor_id=ORGANIZER)
    assert again.outcome == Saved.UNCHANGED  # checked this month already


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("contact_phone", "0511 / 123 45", kinds.PHONE_CHARS),
        ("contact_phone", "+49 0511 12345", kinds.PHONE_TRUNK),
        ("contact_email", "kontakt(at)example.org", kinds.EMAIL_FORM),
        ("counselling_hours", "dienstags vormittags", kinds.HOURS_FORM),
        ("counselling_hours", "Di 12:00–10:00", kinds.HOURS_TIME),
        ("meeting_place_address", "<script>alert(1)</script>", kinds.NO_HTML),
        ("association_name", "x" * 301, kinds.TOO_LONG),
        ("meeting_place_address", "", kinds.EMPTY),
    ],
)
async def test_an_invalid_value_is_refused_and_nothing_written(
    session: AsyncSession, clock: FrozenClock, key: str, value: str, message: str
) -> None:
    await imported(session, clock)
    before = (await row(session, key)).value
    result = await store.save(session, clock, key, {ALL: value}, actor_id=ORGANIZER)
    await session.commit()
    assert result.outcome == Saved.INVALID
    assert [p.message for p in result.problems[ALL]] == [message]
    assert (await row(session, key)).value == before and (await row(session, key)).sample
    assert await audit.latest(session, subject=f"fact:{key}") == []
    assert await content_version(session) == 1


async def test_hours_and_links_are_stored_in_their_form(session: AsyncSession, clock: FrozenClock) -> None:
    await imported(session, clock)
    result = await store.save(session, clock, "counselling_hours", {ALL: "mi 9-11 uhr"}, actor_id=ORGANIZER)
    assert result.outcome == Saved.SAVED
    assert (await row(session, "counselling_hours")).value == "Mi 9:00–11:00"
    facts = await store.load(session)
    assert facts is not None
    assert facts.get("counselling_hours", "ar") == "الأربعاء من 9:00 حتى 11:00"
    assert facts.get("counselling_hours", "en") == "Wed 9:00–11:00"


async def test_one_language_of_a_text_changes_alone(session: AsyncSession, clock: FrozenClock) -> None:
    await imported(session, clock)
    key = "meeting_place_directions"
    result = await store.save(
        session,
        clock,
        key,
        {"ar": "بالباص رقم 5 إلى محطة Rathaus", "fa": "", "de": (await row(session, key, "de")).value},
        actor_id=ORGANIZER,
    )
    await session.commit()
    assert result.outcome == Saved.SAVED and sorted(result.changed) == ["ar", "fa"]
    assert not (await row(session, key, "ar")).sample
    assert (await row(session, key, "de")).sample and (await row(session, key, "uk")).sample  # not touched
    facts = await store.load(session)
    assert facts is not None
    assert facts.get(key, "fa") == facts.get(key, "de")  # no Persian value any more: German
    lines = await audit.latest(session, subject=f"fact:{key}:fa")
    assert [(x.before is not None, x.after) for x in lines] == [(True, None)]
    refused = await store.save(session, clock, key, {"de": " "}, actor_id=ORGANIZER)
    assert refused.outcome == Saved.INVALID and [p.message for p in refused.problems["de"]] == [kinds.EMPTY]


async def test_a_form_opened_before_another_change_is_refused(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await imported(session, clock)
    [opened] = [
        f for f in await store.stored_facts(session, clock, DEFAULT_FACTS_FILE) if f.fact.name == "jobcenter"
    ]
    first = await store.save(
        session, clock, "jobcenter", {ALL: "Jobcenter Isernhagen"}, actor_id=ORGANIZER, token=opened.token
    )
    assert first.outcome == Saved.SAVED
    second = await store.save(
        session, clock, "jobcenter", {ALL: "Jobcenter Burgdorf"}, actor_id=ORGANIZER, token=opened.token
    )
    assert second.outcome == Saved.CONFLICT
    assert (await row(session, "jobcenter")).value == "Jobcenter Isernhagen"
    assert (
        await store.save(session, clock, "no_such_fact", {ALL: "x"}, actor_id=ORGANIZER)
    ).outcome == Saved.UNKNOWN


async def test_the_file_in_and_out(session: AsyncSession, clock: FrozenClock, tmp_path: Path) -> None:
    await imported(session, clock)
    await store.save(session, clock, "contact_phone", {ALL: NEW_PHONE}, actor_id=ORGANIZER)
    exported = await store.load(session)
    assert exported is not None
    # what the database holds, written and read back, changes nothing
    assert (await store.replace_all(session, clock, LocalFacts.from_raw(exported.to_raw()))).changed == []
    # a file with a changed, a new and a missing fact
    raw = exported.to_raw()
    raw["facts"]["contact_phone"] = "+49 511 1111111"
    raw["facts"]["library_url"] = "https://example.org/bibliothek (SAMPLE)"
    del raw["facts"]["jobcenter"]
    report = await store.replace_all(session, clock, LocalFacts.from_raw(raw))
    await session.commit()
    assert (report.changed, report.added, report.removed) == (
        ["contact_phone"],
        ["library_url"],
        ["jobcenter"],
    )
    facts = await store.load(session)
    assert facts is not None and "jobcenter" not in facts
    assert facts.facts["library_url"].kind == kinds.Kind.LINK and facts.facts["library_url"].is_sample
    assert {line.action for line in await audit.latest(session, subject="fact:jobcenter")} == {store.IMPORTED}
    assert await content_version(session) == 3  # the import, the save, the file (read back: no change)


async def test_erasing_an_organizer_unlinks_their_changes(session: AsyncSession, clock: FrozenClock) -> None:
    await imported(session, clock)
    await store.save(session, clock, "contact_phone", {ALL: NEW_PHONE}, actor_id=ORGANIZER)
    await session.commit()
    await erasure.erase(session, clock, ORGANIZER)
    await session.commit()
    phone = await row(session, "contact_phone")
    assert phone.value == NEW_PHONE and phone.updated_by is None


async def test_the_answer_carries_the_changed_number(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, service: FaqService
) -> None:
    async def ask(text: str = "telefonnummer") -> str:
        async with sessionmaker() as session:
            reply = await service.ask(session, clock, text, "de", QuestionCounts())
            await session.commit()
        assert reply.kind == ANSWER and reply.entry is not None and reply.entry.slug == "contact"
        return reply.answer or ""

    assert "+49 511 0000000 (SAMPLE)" in await ask()
    async with sessionmaker() as session:
        await imported(session, clock)
        result = await store.save(session, clock, "contact_phone", {ALL: NEW_PHONE}, actor_id=ORGANIZER)
        assert result.outcome == Saved.SAVED
        await session.commit()
    answer = await ask()  # the same process, no restart (other processes: tests/e2e/test_facts.py)
    assert NEW_PHONE in answer and "0000000" not in answer
    assert f"{NEW_PHONE} (SAMPLE)" not in answer


def test_the_command_line_exports_and_imports(tmp_path: Path) -> None:
    async def database() -> str:
        engine, url, _ = await make_engine("sqlite", tmp_path)
        await engine.dispose()
        return url

    settings = load_settings(_env_file=None, database_url=asyncio.run(database()))
    out = io.StringIO()
    assert facts_cli.run_export(argparse.Namespace(out=None), out=out, settings=settings) == 0
    exported = parse_yaml(out.getvalue())
    assert exported["facts"]["contact_phone"] == "+49 511 0000000 (SAMPLE)"  # the file, imported on first use
    assert LocalFacts.from_raw(exported).facts == LocalFacts.load(DEFAULT_FACTS_FILE).facts

    exported["facts"]["contact_phone"] = "+49 511 2222222"
    changed = tmp_path / "facts.yaml"
    changed.write_text(yaml.safe_dump(exported, allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    args = argparse.Namespace(file=changed, dry_run=True)
    assert facts_cli.run_import(args, out=out, settings=settings) == 0
    assert "would change 1 fact(s)" in out.getvalue()
    args.dry_run = False
    assert facts_cli.run_import(args, out=out, settings=settings) == 0
    out = io.StringIO()
    facts_cli.run_export(argparse.Namespace(out=None), out=out, settings=settings)
    assert parse_yaml(out.getvalue())["facts"]["contact_phone"] == "+49 511 2222222"

    # a file with an invalid value changes nothing and says why
    exported["facts"]["contact_phone"] = "0511 / 2222"
    changed.write_text(yaml.safe_dump(exported, allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    assert (
        facts_cli.run_import(argparse.Namespace(file=changed, dry_run=False), out=out, settings=settings) == 1
    )
    assert "fact 'contact_phone'" in out.getvalue() and "nothing changed" in out.getvalue()
    assert facts_cli.run_check(argparse.Namespace(file=changed), out=io.StringIO(), settings=settings) == 1
    assert facts_cli.run_check(argparse.Namespace(file=DEFAULT_FACTS_FILE), out=io.StringIO()) == 0


async def test_the_flyer_takes_the_name_organizers_saved(session: AsyncSession, clock: FrozenClock) -> None:
    from bot.flyer.render import association_name_now

    settings = load_settings(_env_file=None)
    assert await association_name_now(session, settings) == "Helfernetzwerk Musterstadt (SAMPLE)"  # the file
    await imported(session, clock)
    name = "Helfernetzwerk Isernhagen e. V."
    assert (await store.save(session, clock, "association_name", {ALL: name}, actor_id=ORGANIZER)).changed
    await session.commit()
    assert await association_name_now(session, settings) == name
