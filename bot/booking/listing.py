"""The organizers' list of bookings (the console): a page at a time, upcoming or past, by topic and status,
and the calendar of the upcoming appointments.

What it carries is what organizing needs: the time, topic, venue, counsellor, the person's language and
interpreter, the status and whether the person came. No Telegram id and no note: the note is for the
counsellor, who reads it in /agenda and in the booking's messages; a list that leaves as a file (CSV,
calendar) is passed on and kept, so it holds nothing a person wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.appointments import BookingStatus, known_id, topic_name
from bot.booking.ics import CalendarEntry, calendar_ics
from bot.clock import Clock
from storage.models import Booking, BookingTopic, Counsellor, Slot, Venue
from storage.repositories import booking as repo

PER_PAGE = 50
EXPORT_MAX = 5000  # a CSV or calendar file holds at most this many bookings


class Shown(StrEnum):
    """Which status the list is filtered by ("" for all)."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    CAME = "came"
    NO_SHOW = "no_show"
    UNRECORDED = "unrecorded"  # past, booked, and nobody said whether the person came


@dataclass(frozen=True)
class BookingRow:
    booking: Booking
    slot: Slot
    topic: BookingTopic
    venue: Venue
    counsellor: Counsellor | None
    language: str | None  # the person's language (the one they read the bot in)

    @property
    def status(self) -> str:
        """booked, cancelled, came or no_show."""
        if self.booking.status != BookingStatus.BOOKED or self.booking.attended is None:
            return self.booking.status
        return Shown.CAME if self.booking.attended else Shown.NO_SHOW


@dataclass(frozen=True)
class BookingsPage:
    rows: list[BookingRow]
    total: int
    page: int
    pages: int


async def _rows(session: AsyncSession, found: list[tuple[Booking, Slot, str | None]]) -> list[BookingRow]:
    topics = {t.id: t for t in await repo.topics(session, only_active=False)}
    venues = {v.id: v for v in await repo.venues(session)}
    counsellors = {c.id: c for c in await repo.counsellors(session)}
    return [
        BookingRow(b, s, topics[s.topic_id], venues[s.venue_id], counsellors.get(s.counsellor_id or 0), lang)
        for b, s, lang in found
    ]


async def bookings_page(
    session: AsyncSession,
    clock: Clock,
    *,
    upcoming: bool = True,
    topic_id: int | None = None,
    status: Shown | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> BookingsPage:
    """One page of the list: upcoming soonest first, past latest first."""
    page = max(page, 1)
    found, total = await repo.bookings_list(
        session,
        clock.now(),
        upcoming=upcoming,
        topic_id=topic_id,
        status=status,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    pages = max(1, -(-total // per_page))
    return BookingsPage(await _rows(session, found), total, page, pages)


async def all_bookings(
    session: AsyncSession,
    clock: Clock,
    *,
    upcoming: bool = True,
    topic_id: int | None = None,
    status: Shown | None = None,
) -> list[BookingRow]:
    """The whole filtered list for a file (at most EXPORT_MAX)."""
    found, _total = await repo.bookings_list(
        session, clock.now(), upcoming=upcoming, topic_id=topic_id, status=status, limit=EXPORT_MAX
    )
    return await _rows(session, found)


async def upcoming_calendar(
    session: AsyncSession,
    clock: Clock,
    lang: str,
    *,
    topic_id: int | None = None,
    name: str,
    interpreter: str = "Interpreter: {language}",
) -> bytes:
    """The upcoming booked appointments as one calendar file: topic (in `lang`), venue, counsellor and the
    interpreter's language (`interpreter`: the words around it, in the reader's language)."""
    rows = await all_bookings(session, clock, upcoming=True, topic_id=topic_id, status=Shown.BOOKED)
    entries = [
        CalendarEntry(
            uid=f"booking-{row.booking.id}@helfernetz",
            starts_at=row.slot.starts_at,
            ends_at=row.slot.ends_at,
            summary=f"{topic_name(row.topic.names, lang)} #{row.booking.id}",
            location=f"{row.venue.name}, {row.venue.address}",
            description=" · ".join(
                part
                for part in (
                    row.counsellor.label if row.counsellor else "",
                    interpreter.format(language=row.booking.interpreter) if row.booking.interpreter else "",
                )
                if part
            ),
        )
        for row in rows
    ]
    return calendar_ics(entries, stamp=clock.now(), name=name)


async def attendance_of(session: AsyncSession, booking_id: int) -> bool | None:
    """What was recorded of a booking before (came, did not come, or nothing), for the audit line."""
    booking = await repo.get_booking(session, booking_id) if known_id(booking_id) else None
    return booking.attended if booking is not None else None
