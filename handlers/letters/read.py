"""A photo (or an image file) of a letter in a private chat: read it and say who sent it, by when, and
what is asked, in the reader's language. The photo is downloaded into memory only, read and dropped.

Routed before the hand-off's media handling: a photo sent while a question to a person is open belongs to
that conversation (the person is asked whether to add it), so this flow leaves it alone then.
"""

from __future__ import annotations

import io
import logging

from aiogram import Bot, F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.clock import Clock
from bot.config import Settings
from bot.letters.ocr import UnreadableImage
from bot.letters.reading import Reading
from bot.letters.service import LetterReader, appointment_file
from bot.text import Translator
from bot.users import Person
from handlers.kit import alert, private_flow
from handlers.letters.callbacks import LetterAction, LetterCb
from handlers.letters.views import parse_day, parse_time, reading_markup, reading_text, sender_name

log = logging.getLogger(__name__)
flow = private_flow("letters.read")
IMAGE_FILE = F.document.mime_type.startswith("image/")


async def _photo_bytes(bot: Bot, message: Message) -> bytes:
    file_id = message.photo[-1].file_id if message.photo else message.document.file_id  # type: ignore[union-attr]
    buffer = io.BytesIO()
    await bot.download(file_id, destination=buffer)
    return buffer.getvalue()


@flow.message(F.photo | IMAGE_FILE, StateFilter(None))  # inside a dialog, a photo is the dialog's
async def on_photo(
    message: Message,
    bot: Bot,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    letters: LetterReader | None,
) -> None:
    if letters is None or await tickets.active_ticket(session, user.id) is not None:
        raise SkipHandler  # off, or it belongs to the open conversation with a helper
    waiting = await message.reply(tr._("📄 One moment, I am reading your letter …"))
    today = clock.now().astimezone(tr.tz).date()
    try:
        reading = await letters.read(await _photo_bytes(bot, message), today)
    except (UnreadableImage, TelegramBadRequest, TimeoutError) as exc:
        log.info("letter photo not read: %s", type(exc).__name__)
        reading = Reading(sender=None, written=None, readable=False)
    except Exception as exc:  # Tesseract failing on a server: the person still gets an answer, not silence
        log.warning("letter reading failed: %s", type(exc).__name__)
        reading = Reading(sender=None, written=None, readable=False)
    text = reading_text(tr, reading, today)
    markup = reading_markup(tr, reading)
    try:
        await waiting.edit_text(text, reply_markup=markup)
    except TelegramBadRequest:
        await message.answer(text, reply_markup=markup)


@flow.callback_query(LetterCb.filter(F.action == LetterAction.CALENDAR))
async def on_calendar(
    query: CallbackQuery, callback_data: LetterCb, tr: Translator, settings: Settings, clock: Clock
) -> None:
    try:
        day, at = parse_day(callback_data.day), parse_time(callback_data.at)
    except ValueError:
        await alert(query, tr._("This button is no longer valid. Please open the menu again: /menu"))
        return
    summary = tr._("Appointment: {sender}", sender=sender_name(tr, callback_data.sender))
    data = appointment_file(day, at, settings.timezone, summary, clock.now())
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer_document(
            BufferedInputFile(data, filename=f"appointment-{day:%Y-%m-%d}.ics"),
            caption=tr._("Here is the appointment for your calendar."),
        )
