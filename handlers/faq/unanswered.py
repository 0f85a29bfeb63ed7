"""/unanswered (organizers): the questions the bot could not answer well, a page at a time. Each one is
"Done", or gets a topic ("this belongs to topic X": it becomes an example question of X, used by the bot at
once in every process, bot/faq/examples.py), or none ("no topic answers this": the bot then offers the
closest topics for such questions instead of answering with one), or is "Not a question" (it leaves the
list)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.faq import examples, feedback
from bot.faq.content import NOT_OURS
from bot.faq.examples import Assigned
from bot.faq.service import FaqService, faq_for
from bot.text import Translator, clip
from bot.users import ORGANIZER
from handlers.faq.callbacks import TopicAction, UnansweredAction, UnansweredCb, UnansweredTopicCb
from handlers.faq.views import unanswered_view
from handlers.kit import Flow, back_row, button, keyboard, page_of, pager_row, show

flow = Flow("faq.unanswered")

TOPICS_PAGE = 8  # topics to choose from, a page


@flow.message(Command("unanswered"), F.chat.type == "private", flags={"role": ORGANIZER})
async def cmd_unanswered(message: Message, tr: Translator, session: AsyncSession, settings: Settings) -> None:
    service = await faq_for(settings, session)
    text, markup = unanswered_view(service, tr, await feedback.unanswered_page(session, 0))
    await message.answer(text, reply_markup=markup)


def topics_view(
    service: FaqService, tr: Translator, row: feedback.FaqUnanswered, page: int, topic_page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Which topic does the kept question belong to: the topics (titles in the organizer's language), a
    page at a time; "Not a question"; back to the list."""
    entries = [e for t in service.content.topics for e in [service.entry(t.slug, tr.lang)] if e is not None]
    shown, topic_page, pages = page_of(entries, topic_page, TOPICS_PAGE)
    text = "\n\n".join(
        [
            tr._("<b>#{id}</b> «{text}»", id=row.id, text=clip(row.text, 300)),
            tr._(
                "Which topic does this question belong to? It becomes an example question of the topic, and "
                "the bot answers such questions with it from now on."
            ),
            tr._(
                "Only for questions without names or other personal details: the text is kept as an "
                "example, without a link to the person who asked."
            ),
        ]
    )
    pick = [
        [button(e.title, UnansweredTopicCb(action=TopicAction.ASSIGN, row=row.id, page=page, topic=e.slug))]
        for e in shown
    ]
    pager = pager_row(
        tr,
        topic_page,
        pages,
        lambda p: UnansweredTopicCb(action=TopicAction.LIST, row=row.id, page=page, topic_page=p),
    )
    not_ours = button(
        tr._("🙅 No topic answers this"),
        UnansweredTopicCb(action=TopicAction.ASSIGN, row=row.id, page=page, topic=NOT_OURS),
    )
    not_question = button(
        tr._("🚫 Not a question"), UnansweredTopicCb(action=TopicAction.NOT_QUESTION, row=row.id, page=page)
    )
    back = back_row(tr, UnansweredCb(action=UnansweredAction.PAGE, page=page))
    return text, keyboard(*pick, pager, [not_ours], [not_question], back)


async def _assign(
    query: CallbackQuery,
    cb: UnansweredTopicCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    service: FaqService,
) -> None:
    outcome = await examples.assign_topic(session, clock, cb.row, cb.topic, service.content)
    entry = service.entry(cb.topic, tr.lang)
    title = entry.title if entry is not None else cb.topic
    if cb.topic == NOT_OURS and outcome in (Assigned.ADDED, Assigned.KNOWN):
        await query.answer(
            tr._(
                "Noted: the bot no longer answers questions like this one with a topic, it offers the closest."
            )
        )
    elif outcome == Assigned.ADDED:
        await query.answer(tr._("Added: the bot now answers this question with “{title}”.", title=title))
    elif outcome == Assigned.KNOWN:
        await query.answer(tr._("“{title}” already had this example question. Marked as done.", title=title))
    elif outcome == Assigned.UNKNOWN_TOPIC:
        await query.answer(tr._("This topic no longer exists."))
    else:
        await query.answer(tr._("This question was already done."))


@flow.callback_query(UnansweredTopicCb.filter(), flags={"role": ORGANIZER})
async def on_topic(
    query: CallbackQuery,
    callback_data: UnansweredTopicCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    service = await faq_for(settings, session)
    action = callback_data.action
    if action == TopicAction.LIST:
        row = await examples.open_question(session, callback_data.row)
        if row is not None:
            await query.answer()
            await show(query, *topics_view(service, tr, row, callback_data.page, callback_data.topic_page))
            return
        await query.answer(tr._("This question was already done."))
    elif action == TopicAction.ASSIGN:
        await _assign(query, callback_data, tr, session, clock, service)
    else:
        removed = await examples.dismiss(session, callback_data.row)
        await query.answer(
            tr._("Removed from the list.") if removed else tr._("This question was already done.")
        )
    await show(
        query, *unanswered_view(service, tr, await feedback.unanswered_page(session, callback_data.page))
    )


@flow.callback_query(UnansweredCb.filter(), flags={"role": ORGANIZER})
async def on_unanswered(
    query: CallbackQuery,
    callback_data: UnansweredCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if callback_data.action == UnansweredAction.DONE:
        done = await feedback.mark_done(session, clock, callback_data.row)
        await query.answer(tr._("Marked as done.") if done else tr._("This question was already done."))
    else:
        await query.answer()
    service = await faq_for(settings, session)
    await show(
        query, *unanswered_view(service, tr, await feedback.unanswered_page(session, callback_data.page))
    )
