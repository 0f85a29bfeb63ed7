"""What the steps of composing a broadcast share: the draft a press or a typed answer is for, its title,
the discard button, and the dialog states for typed input.

The draft is a database row; buttons carry its id and every press is re-checked (organizer, own draft,
still a draft): the flows made by `compose_flow` hand it to their handlers as `broadcast`. Typed input
(the text, a translation, a date) keeps the draft's id in a `ComposeDraft`.
"""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware, F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import broadcasts as service
from bot.broadcast import topics as topic_service
from bot.broadcast.broadcasts import Broadcast, BroadcastError, Problem
from bot.text import N_, Translator
from handlers.broadcast.callbacks import BroadcastAction, BroadcastCb
from handlers.broadcast.targets import ButtonTarget, Handler
from handlers.broadcast.views import problem_text, topic_label
from handlers.kit import Dialog, Draft, Flow, alert, button

# A typed answer in a private chat; a command is never an answer (its own handler runs).
TYPED = (F.chat.type == "private", ~F.text.startswith("/"))


class Compose(StatesGroup):
    text = State()
    translation = State()
    when = State()


COMPOSING = Dialog.of(
    Compose,
    N_("Stopped. The broadcast was not sent."),
    typed=N_(
        "📣 First choose the topic and the recipients with the buttons above, then tap “➡️ Next: write the "
        "text” and send the text. /cancel stops the broadcast."
    ),
)


class ComposeDraft(Draft):
    broadcast: int
    lang: str | None = None  # the language of the translation being typed


async def _own_draft(data: dict[str, Any], broadcast_id: int) -> Broadcast | None:
    user = data.get("user")
    return await service.get_draft(data["session"], broadcast_id, user) if user else None


def _not_draft(tr: Translator) -> str:
    return problem_text(tr, Problem.NOT_DRAFT)


class DraftInput(BaseMiddleware):
    """A typed answer about a draft (the text, a translation, a date): a handler with a parameter
    `broadcast` gets the organizer's draft named in the dialog state, and its `form`. When the draft is
    gone (sent, discarded, or a stale dialog) the dialog ends with a short answer."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Message) or "broadcast" not in data["handler"].params:
            return await handler(event, data)
        form = await ComposeDraft.load(data["state"])
        broadcast = await _own_draft(data, form.broadcast) if form else None
        if form is None or broadcast is None:
            await data["state"].clear()
            await event.answer(_not_draft(data["tr"]))
            return None
        data["broadcast"], data["form"] = broadcast, form
        return await handler(event, data)


class Refusals(BaseMiddleware):
    """A step the service refuses (a BroadcastError) ends with its reason: an alert on the pressed button,
    or an answer to the typed message. The services check before they write, so nothing is half done."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except BroadcastError as error:
            text = problem_text(data["tr"], error.code)
            if isinstance(event, CallbackQuery):
                await alert(event, text)
            elif isinstance(event, Message):
                await event.answer(text)
            return None


def compose_flow(name: str) -> Flow:
    """A flow of composing: its handlers get the draft as `broadcast`, from the button or the dialog,
    and a step the service refuses is answered with the reason."""
    flow = Flow(name)
    flow.middleware("callback_query", ButtonTarget("broadcast", _own_draft, _not_draft))
    flow.middleware("message", DraftInput())
    for observer in ("callback_query", "message"):
        flow.middleware(observer, Refusals())
    return flow


async def ask(state: FSMContext, step: State, broadcast: Broadcast, lang: str | None = None) -> None:
    """Wait for a typed answer about this draft."""
    await ComposeDraft(broadcast=broadcast.id, lang=lang).begin(state, step)


async def title(tr: Translator, session: AsyncSession, broadcast: Broadcast) -> str:
    topic = await topic_service.get_topic(session, broadcast.topic_id) if broadcast.topic_id else None
    name = topic_label(topic, tr.lang) if topic else "—"
    return tr._("📣 Broadcast #{id} · {topic}", id=broadcast.id, topic=name)


def discard_row(tr: Translator, broadcast_id: int) -> list[InlineKeyboardButton]:
    return [button(tr._("✖️ Discard"), BroadcastCb(action=BroadcastAction.DROP, broadcast=broadcast_id))]


def sending_text(tr: Translator, broadcast_id: int, n: int) -> str:
    return tr._(
        "📤 Broadcast #{id} is being sent to {n} recipients. You will get a report when it is done.",
        id=broadcast_id,
        n=n,
    )
