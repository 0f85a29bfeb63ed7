"""Facts with a date (issue 15, point 6): every FAQ answer and local fact carries the month it was last
checked; `python -m bot faq check` warns (never fails) about what was not checked for six months, and the
organizers, and only they, get one message a month listing it (once, whichever process runs the job)."""

from __future__ import annotations

import argparse
import asyncio
import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FrozenClock
from bot.config import load_settings
from bot.faq import freshness
from bot.faq.cli import run_check
from bot.faq.content import DEFAULT_FAQ_DIR, check_content, load_content
from bot.faq.payloads import StalePayload
from bot.faq.service import build_service
from bot.jobs import JobContext
from bot.local_facts import DEFAULT_FACTS_FILE, LocalFacts, LocalFactsError
from bot.text import Translator
from bot.yamlfile import read_yaml
from handlers.faq.renderers import RENDERERS
from storage.models import OutboxMessage, User

ORGANIZER, LISTED, LISTED_UNKNOWN, HELPER, VISITOR = 9001, 9002, 9003, 9101, 9201
LATER = datetime(2027, 5, 1, 8, 0, tzinfo=UTC)  # six months after November 2026, five after December


def write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the months -------------------------------------------------------------------------------------------


def test_every_answer_in_every_language_has_a_month() -> None:
    content = load_content()
    missing = [
        (lang, slug) for lang, by in content.entries.items() for slug, e in by.items() if not e.checked
    ]
    assert missing == []
    assert len(content.entries) == 6


@pytest.mark.parametrize(
    ("checked", "problem"),
    [(None, "checked is missing"), ("2026-13", "checked must be"), ("November", "checked must be")],
)
def test_faq_check_requires_a_month(tmp_path: Path, checked: str | None, problem: str) -> None:
    (tmp_path / "topics.yaml").write_text((DEFAULT_FAQ_DIR / "topics.yaml").read_text(encoding="utf-8"))
    raw = read_yaml(DEFAULT_FAQ_DIR / "de.yaml")
    entry = raw["entries"][0]
    entry.pop("checked")
    if checked is not None:
        entry["checked"] = checked
    write(tmp_path / "de.yaml", raw)
    problems = check_content(tmp_path, LocalFacts.load(), languages=("de",))
    assert [p for p in problems if "checked" in p] == [p for p in problems if problem in p]
    assert len([p for p in problems if problem in p]) == 1


def test_is_stale_after_six_months() -> None:
    assert not freshness.is_stale("2026-07", datetime(2026, 12, 31).date())
    assert freshness.is_stale("2026-06", datetime(2026, 12, 1).date())
    assert freshness.is_stale(None, datetime(2026, 12, 1).date())


def test_local_facts_carry_a_month_of_their_own_or_the_files(tmp_path: Path) -> None:
    path = write(
        tmp_path / "facts.yaml",
        {
            "checked": "2026-11",
            "facts": {
                "plain": "x",
                "per_language": {"de": "a", "en": "b"},
                "ticket_price": {"checked": "2025-01", "value": {"de": "5 €", "en": "5 €"}},
                "rule": {"checked": "2026-12", "value": "y"},
            },
        },
    )
    facts = LocalFacts.load(path)
    assert facts.get("ticket_price", "en") == "5 €" and facts.get("rule") == "y"
    assert dict(facts.checked) == {
        "plain": "2026-11",
        "per_language": "2026-11",
        "ticket_price": "2025-01",
        "rule": "2026-12",
    }
    today = datetime(2026, 12, 3).date()
    assert [f.name for f in freshness.stale_facts(facts, today)] == ["ticket_price"]

    undated = LocalFacts.load(write(tmp_path / "undated.yaml", {"facts": {"a": "x"}}))
    assert undated.checked == {"a": None}
    assert [(f.name, f.checked) for f in freshness.stale_facts(undated, today)] == [("a", None)]
    with pytest.raises(LocalFactsError, match="month"):
        LocalFacts.load(write(tmp_path / "bad.yaml", {"checked": "2026-11-05", "facts": {"a": "x"}}))


# --- python -m bot faq check -----------------------------------------------------------------------------


def check(clock: FrozenClock, facts: Path = DEFAULT_FACTS_FILE) -> tuple[int, str]:
    out = io.StringIO()
    code = run_check(argparse.Namespace(faq_dir=DEFAULT_FAQ_DIR, facts=facts), out, clock=clock)
    return code, out.getvalue()


def test_faq_check_warns_about_what_was_not_checked_for_six_months(tmp_path: Path) -> None:
    code, out = check(FrozenClock(datetime(2026, 12, 3, tzinfo=UTC)))
    assert code == 0 and "warning" not in out and "FAQ content OK" in out

    code, out = check(FrozenClock(LATER))
    assert code == 0 and "FAQ content OK" in out  # a warning, not a failure
    content, facts = load_content(), LocalFacts.load()
    stale_answers = {e.slug for by in content.entries.values() for e in by.values() if e.checked == "2026-11"}
    for slug in stale_answers:
        assert f"warning: answer '{slug}'" in out
    stale_facts = {name for name, month in facts.checked.items() if month == "2026-11"}
    assert stale_facts and all(month in ("2026-11", "2026-12") for month in facts.checked.values())
    for name in facts.values:
        assert (f"warning: local fact '{name}': checked 2026-11" in out) == (name in stale_facts), name
    fresh = {e.slug for by in content.entries.values() for e in by.values()} - stale_answers
    assert all(f"answer '{slug}'" not in out for slug in fresh)  # checked 2026-12: due in December 2027
    assert f"{len(stale_answers) + len(stale_facts)} warning(s)" in out

    undated = write(tmp_path / "facts.yaml", {"facts": dict(facts.values)})
    code, out = check(FrozenClock(datetime(2026, 12, 3, tzinfo=UTC)), undated)
    assert code == 0 and "warning: local fact 'contact_phone': no checked month" in out


# --- the monthly message -----------------------------------------------------------------------------------


async def people(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
    async with sessionmaker() as session:
        for uid, role in [
            (ORGANIZER, "organizer"),
            (LISTED, "visitor"),
            (HELPER, "helper"),
            (VISITOR, "visitor"),
        ]:
            session.add(User(id=uid, role=role, language="ar" if uid == ORGANIZER else "de", created_at=now))
        await session.commit()


async def stale_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        query = (
            select(OutboxMessage).where(OutboxMessage.kind == freshness.STALE_KIND).order_by(OutboxMessage.id)
        )
        return list((await session.scalars(query)).all())


async def test_organizers_get_one_message_a_month(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    clock = FrozenClock(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    settings = load_settings(_env_file=None, organizer_ids=[LISTED, LISTED_UNKNOWN])
    ctx = JobContext(settings=settings, clock=clock, sessionmaker=sessionmaker)
    await people(sessionmaker, clock.now())

    await freshness.stale_job(ctx)  # December 2026: everything was checked in November or December
    assert await stale_rows(sessionmaker) == []

    clock.set(LATER)
    await asyncio.gather(freshness.stale_job(ctx), freshness.stale_job(ctx))  # two processes at once
    await freshness.stale_job(ctx)  # and a restart later the same month
    rows = await stale_rows(sessionmaker)
    # organizers only: the one in the database and the listed one who started the bot (not the helper,
    # the visitor, or the listed id nobody uses)
    assert sorted(r.chat_id for r in rows) == [ORGANIZER, LISTED]
    payload = StalePayload.model_validate(rows[0].payload)
    assert payload.month == "2027-05" and payload.months == freshness.STALE_MONTHS
    assert "money-benefits" not in {a.name for a in payload.answers}  # checked 2026-12
    assert {"book-consultation", "mobility"} <= {a.name for a in payload.answers}
    facts = LocalFacts.load()
    assert {f.name for f in payload.facts} == {n for n, m in facts.checked.items() if m == "2026-11"}

    clock.set(datetime(2027, 5, 31, 22, 30, tzinfo=UTC))  # 0:30 on 1 June in Berlin: June there
    await freshness.stale_job(ctx)
    assert sorted(r.chat_id for r in await stale_rows(sessionmaker)) == [ORGANIZER, ORGANIZER, LISTED, LISTED]


async def test_the_job_reads_the_files_not_the_content_an_earlier_database_left_in_memory(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A full run failed here: the process's shared service showed an earlier test's database content (a
    topic with no checked month), and the job took that for the files'."""
    clock = FrozenClock(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    settings = load_settings(_env_file=None, organizer_ids=[LISTED])
    await people(sessionmaker, clock.now())
    service = build_service(settings)
    shown = service.content
    kita = replace(shown.entries["de"]["kita"], checked=None)
    service.content = replace(shown, entries={**shown.entries, "de": {**shown.entries["de"], "kita": kita}})
    try:
        await freshness.stale_job(JobContext(settings=settings, clock=clock, sessionmaker=sessionmaker))
    finally:
        service.content = shown
    assert await stale_rows(sessionmaker) == []


@pytest.mark.parametrize("lang", ["de", "ar", "uk", "en"])
def test_the_message_names_each_answer_and_fact(lang: str) -> None:
    content, facts = load_content(), LocalFacts.load()
    today = LATER.date()
    payload = StalePayload(
        month="2027-05",
        months=6,
        answers=freshness.stale_answers(content, today),
        facts=freshness.stale_facts(facts, today),
    )
    rendered = RENDERERS[freshness.STALE_KIND](payload.model_dump(mode="json"), Translator(lang))
    text = rendered.params["text"]
    assert len(text) < 4096 and text.count("\n") > 20
    assert "book-consultation" in text and "contact_phone" in text and "2026-11" in text
