"""The FAQ editor's service (issue 16): each language's state, saving with Telegram's HTML and length
rules, a save over someone else's newer text refused, the machine pre-fill marked for review, new topics,
audit lines and the content version. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import latest
from bot.clock import FrozenClock
from bot.config import SUPPORTED_LANGUAGES
from bot.faq import editing, store
from bot.faq.content import FaqContent, answer_message, load_content, render_answer
from bot.faq.editing import Outcome, State
from bot.faq.validation import Code, EntryForm, Field, check_entry, parse_form, preview
from bot.faq.version import content_version
from bot.local_facts import LocalFacts
from bot.services import erasure
from bot.telegram_html import Issue
from storage.models import User
from storage.repositories import faq_content as repo

ORGANIZER = 9001
TODAY = date(2027, 1, 10)
SLUG = "kita"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def facts() -> LocalFacts:
    return LocalFacts.load()


@pytest.fixture(scope="module")
def content() -> FaqContent:
    keep = {"kita", "school", "contact", "emergency"}
    full = load_content()
    return FaqContent(
        [t for t in full.topics if t.slug in keep],
        {lang: {s: e for s, e in by_slug.items() if s in keep} for lang, by_slug in full.entries.items()},
    )


@pytest.fixture
async def filled(session: AsyncSession, clock: FrozenClock, content: FaqContent) -> AsyncSession:
    session.add(User(id=ORGANIZER, language="de", role="organizer", created_at=clock.now()))
    await store.import_content(session, clock, content)
    await session.commit()
    return session


def form_of(session_row_form: EntryForm, **changes: object) -> EntryForm:
    return replace(session_row_form, **changes)  # type: ignore[arg-type]


async def stored_form(session: AsyncSession, lang: str, slug: str = SLUG) -> tuple[EntryForm, str]:
    page = await editing.topic_page(session, slug, TODAY)
    assert page is not None
    entry = page.entries[lang]
    assert entry is not None
    return entry.form, entry.token


# --- states ----------------------------------------------------------------------------------------------


async def test_each_language_has_its_state(filled: AsyncSession, clock: FrozenClock) -> None:
    session = filled
    old = await repo.entry(session, SLUG, "uk")
    machine = await repo.entry(session, SLUG, "ru")
    gone = await repo.entry(session, SLUG, "en")
    assert old is not None and machine is not None and gone is not None
    old.checked = "2026-06"  # seven months before TODAY
    machine.review = "machine"
    await session.delete(gone)
    await session.commit()
    [kita] = [t for t in await editing.topic_list(session, TODAY) if t.slug == SLUG]
    assert kita.states == {
        "de": State.COMPLETE, "ar": State.COMPLETE, "fa": State.COMPLETE,
        "uk": State.STALE, "en": State.MISSING, "ru": State.REVIEW,
    }  # fmt: skip
    assert kita.title == load_content().entries["de"][SLUG].title
    assert list(kita.states) == list(SUPPORTED_LANGUAGES)


# --- saving ----------------------------------------------------------------------------------------------


async def test_an_organizer_saves_an_answer(
    filled: AsyncSession, clock: FrozenClock, facts: LocalFacts
) -> None:
    session = filled
    version = await content_version(session)
    form, token = await stored_form(session, "ar")
    new = form_of(form, answer="الروضة <b>مجانية</b> للأطفال من سنة واحدة. اتصلوا بنا: {contact_phone}")
    result = await editing.save_entry(session, clock, ORGANIZER, SLUG, "ar", new, facts, TODAY, token=token)
    await session.commit()
    assert result.outcome == Outcome.SAVED
    row = await repo.entry(session, SLUG, "ar")
    assert row is not None and row.answer == new.answer and row.updated_by == ORGANIZER
    assert await content_version(session) == version + 1
    [line] = await latest(session, subject=editing.subject(SLUG, "ar"))
    assert line.actor_id == ORGANIZER and line.action == editing.SAVED_ACTION
    assert line.before is not None and form.answer in line.before
    assert line.after is not None and "<b>مجانية</b>" in line.after

    # saved again as it is: nothing written, no audit line, no new version
    _form, token = await stored_form(session, "ar")
    again = await editing.save_entry(session, clock, ORGANIZER, SLUG, "ar", new, facts, TODAY, token=token)
    assert again.outcome == Outcome.UNCHANGED
    assert await content_version(session) == version + 1
    assert len(await latest(session, subject=editing.subject(SLUG, "ar"))) == 1


async def test_a_save_over_newer_text_is_refused(
    filled: AsyncSession, clock: FrozenClock, facts: LocalFacts
) -> None:
    session = filled
    form, token = await stored_form(session, "de")
    first = await editing.save_entry(
        session, clock, ORGANIZER, SLUG, "de", form_of(form, title="Kita-Platz"), facts, TODAY, token=token
    )
    second = await editing.save_entry(
        session, clock, ORGANIZER, SLUG, "de", form_of(form, title="Kindergarten"), facts, TODAY, token=token
    )
    assert (first.outcome, second.outcome) == (Outcome.SAVED, Outcome.CONFLICT)
    row = await repo.entry(session, SLUG, "de")
    assert row is not None and row.title == "Kita-Platz"


# (PostgreSQL: the bot's SQLite engine has one connection, so there two saves never overlap)
@pytest.mark.parametrize("db_kind", [pytest.param("pg", marks=pytest.mark.pg)], indirect=True)
async def test_a_language_written_by_two_at_once_is_kept_once(
    filled: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    facts: LocalFacts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both forms were opened while English was missing; the other organizer's save lands between this
    save's read and its write: this one is refused, theirs stays."""
    session = filled
    await session.delete(await repo.entry(session, SLUG, "en"))
    await session.commit()
    theirs = parse_form("en", "Kita", "Their answer.")
    read = repo.entry

    async def other_saves_first(s: AsyncSession, slug: str, lang: str, *, for_update: bool = False) -> object:
        found = await read(s, slug, lang, for_update=for_update)
        async with sessionmaker() as other:
            monkeypatch.setattr(repo, "entry", read)
            assert (
                await editing.save_entry(other, clock, None, SLUG, "en", theirs, facts, TODAY)
            ).outcome == (Outcome.SAVED)
            await other.commit()
        return found

    monkeypatch.setattr(repo, "entry", other_saves_first)
    mine = parse_form("en", "Kita", "My answer.")
    result = await editing.save_entry(session, clock, ORGANIZER, SLUG, "en", mine, facts, TODAY, token="")
    assert result.outcome == Outcome.CONFLICT
    await session.commit()  # the session goes on (the failed insert was a savepoint)
    session.expunge_all()
    row = await read(session, SLUG, "en")
    assert row is not None and row.answer == "Their answer."


@pytest.mark.parametrize(
    ("answer", "field", "code", "issue"),
    [
        ("الروضة <script>alert(1)</script>", Field.ANSWER, Code.HTML, Issue.TAG),
        ("الروضة <b>مجانية", Field.ANSWER, Code.HTML, Issue.UNCLOSED),
        ("الروضة <b>مجانية</i>", Field.ANSWER, Code.HTML, Issue.UNEXPECTED),
        ("الروضة <b مجانية", Field.ANSWER, Code.HTML, Issue.BROKEN),
        ('الروضة <a href="javascript:alert(1)">هنا</a>', Field.ANSWER, Code.HTML, Issue.LINK),
        ('الروضة <i onclick="x">هنا</i>', Field.ANSWER, Code.HTML, Issue.ATTRIBUTE),
        ("الروضة {no_such_fact}", Field.ANSWER, Code.PLACEHOLDER, None),
        ("Kita: الروضة", Field.ANSWER, Code.RTL_START, None),
        ("الروضة " + "ا" * 4090, Field.ANSWER, Code.TOO_LONG, None),
        ("   ", Field.ANSWER, Code.EMPTY, None),
    ],
)
async def test_what_telegram_would_refuse_is_not_saved(
    filled: AsyncSession,
    clock: FrozenClock,
    facts: LocalFacts,
    answer: str,
    field: Field,
    code: Code,
    issue: Issue | None,
) -> None:
    session = filled
    version = await content_version(session)
    stored, token = await stored_form(session, "ar")
    form = parse_form("ar", stored.title, answer, checked=stored.checked or "")
    result = await editing.save_entry(session, clock, ORGANIZER, SLUG, "ar", form, facts, TODAY, token=token)
    assert result.outcome == Outcome.INVALID
    [problem] = result.problems
    assert (problem.field, problem.code) == (field, code)
    assert (problem.html.issue if problem.html else None) == issue
    assert str(problem)  # a readable reason
    row = await repo.entry(session, SLUG, "ar")
    assert row is not None and row.answer == stored.answer
    assert await content_version(session) == version


def test_the_length_counts_the_facts_filled_in(facts: LocalFacts) -> None:
    """4,096 characters as Telegram counts them: after the placeholders are filled, with the title."""
    phone = facts.get("contact_phone", "de")
    assert phone is not None and len(phone) > len("{contact_phone}")
    title = "Kita"
    room = 4096 - len(title) - 2
    fits = parse_form("de", title, "x" * (room - len(phone)) + "{contact_phone}")
    over = parse_form("de", title, "x" * (room - len(phone) + 1) + "{contact_phone}")
    assert check_entry(fits, "de", facts, TODAY) == []
    [problem] = check_entry(over, "de", facts, TODAY)
    assert problem.code == Code.TOO_LONG and problem.params["length"] == 4097


def test_form_fields_are_cleaned_and_farsi_gets_persian_letters() -> None:
    form = parse_form(
        "fa",
        "  مهد   كودك ",
        "مهد كودك & <b>رايگان</b>",
        "سوال يك\n\nسوال يك\nسوال دو ",
        "كودك, مهد\nكودكستان",
        " 2026-11 ",
    )
    assert form.title == "مهد کودک"
    assert form.answer == "مهد کودک &amp; <b>رایگان</b>"
    assert form.questions == ("سوال یک", "سوال دو")
    assert form.keywords == ("کودک", "مهد", "کودکستان")
    assert form.checked == "2026-11"


def test_a_checked_month_must_be_a_past_month(facts: LocalFacts) -> None:
    base = parse_form("de", "Kita", "Die Kita ist kostenlos.")
    assert check_entry(replace(base, checked="2027-01"), "de", facts, TODAY) == []
    [future] = check_entry(replace(base, checked="2027-02"), "de", facts, TODAY)
    [bad] = check_entry(replace(base, checked="Januar"), "de", facts, TODAY)
    assert (future.code, bad.code) == (Code.FUTURE, Code.MONTH)


# --- preview ---------------------------------------------------------------------------------------------


def test_the_preview_shows_the_message_as_telegram_would(facts: LocalFacts) -> None:
    form = parse_form(
        "ar",
        "الروضة",
        'الروضة <b>مجانية</b> و<i>قريبة</i>: <a href="https://example.org/kita">هنا</a> {contact_phone}',
    )
    shown = preview(form, "ar", facts, TODAY)
    phone = facts.get("contact_phone", "ar")
    assert shown.problems == [] and shown.rtl
    assert shown.html.startswith("<b>الروضة</b>\n\nالروضة <b>مجانية</b> و<i>قريبة</i>: ")
    assert (
        '<a href="https://example.org/kita" rel="noopener noreferrer nofollow" target="_blank">هنا</a>'
        in shown.html
    )
    assert f"\u2068{phone}\u2069" in shown.html
    assert shown.length == len(f"الروضة\n\nالروضة مجانية وقريبة: هنا \u2068{phone}\u2069")


def test_a_refused_answer_is_previewed_as_harmless_text(facts: LocalFacts) -> None:
    form = parse_form("de", "Kita", "Hallo <script>alert(1)</script> <b>fett")
    shown = preview(form, "de", facts, TODAY)
    assert [p.code for p in shown.problems] == [Code.HTML]
    assert "<script>" not in shown.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.html
    assert "<b>fett" not in shown.html


# --- machine pre-fill ------------------------------------------------------------------------------------


class FakeTranslator:
    """Marks what it "translates"; `keep_placeholders=False` loses them, as a real service may."""

    name = "fake"
    enabled = True

    def __init__(self, keep_placeholders: bool = True) -> None:
        self.keep = keep_placeholders
        self.calls: list[tuple[str, str, str]] = []

    async def translate(self, text: str, source: str, target: str, *, private: bool = False) -> str | None:
        self.calls.append((text, source, target))
        lines = text.split("\n")
        out = [f"ترجمة {line}" if line.strip() else line for line in lines]
        result = "\n".join(out)
        return result if self.keep else result.replace("{", "(").replace("}", ")")


async def test_a_machine_prefill_is_marked_for_review_until_a_person_saves_it(
    filled: AsyncSession, clock: FrozenClock, facts: LocalFacts
) -> None:
    session = filled
    gone = await repo.entry(session, SLUG, "ar")
    assert gone is not None
    await session.delete(gone)
    await session.commit()
    version = await content_version(session)
    translator = FakeTranslator()
    result = await editing.prefill(session, clock, ORGANIZER, SLUG, "ar", "de", translator, facts, TODAY)
    await session.commit()
    assert result.outcome == Outcome.SAVED
    row = await repo.entry(session, SLUG, "ar")
    assert row is not None and row.review == "machine" and row.source_lang == "de"
    de = load_content().entries["de"][SLUG]
    assert row.title.startswith("ترجمة ") and row.answer.startswith("ترجمة ")
    assert len(row.questions) == len(de.questions) and row.questions[0] == f"ترجمة {de.questions[0]}"
    assert await content_version(session) == version + 1
    [line] = await latest(session, subject=editing.subject(SLUG, "ar"))
    assert line.action == editing.PREFILLED and line.before is None

    # the bot answers with it, under a note that it is a machine translation
    topic = await repo.topic(session, SLUG)
    assert topic is not None
    entry = store.entry_of(row, store.topic_of(topic))
    assert entry.machine
    message = answer_message(entry, render_answer(entry, facts))
    assert message.endswith("<i>🤖 ترجمة آلية، وقد تحتوي على أخطاء.</i>")
    [kita] = [t for t in await editing.topic_list(session, TODAY) if t.slug == SLUG]
    assert kita.states["ar"] == State.REVIEW

    # a person saves it unchanged: reviewed
    form, token = await stored_form(session, "ar")
    saved = await editing.save_entry(session, clock, ORGANIZER, SLUG, "ar", form, facts, TODAY, token=token)
    await session.commit()
    assert saved.outcome == Outcome.SAVED
    row = await repo.entry(session, SLUG, "ar")
    assert row is not None and row.review == "person" and row.source_lang is None
    # and a machine translation never replaces a person's text
    again = await editing.prefill(session, clock, ORGANIZER, SLUG, "ar", "de", translator, facts, TODAY)
    assert again.outcome == Outcome.PERSON_TEXT


async def test_a_prefill_needs_a_translator_and_keeps_the_placeholders(
    filled: AsyncSession, clock: FrozenClock, facts: LocalFacts
) -> None:
    session = filled
    await session.delete(await repo.entry(session, "contact", "ar"))
    await session.commit()
    version = await content_version(session)

    class Off(FakeTranslator):
        enabled = False

    off = await editing.prefill(session, clock, ORGANIZER, "contact", "ar", "de", Off(), facts, TODAY)
    lossy = FakeTranslator(keep_placeholders=False)
    lost = await editing.prefill(session, clock, ORGANIZER, "contact", "ar", "de", lossy, facts, TODAY)
    assert (off.outcome, lost.outcome) == (Outcome.NO_TRANSLATOR, Outcome.NOT_TRANSLATED)
    assert "{" in load_content().entries["de"]["contact"].answer_template  # the source has placeholders
    assert await repo.entry(session, "contact", "ar") is None
    assert await content_version(session) == version


# --- new topics ------------------------------------------------------------------------------------------


async def test_a_new_topic_gets_a_slug_an_entry_and_an_audit_line(
    filled: AsyncSession, clock: FrozenClock, facts: LocalFacts
) -> None:
    session = filled
    version = await content_version(session)
    form = parse_form("de", "Fahrräder für Kinder", "Wir haben gespendete Fahrräder.", "fahrrad für kinder")
    first = await editing.create_topic(
        session, clock, ORGANIZER, "de", form, facts, TODAY, category="community"
    )
    second = await editing.create_topic(session, clock, ORGANIZER, "de", form, facts, TODAY)
    farsi = parse_form("fa", "دوچرخه", "دوچرخه داریم.")
    third = await editing.create_topic(session, clock, ORGANIZER, "fa", farsi, facts, TODAY)
    taken = await editing.create_topic(session, clock, ORGANIZER, "de", form, facts, TODAY, slug=SLUG)
    await session.commit()
    assert [r.slug for r in (first, second, third)] == [
        "fahrrader-fur-kinder",
        "fahrrader-fur-kinder-2",
        "topic",
    ]
    assert taken.outcome == Outcome.TAKEN
    listed = {t.slug: t for t in await editing.topic_list(session, TODAY)}
    assert listed["fahrrader-fur-kinder"].states["de"] == State.STALE  # never checked
    assert listed["fahrrader-fur-kinder"].states["ar"] == State.MISSING
    assert listed["topic"].title == "دوچرخه"
    assert list(listed)[-3:] == ["fahrrader-fur-kinder", "fahrrader-fur-kinder-2", "topic"]  # at the end
    content = await store.load_db_content(session)
    assert content is not None and content.entries["de"]["fahrrader-fur-kinder"].category == "community"
    assert await content_version(session) == version + 3
    [line] = await latest(session, subject=editing.subject("fahrrader-fur-kinder"))
    assert line.action == editing.CREATED and line.actor_id == ORGANIZER

    bad = await editing.create_topic(session, clock, ORGANIZER, "de", replace(form, answer=""), facts, TODAY)
    assert bad.outcome == Outcome.INVALID


async def test_an_erased_organizer_is_unlinked_from_the_content(
    filled: AsyncSession, clock: FrozenClock, facts: LocalFacts
) -> None:
    session = filled
    form, token = await stored_form(session, "de")
    await editing.save_entry(
        session, clock, ORGANIZER, SLUG, "de", form_of(form, title="Kita neu"), facts, TODAY, token=token
    )
    await session.commit()
    await erasure.erase_user(session, ORGANIZER, clock)
    session.expunge_all()
    row = await repo.entry(session, SLUG, "de")
    topic = await repo.topic(session, SLUG)
    assert row is not None and topic is not None
    assert (row.title, row.updated_by, topic.updated_by) == ("Kita neu", None, None)
    assert all(line.actor_id is None for line in await latest(session, subject=editing.subject(SLUG, "de")))
