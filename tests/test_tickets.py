"""Tickets on SQLite and PostgreSQL: numbers never reused, the relay through the outbox (whole, in marked
parts), first claim wins (the one claim of bot.claims), withdrawal, delivery hooks, erasure and retention
(no question text kept longer than needed). The conversation itself: tests/test_conversations.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import conversations, tickets, wiring
from bot import users as users_service
from bot.claims import Outcome as Claim
from bot.clock import FrozenClock
from bot.delivery.hooks import Outcome
from bot.faq import feedback
from bot.services import erasure
from bot.users import Person
from storage.migrate import downgrade, upgrade
from storage.models import FaqUnanswered, OutboxMessage, Ticket, TicketMessage

HELPERS = -100500
ASKER, HELPER_A, HELPER_B = 4711, 501, 502


async def _people(session: AsyncSession, clock: FrozenClock) -> None:
    for uid in (ASKER, HELPER_A, HELPER_B):
        user = await users_service.ensure_user(session, uid, clock, [])
        if uid != ASKER:
            user.role = users_service.HELPER
    await session.flush()


async def _person(session: AsyncSession, uid: int) -> Person:
    person = await users_service.find_user(session, uid)
    assert person is not None
    return person


async def claim(session: AsyncSession, clock: FrozenClock, ticket_id: int, uid: int, **kw: Any) -> Any:
    return await tickets.claim(session, clock, ticket_id, await _person(session, uid), **kw)


async def _open(
    session: AsyncSession, clock: FrozenClock, text: str = "Wo finde ich einen Arzt?", asker: int = ASKER
) -> Ticket:
    return await tickets.open_ticket(
        session,
        clock,
        kind=tickets.QUESTION,
        chat_id=HELPERS,
        lang="fa",
        asker_id=asker,
        text=text,
        relay_lang="de",
        translation="Wo finde ich einen Arzt? (DE)",
    )


async def _rows(session: AsyncSession, ticket_id: int) -> list[OutboxMessage]:
    result = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.ref == tickets.ref(ticket_id)).order_by(OutboxMessage.id)
    )
    return list(result.all())


async def _deliver(session: AsyncSession, row: OutboxMessage, status: str, message_id: int | None) -> None:
    """What the delivery worker does for one row: final state, then the kind's hooks."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(status=status, telegram_message_id=message_id)
    )
    outcome = Outcome(
        outbox_id=row.id,
        chat_id=row.chat_id,
        user_id=row.user_id,
        kind=row.kind,
        ref=row.ref,
        dedupe_key=row.dedupe_key,
        payload=dict(row.payload),
        lang=row.lang,
        status=status,
        telegram_message_id=message_id,
    )
    for hook in wiring.outcome_hooks().for_kind(row.kind):
        await hook(session, outcome)


async def test_open_queues_an_anonymous_relay(session: AsyncSession, clock: FrozenClock) -> None:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await session.commit()
    assert (ticket.kind, ticket.status, ticket.lang, ticket.asker_id) == ("question", "open", "fa", ASKER)
    [relay] = await _rows(session, ticket.id)
    assert (relay.chat_id, relay.kind, relay.lang, relay.user_id) == (HELPERS, "ticket_question", "de", None)
    assert relay.payload == {
        "ticket": ticket.id,
        "lang": "fa",
        "text": "Wo finde ich einen Arzt?",
        "translation": "Wo finde ich einen Arzt? (DE)",
        "status": "open",
        "part": 1,
        "parts": 1,
        "untranslated": False,
        "closed_by": None,
        "named": False,
        "quiet_days": None,
        "media": None,  # a text question (bot.ticket_media for voice messages, photos …)
    }
    assert str(ASKER) not in str(relay.payload)
    assert await tickets.active_ticket(session, ASKER) is not None
    [question] = await tickets.messages(session, ticket.id)  # the conversation begins with the question
    assert (question.seq, question.sender, question.kind, question.text, question.lang) == (
        1, "asker", "text", "Wo finde ich einen Arzt?", "fa",
    )  # fmt: skip


async def test_numbers_are_never_given_twice(session: AsyncSession, clock: FrozenClock) -> None:
    """Before: SQLite gave the next ticket the highest remaining id + 1, so after retention (or anything
    else) deleted the newest tickets, a number came again; its relay collided with the old one's outbox
    row (same key) and never left, while the asker was told it was sent."""
    await _people(session, clock)
    first = await _open(session, clock)
    await tickets.withdraw(session, clock, ASKER)
    second = await _open(session, clock)
    await session.commit()
    assert second.id == first.id + 1
    await session.execute(text("DELETE FROM ticket_messages"))
    await session.execute(text("DELETE FROM tickets"))  # e.g. retention, long after they were closed
    await session.commit()
    third = await _open(session, clock)
    await session.commit()
    assert third.id == second.id + 1
    relays = [r for r in await _rows(session, third.id) if r.kind == "ticket_question"]
    assert [(r.status, r.payload["text"]) for r in relays] == [("pending", "Wo finde ich einen Arzt?")]


async def test_a_relay_that_cannot_be_queued_opens_nothing(session: AsyncSession, clock: FrozenClock) -> None:
    """Never "sent" for a question that goes nowhere: if the relay's key is taken, nothing is kept."""
    await _people(session, clock)
    first = await _open(session, clock)
    await tickets.withdraw(session, clock, ASKER)
    await session.commit()
    # a row that holds the next number's relay key (as the old numbering could leave behind)
    session.add(
        OutboxMessage(
            chat_id=HELPERS, kind="ticket_question", dedupe_key=f"ticket:{first.id + 1}:relay",
            method="sendMessage", payload={}, status="sent", attempts=1, not_before=clock.now(),
            created_at=clock.now(),
        )
    )  # fmt: skip
    await session.commit()
    with pytest.raises(tickets.NotQueued):
        await _open(session, clock)
    await session.commit()
    assert await tickets.active_ticket(session, ASKER) is None
    assert await tickets.get(session, first.id + 1) is None


async def test_a_long_question_is_relayed_whole_in_marked_parts(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await _people(session, clock)
    words = [f"Wort{n}" for n in range(700)]  # about 4,500 characters
    question = " ".join(words)
    ticket = await tickets.open_ticket(
        session, clock, kind=tickets.QUESTION, chat_id=HELPERS, lang="de", asker_id=ASKER, text=question,
        relay_lang="de",
    )  # fmt: skip
    await session.commit()
    rows = await _rows(session, ticket.id)
    assert [r.kind for r in rows] == ["ticket_question", "ticket_part"]
    assert [(r.payload["part"], r.payload["parts"]) for r in rows] == [(1, 2), (2, 2)]
    relayed = " ".join(r.payload["text"] for r in rows)
    assert relayed.split() == words  # nothing cut, nothing lost
    assert all(len(r.payload["text"]) <= tickets.BODY_LIMIT for r in rows)
    assert not any(r.payload["untranslated"] for r in rows)  # German for German helpers: nothing missing
    stored = await tickets.get(session, ticket.id)
    assert stored is not None and stored.text == question
    # closed later, the card still shows the question's first part, and no "no translation" note
    first_part = rows[0].payload["text"]
    await _deliver(session, rows[0], "sent", 9)
    await tickets.close(session, clock, ticket.id, tickets.ClosedBy.ASKER, await _person(session, ASKER))
    [card] = [r for r in await _rows(session, ticket.id) if r.kind == tickets.CARD_KIND]
    assert (card.payload["status"], card.payload["parts"], card.payload["untranslated"]) == (
        "closed",
        2,
        False,
    )
    assert card.payload["text"] == first_part


async def test_sent_relay_is_found_by_its_message_and_forgets_its_payload(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await session.commit()
    [relay] = await _rows(session, ticket.id)
    await _deliver(session, relay, "sent", 77)
    await session.commit()
    found = await tickets.find_by_relay(session, HELPERS, 77)
    assert found is not None and found.id == ticket.id and found.text  # the ticket keeps the text while open
    assert await tickets.find_by_relay(session, HELPERS, 78) is None
    assert await tickets.find_by_relay(session, -999, 77) is None
    await session.refresh(relay)
    assert relay.payload == {"status": "open", "closed_by": None, "named": False, "quiet_days": None}


async def _relay_sent_without_hook(session: AsyncSession, ticket_id: int, message_id: int) -> None:
    """The relay went out, but the process died before its sent-hook stored the message id."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.ref == tickets.ref(ticket_id))
        .values(status="sent", telegram_message_id=message_id)
    )
    await session.commit()


async def test_relay_is_found_through_the_outbox_when_no_hook_ran(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await _relay_sent_without_hook(session, ticket.id, 91)
    found = await tickets.find_by_relay(session, HELPERS, 91)
    assert found is not None and found.id == ticket.id and found.relay_message_id == 91


async def test_first_claim_wins(session: AsyncSession, clock: FrozenClock) -> None:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await session.commit()
    [relay] = await _rows(session, ticket.id)
    await _deliver(session, relay, "sent", 5)
    first = await claim(session, clock, ticket.id, HELPER_A, chat_id=HELPERS)
    second = await claim(session, clock, ticket.id, HELPER_B, chat_id=HELPERS)
    again = await claim(session, clock, ticket.id, HELPER_A)  # from the /assignments list
    forged = await claim(session, clock, ticket.id, HELPER_B, chat_id=-1)
    missing = await claim(session, clock, 99999, HELPER_B, chat_id=HELPERS)
    visitor = await claim(session, clock, ticket.id, ASKER, chat_id=HELPERS)
    await session.commit()
    assert first.outcome == Claim.WON and first.item is not None
    assert (first.item.status, first.item.taken_by, first.item.relay_message_id) == ("taken", HELPER_A, 5)
    assert second.outcome == Claim.TAKEN
    assert again.outcome == Claim.MINE
    assert forged.outcome == Claim.GONE and missing.outcome == Claim.GONE
    assert visitor.outcome == Claim.REFUSED
    # the card in the group says "taken", edited through the outbox (once: the winner's claim)
    edits = [r for r in await _rows(session, ticket.id) if r.kind == tickets.CARD_KIND]
    assert [(e.method, e.payload["message_id"], e.payload["status"]) for e in edits] == [
        ("editMessageText", 5, "taken")
    ]


async def test_concurrent_claims_have_one_winner(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        await _people(session, clock)
        ticket = await _open(session, clock)
        await session.commit()
        await users_service.ensure_user(session, 503, clock, [])
        await session.execute(
            update(users_service.User).where(users_service.User.id == 503).values(role="helper")
        )
        await session.commit()
    helpers = [HELPER_A, HELPER_B, 503]

    async def press(helper: int) -> str:
        async with sessionmaker() as session:
            result = await claim(session, clock, ticket.id, helper, chat_id=HELPERS)
            await session.commit()
            return result.outcome

    outcomes = await asyncio.gather(*(press(h) for h in helpers))
    assert sorted(outcomes) == sorted([Claim.WON, Claim.TAKEN, Claim.TAKEN])
    async with sessionmaker() as session:
        stored = await session.get(Ticket, ticket.id)
        assert stored is not None and stored.taken_by == helpers[outcomes.index(Claim.WON)]


async def test_withdraw_before_the_relay_left(session: AsyncSession, clock: FrozenClock) -> None:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await session.commit()
    assert await tickets.withdraw(session, clock, ASKER) == [ticket.id]
    assert await tickets.withdraw(session, clock, ASKER) == []
    await session.commit()
    [relay] = await _rows(session, ticket.id)
    assert relay.status == "cancelled" and relay.payload == {}
    stored = await tickets.get(session, ticket.id)
    assert stored is not None and (stored.status, stored.text, stored.translation) == (
        "withdrawn",
        None,
        None,
    )
    assert await tickets.active_ticket(session, ASKER) is None
    assert await tickets.messages(session, ticket.id) == []  # withdrawn: the words go at once
    late = await conversations.add_from_helper(
        session, clock, stored, text="zu spät", original=None, written_in="de", untranslated=False,
        helper_name=None, source_message_id=1,
    )  # fmt: skip
    assert late is None


async def test_withdraw_after_the_relay_left_edits_it(session: AsyncSession, clock: FrozenClock) -> None:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await session.commit()
    [relay] = await _rows(session, ticket.id)
    await _deliver(session, relay, "sent", 31)
    await session.commit()
    assert await tickets.withdraw(session, clock, ASKER) == [ticket.id]
    await session.commit()
    rows = await _rows(session, ticket.id)
    edit = [r for r in rows if r.kind == tickets.WITHDRAWN_KIND]
    assert len(edit) == 1
    assert (edit[0].method, edit[0].chat_id, edit[0].status) == ("editMessageText", HELPERS, "pending")
    assert edit[0].payload["message_id"] == 31 and "text" not in edit[0].payload


async def test_withdrawn_while_the_relay_was_on_its_way(session: AsyncSession, clock: FrozenClock) -> None:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await session.commit()
    [relay] = await _rows(session, ticket.id)
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == relay.id).values(status="sending"))
    assert await tickets.withdraw(session, clock, ASKER) == [ticket.id]  # too late to cancel
    await _deliver(session, relay, "sent", 44)
    await session.commit()
    edit = [r for r in await _rows(session, ticket.id) if r.kind == tickets.WITHDRAWN_KIND]
    assert len(edit) == 1 and edit[0].payload["message_id"] == 44


async def test_unreachable_helpers_chat_tells_the_asker_and_the_organizers(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await _people(session, clock)
    organizer = await users_service.ensure_user(session, 9001, clock, [9001])
    await session.commit()
    ticket = await _open(session, clock)
    await session.commit()
    [relay] = await _rows(session, ticket.id)
    await _deliver(session, relay, "failed", None)
    await session.commit()
    stored = await tickets.get(session, ticket.id)
    assert stored is not None and stored.status == "withdrawn" and stored.text is None
    assert await tickets.messages(session, ticket.id) == []
    notice = [r for r in await _rows(session, ticket.id) if r.kind == tickets.FAILED_KIND]
    assert [(r.chat_id, r.user_id, r.lang) for r in notice] == [(ASKER, ASKER, "fa")]
    alarm = [r for r in await _rows(session, ticket.id) if r.kind == tickets.ORGANIZERS_KIND]
    assert [(r.chat_id, r.payload["event"], r.payload["ticket"]) for r in alarm] == [
        (organizer.id, "relay_failed", ticket.id)
    ]


async def test_erasing_the_asker_erases_the_ticket(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        await _people(session, clock)
        ticket = await _open(session, clock, text="Frage")
        kept_id = await feedback.keep_unanswered(
            session, clock, text="Frage", lang="fa", reason=feedback.NO_MATCH
        )
        assert await feedback.link_to_ticket(session, kept_id, ticket.id, "Frage")
        other_id = await feedback.keep_unanswered(
            session, clock, text="Andere", lang="fa", reason=feedback.NO_MATCH
        )
        assert not await feedback.link_to_ticket(session, other_id, ticket.id, "Frage")  # wrong text: no link
        await claim(session, clock, ticket.id, HELPER_A, chat_id=HELPERS)
        await session.commit()
    async with sessionmaker() as session:
        await erasure.erase_user(session, ASKER)
        await erasure.erase_user(session, HELPER_A)
    async with sessionmaker() as session:
        # the ticket stays as a number, without its asker, helper or text (bot.services.erasure)
        stored = await session.get(Ticket, ticket.id)
        assert stored is None or (stored.asker_id, stored.taken_by, stored.text) == (None, None, None)
        rows = (await session.scalars(select(FaqUnanswered).order_by(FaqUnanswered.id))).all()
        # the question kept for the organizers went with its ticket; the other one stays, unlinked
        assert [(r.text, r.ticket_id) for r in rows] == [("Andere", None)]
        assert (await session.scalars(select(TicketMessage))).all() == []


async def test_retention_deletes_old_tickets_and_stale_payloads(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await _people(session, clock)
    answered = await _open(session, clock, "alt")
    stale = await _open(session, clock, "vergessen", asker=HELPER_B)  # one open question per person
    await session.commit()
    await tickets.close(session, clock, answered.id, tickets.ClosedBy.ASKER, await _person(session, ASKER))
    await session.commit()
    clock.advance(timedelta(days=30))
    recent = await _open(session, clock, "neu")
    await session.commit()
    # a relay sent without its hook (an older worker): its payload is emptied by the retention run
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.kind == "ticket_question").values(status="sent")
    )
    await session.commit()
    assert await conversations.purge(session, clock) == 0
    await session.commit()
    # the closed one's conversation is gone with the first run after it closed; the open one's stays
    assert await tickets.messages(session, answered.id) == []
    assert [m.text for m in await tickets.messages(session, recent.id)] == ["neu"]
    payloads: dict[Any, Any] = {
        r.ref: r.payload
        for r in (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ticket_question"))
        ).all()
    }
    assert payloads[tickets.ref(answered.id)] == {}
    assert payloads[tickets.ref(recent.id)]["text"] == "neu"  # still open: the text is still needed
    clock.advance(timedelta(days=60, seconds=1))
    assert await conversations.purge(session, clock) == 2  # closed 90 days ago, and the stale open one
    await session.commit()
    remaining = (await session.scalars(select(Ticket.id))).all()
    assert remaining == [recent.id]
    assert stale.id not in remaining


async def test_withdraw_finds_a_relay_sent_without_its_hook(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await _people(session, clock)
    ticket = await _open(session, clock)
    await _relay_sent_without_hook(session, ticket.id, 58)
    assert await tickets.withdraw(session, clock, ASKER) == [ticket.id]
    await session.commit()
    edit = [r for r in await _rows(session, ticket.id) if r.kind == tickets.WITHDRAWN_KIND]
    assert len(edit) == 1 and edit[0].payload["message_id"] == 58


# --- one open question per person: kept by the database -----------------------------------------------------


async def _count(session: AsyncSession, model: Any) -> int:
    return len((await session.scalars(select(model))).all())


async def test_a_second_open_question_is_refused_and_leaves_nothing_behind(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await _people(session, clock)
    first = await _open(session, clock)
    await session.commit()
    try:
        await _open(session, clock, "Noch eine Frage")
    except tickets.AlreadyOpen as exc:
        assert exc.ticket_id == first.id
    else:
        raise AssertionError("a second open question was accepted")
    await session.commit()  # the session is still usable; nothing of the refused ticket is left
    assert await _count(session, Ticket) == 1 and await _count(session, OutboxMessage) == 1
    assert await _count(session, TicketMessage) == 1
    # taken still counts as open; another kind, or another person, is not affected
    await claim(session, clock, first.id, HELPER_A)
    other_kind = await tickets.open_ticket(
        session, clock, kind="other", chat_id=HELPERS, lang="fa", asker_id=ASKER, text="x", relay_lang="de"
    )
    other_person = await _open(session, clock, asker=HELPER_B)
    await session.commit()
    assert other_kind.id and other_person.id
    try:
        await _open(session, clock)
    except tickets.AlreadyOpen:
        pass
    else:
        raise AssertionError("a question was accepted while the first one is taken")
    # once withdrawn (or closed), the next question may come
    assert await tickets.withdraw(session, clock, ASKER) == [first.id]
    again = await _open(session, clock, "Jetzt aber")
    await session.commit()
    assert (await tickets.active_ticket(session, ASKER)) is not None and again.id != first.id


async def test_concurrent_questions_of_one_person_open_one_ticket(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """Two processes (here: two sessions at once) cannot both open a question for one person."""
    async with sessionmaker() as session:
        await _people(session, clock)
        await session.commit()

    async def ask(text: str) -> str:
        async with sessionmaker() as session:
            try:
                await _open(session, clock, text)
            except tickets.AlreadyOpen:
                return "refused"
            await session.commit()
            return "opened"

    outcomes = await asyncio.gather(*(ask(f"Frage {n}") for n in range(4)))
    assert sorted(outcomes) == ["opened", "refused", "refused", "refused"]
    async with sessionmaker() as session:
        assert await _count(session, Ticket) == 1 and await _count(session, OutboxMessage) == 1


async def test_the_migration_withdraws_extra_open_questions_first(engine: AsyncEngine) -> None:
    """Before the unique index, two processes could open two questions for one person: the upgrade keeps
    the first open one and withdraws the others (their text forgotten), then no second one gets in."""
    await downgrade(engine, "0008_unanswered_asker")
    at = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    async with engine.begin() as conn:
        for uid in (ASKER, HELPER_A):
            await conn.execute(
                text(
                    "INSERT INTO users (id, role, is_active, created_at) VALUES (:id, 'visitor', TRUE, :at)"
                ),
                {"id": uid, "at": at},
            )
        for number, asker, status in [
            (1, ASKER, "open"),
            (2, ASKER, "taken"),
            (3, ASKER, "answered"),
            (4, HELPER_A, "open"),
        ]:
            await conn.execute(
                text(
                    "INSERT INTO tickets (id, kind, lang, status, asker_id, text, chat_id, created_at) "
                    "VALUES (:id, 'question', 'fa', :status, :asker, 'Frage', :chat, :at)"
                ),
                {"id": number, "status": status, "asker": asker, "chat": HELPERS, "at": at},
            )
    await upgrade(engine)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, status, text FROM tickets ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [
        (1, "open", "Frage"),
        (2, "withdrawn", None),
        (3, "closed", "Frage"),  # "answered" was final before 0012: closed now (conversations go on)
        (4, "open", "Frage"),
    ]
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO tickets (kind, lang, status, asker_id, chat_id, created_at) "
                    "VALUES ('question', 'fa', 'taken', :asker, :chat, :at)"
                ),
                {"asker": HELPER_A, "chat": HELPERS, "at": at},
            )
