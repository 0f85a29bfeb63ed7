"""/flyer (organizers): the printable QR flyer for this bot, as PDF (to print) and PNG (to share)."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.flyer.content import FlyerError, is_sample
from bot.flyer.fonts import FlyerFontError
from bot.text import Translator
from bot.users import ORGANIZER
from handlers.callbacks import MenuCb
from handlers.kit import Flow

log = logging.getLogger(__name__)
flow = Flow("flyer.flyer")


@flow.message(Command("flyer"), F.chat.type == "private", flags={"role": ORGANIZER})
@flow.callback_query(MenuCb.filter(F.action == "flyer"), flags={"role": ORGANIZER})
async def cmd_flyer(
    event: Message | CallbackQuery, tr: Translator, settings: Settings, bot: Bot, session: AsyncSession
) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer()
        if not isinstance(event.message, Message):
            return
        message = event.message
    else:
        message = event
    me = await bot.me()  # the codes must open this very bot
    if not me.username:
        await message.answer(tr._("The flyer could not be made. The server log says why."))
        log.warning("flyer: getMe returned no username")
        return
    try:
        # PDF and QR libraries only load when a flyer is asked for
        from bot.flyer.render import association_name_now, make_flyer

        title = await association_name_now(session, settings)  # as the organizers last saved it
        flyer = await asyncio.to_thread(
            make_flyer, me.username, settings, sample=is_sample(me.username), title=title
        )
    except FlyerFontError as exc:
        log.warning("%s", exc)
        await message.answer(
            tr._(
                "The flyer could not be made: fonts are missing on the server. "
                "Please ask the administrator to install fonts-noto-core and fonts-dejavu-core."
            )
        )
        return
    except FlyerError as exc:
        log.warning("%s", exc)
        await message.answer(tr._("The flyer could not be made. The server log says why."))
        return
    await message.answer_document(
        BufferedInputFile(flyer.pdf, filename=f"{flyer.basename}.pdf"),
        caption=tr._(
            "QR flyer to print (A4). Each code opens the bot in one language; "
            "the code at the bottom lets people choose their language."
        ),
    )
    if flyer.png is not None:
        await message.answer_photo(
            BufferedInputFile(flyer.png, filename=f"{flyer.basename}.png"),
            caption=tr._("The same flyer as a picture, to share in chats."),
        )
