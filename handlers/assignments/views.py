"""What an assignment looks like: its summary, the alert and its end, the assignee's and the organizers'
views, and their keyboards. Used by the flows and by the outbox renderers alike."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import service
from bot.assignments.options import ANY, ANY_AREA, ANY_LANGUAGE, KINDS, Areas
from bot.assignments.payloads import AlertEnd, Summary
from bot.assignments.service import Assignment
from bot.assignments.status import Status
from bot.claims import Handed
from bot.languages import name_in
from bot.text import N_, Html, Translator, escape
from bot.users import Person
from handlers.assignments.callbacks import AssignmentAction, AssignmentCb
from handlers.callbacks import TakeCb, Via
from handlers.kit import alert, button, keyboard

# Errors of the /assign dialog (service.AssignmentError codes), as the organizer reads them.
ASSIGNMENT_ERRORS = {
    "empty": N_("Please write a short description."),
    "too_long": N_("That is too long. Please keep it short."),
    "personal_data": N_(
        "This looks like a phone number, an e-mail or a street address. Please leave personal details out "
        "of the description: they come in the next step, and only the helper who takes it will see them."
    ),
    "in_past": N_("This time has already passed. Please start again with /assign."),
    "bad_choice": N_("Something in the choices is no longer valid. Please start again with /assign."),
}
NOT_YOURS = N_("This is not your assignment (any more).")
GONE = N_("This assignment no longer exists.")
CLOSED = N_("This assignment is closed.")
STALE = N_("This button is no longer valid. Please open the menu again: /menu")
NO_DETAILS = N_("🔒 No address or contact given.")


def error_text(tr: Translator, code: str) -> str:
    return tr._(ASSIGNMENT_ERRORS.get(code, ASSIGNMENT_ERRORS["bad_choice"]))


def act(text: str, action: AssignmentAction, assignment_id: int) -> InlineKeyboardButton:
    return button(text, AssignmentCb(action=action, assignment=assignment_id))


# --- labels ------------------------------------------------------------------------------------------
def kind_label(tr: Translator, kind: str) -> str:
    return tr._(KINDS[kind]) if kind in KINDS else kind


def language_label(tr: Translator, code: str) -> str:
    if code == ANY:
        return tr._(ANY_LANGUAGE)
    return name_in(code, tr._)


def area_label(tr: Translator, summary: Summary) -> str:
    return summary.area_name or tr._(ANY_AREA)


def when_label(tr: Translator, summary: Summary) -> str:
    at = summary.starts_at
    return Html(tr.datetime(at)) if at else tr._("flexible, by arrangement")  # already escaped and isolated


def details_line(tr: Translator, details: str | None) -> str:
    if details:
        return tr._("🔒 Address and contact: {details}", details=details)
    return tr._(NO_DETAILS)


def person_link(tr: Translator, user_id: int | None, label: str) -> str:
    """A link that opens the chat with a person, without storing or showing their name."""
    if user_id is None:
        return ""
    return f'<a href="tg://user?id={int(user_id)}">{escape(label)}</a>'


# --- an assignment -----------------------------------------------------------------------------------
def summary_text(tr: Translator, summary: Summary) -> str:
    return "\n".join(
        [
            tr._(
                "📋 <b>Assignment no. {number}</b>: {kind}",
                number=summary.id,
                kind=kind_label(tr, summary.kind),
            ),
            tr._("📅 When: {when}", when=when_label(tr, summary)),
            tr._("📍 Where: {area}", area=area_label(tr, summary)),
            tr._("🗣 Language: {language}", language=language_label(tr, summary.language)),
            "📝 " + tr.insert(summary.description),
        ]
    )


def one_line(tr: Translator, summary: Summary) -> str:
    return tr._(
        "No. {number} · {kind} · {when} · {area} · {language}",
        number=summary.id,
        kind=kind_label(tr, summary.kind),
        when=when_label(tr, summary),
        area=area_label(tr, summary),
        language=language_label(tr, summary.language),
    )


def alert_keyboard(tr: Translator, assignment_id: int) -> InlineKeyboardMarkup | None:
    return keyboard(
        [button(tr._("✋ I'll take it"), TakeCb(kind=Handed.ASSIGNMENT, item=assignment_id, via=Via.ALERT))],
        [act(tr._("Not this time"), AssignmentAction.SKIP, assignment_id)],
    )


def closed_alert_text(tr: Translator, summary: Summary, why: AlertEnd) -> str:
    lines = {
        AlertEnd.TAKEN: tr._("✋ Already taken by another helper. Thank you!"),
        AlertEnd.MINE: tr._("✅ You took this assignment. Address and contact: /assignments"),
        AlertEnd.CANCELLED: tr._("❌ This assignment was cancelled."),
        AlertEnd.DECLINED: tr._(
            "👌 Not this time. Thank you! While it is open, you can still take it under /assignments."
        ),
    }
    return summary_text(tr, summary) + "\n\n" + lines[why]


def done_row(tr: Translator, assignment_id: int) -> list[InlineKeyboardButton]:
    return [
        act(tr._("✅ Done"), AssignmentAction.DONE, assignment_id),
        act(tr._("📝 Done, with a note"), AssignmentAction.DONE_WITH_NOTE, assignment_id),
    ]


def assignee_keyboard(
    tr: Translator, assignment_id: int, *, with_details: bool = False
) -> InlineKeyboardMarkup | None:
    """The assignee's buttons; `with_details`: also the one that shows the address and contact."""
    details = [act(tr._("🔒 Address and contact"), AssignmentAction.DETAILS, assignment_id)]
    return keyboard(
        details if with_details else None,
        done_row(tr, assignment_id),
        [act(tr._("↩️ Hand back"), AssignmentAction.HAND_BACK, assignment_id)],
    )


def open_keyboard(tr: Translator, assignment_id: int) -> InlineKeyboardMarkup | None:
    """For organizers, under notices and reminders: open the assignment."""
    return keyboard([act(tr._("🔎 Open"), AssignmentAction.VIEW, assignment_id)])


def yours_head(tr: Translator, number: int) -> str:
    return tr._("✅ <b>Assignment no. {number} is yours.</b> Thank you!", number=number)


def details_text(tr: Translator, assignment: Assignment, details: str | None, known: Areas) -> str:
    """The assignee's view: everything, including the address and contact."""
    parts = [
        yours_head(tr, assignment.id),
        summary_text(tr, Summary.of(assignment, known)),
        tr._("🔒 <b>Address and contact</b> (only for you):"),
        tr.insert(details) if details else tr._("None were given. Please ask the organizer."),
    ]
    link = person_link(tr, assignment.created_by, tr._("💬 Write to the organizer"))
    if link:
        parts.append(link)
    return "\n\n".join(parts)


STATUS_LABELS: dict[str, str] = {
    Status.OPEN: N_("Status: open"),
    Status.TAKEN: N_("Status: taken"),
    Status.DONE: N_("Status: done"),
    Status.CANCELLED: N_("Status: cancelled"),
}


def organizer_text(tr: Translator, assignment: Assignment, details: str | None, known: Areas) -> str:
    """The organizers' view of one assignment."""
    status = STATUS_LABELS.get(assignment.status)
    parts = [summary_text(tr, Summary.of(assignment, known)), tr._(status) if status else assignment.status]
    if service.is_widened(assignment):
        parts.append(tr._("The alert has gone to all available helpers."))
    if assignment.assignee_id is not None:
        parts.append(person_link(tr, assignment.assignee_id, tr._("💬 Write to the helper")))
    if assignment.done_note:
        parts.append(tr._("Note from the helper: {note}", note=assignment.done_note))
    parts.append(details_line(tr, details))
    return "\n\n".join(parts)


async def details_or_refuse(
    query: CallbackQuery, session: AsyncSession, user: Person, assignment_id: int, refusal: str
) -> tuple[Assignment, str | None] | None:
    """The assignment and its address and contact, for its helper or an organizer (the press answered);
    anyone else gets `refusal` as an alert, and None."""
    try:
        found = await service.details_for(session, assignment_id, user)
    except service.NotAllowed:
        await alert(query, refusal)
        return None
    await query.answer()
    return found
