"""/helpers (organizers): the helpers and organizers, and removing one of them.

A list in pages → one person, "remove?" → removed: a visitor from their next tap on, and what they had
taken goes back to the others at once (bot.services.roles). Nobody removes themself or an organizer set in
ORGANIZER_IDS: the list says so instead of offering a button, and a forged press is refused by the service.
The bot knows no names: each person shows as what they offer, with a link that opens their chat.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from html import escape

from aiogram import Bot, F
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import BotCommandScopeChat, CallbackQuery, InlineKeyboardMarkup, Message
from babel.dates import format_skeleton
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.options import Areas, areas
from bot.clock import Clock
from bot.config import Settings
from bot.languages import name_in
from bot.services import roles
from bot.services.roles import Refusal, StaffMember
from bot.text import N_, Translator
from bot.users import HELPER, ORGANIZER, Person
from handlers.core.callbacks import StaffAction, StaffCb
from handlers.kit import (
    alert,
    back_row,
    button,
    confirm_row,
    grid,
    keyboard,
    page_of,
    pager_row,
    private_flow,
    show,
)

flow = private_flow("core.helpers")
ORGANIZERS_ONLY = {"role": ORGANIZER}
PAGE_SIZE = 8

ROLE_LABELS = {ORGANIZER: N_("🧭 Organizer"), HELPER: N_("🙋 Helper")}
REFUSALS = {
    Refusal.SELF: N_("You cannot remove yourself. Another organizer can do it."),
    Refusal.CONFIGURED: N_(
        "This organizer is set in the bot's settings (ORGANIZER_IDS). To remove them, take them off that "
        "list and restart the bot."
    ),
    Refusal.NOT_STAFF: N_("This person is no longer a helper or organizer."),
}
# Shown in the list instead of a remove button.
MARKS = {Refusal.SELF: N_("that is you"), Refusal.CONFIGURED: N_("set in the settings")}


# --- views ---------------------------------------------------------------------------------------------


def _day(tr: Translator, moment: datetime) -> str:
    return format_skeleton("yMMMd", moment.astimezone(tr.tz), locale=tr.lang)


def _chat_link(tr: Translator, user_id: int) -> str:
    """Opens the person's chat (Telegram shows who it is), without the bot storing or showing a name."""
    label = escape(tr._("💬 Write"))
    return f'<a href="tg://user?id={int(user_id)}">{label}</a>'


def _offers(tr: Translator, member: StaffMember, known: Areas) -> str:
    """What their helper profile says: languages, areas, a pause."""
    parts = []
    if member.languages:
        names = [name_in(code, tr._) for code in member.languages]
        parts.append("🗣 " + tr.comma_list(tr.insert(name) for name in names))
    if member.areas:
        parts.append("📍 " + tr.comma_list(tr.insert(known.name(key) or key) for key in member.areas))
    if member.paused:
        parts.append(tr._("⏸ paused"))
    if not parts and member.role == HELPER:
        parts.append(tr._("No helper profile yet."))
    return " · ".join(parts)


def member_text(tr: Translator, number: int | None, member: StaffMember, known: Areas) -> str:
    role = tr._(ROLE_LABELS.get(member.role, ROLE_LABELS[HELPER]))
    head = tr._("{role}, since {date}", role=role, date=_day(tr, member.since))
    if number is not None:
        head = f"<b>{number}.</b> {head}"
    head += " · " + _chat_link(tr, member.user_id)
    if member.refusal in MARKS:
        head += " · " + tr._(MARKS[member.refusal])
    offers = _offers(tr, member, known)
    return f"{head}\n{offers}" if offers else head


def list_view(
    tr: Translator, members: list[StaffMember], page: int, known: Areas
) -> tuple[str, InlineKeyboardMarkup | None]:
    shown, page, pages = page_of(members, page, PAGE_SIZE)
    if not members:
        return tr._("There are no helpers or organizers yet. /invite makes an invitation link."), None
    first = page * PAGE_SIZE + 1
    lines = [tr._("👥 <b>Helpers and organizers</b>: {count}", count=len(members))]
    lines += [member_text(tr, first + i, m, known) for i, m in enumerate(shown)]
    removable = [(first + i, m) for i, m in enumerate(shown) if m.refusal is None]
    if removable:
        lines.append(tr._("To remove someone, tap their number."))
    buttons = [
        button(f"🗑 {number}", StaffCb(action=StaffAction.PICK, page=page, person=m.user_id))
        for number, m in removable
    ]
    pager = pager_row(tr, page, pages, lambda p: StaffCb(action=StaffAction.LIST, page=p))
    return "\n\n".join(lines), keyboard(*grid(buttons, 4), pager)


def confirm_view(
    tr: Translator, member: StaffMember, page: int, known: Areas
) -> tuple[str, InlineKeyboardMarkup | None]:
    text = "\n\n".join(
        [
            tr._("<b>Remove this person?</b>"),
            member_text(tr, None, member, known),
            tr._(
                "They become a visitor at once. Alerts still on their way to them are withdrawn, assignments "
                "and questions they had taken go back to the other helpers, and their helper profile is "
                "deleted."
            ),
        ]
    )
    yes = StaffCb(action=StaffAction.REMOVE, page=page, person=member.user_id)
    no = StaffCb(action=StaffAction.LIST, page=page)
    return text, keyboard(confirm_row(tr, yes, no, yes_text=tr._("✅ Yes, remove")))


def removed_text(tr: Translator, removal: roles.Removal) -> str:
    lines = [tr._("✅ Removed. They are a visitor now and no longer get alerts or questions.")]
    handover = removal.handover
    if handover.assignments:
        lines.append(
            tr.n_(
                "{n} assignment they had taken is open again and offered to the other helpers.",
                "{n} assignments they had taken are open again and offered to the other helpers.",
                len(handover.assignments),
            )
        )
    if handover.questions:
        lines.append(
            tr.n_(
                "{n} question they had taken is open again in the helpers' group.",
                "{n} questions they had taken are open again in the helpers' group.",
                len(handover.questions),
            )
        )
    return "\n\n".join(lines)


# --- handlers ------------------------------------------------------------------------------------------


@flow.message(Command("helpers"), flags=ORGANIZERS_ONLY)
async def cmd_helpers(
    message: Message, user: Person, tr: Translator, session: AsyncSession, clock: Clock, settings: Settings
) -> None:
    members = await roles.staff(session, clock, user.id, settings.organizer_ids)
    text, markup = list_view(tr, members, 0, areas(settings.areas_file))
    await message.answer(text, reply_markup=markup)


@flow.callback_query(StaffCb.filter(F.action == StaffAction.LIST), flags=ORGANIZERS_ONLY)
async def on_list(
    query: CallbackQuery,
    callback_data: StaffCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    await query.answer()
    members = await roles.staff(session, clock, user.id, settings.organizer_ids)
    await show(query, *list_view(tr, members, callback_data.page, areas(settings.areas_file)))


@flow.callback_query(StaffCb.filter(F.action == StaffAction.PICK), flags=ORGANIZERS_ONLY)
async def on_pick(
    query: CallbackQuery,
    callback_data: StaffCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    member = await roles.member(session, clock, callback_data.person, user.id, settings.organizer_ids)
    if member is None or member.refusal is not None:
        await alert(query, tr._(REFUSALS[member.refusal if member else Refusal.NOT_STAFF]))
        return
    await query.answer()
    await show(query, *confirm_view(tr, member, callback_data.page, areas(settings.areas_file)))


@flow.callback_query(StaffCb.filter(F.action == StaffAction.REMOVE), flags=ORGANIZERS_ONLY)
async def on_remove(
    query: CallbackQuery,
    callback_data: StaffCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    known = areas(settings.areas_file)
    person = callback_data.person
    removal = await roles.remove(session, clock, user.id, person, settings.organizer_ids, known)
    if removal.refusal is not None:
        await alert(query, tr._(REFUSALS[removal.refusal]))
        return
    await query.answer()
    # their command list was a helper's: back to everyone's (a convenience, never a reason to fail)
    with contextlib.suppress(TelegramAPIError):
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=person))
    back = StaffCb(action=StaffAction.LIST, page=callback_data.page)
    await show(query, removed_text(tr, removal), keyboard(back_row(tr, back)))
