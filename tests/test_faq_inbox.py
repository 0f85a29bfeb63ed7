"""The organizers' inbox (bot/faq/inbox.py, issue 16): kept questions grouped by similarity, answered through
the bot in each asker's language (the outbox, rendered as the asker reads it), added as examples of a topic,
dismissed; the asker's id only while a question is open; an audit line per action without any text; the
erasure. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, users, wiring
from bot.clock import FrozenClock
from bot.delivery.hooks import Outcome
from bot.faq import feedback, inbox
from bot.faq.content import FaqContent, load_content
from bot.faq.grouping import group_texts
from bot.i18n import catalogs
from bot.services import erasure
from bot.text import Translator
from bot.translation.service import NoTranslator
from storage.models import FaqExample, FaqUnanswered, OutboxMessage

TURTLES = [
    "Wo kann man hier Schildkröten füttern?",
    "wo kann ich schildkroeten fuettern",
    "Schildkröte füttern wo",
]
SWIM = ["Gibt es einen Schwimmkurs für Kinder?", "schwimmkurs kinder"]
TURTLES_FA = ["کجا می‌توانم لاک‌پشت غذا بدهم؟", "کجا میتوانم لاک پشت غذا بدهم"]
ANSWER = "Im Stadtpark gibt es einen Teich. Bitte füttern Sie keine Schildkröten."
ORGANIZER = 900
TOPIC = "events"


class FakeTranslator:
    """A machine translator that marks what it did, so a test can see which language each asker got."""

    name = "fake"
    enabled = True

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool]] = []

    async def translate(self, text: str, source: str, target: str, *, private: bool = False) -> str | None:
        self.calls.append((source, target, private))
        return text if source == target else f"[{target}] {text}"


@pytest.fixture(scope="module")
def content() -> FaqContent:
    return load_content()


async def keep(
    session: AsyncSession, clock: FrozenClock, text: str, lang: str, asker: int | None, minutes: int = 1
) -> int:
    """A kept question `minutes` after the previous one (so the newest is the last kept)."""
    clock.advance(timedelta(minutes=minutes))
    if asker is not None:
        await users.ensure_user(session, asker, clock, organizer_ids=[])
    row_id = await feedback.keep_unanswered(
        session, clock, text=text, lang=lang, reason=feedback.NO_MATCH, user_id=asker
    )
    await session.commit()
    return row_id


async def outbox_rows(session: AsyncSession) -> list[OutboxMessage]:
    result = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == inbox.ANSWER_KIND).order_by(OutboxMessage.id)
    )
    return list(result.all())


def rendered(row: OutboxMessage) -> str:
    """The row as the asker reads it: the wiring's renderer in the row's language."""
    assert row.lang is not None
    call = wiring.renderers().render(row.kind, row.payload, Translator(row.lang))
    assert call.method == "sendMessage" and call.params["parse_mode"] == "HTML"
    return str(call.params["text"])


def msg(lang: str, msgid: str) -> str:
    return catalogs().gettext(lang, msgid)


# --- grouping ------------------------------------------------------------------------------------------------


def test_alike_questions_group_together_newest_first() -> None:
    texts = [SWIM[0], TURTLES[0], TURTLES_FA[0], TURTLES[1], SWIM[1], TURTLES_FA[1], TURTLES[2], "Jobcenter?"]
    groups = [[texts[i] for i in g] for g in group_texts(texts)]
    assert groups == [
        [SWIM[0], SWIM[1]],
        [TURTLES[0], TURTLES[1], TURTLES[2]],  # spelt without umlauts, inflected: one group
        TURTLES_FA,  # with the half-space (ZWNJ) and with a space
        ["Jobcenter?"],
    ]
    assert group_texts([]) == []


async def test_the_inbox_lists_groups_with_languages_and_counts_a_page_at_a_time(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await keep(session, clock, TURTLES[0], "de", 501)
    await keep(session, clock, "turtles: Schildkröten füttern wo?", "en", 502)
    await keep(session, clock, SWIM[0], "de", None)
    await keep(session, clock, TURTLES[1], "de", 503)
    page = await inbox.inbox_page(session, 0, per_page=1)
    assert (page.page, page.pages, page.total_groups, page.total_questions) == (0, 2, 2, 4)
    [turtles] = page.groups  # its newest question is the newest of all: first
    assert [q.text for q in turtles.questions] == [
        TURTLES[1],
        "turtles: Schildkröten füttern wo?",
        TURTLES[0],
    ]
    assert turtles.count == 3 and turtles.langs == ["de", "en"] and turtles.reachable == 3
    second = await inbox.inbox_page(session, 7, per_page=1)  # past the end: the last page
    assert second.page == 1 and [q.text for q in second.groups[0].questions] == [SWIM[0]]
    assert second.groups[0].reachable == 0  # kept without an asker's id


async def test_new_questions_join_the_kept_groups_as_a_full_grouping_would_place_them(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await keep(session, clock, TURTLES[0], "de", 501)
    await keep(session, clock, SWIM[0], "de", 502)
    await keep(session, clock, TURTLES_FA[0], "fa", 503)
    first = await inbox.open_groups(session)
    grouper = inbox._LAST[0].grouper
    assert [g.count for g in first] == [1, 1, 1]
    await keep(session, clock, TURTLES[1], "de", 504)  # joins the turtles, which become the newest group
    await keep(session, clock, "Wo ist das Jobcenter?", "de", 505)  # a new group
    dismissed = (await inbox.open_groups(session))[2]  # the Farsi turtles
    await inbox.dismiss(session, clock, ids=dismissed.ids, actor_id=None)
    await session.commit()
    await keep(session, clock, SWIM[1], "de", 506)
    placed = await inbox.open_groups(session)
    assert inbox._LAST[0].grouper is grouper  # placed into the kept groups, not grouped anew
    texts = [[q.text for q in g.questions] for g in placed]
    assert texts == [[SWIM[1], SWIM[0]], ["Wo ist das Jobcenter?"], [TURTLES[1], TURTLES[0]]]
    inbox._LAST.clear()
    assert [[q.text for q in g.questions] for g in await inbox.open_groups(session)] == texts
    assert inbox._LAST[0].grouper is not grouper


async def test_a_question_stored_late_with_an_earlier_time_is_not_missed(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await keep(session, clock, TURTLES[0], "de", 501)
    await keep(session, clock, SWIM[0], "de", 502, minutes=10)
    assert [g.count for g in await inbox.open_groups(session)] == [1, 1]
    # another process stored this one with its time from before the newest known (its commit came later)
    await keep(session, clock, TURTLES[1], "de", 503, minutes=-5)
    groups = await inbox.open_groups(session)
    assert [[q.text for q in g.questions] for g in groups] == [[SWIM[0]], [TURTLES[1], TURTLES[0]]]


# --- answer the askers -----------------------------------------------------------------------------------------


async def test_an_answer_reaches_each_asker_in_their_language(
    session: AsyncSession, clock: FrozenClock
) -> None:
    fa = await keep(session, clock, TURTLES_FA[0], "fa", 601)
    fa_again = await keep(session, clock, TURTLES_FA[1], "fa", 601)  # the same person asked twice
    de = await keep(session, clock, TURTLES[0], "de", 602)
    anonymous = await keep(session, clock, TURTLES[1], "de", None)
    translator = FakeTranslator()
    done = await inbox.answer(
        session, clock, translator, ids=[fa, fa_again, de, anonymous], text=ANSWER, written_in="de",
        actor_id=ORGANIZER,
    )  # fmt: skip
    await session.commit()
    assert (done.questions, done.askers, done.translated, done.untranslated) == (4, 2, 1, 0)
    assert (done.unreachable, done.gone, done.langs) == (1, 0, ["de", "fa"])
    assert translator.calls == [("de", "fa", True)]  # once per language; private: never cached

    to_fa, to_de = sorted(await outbox_rows(session), key=lambda r: r.lang != "fa")
    assert (to_fa.chat_id, to_fa.user_id, to_fa.lang) == (601, 601, "fa")
    assert (to_de.chat_id, to_de.user_id, to_de.lang) == (602, 602, "de")
    farsi = rendered(to_fa)
    assert farsi.startswith(msg("fa", "💬 <b>An answer to your question</b>"))
    assert f"[fa] {ANSWER}" in farsi and TURTLES_FA[1] in farsi  # their newer question is quoted
    machine = msg("fa", "<i>Translated by machine from {language}. The original:</i>\n{original}")
    assert machine.split("{")[0] in farsi and farsi.count(ANSWER) == 2  # marked, with the original
    german = rendered(to_de)
    assert (
        ANSWER in german and "[" not in german and msg("de", "💬 <b>An answer to your question</b>") in german
    )

    # every question is closed, and no asker's id is left with them
    rows = (await session.scalars(select(FaqUnanswered).order_by(FaqUnanswered.id))).all()
    assert {(r.status, r.asker_id) for r in rows} == {(feedback.ANSWERED, None)}
    assert (await inbox.inbox_page(session)).total_questions == 0

    # the audit line says who and how many, never what was asked or answered
    [line] = await audit.latest(session, 5)
    assert (line.actor_id, line.action, line.subject) == (ORGANIZER, inbox.AUDIT_ANSWER, f"unanswered:{fa}+3")
    said = f"{line.before} {line.after}"
    assert "4 answered, 2 askers (de,fa)" in said
    assert not any(word in said for word in ("Schildkr", "Teich", "لاک"))

    # the same group answered again (a second organizer, a double click): nothing more is sent
    again = await inbox.answer(
        session, clock, translator, ids=[fa, de], text=ANSWER, written_in="de", actor_id=ORGANIZER
    )
    assert (again.questions, again.askers, again.gone) == (0, 0, 2)
    assert len(await outbox_rows(session)) == 2 and len(await audit.latest(session, 5)) == 1


async def test_without_a_translator_the_original_comes_with_a_note(
    session: AsyncSession, clock: FrozenClock
) -> None:
    ar = await keep(session, clock, "وين فيني طعمي السلاحف", "ar", 701)
    done = await inbox.answer(
        session, clock, NoTranslator(), ids=[ar], text=ANSWER, written_in="de", actor_id=None
    )
    await session.commit()
    assert (done.askers, done.translated, done.untranslated) == (1, 0, 1)
    [row] = await outbox_rows(session)
    arabic = rendered(row)
    assert row.lang == "ar" and ANSWER in arabic
    note = msg(
        "ar", "ℹ️ This answer is in another language: {language}. No machine translation was available."
    )
    assert note.split("{")[0] in arabic
    assert (
        msg("ar", "<i>Translated by machine from {language}. The original:</i>\n{original}")[:10]
        not in arabic
    )


async def test_an_answer_must_be_sendable(session: AsyncSession, clock: FrozenClock) -> None:
    row_id = await keep(session, clock, TURTLES[0], "de", 801)
    for text, lang in (("  ", "de"), ("x" * (inbox.ANSWER_MAX + 1), "de"), ("Ja.", "xx")):
        with pytest.raises(inbox.AnswerError):
            await inbox.answer(
                session, clock, FakeTranslator(), ids=[row_id], text=text, written_in=lang, actor_id=ORGANIZER
            )
    assert (await inbox.inbox_page(session)).total_questions == 1 and await outbox_rows(session) == []


async def test_the_answer_leaves_the_outbox_once_final(session: AsyncSession, clock: FrozenClock) -> None:
    row_id = await keep(session, clock, TURTLES[0], "de", 802)
    await inbox.answer(
        session, clock, FakeTranslator(), ids=[row_id], text=ANSWER, written_in="de", actor_id=1
    )
    await session.commit()
    [row] = await outbox_rows(session)
    assert row.payload["text"] == ANSWER
    hooks = wiring.outcome_hooks()  # as the delivery worker runs them
    outcome = Outcome(
        row.id, row.chat_id, row.user_id, row.kind, row.ref, row.dedupe_key, row.payload, "de", "sent"
    )
    for hook in hooks.for_kind(row.kind):
        await hook(session, outcome)
    await session.commit()
    await session.refresh(row)
    assert row.payload == {}


# --- examples, dismiss -----------------------------------------------------------------------------------------


async def test_a_group_becomes_examples_of_a_topic(
    session: AsyncSession, clock: FrozenClock, content: FaqContent
) -> None:
    ids = [await keep(session, clock, text, "de", 900 + i) for i, text in enumerate(TURTLES)]
    ids.append(await keep(session, clock, TURTLES[0], "de", 910))  # asked twice in the same words
    refused = await inbox.add_examples(
        session, clock, content, ids=ids, slug="no-such-topic", actor_id=ORGANIZER
    )
    assert refused.unknown_topic and (await inbox.inbox_page(session)).total_questions == 4

    done = await inbox.add_examples(session, clock, content, ids=ids, slug=TOPIC, actor_id=ORGANIZER)
    await session.commit()
    assert (done.added, done.known, done.gone) == (3, 1, 0)
    stored = (await session.scalars(select(FaqExample.text).where(FaqExample.slug == TOPIC))).all()
    assert sorted(stored) == sorted(TURTLES)
    rows = (await session.scalars(select(FaqUnanswered))).all()
    assert {(r.status, r.asker_id) for r in rows} == {(feedback.DONE, None)}
    [line] = await audit.latest(session, 5)
    assert (line.action, line.actor_id) == (inbox.AUDIT_EXAMPLE, ORGANIZER)
    assert line.after == f"topic {TOPIC}: 3 examples added, 1 known" and "Schildkr" not in str(line.before)


async def test_dismissed_questions_are_deleted(session: AsyncSession, clock: FrozenClock) -> None:
    ids = [await keep(session, clock, text, "de", 950) for text in ("asdf jklö", "qwertz uiop")]
    assert await inbox.dismiss(session, clock, ids=[*ids, 999_999], actor_id=ORGANIZER) == 2
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(FaqUnanswered)) == 0
    assert await inbox.dismiss(session, clock, ids=ids, actor_id=ORGANIZER) == 0
    [line] = await audit.latest(session, 5)
    assert (line.action, line.subject, line.after) == (
        inbox.AUDIT_DISMISS,
        f"unanswered:{ids[0]}+1",
        "deleted",
    )


# --- privacy -------------------------------------------------------------------------------------------------


async def test_the_askers_id_goes_with_done_and_with_erasure(
    session: AsyncSession, clock: FrozenClock
) -> None:
    done_id = await keep(session, clock, TURTLES[0], "de", 1001)
    kept_id = await keep(session, clock, TURTLES[1], "de", 1001)
    other = await keep(session, clock, SWIM[0], "de", 1002)
    assert await feedback.mark_done(session, clock, done_id)
    await session.commit()
    done = await session.get(FaqUnanswered, done_id)
    assert done is not None and done.asker_id is None  # done: the id is forgotten at once
    kept = await session.get(FaqUnanswered, kept_id)
    assert kept is not None and kept.asker_id == 1001

    await erasure.erase_user(session, 1001, clock)
    left = (await session.scalars(select(FaqUnanswered.id))).all()
    assert left == [other]  # both of theirs are gone (the done one by its hash)

    # the foreign key too: a person's row deleted any other way takes their open questions with it
    from storage.repositories import users as users_repo

    await users_repo.delete_user(session, 1002)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(FaqUnanswered)) == 0


async def test_answers_and_ids_go_with_the_90_days(session: AsyncSession, clock: FrozenClock) -> None:
    await keep(session, clock, TURTLES[0], "de", 1101)
    clock.advance(timedelta(days=feedback.RETENTION_DAYS, minutes=1))
    assert await feedback.purge(session, clock) == 1
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(FaqUnanswered)) == 0
