"""The "ask a person" service on SQLite and PostgreSQL: who can be reached (and the organizers alerted
when nobody), one open question per person (what comes next joins it), translation both ways and what
happens without one, only helpers answer, no answer to a withdrawn or closed question."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot import users as users_service
from bot.assignments import profiles
from bot.clock import FrozenClock
from bot.config import Settings, load_settings
from bot.faq import conversation, feedback, handoff
from bot.faq.conversation import Reply
from bot.faq.handoff import Handoff
from bot.faq.service import build_service
from storage.models import FaqUnanswered, OutboxMessage, User

HELPERS = -100500
ASKER, HELPER, VISITOR = 4711, 501, 502


class FakeTranslator:
    """Marks what it translated, so the test sees which way each text went."""

    enabled = True

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def translate(self, text: str, source: str, target: str, *, private: bool = False) -> str | None:
        self.calls.append((source, target))
        return f"[{source}→{target}] {text}"


@pytest.fixture(scope="module")
def settings() -> Settings:
    settings = load_settings(_env_file=None, helpers_chat_id=HELPERS)
    build_service(settings)  # load the FAQ once (language detection for the helper's answer)
    return settings


async def _people(session: AsyncSession, clock: FrozenClock) -> None:
    for uid in (ASKER, HELPER, VISITOR):
        await users_service.ensure_user(session, uid, clock, [])
    await session.execute(update(User).where(User.id == HELPER).values(role=users_service.HELPER))


async def _outbox(session: AsyncSession, kind: str) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    )
    return list(rows.all())


async def test_nobody_reachable_without_a_helpers_chat(session: AsyncSession, clock: FrozenClock) -> None:
    """The asker is told the truth (the handler adds the phone number) and every organizer is alerted,
    once a day: those in the database and those listed in ORGANIZER_IDS (who have started the bot)."""
    await _people(session, clock)
    await users_service.ensure_user(session, 9001, clock, [9001])
    await users_service.ensure_user(session, 9002, clock, [])
    alone = load_settings(_env_file=None, helpers_chat_id=None, organizer_ids=[9001, 9002, 9003])
    assert (await handoff.check(session, alone, ASKER)).outcome == Handoff.UNREACHABLE
    result = await handoff.hand_over(session, clock, alone, None, asker_id=ASKER, text="Frage", lang="fa")
    assert result.outcome == Handoff.UNREACHABLE
    again = await handoff.hand_over(session, clock, alone, None, asker_id=ASKER, text="Frage", lang="fa")
    assert again.outcome == Handoff.UNREACHABLE
    assert await tickets.active_ticket(session, ASKER) is None
    alerts = await _outbox(session, tickets.ORGANIZERS_KIND)
    assert [(r.chat_id, r.payload["event"], r.payload["lang"]) for r in alerts] == [
        (9001, "unreachable", "fa"),
        (9002, "unreachable", "fa"),
    ]


async def test_one_open_question_then_the_next(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    assert (await handoff.check(session, settings, ASKER)).outcome == Handoff.READY
    kept_id = await feedback.keep_unanswered(
        session, clock, text="Wo ist das Amt?", lang="de", reason=feedback.NO_MATCH
    )
    translator = FakeTranslator()
    opened = await handoff.hand_over(
        session,
        clock,
        settings,
        translator,
        asker_id=ASKER,
        text="Wo ist das Amt?",
        lang="uk",
        unanswered_id=kept_id,
    )
    assert opened.outcome == Handoff.OPENED and opened.ticket_id is not None
    assert translator.calls == [("uk", "de")]
    ticket = await tickets.get(session, opened.ticket_id)
    assert ticket is not None and ticket.translation == "[uk→de] Wo ist das Amt?"
    kept = await session.get(FaqUnanswered, kept_id)
    assert kept is not None and kept.ticket_id == opened.ticket_id

    again = await handoff.hand_over(
        session, clock, settings, None, asker_id=ASKER, text="Noch was", lang="uk"
    )
    assert (again.outcome, again.ticket_id) == (Handoff.ALREADY_OPEN, opened.ticket_id)
    assert (await handoff.check(session, settings, ASKER)).outcome == Handoff.ALREADY_OPEN
    # what they ask now joins the open question (the handler does this on ALREADY_OPEN)
    joined = await conversation.follow_up(
        session, clock, settings, translator, asker_id=ASKER, text="Und wann hat es offen?",
        source_message_id=12,
    )  # fmt: skip
    assert (joined.outcome, joined.ticket_id, joined.seq) == (Handoff.ADDED, opened.ticket_id, 2)
    twice = await conversation.follow_up(
        session, clock, settings, translator, asker_id=ASKER, text="Und wann hat es offen?",
        source_message_id=12,
    )  # fmt: skip
    assert (twice.outcome, twice.seq) == (Handoff.ADDED, None)  # the same message again: added once
    texts = [m.text for m in await tickets.messages(session, opened.ticket_id)]
    assert texts == ["Wo ist das Amt?", "Und wann hat es offen?"]

    assert await handoff.withdraw_open_question(await users_service.find_user(session, ASKER), session, clock)
    assert not await handoff.withdraw_open_question(
        await users_service.find_user(session, ASKER), session, clock
    )
    assert (await handoff.check(session, settings, ASKER)).outcome == Handoff.READY


async def _relayed(
    session: AsyncSession, clock: FrozenClock, settings: Settings, message_id: int, *, take: bool = True
) -> int:
    result = await handoff.hand_over(session, clock, settings, None, asker_id=ASKER, text="Frage", lang="uk")
    assert result.ticket_id is not None
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key == f"ticket:{result.ticket_id}:relay")
        .values(status="sent", telegram_message_id=message_id)
    )  # the card was sent (without its hook: it is found through the outbox)
    helper = await users_service.find_user(session, HELPER)
    if take:
        assert helper is not None
        await tickets.claim(session, clock, result.ticket_id, helper, chat_id=HELPERS)
    return result.ticket_id


async def reply(
    session: AsyncSession, clock: FrozenClock, settings: Settings, person: User | None, text: str,
    message_id: int, relay: int, translator: FakeTranslator | None = None,
) -> conversation.ReplyResult:  # fmt: skip
    return await conversation.reply_to_relay(
        session, clock, settings, translator, helper=person, helper_name="Anna", chat_id=HELPERS,
        relay_message_id=relay, text=text, message_id=message_id,
    )  # fmt: skip


async def test_only_helpers_answer(session: AsyncSession, clock: FrozenClock, settings: Settings) -> None:
    await _people(session, clock)
    number = await _relayed(session, clock, settings, 70)
    visitor = await users_service.find_user(session, VISITOR)
    helper = await users_service.find_user(session, HELPER)

    translator = FakeTranslator()
    assert (await reply(session, clock, settings, helper, "Hallo", 1, 999)).outcome == Reply.IGNORED
    for n, stranger in enumerate((None, visitor)):
        refused = await reply(session, clock, settings, stranger, "Ich weiß es!", 2 + n, 70)
        assert refused.outcome == Reply.NOT_ALLOWED and refused.ticket is not None
    stored = await tickets.get(session, number)
    assert stored is not None and stored.status == tickets.TAKEN  # nothing went to the asker
    assert await _outbox(session, tickets.ANSWER_KIND) == []

    sent = await reply(
        session, clock, settings, helper, "Das Amt ist im Rathaus, Zimmer 12.", 5, 70, translator
    )
    assert (sent.outcome, sent.first, sent.translated, sent.seq) == (Reply.SENT, True, True, 2)
    follow = await reply(session, clock, settings, helper, "Es öffnet um 9 Uhr.", 6, 70, translator)
    assert (follow.outcome, follow.first, follow.seq) == (Reply.SENT, False, 3)
    answers = await _outbox(session, tickets.ANSWER_KIND)
    assert [(a.chat_id, a.payload["seq"], a.payload["helper_name"]) for a in answers] == [
        (ASKER, 2, None),  # anonymous: the helper did not choose to show a first name
        (ASKER, 3, None),
    ]
    assert answers[0].payload["text"] == "[de→uk] Das Amt ist im Rathaus, Zimmer 12."
    assert answers[0].payload["original"] == "Das Amt ist im Rathaus, Zimmer 12."
    assert answers[0].payload["written_in"] == "de"
    notices = await _outbox(session, tickets.NOTICE_KIND)
    assert [(n.payload["event"], n.payload["reply_to"]) for n in notices] == [
        ("not_helper", 2), ("not_helper", 3), ("passed", 5), ("passed", 6),
    ]  # fmt: skip
    assert notices[2].payload["translated"] is True


async def test_a_helper_may_show_a_first_name(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    number = await _relayed(session, clock, settings, 71)
    helper = await users_service.find_user(session, HELPER)
    visitor = await users_service.find_user(session, VISITOR)
    assert helper is not None and visitor is not None
    assert (await tickets.set_named(session, clock, number, visitor)).outcome == tickets.Outcome.NOT_YOURS
    shown = await tickets.set_named(session, clock, number, helper)
    assert (shown.outcome, shown.named) == (tickets.Outcome.OK, True)
    await reply(session, clock, settings, helper, "Ja, ich helfe.", 7, 71)
    hidden = await tickets.set_named(session, clock, number, helper)
    assert (hidden.outcome, hidden.named) == (tickets.Outcome.OK, False)
    await reply(session, clock, settings, helper, "Bis morgen.", 8, 71)
    answers = await _outbox(session, tickets.ANSWER_KIND)
    assert [a.payload["helper_name"] for a in answers] == ["Anna", None]


async def test_replying_takes_an_open_question_and_names_the_language_without_translation(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    """No translator: the helper's German reaches the Ukrainian asker as it is, marked as German (the
    asker is told), and the helper learns that no translation was available."""
    await _people(session, clock)
    number = await _relayed(session, clock, settings, 72, take=False)
    helper = await users_service.find_user(session, HELPER)
    sent = await reply(session, clock, settings, helper, "Das Amt ist im Rathaus, im zweiten Stock.", 9, 72)
    assert (sent.outcome, sent.translated, sent.untranslated) == (Reply.SENT, False, True)
    stored = await tickets.get(session, number)
    assert stored is not None and (stored.status, stored.taken_by) == (tickets.TAKEN, HELPER)
    [answer] = await _outbox(session, tickets.ANSWER_KIND)
    assert (answer.payload["untranslated"], answer.payload["written_in"]) == (True, "de")
    [notice] = await _outbox(session, tickets.NOTICE_KIND)
    assert (notice.payload["event"], notice.payload["untranslated"]) == ("passed", True)
    # in the asker's own language: nothing to say about languages
    same = await reply(session, clock, settings, helper, "Офіс знаходиться в ратуші, кімната 12.", 10, 72)
    assert (same.outcome, same.untranslated) == (Reply.SENT, False)


async def test_without_translation_the_question_goes_first_to_helpers_who_speak_it(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    """The matching of assignments: a private alert to each helper who speaks the asker's language."""
    await _people(session, clock)
    await session.execute(update(User).where(User.id == VISITOR).values(role=users_service.HELPER))
    for uid, lang in ((HELPER, "uk"), (VISITOR, "ar")):
        person = await users_service.find_user(session, uid)
        assert person is not None
        await profiles.toggle_language(session, clock, person, lang)
    result = await handoff.hand_over(
        session, clock, settings, None, asker_id=ASKER, text="Питання", lang="uk"
    )
    assert result.outcome == Handoff.OPENED
    alerts = await _outbox(session, tickets.SPEAKERS_KIND)
    assert [(a.chat_id, a.payload) for a in alerts] == [(HELPER, {"ticket": result.ticket_id, "lang": "uk"})]
    [card] = await _outbox(session, "ticket_question")
    assert card.payload["untranslated"] is True
    # with a translation, the group reads it: no alerts
    translated = await handoff.hand_over(
        session, clock, settings, FakeTranslator(), asker_id=VISITOR, text="سؤال", lang="ar"
    )
    assert translated.outcome == Handoff.OPENED
    assert len(await _outbox(session, tickets.SPEAKERS_KIND)) == 1


async def test_no_answer_to_a_withdrawn_question(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    await _relayed(session, clock, settings, 80)
    await handoff.withdraw_open_question(await users_service.find_user(session, ASKER), session, clock)
    helper = await users_service.find_user(session, HELPER)
    result = await reply(session, clock, settings, helper, "Zu spät", 11, 80)
    assert result.outcome == Reply.WITHDRAWN
    assert await _outbox(session, tickets.ANSWER_KIND) == []
    [notice] = await _outbox(session, tickets.NOTICE_KIND)
    assert (notice.payload["event"], notice.payload["reply_to"]) == ("withdrawn", 11)


async def test_no_answer_to_a_closed_question(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    number = await _relayed(session, clock, settings, 81)
    asker = await users_service.find_user(session, ASKER)
    assert (await tickets.close(session, clock, number, tickets.ClosedBy.ASKER, asker)).outcome == (
        tickets.Outcome.OK
    )
    result = await reply(
        session, clock, settings, await users_service.find_user(session, HELPER), "Noch was", 12, 81
    )
    assert result.outcome == Reply.CLOSED
    assert await _outbox(session, tickets.ANSWER_KIND) == []
