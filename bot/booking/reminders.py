"""Booking's source for the reminder mechanism (bot/reminders.py): the active bookings starting soon.

Each reminder goes to the person who booked, in their language when it is sent, with "I'll come" and
"Cancel" (`payloads.Reminder`, `hours` being the offset reminded of). A cancelled booking is no longer
listed; its reminders not sent yet are withdrawn by `appointments.cancel_booking`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.appointments import appointment, slot_info
from bot.booking.payloads import KIND_REMINDER, Reminder
from bot.config import Settings
from bot.delivery.reminders import Due, PayloadFor, Recipient, ReminderKind
from storage.repositories import booking as repo


def booking_ref(booking_id: int) -> str:
    return f"booking:{booking_id}"


async def due_reminders(
    session: AsyncSession, settings: Settings, now: datetime, until: datetime
) -> list[Due]:
    """Active bookings whose slot starts in (now, until]."""
    due = []
    for booking, slot in await repo.bookings_starting(session, now, until):
        shown = appointment(await slot_info(session, slot))
        due.append(
            Due(
                kind=ReminderKind.BOOKING,
                id=str(booking.id),
                starts_at=slot.starts_at,
                since=booking.created_at,
                recipients=(Recipient(booking.user_id),),
                outbox_kind=KIND_REMINDER,
                ref=booking_ref(booking.id),
                payload=_payload(shown, booking.id),
            )
        )
    return due


def _payload(shown: dict[str, Any], booking_id: int) -> PayloadFor:
    def build(_to: Recipient, hours: float) -> dict[str, Any]:
        return Reminder(**shown, booking_id=booking_id, hours=int(hours)).data()

    return build
