"""The asker's side of a conversation with a person: while their question is open, what they write
(no command, no dialog in progress) joins it and goes to the helpers, and they are told "added to your
question no. N"; under a helper's answer they can close the question. Routed before the FAQ's free text.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.claims import Outcome
from bot.clock import Clock
from bot.config import Settings
from bot.faq import conversation
from bot.faq.handoff import Handoff
from bot.text import Translator
from bot.translation.service import MachineTranslator
from bot.users import Person
from handlers.faq.ask import emergency_first
from handlers.faq.callbacks import TicketAction, TicketCb
from handlers.faq.views import reply_to, withdraw_row
from handlers.kit import KnownUser, alert, edit_keyboard, keyboard, private_flow

flow = private_flow("faq.conversation")


async def has_open_question(
    message: Message, session: AsyncSession, user: Person | None = None, open_question: bool | None = None
) -> bool:
    """`open_question`: read with the person's row (handlers.middlewares.ContextMiddleware); None: ask."""
    if user is None:
        return False
    if open_question is not None:
        return open_question
    return await conversation.open_question(session, user.id) is not None


# (the filter that turns most texts away first: a filter costs aiogram a few µs, and a question meets these)
@flow.message(has_open_question, F.text, ~F.text.startswith("/"), StateFilter(None))
async def on_follow_up(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    machine_translator: MachineTranslator | None = None,
) -> None:
    await emergency_first(message, user, tr, session, settings)  # the numbers first, then the helpers
    result = await conversation.follow_up(
        session, clock, settings, machine_translator, asker_id=user.id, text=message.text or "",
        source_message_id=message.message_id,
    )  # fmt: skip
    if result.outcome == Handoff.ERASED:
        return  # /deletedata came first and said so
    if result.outcome != Handoff.ADDED or result.ticket_id is None:
        await message.answer(
            tr._("Your question to a person was closed meanwhile. Please send your message again.")
        )
        return
    await message.answer(
        tr._("✅ Added to your question no. {number}.", number=result.ticket_id),
        reply_markup=keyboard(withdraw_row(tr, result.ticket_id)),
        reply_parameters=reply_to(message.message_id),
    )


async def holds_questions(
    message: Message, session: AsyncSession, user: Person | None = None
) -> bool | dict[str, list[int]]:
    """A helper who has taken questions: their numbers, as `held`."""
    held = await conversation.questions_held(session, user) if user is not None else []
    return {"held": held} if held else False


@flow.message(holds_questions, F.text, ~F.text.startswith("/"), StateFilter(None))
async def on_helper_text(
    message: Message, user: Person, tr: Translator, session: AsyncSession, settings: Settings,
    held: list[int],
) -> None:  # fmt: skip
    """A helper who took a question and types here may think the person gets it: they would not (answers
    go from the helpers' chat), so nothing is matched against the FAQ and the helper is told where to
    answer."""
    await emergency_first(message, user, tr, session, settings)
    await message.answer(
        tr.n_(
            "⚠️ This message was not sent to anyone. To answer the question you took (no. {numbers}), "
            "reply to it in the helpers' group: the person gets only those replies.",
            "⚠️ This message was not sent to anyone. To answer the questions you took (no. {numbers}), "
            "reply to each of them in the helpers' group: the people get only those replies.",
            len(held),
            numbers=tr.comma_list(held),
        ),
        reply_parameters=reply_to(message.message_id),
    )


@flow.callback_query(TicketCb.filter(F.action == TicketAction.CLOSE), KnownUser())
async def on_close(
    query: CallbackQuery,
    callback_data: TicketCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """ "My question is answered: close it", under a helper's answer."""
    result = await tickets.close(session, clock, callback_data.ticket, tickets.ClosedBy.ASKER, user)
    if isinstance(query.message, Message):
        await edit_keyboard(query.message, None)
    if result.outcome == Outcome.OK:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(
                tr._(
                    "✅ Your question no. {number} is closed. Thank you! If you have another question, "
                    "just write it.",
                    number=callback_data.ticket,
                )
            )
    elif result.outcome == Outcome.CLOSED:
        await alert(query, tr._("This question is already closed."))
    else:
        await alert(query, tr._("This question no longer exists."))
