"""The alert's buttons, and "I'll take it" on the /assignments list (the one callback schema of everything
handed to a person, handlers.callbacks.TakeCb): the first claim wins (bot.claims, the same claim as a
question's); the winner gets the address and contact in their own chat."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import claiming
from bot.assignments.options import areas
from bot.assignments.payloads import AlertEnd, Summary
from bot.assignments.status import Outcome
from bot.claims import Handed
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import HELPER, Person
from handlers.assignments.callbacks import AssignmentAction, AssignmentCb
from handlers.assignments.views import CLOSED, GONE, assignee_keyboard, closed_alert_text, details_text
from handlers.callbacks import TakeCb, Takes, Via
from handlers.kit import alert, private_flow, show

flow = private_flow("assignments.alerts")
HELPER_ONLY = {"role": HELPER}


@flow.callback_query(Takes(Handed.ASSIGNMENT), flags=HELPER_ONLY)
async def on_take(
    query: CallbackQuery,
    take: TakeCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    from_alert = take.via == Via.ALERT
    message = query.message if from_alert and isinstance(query.message, Message) else None
    pressed = (message.chat.id, message.message_id) if message is not None else None
    known = areas(settings.areas_file)
    result = await claiming.claim(session, clock, take.item, user, known, pressed=pressed)
    assignment = result.item
    if result.outcome in (Outcome.WON, Outcome.MINE) and assignment is not None:
        await query.answer(tr._("✅ It's yours. Thank you!"))
        # Only the winner's pressed alert is edited here; every other alert of the assignment is edited
        # through the outbox (claiming.withdraw_alerts), so no message is edited twice.
        if result.outcome == Outcome.WON and message is not None:
            await show(query, closed_alert_text(tr, Summary.of(assignment, known), AlertEnd.MINE))
        # to the helper's own private chat, whatever chat the button was in
        await bot.send_message(
            user.id,
            details_text(tr, assignment, result.details, known),
            reply_markup=assignee_keyboard(tr, assignment.id),
        )
    elif result.outcome == Outcome.TAKEN:
        await alert(
            query, tr._("Sorry, someone else was quicker: this assignment is already taken. Thank you!")
        )
    elif result.outcome == Outcome.CLOSED:
        await alert(query, tr._(CLOSED))
    else:
        await alert(query, tr._(GONE))


@flow.callback_query(AssignmentCb.filter(F.action == AssignmentAction.SKIP), flags=HELPER_ONLY)
async def on_skip(
    query: CallbackQuery,
    callback_data: AssignmentCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
) -> None:
    """ "Not this time": nothing is stored; the alert says thank you and how to take it later."""
    result = await claiming.still_open(session, callback_data.assignment, user)
    if result.item is None:
        await alert(query, tr._(GONE))
    elif result.outcome != Outcome.OK:  # taken or closed: its alert is being edited through the outbox
        await alert(query, tr._(CLOSED))
    else:
        await query.answer()
        summary = Summary.of(result.item, areas(settings.areas_file))
        await show(query, closed_alert_text(tr, summary, AlertEnd.DECLINED))
