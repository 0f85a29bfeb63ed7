"""/profile (helpers): languages, areas, a short availability note, and a pause switch for alerts.

Stateless keyboards (the choice rides in the callback data, checked again by the service); the note is
the only text input (an FSM state).
"""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import profiles
from bot.assignments.options import Areas, areas
from bot.assignments.profiles import HelperProfile
from bot.clock import Clock
from bot.config import Settings
from bot.languages import HELPER_LANGUAGES, is_known, name_in
from bot.text import N_, Translator
from bot.users import HELPER, Person
from handlers.assignments.callbacks import ProfileAction, ProfileCb
from handlers.assignments.views import STALE
from handlers.callbacks import MenuCb
from handlers.kit import Dialog, alert, back_row, button, grid, keyboard, private_flow, reply, show_and_answer

flow = private_flow("assignments.profile")
HELPER_ONLY = {"role": HELPER}
PAUSE_LABELS = {7: N_("1 week"), 14: N_("2 weeks"), 28: N_("4 weeks"), 90: N_("3 months")}


class ProfileStates(StatesGroup):
    note = State()


PROFILE_NOTE = Dialog.of(ProfileStates, N_("OK, your note stays as it was."))


def profile_text(tr: Translator, profile: HelperProfile, known: Areas, clock: Clock) -> str:
    none = tr._("none chosen yet")
    languages = tr.comma_list(name_in(c, tr._) for c in profile.languages or [] if is_known(c)) or none
    places = tr.comma_list(known.name(k) or k for k in profile.areas or []) or none
    lines = [
        tr._("<b>Your helper profile</b>"),
        tr._("🗣 Languages: {languages}", languages=languages),
        tr._("📍 Areas: {areas}", areas=places),
        tr._("📝 Note: {note}", note=profile.note or tr._("none")),
    ]
    if profiles.is_paused(profile, clock.now()) and profile.paused_until is not None:
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


def profile_keyboard(tr: Translator, profile: HelperProfile, clock: Clock) -> InlineKeyboardMarkup | None:
    paused = profiles.is_paused(profile, clock.now())
    buttons = [
        button(tr._("🗣 Languages"), ProfileCb(action=ProfileAction.LANGUAGES)),
        button(tr._("📍 Areas"), ProfileCb(action=ProfileAction.AREAS)),
        button(tr._("📝 Note"), ProfileCb(action=ProfileAction.NOTE)),
        button(tr._("▶️ Alerts on again"), ProfileCb(action=ProfileAction.RESUME))
        if paused
        else button(tr._("⏸ Pause alerts"), ProfileCb(action=ProfileAction.PAUSE)),
    ]
    return keyboard(*grid(buttons, 2))


def screen(
    tr: Translator, action: ProfileAction, profile: HelperProfile, known: Areas, clock: Clock
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the profile shows after `action`: a list to choose from, or the profile itself."""
    back = back_row(tr, ProfileCb(action=ProfileAction.SHOW))
    if action in (ProfileAction.LANGUAGES, ProfileAction.LANGUAGE):
        chosen = set(profile.languages or [])
        buttons = [
            button(
                ("✅ " if code in chosen else "") + name_in(code, tr._),
                ProfileCb(action=ProfileAction.LANGUAGE, key=code),
            )
            for code in HELPER_LANGUAGES
        ]
        text = tr._("Which languages do you speak well enough to help? Tap to choose or remove.")
        return text, keyboard(*grid(buttons, 2), back)
    if action in (ProfileAction.AREAS, ProfileAction.AREA):
        chosen = set(profile.areas or [])
        buttons = [
            button(("✅ " if key in chosen else "") + name, ProfileCb(action=ProfileAction.AREA, key=key))
            for key, name in known.names.items()
        ]
        text = tr._("In which areas can you help? Tap to choose or remove.")
        return text, keyboard(*grid(buttons, 2), back)
    if action == ProfileAction.PAUSE:
        buttons = [
            button(tr._(PAUSE_LABELS[days]), ProfileCb(action=ProfileAction.PAUSE_FOR, days=days))
            for days in profiles.PAUSE_DAYS
        ]
        text = tr._("No alerts for how long? You can switch them on again at any time.")
        return text, keyboard(*grid(buttons, 2), back)
    return profile_text(tr, profile, known, clock), profile_keyboard(tr, profile, clock)


@flow.message(Command("profile"), flags=HELPER_ONLY)
@flow.callback_query(MenuCb.filter(F.action == "profile"), flags=HELPER_ONLY)
async def cmd_profile(
    event: Message | CallbackQuery,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    await state.clear()
    profile = await profiles.get_or_create(session, clock, user)
    await reply(event, *screen(tr, ProfileAction.SHOW, profile, areas(settings.areas_file), clock))


@flow.callback_query(ProfileCb.filter(F.action != ProfileAction.NOTE), flags=HELPER_ONLY)
async def on_profile(
    query: CallbackQuery,
    callback_data: ProfileCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    action, known = callback_data.action, areas(settings.areas_file)
    try:
        if action == ProfileAction.LANGUAGE:
            profile = await profiles.toggle_language(session, clock, user, callback_data.key)
        elif action == ProfileAction.AREA:
            profile = await profiles.toggle_area(session, clock, user, callback_data.key, known)
        elif action == ProfileAction.PAUSE_FOR:
            profile = await profiles.pause(session, clock, user, callback_data.days)
        elif action == ProfileAction.RESUME:
            profile = await profiles.resume(session, clock, user)
        else:
            profile = await profiles.get_or_create(session, clock, user)
    except profiles.ProfileError:
        await alert(query, tr._(STALE))
        return
    await show_and_answer(query, *screen(tr, action, profile, known, clock))


@flow.callback_query(ProfileCb.filter(F.action == ProfileAction.NOTE), flags=HELPER_ONLY)
async def on_note_ask(
    query: CallbackQuery, user: Person, tr: Translator, state: FSMContext, bot: Bot
) -> None:
    await query.answer()
    await state.set_state(ProfileStates.note)
    prompt = tr._(
        "Write a short note about when you can help, for example “weekday mornings, I have a car” "
        "(at most {limit} characters). Send “-” to delete the note, /cancel to keep it.",
        limit=profiles.NOTE_MAX,
    )
    await bot.send_message(user.id, prompt)


@flow.message(ProfileStates.note, F.text, ~F.text.startswith("/"), flags=HELPER_ONLY)
async def on_note(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    try:
        profile = await profiles.set_note(session, clock, user, message.text or "")
    except profiles.ProfileError:
        limit = profiles.NOTE_MAX
        await message.answer(tr._("That is too long. Please keep it under {limit} characters.", limit=limit))
        return
    await state.clear()
    text, markup = screen(tr, ProfileAction.SHOW, profile, areas(settings.areas_file), clock)
    await message.answer(text, reply_markup=markup)
