"""Texts and keyboards of the FAQ chat: answers, suggestions, a word back to small talk, categories and
topics, "ask a person" (with "withdraw my question"), and the organizers' /unanswered list. Each view
takes the reader's Translator and returns (text, keyboard)."""

from __future__ import annotations

from functools import lru_cache

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters

from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.faq import feedback, smalltalk
from bot.faq.content import FaqEntry, answer_message
from bot.faq.handoff import Handoff, HandoffResult
from bot.faq.matcher import EMERGENCY_SLUG
from bot.faq.service import ANSWER, GREETING, SUGGEST, FaqReply, FaqService, clean_text
from bot.faq.smalltalk import Talk
from bot.languages import name_in
from bot.text import N_, Translator, clip
from bot.users import HELPER, Person, has_role
from handlers.callbacks import MenuCb
from handlers.faq.callbacks import (
    FaqAction,
    FaqCb,
    TopicAction,
    UnansweredAction,
    UnansweredCb,
    UnansweredTopicCb,
    WithdrawAction,
    WithdrawCb,
)
from handlers.kit import Dialog, back_row, button, confirm_row, grid, keyboard, pager_row

HANDOFF = "handoff"  # the MenuCb action of "Ask a person" (menu button and FAQ action buttons)
HANDOFF_LABEL = N_("💬 Ask a person")

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
# The topic that only explains an action button: offered beside an answer that has the button, it would be
# the same thing twice ("📅 Book an appointment" and "Book a counselling appointment").
ACTION_TOPICS: dict[str, str] = {
    "book": "book-consultation",
    "subscribe": "announcements",
    "events": "events",
    "privacy": "privacy",
}
EMERGENCY_LABEL = N_("🆘 Emergency numbers")
VOTES = (FaqAction.UP, FaqAction.DOWN)


def reader(lang: str, fallback: str, settings: Settings) -> Translator:
    """A Translator for the language a button or an answer names (when it is one of ours)."""
    return Translator(lang if lang in SUPPORTED_LANGUAGES else fallback, settings.tz)


# --- reading the chat ----------------------------------------------------------------------------------


def reply_to(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


def own_question(message: Message | None, user: Person | None) -> tuple[str | None, int | None]:
    """The question a bot message answers: the person's own text it replies to (Telegram's copy). Small
    talk ("شكرا", "ok") is no question: "ask a person" then asks for one."""
    replied = message.reply_to_message if message is not None else None
    if replied is None or user is None or replied.from_user is None or replied.from_user.id != user.id:
        return None, None
    text = clean_text(replied.text or "", None)  # whole: a question for a person is never cut
    if not text or text.startswith("/") or smalltalk.recognise(text) is not None:
        return None, None
    return text, replied.message_id


def has_button(message: Message, data: str | None) -> bool:
    markup = message.reply_markup
    return bool(markup) and any(b.callback_data == data for row in markup.inline_keyboard for b in row)


def _is_vote(data: str | None) -> bool:
    try:
        return data is not None and FaqCb.unpack(data).action in VOTES
    except (TypeError, ValueError):
        return False


def without_votes(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The answer's keyboard once voted: 👍/👎 gone, so each answer counts once. (The buttons of a
    received message are kept as they are: the keyboard builder cannot copy them.)"""
    rows = [
        row
        for row in (markup.inline_keyboard if markup else [])
        if not any(_is_vote(b.callback_data) for b in row)
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


# --- answers -------------------------------------------------------------------------------------------


def answer_html(entry: FaqEntry, answer: str) -> str:
    return answer_message(entry, answer)


@lru_cache(maxsize=4096)
def faq_button(text: str, action: FaqAction, key: str = "", lang: str = "") -> InlineKeyboardButton:
    """A FAQ button that is the same on every answer of its topic and language (a topic, 👍/👎, "ask a
    person"): built once and shared by the keyboards, which are sent and never changed. Building one (its
    data validated and packed, then the button validated) took about 14 µs, and an answer has three to five."""
    return button(text, FaqCb(action=action, key=key, lang=lang))


def handoff_button(rtr: Translator, lang: str, kept: int | None = None) -> InlineKeyboardButton:
    if not kept:
        return faq_button(rtr._(HANDOFF_LABEL), FaqAction.ASK, lang=lang)
    return button(rtr._(HANDOFF_LABEL), FaqCb(action=FaqAction.ASK, lang=lang, kept=kept))


def topic_button(entry: FaqEntry, action: FaqAction) -> InlineKeyboardButton:
    return faq_button(entry.title, action, entry.slug, entry.lang)


@lru_cache(maxsize=256)
def action_button(text: str, action: str) -> InlineKeyboardButton:
    """The button of an answer's action (book a slot, find work...), built once like `faq_button`."""
    return button(text, MenuCb(action=action))


def answer_keyboard(
    rtr: Translator,
    entry: FaqEntry,
    *,
    suggestions: list[FaqEntry] | None = None,
    offer_handoff: bool = False,
    back: bool = False,
) -> InlineKeyboardMarkup | None:
    lang = entry.lang
    action = (
        [action_button(rtr._(ACTION_LABELS[entry.action]), entry.action)]
        if entry.action in ACTION_LABELS
        else None
    )
    same_as_action = ACTION_TOPICS.get(entry.action) if action else None
    return keyboard(
        action,
        # (the emergency answer) a person right under the numbers, before any other topic
        [handoff_button(rtr, lang)] if offer_handoff and entry.action != HANDOFF else None,
        *[
            [topic_button(other, FaqAction.SUGGESTED)]
            for other in suggestions or []
            if other.slug != same_as_action
        ],
        [faq_button(emoji, vote, entry.slug, lang) for emoji, vote in zip(("👍", "👎"), VOTES, strict=True)],
        back_row(rtr, FaqCb(action=FaqAction.CATEGORY, key=entry.category, lang=lang)) if back else None,
    )


def reply_view(
    rtr: Translator, reply: FaqReply, menu_markup: InlineKeyboardMarkup | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the bot says to a free-text question (in the language of `rtr`, the reply's language)."""
    if reply.kind == GREETING:
        return rtr._("Hello! 👋 Write your question in your own words, or choose from the menu."), menu_markup
    if reply.kind == ANSWER and reply.entry is not None and reply.answer is not None:
        markup = answer_keyboard(
            rtr, reply.entry, suggestions=reply.suggestions, offer_handoff=reply.emergency
        )
        return answer_html(reply.entry, reply.answer), markup
    suggestions = [[topic_button(e, FaqAction.SUGGESTED)] for e in reply.suggestions]
    if reply.kind == SUGGEST:
        text = rtr._("I am not sure I understood. Is your question about one of these topics?")
        browse = None
    else:
        text = rtr._(
            "Sorry, I do not know the answer to this question. You can look through the topics, "
            "or ask a person from our team."
        )
        browse = [faq_button(rtr._("📚 All topics"), FaqAction.BROWSE, lang=reply.lang)]
    return text, keyboard(*suggestions, browse, [handoff_button(rtr, reply.lang, reply.unanswered_id)])


# A helper who writes about accompanying or interpreting most likely offers it, yet these answers speak to
# those who need it ("ich kann morgen begleiten"): the helper is pointed to the assignments as well.
HELPER_TOPICS = frozenset({"accompaniment", "interpreter"})
HELPER_HINT = N_("You help with us: open assignments and questions for helpers are under /assignments.")


def helper_hint(rtr: Translator, reply: FaqReply, user: Person) -> str | None:
    """The line for a helper (or organizer) whose message got the answer of a topic helpers do, or that
    topic offered first (an offer to help reads unlike the questions the topic answers, so it is often
    doubted: bot/faq/doubt.py)."""
    if reply.kind == ANSWER and reply.entry is not None:
        topic = reply.entry.slug
    elif reply.kind == SUGGEST and reply.suggestions:
        topic = reply.suggestions[0].slug
    else:
        return None
    return rtr._(HELPER_HINT) if topic in HELPER_TOPICS and has_role(user, HELPER) else None


# What small talk gets back (nothing for 👍 and the like): short, in the reader's language.
OK_TEXT = N_("Alright. Write your question any time, or open the menu: /menu")
SMALLTALK_TEXTS: dict[Talk, str] = {
    Talk.THANKS: N_("You're welcome! Write any time."),
    Talk.GOODBYE: N_("Goodbye! 👋 Write any time you have a question."),
}


def smalltalk_view(rtr: Translator, reply: FaqReply) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """A word back to small talk, or None (👍 needs no answer). "Ask a person" under it asks for the
    question first (the message it answers is no question)."""
    if reply.talk is None or reply.talk == Talk.LIKE:
        return None
    text = rtr._(SMALLTALK_TEXTS.get(reply.talk, OK_TEXT))
    return text, None if reply.talk == Talk.GOODBYE else keyboard([handoff_button(rtr, reply.lang)])


def sorry_view(rtr: Translator, lang: str, kept: int | None) -> tuple[str, InlineKeyboardMarkup | None]:
    """After a 👎."""
    text = rtr._("Sorry that this did not help. A person from our team can answer your question.")
    return text, keyboard([handoff_button(rtr, lang, kept)])


# --- browsing ------------------------------------------------------------------------------------------


def categories_view(service: FaqService, rtr: Translator) -> tuple[str, InlineKeyboardMarkup | None]:
    lang = rtr.lang
    categories = [
        button(rtr._(CATEGORY_LABELS.get(c, c)), FaqCb(action=FaqAction.CATEGORY, key=c, lang=lang))
        for c in service.categories()
    ]
    markup = keyboard(
        [button(rtr._(EMERGENCY_LABEL), FaqCb(action=FaqAction.TOPIC, key=EMERGENCY_SLUG, lang=lang))],
        *grid(categories, 2),
        [handoff_button(rtr, lang)],
    )
    return rtr._("<b>Questions and answers</b>\nChoose a topic:"), markup


def topics_view(
    service: FaqService, rtr: Translator, category: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    lang = rtr.lang
    markup = keyboard(
        *[[topic_button(e, FaqAction.TOPIC)] for e in service.topics_in(category, lang)],
        back_row(rtr, FaqCb(action=FaqAction.HOME, lang=lang)),
    )
    label = rtr._(CATEGORY_LABELS.get(category, category))
    return rtr._("<b>{category}</b>\nChoose a question:", category=label), markup


# --- ask a person --------------------------------------------------------------------------------------


def handoff_text(rtr: Translator, result: HandoffResult, phone: str | None) -> str:
    if result.outcome == Handoff.UNREACHABLE:
        return rtr._(
            "Sorry, at the moment nobody can be reached through the bot. Please call us: {phone}",
            phone=phone or "—",
        )
    if result.outcome == Handoff.ALREADY_OPEN:
        return rtr._(
            "You already have an open question to a person (no. {number}). The answer will come here.",
            number=result.ticket_id,
        )
    if result.outcome == Handoff.ADDED:
        return rtr._("✅ Added to your question no. {number}.", number=result.ticket_id)
    if result.outcome == Handoff.NOT_SENT:
        return rtr._(
            "Sorry, your question could not be passed on just now. Nothing was sent. Please try again "
            "in a moment."
        )
    if result.outcome == Handoff.READY:
        return rtr._(
            "What would you like to ask? Please write your question in one message. It goes to our "
            "volunteers without your name. To stop: /cancel"
        )
    return rtr._(
        "✅ Your question was passed on to our volunteers as no. {number}, without your name. The "
        "answer will come here, as soon as someone is free.",
        number=result.ticket_id,
    )


def handoff_keyboard(rtr: Translator, result: HandoffResult, asking: Dialog) -> InlineKeyboardMarkup | None:
    """Under "ask a person": ✖ while the question is awaited (`asking`: that dialog); "withdraw my
    question" once there is an open one."""
    if result.outcome == Handoff.READY:
        return keyboard(asking.cancel_row(rtr))
    if result.outcome in (Handoff.OPENED, Handoff.ALREADY_OPEN, Handoff.ADDED) and result.ticket_id:
        return keyboard(withdraw_row(rtr, result.ticket_id))
    return None


def withdraw_row(rtr: Translator, ticket_id: int) -> list[InlineKeyboardButton]:
    """ "Withdraw my question" (no. `ticket_id`), for every message to the asker while it is open; asks
    "sure?" first (handlers/faq/withdraw.py)."""
    ask = WithdrawCb(action=WithdrawAction.ASK, ticket=ticket_id, lang=rtr.lang)
    return [button(rtr._("↩️ Withdraw my question"), ask)]


def withdraw_confirm_row(rtr: Translator, ticket_id: int) -> list[InlineKeyboardButton]:
    yes = WithdrawCb(action=WithdrawAction.YES, ticket=ticket_id, lang=rtr.lang)
    no = WithdrawCb(action=WithdrawAction.KEEP, ticket=ticket_id, lang=rtr.lang)
    return confirm_row(rtr, yes, no, yes_text=rtr._("↩️ Yes, withdraw it"), no_text=rtr._("⬅️ No, keep it"))


# --- for organizers: the questions kept for them --------------------------------------------------------


def _kept_question(service: FaqService, tr: Translator, row: feedback.FaqUnanswered) -> str:
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
            language=name_in(row.lang, tr._),
        ),
        reason,
        tr._("«{text}»", text=clip(row.text, 300)),
    ]
    if row.ticket_id:
        lines.append(tr._("→ passed on to a person (no. {number})", number=row.ticket_id))
    return "\n".join(lines)


def unanswered_view(
    service: FaqService, tr: Translator, page: feedback.Page
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not page.total:
        return tr._("No open questions. 🎉"), None
    title = tr.n_(
        "{n} question the bot could not answer well",
        "{n} questions the bot could not answer well",
        page.total,
    )
    parts = [f"<b>{title}</b>", *(_kept_question(service, tr, row) for row in page.rows)]
    # Per question: done, or its topic / "not a question" (handlers/faq/unanswered.py).
    actions = [
        [
            button(
                tr._("✅ Done #{id}", id=row.id),
                UnansweredCb(action=UnansweredAction.DONE, row=row.id, page=page.page),
            ),
            button(
                tr._("🏷 Topic #{id}", id=row.id),
                UnansweredTopicCb(action=TopicAction.LIST, row=row.id, page=page.page),
            ),
        ]
        for row in page.rows
    ]
    pager = pager_row(tr, page.page, page.pages, lambda p: UnansweredCb(action=UnansweredAction.PAGE, page=p))
    return "\n\n".join(parts), keyboard(*actions, pager)
