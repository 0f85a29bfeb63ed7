"""The texts of a draft per language: the original, one typed by the organizer, or a machine translation
(shown for review); "the original is in another language"."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import broadcasts as service
from bot.broadcast.broadcasts import Broadcast, BroadcastError, Problem
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.languages import both_names
from bot.text import Translator
from bot.translation.service import MachineTranslator
from bot.users import Person
from handlers.broadcast.callbacks import BroadcastAction, BroadcastCb
from handlers.broadcast.drafts import (
    TYPED,
    Compose,
    ComposeDraft,
    ask,
    compose_flow,
    discard_row,
    title,
)
from handlers.broadcast.views import ORG, problem_text, without_machine
from handlers.kit import back_row, button, grid, keyboard, reply, show_keyboard

flow = compose_flow("broadcast.translate")
Action = BroadcastAction


async def overview(
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    broadcast: Broadcast,
    translator: MachineTranslator,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What each audience language gets now, and the ways to change it."""
    all_texts = await service.texts(session, broadcast)
    counts = await service.recipient_counts(session, broadcast, settings)
    source = broadcast.source_lang or settings.default_language
    lines = [
        await title(tr, session, broadcast),
        tr._("Original language: {language}", language=both_names(source, tr._)),
        "",
        tr._("Texts for the audience (recipients now):"),
    ]
    for lang in service.languages(broadcast):
        name, n = both_names(lang, tr._), counts.get(lang, 0)
        row = all_texts.get(lang)
        if lang == source:
            lines.append(tr._("• {language} ({n}): the original", language=name, n=n))
        elif row is None:
            lines.append(tr._("• {language} ({n}): no translation, gets the original", language=name, n=n))
        elif row.machine:
            lines.append(tr._("• {language} ({n}): machine translation 🤖", language=name, n=n))
        else:
            lines.append(tr._("• {language} ({n}): translation typed ✓", language=name, n=n))
    missing = service.missing_languages(broadcast, all_texts)
    if missing and not translator.enabled:
        lines += [
            "",
            tr._(
                "No machine translation is set up. These languages get the original text unless you type a "
                "translation: {languages}",
                languages=tr.comma_list(both_names(lang, tr._) for lang in missing),
            ),
        ]
    lines += ["", tr._("Tap a language to type its translation or to choose machine translation.")]
    bid = broadcast.id
    others = [
        button("✍️ " + both_names(lang, tr._), BroadcastCb(action=Action.TRANSLATE, broadcast=bid, lang=lang))
        for lang in service.languages(broadcast)
        if lang != source
    ]
    machine_all = (
        [
            button(
                tr._("🤖 Machine-translate the missing ones"),
                BroadcastCb(action=Action.MACHINE_ALL, broadcast=bid),
            )
        ]
        if missing and translator.enabled
        else None
    )
    markup = keyboard(
        *grid(others, 3),
        machine_all,
        [
            button(
                tr._("🗣 The original is in another language"),
                BroadcastCb(action=Action.SOURCE, broadcast=bid),
            )
        ],
        [button(tr._("👁 Preview"), BroadcastCb(action=Action.PREVIEW, broadcast=bid))],
        discard_row(tr, bid),
    )
    return "\n".join(lines), markup


@flow.callback_query(BroadcastCb.filter(F.action.in_({Action.OVERVIEW, Action.ORIGINAL})), flags=ORG)
async def on_overview(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    machine_translator: MachineTranslator,
) -> None:
    await state.clear()
    if callback_data.action is Action.ORIGINAL:  # "send the original instead": drop the translation
        await service.use_original(session, broadcast, callback_data.lang)
    await reply(query, *await overview(tr, session, settings, broadcast, machine_translator))


@flow.callback_query(BroadcastCb.filter(F.action == Action.TRANSLATE), flags=ORG)
async def on_language(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
    machine_translator: MachineTranslator,
) -> None:
    lang = callback_data.lang
    try:
        service.check_translation_language(broadcast, lang)
    except BroadcastError:
        await query.answer()
        return
    await ask(state, Compose.translation, broadcast, lang)
    current = (await service.texts(session, broadcast)).get(lang)
    lines = [tr._("Translation for {language}: type it now as a message.", language=both_names(lang, tr._))]
    if current is not None:
        lines += ["", tr._("Current text:"), current.text]
    bid = broadcast.id
    markup = keyboard(
        [button(tr._("🤖 Machine translation"), BroadcastCb(action=Action.MACHINE, broadcast=bid, lang=lang))]
        if machine_translator.enabled
        else None,
        [
            button(
                tr._("↩️ Send the original instead"),
                BroadcastCb(action=Action.ORIGINAL, broadcast=bid, lang=lang),
            )
        ],
        back_row(tr, BroadcastCb(action=Action.OVERVIEW, broadcast=bid)),
        discard_row(tr, bid),
    )
    await reply(query, "\n".join(lines), markup)


@flow.message(Compose.translation, *TYPED, F.text, flags=ORG)
async def on_translation_text(
    message: Message,
    broadcast: Broadcast,
    form: ComposeDraft,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    machine_translator: MachineTranslator,
) -> None:
    if form.lang is None:  # a draft from another step: start again
        await state.clear()
        await message.answer(problem_text(tr, Problem.NOT_DRAFT))
        return
    seen = await service.set_translation(session, broadcast, form.lang, message.html_text)
    await state.clear()
    saved = tr._("Saved: the translation for {language}.", language=both_names(form.lang, tr._))
    if seen is not None:
        saved += "\n\n" + tr._(
            "⚠️ This text looks like {seen}, not {language}. If that is a mistake, tap {language} below and "
            "send the right text.",
            seen=both_names(seen, tr._),
            language=both_names(form.lang, tr._),
        )
    await message.answer(saved)
    text, markup = await overview(tr, session, settings, broadcast, machine_translator)
    await message.answer(text, reply_markup=markup)


@flow.callback_query(BroadcastCb.filter(F.action.in_({Action.MACHINE, Action.MACHINE_ALL})), flags=ORG)
async def on_machine(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    broadcast: Broadcast,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    machine_translator: MachineTranslator,
    bot: Bot,
) -> None:
    if await without_machine(query, tr, machine_translator):
        return
    one = callback_data.lang if callback_data.action is Action.MACHINE else None
    targets = await service.machine_targets(session, broadcast, one)
    await state.clear()
    await reply(query, tr._("⏳ Translating…"))
    bid = broadcast.id
    try:
        results = await service.machine_translate(session, machine_translator, broadcast, user, targets)
    except BroadcastError as error:
        await bot.send_message(user.id, problem_text(tr, error.code))
        return
    for lang, html in results.items():
        name = both_names(lang, tr._)
        if html is None:
            await bot.send_message(
                user.id,
                tr._(
                    "Machine translation for {language} did not work (no answer in time, or an error). Type the "
                    "translation, or this language gets the original.",
                    language=name,
                ),
            )
            continue
        await bot.send_message(
            user.id,
            tr._("🤖 Machine translation for {language}. Please check it:", language=name) + "\n\n" + html,
            reply_markup=keyboard(
                [
                    button(
                        tr._("✍️ Type my own instead"),
                        BroadcastCb(action=Action.TRANSLATE, broadcast=bid, lang=lang),
                    )
                ]
            ),
        )
    broadcast_now = await service.get_draft(session, bid, user)
    if broadcast_now is not None:
        text, markup = await overview(tr, session, settings, broadcast_now, machine_translator)
        await bot.send_message(user.id, text, reply_markup=markup)


@flow.callback_query(BroadcastCb.filter(F.action == Action.SOURCE), flags=ORG)
async def on_source_ask(query: CallbackQuery, broadcast: Broadcast, tr: Translator) -> None:
    choices = [
        button(
            both_names(code, tr._), BroadcastCb(action=Action.SOURCE_SET, broadcast=broadcast.id, lang=code)
        )
        for code in SUPPORTED_LANGUAGES
    ]
    markup = keyboard(*grid(choices, 3), discard_row(tr, broadcast.id))
    await reply(query, tr._("Which language is the original in?"), markup)


@flow.callback_query(BroadcastCb.filter(F.action == Action.SOURCE_SET), flags=ORG)
async def on_source_set(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    machine_translator: MachineTranslator,
) -> None:
    await service.set_source_language(session, broadcast, callback_data.lang)
    await show_keyboard(query, None)
    await reply(query, *await overview(tr, session, settings, broadcast, machine_translator))
