"""The booking screens that ask the services first (free topics, days, times), the one refusal path of
the booking buttons, and the confirmation with the map pin and the calendar file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from aiogram import Bot
from aiogram.types import BufferedInputFile, CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import services
from bot.booking.ics import appointment_ics
from bot.booking.services import Booking, BookingError, BookingTopic, SlotInfo
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import Person
from handlers.booking.steps import days_view, page_from, times_view, topics_view
from handlers.booking.views import View, booked_text, error_text, limit_view, my_row
from handlers.kit import alert, keyboard, show

T = TypeVar("T")


async def attempt(
    query: CallbackQuery,
    tr: Translator,
    action: Awaitable[T],
    on_error: Callable[[BookingError], Awaitable[None]] | None = None,
) -> T | None:
    """Await a booking check or change; when it is refused, `on_error` may first redraw the message with
    what is possible now, then the presser is told why, and the result is None. A refused change left
    nothing behind (the services check before they write)."""
    try:
        return await action
    except BookingError as error:
        if on_error is not None:
            await on_error(error)
        await alert(query, error_text(tr, error))
        return None


async def topics_screen(
    session: AsyncSession, clock: Clock, settings: Settings, user: Person, tr: Translator, page: int = 0
) -> View:
    try:
        topics = await services.topics_to_book(session, clock, settings, user.id)
    except BookingError as error:  # at the limit: say so before any choosing
        return limit_view(tr, error)
    return topics_view(tr, topics, page)


async def days_screen(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    tr: Translator,
    topic: BookingTopic,
    moving: int,
    page: int = 0,
    first: date | None = None,
) -> View:
    """The topic's free days; `first`: show the page with that day (a button of an older version)."""
    days = await services.free_days(session, clock, settings, topic.id)
    if first is not None:
        page = page_from(days, first)
    return days_view(tr, topic, days, page, moving)


async def times_screen(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    tr: Translator,
    topic: BookingTopic,
    day: date,
    moving: int,
    page: int = 0,
) -> View | None:
    """The free times of the day, or None when the day is full now."""
    slots = await services.free_times(session, clock, settings, topic.id, day)
    return times_view(tr, topic, day, slots, page, moving) if slots else None


async def times_or_days(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    user: Person,
    tr: Translator,
    topic_id: int,
    day: date | None,
    moving: int,
) -> View:
    """The free times of the day, or the topic's days when that day is full, or the topics when the
    topic is gone."""
    try:
        topic = await services.get_topic(session, topic_id)
    except BookingError:
        return await topics_screen(session, clock, settings, user, tr)
    view = await times_screen(session, clock, settings, tr, topic, day, moving) if day else None
    return view or await days_screen(session, clock, settings, tr, topic, moving)


async def times_again(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    user: Person,
    tr: Translator,
    slot_id: int,
    moving: int,
) -> View:
    """After the chosen time was lost: what is free now on its day."""
    found = await services.slot_topic_day(session, settings, slot_id)
    if found is None:
        return await topics_screen(session, clock, settings, user, tr)
    return await times_or_days(session, clock, settings, user, tr, found[0], found[1], moving)


async def show_booked(
    query: CallbackQuery,
    bot: Bot,
    tr: Translator,
    clock: Clock,
    booking: Booking,
    info: SlotInfo,
    *,
    moved: bool = False,
) -> None:
    """The confirmation in place of the dialog, then the map pin and the calendar file."""
    await show(query, booked_text(tr, info, booking, moved=moved), keyboard(my_row(tr)))
    await query.answer(None if moved else tr._("Booked!"))
    chat_id = booking.user_id
    venue = info.venue
    await bot.send_venue(
        chat_id, latitude=venue.latitude, longitude=venue.longitude, title=venue.name, address=venue.address
    )
    topic = services.topic_name(info.topic.names, tr.lang)
    ics = appointment_ics(
        uid=f"booking-{booking.id}@helfernetz-bot",
        starts_at=info.slot.starts_at,
        ends_at=info.slot.ends_at,
        stamp=clock.now(),
        summary=tr._("Counselling: {topic}").format(topic=topic),  # a file: no HTML, no isolates
        location=f"{venue.name}, {venue.address}",
        description=tr._("Counselling appointment of the association. Topic: {topic}").format(topic=topic),
        geo=(venue.latitude, venue.longitude),
    )
    await bot.send_document(
        chat_id,
        BufferedInputFile(ics, filename="appointment.ics"),
        caption=tr._("📅 Tap the file to save the appointment in your calendar."),
    )
