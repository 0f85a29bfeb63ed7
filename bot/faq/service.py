"""The FAQ as the chat uses it: one question in, one decision out (greeting, answer, suggestions, unknown).

Rules:
- an emergency (bot/faq/emergency.py: danger, violence, suicide, a medical emergency, fire, a cry for help) is
  checked first and gets the `emergency` answer, numbers first, whatever else the message is;
- small talk (thanks, ok, goodbye, yes/no, emoji: bot/faq/smalltalk.py) is no question: it is answered
  in the reader's language, never matched, never kept for the organizers;
- a greeting gets the menu, not an answer;
- a confident match is answered in the question's language when that is supported and detected with
  confidence, else in the reader's language (the matcher decides `answer_lang`);
- below the confidence threshold the closest topics (score at least SUGGEST_FLOOR, at most three) are
  offered, and the question is kept for the organizers (its asker's id only while it is open); with no
  topic close enough the bot says it does not know (an out-of-scope question never gets a random answer).

The content, the matcher and the local facts are built once per process (a few seconds: built in a worker
thread at start-up, see `warm_up`) and shared, read-only; the content comes from the database and is built
again when it changes (bot/faq/live.py: its version is read with each update's person, in the same statement).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from enum import StrEnum
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot import text as text_tools
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.faq import emergency, feedback, smalltalk, stats, translit
from bot.faq.content import DEFAULT_FAQ_DIR, NOT_OURS, FaqContent, FaqEntry, load_content, render_answer
from bot.faq.detect import SCRIPT_OF, tells_language
from bot.faq.filed import filed_key
from bot.faq.index_store import FOLDER_VARIABLE, IndexStore, NotStored, store_in
from bot.faq.live import LiveContent
from bot.faq.matcher import DETECT_SURE, EMERGENCY_SLUG, FaqMatcher, MatchResult
from bot.faq.smalltalk import Talk
from bot.local_facts import LocalFacts
from bot.ops import metrics
from bot.text import DEFAULT_TZ
from storage.db import release, release_locks

log = logging.getLogger(__name__)

SUGGEST_FLOOR = 0.2  # a topic scoring less is not worth offering
MAX_SUGGESTIONS = 3
MAX_QUESTION = 2000  # longer messages are cut before matching and storing


class ReplyKind(StrEnum):
    GREETING = "greeting"  # the menu, not an answer
    ANSWER = "answer"  # a confident match (or the emergency answer)
    SUGGEST = "suggest"  # close topics to choose from
    UNKNOWN = "unknown"  # nothing close: look through the topics or ask a person
    SMALLTALK = "smalltalk"  # thanks, ok, goodbye ... (`talk` says which): a short word back, or none


GREETING, ANSWER, SUGGEST, UNKNOWN, SMALLTALK = (
    ReplyKind.GREETING,
    ReplyKind.ANSWER,
    ReplyKind.SUGGEST,
    ReplyKind.UNKNOWN,
    ReplyKind.SMALLTALK,
)


def clean_text(text: str, limit: int | None = MAX_QUESTION) -> str:
    """What may be stored and shown again (bot.text.clean_text), at most `limit` long (None: whole)."""
    return text_tools.clean_text(text, limit)


@dataclass
class FaqReply:
    kind: ReplyKind
    lang: str  # the language to reply in
    question_lang: str | None = None
    entry: FaqEntry | None = None
    answer: str | None = None  # Telegram HTML, placeholders filled (values escaped): bot.faq.content
    suggestions: list[FaqEntry] = field(default_factory=list)
    emergency: bool = False
    unanswered_id: int | None = None
    match: MatchResult | None = None
    talk: Talk | None = None  # SMALLTALK (and a greeting told by the small-talk table): which kind


def as_filed(result: MatchResult, filed: str | None) -> MatchResult:
    """The decision filed for the very same question (bot/faq/filed.py): its topic, or none of them (the
    closest offered); an emergency or a greeting stays what it is."""
    if filed is None or result.is_emergency or result.is_greeting:
        return result
    if filed == NOT_OURS:
        return replace(result, slug=None, confident=False, also=[])
    top = [(filed, max((score for _, score in result.top), default=1.0))]
    top += [hit for hit in result.top if hit[0] != filed]
    return replace(result, slug=filed, confident=True, top=top[: max(len(result.top), 1)], also=[])


class FaqService:
    """Content + matcher + local facts, read-only after construction (shared by all updates)."""

    def __init__(
        self,
        content: FaqContent,
        facts: LocalFacts,
        default_lang: str = "de",
        tz: tzinfo = DEFAULT_TZ,
        store: IndexStore | None = None,
    ) -> None:
        self.content = content
        self.tz = tz  # the zone whose days the question counts use (bot.faq.stats)
        self.facts = emergency.with_numbers(facts)  # the emergency numbers are never a bare placeholder
        self.default_lang = default_lang
        self.matcher = FaqMatcher(content, default_lang=default_lang, store=store)
        self.live = LiveContent(content, self.facts)  # the version of the database's content we answer from

    # --- content -------------------------------------------------------------------------------------
    def entry(self, slug: str, lang: str) -> FaqEntry | None:
        return self.content.entry(slug, lang, fallback=self.default_lang)

    def answer_text(self, entry: FaqEntry) -> str:
        return render_answer(entry, self.facts, entry.lang)

    def categories(self) -> list[str]:
        """Categories in the order of their first topic in topics.yaml."""
        seen: list[str] = []
        for topic in self.content.topics:
            if topic.category not in seen:
                seen.append(topic.category)
        return seen

    def topics_in(self, category: str, lang: str) -> list[FaqEntry]:
        found = (self.entry(t.slug, lang) for t in self.content.topics if t.category == category)
        return [e for e in found if e is not None]

    def answer_language(self, text: str, user_lang: str | None) -> str:
        """The language to talk to someone who wrote `text`: the text's own when sure, else theirs."""
        lang, confidence = self.matcher.detector.detect(text)
        if lang in SUPPORTED_LANGUAGES and confidence >= DETECT_SURE and tells_language(text):
            return str(lang)
        if user_lang in SUPPORTED_LANGUAGES:
            return str(user_lang)
        return self.default_lang

    def first_language(self, text: str, fallback: str) -> str:
        """The language to greet someone who has not chosen one yet: the text's own when sure, or when it is
        written in Arabic or Cyrillic letters and the fallback is not ("مرحبا" from a phone set to German),
        else the fallback (Latin letters may be any language: "kifak", "salam")."""
        lang, confidence = self.matcher.detector.detect(text)
        if lang not in SUPPORTED_LANGUAGES:
            return fallback
        if confidence >= DETECT_SURE:
            return str(lang)
        script = SCRIPT_OF[str(lang)]
        return fallback if script == "latin" or SCRIPT_OF.get(fallback) == script else str(lang)

    def sure_language(self, text: str) -> str | None:
        """The text's language when the detection is sure of it ("سلام" is Persian and Arabic: None)."""
        lang, confidence = self.detect(text)
        return str(lang) if lang in SUPPORTED_LANGUAGES and confidence >= DETECT_SURE else None

    def detect(self, text: str) -> tuple[str | None, float]:
        return self.matcher.detector.detect(text)

    # --- a question ------------------------------------------------------------------------------------
    def small_talk(self, text: str) -> Talk | None:
        """The kind of small talk `text` is, or None; never for a message that speaks of danger."""
        talk = smalltalk.recognise(text)
        return talk if talk is not None and not emergency.is_emergency(text) else None

    def emergency_reply(self, text: str, user_lang: str | None, hit: emergency.Hit) -> FaqReply:
        """The emergency answer (the numbers first; the handler adds "ask a person"), with the closest other
        topics below it. A cry alone ("hilfe!!!", "sa3dooni", 🆘) says little about a language: it is
        answered in the reader's language; anything else like a question (its own language when sure)."""
        result = self.matcher.match(text, user_lang=user_lang)
        lang = result.answer_lang
        if hit.kind == emergency.Kind.CRY:
            lang = next((x for x in (user_lang, hit.lang) if x in SUPPORTED_LANGUAGES), lang)
        lang = lang if lang in SUPPORTED_LANGUAGES else self.default_lang
        reply = FaqReply(kind=UNKNOWN, lang=lang, question_lang=result.question_lang, match=result)
        entry = self.entry(EMERGENCY_SLUG, lang)
        reply.suggestions = [
            other
            for slug, score in result.top
            if slug != EMERGENCY_SLUG and score >= SUGGEST_FLOOR
            for other in [self.entry(slug, lang)]
            if other is not None
        ][:MAX_SUGGESTIONS]  # below the numbers: "допомога" alone may also mean the benefit
        if entry is not None:  # (a content without the entry: "ask a person" is still offered)
            reply.kind, reply.entry, reply.lang = ANSWER, entry, entry.lang
            reply.answer = self.answer_text(entry)
            reply.emergency = True
        return reply

    def decide(self, text: str, user_lang: str | None) -> FaqReply:
        """What to do with a question (no database: `ask` adds the record for the organizers)."""
        hit = emergency.find(text)  # first: before small talk, greetings and matching
        if hit is not None:
            return self.emergency_reply(text, user_lang, hit)
        talk = self.small_talk(text)
        if talk is not None:  # in the reader's language: "ok" or 👍 tell nothing about a language
            lang = user_lang if user_lang in SUPPORTED_LANGUAGES else self.default_lang
            return FaqReply(kind=GREETING if talk == Talk.GREETING else SMALLTALK, lang=str(lang), talk=talk)
        result = self.matcher.match(text, user_lang=user_lang)
        result = as_filed(result, self.matcher.filed.get(filed_key(text)))
        lang = result.answer_lang if result.answer_lang in SUPPORTED_LANGUAGES else self.default_lang
        reply = FaqReply(kind=UNKNOWN, lang=lang, question_lang=result.question_lang, match=result)
        if result.is_greeting:
            reply.kind = GREETING
            return reply
        best = result.slug if result.confident else None
        if result.is_emergency:
            best = EMERGENCY_SLUG
        # A topic that passed every rule and was doubted (bot/faq/doubt.py) is offered first, whatever its score.
        doubted = (
            result.top[0][0] if result.evidence is not None and not result.confident and result.top else None
        )
        others = [
            entry
            for slug, score in result.top
            if slug != best and (score >= SUGGEST_FLOOR or slug == doubted)
            for entry in [self.entry(slug, lang)]
            if entry is not None
        ][:MAX_SUGGESTIONS]
        if best is not None:
            entry = self.entry(best, lang)
            if entry is not None:
                reply.kind = ANSWER
                reply.entry = entry
                reply.lang = entry.lang
                reply.answer = self.answer_text(entry)
                reply.emergency = result.is_emergency
                # Emergency: the closest topics too; a question about two topics: the other one as well.
                also = [e for e in (self.entry(s, lang) for s in result.also) if e is not None]
                reply.suggestions = others if result.is_emergency else also[:MAX_SUGGESTIONS]
                return reply
        reply.suggestions = others
        reply.kind = SUGGEST if others else UNKNOWN
        return reply

    async def ask(
        self,
        session: AsyncSession,
        clock: Clock,
        text: str,
        user_lang: str | None,
        counts: stats.QuestionCounts,
        user_id: int | None = None,
    ) -> FaqReply:
        """`counts`: where the question is counted for the figures (the bot's, written in batches).
        `user_id`: the asker (a kept question is linked to them for erasure; default: the update's sender)."""
        text = clean_text(text)
        await self.live.refresh(session, self)  # the content changed (console, /unanswered) since the last?
        # No lock held while matching (on SQLite: the write lock): measured under load, holding it made the
        # questions wait for each other while the CPU idled.
        await release_locks(session)
        reply = self.decide(text, user_lang)
        metrics.faq_question(reply.kind)  # answered (confident) / suggested / unknown / greeting / smalltalk
        if reply.kind in (SUGGEST, UNKNOWN) and says_something(text):
            reply.unanswered_id = await feedback.keep_unanswered(
                session,
                clock,
                text=text,
                lang=reply.question_lang or reply.lang,
                reason=feedback.NO_MATCH,
                user_id=user_id,
            )
        self._count(counts, clock, reply)
        await release(session)
        return reply

    def _count(self, counts: stats.QuestionCounts, clock: Clock, reply: FaqReply) -> None:
        """The question in the figures (bot.faq.stats): greetings and small talk are no questions."""
        if reply.kind not in (ANSWER, SUGGEST, UNKNOWN):
            return
        outcome = stats.Outcome.EMERGENCY if reply.emergency else stats.Outcome(reply.kind)
        slug = reply.entry.slug if reply.kind == ANSWER and reply.entry is not None else None
        counts.count(
            clock,
            self.tz,
            lang=reply.question_lang,
            fallback_lang=reply.lang,
            outcome=outcome,
            slug=slug,
        )

    async def vote(
        self,
        session: AsyncSession,
        clock: Clock,
        entry: FaqEntry,
        *,
        helpful: bool,
        question: str | None,
        reader_lang: str,
        user_id: int | None = None,
    ) -> int | None:
        """👍/👎 on an answer. A 👎 on the answer to a question keeps the question for the organizers (in
        the question's own language when sure, else the reader's); the kept row's id, so "ask a person"
        can be linked to it. `user_id`: the voter, kept with the question so an organizer can answer them."""
        await feedback.vote(session, clock, slug=entry.slug, lang=entry.lang, helpful=helpful)
        if helpful or not question:
            return None
        return await feedback.keep_unanswered(
            session,
            clock,
            text=question,
            lang=self.answer_language(question, reader_lang),
            reason=feedback.DOWNVOTE,
            slug=entry.slug,
            user_id=user_id,
        )


# --- one shared instance per configuration ---------------------------------------------------------------

_LOCK = threading.Lock()
_SERVICES: dict[tuple[str, str, str], FaqService] = {}


def _key(settings: Settings, faq_dir: Path) -> tuple[str, str, str]:
    return (str(faq_dir), str(settings.local_facts_file), settings.default_language)


def new_service(settings: Settings, content: FaqContent, *, build_indexes: bool = True) -> FaqService:
    """A service of its own for this configuration and content (`build_service` shares one per process);
    its indexes come from the configured store (Settings.faq_index_cache) when they were built before
    (`build_indexes=False`: only from there, else NotStored)."""
    facts = LocalFacts.load(settings.local_facts_file)
    store = store_in(settings.faq_index_cache, build=build_indexes)
    return FaqService(content, facts, settings.default_language, settings.tz, store)


def build_service(
    settings: Settings, faq_dir: Path = DEFAULT_FAQ_DIR, *, build_indexes: bool = True
) -> FaqService:
    """The shared service for this configuration, built on first use (blocking: a few seconds).
    `build_indexes=False`: with indexes from the store only, else NotStored (nothing is kept)."""
    key = _key(settings, faq_dir)
    service = _SERVICES.get(key)
    if service is not None:
        return service
    with _LOCK:
        service = _SERVICES.get(key)
        if service is None:
            service = new_service(settings, load_content(faq_dir), build_indexes=build_indexes)
            if service.matcher.store is not None:
                service.matcher.store.build = True  # loaded: content edited later is built here, as always
            service.matcher.detector.warm_up()
            emergency.detector()  # checked before every match: built now, not on the first question
            translit.forget_words()  # (the content's words: the questions' take their place)
            _SERVICES[key] = service
            log.info("FAQ loaded: %d languages", len(service.content.entries))
    return service


def loaded_service(settings: Settings, faq_dir: Path = DEFAULT_FAQ_DIR) -> FaqService | None:
    """The shared service if it is built already (no waiting), else None."""
    return _SERVICES.get(_key(settings, faq_dir))


async def faq_service(settings: Settings, faq_dir: Path = DEFAULT_FAQ_DIR) -> FaqService:
    """The shared service; the first call builds it in a worker thread, so the event loop keeps running."""
    service = _SERVICES.get(_key(settings, faq_dir))
    if service is not None:
        return service
    return await asyncio.to_thread(build_service, settings, faq_dir)


async def faq_for(settings: Settings, session: AsyncSession) -> FaqService:
    """The shared service for an update, with the database's current FAQ content. When it must still be
    built (first use: seconds), what the update did so far is committed and its connection given back
    first, so no write lock waits on the loading."""
    service = loaded_service(settings)
    if service is None:
        await release(session)
        service = await faq_service(settings)
    await service.live.refresh(session, service)
    return service


async def warm_up(settings: Settings) -> None:
    """Build the service at start-up (errors are logged; the first question tries again)."""
    try:
        await faq_service(settings)
    except Exception:
        log.exception("could not load the FAQ")


INDEX_CHILD_SECONDS = 300  # a child that builds longer is stopped (then this process builds, as before)


async def build_indexes_apart(settings: Settings) -> None:
    """Before `warm_up` in `python -m bot run`: when the store lacks indexes (the first start after the FAQ
    or its code changed), a child process builds them (`python -m bot faq index`) and this one loads them.
    Building leaves freed memory that the process keeps: 153 instead of 148 MiB resident after 1,000
    questions (bench/bench_load.py, issue 18). If the child fails, warm_up builds them here, as before."""
    if not settings.faq_index_cache:
        return
    try:
        await asyncio.to_thread(build_service, settings, build_indexes=False)
        return  # all stored: loaded
    except NotStored:
        pass
    except Exception:  # (content that cannot be read: warm_up tells it in one line, as before)
        return
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "faq",
        "index",
        env={**os.environ, FOLDER_VARIABLE: str(settings.faq_index_cache)},
    )
    try:
        status = await asyncio.wait_for(child.wait(), INDEX_CHILD_SECONDS)
    except TimeoutError:
        child.kill()
        await child.wait()
        status = None
    if status != 0:
        log.warning("building the FAQ indexes in a child process failed (exit status %s)", status)


def says_something(text: str) -> bool:
    """Worth an organizer's look: two different letters at least. "ااااا", "ыыыыы", "?!" or "🙂🙂" get
    the same polite answer, but are not kept for /unanswered."""
    return len({ch.casefold() for ch in text if ch.isalpha()}) > 1
