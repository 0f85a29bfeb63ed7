"""Organizers: one assignment with its details ("🔎 Open" under notices and in the overview), and
cancelling it (with "are you sure?"); the helpers' alerts then say so."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import service
from bot.assignments.options import areas
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import ORGANIZER, Person
from handlers.assignments.callbacks import AssignmentAction, AssignmentCb
from handlers.assignments.views import CLOSED, GONE, act, details_or_refuse, organizer_text
from handlers.kit import confirm_row, keyboard, private_flow, show

flow = private_flow("assignments.manage")
ORGANIZER_ONLY = {"role": ORGANIZER}


def organizer_keyboard(
    tr: Translator, assignment: service.Assignment, confirming: bool
) -> InlineKeyboardMarkup | None:
    if not service.can_cancel(assignment):
        return None
    if confirming:
        yes = AssignmentCb(action=AssignmentAction.CANCEL_YES, assignment=assignment.id)
        no = AssignmentCb(action=AssignmentAction.VIEW, assignment=assignment.id)
        return keyboard(
            confirm_row(
                tr, yes, no, yes_text=tr._("❌ Yes, cancel it"), no_text=tr._("No, keep the assignment")
            )
        )
    return keyboard([act(tr._("❌ Cancel assignment"), AssignmentAction.CANCEL, assignment.id)])


@flow.callback_query(
    AssignmentCb.filter(F.action.in_({AssignmentAction.VIEW, AssignmentAction.CANCEL})), flags=ORGANIZER_ONLY
)
async def on_view(
    query: CallbackQuery,
    callback_data: AssignmentCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    bot: Bot,
) -> None:
    """ "Open" sends the assignment as a new message; "Cancel assignment" asks in place."""
    found = await details_or_refuse(query, session, user, callback_data.assignment, tr._(GONE))
    if found is None:
        return
    assignment, details = found
    confirming = callback_data.action == AssignmentAction.CANCEL
    text = organizer_text(tr, assignment, details, areas(settings.areas_file))
    markup = organizer_keyboard(tr, assignment, confirming)
    if confirming:
        await show(query, text, markup)
    else:
        await bot.send_message(user.id, text, reply_markup=markup)


@flow.callback_query(AssignmentCb.filter(F.action == AssignmentAction.CANCEL_YES), flags=ORGANIZER_ONLY)
async def on_cancel(
    query: CallbackQuery,
    callback_data: AssignmentCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    number = callback_data.assignment
    cancelled = await service.cancel(session, clock, number, user, areas(settings.areas_file))
    await query.answer()
    text = (
        tr._("❌ Assignment no. {number} is cancelled. The helpers' alerts say so.", number=number)
        if cancelled
        else tr._(CLOSED)
    )
    await show(query, text)
