""" "Ask a person" (menu button, the button under an answer, /ask): the question goes to the helpers'
chat without the person's name; the answer comes back through the outbox (see handlers/faq/tickets.py).
Without a question at hand, the next text message is the question (a short dialog with a typed draft).
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.faq import conversation, handoff
from bot.faq.service import clean_text, faq_for
from bot.text import N_, Translator
from bot.translation.service import MachineTranslator
from bot.users import Person
from handlers.callbacks import MenuCb
from handlers.faq.ask import emergency_first
from handlers.faq.callbacks import FaqAction, FaqCb
from handlers.faq.views import HANDOFF, handoff_keyboard, handoff_text, own_question, reader, reply_to
from handlers.kit import Dialog, Draft, Flow, KnownUser

flow = Flow("faq.handoff")


class AskStates(StatesGroup):
    question = State()  # "Ask a person" without a question yet: the next text is the question


ASKING = Dialog.of(AskStates, N_("Your question was not sent."))  # what /cancel (or ✖) says


class AskDraft(Draft):
    lang: str  # the language the person was talked to in when asked for the question


async def _tell(
    message: Message,
    result: handoff.HandoffResult,
    lang: str,
    settings: Settings,
    session: AsyncSession,
    question_id: int | None = None,
) -> None:
    """What became of "ask a person", in the language of the question."""
    if result.outcome == handoff.Handoff.ERASED:
        return  # /deletedata came first and said so; the question went nowhere
    phone = None
    if result.outcome == handoff.Handoff.UNREACHABLE:
        phone = (await faq_for(settings, session)).facts.get("contact_phone", lang)
    opened = result.outcome in (handoff.Handoff.OPENED, handoff.Handoff.ADDED)
    rtr = reader(lang, lang, settings)
    await message.answer(
        handoff_text(rtr, result, phone),
        reply_markup=handoff_keyboard(rtr, result, ASKING),
        reply_parameters=reply_to(question_id) if opened else None,
    )


async def ask_for_question(
    message: Message,
    user: Person,
    lang: str,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    clock: Clock | None = None,
) -> None:
    """No question at hand: the next text is the question (unless the service refuses right away)."""
    result = await handoff.check(session, settings, user.id, clock=clock, lang=lang)
    if result.outcome == handoff.Handoff.READY:
        await state.set_state(AskStates.question)
        await AskDraft(lang=lang).save(state)
    await _tell(message, result, lang, settings, session)


async def hand_over(
    message: Message,
    user: Person,
    question: str,
    question_id: int | None,
    lang: str,
    kept: int | None,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    translator: MachineTranslator | None,
) -> None:
    result = await handoff.hand_over(
        session, clock, settings, translator, asker_id=user.id, text=question, lang=lang, unanswered_id=kept,
        source_message_id=question_id,
    )  # fmt: skip
    if result.outcome == handoff.Handoff.ALREADY_OPEN:  # what they ask now joins their open question
        result = await conversation.follow_up(
            session, clock, settings, translator, asker_id=user.id, text=question,
            source_message_id=question_id,
        )  # fmt: skip
    await _tell(message, result, lang, settings, session, question_id)


@flow.message(Command("ask"), F.chat.type == "private")
async def cmd_ask(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    clock: Clock,
) -> None:
    await ask_for_question(message, user, tr.lang, session, settings, state, clock)


@flow.callback_query(MenuCb.filter(F.action == HANDOFF), KnownUser())
@flow.callback_query(FaqCb.filter(F.action == FaqAction.ASK), KnownUser())
async def on_handoff_button(
    query: CallbackQuery,
    callback_data: MenuCb | FaqCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
    machine_translator: MachineTranslator | None = None,
) -> None:
    """The button under an answer (or "I do not know") hands over the question it replies to; the menu
    button asks for the question first."""
    await query.answer()
    message = query.message
    if not isinstance(message, Message) or message.chat.type != "private":
        return
    question, question_id = own_question(message, user)
    is_faq = isinstance(callback_data, FaqCb)
    if is_faq and callback_data.lang in SUPPORTED_LANGUAGES:
        lang = callback_data.lang
    elif question:
        lang = (await faq_for(settings, session)).answer_language(question, user.language or tr.lang)
    else:
        lang = tr.lang
    if question is None:
        await ask_for_question(message, user, lang, session, settings, state, clock)
        return
    kept = callback_data.kept if is_faq else None
    await hand_over(
        message, user, question, question_id, lang, kept, session, clock, settings, machine_translator
    )


@flow.message(AskStates.question, F.chat.type == "private", F.text, ~F.text.startswith("/"))
async def on_handoff_text(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
    machine_translator: MachineTranslator | None = None,
) -> None:
    await emergency_first(message, user, tr, session, settings)  # the numbers first, then the helpers
    draft = await AskDraft.load(state)
    await AskDraft.clear(state)
    question = clean_text(message.text or "", None)  # whole, however long: relayed in marked parts
    service = await faq_for(settings, session)
    lang = service.answer_language(question, (draft.lang if draft else None) or user.language or tr.lang)
    await hand_over(
        message, user, question, message.message_id, lang, None, session, clock, settings, machine_translator
    )


@flow.message(AskStates.question, F.chat.type == "private", ~F.text)
async def on_handoff_other(message: Message, tr: Translator) -> None:
    await message.answer(tr._("Please write your question as text. To stop: /cancel"))
