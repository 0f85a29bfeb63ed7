"""Who hears of a booking (issue 17), on SQLite and PostgreSQL: a booking in a slot without a counsellor
alerts every organizer who can be written to (not one cancelled by the organizers themselves); a
reschedule reaches the counsellor as one "moved from … to …" notice with the person's note, or as a plain
"new" one when the news of the old time had not left yet."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot import users as user_service
from bot.booking import admin, services
from bot.clock import FrozenClock
from bot.services import erasure
from bot.text import Translator
from tests.test_booking_support import (
    COUNSELLOR_ID,
    FakeSender,
    outbox_rows,
    person,
    settings,
    setup,
    slots,
)

CONF = settings()
ORGANIZERS = (7001, 7002)


async def organizers(session: AsyncSession, clock: FrozenClock) -> None:
    """Two organizers, a third who blocked the bot, and a helper (who is not told)."""
    for user_id in (*ORGANIZERS, 7003):
        await person(session, clock, user_id, "de", role=user_service.ORGANIZER)
    await person(session, clock, 7004, "de", role=user_service.HELPER)
    blocked = await user_service.find_user(session, 7003)
    assert blocked is not None
    blocked.is_active = False
    await session.commit()


async def test_a_booking_without_a_counsellor_alerts_the_organizers(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF, counsellor=False)
    await organizers(session, clock)
    await person(session, clock, 1, "fa")
    first, second = (await slots(session))[:2]
    booking = await services.book(session, clock, CONF, user_id=1, slot_id=first.id, note="Mietvertrag")
    await session.commit()
    news = await outbox_rows(session, kind=services.KIND_COUNSELLOR)
    assert [(r.chat_id, r.payload["event"], r.payload["unassigned"]) for r in news] == [
        (7001, "new", True),
        (7002, "new", True),
    ]
    assert "note" not in news[0].payload  # a new booking's note stays with the person and the agenda
    sender = FakeSender()
    await sender.run(session, clock.now(), CONF)
    [text] = sender.texts(7001)
    de = Translator("de")
    assert de._("🆕 <b>New counselling appointment</b>") in text
    assert de._("⚠️ Nobody counsels at this time yet. Please find a counsellor for it.") in text
    # the person cancels: the organizers, who were told of it, hear of that too
    await services.cancel(session, clock, CONF, user_id=1, booking_id=booking.id)
    await session.commit()
    cancelled = await outbox_rows(session, kind=services.KIND_COUNSELLOR, status="pending")
    assert [(r.chat_id, r.payload["event"]) for r in cancelled] == [(7001, "cancelled"), (7002, "cancelled")]
    # what the organizers cancel themselves (a closed day) brings them no message
    await person(session, clock, 2, "uk")
    await services.book(session, clock, CONF, user_id=2, slot_id=second.id)
    for row in await outbox_rows(session, status="pending"):
        row.status = "sent"
    await admin.add_closure(session, clock, CONF, first.starts_at.date(), reason="Ostern")
    await session.commit()
    assert await outbox_rows(session, kind=services.KIND_COUNSELLOR, status="pending") == []


async def test_a_booking_with_a_counsellor_does_not_alert_the_organizers(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    await organizers(session, clock)
    await person(session, clock, 1)
    await services.book(session, clock, CONF, user_id=1, slot_id=(await slots(session))[0].id)
    await session.commit()
    news = await outbox_rows(session, kind=services.KIND_COUNSELLOR)
    assert [(r.chat_id, "unassigned" in r.payload) for r in news] == [(COUNSELLOR_ID, False)]


async def test_a_reschedule_is_one_notice_with_the_note(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1, "ar")
    all_slots = await slots(session)
    old = await services.book(
        session, clock, CONF, user_id=1, slot_id=all_slots[0].id, interpreter="ar", note="Brief vom Amt"
    )
    await session.commit()
    sender = FakeSender()
    await sender.run(session, clock.now(), CONF)  # the counsellor was told of the booking
    new = await services.reschedule(
        session, clock, CONF, user_id=1, booking_id=old.id, slot_id=all_slots[5].id
    )
    await session.commit()
    pending = await outbox_rows(session, kind=services.KIND_COUNSELLOR, status="pending")
    assert [(r.chat_id, r.payload["event"], r.payload["booking_id"]) for r in pending] == [
        (COUNSELLOR_ID, "moved", new.id)
    ]
    assert pending[0].payload["note"] == "Brief vom Amt"
    await sender.run(session, clock.now(), CONF)
    [_new_news, moved] = sender.texts(COUNSELLOR_ID, services.KIND_COUNSELLOR)
    de = Translator("de")
    assert moved.startswith(
        de._(
            "🔁 <b>Counselling appointment moved</b>\nfrom {old}\nto {new}",
            old=de.datetime(all_slots[0].starts_at),
            new=de.datetime(all_slots[5].starts_at),
        )
    )
    assert de._("📝 Note: {note}", note="Brief vom Amt") in moved
    assert de._("❌ <b>Counselling appointment cancelled</b>") not in moved


async def test_a_reschedule_before_the_news_left_is_one_new_booking(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    all_slots = await slots(session)
    old = await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[0].id, note="Kita")
    new = await services.reschedule(
        session, clock, CONF, user_id=1, booking_id=old.id, slot_id=all_slots[2].id
    )
    await session.commit()
    news = await outbox_rows(session, kind=services.KIND_COUNSELLOR)
    assert [(r.payload["booking_id"], r.payload["event"], r.status) for r in news] == [
        (old.id, "new", "cancelled"),
        (new.id, "new", "pending"),
    ]
    assert "note" not in news[1].payload


async def test_erasure_takes_the_note_out_of_a_move_notice_still_to_go(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1, "ar")
    all_slots = await slots(session)
    old = await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[0].id, note="Brief vom Amt")
    await session.commit()
    await FakeSender().run(session, clock.now(), CONF)  # the counsellor was told of the booking
    await services.reschedule(session, clock, CONF, user_id=1, booking_id=old.id, slot_id=all_slots[5].id)
    await session.commit()
    await erasure.erase_user(session, 1, clock)
    [pending] = await outbox_rows(session, kind=services.KIND_COUNSELLOR, status="pending")
    assert pending.payload["event"] == "moved" and pending.payload["note"] is None
    assert "Brief vom Amt" not in str(pending.payload)
