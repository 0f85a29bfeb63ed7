"""The conversation of a ticket on SQLite and PostgreSQL (bot.conversations, bot.tickets, bot.ticket_hooks):
numbered messages both ways, each once, in marked parts; the card's state; closing by the asker, the
helper or after quiet days (both told); the truth when a message could not be delivered; and the one
claim that questions and assignments share (bot.claims)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import claims, conversations, tickets
from bot import users as users_service
from bot.assignments import claiming
from bot.assignments import service as assignments
from bot.claims import Outcome
from bot.clock import FrozenClock
from bot.conversations import Added
from bot.text import Translator
from bot.ticket_payloads import FailedPayload
from handlers.faq.renderers import render_failed
from storage.models import OutboxMessage
from tests.test_assignments import AREAS, TZ, new
from tests.test_tickets import ASKER, HELPER_A, HELPER_B, HELPERS, _deliver, _open, _people, _person, _rows


async def _sent_card(session: AsyncSession, clock: FrozenClock, message_id: int = 40) -> tickets.Ticket:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await session.commit()
    [card] = await _rows(session, ticket.id)
    await _deliver(session, card, "sent", message_id)
    await session.commit()
    stored = await tickets.get(session, ticket.id)
    assert stored is not None
    return stored


async def _kinds(session: AsyncSession, ticket_id: int, kind: str) -> list[OutboxMessage]:
    return [r for r in await _rows(session, ticket_id) if r.kind == kind]


async def _from_asker(session: AsyncSession, clock: FrozenClock, ticket: Any, text: str, mid: int) -> Any:
    return await conversations.add_from_asker(
        session, clock, ticket, text=text, lang="fa", translation=f"{text} (DE)", helpers_lang="de",
        source_message_id=mid,
    )  # fmt: skip


async def _from_helper(session: AsyncSession, clock: FrozenClock, ticket: Any, text: str, mid: int) -> Any:
    return await conversations.add_from_helper(
        session, clock, ticket, text=f"{text} (FA)", original=text, written_in="de", untranslated=False,
        helper_name=None, source_message_id=mid,
    )  # fmt: skip


async def test_messages_both_ways_are_numbered_in_order_and_added_once(
    session: AsyncSession, clock: FrozenClock
) -> None:
    ticket = await _sent_card(session, clock)
    await tickets.claim(session, clock, ticket.id, await _person(session, HELPER_A))
    assert await _from_asker(session, clock, ticket, "Noch eine Frage", 101) == Added(2)
    assert await _from_helper(session, clock, ticket, "Antwort eins", 201) == Added(3, first_answer=True)
    assert await _from_asker(session, clock, ticket, "Danke, und?", 102) == Added(4)
    assert await _from_helper(session, clock, ticket, "Antwort zwei", 202) == Added(5)
    # the same messages again (an update delivered twice): nothing new
    assert await _from_asker(session, clock, ticket, "Noch eine Frage", 101) is None
    assert await _from_helper(session, clock, ticket, "Antwort eins", 201) is None
    await session.commit()
    stored = await tickets.messages(session, ticket.id)
    assert [(m.seq, m.sender, m.text) for m in stored] == [
        (1, "asker", "Wo finde ich einen Arzt?"),
        (2, "asker", "Noch eine Frage"),
        (3, "helper", "Antwort eins"),
        (4, "asker", "Danke, und?"),
        (5, "helper", "Antwort zwei"),
    ]
    assert stored[2].translation == "Antwort eins (FA)" and stored[1].translation == "Noch eine Frage (DE)"
    followups = await _kinds(session, ticket.id, tickets.FOLLOWUP_KIND)
    assert [(f.chat_id, f.lang, f.payload["seq"], f.payload["reply_to"]) for f in followups] == [
        (HELPERS, "de", 2, 40),
        (HELPERS, "de", 4, 40),
    ]  # into the helpers' chat, as replies to the card
    assert followups[0].payload["translation"] == "Noch eine Frage (DE)"
    answers = await _kinds(session, ticket.id, tickets.ANSWER_KIND)
    assert [(a.chat_id, a.lang, a.payload["seq"], a.payload["text"]) for a in answers] == [
        (ASKER, "fa", 3, "Antwort eins (FA)"),
        (ASKER, "fa", 5, "Antwort zwei (FA)"),
    ]
    # the card said "taken", then "answered" once, at the first reply (the older edit not sent: replaced)
    cards = await _kinds(session, ticket.id, tickets.CARD_KIND)
    assert [(c.status, c.payload["status"]) for c in cards] == [
        ("cancelled", "taken"),
        ("pending", "answered"),
    ]
    fresh = await tickets.get(session, ticket.id)
    assert fresh is not None and fresh.active_at == clock.now() and fresh.answered_at == clock.now()


async def test_long_messages_go_whole_in_marked_parts(session: AsyncSession, clock: FrozenClock) -> None:
    ticket = await _sent_card(session, clock)
    words = [f"слово{n}" for n in range(600)]
    long = " ".join(words)
    await conversations.add_from_asker(
        session, clock, ticket, text=long, lang="uk", translation=None, helpers_lang="de", source_message_id=9
    )
    await _from_helper(session, clock, ticket, " ".join(["Antwort"] * 600), 10)
    await session.commit()
    parts = await _kinds(session, ticket.id, tickets.FOLLOWUP_KIND)
    assert [(p.payload["part"], p.payload["parts"]) for p in parts] == [(1, 2), (2, 2)]
    assert " ".join(p.payload["text"] for p in parts).split() == words
    assert all(p.payload["untranslated"] for p in parts)  # Ukrainian, no translation: the group is told
    answers = await _kinds(session, ticket.id, tickets.ANSWER_KIND)
    assert len(answers) > 1 and [a.payload["last"] for a in answers] == [False] * (len(answers) - 1) + [True]
    originals = " ".join(a.payload["original"] or "" for a in answers).split()
    assert originals == ["Antwort"] * 600  # the original beside its translation, part by part


async def test_the_asker_closes_and_the_group_is_told(session: AsyncSession, clock: FrozenClock) -> None:
    ticket = await _sent_card(session, clock)
    helper = await _person(session, HELPER_A)
    asker = await _person(session, ASKER)
    await tickets.claim(session, clock, ticket.id, helper)
    other = await _person(session, HELPER_B)
    assert (await tickets.close(session, clock, ticket.id, tickets.ClosedBy.ASKER, other)).outcome == (
        Outcome.NOT_YOURS
    )
    assert (
        await tickets.close(session, clock, ticket.id, tickets.ClosedBy.ASKER, asker)
    ).outcome == Outcome.OK
    again = await tickets.close(session, clock, ticket.id, tickets.ClosedBy.ASKER, asker)
    assert again.outcome == Outcome.CLOSED
    await session.commit()
    stored = await tickets.get(session, ticket.id)
    assert stored is not None and (stored.status, stored.closed_by, stored.text) == ("closed", "asker", None)
    [card] = [c for c in await _kinds(session, ticket.id, tickets.CARD_KIND) if c.status == "pending"]
    # the card keeps the question and shows "closed"
    assert (card.payload["status"], card.payload["text"], card.payload["closed_by"]) == (
        "closed", "Wo finde ich einen Arzt?", "asker",
    )  # fmt: skip
    [notice] = await _kinds(session, ticket.id, tickets.NOTICE_KIND)
    assert (notice.payload["event"], notice.payload["reply_to"]) == ("asker_closed", 40)
    assert await _kinds(session, ticket.id, tickets.CLOSED_KIND) == []  # the asker knows: they closed it
    assert await _from_asker(session, clock, stored, "Noch was", 103) is None  # closed: nothing joins


async def test_only_the_helper_who_took_it_closes_it(session: AsyncSession, clock: FrozenClock) -> None:
    ticket = await _sent_card(session, clock)
    taker, other = await _person(session, HELPER_A), await _person(session, HELPER_B)
    await tickets.claim(session, clock, ticket.id, taker)
    refused = await tickets.close(session, clock, ticket.id, tickets.ClosedBy.HELPER, other)
    assert refused.outcome == Outcome.NOT_YOURS
    assert (
        await tickets.close(session, clock, ticket.id, tickets.ClosedBy.HELPER, taker)
    ).outcome == Outcome.OK
    await session.commit()
    [told] = await _kinds(session, ticket.id, tickets.CLOSED_KIND)
    assert (told.chat_id, told.payload["by"], told.payload["answered"]) == (ASKER, "helper", False)


async def test_quiet_conversations_are_closed_and_both_told(
    session: AsyncSession, clock: FrozenClock
) -> None:
    ticket = await _sent_card(session, clock)
    await _from_helper(session, clock, ticket, "Antwort", 11)
    await session.commit()
    clock.advance(timedelta(days=6))
    await _from_asker(session, clock, ticket, "Danke, noch eine Sache", 12)  # the asker wrote: not quiet
    await session.commit()
    clock.advance(timedelta(days=6, hours=23))
    assert await conversations.close_quiet(session, clock, 7) == []
    clock.advance(timedelta(hours=2))
    assert await conversations.close_quiet(session, clock, 7) == [ticket.id]
    await session.commit()
    [told] = await _kinds(session, ticket.id, tickets.CLOSED_KIND)
    assert (told.payload["by"], told.payload["quiet_days"], told.payload["answered"]) == ("quiet", 7, True)
    [notice] = await _kinds(session, ticket.id, tickets.NOTICE_KIND)
    assert (notice.payload["event"], notice.payload["quiet_days"]) == ("quiet", 7)
    assert await conversations.close_quiet(session, clock, 7) == []
    # the conversation's words go with the next retention run
    await conversations.purge(session, clock)
    assert await tickets.messages(session, ticket.id) == []


async def test_a_message_that_cannot_be_delivered_is_never_silently_lost(
    session: AsyncSession, clock: FrozenClock
) -> None:
    ticket = await _sent_card(session, clock)
    organizer = await users_service.ensure_user(session, 9001, clock, [9001])
    await _from_asker(session, clock, ticket, "Noch eine Frage", 101)
    await _from_helper(session, clock, ticket, "Antwort", 201)
    await session.commit()
    [followup] = await _kinds(session, ticket.id, tickets.FOLLOWUP_KIND)
    await _deliver(session, followup, "failed", None)
    [answer] = await _kinds(session, ticket.id, tickets.ANSWER_KIND)
    await _deliver(session, answer, "blocked", None)
    await session.commit()
    [failed] = await _kinds(session, ticket.id, tickets.FAILED_KIND)
    # "your message to question no. 1 could not be passed on", quoting the asker's own message 101
    assert (failed.chat_id, failed.payload["seq"], failed.payload["reply_to"]) == (ASKER, 2, 101)
    sent = render_failed(FailedPayload.model_validate(failed.payload), Translator("de"))
    assert sent.params["reply_parameters"]["message_id"] == 101
    assert sent.params["text"].startswith("Entschuldigung, Ihre Nachricht zu Frage Nr. ")
    [alarm] = await _kinds(session, ticket.id, tickets.ORGANIZERS_KIND)
    assert (alarm.chat_id, alarm.payload["event"], alarm.payload["seq"]) == (
        organizer.id,
        "message_failed",
        2,
    )
    [undelivered] = await _kinds(session, ticket.id, tickets.NOTICE_KIND)
    assert (undelivered.chat_id, undelivered.payload["event"]) == (HELPERS, "undelivered")
    for row in (followup, answer):
        await session.refresh(row)
        assert row.payload == {}  # final: the outbox forgets the words


async def test_a_followup_sent_is_found_by_its_message(session: AsyncSession, clock: FrozenClock) -> None:
    ticket = await _sent_card(session, clock)
    await _from_asker(session, clock, ticket, "Noch eine Frage", 101)
    await session.commit()
    [followup] = await _kinds(session, ticket.id, tickets.FOLLOWUP_KIND)
    await _deliver(session, followup, "sent", 41)
    await session.commit()
    found = await tickets.find_by_relay(session, HELPERS, 41)  # a helper replied to the follow-up
    assert found is not None and found.id == ticket.id
    assert await tickets.find_by_relay(session, -1, 41) is None


async def test_a_card_sent_after_the_ticket_changed_is_edited_at_once(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await tickets.claim(session, clock, ticket.id, await _person(session, HELPER_A))  # before it was sent
    await session.commit()
    assert await _kinds(session, ticket.id, tickets.CARD_KIND) == []
    [card] = [r for r in await _rows(session, ticket.id) if r.kind == "ticket_question"]
    assert card.payload["status"] == "open"
    await _deliver(session, card, "sent", 50)
    await session.commit()
    [edit] = await _kinds(session, ticket.id, tickets.CARD_KIND)
    assert (edit.payload["message_id"], edit.payload["status"]) == (50, "taken")


async def test_release_opens_it_again_with_its_button(session: AsyncSession, clock: FrozenClock) -> None:
    ticket = await _sent_card(session, clock)
    await tickets.claim(session, clock, ticket.id, await _person(session, HELPER_A))
    assert await tickets.release(session, clock, HELPER_A) == [ticket.id]
    await session.commit()
    edits = await _kinds(session, ticket.id, tickets.CARD_KIND)
    # the "taken" edit had not left yet: cancelled, and the card still shows "open": nothing to edit
    assert [(e.status, e.payload["status"]) for e in edits] == [("cancelled", "taken")]
    await tickets.claim(session, clock, ticket.id, await _person(session, HELPER_A))
    [taken] = [e for e in await _kinds(session, ticket.id, tickets.CARD_KIND) if e.status == "pending"]
    await _deliver(session, taken, "sent", 40)
    assert await tickets.release(session, clock, HELPER_A) == [ticket.id]
    [opened] = [e for e in await _kinds(session, ticket.id, tickets.CARD_KIND) if e.status == "pending"]
    assert opened.payload["status"] == "open"  # shown "taken": edited back to open, with its 🙋
    again = await tickets.claim(session, clock, ticket.id, await _person(session, HELPER_B))
    assert again.outcome == Outcome.WON


# --- one claim for everything handed to a person -------------------------------------------------------


async def test_questions_and_assignments_share_one_claim(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """Two helpers take a question and an assignment at the same moment: one wins each, through the same
    conditional UPDATE (bot.claims), with the same outcomes."""
    async with sessionmaker() as session:
        await _people(session, clock)
        ticket = await _open(session, clock)
        organizer = await users_service.ensure_user(session, 9001, clock, [9001])
        created = await assignments.create(session, clock, organizer, new(), AREAS, TZ)
        await session.commit()
    ids = {"question": ticket.id, "assignment": created.assignment.id}

    async def take(what: str, uid: int) -> Outcome:
        async with sessionmaker() as session:
            person = await _person(session, uid)
            if what == "question":
                result: claims.ClaimResult[Any] = await tickets.claim(session, clock, ids[what], person)
            else:
                result = await claiming.claim(session, clock, ids[what], person, AREAS)
            await session.commit()
            return result.outcome

    presses = [(what, uid) for what in ("question", "assignment") for uid in (HELPER_A, HELPER_B)]
    outcomes = await asyncio.gather(*(take(what, uid) for what, uid in presses))
    assert sorted(outcomes[:2]) == sorted(outcomes[2:]) == sorted([Outcome.WON, Outcome.TAKEN])
    async with sessionmaker() as session:
        rows = (await session.scalars(select(OutboxMessage.kind))).all()
        assert "ticket_question" in rows


async def test_whether_a_question_is_open_is_read_with_the_person(
    session: AsyncSession, clock: FrozenClock
) -> None:
    """The one statement an update reads its person with also says whether their question to a person
    is open (taken counts too; closed does not), as tickets.active_ticket does; a person new here: unread."""
    open_question = tickets.has_active_ticket()

    async def read(user_id: int) -> bool | None:
        _, values = await users_service.ensure_user_and(session, user_id, clock, [], [open_question])
        return None if values is None else bool(values[0])

    assert await read(777_001) is None  # new here: nothing read
    await session.commit()
    assert await read(777_001) is False
    ticket = await _sent_card(session, clock)
    assert await read(ASKER) is True
    await tickets.claim(session, clock, ticket.id, await _person(session, HELPER_A))
    await session.commit()
    assert await read(ASKER) is True
    assert await read(HELPER_A) is False
    await tickets.close(session, clock, ticket.id, tickets.ClosedBy.ASKER, await _person(session, ASKER))
    await session.commit()
    assert await read(ASKER) is False
    assert (await read(ASKER)) == (await tickets.active_ticket(session, ASKER) is not None)
