"""Texts and keyboards shared by the flows of this capability: topic labels, the event card, the buttons
under broadcasts and reminders, the messages for refused steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.broadcast import texts as text_tools
from bot.broadcast import topics as topic_service
from bot.broadcast.broadcasts import Problem
from bot.broadcast.events import EventView, is_open, party_choices
from bot.broadcast.topics import Topic
from bot.text import N_, Html, Translator, escape
from bot.translation.service import MachineTranslator
from bot.users import HELPER, ORGANIZER, VISITOR
from handlers.broadcast.callbacks import EvCb, EventAction, EvPeopleCb, PageCb, Screen, SubAction, SubCb
from handlers.kit import alert, button, keyboard, label, page_of, pager_row, show_and_answer

PAGE = 8  # items per page of every list that can grow
ORG = {"role": ORGANIZER}  # the flag of organizers' handlers (checked by the role middleware)
MACHINE_NOTE = N_("🤖 Machine translation. Mistakes are possible.")
ROLE_LABELS = {VISITOR: N_("Visitors"), HELPER: N_("Helpers"), ORGANIZER: N_("Organizers")}


def topic_label(topic: Topic, lang: str) -> str:
    return f"{topic.emoji} {topic_service.topic_name(topic, lang)}".strip()


def machine_note(tr: Translator) -> str:
    return f"<i>{tr._(MACHINE_NOTE)}</i>"


def when_line(tr: Translator, starts: datetime, ends: datetime) -> str:
    if starts.astimezone(tr.tz).date() == ends.astimezone(tr.tz).date():
        return tr._("🗓 {date}, {start}–{end}", date=tr.date(starts), start=tr.time(starts), end=tr.time(ends))
    return tr._("🗓 {start} – {end}", start=Html(tr.datetime(starts)), end=Html(tr.datetime(ends)))


# --- subscriptions --------------------------------------------------------------------------------------------
def topics_keyboard(
    tr: Translator, topics: Sequence[Topic], chosen: set[int], page: int
) -> InlineKeyboardMarkup:
    """The topics to switch on or off, a page at a time, and "Done"."""
    shown, page, pages = page_of(topics, page, PAGE)
    rows = [
        [
            button(
                ("✅ " if t.id in chosen else "⬜ ") + topic_label(t, tr.lang),
                SubCb(action=SubAction.TOGGLE, topic=t.id),
            )
        ]
        for t in shown
    ]
    pager = pager_row(tr, page, pages, lambda p: PageCb(screen=Screen.SUBSCRIBE, page=p))
    done = [button(tr._("Done ✔️"), SubCb(action=SubAction.DONE))]
    markup = keyboard(*rows, pager, done)
    assert markup is not None
    return markup


def page_with(topics: Sequence[Topic], topic_id: int) -> int:
    """The page of a list of topics that shows this one (the first page if it is not there)."""
    ids = [t.id for t in topics]
    return ids.index(topic_id) // PAGE if topic_id in ids else 0


def stop_news_button(
    tr: Translator, topic_id: int, topic_name: str, subscribed: bool
) -> InlineKeyboardButton:
    """The button under a broadcast: stop the topic's news (or get it again)."""
    text = (
        label(tr, N_("🔕 Stop news: {topic}"), topic=topic_name)
        if subscribed
        else label(tr, N_("🔔 Get news again: {topic}"), topic=topic_name)
    )
    return button(text, SubCb(action=SubAction.UNDER_BROADCAST, topic=topic_id))


# --- events ---------------------------------------------------------------------------------------------------
class EventLike(Protocol):
    """What the card shows: a saved event, or the one being created."""

    @property
    def venue(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def capacity(self) -> int | None: ...


def event_head(tr: Translator, event: EventLike, title: str, body: str) -> list[str]:
    """Title, date and place, and the description: how every event starts (card and announcement)."""
    lines = [
        tr._("📅 Event: {title}", title=title),
        when_line(tr, event.starts_at, event.ends_at),
        tr._("📍 {venue}", venue=event.venue),
    ]
    return [*lines, "", escape(body)] if body else lines


def card_text(
    tr: Translator,
    event: EventLike,
    title: str,
    body: str,
    *,
    machine: bool = False,
    taken: int = 0,
    attending: bool = False,
    organizer: bool = False,
    people: int = 1,
) -> str:
    lines = [*event_head(tr, event, title, body), ""]
    if event.capacity is not None:
        free = max(event.capacity - taken, 0)
        lines.append(
            tr._("👥 Places free: {free} of {capacity}", free=free, capacity=event.capacity)
            if free
            else tr._("👥 Fully booked")
        )
    if organizer:
        lines.append(tr._("Registered: {n}", n=taken))
    if attending and people > 1:
        lines.append(
            tr.n_(
                "✅ You are registered: {n} person. We will remind you before it starts.",
                "✅ You are registered: {n} people. We will remind you before it starts.",
                people,
            )
        )
    elif attending:
        lines.append(tr._("✅ You are registered. We will remind you before it starts."))
    if machine:
        lines.append(machine_note(tr))
    return "\n".join(lines).strip()


def card(
    tr: Translator, view: EventView, *, organizer: bool, now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    """An event as one reader sees it, with "I'll come" / "I can't come" (and the organizers' buttons)."""
    text = card_text(
        tr,
        view.event,
        view.title,
        view.body,
        machine=view.machine,
        taken=view.taken,
        attending=view.attending,
        organizer=organizer,
        people=view.people,
    )
    answer = None
    if view.attending:
        answer = [button(tr._("❌ I can't come"), EvCb(action=EventAction.NO, event=view.id))]
    elif is_open(view.event, now) and (view.free is None or view.free > 0):
        answer = [button(tr._("✋ I'll come"), EvCb(action=EventAction.GO, event=view.id))]
    manage = None
    if organizer and view.event.cancelled_at is None:
        manage = [
            button(tr._("📣 Announce"), EvCb(action=EventAction.ANNOUNCE, event=view.id)),
            button(tr._("🗑 Cancel event"), EvCb(action=EventAction.CANCEL, event=view.id)),
        ]
    return text, keyboard(answer, manage)


def party_rows(
    tr: Translator, event_id: int, free: int | None, *, under: bool
) -> list[list[InlineKeyboardButton]]:
    """The question after "I'll come": 1 … 6 people (no more than the places free), and "back"."""
    flag = 1 if under else 0
    numbers = [button(str(n), EvPeopleCb(event=event_id, people=n, under=flag)) for n in party_choices(free)]
    return [
        numbers[:3],
        numbers[3:],
        [button(tr._("⬅️ Back"), EvPeopleCb(event=event_id, people=0, under=flag))],
    ]


def party_question(tr: Translator) -> str:
    return tr._("How many people are coming, you included?")


def attend_button(tr: Translator, event_id: int, attending: bool) -> InlineKeyboardButton:
    """The button under a broadcast or reminder (only the button changes when pressed, not the text)."""
    if attending:
        return button(
            tr._("✅ I'm coming · tap to cancel"), EvCb(action=EventAction.NO_UNDER, event=event_id)
        )
    return button(tr._("✋ I'll come"), EvCb(action=EventAction.GO_UNDER, event=event_id))


# --- refused steps --------------------------------------------------------------------------------------------
def problem_text(tr: Translator, code: Problem) -> str:
    """Why a step of composing a broadcast was refused."""
    if code is Problem.TOO_LONG:
        return tr._(
            "This text is too long. At most {max} characters, please shorten it.", max=text_tools.MAX_TEXT
        )
    if code is Problem.EMPTY:
        return tr._("Please send the text of the broadcast first.")
    if code is Problem.PAST:
        return tr._("This moment has already passed. Please choose a time in the future.")
    if code is Problem.TOPIC:
        return tr._("This topic is not available any more. Please choose another one.")
    if code is Problem.AUDIENCE:
        return tr._("Please switch on at least one language and one role.")
    return tr._("This broadcast cannot be changed any more. Start a new one with /broadcast.")


async def nothing_changed(query: CallbackQuery, tr: Translator) -> None:
    """The "No" of a confirmation (cancel an event, cancel a broadcast): the question says so."""
    await show_and_answer(query, tr._("Nothing was changed."))


async def without_machine(
    query: CallbackQuery, tr: Translator, machine_translator: MachineTranslator
) -> bool:
    """A 🤖 button while no machine translator is set up: refused with an alert (True: stop there)."""
    if machine_translator.enabled:
        return False
    await alert(query, tr._("No machine translation is set up."))
    return True


def topic_gone_text(tr: Translator) -> str:
    return tr._("This topic is not available any more.")
