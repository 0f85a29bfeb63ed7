"""The "ask a person" service on SQLite and PostgreSQL: who can be reached, one open question per person,
translation both ways, only helpers answer, no answer to a withdrawn question."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.clock import FrozenClock
from bot.config import Settings, load_settings
from bot.faq import feedback, handoff
from bot.faq.handoff import Handoff, Reply
from bot.faq.service import build_service
from bot.services import users as users_service
from storage.models import User

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


async def test_nobody_reachable_without_a_helpers_chat(session: AsyncSession, clock: FrozenClock) -> None:
    await _people(session, clock)
    alone = load_settings(_env_file=None, helpers_chat_id=None)
    assert (await handoff.check(session, alone, ASKER)).outcome == Handoff.UNREACHABLE
    result = await handoff.hand_over(session, clock, alone, None, asker_id=ASKER, text="Frage", lang="de")
    assert result.outcome == Handoff.UNREACHABLE
    assert await tickets.active_ticket(session, ASKER) is None


async def test_one_open_question_then_the_next(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    assert (await handoff.check(session, settings, ASKER)).outcome == Handoff.READY
    kept = await feedback.keep_unanswered(
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
        unanswered_id=kept.id,
    )
    assert opened.outcome == Handoff.OPENED and opened.ticket_id is not None
    assert translator.calls == [("uk", "de")]
    ticket = await tickets.get(session, opened.ticket_id)
    assert ticket is not None and ticket.translation == "[uk→de] Wo ist das Amt?"
    await session.refresh(kept)
    assert kept.ticket_id == opened.ticket_id

    again = await handoff.hand_over(
        session, clock, settings, None, asker_id=ASKER, text="Noch was", lang="uk"
    )
    assert (again.outcome, again.ticket_id) == (Handoff.ALREADY_OPEN, opened.ticket_id)
    assert (await handoff.check(session, settings, ASKER)).outcome == Handoff.ALREADY_OPEN

    assert await handoff.withdraw_open_question(await users_service.find_user(session, ASKER), session, clock)
    assert not await handoff.withdraw_open_question(
        await users_service.find_user(session, ASKER), session, clock
    )
    assert (await handoff.check(session, settings, ASKER)).outcome == Handoff.READY


async def _relayed(session: AsyncSession, clock: FrozenClock, settings: Settings, message_id: int) -> int:
    result = await handoff.hand_over(session, clock, settings, None, asker_id=ASKER, text="Frage", lang="uk")
    assert result.ticket_id is not None
    await tickets.claim(session, clock, result.ticket_id, HELPER, chat_id=HELPERS, message_id=message_id)
    return result.ticket_id


async def test_only_helpers_answer(session: AsyncSession, clock: FrozenClock, settings: Settings) -> None:
    await _people(session, clock)
    number = await _relayed(session, clock, settings, 70)
    visitor = await users_service.find_user(session, VISITOR)
    helper = await users_service.find_user(session, HELPER)

    async def reply(person: User | None, text: str, message_id: int, relay: int = 70) -> handoff.ReplyResult:
        return await handoff.reply_to_relay(
            session,
            clock,
            settings,
            FakeTranslator(),
            helper=person,
            chat_id=HELPERS,
            relay_message_id=relay,
            text=text,
            source_key=f"{HELPERS}:{message_id}",
        )

    assert (await reply(helper, "Hallo", 1, relay=999)).outcome == Reply.IGNORED  # not a relay
    for stranger in (None, visitor):
        refused = await reply(stranger, "Ich weiß es!", 2)
        assert refused.outcome == Reply.NOT_ALLOWED and refused.ticket is not None
    stored = await tickets.get(session, number)
    assert stored is not None and stored.status == tickets.TAKEN  # nothing went to the asker

    sent = await reply(helper, "Das Amt ist im Rathaus, Zimmer 12.", 3)
    assert (sent.outcome, sent.first, sent.translated) == (Reply.SENT, True, True)
    follow = await reply(helper, "Es öffnet um 9 Uhr.", 4)
    assert (follow.outcome, follow.first) == (Reply.SENT, False)


async def test_no_answer_to_a_withdrawn_question(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    await _relayed(session, clock, settings, 80)
    await handoff.withdraw_open_question(await users_service.find_user(session, ASKER), session, clock)
    result = await handoff.reply_to_relay(
        session,
        clock,
        settings,
        None,
        helper=await users_service.find_user(session, HELPER),
        chat_id=HELPERS,
        relay_message_id=80,
        text="Zu spät",
        source_key="x",
    )
    assert result.outcome == Reply.WITHDRAWN
