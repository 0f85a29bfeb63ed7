""" "I'll take it" on a question, wherever it is shown — the card in the helpers' group, the /assignments
list, the private alert to helpers who speak its language — with the one callback schema of everything
handed to a person (handlers.callbacks.TakeCb) and the one claim (bot.claims, via bot.tickets.claim):
the first wins. The card in the group then shows "taken", the helpers' private alerts "taken" (the winner's
"yours"), all edited through the outbox in the claim's transaction; the helper answers in the group, by
replying to the question."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.claims import Handed, Outcome
from bot.clock import Clock
from bot.faq import handoff
from bot.text import Translator
from bot.users import HELPER, Person
from handlers.callbacks import TakeCb, Takes, Via
from handlers.kit import Flow, alert

flow = Flow("faq.take")


@flow.callback_query(Takes(Handed.QUESTION), flags={"role": HELPER, "group": True})
async def on_take(
    query: CallbackQuery,
    take: TakeCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    in_group = message is not None and message.chat.type != "private"
    if in_group != (take.via == Via.GROUP):  # a group's button in a private chat, or the other way round
        await alert(query, tr._("This question no longer exists."))
        return
    chat_id = message.chat.id if in_group and message is not None else None
    result = await tickets.claim(session, clock, take.item, user, chat_id=chat_id)
    ticket = result.item
    if ticket is None:
        await alert(query, tr._("This question no longer exists."))
    elif result.outcome in (Outcome.WON, Outcome.MINE) and in_group:
        await query.answer(tr._("Thank you! Please answer by replying to the question."))
    elif result.outcome in (Outcome.WON, Outcome.MINE):
        if result.outcome == Outcome.WON:  # the alerts' "yours" / "taken" leave through the outbox
            pressed = (message.chat.id, message.message_id) if take.via == Via.ALERT and message else None
            await handoff.queue_taken(session, clock, ticket, user.id, pressed)
        await query.answer(
            tr._("It's yours. Please answer by replying to the question in the helpers' group.")
        )
    elif result.outcome == Outcome.TAKEN and in_group:
        await alert(query, tr._("Someone else has already taken this question."))
    elif result.outcome == Outcome.TAKEN:
        await alert(query, tr._("Sorry, someone else was quicker: this question is already taken."))
    else:
        await alert(query, tr._("This question is already closed."))
