"""Assignments: /assign (organizers), alerts with "I'll take it", details for the assignee only, hand back,
"done?", /assignments (helpers: theirs, open ones and open questions; organizers: the overview).

Every button is re-checked on the server: the role (flags), and in the service whether the assignment
still exists and the presser may do this now. The /assign dialog is stateless (choices ride in the
callback data) until the two text inputs, which use an FSM state with JSON-serialisable data.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from babel.dates import format_skeleton
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.assignments import claiming, escalation, reminders, service  # noqa: F401  (jobs register)
from bot.assignments import payloads as p
from bot.assignments.options import ANY, ANY_AREA, ANY_LANGUAGE, KINDS, LANGUAGES, Areas, areas
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.render import Rendered, renderer
from bot.services.users import HELPER, ORGANIZER, has_role
from bot.text import N_, Html, Translator, escape
from handlers.callbacks import MenuCb
from handlers.menu import command, menu_item
from handlers.ui import edit_message
from storage.models.assignments import Assignment
from storage.models.core import User

router = Router(name="assignments")
HELPER_ONLY = {"role": HELPER}
ORGANIZER_ONLY = {"role": ORGANIZER}
command("assignments", N_("Assignments and questions for helpers"), role=HELPER, order=40)
command("assign", N_("Find a helper for an assignment"), role=ORGANIZER, order=42)
menu_item("assignments", N_("📋 Assignments"), role=HELPER, order=40)
menu_item("assign", N_("➕ New assignment"), role=ORGANIZER, order=42)


class AsgCb(CallbackData, prefix="asg"):
    # take (alert) | pick (list) | skip | det | back | backok | done | note | view | cancel | cancelok | tk
    action: str
    id: int


class NewCb(CallbackData, prefix="asn"):
    step: str  # kind | lang | area | day | time | skip | send | abort
    kind: str = ""
    lang: str = ""
    area: str = ""
    day: str = ""  # YYYYMMDD or "flex"
    minute: int = -1


class NewStates(StatesGroup):
    description = State()
    details = State()
    confirm = State()


class DoneStates(StatesGroup):
    note = State()


FLEX = "flex"


# --- rendering -------------------------------------------------------------------------------------------
def rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def kind_label(tr: Translator, kind: str) -> str:
    return tr._(KINDS[kind]) if kind in KINDS else kind


def language_label(tr: Translator, code: str) -> str:
    if code == ANY:
        return tr._(ANY_LANGUAGE)
    return tr._(LANGUAGES[code]) if code in LANGUAGES else code


def area_label(tr: Translator, data: dict[str, Any]) -> str:
    return data.get("area_name") or tr._(ANY_AREA)


def when_label(tr: Translator, data: dict[str, Any]) -> str:
    at = p.starts_at(data)
    return Html(tr.datetime(at)) if at else tr._("flexible, by arrangement")  # already escaped and isolated


def summary_text(tr: Translator, data: dict[str, Any]) -> str:
    return "\n".join(
        [
            tr._(
                "📋 <b>Assignment no. {number}</b>: {kind}",
                number=data["id"],
                kind=kind_label(tr, data["kind"]),
            ),
            tr._("📅 When: {when}", when=when_label(tr, data)),
            tr._("📍 Where: {area}", area=area_label(tr, data)),
            tr._("🗣 Language: {language}", language=language_label(tr, data["lang"])),
            "📝 " + tr.insert(data.get("desc") or ""),
        ]
    )


def one_line(tr: Translator, data: dict[str, Any]) -> str:
    return tr._(
        "No. {number} · {kind} · {when} · {area} · {language}",
        number=data["id"],
        kind=kind_label(tr, data["kind"]),
        when=when_label(tr, data),
        area=area_label(tr, data),
        language=language_label(tr, data["lang"]),
    )


def person_link(tr: Translator, user_id: int | None, label: str) -> str:
    """A link that opens the chat with a person, without storing or showing their name."""
    if user_id is None:
        return ""
    return f'<a href="tg://user?id={int(user_id)}">{escape(label)}</a>'


def _button(text: str, action: str, assignment_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=AsgCb(action=action, id=assignment_id).pack())


def alert_keyboard(tr: Translator, assignment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(tr._("✋ I'll take it"), "take", assignment_id)],
            [_button(tr._("Not this time"), "skip", assignment_id)],
        ]
    )


def closed_alert_text(tr: Translator, data: dict[str, Any], why: str) -> str:
    lines = {
        claiming.EDIT_TAKEN: tr._("✋ Already taken by another helper. Thank you!"),
        claiming.EDIT_MINE: tr._("✅ You took this assignment. Address and contact: /assignments"),
        claiming.EDIT_CANCELLED: tr._("❌ This assignment was cancelled."),
        "declined": tr._(
            "👌 Not this time. Thank you! While it is open, you can still take it under /assignments."
        ),
    }
    return summary_text(tr, data) + "\n\n" + lines.get(why, lines[claiming.EDIT_TAKEN])


def assignee_keyboard(tr: Translator, assignment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(tr._("✅ Done"), "done", assignment_id),
                _button(tr._("📝 Done, with a note"), "note", assignment_id),
            ],
            [_button(tr._("↩️ Hand back"), "back", assignment_id)],
        ]
    )


def details_text(tr: Translator, assignment: Assignment, details: str | None, known: Areas) -> str:
    parts = [
        tr._("✅ <b>Assignment no. {number} is yours.</b> Thank you!", number=assignment.id),
        summary_text(tr, p.summary(assignment, known)),
        tr._("🔒 <b>Address and contact</b> (only for you):"),
        tr.insert(details) if details else tr._("None were given. Please ask the organizer."),
    ]
    link = person_link(tr, assignment.created_by, tr._("💬 Write to the organizer"))
    if link:
        parts.append(link)
    return "\n\n".join(parts)


# --- outbox renderers ----------------------------------------------------------------------------------
@renderer(p.ALERT)
def render_alert(data: dict[str, Any], tr: Translator) -> Rendered:
    head = (
        tr._("📣 <b>Nobody has taken this yet. Can you help?</b>")
        if data.get("wide")
        else tr._("📣 <b>Can you help?</b>")
    )
    text = "\n\n".join(
        [
            head,
            summary_text(tr, data["a"]),
            tr._("Address and contact are shown only to the helper who takes it."),
        ]
    )
    return Rendered("sendMessage", {"text": text, "reply_markup": alert_keyboard(tr, int(data["a"]["id"]))})


@renderer(p.ALERT_EDIT)
def render_alert_edit(data: dict[str, Any], tr: Translator) -> Rendered:
    text = closed_alert_text(tr, data["a"], str(data.get("why")))
    return Rendered("editMessageText", {"message_id": int(data["message_id"]), "text": text})


@renderer(p.NOTICE)
def render_notice(data: dict[str, Any], tr: Translator) -> Rendered:
    event, summary = data.get("event"), data["a"]
    number, count = summary["id"], int(data.get("count") or 0)
    parts: list[str] = []
    if event == p.CLAIMED:
        parts.append(tr._("✅ Assignment no. {number} has been taken.", number=number))
    elif event == p.WIDENED:
        parts.append(
            tr.n_(
                "⏳ Nobody has taken assignment no. {number} yet. The alert now went to {n} more helper.",
                "⏳ Nobody has taken assignment no. {number} yet. The alert now went to {n} more helpers.",
                count,
                number=number,
            )
        )
    elif event == p.NOBODY:
        parts.append(
            tr._(
                "⚠️ Nobody has taken assignment no. {number} yet, and every available helper already has the "
                "alert. Perhaps ask someone directly.",
                number=number,
            )
        )
    elif event in (p.HANDED_BACK, p.REOPENED):
        parts.append(
            tr._("↩️ Assignment no. {number} was handed back and is open again.", number=number)
            if event == p.HANDED_BACK
            else tr._(
                "↩️ The helper of assignment no. {number} has left the bot, so it is open again.",
                number=number,
            )
        )
        if count:
            parts.append(tr.n_("It was offered to {n} helper.", "It was offered to {n} helpers.", count))
            if data.get("wide"):
                parts.append(
                    tr._("No one else speaks its language in its area, so all available helpers got it.")
                )
        else:
            parts.append(tr._("No helper could be alerted. Perhaps ask someone directly."))
    elif event == p.DONE:
        parts.append(tr._("🏁 Assignment no. {number} is done.", number=number))
        if data.get("note"):
            parts.append(tr._("Note from the helper: {note}", note=data["note"]))
    elif event == p.CANCELLED:
        parts.append(
            tr._(
                "❌ Assignment no. {number} was cancelled by the organizers. Thank you all the same!",
                number=number,
            )
        )
    if event in (p.CLAIMED, p.DONE, p.HANDED_BACK):
        parts.append(person_link(tr, data.get("helper"), tr._("💬 Write to the helper")))
    parts.append(summary_text(tr, summary))
    params: dict[str, Any] = {"text": "\n\n".join(x for x in parts if x)}
    if event != p.CANCELLED:  # organizers can open it
        params["reply_markup"] = InlineKeyboardMarkup(
            inline_keyboard=[[_button(tr._("🔎 Open"), "view", number)]]
        )
    return Rendered("sendMessage", params)


@renderer(p.REMINDER)
def render_reminder(data: dict[str, Any], tr: Translator) -> Rendered:
    summary = data["a"]
    if data.get("to") == "organizer":
        parts = [
            tr._(
                "⏰ <b>Reminder:</b> assignment no. {number} is coming up. A helper has taken it.",
                number=summary["id"],
            ),
            person_link(tr, data.get("helper"), tr._("💬 Write to the helper")),
            summary_text(tr, summary),
        ]
        markup = InlineKeyboardMarkup(inline_keyboard=[[_button(tr._("🔎 Open"), "view", summary["id"])]])
    else:
        parts = [
            tr._("⏰ <b>Reminder:</b> your assignment no. {number} is coming up.", number=summary["id"]),
            summary_text(tr, summary),
        ]
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[_button(tr._("🔒 Address and contact"), "det", summary["id"])]]
        )
    return Rendered("sendMessage", {"text": "\n\n".join(x for x in parts if x), "reply_markup": markup})


@renderer(p.FOLLOWUP)
def render_followup(data: dict[str, Any], tr: Translator) -> Rendered:
    summary = data["a"]
    text = "\n\n".join(
        [
            tr._(
                "🏁 How did assignment no. {number} go? When it is done, please close it here. You can add a "
                "short note for the organizers.",
                number=summary["id"],
            ),
            summary_text(tr, summary),
        ]
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(tr._("✅ Done"), "done", summary["id"]),
                _button(tr._("📝 Done, with a note"), "note", summary["id"]),
            ]
        ]
    )
    return Rendered("sendMessage", {"text": text, "reply_markup": markup})


# --- small helpers for callbacks -------------------------------------------------------------------------
def private_message(query: CallbackQuery, user: User) -> Message | None:
    """The pressed message, if it is in the presser's own private chat (else nothing gets edited there)."""
    message = query.message
    if isinstance(message, Message) and message.chat.id == user.id:
        return message
    return None


async def _edit(message: Message | None, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the pressed message in place; nothing to do when it is not in the presser's private chat."""
    if message is not None:
        await edit_message(message, text, markup)


async def _details_or_refuse(
    query: CallbackQuery, session: AsyncSession, assignment_id: int, user: User, refusal: str
) -> tuple[Assignment, str | None] | None:
    """The assignment and its private details for this user; else the press is answered with `refusal`.

    The press is answered either way, so the caller only has to stop on None.
    """
    try:
        found = await service.details_for(session, assignment_id, user)
    except service.NotAllowed:
        await query.answer(refusal, show_alert=True)
        return None
    await query.answer()
    return found


async def _not_valid(query: CallbackQuery, tr: Translator) -> None:
    await query.answer(
        tr._("This button is no longer valid. Please open the menu again: /menu"), show_alert=True
    )


# --- /assign: the organizer's dialog ---------------------------------------------------------------------
def draft_text(tr: Translator, cb: NewCb, settings: Settings, question: str) -> str:
    lines = [tr._("<b>New assignment</b>")]
    if cb.kind:
        lines.append(kind_label(tr, cb.kind))
    if cb.lang:
        lines.append(tr._("🗣 Language: {language}", language=language_label(tr, cb.lang)))
    if cb.area:
        name = areas(settings.areas_file).name(cb.area)
        lines.append(tr._("📍 Where: {area}", area=name or tr._(ANY_AREA)))
    if cb.day:
        lines.append(tr._("📅 When: {when}", when=_draft_when(tr, cb, settings)))
    return "\n".join(lines) + "\n\n" + question


def _draft_day(cb: NewCb) -> date | None:
    try:
        return datetime.strptime(cb.day, "%Y%m%d").date()
    except ValueError:
        return None


def _draft_when(tr: Translator, cb: NewCb, settings: Settings) -> str:
    day = _draft_day(cb)
    if day is None:
        return tr._("flexible, by arrangement")
    if cb.minute >= 0:
        return Html(tr.datetime(service.local_start(day, cb.minute, settings.tz)))
    return tr.date(day)


def _cancel_row(tr: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=tr._("❌ Cancel"), callback_data=NewCb(step="abort").pack())]


def _next(cb: NewCb, step: str, **change: Any) -> str:
    return NewCb(**{**cb.model_dump(), "step": step, **change}).pack()


def kind_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text=tr._(label), callback_data=NewCb(step="kind", kind=k).pack())
        for k, label in KINDS.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows(buttons, 2), _cancel_row(tr)])


def language_keyboard(tr: Translator, cb: NewCb) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text=tr._(label), callback_data=_next(cb, "lang", lang=code))
        for code, label in LANGUAGES.items()
    ]
    buttons.append(InlineKeyboardButton(text=tr._(ANY_LANGUAGE), callback_data=_next(cb, "lang", lang=ANY)))
    return InlineKeyboardMarkup(inline_keyboard=[*rows(buttons, 3), _cancel_row(tr)])


def area_keyboard(tr: Translator, cb: NewCb, known: Areas) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text=name, callback_data=_next(cb, "area", area=key))
        for key, name in known.names.items()
    ]
    buttons.append(InlineKeyboardButton(text=tr._(ANY_AREA), callback_data=_next(cb, "area", area=ANY)))
    return InlineKeyboardMarkup(inline_keyboard=[*rows(buttons, 2), _cancel_row(tr)])


def day_keyboard(tr: Translator, cb: NewCb, clock: Clock, settings: Settings) -> InlineKeyboardMarkup:
    days = service.bookable_days(clock.now(), settings.tz)
    buttons = [
        InlineKeyboardButton(text=tr.date(day), callback_data=_next(cb, "day", day=day.strftime("%Y%m%d")))
        for day in days
    ]
    buttons.append(
        InlineKeyboardButton(text=tr._("🗓 Flexible date"), callback_data=_next(cb, "day", day=FLEX))
    )
    return InlineKeyboardMarkup(inline_keyboard=[*rows(buttons, 2), _cancel_row(tr)])


def time_keyboard(
    tr: Translator, cb: NewCb, day: date, clock: Clock, settings: Settings
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=tr.time(service.local_start(day, minute, settings.tz)),
            callback_data=_next(cb, "time", minute=minute),
        )
        for minute in service.time_choices(day, clock.now(), settings.tz)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows(buttons, 4), _cancel_row(tr)])


DESCRIPTION_PROMPT = N_(
    "Describe in one or two sentences what is needed, for example “appointment at the immigration office, "
    "extension of the residence permit”.\n\n"
    "<b>No names, phone numbers or addresses here</b>: all helpers see this text. The exact address and "
    "contact come in the next step."
)


@router.message(Command("assign"), F.chat.type == "private", flags=ORGANIZER_ONLY)
@router.callback_query(MenuCb.filter(F.action == "assign"), flags=ORGANIZER_ONLY)
async def cmd_assign(
    event: Message | CallbackQuery, tr: Translator, settings: Settings, state: FSMContext
) -> None:
    await state.clear()
    if isinstance(event, CallbackQuery):
        await event.answer()
        target = event.message if isinstance(event.message, Message) else None
    else:
        target = event
    if target is not None:
        await target.answer(
            draft_text(tr, NewCb(step="kind"), settings, tr._("What kind of help is needed?")),
            reply_markup=kind_keyboard(tr),
        )


@router.callback_query(
    NewCb.filter(F.step.in_({"kind", "lang", "area", "day", "time"})), flags=ORGANIZER_ONLY
)
async def on_new_step(
    query: CallbackQuery,
    callback_data: NewCb,
    user: User,
    tr: Translator,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    message = private_message(query, user)
    cb, known = callback_data, areas(settings.areas_file)
    valid = (
        message is not None
        and cb.kind in KINDS
        and (cb.step == "kind" or cb.lang == ANY or cb.lang in LANGUAGES)
        and (cb.step in ("kind", "lang") or cb.area == ANY or cb.area in known)
        and (cb.step not in ("day", "time") or cb.day == FLEX or _draft_day(cb) is not None)
        and (cb.step != "time" or 0 <= cb.minute < 24 * 60)
    )
    if not valid or message is None:
        await _not_valid(query, tr)
        return
    await query.answer()
    if cb.step == "kind":
        await _edit(
            message,
            draft_text(tr, cb, settings, tr._("Which language is needed?")),
            language_keyboard(tr, cb),
        )
    elif cb.step == "lang":
        await _edit(message, draft_text(tr, cb, settings, tr._("Where?")), area_keyboard(tr, cb, known))
    elif cb.step == "area":
        await _edit(
            message,
            draft_text(tr, cb, settings, tr._("Which day?")),
            day_keyboard(tr, cb, clock, settings),
        )
    elif cb.step == "day" and cb.day != FLEX:
        day = _draft_day(cb)
        assert day is not None
        await _edit(
            message,
            draft_text(tr, cb, settings, tr._("At what time?")),
            time_keyboard(tr, cb, day, clock, settings),
        )
    else:  # a time, or a flexible date: on to the texts
        await state.set_state(NewStates.description)
        await state.set_data(
            {"kind": cb.kind, "lang": cb.lang, "area": cb.area, "day": cb.day, "minute": cb.minute}
        )
        await _edit(message, draft_text(tr, cb, settings, tr._(DESCRIPTION_PROMPT)))


def _draft_of(data: dict[str, Any]) -> NewCb:
    return NewCb(
        step="draft",
        kind=str(data.get("kind", "")),
        lang=str(data.get("lang", "")),
        area=str(data.get("area", "")),
        day=str(data.get("day", "")),
        minute=int(data.get("minute", -1)),
    )


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


@router.message(
    NewStates.description, F.chat.type == "private", F.text, ~F.text.startswith("/"), flags=ORGANIZER_ONLY
)
async def on_description(message: Message, tr: Translator, state: FSMContext) -> None:
    try:
        description = service.clean_description(message.text or "")
    except service.AssignmentError as error:
        await message.answer(tr._(ASSIGNMENT_ERRORS.get(error.code, ASSIGNMENT_ERRORS["bad_choice"])))
        return
    await state.update_data(desc=description)
    await state.set_state(NewStates.details)
    await message.answer(
        tr._(
            "🔒 Now the exact address and contact, for example the meeting point and a phone number. "
            "<b>Only the helper who takes the assignment will see this.</b>"
        ),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text=tr._("Skip"), callback_data=NewCb(step="skip").pack())],
                _cancel_row(tr),
            ]
        ),
    )


async def _preview(target: Message, tr: Translator, state: FSMContext, settings: Settings) -> None:
    data = await state.get_data()
    await state.set_state(NewStates.confirm)
    draft = _draft_of(data)
    details = data.get("details")
    text = "\n\n".join(
        [
            draft_text(tr, draft, settings, "📝 " + tr.insert(data.get("desc", ""))),
            tr._("🔒 Address and contact: {details}", details=details)
            if details
            else tr._("🔒 No address or contact given."),
            tr._("Send this to the matching helpers?"),
        ]
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=tr._("📣 Send to helpers"), callback_data=NewCb(step="send").pack())],
            _cancel_row(tr),
        ]
    )
    await target.answer(text, reply_markup=markup)


@router.message(
    NewStates.details, F.chat.type == "private", F.text, ~F.text.startswith("/"), flags=ORGANIZER_ONLY
)
async def on_details(message: Message, tr: Translator, state: FSMContext, settings: Settings) -> None:
    try:
        details = service.clean_details(message.text)
    except service.AssignmentError:
        await message.answer(tr._("That is too long. Please keep it short."))
        return
    await state.update_data(details=details)
    await _preview(message, tr, state, settings)


@router.callback_query(NewCb.filter(F.step == "skip"), NewStates.details, flags=ORGANIZER_ONLY)
async def on_skip_details(
    query: CallbackQuery, user: User, tr: Translator, state: FSMContext, settings: Settings
) -> None:
    await query.answer()
    message = private_message(query, user)
    await _edit(message, tr._("🔒 No address or contact given."))
    await state.update_data(details=None)
    if message is not None:
        await _preview(message, tr, state, settings)


@router.callback_query(NewCb.filter(F.step == "abort"), flags=ORGANIZER_ONLY)
async def on_abort(query: CallbackQuery, user: User, tr: Translator, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    await _edit(private_message(query, user), tr._("Cancelled. Nothing was sent."))


@router.callback_query(NewCb.filter(F.step == "send"), NewStates.confirm, flags=ORGANIZER_ONLY)
async def on_send(
    query: CallbackQuery,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    await state.clear()  # before any await on the database: a second press finds nothing to send
    draft = _draft_of(data)
    new = service.NewAssignment(
        kind=draft.kind,
        language=draft.lang,
        area=draft.area,
        day=_draft_day(draft),
        minute=draft.minute if draft.minute >= 0 else None,
        description=str(data.get("desc", "")),
        details=data.get("details"),
    )
    try:
        created = await service.create(session, clock, user, new, areas(settings.areas_file), settings.tz)
    except service.AssignmentError as error:
        await query.answer(
            tr._(ASSIGNMENT_ERRORS.get(error.code, ASSIGNMENT_ERRORS["bad_choice"])), show_alert=True
        )
        return
    await session.commit()
    await query.answer()
    number, count = created.assignment.id, created.alerted
    if count == 0:
        result = tr._(
            "⚠️ Assignment no. {number} is saved, but no helper could be alerted (nobody is registered, or "
            "everyone has paused). Please ask someone directly.",
            number=number,
        )
    elif created.widened:
        result = tr.n_(
            "📣 No helper speaks this language in this area, so assignment no. {number} went to the {n} available helper.",
            "📣 No helper speaks this language in this area, so assignment no. {number} went to all {n} available helpers.",
            count,
            number=number,
        )
    else:
        result = tr.n_(
            "📣 Assignment no. {number} went to {n} matching helper.",
            "📣 Assignment no. {number} went to {n} matching helpers.",
            count,
            number=number,
        )
    message = private_message(query, user)
    await _edit(
        message, result + "\n\n" + tr._("I will tell you when someone takes it. Overview: /assignments")
    )


# --- alerts: take it, not this time ----------------------------------------------------------------------
@router.callback_query(AsgCb.filter(F.action.in_({"take", "pick"})), flags=HELPER_ONLY)
async def on_take(
    query: CallbackQuery,
    callback_data: AsgCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    from_alert = callback_data.action == "take"
    message = private_message(query, user) if from_alert else None
    pressed = (message.chat.id, message.message_id) if message is not None else None
    known = areas(settings.areas_file)
    result = await claiming.claim(session, clock, callback_data.id, user, known, pressed=pressed)
    await session.commit()  # the claim is decided; now tell people
    assignment = result.assignment
    # Only the winner's pressed alert is edited here; every other alert of the assignment is edited
    # through the outbox (claiming.withdraw_alerts), so no message is edited twice.
    if result.outcome in (claiming.WON, claiming.MINE) and assignment is not None:
        await query.answer(tr._("✅ It's yours. Thank you!"))
        details = result.details
        if result.outcome == claiming.WON:
            await _edit(message, closed_alert_text(tr, p.summary(assignment, known), claiming.EDIT_MINE))
        else:
            details = (await service.details_for(session, assignment.id, user))[1]
        # to the helper's own private chat, whatever chat the button was in
        await bot.send_message(
            user.id,
            details_text(tr, assignment, details, known),
            reply_markup=assignee_keyboard(tr, assignment.id),
        )
    elif result.outcome == claiming.TAKEN:
        await query.answer(
            tr._("Sorry, someone else was quicker: this assignment is already taken. Thank you!"),
            show_alert=True,
        )
    elif result.outcome == claiming.CLOSED:
        await query.answer(tr._("This assignment is closed."), show_alert=True)
    else:
        await query.answer(tr._("This assignment no longer exists."), show_alert=True)


@router.callback_query(AsgCb.filter(F.action == "skip"), flags=HELPER_ONLY)
async def on_skip(
    query: CallbackQuery,
    callback_data: AsgCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
) -> None:
    outcome = await claiming.still_open(session, callback_data.id, user)
    assignment = await service.get(session, callback_data.id)
    if assignment is None:
        await query.answer(tr._("This assignment no longer exists."), show_alert=True)
    elif outcome != claiming.OK:  # taken or closed: its alert is being edited through the outbox
        await query.answer(tr._("This assignment is closed."), show_alert=True)
    else:
        await query.answer()
        summary = p.summary(assignment, areas(settings.areas_file))
        await _edit(private_message(query, user), closed_alert_text(tr, summary, "declined"))


# --- the assignee: details, hand back, done ----------------------------------------------------------------
@router.callback_query(AsgCb.filter(F.action == "det"), flags=HELPER_ONLY)
async def on_details_button(
    query: CallbackQuery,
    callback_data: AsgCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    bot: Bot,
) -> None:
    found = await _details_or_refuse(
        query,
        session,
        callback_data.id,
        user,
        tr._("Only the helper who took this assignment can see the address and contact."),
    )
    if found is None:
        return
    assignment, details = found
    markup = assignee_keyboard(tr, assignment.id) if assignment.assignee_id == user.id else None
    await bot.send_message(
        user.id, details_text(tr, assignment, details, areas(settings.areas_file)), reply_markup=markup
    )


@router.callback_query(AsgCb.filter(F.action == "back"), flags=HELPER_ONLY)
async def on_hand_back_ask(query: CallbackQuery, callback_data: AsgCb, user: User, tr: Translator) -> None:
    message = private_message(query, user)
    await query.answer()
    if message is not None:
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(
                reply_markup=InlineKeyboardMarkup(
                    inline_keyboard=[
                        [_button(tr._("↩️ Yes, hand it back"), "backok", callback_data.id)],
                        [_button(tr._("No, I'll do it"), "det", callback_data.id)],
                    ]
                )
            )


@router.callback_query(AsgCb.filter(F.action == "backok"), flags=HELPER_ONLY)
async def on_hand_back(
    query: CallbackQuery,
    callback_data: AsgCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    outcome = await claiming.hand_back(session, clock, callback_data.id, user, areas(settings.areas_file))
    await session.commit()
    if outcome == claiming.OK:
        await query.answer()
        # the message with the address is replaced: the details leave this chat
        await _edit(
            private_message(query, user),
            tr._(
                "↩️ You handed back assignment no. {number}. It is offered to other helpers again. Thank you for "
                "saying so in time!",
                number=callback_data.id,
            ),
        )
    elif outcome == claiming.TOO_LATE:
        await query.answer(
            tr._("The appointment has already begun. Please contact the organizer."), show_alert=True
        )
    else:
        await query.answer(tr._("This is not your assignment (any more)."), show_alert=True)


def _done_text(tr: Translator, number: int) -> str:
    return tr._("🏁 Thank you! Assignment no. {number} is closed.", number=number)


@router.callback_query(AsgCb.filter(F.action == "done"), flags=HELPER_ONLY)
async def on_done(
    query: CallbackQuery,
    callback_data: AsgCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    outcome = await claiming.mark_done(session, clock, callback_data.id, user, areas(settings.areas_file))
    await session.commit()
    if outcome in (claiming.OK, claiming.CLOSED):
        await query.answer()
        await _edit(private_message(query, user), _done_text(tr, callback_data.id))
    else:
        await query.answer(tr._("This is not your assignment (any more)."), show_alert=True)


@router.callback_query(AsgCb.filter(F.action == "note"), flags=HELPER_ONLY)
async def on_note_ask(
    query: CallbackQuery,
    callback_data: AsgCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    assignment = await service.get(session, callback_data.id)
    if assignment is None or assignment.status != "taken" or assignment.assignee_id != user.id:
        await query.answer(tr._("This is not your assignment (any more)."), show_alert=True)
        return
    await query.answer()
    await state.set_state(DoneStates.note)
    await state.set_data({"id": callback_data.id})
    await bot_answer(
        query,
        user,
        tr._("Write a short note for the organizers (at most {limit} characters).", limit=claiming.NOTE_MAX),
    )


async def bot_answer(query: CallbackQuery, user: User, text: str) -> None:
    message = private_message(query, user)
    if message is not None:
        await message.answer(text)
    elif query.bot is not None:
        await query.bot.send_message(user.id, text)


@router.message(DoneStates.note, F.chat.type == "private", F.text, ~F.text.startswith("/"), flags=HELPER_ONLY)
async def on_note(
    message: Message,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    await state.clear()
    number = int(data.get("id", 0))
    outcome = await claiming.mark_done(session, clock, number, user, areas(settings.areas_file), message.text)
    await session.commit()
    if outcome in (claiming.OK, claiming.CLOSED):
        await message.answer(_done_text(tr, number))
    else:
        await message.answer(tr._("This is not your assignment (any more)."))


# --- /assignments ---------------------------------------------------------------------------------------
@router.message(Command("assignments"), F.chat.type == "private", flags=HELPER_ONLY)
@router.callback_query(MenuCb.filter(F.action == "assignments"), flags=HELPER_ONLY)
async def cmd_assignments(
    event: Message | CallbackQuery,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer()
        target = event.message if isinstance(event.message, Message) else None
    else:
        target = event
    if target is None:
        return
    known = areas(settings.areas_file)
    if has_role(user, ORGANIZER):
        text, markup = await _overview(session, clock, user, tr, settings, known)
    else:
        text, markup = await _helper_list(session, user, tr, known)
    await target.answer(text, reply_markup=markup)


async def _helper_list(
    session: AsyncSession, user: User, tr: Translator, known: Areas
) -> tuple[str, InlineKeyboardMarkup | None]:
    view = await service.for_helper(session, user)
    parts = [tr._("<b>Your assignments</b>")]
    parts += [one_line(tr, p.summary(a, known)) for a in view.mine] or [
        tr._("You have not taken any assignment.")
    ]
    parts += ["", tr._("<b>Open assignments</b>")]
    parts += [one_line(tr, p.summary(a, known)) for a in view.open] or [
        tr._("No open assignments at the moment.")
    ]
    buttons = [
        _button(tr._("🔒 No. {number}: address and contact", number=a.id), "det", a.id) for a in view.mine
    ]
    buttons += [_button(tr._("✋ No. {number}: I'll take it", number=a.id), "pick", a.id) for a in view.open]
    if view.questions:
        parts += ["", tr._("<b>Questions waiting for a person</b>")]
        parts += [
            tr._("❓ Question no. {number} · {language}", number=t.id, language=language_label(tr, t.lang))
            for t in view.questions
        ]
        buttons += [
            _button(tr._("✋ Question no. {number}: I'll take it", number=t.id), "tk", t.id)
            for t in view.questions
        ]
    markup = InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons]) if buttons else None
    return "\n".join(parts), markup


async def _overview(
    session: AsyncSession, clock: Clock, user: User, tr: Translator, settings: Settings, known: Areas
) -> tuple[str, InlineKeyboardMarkup | None]:
    view = await service.overview(session, clock, user, settings.tz)
    counts = view.counts
    parts = [
        tr._("<b>Assignments</b>"),
        tr._(
            "Open: {open} · Taken: {taken} · Done: {done} · Cancelled: {cancelled}",
            open=counts.get("open", 0),
            taken=counts.get("taken", 0),
            done=counts.get("done", 0),
            cancelled=counts.get("cancelled", 0),
        ),
    ]
    for title, items in (
        (N_("<b>Open</b>"), view.open),
        (N_("<b>Taken</b>"), view.taken),
        (N_("<b>Recently done</b>"), view.done),
    ):
        if items:
            parts += ["", tr._(title), *(one_line(tr, p.summary(a, known)) for a in items)]
    parts += ["", tr._("<b>Per month</b> (new / done)")]
    for month in view.months:
        label = format_skeleton("yMMMM", date(month.year, month.month, 1), locale=tr.lang)
        parts.append(tr._("{month}: {created} / {done}", month=label, created=month.created, done=month.done))
    buttons = [_button(tr._("🔎 No. {number}", number=a.id), "view", a.id) for a in [*view.open, *view.taken]]
    markup = InlineKeyboardMarkup(inline_keyboard=rows(buttons, 3)) if buttons else None
    return "\n".join(parts), markup


# --- organizers: one assignment, cancelling -----------------------------------------------------------------
def organizer_view(tr: Translator, assignment: Assignment, details: str | None, known: Areas) -> str:
    status = {
        "open": tr._("Status: open"),
        "taken": tr._("Status: taken"),
        "done": tr._("Status: done"),
        "cancelled": tr._("Status: cancelled"),
    }.get(assignment.status, assignment.status)
    parts = [summary_text(tr, p.summary(assignment, known)), status]
    if assignment.status == "open" and assignment.escalated_at is not None:
        parts.append(tr._("The alert has gone to all available helpers."))
    if assignment.assignee_id is not None:
        parts.append(person_link(tr, assignment.assignee_id, tr._("💬 Write to the helper")))
    if assignment.done_note:
        parts.append(tr._("Note from the helper: {note}", note=assignment.done_note))
    parts.append(
        tr._("🔒 Address and contact: {details}", details=details)
        if details
        else tr._("🔒 No address or contact given.")
    )
    return "\n\n".join(parts)


@router.callback_query(AsgCb.filter(F.action.in_({"view", "cancel"})), flags=ORGANIZER_ONLY)
async def on_view(
    query: CallbackQuery,
    callback_data: AsgCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    bot: Bot,
) -> None:
    found = await _details_or_refuse(
        query, session, callback_data.id, user, tr._("This assignment no longer exists.")
    )
    if found is None:
        return
    assignment, details = found
    buttons: list[list[InlineKeyboardButton]] = []
    if assignment.status in ("open", "taken"):
        if callback_data.action == "cancel":
            buttons = [
                [_button(tr._("❌ Yes, cancel it"), "cancelok", assignment.id)],
                [_button(tr._("No, keep the assignment"), "view", assignment.id)],
            ]
        else:
            buttons = [[_button(tr._("❌ Cancel assignment"), "cancel", assignment.id)]]
    markup = InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None
    text = organizer_view(tr, assignment, details, areas(settings.areas_file))
    message = private_message(query, user)
    if callback_data.action == "cancel" and message is not None:
        await _edit(message, text, markup)
    else:
        await bot.send_message(user.id, text, reply_markup=markup)


@router.callback_query(AsgCb.filter(F.action == "cancelok"), flags=ORGANIZER_ONLY)
async def on_cancel(
    query: CallbackQuery,
    callback_data: AsgCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    cancelled = await service.cancel(session, clock, callback_data.id, user, areas(settings.areas_file))
    await session.commit()
    await query.answer()
    text = (
        tr._("❌ Assignment no. {number} is cancelled. The helpers' alerts say so.", number=callback_data.id)
        if cancelled
        else tr._("This assignment is closed.")
    )
    await _edit(private_message(query, user), text)


# --- questions handed over by the FAQ: the same "I'll take it" ------------------------------------------------
@router.callback_query(AsgCb.filter(F.action == "tk"), flags=HELPER_ONLY)
async def on_take_question(
    query: CallbackQuery,
    callback_data: AsgCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    from handlers.faq_tickets import refresh_relay  # the relay in the helpers' chat looks as it does there

    ticket = await tickets.get(session, callback_data.id) if 0 < callback_data.id < 2**63 else None
    if ticket is None or ticket.relay_message_id is None:
        await query.answer(tr._("This question no longer exists."), show_alert=True)
        return
    chat_id, relay = ticket.chat_id, ticket.relay_message_id
    result = await tickets.claim(session, clock, ticket.id, user.id, chat_id=chat_id, message_id=relay)
    await session.commit()
    if result.ticket is None:
        await query.answer(tr._("This question no longer exists."), show_alert=True)
        return
    if result.outcome == tickets.CLAIMED:
        await refresh_relay(bot, settings, chat_id, relay, result.ticket)  # the relay now says "taken"
        await query.answer()
        await bot.send_message(
            user.id,
            tr._(
                "🙋 Question no. {number} is yours. Please answer it in the helpers' group: reply to the question "
                "there. Your name is not shown to the person.",
                number=ticket.id,
            ),
        )
    elif result.outcome == tickets.ALREADY_TAKEN:
        await query.answer(
            tr._("Sorry, someone else was quicker: this question is already taken."), show_alert=True
        )
    else:
        await query.answer(tr._("This question is already closed."), show_alert=True)
