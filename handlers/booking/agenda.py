"""/agenda for counsellors: their appointments today and in the next days (organizers see all of them),
with the interpreter and the note the person wrote. Under it, for today's appointments that have begun, a
button pair says whether the person came: the console's figures count the appointments people missed."""

from __future__ import annotations

from datetime import date, datetime

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import services
from bot.booking.services import AgendaItem, BookingError
from bot.clock import Clock
from bot.config import Settings
from bot.text import N_, Translator
from bot.users import HELPER, Person
from handlers.booking.callbacks import AttendCb
from handlers.booking.views import TEXT_LIMIT, error_text, interpreter_name, topic_label
from handlers.callbacks import MenuCb
from handlers.kit import Flow, alert, button, edit_keyboard, keyboard, label

flow = Flow("booking.agenda")
STAFF = {"role": HELPER}
MAX_ATTENDANCE = 10  # button pairs: the latest appointments of today that have begun


def agenda_lines(tr: Translator, items: list[AgendaItem], today: date) -> list[str]:
    if not items:
        return [tr._("No appointments today and in the next 7 days.")]
    lines: list[str] = [tr._("<b>Counselling appointments</b>")]
    current: date | None = None
    for item in items:
        slot = item.info.slot
        day = slot.starts_at.astimezone(tr.tz).date()
        if day != current:
            current = day
            heading = tr._("Today") if day == today else tr.insert(tr.date(day))
            lines.append(f"\n<b>{heading}</b>")
        line = tr._(
            "{time} · {topic} · {venue}",
            time=tr.time(slot.starts_at),
            topic=topic_label(item.info.topic, tr),
            venue=item.info.venue.name,
        )
        language = interpreter_name(tr, item.booking.interpreter, for_staff=True)
        if language:
            line += "\n    " + tr._("🗣 Interpreter: {language}", language=language)
        if item.booking.note:
            line += "\n    " + tr._("📝 Note: {note}", note=item.booking.note)
        if item.booking.confirmed_at:
            line += "\n    " + tr._("✅ confirmed")
        if item.booking.attended is not None:
            line += "\n    " + (tr._("🙋 came") if item.booking.attended else tr._("🚫 did not come"))
        lines.append(line)
    return lines


def chunks(lines: list[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Lines joined into messages of at most `limit` characters."""
    found, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            found.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    found.append(current)
    return found


@flow.message(Command("agenda"), F.chat.type == "private", flags=STAFF)
@flow.callback_query(MenuCb.filter(F.action == "agenda"), flags=STAFF)
async def cmd_agenda(
    event: Message | CallbackQuery,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer()
    message = event.message if isinstance(event, CallbackQuery) else event
    if not isinstance(message, Message):
        return
    items, counsels = await services.agenda(session, clock, settings, user)
    if not counsels:
        text = tr._(
            "You have no counselling hours in the schedule. An organizer can add you as a counsellor."
        )
        await message.answer(text)
        return
    today = clock.now().astimezone(settings.tz).date()
    lines = agenda_lines(tr, items, today)
    markup = attendance_keyboard(tr, items, clock.now())
    if markup is not None:
        lines.append(
            "\n"
            + tr._(
                "Did the people of today's appointments come? Tap below: the console's figures count who did not come."
            )
        )
    parts = chunks(lines)
    for number, chunk in enumerate(parts, start=1):
        await message.answer(chunk, reply_markup=markup if number == len(parts) else None)


def attendance_keyboard(
    tr: Translator, items: list[AgendaItem], now: datetime
) -> InlineKeyboardMarkup | None:
    """ "Came" / "did not come" for the appointments that have begun (the agenda starts today), the
    latest MAX_ATTENDANCE; the answer given is marked •."""
    begun = [item for item in items if item.info.slot.starts_at <= now][-MAX_ATTENDANCE:]
    rows = []
    for item in begun:
        time, said = tr.time(item.info.slot.starts_at), item.booking.attended
        came = label(tr, N_("🙋 {time} came"), time=time)
        missed = label(tr, N_("🚫 {time} did not come"), time=time)
        rows.append(
            [
                button(f"• {came}" if said is True else came, AttendCb(booking=item.booking.id, came=True)),
                button(
                    f"• {missed}" if said is False else missed, AttendCb(booking=item.booking.id, came=False)
                ),
            ]
        )
    return keyboard(*rows)


@flow.callback_query(AttendCb.filter(), flags=STAFF)
async def on_attendance(
    query: CallbackQuery,
    callback_data: AttendCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    try:
        await services.record_attendance(
            session, clock, user, booking_id=callback_data.booking, came=callback_data.came
        )
    except BookingError as error:
        await alert(query, error_text(tr, error))
        return
    items, _counsels = await services.agenda(session, clock, settings, user)
    if isinstance(query.message, Message):
        await edit_keyboard(query.message, attendance_keyboard(tr, items, clock.now()))
    await query.answer(tr._("Noted."))
