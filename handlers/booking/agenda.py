"""/agenda for counsellors: their appointments today and in the next days (organizers see all of them),
with the interpreter and the note the person wrote."""

from __future__ import annotations

from datetime import date

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import services
from bot.booking.services import AgendaItem
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import HELPER, Person
from handlers.booking.views import TEXT_LIMIT, interpreter_name, topic_label
from handlers.callbacks import MenuCb
from handlers.kit import Flow

flow = Flow("booking.agenda")
STAFF = {"role": HELPER}


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
    for chunk in chunks(agenda_lines(tr, items, today)):
        await message.answer(chunk)
