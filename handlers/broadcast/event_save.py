"""The summary of a new event: change the language of title and text, discard it, or save it (then it is
machine-translated into the other languages and shown as a card, ready to announce)."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import events as service
from bot.broadcast.events import EventError, Problem
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES
from bot.languages import own_name
from bot.text import Translator
from bot.translation.service import MachineTranslator
from bot.users import Person
from handlers.broadcast.callbacks import EvCb, EventAction
from handlers.broadcast.event_form import NewEvent, complete, start_again, step, summary
from handlers.broadcast.views import ORG, card
from handlers.kit import Flow, alert, button, grid, keyboard, show, show_keyboard

flow = Flow("broadcast.event_save")
Action = EventAction


@flow.callback_query(EvCb.filter(F.action == Action.LANGUAGE), NewEvent.confirm, flags=ORG)
async def new_language(query: CallbackQuery, tr: Translator) -> None:
    await query.answer()
    choices = [
        button(own_name(code), EvCb(action=Action.LANGUAGE_SET, lang=code)) for code in SUPPORTED_LANGUAGES
    ]
    await show_keyboard(
        query, keyboard(*grid(choices, 3), [button(tr._("✖️ Discard"), EvCb(action=Action.DROP))])
    )


@flow.callback_query(EvCb.filter(F.action == Action.LANGUAGE_SET), NewEvent.confirm, flags=ORG)
async def new_language_set(
    query: CallbackQuery, callback_data: EvCb, tr: Translator, state: FSMContext
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await show_keyboard(query, None)
    chosen = {"lang": callback_data.lang} if callback_data.lang else {}
    if await step(query.message, state, tr, NewEvent.confirm, **chosen):
        await summary(query.message, tr, state)


@flow.callback_query(EvCb.filter(F.action == Action.DROP), flags=ORG)
async def new_drop(query: CallbackQuery, tr: Translator, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    await show(query, tr._("The event was discarded."))


@flow.callback_query(EvCb.filter(F.action == Action.SAVE), NewEvent.confirm, flags=ORG)
async def new_save(
    query: CallbackQuery,
    user: Person,
    tr: Translator,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    machine_translator: MachineTranslator,
) -> None:
    if not isinstance(query.message, Message):
        return
    message = query.message
    details = await complete(message, state, tr)
    if details is None:
        await query.answer()
        return
    await state.clear()
    try:
        event = await service.create_event(session, clock, user, **details.model_dump())
    except EventError as error:
        await alert(
            query,
            tr._("This moment has already passed. Please start again with /newevent.")
            if error.code is Problem.PAST
            else start_again(tr),
        )
        return
    await query.answer()
    await show_keyboard(query, None)
    if machine_translator.enabled:
        await message.answer(tr._("⏳ Translating into the other languages…"))
        missing = await service.translate_event(session, machine_translator, event)
        if missing:
            await message.answer(
                tr._(
                    "Machine translation did not work for: {languages}. Readers of these languages see the "
                    "event as you wrote it.",
                    languages=tr.comma_list(own_name(lang) for lang in missing),
                )
            )
    else:
        await message.answer(
            tr._(
                "No machine translation is set up: readers of other languages see the event as you wrote it."
            )
        )
    view = await service.view(session, event, tr.lang, user.id)
    text, markup = card(tr, view, organizer=True, now=clock.now())
    await message.answer(tr._("✅ The event is saved. Announce it to the subscribers of its topic with 📣."))
    await message.answer(text, reply_markup=markup)
