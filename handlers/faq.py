"""The FAQ in the chat: free-text questions, browsing by topic, 👍/👎, "Ask a person", /unanswered.

A private text that is no command and arrives outside any dialog (no FSM state) is a question. This
router is registered after every other feature router and right before the fallback.

Sending: replies to the person's own action (their question, their button) are sent directly; messages
to anyone else (the relay to the helpers' chat, a helper's answer to the asker, the edit when the asker
withdraws) go through the outbox (see bot.tickets and handlers.faq_tickets).
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.faq import feedback, handoff
from bot.faq.content import FaqEntry
from bot.faq.matcher import EMERGENCY_SLUG
from bot.faq.service import (
    ANSWER,
    GREETING,
    SUGGEST,
    FaqService,
    clean_text,
    faq_service,
    loaded_service,
    warm_up,
)
from bot.services.users import ORGANIZER
from bot.text import N_, Translator, escape
from handlers import faq_tickets
from handlers.callbacks import MenuCb
from handlers.menu import command, main_menu, menu_item
from handlers.start import CANCEL_HOOKS
from storage.models import User

router = Router(name="faq")
router.include_router(faq_tickets.router)

HANDOFF = "handoff"  # the MenuCb action of "Ask a person" (menu button and FAQ action buttons)
HANDOFF_LABEL = N_("💬 Ask a person")

menu_item("faq", N_("❓ Questions and answers"), order=10)
menu_item(HANDOFF, HANDOFF_LABEL, order=11)
command("faq", N_("Questions and answers by topic"), order=4)
command("ask", N_("Ask a person from our team"), order=5)
command("unanswered", N_("Questions the bot could not answer"), role=ORGANIZER, order=61)

CATEGORY_LABELS: dict[str, str] = {
    "appointments": N_("📅 Appointments"),
    "learning": N_("📚 German and training"),
    "work": N_("💼 Work"),
    "housing": N_("🏠 Housing"),
    "health": N_("🩺 Health"),
    "papers": N_("📄 Papers and offices"),
    "family": N_("👨‍👩‍👧 Family and children"),
    "community": N_("🤝 Meeting people"),
    "help": N_("🙋 Help from volunteers"),
    "about": N_("ℹ️ About us"),
}
ACTION_LABELS: dict[str, str] = {
    "book": N_("📅 Book an appointment"),
    "subscribe": N_("🔔 Get news"),
    "events": N_("🎉 Events"),
    "privacy": N_("🔒 What we store"),
    HANDOFF: HANDOFF_LABEL,
}
EMERGENCY_LABEL = N_("🆘 Emergency numbers")


class FaqCb(CallbackData, prefix="faq"):
    a: str  # browse | home | cat | tb (topic, browsing) | ts (topic, suggested) | up | dn | ask
    v: str = ""  # category or slug
    lg: str = ""  # language of the answer
    q: int = 0  # the kept question a handoff belongs to


class UnansweredCb(CallbackData, prefix="fqu"):
    a: str  # done | page
    i: int = 0
    p: int = 0


class AskStates(StatesGroup):
    question = State()  # "Ask a person" without a question yet: the next text is the question


def _lang(code: str, fallback: str) -> str:
    return code if code in SUPPORTED_LANGUAGES else fallback


def _tr(lang: str, settings: Settings) -> Translator:
    return Translator(lang, settings.tz)


def _reply_to(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


def own_question(message: Message | None, user: User | None) -> tuple[str | None, int | None]:
    """The question a bot message answers: the person's own text it replies to (Telegram's copy)."""
    replied = message.reply_to_message if message is not None else None
    if replied is None or user is None or replied.from_user is None or replied.from_user.id != user.id:
        return None, None
    text = clean_text(replied.text or "")
    if not text or text.startswith("/"):
        return None, None
    return text, replied.message_id


def _has_button(message: Message, data: str | None) -> bool:
    markup = message.reply_markup
    return bool(markup) and any(b.callback_data == data for row in markup.inline_keyboard for b in row)


async def faq_for(settings: Settings, session: AsyncSession) -> FaqService:
    """The FAQ. The update's transaction is committed first: no SQLite write lock is held while the FAQ
    loads (first use only) or while the handler then talks to Telegram."""
    await session.commit()
    return loaded_service(settings) or await faq_service(settings)


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    with contextlib.suppress(TelegramBadRequest):  # "message is not modified" and the like
        await message.edit_text(text, reply_markup=markup)


# --- rendering ---------------------------------------------------------------------------------------


def answer_html(entry: FaqEntry, answer: str) -> str:
    return f"<b>{escape(entry.title)}</b>\n\n{escape(answer)}"


def answer_keyboard(
    rtr: Translator,
    entry: FaqEntry,
    *,
    suggestions: list[FaqEntry] | None = None,
    offer_handoff: bool = False,
    back: bool = False,
) -> InlineKeyboardMarkup:
    lang = entry.lang
    rows: list[list[InlineKeyboardButton]] = []
    if entry.action in ACTION_LABELS:
        rows.append(
            [
                InlineKeyboardButton(
                    text=rtr._(ACTION_LABELS[entry.action]), callback_data=MenuCb(action=entry.action).pack()
                )
            ]
        )
    for other in suggestions or []:
        rows.append(
            [
                InlineKeyboardButton(
                    text=other.title, callback_data=FaqCb(a="ts", v=other.slug, lg=lang).pack()
                )
            ]
        )
    if offer_handoff and entry.action != HANDOFF:
        rows.append([_handoff_button(rtr, lang)])
    rows.append(
        [
            InlineKeyboardButton(text="👍", callback_data=FaqCb(a="up", v=entry.slug, lg=lang).pack()),
            InlineKeyboardButton(text="👎", callback_data=FaqCb(a="dn", v=entry.slug, lg=lang).pack()),
        ]
    )
    if back:
        rows.append(
            [
                InlineKeyboardButton(
                    text=rtr._("⬅️ Back"), callback_data=FaqCb(a="cat", v=entry.category, lg=lang).pack()
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _handoff_button(rtr: Translator, lang: str, unanswered_id: int | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=rtr._(HANDOFF_LABEL), callback_data=FaqCb(a="ask", lg=lang, q=unanswered_id or 0).pack()
    )


def categories_view(service: FaqService, rtr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    lang = rtr.lang
    rows = [
        [
            InlineKeyboardButton(
                text=rtr._(EMERGENCY_LABEL), callback_data=FaqCb(a="tb", v=EMERGENCY_SLUG, lg=lang).pack()
            )
        ]
    ]
    buttons = [
        InlineKeyboardButton(
            text=rtr._(CATEGORY_LABELS.get(c, c)), callback_data=FaqCb(a="cat", v=c, lg=lang).pack()
        )
        for c in service.categories()
    ]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_handoff_button(rtr, lang)])
    return rtr._("<b>Questions and answers</b>\nChoose a topic:"), InlineKeyboardMarkup(inline_keyboard=rows)


def topics_view(service: FaqService, rtr: Translator, category: str) -> tuple[str, InlineKeyboardMarkup]:
    lang = rtr.lang
    rows = [
        [InlineKeyboardButton(text=e.title, callback_data=FaqCb(a="tb", v=e.slug, lg=lang).pack())]
        for e in service.topics_in(category, lang)
    ]
    rows.append([InlineKeyboardButton(text=rtr._("⬅️ Back"), callback_data=FaqCb(a="home", lg=lang).pack())])
    text = rtr._(
        "<b>{category}</b>\nChoose a question:", category=rtr._(CATEGORY_LABELS.get(category, category))
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


# --- start-up ----------------------------------------------------------------------------------------


_warming: set[asyncio.Task[None]] = set()


@router.startup()
async def on_startup(**kwargs: Any) -> None:
    """Load the FAQ in a worker thread right away, so the first question does not wait for it."""
    app = kwargs.get("app")
    if app is None:
        return
    task = asyncio.create_task(warm_up(app.settings))
    _warming.add(task)
    task.add_done_callback(_warming.discard)


# --- a question --------------------------------------------------------------------------------------


@router.message(F.chat.type == "private", F.text, ~F.text.startswith("/"), StateFilter(None))
async def on_question(
    message: Message, user: User, tr: Translator, session: AsyncSession, clock: Clock, settings: Settings
) -> None:
    service = await faq_for(settings, session)
    reply = await service.ask(session, clock, message.text or "", user.language or tr.lang)
    await session.commit()
    if reply.kind == GREETING:
        await message.answer(
            tr._("Hello! 👋 Write your question in your own words, or choose from the menu."),
            reply_markup=main_menu(tr, user.role),
        )
        return
    rtr = _tr(reply.lang, settings)
    reply_to = _reply_to(message.message_id)
    if reply.kind == ANSWER and reply.entry is not None and reply.answer is not None:
        keyboard = answer_keyboard(
            rtr, reply.entry, suggestions=reply.suggestions, offer_handoff=reply.emergency
        )
        await message.answer(
            answer_html(reply.entry, reply.answer), reply_markup=keyboard, reply_parameters=reply_to
        )
        return
    rows = [
        [InlineKeyboardButton(text=e.title, callback_data=FaqCb(a="ts", v=e.slug, lg=e.lang).pack())]
        for e in reply.suggestions
    ]
    if reply.kind == SUGGEST:
        text = rtr._("I am not sure I understood. Is your question about one of these topics?")
    else:
        text = rtr._(
            "Sorry, I do not know the answer to this question. You can look through the topics, "
            "or ask a person from our team."
        )
        rows.append(
            [
                InlineKeyboardButton(
                    text=rtr._("📚 All topics"), callback_data=FaqCb(a="browse", lg=reply.lang).pack()
                )
            ]
        )
    rows.append([_handoff_button(rtr, reply.lang, reply.unanswered_id)])
    await message.answer(
        text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows), reply_parameters=reply_to
    )


# --- browsing ----------------------------------------------------------------------------------------


@router.message(Command("faq"), F.chat.type == "private")
@router.callback_query(MenuCb.filter(F.action == "faq"))
async def cmd_faq(
    event: Message | CallbackQuery, tr: Translator, settings: Settings, session: AsyncSession
) -> None:
    service = await faq_for(settings, session)
    text, keyboard = categories_view(service, tr)
    if isinstance(event, CallbackQuery):
        await event.answer()
        if isinstance(event.message, Message):
            await event.message.answer(text, reply_markup=keyboard)
        return
    await event.answer(text, reply_markup=keyboard)


@router.callback_query(FaqCb.filter(F.a.in_({"browse", "home", "cat", "tb", "ts"})))
async def on_browse(
    query: CallbackQuery,
    callback_data: FaqCb,
    user: User | None,
    tr: Translator,
    settings: Settings,
    session: AsyncSession,
) -> None:
    service = await faq_for(settings, session)
    lang = _lang(callback_data.lg, tr.lang)
    rtr = _tr(lang, settings)
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    action = callback_data.a
    if action in ("browse", "home"):
        await query.answer()
        text, keyboard = categories_view(service, rtr)
        if action == "browse":
            await message.answer(text, reply_markup=keyboard)
        else:
            await _edit(message, text, keyboard)
        return
    if action == "cat":
        if callback_data.v not in service.categories():
            await query.answer(
                tr._("This topic does not exist any more. Please open /faq again."), show_alert=True
            )
            return
        await query.answer()
        text, keyboard = topics_view(service, rtr, callback_data.v)
        await _edit(message, text, keyboard)
        return
    entry = service.entry(callback_data.v, lang)
    if entry is None:
        await query.answer(
            tr._("This topic does not exist any more. Please open /faq again."), show_alert=True
        )
        return
    await query.answer()
    rtr = _tr(entry.lang, settings)
    html = answer_html(entry, service.answer_text(entry))
    if action == "tb":  # browsing: the answer takes the place of the list, with Back
        await _edit(
            message, html, answer_keyboard(rtr, entry, back=True, offer_handoff=entry.slug == EMERGENCY_SLUG)
        )
        return
    # a suggested topic: a new answer, replying to the question (so 👎 and "ask a person" know it)
    _question, question_id = own_question(message, user)
    await message.answer(
        html,
        reply_markup=answer_keyboard(rtr, entry, offer_handoff=entry.slug == EMERGENCY_SLUG),
        reply_parameters=_reply_to(question_id),
    )


# --- feedback ----------------------------------------------------------------------------------------


@router.callback_query(FaqCb.filter(F.a.in_({"up", "dn"})))
async def on_vote(
    query: CallbackQuery,
    callback_data: FaqCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    service = await faq_for(settings, session)
    lang = _lang(callback_data.lg, tr.lang)
    rtr = _tr(lang, settings)
    message = query.message
    entry = service.entry(callback_data.v, lang)
    # Still valid? The vote buttons leave the message once used, so each answer counts once.
    if not isinstance(message, Message) or entry is None or not _has_button(message, query.data):
        await query.answer(rtr._("Thank you, we already have your feedback."))
        return
    helpful = callback_data.a == "up"
    await feedback.vote(session, clock, slug=entry.slug, lang=entry.lang, helpful=helpful)
    question, question_id = own_question(message, user)
    kept = None
    if not helpful and question:
        kept = await feedback.keep_unanswered(
            session,
            clock,
            text=question,
            lang=service.answer_language(question, lang),
            reason=feedback.DOWNVOTE,
            slug=entry.slug,
        )
    await session.commit()
    rows = [
        row
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else [])
        if not any(b.callback_data and b.callback_data.startswith(("faq:up:", "faq:dn:")) for b in row)
    ]
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_reply_markup(
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
        )
    if helpful:
        await query.answer(rtr._("Thank you for your feedback!"))
        return
    await query.answer()
    await message.answer(
        rtr._("Sorry that this did not help. A person from our team can answer your question."),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[_handoff_button(rtr, lang, kept.id if kept else None)]]
        ),
        reply_parameters=_reply_to(question_id),
    )


# --- ask a person ------------------------------------------------------------------------------------

# One handoff at a time per person (a double tap must not open two tickets while translating).
_handoff_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


@router.message(Command("ask"), F.chat.type == "private")
async def cmd_ask(message: Message, user: User, tr: Translator, state: FSMContext, **data: Any) -> None:
    await start_handoff(message, user, question=None, lang=tr.lang, state=state, **data)


@router.callback_query(MenuCb.filter(F.action == HANDOFF))
@router.callback_query(FaqCb.filter(F.a == "ask"))
async def on_handoff_button(
    query: CallbackQuery,
    user: User | None,
    tr: Translator,
    settings: Settings,
    session: AsyncSession,
    state: FSMContext,
    callback_data: MenuCb | FaqCb,
    **data: Any,
) -> None:
    await query.answer()
    message = query.message
    if user is None or not isinstance(message, Message) or message.chat.type != "private":
        return
    question, question_id = own_question(message, user)
    if isinstance(callback_data, FaqCb) and callback_data.lg in SUPPORTED_LANGUAGES:
        lang = callback_data.lg
    elif question:
        lang = (await faq_for(settings, session)).answer_language(question, user.language or tr.lang)
    else:
        lang = tr.lang
    unanswered_id = callback_data.q if isinstance(callback_data, FaqCb) else None
    await start_handoff(
        message,
        user,
        question=question,
        question_id=question_id,
        lang=lang,
        unanswered_id=unanswered_id,
        settings=settings,
        session=session,
        state=state,
        **data,
    )


async def start_handoff(
    target: Message,
    user: User,
    *,
    question: str | None,
    lang: str,
    settings: Settings,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    question_id: int | None = None,
    unanswered_id: int | None = None,
    **data: Any,
) -> None:
    rtr = _tr(lang, settings)
    if settings.helpers_chat_id is None:
        service = await faq_for(settings, session)
        await target.answer(
            rtr._(
                "Sorry, at the moment nobody can be reached through the bot. Please call us: {phone}",
                phone=service.facts.get("contact_phone", lang) or "—",
            )
        )
        return
    lock = _handoff_locks.setdefault(user.id, asyncio.Lock())
    async with lock:
        existing = await tickets.active_ticket(session, user.id)
        await session.commit()
        if existing is not None:
            await target.answer(
                rtr._(
                    "You already have an open question to a person (no. {number}). The answer will come "
                    "here. To withdraw it: /cancel",
                    number=existing.id,
                )
            )
            return
        if question is None:
            await state.set_state(AskStates.question)
            await state.update_data(lang=lang)
            await target.answer(
                rtr._(
                    "Please write your question in one message. It goes to our volunteers without your "
                    "name. To stop: /cancel"
                )
            )
            return
        await _hand_over(
            target,
            user,
            question,
            lang,
            settings=settings,
            session=session,
            clock=clock,
            unanswered_id=unanswered_id,
            reply_to=question_id,
            **data,
        )


async def _hand_over(
    target: Message,
    user: User,
    question: str,
    lang: str,
    *,
    settings: Settings,
    session: AsyncSession,
    clock: Clock,
    unanswered_id: int | None,
    reply_to: int | None,
    **data: Any,
) -> None:
    assert settings.helpers_chat_id is not None
    app = data.get("app")
    translator = handoff.machine_translator(app.extras, settings, app.sessionmaker) if app else None
    await session.commit()  # no transaction open while the translator works
    ticket = await handoff.hand_over(
        session,
        clock,
        helpers_chat_id=settings.helpers_chat_id,
        helpers_lang=settings.default_language,
        translator=translator,
        asker_id=user.id,
        text=question,
        lang=lang,
        unanswered_id=unanswered_id or None,
    )
    await session.commit()
    rtr = _tr(lang, settings)
    await target.answer(
        rtr._(
            "✅ Your question was passed on to our volunteers as no. {number}, without your name. The "
            "answer will come here, as soon as someone is free.\nTo withdraw the question: /cancel",
            number=ticket.id,
        ),
        reply_parameters=_reply_to(reply_to),
    )


@router.message(AskStates.question, F.chat.type == "private", F.text, ~F.text.startswith("/"))
async def on_handoff_text(
    message: Message,
    user: User,
    tr: Translator,
    state: FSMContext,
    settings: Settings,
    session: AsyncSession,
    **data: Any,
) -> None:
    stored = await state.get_data()
    await state.clear()
    question = clean_text(message.text or "")
    service = await faq_for(settings, session)
    lang = service.answer_language(question, stored.get("lang") or user.language or tr.lang)
    await start_handoff(
        message,
        user,
        question=question,
        question_id=message.message_id,
        lang=lang,
        settings=settings,
        session=session,
        state=state,
        **data,
    )


@router.message(AskStates.question, F.chat.type == "private", ~F.text)
async def on_handoff_other(message: Message, tr: Translator) -> None:
    await message.answer(tr._("Please write your question as text. To stop: /cancel"))


async def withdraw_question(user: User, data: dict[str, Any]) -> bool:
    """/cancel also withdraws an open question to a person."""
    session, clock = data.get("session"), data.get("clock")
    if session is None or clock is None:
        return False
    return bool(await tickets.withdraw(session, clock, user.id, tickets.QUESTION))


if withdraw_question not in CANCEL_HOOKS:
    CANCEL_HOOKS.append(withdraw_question)


# --- for organizers: the questions kept for them -------------------------------------------------------


def unanswered_view(
    service: FaqService, tr: Translator, page: feedback.Page
) -> tuple[str, InlineKeyboardMarkup]:
    if not page.total:
        return tr._("No open questions. 🎉"), InlineKeyboardMarkup(inline_keyboard=[])
    parts = [
        "<b>"
        + tr.n_(
            "{n} question the bot could not answer well",
            "{n} questions the bot could not answer well",
            page.total,
        )
        + "</b>"
    ]
    buttons = []
    for row in page.rows:
        if row.reason == feedback.DOWNVOTE:
            entry = service.entry(row.slug or "", tr.lang)
            reason = tr._("👎 on the answer “{title}”", title=entry.title if entry else row.slug or "?")
        else:
            reason = tr._("no fitting answer found")
        lines = [
            tr._(
                "<b>#{id}</b> · {date} · {language}",
                id=row.id,
                date=tr.date(row.created_at),
                language=tr._(faq_tickets.LANGUAGE_LABELS.get(row.lang, row.lang)),
            ),
            reason,
            tr._("«{text}»", text=tickets.clip(row.text, 300)),
        ]
        if row.ticket_id:
            lines.append(tr._("→ passed on to a person (no. {number})", number=row.ticket_id))
        parts.append("\n".join(lines))
        buttons.append(
            InlineKeyboardButton(
                text=tr._("✅ Done #{id}", id=row.id),
                callback_data=UnansweredCb(a="done", i=row.id, p=page.page).pack(),
            )
        )
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if page.page > 0:
        nav.append(
            InlineKeyboardButton(text="◀️", callback_data=UnansweredCb(a="page", p=page.page - 1).pack())
        )
    if page.page + 1 < page.pages:
        nav.append(
            InlineKeyboardButton(text="▶️", callback_data=UnansweredCb(a="page", p=page.page + 1).pack())
        )
    if nav:
        rows.append(nav)
        parts.append(tr._("Page {page} of {pages}", page=page.page + 1, pages=page.pages))
    return "\n\n".join(parts), InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(Command("unanswered"), F.chat.type == "private", flags={"role": ORGANIZER})
async def cmd_unanswered(message: Message, tr: Translator, session: AsyncSession, settings: Settings) -> None:
    service = await faq_for(settings, session)
    text, keyboard = unanswered_view(service, tr, await feedback.unanswered_page(session, 0))
    await session.commit()
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(UnansweredCb.filter(), flags={"role": ORGANIZER})
async def on_unanswered(
    query: CallbackQuery,
    callback_data: UnansweredCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if not isinstance(query.message, Message):
        await query.answer()
        return
    if callback_data.a == "done":
        done = await feedback.mark_done(session, clock, callback_data.i)
        await session.commit()
        await query.answer(tr._("Marked as done.") if done else tr._("This question was already done."))
    else:
        await query.answer()
    service = await faq_for(settings, session)
    text, keyboard = unanswered_view(service, tr, await feedback.unanswered_page(session, callback_data.p))
    await session.commit()
    await _edit(query.message, text, keyboard)
