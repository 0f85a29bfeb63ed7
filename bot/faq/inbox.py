"""The organizers' inbox (the web console, issue 16): the questions the bot could not answer, grouped by
similarity (bot/faq/grouping.py), newest first, each group with its languages and count; and what an
organizer does with a group, or with some of its questions:

- answer the askers through the bot: one message per asker (outbox kind `faq_inbox_answer`), in the
  language they asked in, machine translated where a translator is configured and plainly marked so, with
  the organizer's original below; without a translation the original comes with a note that says so;
- add the questions as example questions of a topic (bot/faq/examples.py: every process's matcher uses
  them before its next question);
- create a new topic from them (the FAQ editor's create_topic, bot/faq/editing.py), with them as its first
  example questions;
- dismiss them ("not a question": the rows are deleted).

Privacy: a kept question carries its asker's id only while it is open (bot/faq/feedback.py). Answering,
giving a topic or marking it done clears the id in the same statement that closes the question; the answer
queued for the asker lives in the outbox (its payload is emptied once it is final, its row deleted with
the person on /deletedata). Every action writes an audit line: who, what, how many, never a text.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery import outbox
from bot.delivery.hooks import Outcome
from bot.faq import editing, examples, feedback
from bot.faq import facts as stored_facts
from bot.faq.content import FaqContent
from bot.faq.examples import Assigned
from bot.faq.grouping import Grouper, features
from bot.faq.payloads import InboxAnswerPayload
from bot.faq.service import faq_for
from bot.faq.store import load_db_content
from bot.faq.validation import parse_form
from bot.local_facts import LocalFacts
from bot.text import clean_text, clip
from bot.translation.service import MachineTranslator
from storage.db import release
from storage.repositories import faq as faq_repo
from storage.repositories import faq_inbox as repo

log = logging.getLogger(__name__)

ANSWER_KIND = "faq_inbox_answer"
ANSWER_MAX = 1000  # characters an organizer may write: with its translation and the quote, one message
QUOTE_MAX = 200  # of the asker's question, quoted above the answer
TRANSLATION_MAX = 2000  # a machine translation longer than this is cut (it never is, for 1,000 characters)
PAGE_GROUPS = 10
MAX_OPEN = 20_000  # open questions grouped at most (90 days of a small association: a few hundred)

# Audit actions (bot.audit): who did what to how many kept questions; never their text.
AUDIT_ANSWER = "inbox.answer"
AUDIT_EXAMPLE = "inbox.example"
AUDIT_TOPIC = "inbox.topic"
AUDIT_DISMISS = "inbox.dismiss"


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    lang: str
    reason: str  # feedback.Reason: no confident answer, or a 👎
    slug: str | None  # the answer that got the 👎
    created_at: datetime
    reachable: bool  # its asker can be answered through the bot


@dataclass(frozen=True)
class Group:
    questions: tuple[Question, ...]  # newest first

    @property
    def ids(self) -> list[int]:
        return [q.id for q in self.questions]

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def langs(self) -> list[str]:
        """Its languages, the most frequent first."""
        counts = Counter(q.lang for q in self.questions)
        return sorted(counts, key=lambda lang: (-counts[lang], lang))

    @property
    def newest(self) -> datetime:
        return self.questions[0].created_at

    @property
    def reachable(self) -> int:
        return sum(q.reachable for q in self.questions)


@dataclass(frozen=True)
class InboxPage:
    groups: list[Group]
    page: int
    pages: int
    total_groups: int
    total_questions: int


@dataclass(frozen=True)
class _Grouped:
    database: str
    fingerprint: repo.Fingerprint
    keys: frozenset[tuple[int, datetime]]  # (id, created_at) of the questions grouped
    grouper: Grouper  # goes on placing new questions (shared by this entry and the one that follows it)
    members: list[list[Question]]  # by the grouper's group number, newest first; empty once all are done
    groups: list[Group]  # the groups with open questions, newest first


_LAST: list[_Grouped] = []  # this process's last grouping (one entry)
ADD_ONE_BY_ONE = 500  # new questions placed into the kept groups; more than this: all are grouped again


def _current(database: str) -> _Grouped | None:
    return _LAST[0] if _LAST and _LAST[0].database == database else None


def _groups(members: list[list[Question]]) -> list[Group]:
    groups = [Group(tuple(qs)) for qs in members if qs]
    groups.sort(key=lambda g: (g.newest, g.questions[0].id), reverse=True)
    return groups


def _regroup(database: str, fingerprint: repo.Fingerprint, rows: Sequence[repo.OpenRow]) -> _Grouped:
    questions = [Question(*row) for row in rows]
    feats = [features(q.text) for q in questions]
    grouper = Grouper(feats)
    members = [[questions[i] for i in numbers] for numbers in grouper.group_batch(feats)]
    keys = frozenset((q.id, q.created_at) for q in questions)
    return _Grouped(database, fingerprint, keys, grouper, members, _groups(members))


def _update(
    last: _Grouped,
    fingerprint: tuple[object, ...],
    keys: set[tuple[int, datetime]],
    new: Sequence[repo.OpenRow],
) -> _Grouped:
    """`last` without the questions done since, and with the new ones placed into its groups."""
    ids = {row_id for row_id, _created in keys}
    members = [[q for q in qs if q.id in ids] if qs else qs for qs in last.members]
    for row in reversed(new):  # oldest first: the newest ends up heading its group
        question = Question(*row)
        number, started = last.grouper.add(features(question.text))
        if started:
            members.append([question])
        else:
            members[number] = sorted(
                [question, *members[number]], key=lambda q: (q.created_at, q.id), reverse=True
            )
    kept = frozenset(key for key in keys if key in last.keys) | {(row.id, row.created_at) for row in new}
    return _Grouped(last.database, fingerprint, kept, last.grouper, members, _groups(members))


async def open_groups(session: AsyncSession) -> list[Group]:
    """The open questions grouped. Reading and grouping 10,000 takes a while (bench/bench_inbox.py), so the
    last result is kept: while the open questions stay the same (one aggregate query tells) it is used as it
    is; new questions (those since the newest known) are read and placed into the kept groups; when the
    count and the ids' sum then do not add up (some were done, or one came in late), the open questions' ids
    and times tell which (no text is read). A kept question's text never changes, and an id and time are
    never given twice, so a question known by them is known entirely."""
    database = session.bind.url.render_as_string(hide_password=True) if session.bind is not None else ""
    fingerprint = await repo.fingerprint(session, feedback.OPEN)
    last = _current(database)
    if last is not None and last.fingerprint == fingerprint:
        return last.groups
    if last is not None:
        since = max((created for _id, created in last.keys), default=None)
        recent = await repo.open_rows_since(session, since, feedback.OPEN, ADD_ONE_BY_ONE + 1)
        new = [row for row in recent if (row.id, row.created_at) not in last.keys]
        keys = set(last.keys) | {(row.id, row.created_at) for row in new}
        if (fingerprint.count, fingerprint.id_sum or 0) != (len(keys), sum(row_id for row_id, _ in keys)):
            keys = await repo.open_keys(session, feedback.OPEN, MAX_OPEN)
            new_ids = [row_id for row_id, _created in keys - last.keys]
            new = await repo.open_rows_by_id(session, new_ids, feedback.OPEN) if new_ids else []
        # Nothing is awaited from here on; another page of this process may have moved on meanwhile.
        if len(new) <= ADD_ONE_BY_ONE and _current(database) is last:
            _LAST[:] = [_update(last, fingerprint, keys, new)]
            return _LAST[0].groups
    grouped = _regroup(database, fingerprint, await repo.open_rows(session, feedback.OPEN, MAX_OPEN))
    _LAST[:] = [grouped]
    return grouped.groups


async def warm_up(session: AsyncSession) -> None:
    """Group the open questions once, when the process starts, so the first inbox page does not wait."""
    groups = await open_groups(session)
    log.info("inbox: %d open question(s) in %d group(s)", sum(g.count for g in groups), len(groups))


async def inbox_page(session: AsyncSession, page: int = 0, per_page: int = PAGE_GROUPS) -> InboxPage:
    """A page of groups (a page past the end shows the last one)."""
    groups = await open_groups(session)
    pages = max(1, -(-len(groups) // per_page))
    page = min(max(page, 0), pages - 1)
    shown = groups[page * per_page : (page + 1) * per_page]
    return InboxPage(shown, page, pages, len(groups), sum(g.count for g in groups))


def _subject(ids: Sequence[int]) -> str:
    """The audit subject: the first kept question of the action, and how many more."""
    first = f"unanswered:{ids[0]}" if ids else "unanswered:-"
    return first if len(ids) <= 1 else f"{first}+{len(ids) - 1}"


# --- answer the askers ------------------------------------------------------------------------------------


class AnswerError(ValueError):
    """The answer cannot be sent as it is (empty, too long, an unknown language)."""


@dataclass(frozen=True)
class Answered:
    questions: int = 0  # kept questions answered (closed)
    askers: int = 0  # messages queued, one per asker
    translated: int = 0  # of them machine translated
    untranslated: int = 0  # of them in another language than the asker's: no translation was available
    unreachable: int = 0  # questions closed whose asker could not be reached (kept without their id)
    gone: int = 0  # questions no longer open (done by someone else meanwhile, or deleted)
    langs: list[str] = field(default_factory=list)  # the askers' languages


def check_answer(text: str, written_in: str) -> str:
    """The answer as it will be sent (cleaned), or AnswerError."""
    text = clean_text(text).strip()
    if not text:
        raise AnswerError("empty")
    if len(text) > ANSWER_MAX:
        raise AnswerError("too long")
    if written_in not in SUPPORTED_LANGUAGES:
        raise AnswerError("language")
    return text


async def answer(
    session: AsyncSession,
    clock: Clock,
    translator: MachineTranslator,
    *,
    ids: Sequence[int],
    text: str,
    written_in: str,
    actor_id: int | None,
) -> Answered:
    """Answer the askers of these kept questions through the bot, each in the language they asked in."""
    text = check_answer(text, written_in)
    wanted = sorted(set(ids))
    langs = sorted({row.lang for row in await repo.rows_with_status(session, wanted, feedback.OPEN)})
    await release(session)  # no lock or connection held while the translator works
    translations: dict[str, str | None] = {}
    for lang in langs:
        translated = (
            None if lang == written_in else await translator.translate(text, written_in, lang, private=True)
        )
        translations[lang] = translated.strip() if translated and translated.strip() else None

    # Whose questions are still open (read in this transaction), then closed with their ids forgotten:
    # a question someone else answered, or whose asker erased their data meanwhile, drops out here.
    open_now = {row.id: row for row in await repo.rows_with_status(session, wanted, feedback.OPEN)}
    askers = {row.id: row.asker_id for row in open_now.values()}
    closed = await repo.claim(
        session, list(open_now), from_status=feedback.OPEN, to_status=feedback.ANSWERED, now=clock.now()
    )
    newest_of: dict[int, int] = {}  # asker -> their newest question among these (quoted in the answer)
    for row_id in sorted(closed, key=lambda i: (open_now[i].created_at, i)):
        asker = askers[row_id]
        if asker is not None:
            newest_of[asker] = row_id
    translated_n = untranslated_n = 0
    for asker, row_id in newest_of.items():
        row = open_now[row_id]
        lang = row.lang if row.lang in SUPPORTED_LANGUAGES else written_in
        machine = translations.get(lang) if lang != written_in else None
        payload = InboxAnswerPayload(
            text=clip(machine, TRANSLATION_MAX) if machine else text,
            written_in=written_in,
            original=text if machine else None,
            untranslated=lang != written_in and not machine,
            question=clip(row.text, QUOTE_MAX),
            asked_at=row.created_at,
        )
        translated_n += machine is not None
        untranslated_n += payload.untranslated
        await outbox.enqueue(
            session,
            clock,
            chat_id=asker,
            user_id=asker,
            kind=ANSWER_KIND,
            data=payload.model_dump(mode="json"),
            lang=lang,
            ref=f"unanswered:{row_id}",
            dedupe_key=f"inbox:{row_id}",
        )
    outcome = Answered(
        questions=len(closed),
        askers=len(newest_of),
        translated=translated_n,
        untranslated=untranslated_n,
        unreachable=sum(1 for i in closed if askers[i] is None),
        gone=len(wanted) - len(closed),
        langs=sorted({open_now[i].lang for i in closed}),
    )
    if closed:
        await audit.audit(
            session,
            clock,
            actor_id,
            AUDIT_ANSWER,
            _subject(sorted(closed)),
            before=feedback.OPEN,
            after=(
                f"{outcome.questions} answered, {outcome.askers} askers ({','.join(outcome.langs)}), "
                f"{outcome.translated} machine translated, {outcome.untranslated} untranslated, "
                f"written in {written_in}"
            ),
        )
    log.info("inbox: %d question(s) answered, %d message(s) queued", outcome.questions, outcome.askers)
    return outcome


async def forget_answer(session: AsyncSession, outcome: Outcome) -> None:
    """An answer sent (or never to be sent): its words need not stay in the outbox."""
    await faq_repo.scrub_outbox_rows(session, [outcome.outbox_id])


OUTCOME_HOOKS = {ANSWER_KIND: [forget_answer]}


# --- examples, topics, dismiss -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Examples:
    added: int = 0  # new example questions of the topic
    known: int = 0  # the topic had the text already (the question is done all the same)
    gone: int = 0  # no longer open
    unknown_topic: bool = False


async def add_examples(
    session: AsyncSession,
    clock: Clock,
    content: FaqContent,
    *,
    ids: Sequence[int],
    slug: str,
    actor_id: int | None,
    action: str = AUDIT_EXAMPLE,
) -> Examples:
    """The kept questions become example questions of topic `slug`, each in its own language, and are done;
    every bot process answers such questions with the topic before its next question (with none of them,
    for NOT_OURS)."""
    if not examples.may_file_under(content, slug):
        return Examples(unknown_topic=True)
    outcomes = Counter(
        [await examples.assign_topic(session, clock, row_id, slug, content) for row_id in sorted(set(ids))]
    )
    if outcomes[Assigned.UNKNOWN_TOPIC]:
        return Examples(unknown_topic=True)
    done = Examples(outcomes[Assigned.ADDED], outcomes[Assigned.KNOWN], outcomes[Assigned.GONE])
    if done.added or done.known:
        await audit.audit(
            session,
            clock,
            actor_id,
            action,
            _subject(sorted(set(ids))),
            before=feedback.OPEN,
            after=f"topic {slug}: {done.added} examples added, {done.known} known",
        )
    return done


async def faq_content(session: AsyncSession, settings: Settings) -> FaqContent:
    """The FAQ content as the database has it now, read directly (a page must not wait for a matcher to be
    rebuilt); the shared service's while the database has none (before the first import)."""
    content = await load_db_content(session)
    return content if content is not None else (await faq_for(settings, session)).content


async def local_facts(session: AsyncSession, settings: Settings) -> LocalFacts:
    """The local facts as the database has them (the file's while it has none): a new answer's {placeholders}
    are checked against them."""
    return await stored_facts.load(session) or LocalFacts.load(settings.local_facts_file)


@dataclass(frozen=True)
class NewTopic:
    result: editing.Result  # SAVED with the new slug, or why not (nothing written then)
    examples: Examples = Examples()


async def create_topic(
    session: AsyncSession,
    clock: Clock,
    facts: LocalFacts,
    *,
    ids: Sequence[int],
    lang: str,
    title: str,
    answer: str,
    actor_id: int | None,
) -> NewTopic:
    """A new topic (the FAQ editor's create_topic: its text in `lang`, the other languages missing until
    written or pre-filled there), and the kept questions as its first example questions. The matcher uses
    an example in a language once the topic has that language."""
    form = parse_form(lang, title, answer)
    result = await editing.create_topic(session, clock, actor_id, lang, form, facts, clock.now().date())
    if result.outcome != editing.Outcome.SAVED or result.slug is None:
        return NewTopic(result)
    content = await load_db_content(session)  # with the new topic (flushed in this transaction)
    if content is None:  # cannot be: the topic was just stored
        return NewTopic(result)
    added = await add_examples(
        session, clock, content, ids=ids, slug=result.slug, actor_id=actor_id, action=AUDIT_TOPIC
    )
    return NewTopic(result, added)


async def dismiss(session: AsyncSession, clock: Clock, *, ids: Sequence[int], actor_id: int | None) -> int:
    """Not questions: the kept questions are deleted; how many were still open."""
    wanted = sorted(set(ids))
    removed = [row_id for row_id in wanted if await examples.dismiss(session, row_id)]
    if removed:
        await audit.audit(
            session, clock, actor_id, AUDIT_DISMISS, _subject(removed), before=feedback.OPEN, after="deleted"
        )
    return len(removed)
