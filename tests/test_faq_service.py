"""The FAQ as the chat uses it: decisions (greeting, emergency, language, out of scope), local facts,
votes and kept questions without user ids, /unanswered paging, retention. DB parts on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FrozenClock
from bot.config import load_settings
from bot.faq import feedback
from bot.faq.content import PLACEHOLDER
from bot.faq.matcher import MatchResult
from bot.faq.service import ANSWER, GREETING, SUGGEST, UNKNOWN, FaqService, build_service, clean_text
from bot.faq.stats import QuestionCounts
from bot.local_facts import LocalFacts
from storage.models import FaqUnanswered, FaqVote


@pytest.fixture(scope="module")
def service() -> FaqService:
    return build_service(load_settings(_env_file=None))


def test_farsi_question_is_answered_in_farsi_for_a_german_user(service: FaqService) -> None:
    reply = service.decide("کلاس زبان آلمانی رایگان کجاست؟", user_lang="de")
    assert reply.kind == ANSWER
    assert reply.lang == "fa"
    assert reply.entry is not None and reply.entry.slug == "german-courses" and reply.entry.lang == "fa"


def test_unclear_language_falls_back_to_the_users_language(service: FaqService) -> None:
    # "Kita" alone says nothing about the language: the answer follows the reader's language
    reply = service.decide("Kita", user_lang="uk")
    assert reply.lang == "uk"


@pytest.mark.parametrize(
    "text", ["Mein Mann schlägt mich", "my husband hits me and where is the german course", "شوهرم منو میزنه"]
)
def test_danger_gets_the_emergency_answer_first(service: FaqService, text: str) -> None:
    reply = service.decide(text, user_lang="de")
    assert reply.kind == ANSWER and reply.emergency
    assert reply.entry is not None and reply.entry.slug == "emergency"
    assert "112" in (reply.answer or "") and "110" in (reply.answer or "")


@pytest.mark.parametrize("text", ["Hallo", "السلام عليكم", "Доброго дня 👋"])
def test_a_greeting_is_not_an_faq_answer(service: FaqService, text: str) -> None:
    assert service.decide(text, user_lang="de").kind == GREETING


@pytest.mark.parametrize(
    ("phone", "text", "first"),
    [
        ("de", "مرحبا", "ar"),  # Arabic letters from a phone set to German: not German
        ("fa", "مرحبا", "fa"),  # the same letters, the phone's language of that script: kept
        ("de", "Привет", "uk"),  # unsure between Ukrainian and Russian: the first of the pair
        ("ar", "kifak? shu akhbarak", "ar"),  # Latin letters may be Arabizi: the phone's language
        ("uk", "Guten Tag, ich brauche einen Termin", "de"),  # sure: the text's own
    ],
)
def test_the_first_language_of_someone_who_chose_none(
    service: FaqService, phone: str, text: str, first: str
) -> None:
    assert service.first_language(text, phone) == first


@pytest.mark.parametrize("text", ["Wer hat die Fußball WM gewonnen", "What is the capital of France"])
def test_out_of_scope_gets_no_random_answer(service: FaqService, text: str) -> None:
    reply = service.decide(text, user_lang="de")
    assert reply.kind in (SUGGEST, UNKNOWN)
    assert reply.entry is None and reply.answer is None


def test_unsure_offers_close_topics_only(service: FaqService, monkeypatch: pytest.MonkeyPatch) -> None:
    top: list[tuple[str, float]] = []

    def match(text: str, user_lang: str | None = None, **_: object) -> MatchResult:
        return MatchResult("de", "de", None, top[0][1] if top else 0.0, list(top), confident=False)

    monkeypatch.setattr(service.matcher, "match", match)
    top[:] = [("kita", 0.28), ("school", 0.25), ("homework-help", 0.21), ("sewing-group", 0.2)]
    reply = service.decide("Kinder", user_lang="de")
    assert reply.kind == SUGGEST and reply.entry is None
    assert [e.slug for e in reply.suggestions] == ["kita", "school", "homework-help"]
    assert all(e.lang == "de" for e in reply.suggestions)
    top[:] = [("kita", 0.28), ("school", 0.19)]
    assert [e.slug for e in service.decide("Kinder", user_lang="de").suggestions] == ["kita"]
    top[:] = [("kita", 0.12), ("school", 0.05)]  # nothing close: say so, offer no random topic
    reply = service.decide("Kinder", user_lang="de")
    assert reply.kind == UNKNOWN and reply.suggestions == []


def test_answers_are_filled_with_local_facts(service: FaqService) -> None:
    facts = LocalFacts.load(load_settings(_env_file=None).local_facts_file)
    for lang in ("de", "ar", "fa", "uk", "en", "ru"):
        entry = service.entry("meeting-place", lang)
        assert entry is not None and entry.lang == lang
        text = service.answer_text(entry)
        assert not PLACEHOLDER.search(text), text
        assert (facts.get("meeting_place_address", lang) or "?") in text


def test_clean_text_removes_what_databases_refuse() -> None:
    assert clean_text("a\x00b\ud800c  ") == "abc"  # a lone surrogate is dropped (bot.text.clean_text)
    assert len(clean_text("x" * 10_000)) == 2000


async def test_no_match_is_kept_without_user_id(
    service: FaqService, session: AsyncSession, clock: FrozenClock
) -> None:
    reply = await service.ask(session, clock, "Wer hat die Fußball WM gewonnen", "de", QuestionCounts())
    answered = await service.ask(
        session, clock, "Ich habe einen Brief vom Amt bekommen", "de", QuestionCounts()
    )
    greeting = await service.ask(session, clock, "Hallo", "de", QuestionCounts())
    emoji = await service.ask(session, clock, "🙂🙂", "de", QuestionCounts())
    # one letter typed again and again (found trying the demo: it reached the organizers' list)
    mashed = [await service.ask(session, clock, t, "fa", QuestionCounts()) for t in ("ااااااا", "ыыыыы", "x")]
    await session.commit()
    assert reply.unanswered_id is not None
    assert answered.kind == ANSWER and answered.unanswered_id is None
    assert greeting.unanswered_id is None and emoji.unanswered_id is None
    assert [r.unanswered_id for r in mashed] == [None, None, None]
    assert all(r.kind in (SUGGEST, UNKNOWN) for r in mashed)  # still a polite answer
    rows = (await session.scalars(select(FaqUnanswered))).all()
    assert [(r.text, r.lang, r.reason, r.status) for r in rows] == [
        ("Wer hat die Fußball WM gewonnen", "de", feedback.NO_MATCH, feedback.OPEN)
    ]
    columns = {c.key for c in inspect(FaqUnanswered).columns} | {c.key for c in inspect(FaqVote).columns}
    assert not any("user" in c for c in columns)


async def test_votes_carry_no_user_and_are_counted(session: AsyncSession, clock: FrozenClock) -> None:
    await feedback.vote(session, clock, slug="kita", lang="ar", helpful=True)
    await feedback.vote(session, clock, slug="kita", lang="ar", helpful=False)
    await feedback.vote(session, clock, slug="kita", lang="ar", helpful=False)
    await feedback.vote(session, clock, slug="school", lang="de", helpful=True)
    await session.commit()
    assert await feedback.vote_totals(session) == {("kita", "ar"): (1, 2), ("school", "de"): (1, 0)}
    days = (await session.scalars(select(FaqVote.day).distinct())).all()
    assert days == [clock.now().date()]


async def test_unanswered_pages_newest_first_and_done_once(session: AsyncSession, clock: FrozenClock) -> None:
    ids = []
    for n in range(7):
        clock.advance(timedelta(minutes=1))
        row_id = await feedback.keep_unanswered(
            session, clock, text=f"q{n}", lang="de", reason=feedback.NO_MATCH
        )
        ids.append(row_id)
    await session.commit()
    first = await feedback.unanswered_page(session, 0)
    assert [r.text for r in first.rows] == ["q6", "q5", "q4", "q3", "q2"]
    assert (first.total, first.pages) == (7, 2)
    beyond = await feedback.unanswered_page(session, 9)
    assert beyond.page == 1 and [r.text for r in beyond.rows] == ["q1", "q0"]

    assert await feedback.mark_done(session, clock, ids[6]) is True
    assert await feedback.mark_done(session, clock, ids[6]) is False
    await session.commit()
    after = await feedback.unanswered_page(session, 0)
    assert after.total == 6 and after.rows[0].text == "q5"


async def test_kept_questions_are_deleted_after_90_days(session: AsyncSession, clock: FrozenClock) -> None:
    await feedback.keep_unanswered(
        session, clock, text="old", lang="fa", reason=feedback.DOWNVOTE, slug="kita"
    )
    clock.advance(timedelta(days=80))
    await feedback.keep_unanswered(session, clock, text="newer", lang="de", reason=feedback.NO_MATCH)
    await session.commit()
    clock.advance(timedelta(days=10, seconds=1))
    assert await feedback.purge(session, clock) == 1
    await session.commit()
    texts = (await session.scalars(select(FaqUnanswered.text))).all()
    assert texts == ["newer"]
    assert await session.scalar(select(func.count()).select_from(FaqUnanswered)) == 1


GARBAGE_PROBE = """
import gc, json
from bot.config import load_settings
from bot.faq.service import build_service
service = build_service(load_settings(_env_file=None))
questions = [
    "Ich werde bedroht, mein Mann schlägt mich",
    "ich will deutsch lernen wo gibt kurs",  # through the emergency check's patterns of several words
    "Kann ich meinen Beratungstermin verschieben? Donnerstag schaffe ich nicht",
    "bdi a7jez maw3ed",
    "کلاس زبان آلمانی رایگان کجاست؟",
    "де курси німецької мови",
    "Kita?",
    "hallo",
    "wie ist das wetter morgen",
]
for text in questions:  # what is built at first use, built before counting
    service.decide(text, user_lang="de")
gc.collect()
gc.disable()
for text in questions:
    for tail in (" bitte", " danke"):  # new texts (a text decided before is remembered)
        service.decide(text + tail, user_lang="de")
print(json.dumps(gc.collect()))
"""


def test_deciding_leaves_nothing_for_the_garbage_collector() -> None:
    """Every question's objects are freed as soon as it is answered: a reference cycle per question (a closure
    that called itself did) is memory held until the next collection, and collector time under load. (In a
    fresh interpreter: other tests' threads make garbage of their own.)"""
    from tests.test_lazy_loading import _fresh_interpreter

    assert _fresh_interpreter(GARBAGE_PROBE) == 0


WORDS_PROBE = """
import json
from bot.config import load_settings
from bot.faq import translit
from bot.faq.service import build_service
service = build_service(load_settings(_env_file=None))
cached = [translit.key.cache_info().currsize]
service.decide("bdi a7jez maw3ed", user_lang=None)
cached.append(translit.key.cache_info().currsize)
print(json.dumps(cached))
"""


def test_the_contents_words_leave_the_caches_once_the_service_is_built() -> None:
    """Building fills the cache of Latin keys with the content's words (8,192 of them, ~2 MiB resident in a
    bot); the questions' words take their place in the memory freed (issue 18's memory bar)."""
    from tests.test_lazy_loading import _fresh_interpreter

    before, after = _fresh_interpreter(WORDS_PROBE)
    assert before == 0
    assert after > 0


def test_each_language_has_one_key_stemmer() -> None:
    """Indexes rebuilt after an edit in the console share their language's stemmer: `forget_words` empties it,
    and no stemmer (with its cache) is kept for an index that is gone."""
    from bot.faq.translit import key_stemmer

    assert key_stemmer("ar") is key_stemmer("ar")
    assert key_stemmer("ar") is not key_stemmer("fa")
