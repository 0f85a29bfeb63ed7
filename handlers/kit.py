"""The one UI toolkit of every router: flows built by factories, screens edited in place, inline keyboards,
back / cancel / confirm rows, a pager, outbox messages in HTML from typed renderers (`renders`), the dialogs
/cancel ends (`Dialog`), and the known-user filter.

A dialog is a chain of screens in ONE message: each tap replaces it (`show`), so the chat stays tidy.
Text input uses aiogram's FSM with a typed draft (`Draft`) in the state data."""

from __future__ import annotations

import contextlib
import functools
import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, TelegramObject
from pydantic import BaseModel

from bot.delivery.render import Rendered, Renderer
from bot.text import Translator, isolate
from handlers.callbacks import CancelCb
from handlers.gates import LeanRouter, add_gates

T = TypeVar("T")
P = TypeVar("P", bound=BaseModel)
ALERT_LIMIT = 200  # Telegram shows at most 200 characters in a callback alert


# --- routers built by factories ----------------------------------------------------------------------


class Flow:
    """The handlers of one flow, declared with decorators at import time and built into a fresh Router by
    `build()` for each Dispatcher (a Router has one parent; tests and the demo build several Dispatchers in
    one process), with gates first (handlers/gates.py). `@flow.message(...)` works like `@router.message`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
        self._filters: list[tuple[str, tuple[Any, ...]]] = []
        self._middlewares: list[tuple[str, Any]] = []

    def _register(
        self, observer: str, filters: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Callable[..., Any]:
        def add(func: Callable[..., Any]) -> Callable[..., Any]:
            self._handlers.append((observer, func, filters, kwargs))
            return func

        return add

    def message(self, *filters: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._register("message", filters, kwargs)

    def edited_message(self, *filters: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._register("edited_message", filters, kwargs)

    def callback_query(self, *filters: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._register("callback_query", filters, kwargs)

    def errors(self, *filters: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._register("error", filters, kwargs)

    def filter(self, observer: str, *filters: Any) -> Self:
        """A filter for every handler of this flow on one observer (e.g. only private chats)."""
        self._filters.append((observer, filters))
        return self

    def middleware(self, observer: str, middleware: Any) -> Self:
        """An inner middleware for every handler of this flow on one observer: it runs after a handler's
        filters matched (e.g. loading the object a button is about, or refusing when it is gone)."""
        self._middlewares.append((observer, middleware))
        return self

    def build(self) -> Router:
        router = LeanRouter(name=self.name)
        add_gates(router, self._filters, [(name, filters) for name, _, filters, _ in self._handlers])
        for observer, filters in self._filters:
            router.observers[observer].filter(*filters)
        for observer, middleware in self._middlewares:
            router.observers[observer].middleware(middleware)
        for observer, func, filters, kwargs in self._handlers:
            router.observers[observer].register(func, *filters, **kwargs)
        return router


def private_flow(name: str) -> Flow:
    """A flow that works only in a private chat with the bot: its commands and texts there, and its
    buttons on messages there (a button pressed anywhere else ends as a stale button)."""
    flow = Flow(name).filter("message", F.chat.type == "private")
    return flow.filter("callback_query", F.message.chat.type == "private")


# --- keyboards ---------------------------------------------------------------------------------------


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def label(tr: Translator, msgid: str, /, **values: object) -> str:
    """A translated button label: buttons are not HTML, so values go in unescaped (isolated in RTL)."""
    template = tr._(msgid)
    if not values:
        return template
    return template.format(**{k: isolate(str(v)) if tr.rtl else v for k, v in values.items()})


MAX_ROW, MAX_BUTTONS = 8, 100  # Telegram's limits of an inline keyboard (as aiogram's builder checks them)


def keyboard(
    *rows: Sequence[InlineKeyboardButton] | None, columns: int | None = None
) -> InlineKeyboardMarkup | None:
    """Rows of buttons (None rows are left out). With `columns`, all buttons are re-flowed into rows
    of that width; a row wider than Telegram's 8 buttons is split. No buttons at all gives None (a message
    without a keyboard). (Built directly: aiogram's InlineKeyboardBuilder deep-copies every button, a fiftieth
    of the bot's CPU per question, bench/bench_load.py.)"""
    if columns is not None and not 1 <= columns <= MAX_ROW:
        raise ValueError(f"a keyboard row holds 1 to {MAX_ROW} buttons, not {columns}")
    kept = grid((b for row in rows if row for b in row), columns) if columns else [r for r in rows if r]
    if sum(map(len, kept)) > MAX_BUTTONS:
        raise ValueError(f"a keyboard holds at most {MAX_BUTTONS} buttons")
    split = [part for row in kept for part in grid(row, MAX_ROW)]
    return InlineKeyboardMarkup(inline_keyboard=split) if split else None


def grid(buttons: Iterable[InlineKeyboardButton], columns: int) -> list[list[InlineKeyboardButton]]:
    """Buttons in rows of `columns`, to combine with other rows in `keyboard(*grid(...), back_row)`."""
    items = list(buttons)
    return [items[i : i + columns] for i in range(0, len(items), columns)]


def back_row(tr: Translator, data: CallbackData) -> list[InlineKeyboardButton]:
    return [button(tr._("⬅️ Back"), data)]


def cancel_row(tr: Translator, data: CallbackData) -> list[InlineKeyboardButton]:
    return [button(tr._("✖ Cancel"), data)]


def confirm_row(
    tr: Translator,
    yes: CallbackData,
    no: CallbackData,
    *,
    yes_text: str | None = None,
    no_text: str | None = None,
) -> list[InlineKeyboardButton]:
    """The one "are you sure?" pair: a clear yes and a way back."""
    return [button(yes_text or tr._("✅ Yes"), yes), button(no_text or tr._("⬅️ No, back"), no)]


def pager_row(
    tr: Translator, page: int, pages: int, page_data: Callable[[int], CallbackData]
) -> list[InlineKeyboardButton]:
    """◀ 2/5 ▶ for lists that can grow; empty when everything fits on one page."""
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(button("◀", page_data(page - 1)))
    row.append(button(f"{page + 1}/{pages}", page_data(page)))
    if page < pages - 1:
        row.append(button("▶", page_data(page + 1)))
    return row


def page_of(items: Sequence[T], page: int, size: int) -> tuple[list[T], int, int]:
    """The items of one page, the page actually shown (clamped) and the number of pages."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    return list(items[page * size : (page + 1) * size]), page, pages


# --- screens -----------------------------------------------------------------------------------------


def as_plain(text: str) -> str:
    """What Telegram shows of an HTML text (tags gone, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def same_markup(shown: InlineKeyboardMarkup | None, markup: InlineKeyboardMarkup | None) -> bool:
    """The same buttons? (By content: a markup that came from Telegram also carries its bot, so `==`
    between it and a freshly built one is always False.)"""
    if shown is None or markup is None:
        return shown is markup
    return shown.model_dump(exclude_none=True) == markup.model_dump(exclude_none=True)


async def edit(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Edit a bot message in place; False when it cannot be edited (too old, deleted).

    A repeated tap that would change nothing is not an error: identical content is skipped, and
    Telegram's 400 "message is not modified" is taken as success."""
    if message.text is None:  # a document, a photo, a venue: no text to replace
        return False
    if message.text == as_plain(text) and same_markup(message.reply_markup, markup):
        return True
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        return "not modified" in str(exc)
    return True


async def edit_keyboard(message: Message, markup: InlineKeyboardMarkup | None) -> bool:
    """Change only the buttons of a bot message (e.g. take away used ones); False when it cannot be edited."""
    if same_markup(message.reply_markup, markup):
        return True
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramBadRequest as exc:
        return "not modified" in str(exc)
    return True


async def show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message with the next screen; send a new one if it cannot be edited (too old,
    or a button on no message of a chat) and the person can be written to (not: blocked, never started)."""
    message = query.message
    if isinstance(message, Message) and await edit(message, text, markup):
        return
    if query.bot is not None and query.from_user is not None:
        with contextlib.suppress(TelegramForbiddenError):
            await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def show_and_answer(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """The usual end of a button: the next screen in place (`show`), and the press answered (the button
    stops spinning)."""
    await show(query, text, markup)
    await query.answer()


async def show_keyboard(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Keep the pressed message's text and replace only its buttons (e.g. with a `confirm_row`)."""
    if isinstance(query.message, Message):
        await edit_keyboard(query.message, markup)  # False (deleted meanwhile, too old): nothing to change


async def swap_button(query: CallbackQuery, new: InlineKeyboardButton) -> None:
    """Replace only the pressed button (e.g. "stop news" → "get news again" under a broadcast); the text,
    and every other button, stay as they were sent."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    old = message.reply_markup.inline_keyboard
    rows = [[new if b.callback_data == query.data else b for b in row] for row in old]
    await show_keyboard(query, InlineKeyboardMarkup(inline_keyboard=rows))


async def alert(query: CallbackQuery, text: str) -> None:
    """A short pop-up on the pressed button (refusals, "already done")."""
    await query.answer(as_plain(text)[:ALERT_LIMIT], show_alert=True)


async def reply(
    event: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer a command, or the menu button that does the same, with a new message in that chat (the
    message sent, or None)."""
    message = event
    if isinstance(event, CallbackQuery):
        await event.answer()  # the button stops spinning
        message = event.message  # type: ignore[assignment]
    if isinstance(message, Message):
        return await message.answer(text, reply_markup=markup)
    return None


def renders(payload: type[P]) -> Callable[[Callable[[P, Translator], Rendered]], Renderer]:
    """An outbox renderer written for its typed payload: the row's data is read into `payload` first."""

    def wrap(render: Callable[[P, Translator], Rendered]) -> Renderer:
        @functools.wraps(render)
        def renderer(data: dict[str, Any], tr: Translator) -> Rendered:
            return render(payload.model_validate(data), tr)

        return renderer

    return wrap


def html_message(text: str, markup: InlineKeyboardMarkup | None = None, **params: Any) -> Rendered:
    """An outbox message in Telegram HTML, for renderers."""
    body: dict[str, Any] = {"text": text, "parse_mode": "HTML", **params}
    if markup is not None:
        body["reply_markup"] = markup.model_dump(exclude_none=True)
    return Rendered("sendMessage", body)


def html_edit(message_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> Rendered:
    """An outbox edit of a message the bot sent before (group relays, alerts), in Telegram HTML."""
    body: dict[str, Any] = {"message_id": message_id, "text": text, "parse_mode": "HTML"}
    if markup is not None:
        body["reply_markup"] = markup.model_dump(exclude_none=True)
    return Rendered("editMessageText", body)


# --- dialogs with text input -------------------------------------------------------------------------


class Draft(BaseModel):
    """Base of a typed dialog draft kept in FSM data (one key per dialog, so dialogs never mix)."""

    @classmethod
    def key(cls) -> str:
        return cls.__name__

    @classmethod
    async def load(cls, state: FSMContext) -> Self | None:
        raw = (await state.get_data()).get(cls.key())
        if raw is None:
            return None
        try:
            return cls.model_validate(raw)
        except ValueError:  # a draft from an older version of the bot: start again
            return None

    async def save(self, state: FSMContext) -> None:
        await state.update_data({self.key(): self.model_dump(mode="json")})

    async def begin(self, state: FSMContext, step: State) -> None:
        """Wait for a typed answer in `step`, with this draft; any other dialog of the person ends."""
        await state.clear()
        await state.set_state(step)
        await self.save(state)

    @classmethod
    async def clear(cls, state: FSMContext) -> None:
        await state.clear()


# --- the dialog in progress, for /cancel ---------------------------------------------------------------


@dataclass(frozen=True)
class Dialog:
    """A dialog /cancel (and its ✖) can end, and what is said then. `name`: the FSM state group of a dialog
    with typed steps (`Dialog.of(AskStates, N_("Your question was not sent."))`), or the name a button-only
    dialog marks its screen with (`mark`). Listed in the package's DIALOGS, handed to core (bot/wiring.py)."""

    name: str
    cancelled: str  # message id
    typed: str | None = None  # message id: text typed while it waits for a button (handlers/core/waiting.py)

    @classmethod
    def of(cls, group: type[StatesGroup], cancelled: str, typed: str | None = None) -> Dialog:
        return cls(group.__full_group_name__, cancelled, typed)

    def cancel_row(self, tr: Translator) -> list[InlineKeyboardButton]:
        """✖ Cancel: what /cancel does, while this dialog is the one in progress."""
        return cancel_row(tr, CancelCb(dialog=self.name))

    async def mark(self, state: FSMContext, message_id: int | None) -> None:
        """A button-only dialog shows its screen in `message_id`: /cancel ends it there (its buttons go).
        `end_dialog` when it is done; another dialog's `Draft.begin` ends it, too."""
        await OpenDialog(name=self.name, message_id=message_id).save(state)


class OpenDialog(Draft):
    name: str
    message_id: int | None = None  # a button dialog's screen


async def end_dialog(state: FSMContext) -> None:
    await state.update_data({OpenDialog.key(): None})


async def dialog_in_progress(state: FSMContext) -> OpenDialog | None:
    """The dialog /cancel would end: the FSM state's group (a typed step), else a button dialog's mark."""
    current, marked = await state.get_state(), await OpenDialog.load(state)
    if current is not None:
        return OpenDialog(name=current.rsplit(":", 1)[0], message_id=marked.message_id if marked else None)
    return marked


# --- filters -----------------------------------------------------------------------------------------


class KnownUser(Filter):
    """Passes only when the middleware found the person (registered in a private chat). Anyone else (a
    group member who never talked to the bot) matches no handler, and nothing happens: the press ends in
    core's fallback (or, in a group, ChatScopeMiddleware), which answers it once. A filter never answers
    itself, as the next handler's filters are still tried and would answer the same press again."""

    async def __call__(self, event: TelegramObject, user: Any = None) -> bool:
        return user is not None
