"""What nobody else handled: unknown commands, stickers, voice notes, photos, groups, edited messages,
old or forged buttons. Routed last. Every case gets a short answer in the reader's language, or is
ignored on purpose."""

from __future__ import annotations

from aiogram import F
from aiogram.types import CallbackQuery, Message

from bot.text import Translator
from bot.users import Person
from handlers.kit import Flow, alert
from handlers.menu import Menu

flow = Flow("core.fallback")


@flow.message(F.chat.type != "private", F.text.startswith("/"), flags={"group": True})
async def group_command(message: Message, tr: Translator) -> None:
    # In groups the bot does not talk, except to point to the private chat once asked.
    await message.reply(tr._("Please write to me in a private chat."))


@flow.message(F.chat.type != "private", flags={"group": True})
async def group_other(message: Message) -> None:
    """Ignored on purpose: people talk to each other in groups."""


@flow.edited_message()
async def edited(message: Message) -> None:
    """Ignored on purpose: the first version was already answered."""


@flow.message(F.text.startswith("/"))
async def unknown_command(message: Message, user: Person, tr: Translator, menu: Menu) -> None:
    await message.answer(
        tr._("I do not know this command. Here is the menu:"), reply_markup=menu.keyboard(tr, user.role)
    )


@flow.message(F.voice | F.video_note | F.audio)
async def voice(message: Message, tr: Translator) -> None:
    await message.answer(tr._("I cannot listen to voice messages. Please write your question as text."))


@flow.message(F.sticker | F.animation)
async def sticker(message: Message, user: Person, tr: Translator, menu: Menu) -> None:
    await message.answer(
        tr._("😊 Write your question as text, or choose from the menu."),
        reply_markup=menu.keyboard(tr, user.role),
    )


@flow.message(F.photo | F.document | F.video)
async def media(message: Message, tr: Translator) -> None:
    await message.answer(
        tr._(
            "I cannot read pictures or files. Please write your question as text. For a letter from an "
            "authority you can ask a person or book a counselling appointment."
        )
    )


@flow.message(F.location | F.venue | F.contact)
async def location(message: Message, tr: Translator) -> None:
    await message.answer(
        tr._("Thank you, but I do not need your location or contacts. Please write your question as text.")
    )


@flow.message()
async def anything_else(message: Message, user: Person, tr: Translator, menu: Menu) -> None:
    await message.answer(
        tr._("I did not understand this. Here is the menu:"), reply_markup=menu.keyboard(tr, user.role)
    )


@flow.callback_query()
async def stale_button(query: CallbackQuery, tr: Translator, user: Person | None = None) -> None:
    # Old or forged buttons end here: say so instead of leaving the button spinning. Someone the bot does
    # not know (handlers filtered with KnownUser let them through to here) is asked to open a chat first.
    if user is None:
        await alert(query, tr._("Please open a private chat with me first."))
        return
    await alert(query, tr._("This button is no longer valid. Please open the menu again: /menu"))
