"""/assignments: for helpers their assignments, the open ones and the questions waiting for a person; for
organizers the overview (counts, open, taken, recently done, per month). Lists come in pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from babel.dates import format_skeleton
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import service
from bot.assignments.options import Areas, areas
from bot.assignments.payloads import Summary
from bot.claims import Handed
from bot.clock import Clock
from bot.config import Settings
from bot.text import N_, Translator
from bot.users import HELPER, ORGANIZER, Person, has_role
from handlers.assignments.callbacks import AssignmentAction, BoardCb
from handlers.assignments.views import act, language_label, one_line
from handlers.callbacks import MenuCb, TakeCb, Via
from handlers.kit import (
    button,
    grid,
    keyboard,
    page_of,
    pager_row,
    private_flow,
    reply,
    show_and_answer,
)

flow = private_flow("assignments.board")
HELPER_ONLY = {"role": HELPER}
PAGE_SIZE = 8


@dataclass
class Section:
    title: str  # message id
    empty: str | None = None  # message id shown when the section has nothing at all (first page)
    entries: list[tuple[str, InlineKeyboardButton | None]] = field(default_factory=list)  # line, button


@dataclass
class Board:
    head: list[str]
    sections: list[Section]
    tail: list[str] = field(default_factory=list)
    columns: int = 1  # buttons per row


def paged(tr: Translator, board: Board, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the board: the entries of all sections in order, PAGE_SIZE at a time."""
    entries = [(n, line, b) for n, s in enumerate(board.sections) for line, b in s.entries]
    shown, page, pages = page_of(entries, page, PAGE_SIZE)
    parts = list(board.head)
    for n, section in enumerate(board.sections):
        lines = [line for m, line, _b in shown if m == n]
        if not lines:
            if section.entries or section.empty is None or page:
                continue
            lines = [tr._(section.empty)]
        parts += [*([""] if parts else []), tr._(section.title), *lines]
    parts += board.tail
    buttons = [b for _m, _line, b in shown if b is not None]
    pager = pager_row(tr, page, pages, lambda p: BoardCb(page=p))
    return "\n".join(parts), keyboard(*grid(buttons, board.columns), pager)


async def helper_board(session: AsyncSession, user: Person, tr: Translator, known: Areas) -> Board:
    view = await service.for_helper(session, user)
    mine = Section(N_("<b>Your assignments</b>"), N_("You have not taken any assignment."))
    for a in view.mine:
        label = tr._("🔒 No. {number}: address and contact", number=a.id)
        mine.entries.append((one_line(tr, Summary.of(a, known)), act(label, AssignmentAction.DETAILS, a.id)))
    open_ = Section(N_("<b>Open assignments</b>"), N_("No open assignments at the moment."))
    for a in view.open:
        label = tr._("✋ No. {number}: I'll take it", number=a.id)
        take = button(label, TakeCb(kind=Handed.ASSIGNMENT, item=a.id, via=Via.LIST))
        open_.entries.append((one_line(tr, Summary.of(a, known)), take))
    questions = Section(N_("<b>Questions waiting for a person</b>"))
    for t in view.questions:
        line = tr._("❓ Question no. {number} · {language}", number=t.id, language=language_label(tr, t.lang))
        label = tr._("✋ Question no. {number}: I'll take it", number=t.id)
        questions.entries.append((line, button(label, TakeCb(kind=Handed.QUESTION, item=t.id, via=Via.LIST))))
    return Board([], [mine, open_, questions])


async def overview_board(
    session: AsyncSession, clock: Clock, user: Person, tr: Translator, settings: Settings, known: Areas
) -> Board:
    view = await service.overview(session, clock, user, settings.tz)
    counts = view.counts
    head = [
        tr._("<b>Assignments</b>"),
        tr._(
            "Open: {open} · Taken: {taken} · Done: {done} · Cancelled: {cancelled}",
            open=counts.get("open", 0),
            taken=counts.get("taken", 0),
            done=counts.get("done", 0),
            cancelled=counts.get("cancelled", 0),
        ),
    ]
    sections = []
    for title, items, can_open in (
        (N_("<b>Open</b>"), view.open, True),
        (N_("<b>Taken</b>"), view.taken, True),
        (N_("<b>Recently done</b>"), view.done, False),
    ):
        section = Section(title)
        for a in items:
            view_button = act(tr._("🔎 No. {number}", number=a.id), AssignmentAction.VIEW, a.id)
            section.entries.append((one_line(tr, Summary.of(a, known)), view_button if can_open else None))
        sections.append(section)
    tail = ["", tr._("<b>Per month</b> (new / done)")]
    for month in view.months:
        label = format_skeleton("yMMMM", date(month.year, month.month, 1), locale=tr.lang)
        tail.append(tr._("{month}: {created} / {done}", month=label, created=month.created, done=month.done))
    return Board(head, sections, tail, columns=3)


async def board_page(
    session: AsyncSession, clock: Clock, user: Person, tr: Translator, settings: Settings, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    known = areas(settings.areas_file)
    if has_role(user, ORGANIZER):
        board = await overview_board(session, clock, user, tr, settings, known)
    else:
        board = await helper_board(session, user, tr, known)
    return paged(tr, board, page)


@flow.message(Command("assignments"), flags=HELPER_ONLY)
@flow.callback_query(MenuCb.filter(F.action == "assignments"), flags=HELPER_ONLY)
async def cmd_assignments(
    event: Message | CallbackQuery,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    await reply(event, *await board_page(session, clock, user, tr, settings, 0))


@flow.callback_query(BoardCb.filter(), flags=HELPER_ONLY)
async def on_page(
    query: CallbackQuery,
    callback_data: BoardCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    await show_and_answer(query, *await board_page(session, clock, user, tr, settings, callback_data.page))
