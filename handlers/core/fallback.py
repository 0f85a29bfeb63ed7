"""What nobody else handled: unknown commands, stickers, videos, groups, edited messages, old or forged
buttons; a voice message, photo, document or location in the middle of a typed step (otherwise it goes to a
person with the sender's consent: handlers/faq/media.py); text at a dialog's step that takes only a button.
Routed last. Every case gets a short answer in the reader's language, or is ignored on purpose."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from bot.text import N_, Translator
from bot.users import Person
from handlers.core.help_menu import NO_DIALOGS, Dialogs, typed_hint
from handlers.kit import Flow, alert, keyboard
from handlers.menu import Menu

flow = Flow("core.fallback")
BUTTON_STEP = N_("Please choose with the buttons above, or end this step with /cancel.")


@flow.message(F.chat.type != "private", F.text.startswith("/"), flags={"group": True})
async def group_command(message: Message, bot: Bot, tr: Translator) -> None:
    # In groups the bot does not talk, except to point to the private chat once asked, with a button to it.
    me = await bot.me()  # (aiogram asks Telegram once per process)
    private = (
        keyboard(
            [InlineKeyboardButton(text=tr._("Open the private chat"), url=f"https://t.me/{me.username}")]
        )
        if me.username
        else None
    )
    await message.reply(tr._("Please write to me in a private chat."), reply_markup=private)


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


@flow.message(F.voice | F.audio | F.photo | F.document | F.location | F.venue)
async def media_in_a_step(message: Message, tr: Translator) -> None:
    """A dialog waits for a typed answer: the media is not taken as that answer, and not sent anywhere."""
    await message.answer(
        tr._(
            "Please answer this step first, or end it with /cancel. Then you can send your voice message, "
            "photo or file to a person from our team."
        )
    )


@flow.message(F.video_note | F.video)
async def video(message: Message, tr: Translator) -> None:
    await message.answer(
        tr._(
            "I cannot pass on videos. Please send a voice message or a photo, or write your question as text."
        )
    )


@flow.message(F.sticker | F.animation)
async def sticker(message: Message, user: Person, tr: Translator, menu: Menu) -> None:
    await message.answer(
        tr._("😊 Write your question as text, or choose from the menu."),
        reply_markup=menu.keyboard(tr, user.role),
    )


@flow.message(F.contact)
async def contact(message: Message, tr: Translator) -> None:
    await message.answer(
        tr._("Thank you, but I do not need your location or contacts. Please write your question as text.")
    )


@flow.message(F.text, ~StateFilter(None))
async def text_at_a_button_step(
    message: Message, tr: Translator, state: FSMContext, dialogs: Dialogs = NO_DIALOGS
) -> None:
    """A dialog's step that takes only a button (an event's topic): the text is not its answer, and the
    dialog goes on (the menu would suggest it had ended)."""
    await message.answer(tr._(await typed_hint(state, dialogs) or BUTTON_STEP))


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
