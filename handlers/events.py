"""/events for everybody (in the reader's language, dates in their locale, "I'll come" within capacity);
/newevent for organizers (title, text, start, end, venue, topic, capacity); reminders and cancellation
notices are rendered here when the outbox sends them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import dates
from bot.broadcast import events as service
from bot.broadcast import topics as topic_service
from bot.broadcast.texts import escape
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery.render import Rendered, renderer
from bot.i18n import LANGUAGE_NAMES
from bot.services.users import ORGANIZER, has_role
from bot.text import N_, Html, Translator
from handlers.callbacks import MenuCb
from handlers.menu import command, menu_item
from handlers.subscriptions import edit_markup, message_of, swap_button, topic_label
from handlers.ui import edit_message
from storage.models import Event, User

router = Router(name="events")
command("events", N_("Upcoming events"), order=21)
command("newevent", N_("Create an event"), role=ORGANIZER, order=62)
menu_item("events", N_("📅 Events"), order=21)

ORG = {"role": ORGANIZER}
MACHINE_NOTE = N_("🤖 Machine translation. Mistakes are possible.")


class EvCb(CallbackData, prefix="ev"):
    # go/no: attend or not from an event card; bgo/bno: the same under a broadcast or reminder;
    # ann: announce; del/delok/keep: cancel the event; new, ntopic, ncap, nlang, nlangset, nsave, ndrop:
    # creating an event.
    a: str
    e: int = 0
    v: str = ""


class NewEvent(StatesGroup):
    title = State()
    body = State()
    start = State()
    end = State()
    venue = State()
    topic = State()
    capacity = State()
    confirm = State()


def _btn(text: str, a: str, e: int = 0, v: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=EvCb(a=a, e=e, v=v).pack())


def machine_note(tr: Translator) -> str:
    return f"<i>{tr._(MACHINE_NOTE)}</i>"


def when_line(tr: Translator, starts: datetime, ends: datetime) -> str:
    if starts.astimezone(tr.tz).date() == ends.astimezone(tr.tz).date():
        return tr._("🗓 {date}, {start}–{end}", date=tr.date(starts), start=tr.time(starts), end=tr.time(ends))
    return tr._("🗓 {start} – {end}", start=Html(tr.datetime(starts)), end=Html(tr.datetime(ends)))


def card_text(
    tr: Translator,
    event: Event,
    title: str,
    body: str,
    *,
    machine: bool = False,
    taken: int = 0,
    attending: bool = False,
    organizer: bool = False,
) -> str:
    lines = [
        tr._("📅 Event: {title}", title=title),
        when_line(tr, event.starts_at, event.ends_at),
        tr._("📍 {venue}", venue=event.venue),
    ]
    if body:
        lines += ["", escape(body)]
    lines.append("")
    if event.capacity is not None:
        free = max(event.capacity - taken, 0)
        lines.append(
            tr._("👥 Places free: {free} of {capacity}", free=free, capacity=event.capacity)
            if free
            else tr._("👥 Fully booked")
        )
    if organizer:
        lines.append(tr._("Registered: {n}", n=taken))
    if attending:
        lines.append(tr._("✅ You are registered. We will remind you before it starts."))
    if machine:
        lines.append(machine_note(tr))
    return "\n".join(lines).strip()


def card_markup(
    tr: Translator, view: service.EventView, *, organizer: bool, now: datetime
) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    open_ = service.is_open(view.event, now)
    if view.attending:
        rows.append([_btn(tr._("❌ I can't come"), "no", view.id)])
    elif open_ and (view.free is None or view.free > 0):
        rows.append([_btn(tr._("✋ I'll come"), "go", view.id)])
    if organizer and view.event.cancelled_at is None:
        rows.append([_btn(tr._("📣 Announce"), "ann", view.id), _btn(tr._("🗑 Cancel event"), "del", view.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def render_card(
    tr: Translator, view: service.EventView, *, organizer: bool, now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    text = card_text(
        tr,
        view.event,
        view.title,
        view.body,
        machine=view.machine,
        taken=view.taken,
        attending=view.attending,
        organizer=organizer,
    )
    return text, card_markup(tr, view, organizer=organizer, now=now)


def attend_button(tr: Translator, event_id: int, attending: bool) -> InlineKeyboardButton:
    """The button under a broadcast or reminder (b-actions: only the button changes, not the text)."""
    if attending:
        return _btn(tr._("✅ I'm coming · tap to cancel"), "bno", event_id)
    return _btn(tr._("✋ I'll come"), "bgo", event_id)


# --- outbox renderers --------------------------------------------------------------------------------------
@renderer("event_reminder")
def render_reminder(data: dict[str, Any], tr: Translator) -> Rendered:
    starts = datetime.fromisoformat(data["starts"])
    ends = datetime.fromisoformat(data["ends"])
    lines = [
        tr._("⏰ Reminder: {title}", title=data.get("title", "")),
        when_line(tr, starts, ends),
        tr._("📍 {venue}", venue=data.get("venue", "")),
    ]
    if data.get("machine"):
        lines.append(machine_note(tr))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[_btn(tr._("❌ I can't come"), "bno", int(data["event"]))]]
    )
    return Rendered(
        "sendMessage",
        {
            "text": "\n".join(lines),
            "parse_mode": "HTML",
            "reply_markup": markup.model_dump(exclude_none=True),
        },
    )


@renderer("event_cancelled")
def render_cancelled(data: dict[str, Any], tr: Translator) -> Rendered:
    starts = datetime.fromisoformat(data["starts"])
    text = tr._(
        "❌ Cancelled: {title} on {date}. We are sorry!",
        title=data.get("title", ""),
        date=Html(tr.datetime(starts)),
    )
    return Rendered("sendMessage", {"text": text, "parse_mode": "HTML"})


# --- everybody: the list and "I'll come" ------------------------------------------------------------------
@router.message(Command("events"), F.chat.type == "private")
@router.callback_query(MenuCb.filter(F.action == "events"))
async def cmd_events(
    event: Message | CallbackQuery, user: User, tr: Translator, session: AsyncSession, clock: Clock
) -> None:
    message = await message_of(event)
    if message is None:
        return
    organizer = has_role(user, ORGANIZER)
    views, total = await service.upcoming(session, clock, tr.lang, user.id)
    if not views:
        await message.answer(
            tr._(
                "There are no upcoming events right now. With /subscribe you get news when there are new ones."
            ),
            reply_markup=_new_event_markup(tr) if organizer else None,
        )
        return
    await message.answer(tr._("📅 Upcoming events:"))
    now = clock.now()
    for view in views:
        text, markup = render_card(tr, view, organizer=organizer, now=now)
        await message.answer(text, reply_markup=markup)
    if total > len(views):
        await message.answer(tr._("More events follow later: {n}", n=total - len(views)))
    if organizer:
        await message.answer(tr._("Organizers:"), reply_markup=_new_event_markup(tr))


def _new_event_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_btn(tr._("➕ New event"), "new")]])


async def _refresh_card(
    query: CallbackQuery, session: AsyncSession, clock: Clock, user: User, tr: Translator, event_id: int
) -> None:
    event = await service.get_event(session, event_id)
    if event is None or not isinstance(query.message, Message):
        return
    view = await service.view(session, event, tr.lang, user.id)
    text, markup = render_card(tr, view, organizer=has_role(user, ORGANIZER), now=clock.now())
    await edit_message(query.message, text, reply_markup=markup)


@router.callback_query(EvCb.filter(F.a.in_({"go", "bgo"})))
async def on_attend(
    query: CallbackQuery,
    callback_data: EvCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if user is None:
        await query.answer()
        return
    result, _event = await service.attend(session, clock, settings, callback_data.e, user)
    if result is service.Attend.FULL:
        await query.answer(tr._("Sorry, this event is fully booked."), show_alert=True)
        return
    if result is service.Attend.CLOSED:
        await query.answer(tr._("This event is not open for registration any more."), show_alert=True)
        return
    await query.answer(
        tr._("You are already registered.")
        if result is service.Attend.ALREADY
        else tr._("See you there! We will remind you before it starts.")
    )
    await session.commit()
    if callback_data.a == "go":
        await _refresh_card(query, session, clock, user, tr, callback_data.e)
    else:
        await swap_button(query, attend_button(tr, callback_data.e, True))


@router.callback_query(EvCb.filter(F.a.in_({"no", "bno"})))
async def on_unattend(
    query: CallbackQuery,
    callback_data: EvCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    if user is None:
        await query.answer()
        return
    removed = await service.unattend(session, callback_data.e, user)
    await query.answer(
        tr._("Okay, your place is free again. Thank you for telling us.")
        if removed
        else tr._("You were not registered.")
    )
    await session.commit()
    if callback_data.a == "no":
        await _refresh_card(query, session, clock, user, tr, callback_data.e)
    else:
        event = await service.get_event(session, callback_data.e)
        if event is not None and service.is_open(event, clock.now()):
            await swap_button(query, attend_button(tr, callback_data.e, False))


# --- organizers: cancel an event ----------------------------------------------------------------------------
@router.callback_query(EvCb.filter(F.a == "del"), flags=ORG)
async def on_cancel_ask(
    query: CallbackQuery, callback_data: EvCb, tr: Translator, session: AsyncSession
) -> None:
    event = await service.get_event(session, callback_data.e)
    await query.answer()
    if event is None or event.cancelled_at is not None or not isinstance(query.message, Message):
        return
    view = await service.view(session, event, tr.lang, None)
    await query.message.answer(
        tr._("Cancel this event? Everybody who registered ({n}) will be told.", n=view.taken),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [_btn(tr._("Yes, cancel the event"), "delok", event.id), _btn(tr._("No"), "keep", event.id)]
            ]
        ),
    )


@router.callback_query(EvCb.filter(F.a == "keep"), flags=ORG)
async def on_cancel_keep(query: CallbackQuery, tr: Translator) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await edit_message(query.message, tr._("Nothing was changed."))


@router.callback_query(EvCb.filter(F.a == "delok"), flags=ORG)
async def on_cancel_event(
    query: CallbackQuery,
    callback_data: EvCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    told = await service.cancel_event(session, clock, settings, callback_data.e)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if told is None:
        await edit_message(
            query.message, tr._("This event cannot be cancelled (it is over or cancelled already).")
        )
        return
    await edit_message(query.message, tr._("The event is cancelled. People told: {n}", n=told))


# --- organizers: a new event ----------------------------------------------------------------------------------
@router.message(Command("newevent"), F.chat.type == "private", flags=ORG)
@router.callback_query(EvCb.filter(F.a == "new"), flags=ORG)
async def cmd_newevent(
    event: Message | CallbackQuery, user: User, tr: Translator, state: FSMContext, settings: Settings
) -> None:
    message = await message_of(event)
    if message is None:
        return
    await state.set_state(NewEvent.title)
    await state.set_data({"lang": user.language or settings.default_language})
    await message.answer(tr._("New event. What is the title? Write it in any language. /cancel stops."))


def unreadable_date_text(tr: Translator, example: str) -> str:
    return tr._("I could not read this date. Please write it like this: {example}", example=example)


def past_date_text(tr: Translator, example: str) -> str:
    return tr._(
        "This moment has already passed. Please write a date and time in the future, like {example}.",
        example=example,
    )


def _typed(message: Message) -> str | None:
    text = message.text
    if text is None or text.startswith("/"):
        return None
    return " ".join(text.split()) if "\n" not in text else text.strip()


TEXT_INPUT = F.chat.type == "private"


@router.message(NewEvent.title, TEXT_INPUT, flags=ORG)
async def new_title(message: Message, tr: Translator, state: FSMContext) -> None:
    title = _typed(message)
    if not title or "\n" in title or len(title) > service.MAX_TITLE:
        await message.answer(
            tr._("Please write a title in one line, at most {max} characters.", max=service.MAX_TITLE)
        )
        return
    await state.update_data(title=title)
    await state.set_state(NewEvent.body)
    await message.answer(
        tr._("A short description: what happens, for whom, what to bring. Or write - for none.")
    )


@router.message(NewEvent.body, TEXT_INPUT, flags=ORG)
async def new_body(
    message: Message, tr: Translator, state: FSMContext, settings: Settings, clock: Clock
) -> None:
    body = _typed(message)
    if body is None or len(body) > service.MAX_BODY:
        await message.answer(
            tr._("Please write the description as text, at most {max} characters.", max=service.MAX_BODY)
        )
        return
    await state.update_data(body="" if body.strip() in ("-", "–") else body)
    await state.set_state(NewEvent.start)
    await message.answer(
        tr._(
            "When does it start? Write date and time like this: {example}",
            example=dates.example(clock.now(), settings.tz),
        )
    )


@router.message(NewEvent.start, TEXT_INPUT, flags=ORG)
async def new_start(
    message: Message, tr: Translator, state: FSMContext, settings: Settings, clock: Clock
) -> None:
    example = dates.example(clock.now(), settings.tz)
    start = dates.parse_datetime(message.text or "", settings.tz)
    if start is None:
        await message.answer(unreadable_date_text(tr, example))
        return
    if start <= clock.now():
        await message.answer(past_date_text(tr, example))
        return
    await state.update_data(start=start.isoformat())
    await state.set_state(NewEvent.end)
    await message.answer(tr._("When does it end? Write the time like 20:00, or date and time."))


@router.message(NewEvent.end, TEXT_INPUT, flags=ORG)
async def new_end(message: Message, tr: Translator, state: FSMContext, settings: Settings) -> None:
    data = await state.get_data()
    start = datetime.fromisoformat(data["start"])
    end = dates.parse_end(message.text or "", start, settings.tz)
    if end is None or end <= start:
        await message.answer(
            tr._("The end must be a time after the start, like 20:00. Please write it again.")
        )
        return
    await state.update_data(end=end.isoformat())
    await state.set_state(NewEvent.venue)
    await message.answer(tr._("Where? Write the place or the address."))


@router.message(NewEvent.venue, TEXT_INPUT, flags=ORG)
async def new_venue(
    message: Message, user: User, tr: Translator, state: FSMContext, session: AsyncSession
) -> None:
    venue = _typed(message)
    if not venue or len(venue) > service.MAX_VENUE:
        await message.answer(
            tr._("Please write the place as text, at most {max} characters.", max=service.MAX_VENUE)
        )
        return
    await state.update_data(venue=venue)
    await state.set_state(NewEvent.topic)
    topics = await topic_service.topics_for(session, user.role)
    rows = [[_btn(topic_label(t, tr.lang), "ntopic", v=str(t.id))] for t in topics]
    await message.answer(
        tr._("Which topic does it belong to? Its subscribers get the announcement."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


@router.callback_query(EvCb.filter(F.a == "ntopic"), NewEvent.topic, flags=ORG)
async def new_topic(
    query: CallbackQuery, callback_data: EvCb, tr: Translator, state: FSMContext, session: AsyncSession
) -> None:
    topic = (
        await topic_service.get_topic(session, int(callback_data.v or 0))
        if callback_data.v.isdigit()
        else None
    )
    if topic is None or not topic.active:
        await query.answer(tr._("This topic is not available any more."), show_alert=True)
        return
    await query.answer()
    await state.update_data(topic=topic.id)
    await state.set_state(NewEvent.capacity)
    if isinstance(query.message, Message):
        await edit_message(query.message, tr._("Topic: {topic}", topic=topic_label(topic, tr.lang)))
        await query.message.answer(
            tr._("How many places are there? Write a number, or tap the button."),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[_btn(tr._("No limit"), "ncap")]]),
        )


@router.message(NewEvent.capacity, TEXT_INPUT, flags=ORG)
async def new_capacity(
    message: Message, tr: Translator, state: FSMContext, session: AsyncSession, settings: Settings
) -> None:
    text = dates.ascii_digits(message.text or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= service.MAX_CAPACITY:
        await message.answer(
            tr._("Please write a number of places (1 to {max}), or tap 'No limit'.", max=service.MAX_CAPACITY)
        )
        return
    await state.update_data(capacity=int(text))
    await _summary(message, tr, state, session, settings)


@router.callback_query(EvCb.filter(F.a == "ncap"), NewEvent.capacity, flags=ORG)
async def new_no_limit(
    query: CallbackQuery, tr: Translator, state: FSMContext, session: AsyncSession, settings: Settings
) -> None:
    await query.answer()
    await state.update_data(capacity=None)
    if isinstance(query.message, Message):
        await _summary(query.message, tr, state, session, settings)


def _event_fields(form: dict[str, Any]) -> dict[str, Any]:
    """The event as the form collected it (FSM data is JSON: dates are ISO strings)."""
    return {
        "lang": form["lang"],
        "title": form["title"],
        "body": form.get("body", ""),
        "venue": form["venue"],
        "starts_at": datetime.fromisoformat(form["start"]),
        "ends_at": datetime.fromisoformat(form["end"]),
        "capacity": form.get("capacity"),
        "topic_id": form.get("topic"),
    }


def _draft_event(data: dict[str, Any]) -> Event:
    """An unsaved event, only to render the summary card."""
    return Event(id=0, **_event_fields(data))


async def _summary(
    message: Message, tr: Translator, state: FSMContext, session: AsyncSession, settings: Settings
) -> None:
    await state.set_state(NewEvent.confirm)
    data = await state.get_data()
    event = _draft_event(data)
    text = "\n\n".join(
        [
            tr._("Please check the event:"),
            card_text(tr, event, event.title, event.body),
            tr._("Language of title and text: {language}", language=LANGUAGE_NAMES[event.lang]),
        ]
    )
    await message.answer(
        text,
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [_btn(tr._("✅ Save"), "nsave")],
                [_btn(tr._("🗣 Change the language"), "nlang")],
                [_btn(tr._("✖️ Discard"), "ndrop")],
            ]
        ),
    )


@router.callback_query(EvCb.filter(F.a == "nlang"), NewEvent.confirm, flags=ORG)
async def new_language(query: CallbackQuery, tr: Translator) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        buttons = [_btn(LANGUAGE_NAMES[code], "nlangset", v=code) for code in SUPPORTED_LANGUAGES]
        await edit_markup(
            query.message, InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + 3] for i in range(0, 6, 3)])
        )


@router.callback_query(EvCb.filter(F.a == "nlangset"), NewEvent.confirm, flags=ORG)
async def new_language_set(
    query: CallbackQuery,
    callback_data: EvCb,
    tr: Translator,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
) -> None:
    await query.answer()
    if callback_data.v in SUPPORTED_LANGUAGES:
        await state.update_data(lang=callback_data.v)
    if isinstance(query.message, Message):
        await edit_markup(query.message, None)
        await _summary(query.message, tr, state, session, settings)


@router.callback_query(EvCb.filter(F.a == "ndrop"), flags=ORG)
async def new_drop(query: CallbackQuery, tr: Translator, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    if isinstance(query.message, Message):
        await edit_message(query.message, tr._("The event was discarded."))


@router.callback_query(EvCb.filter(F.a == "nsave"), NewEvent.confirm, flags=ORG)
async def new_save(
    query: CallbackQuery,
    user: User,
    tr: Translator,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    **data: Any,
) -> None:
    from handlers.broadcast import machine_translator  # the translator lives with the broadcast tools

    form = await state.get_data()
    message = query.message if isinstance(query.message, Message) else None
    try:
        event = await service.create_event(session, clock, user, **_event_fields(form))
    except service.EventError as error:
        await query.answer(
            tr._("This moment has already passed. Please start again with /newevent.")
            if error.code == "past"
            else tr._("Something in the event is not right. Please start again with /newevent."),
            show_alert=True,
        )
        await state.clear()
        return
    await state.clear()
    await query.answer()
    await session.commit()  # the translator's cache needs the database while we wait
    if message is None:
        return
    await edit_markup(message, None)
    translator = machine_translator(data["app"])
    if translator.enabled:
        await message.answer(tr._("⏳ Translating into the other languages…"))
        missing = await service.translate_event(data["app"].sessionmaker, translator, event.id)
        if missing:
            await message.answer(
                tr._(
                    "Machine translation did not work for: {languages}. Readers of these languages see the "
                    "event as you wrote it.",
                    languages=", ".join(LANGUAGE_NAMES[lang] for lang in missing),
                )
            )
    else:
        await message.answer(
            tr._(
                "No machine translation is set up: readers of other languages see the event as you wrote it."
            )
        )
    view = await service.view(session, event, tr.lang, user.id)
    text, markup = render_card(tr, view, organizer=True, now=clock.now())
    await message.answer(tr._("✅ The event is saved. Announce it to the subscribers of its topic with 📣."))
    await message.answer(text, reply_markup=markup)
