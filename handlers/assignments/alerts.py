"""The alert's buttons, and "I'll take it" on the /assignments list (the one callback schema of everything
handed to a person, handlers.callbacks.TakeCb): the first claim wins (bot.claims, the same claim as a
question's). Only the toast answers the press directly; the alert's edit and the winner's "it's yours" (with
the button for the address and contact) are queued by the claim in its transaction and sent by the outbox.
"""

from __future__ import annotations

from aiogram import F
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import claiming
from bot.assignments.options import areas
from bot.assignments.status import Outcome
from bot.claims import Handed
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import HELPER, Person
from handlers.assignments.callbacks import AssignmentAction, AssignmentCb
from handlers.assignments.views import CLOSED, GONE
from handlers.callbacks import TakeCb, Takes, Via
from handlers.kit import alert, private_flow

flow = private_flow("assignments.alerts")
HELPER_ONLY = {"role": HELPER}


def pressed_alert(query: CallbackQuery) -> claiming.Pressed | None:
    """(chat, message) of the alert the button is on, for its edit through the outbox."""
    message = query.message
    return (message.chat.id, message.message_id) if isinstance(message, Message) else None


@flow.callback_query(Takes(Handed.ASSIGNMENT), flags=HELPER_ONLY)
async def on_take(
    query: CallbackQuery,
    take: TakeCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    pressed = pressed_alert(query) if take.via == Via.ALERT else None  # a list is not an alert to edit
    result = await claiming.claim(
        session, clock, take.item, user, areas(settings.areas_file), pressed=pressed
    )
    if result.outcome in (Outcome.WON, Outcome.MINE) and result.item is not None:
        # the claim and its messages are committed before this answer (CommitBeforeRequest)
        await query.answer(tr._("✅ It's yours. Thank you!"))
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
    clock: Clock,
    settings: Settings,
) -> None:
    """ "Not this time": nothing is stored; the alert is edited (through the outbox) to say thank you and
    how to take it later."""
    known = areas(settings.areas_file)
    result = await claiming.decline(
        session, clock, callback_data.assignment, user, known, pressed_alert(query)
    )
    if result.item is None:
        await alert(query, tr._(GONE))
    elif result.outcome != Outcome.OK:  # taken or closed: its alert is being edited through the outbox
        await alert(query, tr._(CLOSED))
    else:
        await query.answer()
