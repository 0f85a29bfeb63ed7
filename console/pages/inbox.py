"""The inbox: the questions the bot could not answer, grouped by similarity (bot/faq/inbox.py), newest first,
a page of groups at a time. Each group is one form: its questions as checkboxes (all ticked: the action is
for the whole group, or for the ones left ticked) and four actions, chosen by the button pressed:

- answer the askers through the bot (machine translated into each asker's language where a translator is
  configured, and said so);
- add the questions as example questions of a topic (the bot uses them at once);
- create a new topic from them (its answer in the questions' language; the other languages in the FAQ
  editor), the questions becoming its first example questions;
- dismiss them (not questions: deleted).

Every action writes its audit line (in the service) without the questions' or the answer's text.
"""

from __future__ import annotations

from datetime import date, datetime

from aiohttp import web

from bot.config import SUPPORTED_LANGUAGES
from bot.faq import editing, inbox
from bot.faq.content import MAX_TITLE, NOT_OURS, FaqContent
from bot.text import N_
from bot.translation.service import NoTranslator
from console.i18n import bot_language
from console.web import ConsoleContext, NavItem, Page, get, post

SHOWN = 5  # questions of a group shown at once; the rest behind "show more"
LISTED = 30  # questions of a group with a box each; a larger group's others go with the group's action
MAX_PAGE = 10_000

AUDIT_ACTIONS = {
    inbox.AUDIT_ANSWER: N_("Inbox: askers answered through the bot"),
    inbox.AUDIT_EXAMPLE: N_("Inbox: questions added to a topic as examples"),
    inbox.AUDIT_TOPIC: N_("Inbox: new topic created from questions"),
    inbox.AUDIT_DISMISS: N_("Inbox: questions dismissed"),
}

ANSWER = "answer"
EXAMPLE = "example"
TOPIC = "topic"
DISMISS = "dismiss"


def page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def language_names(page: Page) -> dict[str, tuple[str, str]]:
    """Each bot language named in the console's language and in itself: ("Farsi / Dari", "فارسی / دری")."""
    return {code: bot_language(page.tr.lang, code) for code in SUPPORTED_LANGUAGES}


def title_of(content: FaqContent, slug: str, lang: str) -> str:
    """A topic's title in the console's language, else German, else any language it has (a new topic may
    have one only)."""
    entry = content.entry(slug, lang) or next(
        (by_slug[slug] for by_slug in content.entries.values() if slug in by_slug), None
    )
    return entry.title if entry is not None else slug


async def show(page: Page) -> web.StreamResponse:
    number = page_number(page.request.query.get("page"))
    result = await inbox.inbox_page(page.session, number - 1)
    content = await inbox.faq_content(page.session, page.settings)
    topics = sorted(
        ((topic.slug, title_of(content, topic.slug, page.tr.lang)) for topic in content.topics),
        key=lambda pair: pair[1].casefold(),
    )
    translator = page.ctx.machine_translator
    days: dict[date, str] = {}  # many questions share a day: Babel formats each day once

    def day_of(moment: datetime) -> str:
        day = moment.astimezone(page.tr.tz).date()
        if day not in days:
            days[day] = page.tr.date(day)
        return days[day]

    return page.render(
        "inbox.html",
        result=result,
        number=result.page + 1,
        topics=topics,
        not_ours=NOT_OURS,
        languages_named=language_names(page),
        translator=translator is not None and translator.enabled,
        shown=SHOWN,
        listed=LISTED,
        day_of=day_of,
        answer_max=inbox.ANSWER_MAX,
        title_max=MAX_TITLE,
    )


def chosen_ids(page: Page) -> list[int]:
    """The ticked questions, and those of a large group listed without a box ("rest")."""
    raw = [*page.form.getall("q", []), *str(page.form.get("rest", "")).split(",")]
    ids = []
    for value in raw:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return [i for i in ids if 0 < i < 2**63]


async def act(page: Page) -> web.StreamResponse:
    back = f"/inbox?page={page_number(page.form.get('page'))}"
    ids = chosen_ids(page)
    action = page.form.get("action")
    if not ids:
        return page.redirect(back, notice=N_("Please tick at least one question."))
    actor = page.organizer.id
    if action == ANSWER:
        translator = page.ctx.machine_translator or NoTranslator()
        try:
            done = await inbox.answer(
                page.session,
                page.clock,
                translator,
                ids=ids,
                text=str(page.form.get("answer", "")),
                written_in=str(page.form.get("written_in", "")),
                actor_id=actor,
            )
        except inbox.AnswerError:
            return page.redirect(
                back, notice=N_("The answer was not sent: please write it (at most 1,000 characters).")
            )
        if not done.questions:
            return page.redirect(back, notice=N_("These questions were already dealt with."))
        if not done.askers:
            return page.redirect(
                back,
                notice=N_(
                    "Marked as answered, but nobody could be reached: these questions were kept without "
                    "knowing who asked."
                ),
            )
        if done.untranslated:
            return page.redirect(
                back,
                notice=N_(
                    "Sent. No machine translation was available for some askers: they get your text as you "
                    "wrote it, with a note saying so."
                ),
            )
        return page.redirect(
            back, notice=N_("Sent: the answer is on its way to the askers, in their languages.")
        )
    if action == EXAMPLE:
        content = await inbox.faq_content(page.session, page.settings)
        added = await inbox.add_examples(
            page.session,
            page.clock,
            content,
            ids=ids,
            slug=str(page.form.get("topic", "")),
            actor_id=actor,
        )
        if added.unknown_topic:
            return page.redirect(back, notice=N_("This topic no longer exists."))
        if not (added.added or added.known):
            return page.redirect(back, notice=N_("These questions were already dealt with."))
        if page.form.get("topic") == NOT_OURS:
            return page.redirect(
                back,
                notice=N_(
                    "Noted: the bot no longer answers questions like these with a topic, it offers the closest."
                ),
            )
        return page.redirect(
            back, notice=N_("Added: the bot now answers these questions with the topic you chose.")
        )
    if action == TOPIC:
        facts = await inbox.local_facts(page.session, page.settings)
        made = await inbox.create_topic(
            page.session,
            page.clock,
            facts,
            ids=ids,
            lang=str(page.form.get("topic_lang", "")),
            title=str(page.form.get("topic_title", "")),
            answer=str(page.form.get("topic_answer", "")),
            actor_id=actor,
        )
        if made.result.outcome != editing.Outcome.SAVED:
            return page.redirect(
                back,
                notice=N_(
                    "The topic was not created: it needs a title and an answer (plain text or Telegram's "
                    "simple formatting, within Telegram's length limit; Arabic and Farsi beginning with "
                    "Arabic letters)."
                ),
            )
        return page.redirect(  # to the new topic in the FAQ editor, where its other languages are added
            f"/faq/{made.result.slug}",
            notice=N_(
                "The topic was created with these questions as examples. Add its other languages here: until "
                "then the bot uses it for questions in the language you wrote."
            ),
        )
    if action == DISMISS:
        removed = await inbox.dismiss(page.session, page.clock, ids=ids, actor_id=actor)
        if not removed:
            return page.redirect(back, notice=N_("These questions were already dealt with."))
        return page.redirect(back, notice=N_("Removed from the inbox."))
    return page.redirect(back)


ROUTES = [get("/inbox", show), post("/inbox", act)]
NAV = NavItem(N_("Inbox"), "/inbox", order=30, description=N_("Questions the bot could not answer"))


async def warm_up(ctx: ConsoleContext) -> None:
    """Group the open questions when the server starts: with thousands of them that takes a few hundred
    milliseconds once, which no page should wait for."""
    async with ctx.sessionmaker() as session:
        await inbox.warm_up(session)


WARM_UP = warm_up
