"""/profile (helpers): languages, areas, a short availability note, and a pause switch for alerts.

Stateless keyboards (the choice rides in the callback data, checked again by the service); the note is
the only text input (FSM state).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import profiles
from bot.assignments.options import LANGUAGES, Areas, areas
from bot.clock import Clock
from bot.config import Settings
from bot.services.users import HELPER
from bot.text import N_, Translator
from handlers.callbacks import MenuCb
from handlers.menu import command, menu_item
from handlers.ui import edit_message
from storage.models.assignments import HelperProfile
from storage.models.core import User

router = Router(name="profile")
command("profile", N_("Your helper profile: languages, areas, pause"), role=HELPER, order=41)
menu_item("profile", N_("🙋 My helper profile"), role=HELPER, order=41)
HELPER_ONLY = {"role": HELPER}


class ProfileCb(CallbackData, prefix="prf"):
    action: str  # show, langs, lang, areas, area, note, pause, pauseset, resume
    value: str = ""


class ProfileStates(StatesGroup):
    note = State()


def rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def _button(text: str, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ProfileCb(action=action, value=value).pack())


def _back(tr: Translator) -> list[InlineKeyboardButton]:
    return [_button(tr._("⬅️ Back"), "show")]


def profile_text(tr: Translator, profile: HelperProfile, known: Areas, clock: Clock) -> str:
    none = tr._("none chosen yet")
    languages = ", ".join(tr._(LANGUAGES[c]) for c in profile.languages or [] if c in LANGUAGES) or none
    places = ", ".join(known.name(k) or k for k in profile.areas or []) or none
    lines = [
        tr._("<b>Your helper profile</b>"),
        tr._("🗣 Languages: {languages}", languages=languages),
        tr._("📍 Areas: {areas}", areas=places),
        tr._("📝 Note: {note}", note=profile.note or tr._("none")),
    ]
    if profiles.is_paused(profile, clock.now()):
        assert profile.paused_until is not None
        lines.append(tr._("⏸ No alerts until {date}", date=tr.date(profile.paused_until)))
    else:
        lines.append(tr._("🔔 Alerts are on"))
    lines += [
        "",
        tr._(
            "You get an alert when an assignment needs one of your languages in one of your areas. "
            "If nobody takes it in time, all helpers get it."
        ),
    ]
    return "\n".join(lines)


def profile_keyboard(tr: Translator, profile: HelperProfile, clock: Clock) -> InlineKeyboardMarkup:
    pause = (
        _button(tr._("▶️ Alerts on again"), "resume")
        if profiles.is_paused(profile, clock.now())
        else _button(tr._("⏸ Pause alerts"), "pause")
    )
    buttons = [
        _button(tr._("🗣 Languages"), "langs"),
        _button(tr._("📍 Areas"), "areas"),
        _button(tr._("📝 Note"), "note"),
        pause,
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows(buttons, 2))


def languages_keyboard(tr: Translator, profile: HelperProfile) -> InlineKeyboardMarkup:
    chosen = set(profile.languages or [])
    buttons = [
        _button(("✅ " if code in chosen else "") + tr._(label), "lang", code)
        for code, label in LANGUAGES.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows(buttons, 2), _back(tr)])


def areas_keyboard(tr: Translator, profile: HelperProfile, known: Areas) -> InlineKeyboardMarkup:
    chosen = set(profile.areas or [])
    buttons = [
        _button(("✅ " if key in chosen else "") + name, "area", key) for key, name in known.names.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows(buttons, 2), _back(tr)])


def pause_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    labels = {
        7: tr._("1 week"),
        14: tr._("2 weeks"),
        28: tr._("4 weeks"),
        90: tr._("3 months"),
    }
    buttons = [_button(labels[days], "pauseset", str(days)) for days in profiles.PAUSE_DAYS]
    return InlineKeyboardMarkup(inline_keyboard=[*rows(buttons, 2), _back(tr)])


async def _show(
    target: Message, tr: Translator, profile: HelperProfile, settings: Settings, clock: Clock, *, edit: bool
) -> None:
    text = profile_text(tr, profile, areas(settings.areas_file), clock)
    markup = profile_keyboard(tr, profile, clock)
    if edit:
        await edit_message(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


@router.message(Command("profile"), F.chat.type == "private", flags=HELPER_ONLY)
async def cmd_profile(
    message: Message,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    await state.clear()
    profile = await profiles.get_or_create(session, clock, user)
    await _show(message, tr, profile, settings, clock, edit=False)


@router.callback_query(MenuCb.filter(F.action == "profile"), flags=HELPER_ONLY)
async def menu_profile(
    query: CallbackQuery,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    await query.answer()
    await state.clear()
    if isinstance(query.message, Message):
        profile = await profiles.get_or_create(session, clock, user)
        await _show(query.message, tr, profile, settings, clock, edit=False)


@router.callback_query(ProfileCb.filter(), flags=HELPER_ONLY)
async def on_profile(
    query: CallbackQuery,
    callback_data: ProfileCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    message = query.message
    if not isinstance(message, Message) or message.chat.id != user.id:
        await query.answer()
        return
    action, value = callback_data.action, callback_data.value
    known = areas(settings.areas_file)
    try:
        if action == "lang":
            profile = await profiles.toggle_language(session, clock, user, value)
        elif action == "area":
            profile = await profiles.toggle_area(session, clock, user, value, known)
        elif action == "pauseset":
            profile = await profiles.pause(session, clock, user, int(value) if value.isdigit() else 0)
        elif action == "resume":
            profile = await profiles.resume(session, clock, user)
        else:
            profile = await profiles.get_or_create(session, clock, user)
    except profiles.ProfileError:
        await query.answer(
            tr._("This button is no longer valid. Please open the menu again: /menu"), show_alert=True
        )
        return
    await query.answer()
    if action in ("langs", "lang"):
        await edit_message(
            message,
            tr._("Which languages do you speak well enough to help? Tap to choose or remove."),
            languages_keyboard(tr, profile),
        )
    elif action in ("areas", "area"):
        await edit_message(
            message,
            tr._("In which areas can you help? Tap to choose or remove."),
            areas_keyboard(tr, profile, known),
        )
    elif action == "pause":
        await edit_message(
            message,
            tr._("No alerts for how long? You can switch them on again at any time."),
            pause_keyboard(tr),
        )
    elif action == "note":
        await state.set_state(ProfileStates.note)
        await message.answer(
            tr._(
                "Write a short note about when you can help, for example “weekday mornings, I have a car” "
                "(at most {limit} characters). Send “-” to delete the note, /cancel to keep it.",
                limit=profiles.NOTE_MAX,
            )
        )
    else:  # show, pauseset, resume
        await _show(message, tr, profile, settings, clock, edit=True)


@router.message(
    ProfileStates.note, F.chat.type == "private", F.text, ~F.text.startswith("/"), flags=HELPER_ONLY
)
async def on_note(
    message: Message,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    text = message.text or ""
    try:
        profile = await profiles.set_note(session, clock, user, "" if text.strip() == "-" else text)
    except profiles.ProfileError:
        await message.answer(
            tr._("That is too long. Please keep it under {limit} characters.", limit=profiles.NOTE_MAX)
        )
        return
    await state.clear()
    await _show(message, tr, profile, settings, clock, edit=False)
