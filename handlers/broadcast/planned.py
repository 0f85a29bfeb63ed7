"""/broadcasts: the planned ones (scheduled, held, being sent), a page at a time; cancel one (messages not
sent yet are withdrawn), or send a held one now."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import broadcasts as service
from bot.broadcast import sending
from bot.broadcast.broadcasts import BroadcastError
from bot.clock import Clock
from bot.config import Settings
from bot.text import N_, Html, Translator
from handlers.broadcast.callbacks import BroadcastAction, BroadcastCb, PageCb, Screen
from handlers.broadcast.drafts import sending_text, title
from handlers.broadcast.views import ORG, PAGE, nothing_changed
from handlers.kit import Flow, alert, button, confirm_row, keyboard, page_of, pager_row, show, show_keyboard

flow = Flow("broadcast.planned")
Action = BroadcastAction
STATE_LABELS = {
    service.SCHEDULED: N_("scheduled"),
    service.HELD: N_("held (overdue)"),
    service.SENDING: N_("being sent"),
}


async def send_planned(message: Message, tr: Translator, session: AsyncSession, page: int) -> None:
    planned = await service.planned(session)
    if not planned:
        await message.answer(tr._("No broadcasts are planned. /broadcast starts a new one."))
        return
    shown, page, pages = page_of(planned, page, PAGE)
    for broadcast in shown:
        when = Html(tr.datetime(broadcast.scheduled_at)) if broadcast.scheduled_at else "—"
        text = "\n".join(
            [
                await title(tr, session, broadcast),
                tr._("{state}: {when}", state=tr._(STATE_LABELS[broadcast.state]), when=when),
            ]
        )
        bid = broadcast.id
        markup = keyboard(
            [button(tr._("📤 Send now"), BroadcastCb(action=Action.RELEASE, broadcast=bid))]
            if broadcast.state == service.HELD
            else None,
            [button(tr._("✖️ Cancel it"), BroadcastCb(action=Action.CANCEL, broadcast=bid))],
        )
        await message.answer(text, reply_markup=markup)
    if pages > 1:
        first = page * PAGE + 1
        await message.answer(
            tr._(
                "Broadcasts {first}–{last} of {total}",
                first=first,
                last=first + len(shown) - 1,
                total=len(planned),
            ),
            reply_markup=keyboard(
                pager_row(tr, page, pages, lambda p: PageCb(screen=Screen.PLANNED, page=p))
            ),
        )


@flow.message(Command("broadcasts"), F.chat.type == "private", flags=ORG)
async def cmd_broadcasts(message: Message, tr: Translator, session: AsyncSession) -> None:
    await send_planned(message, tr, session, 0)


@flow.callback_query(PageCb.filter(F.screen == Screen.PLANNED), flags=ORG)
async def on_page(query: CallbackQuery, callback_data: PageCb, tr: Translator, session: AsyncSession) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await send_planned(query.message, tr, session, callback_data.page)


@flow.callback_query(BroadcastCb.filter(F.action == Action.CANCEL), flags=ORG)
async def on_cancel_ask(
    query: CallbackQuery, callback_data: BroadcastCb, tr: Translator, session: AsyncSession
) -> None:
    broadcast = await service.get_planned(session, callback_data.broadcast)
    if broadcast is None or not isinstance(query.message, Message):
        await alert(query, tr._("This broadcast cannot be cancelled any more."))
        return
    await query.answer()
    bid = broadcast.id
    await query.message.answer(
        tr._("Really cancel broadcast #{id}? Messages not sent yet are withdrawn.", id=bid),
        reply_markup=keyboard(
            confirm_row(
                tr,
                BroadcastCb(action=Action.CANCEL_YES, broadcast=bid),
                BroadcastCb(action=Action.KEEP, broadcast=bid),
                yes_text=tr._("Yes, cancel it"),
                no_text=tr._("No, keep it"),
            )
        ),
    )


# The "No" of the confirmation.
flow.callback_query(BroadcastCb.filter(F.action == Action.KEEP), flags=ORG)(nothing_changed)


@flow.callback_query(BroadcastCb.filter(F.action == Action.CANCEL_YES), flags=ORG)
async def on_cancel(
    query: CallbackQuery, callback_data: BroadcastCb, tr: Translator, session: AsyncSession
) -> None:
    result = await service.cancel(session, callback_data.broadcast)
    await query.answer()
    if result is None:
        await show(query, tr._("This broadcast cannot be cancelled any more."))
        return
    await show(
        query,
        tr._(
            "Broadcast #{id} is cancelled. Withdrawn: {withdrawn}. Already sent: {sent}.",
            id=callback_data.broadcast,
            withdrawn=result.withdrawn,
            sent=result.sent,
        ),
    )


@flow.callback_query(BroadcastCb.filter(F.action == Action.RELEASE), flags=ORG)
async def on_release(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    try:
        recipients = await sending.send_held_now(session, clock, settings, callback_data.broadcast)
    except BroadcastError:
        await alert(query, tr._("This broadcast is not waiting for a decision any more."))
        return
    await query.answer()
    await show_keyboard(query, None)
    if isinstance(query.message, Message):
        await query.message.answer(sending_text(tr, callback_data.broadcast, recipients))
