"""The FAQ editor: the bot's answers in six languages (bot/faq/editing.py, bot/faq/validation.py).

- `/faq`: every topic with a badge per language: complete, machine translation to review, missing, or not
  checked for six months; a filter by state.
- `/faq/{slug}`: the six languages side by side (right to left for Arabic and Farsi), each with its own
  form (title, answer, example questions, keywords, checked month) and a preview of the message as
  Telegram shows it; "Preview" shows what was typed without saving it. Where a machine translator is
  configured, a missing (or machine-translated) language can be pre-filled from another one; it stays
  marked "to review" until a person saves it.
- `/faq/new`: a new topic with its first language.

An answer is Telegram HTML: <b>, <i>, <u>, <s>, <a href="https://…">, <code>, <blockquote>. Anything else
(`<script>`, broken tags) is refused with the reason and where, never stored; the preview shows such a
text as harmless text. Every change is an audit line (written by the service) and reaches every bot
process before its next question.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from markupsafe import Markup

from bot.config import SUPPORTED_LANGUAGES
from bot.faq import editing, store
from bot.faq.content import ACTIONS, CATEGORIES
from bot.faq.editing import Outcome, State
from bot.faq.validation import Code, EntryForm, EntryProblem, Field, Preview, parse_form, preview
from bot.languages import is_rtl
from bot.telegram_html import Issue
from bot.text import N_
from console.i18n import language_label
from console.web import NavItem, Page, get, post

AUDIT_ACTIONS = {
    editing.SAVED_ACTION: N_("FAQ answer saved"),
    editing.PREFILLED: N_("FAQ answer pre-filled by machine translation"),
    editing.CREATED: N_("FAQ topic created"),
    store.IMPORTED: N_("FAQ content imported from the files"),
}
STATE_LABELS = {
    State.COMPLETE: N_("complete"),
    State.REVIEW: N_("machine translation: to review"),
    State.STALE: N_("not checked for six months"),
    State.MISSING: N_("missing"),
}
CATEGORY_LABELS = {
    "appointments": N_("Appointments"),
    "learning": N_("German and training"),
    "work": N_("Work"),
    "housing": N_("Housing"),
    "health": N_("Health"),
    "papers": N_("Papers and offices"),
    "family": N_("Family and children"),
    "community": N_("Meeting people"),
    "help": N_("Help from our helpers"),
    "about": N_("About us"),
}
FIELD_LABELS = {
    Field.TITLE: N_("Title"),
    Field.ANSWER: N_("Answer"),
    Field.QUESTIONS: N_("Example questions"),
    Field.KEYWORDS: N_("Keywords"),
    Field.CHECKED: N_("Checked"),
}
# Messages never carry markup of their own: a tag or a brace is a value (escaped when the page shows it).
PROBLEMS = {
    Code.EMPTY: N_("{field}: please fill this in."),
    Code.TOO_LONG: N_("{field}: {length} characters, at most {limit} are possible."),
    Code.TOO_MANY: N_("{field}: {count}, at most {limit} are possible."),
    Code.TITLE_HTML: N_("{field}: plain text only, no HTML tags."),
    Code.PLACEHOLDER: N_(
        "{field}: there is no local fact {name}. Check its spelling on the local facts page."
    ),
    Code.RTL_START: N_(
        "{field}: an Arabic or Farsi answer must begin with a word in Arabic letters (not a number, a "
        "placeholder or a Latin word), or Telegram shows it left to right."
    ),
    Code.MONTH: N_("{field}: a month like 2026-11."),
    Code.FUTURE: N_("{field}: this month has not come yet."),
}
ALLOWED_TAGS = '<b>, <i>, <u>, <s>, <a href="https://…">, <code>, <pre>, <blockquote>, <tg-spoiler>'
HTML_PROBLEMS = {
    Issue.TAG: N_("{field}: Telegram does not show {tag}. Allowed: {allowed}."),
    Issue.ATTRIBUTE: N_("{field}: {tag} may not have the attribute {detail}."),
    Issue.LINK: N_(
        "{field}: a link needs an address beginning with https://, http://, tg://, mailto: or tel:."
    ),
    Issue.BROKEN: N_("{field}: the tag {tag} is not closed (its {bracket} is missing)."),
    Issue.UNCLOSED: N_("{field}: {tag} is opened but not closed: add {end}."),
    Issue.UNEXPECTED: N_("{field}: {end} closes nothing here."),
}
OUTCOMES = {
    Outcome.CONFLICT: N_(
        "Not saved: someone else changed this language while you were editing it. Here is the current "
        "text; please make your change again."
    ),
    Outcome.NO_TRANSLATOR: N_("No machine translator is configured."),
    Outcome.NO_SOURCE: N_("The language to translate from has no text."),
    Outcome.PERSON_TEXT: N_("A person wrote this language: a machine translation never replaces it."),
    Outcome.NOT_TRANSLATED: N_(
        "The machine translation did not work (no answer in time, or it lost a local fact in braces). "
        "Please write this language yourself."
    ),
    Outcome.TAKEN: N_("A topic with this name exists already."),
}
INVALID = N_("Not saved: please correct what is marked.")


def problem_text(page: Page, problem: EntryProblem) -> Markup:
    field = page.tr._(FIELD_LABELS[problem.field])
    html = problem.html
    if html is not None:
        opening = "<" + html.tag + ("" if html.issue == Issue.BROKEN else ">")
        values = {"tag": opening, "end": "</" + html.tag + ">", "detail": html.detail, "bracket": ">"}
        return page.tr._(HTML_PROBLEMS[html.issue], field=field, allowed=ALLOWED_TAGS, **values)
    params = dict(problem.params)
    if problem.code == Code.PLACEHOLDER:
        params["name"] = "{" + str(params["name"]) + "}"
    return page.tr._(PROBLEMS[problem.code], field=field, **params)


@dataclass(frozen=True)
class Card:
    """One language of the topic page."""

    lang: str
    label: str
    stored: editing.StoredEntry | None
    form: EntryForm  # what the fields show: the stored text, or what was typed
    token: str
    preview: Preview | None
    errors: dict[str, list[Markup]]  # field -> messages
    problem: str | None = None  # a message id above the card
    sources: tuple[str, ...] = ()  # languages a machine pre-fill may translate from

    @property
    def state(self) -> State:
        return self.stored.state if self.stored else State.MISSING

    @property
    def rtl(self) -> bool:
        return is_rtl(self.lang)


def _today(page: Page):  # type: ignore[no-untyped-def]
    return page.clock.now().astimezone(page.settings.tz).date()


def _translator_on(page: Page) -> bool:
    translator = page.ctx.machine_translator
    return translator is not None and translator.enabled


async def topics(page: Page) -> web.StreamResponse:
    wanted = page.request.query.get("state")
    listed = await editing.topic_list(page.session, _today(page), prefer=page.tr.lang)
    shown = [t for t in listed if wanted is None or wanted in t.states.values()]
    counts = {state: sum(1 for t in listed for s in t.states.values() if s == state) for state in State}
    return page.render(
        "faq.html",
        topics=shown,
        total=len(listed),
        counts=counts,
        wanted=wanted if wanted in set(State) else None,
        states=STATE_LABELS,
        categories=CATEGORY_LABELS,
        bot_languages=[(lang, language_label(page.tr.lang, lang)) for lang in SUPPORTED_LANGUAGES],
    )


async def _cards(
    page: Page,
    slug: str,
    *,
    typed: dict[str, EntryForm] | None = None,
    tokens: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
) -> tuple[editing.TopicPage, list[Card]] | None:
    """The topic and its six cards: the stored texts, or (`typed`) what was typed in a language, previewed
    and checked, with the form's token kept (`tokens`) and a message above a card (`problems`)."""
    today = _today(page)
    topic = await editing.topic_page(page.session, slug, today)
    if topic is None:
        return None
    typed, tokens, problems = typed or {}, tokens or {}, problems or {}
    facts = await editing.facts_now(page.session, page.settings)
    people = tuple(lang for lang, e in topic.entries.items() if e is not None and not e.machine)
    cards = []
    for lang in SUPPORTED_LANGUAGES:
        stored = topic.entries[lang]
        form = typed.get(lang) or (stored.form if stored else EntryForm("", ""))
        machine = stored is not None and stored.machine and lang not in typed  # saving makes it a person's
        shown = preview(form, lang, facts, today, machine=machine)
        errors: dict[str, list[Markup]] = {}
        for problem in shown.problems if lang in typed else []:
            errors.setdefault(problem.field.value, []).append(problem_text(page, problem))
        cards.append(
            Card(
                lang=lang,
                label=language_label(page.tr.lang, lang),
                stored=stored,
                form=form,
                token=tokens.get(lang, stored.token if stored else ""),
                preview=shown if form.answer else None,
                errors=errors,
                problem=problems.get(lang),
                sources=tuple(s for s in people if s != lang),
            )
        )
    return topic, cards


def _render_topic(
    page: Page, topic: editing.TopicPage, cards: list[Card], *, status: int = 200
) -> web.Response:
    return page.render(
        "faq_topic.html",
        status=status,
        topic=topic,
        cards=cards,
        states=STATE_LABELS,
        category=CATEGORY_LABELS.get(topic.category, topic.category),
        translator=_translator_on(page),
        fields=FIELD_LABELS,
    )


async def topic(page: Page) -> web.StreamResponse:
    found = await _cards(page, page.request.match_info["slug"])
    if found is None:
        raise web.HTTPNotFound
    return _render_topic(page, *found)


def _typed(page: Page, lang: str) -> EntryForm:
    def value(name: str) -> str:
        return str(page.form.get(name, ""))

    return parse_form(
        lang, value("title"), value("answer"), value("questions"), value("keywords"), value("checked")
    )


def _lang(page: Page) -> str:
    lang = page.request.match_info["lang"]
    if lang not in SUPPORTED_LANGUAGES:
        raise web.HTTPNotFound
    return lang


async def show_preview(page: Page) -> web.StreamResponse:
    """What was typed in one language, previewed with its problems, nothing saved."""
    slug, lang = page.request.match_info["slug"], _lang(page)
    token = str(page.form.get("token", ""))
    found = await _cards(page, slug, typed={lang: _typed(page, lang)}, tokens={lang: token})
    if found is None:
        raise web.HTTPNotFound
    return _render_topic(page, *found)


async def save(page: Page) -> web.StreamResponse:
    slug, lang = page.request.match_info["slug"], _lang(page)
    form = _typed(page, lang)
    token = str(page.form.get("token", ""))
    facts = await editing.facts_now(page.session, page.settings)
    result = await editing.save_entry(
        page.session, page.clock, page.organizer.id, slug, lang, form, facts, _today(page), token=token
    )
    if result.outcome == Outcome.UNKNOWN:
        raise web.HTTPNotFound
    if result.outcome == Outcome.INVALID:
        found = await _cards(page, slug, typed={lang: form}, tokens={lang: token}, problems={lang: INVALID})
        assert found is not None
        return _render_topic(page, *found, status=422)
    if result.outcome == Outcome.CONFLICT:
        found = await _cards(page, slug, problems={lang: OUTCOMES[Outcome.CONFLICT]})
        assert found is not None
        return _render_topic(page, *found, status=409)
    notice = (
        N_("Saved. Every bot process answers with it from its next question on.")
        if result.outcome == Outcome.SAVED
        else N_("Nothing changed.")
    )
    return page.redirect(f"/faq/{slug}#lang-{lang}", notice=notice)


async def prefill(page: Page) -> web.StreamResponse:
    slug, lang = page.request.match_info["slug"], _lang(page)
    source = str(page.form.get("source", ""))
    translator = page.ctx.machine_translator
    if translator is None or not translator.enabled:
        return page.redirect(f"/faq/{slug}#lang-{lang}", notice=OUTCOMES[Outcome.NO_TRANSLATOR])
    facts = await editing.facts_now(page.session, page.settings)
    result = await editing.prefill(
        page.session, page.clock, page.organizer.id, slug, lang, source, translator, facts, _today(page)
    )
    if result.outcome == Outcome.UNKNOWN:
        raise web.HTTPNotFound
    if result.outcome == Outcome.SAVED:
        notice = N_(
            "Pre-filled by machine translation. Please check it and save it: until then it is marked."
        )
    elif result.outcome == Outcome.INVALID:
        notice = N_(
            "The machine translation does not fit Telegram's rules. Please write this language yourself."
        )
    else:
        notice = OUTCOMES[result.outcome]
    return page.redirect(f"/faq/{slug}#lang-{lang}", notice=notice)


def _new_page(page: Page, form: EntryForm, lang: str, category: str, errors: list[Markup], *, status: int = 200,
              problem: str | None = None) -> web.Response:  # fmt: skip
    return page.render(
        "faq_new.html",
        status=status,
        form=form,
        chosen_lang=lang,
        chosen_category=category,
        categories=CATEGORY_LABELS,
        bot_languages=[(code, language_label(page.tr.lang, code)) for code in SUPPORTED_LANGUAGES],
        errors=errors,
        problem=problem,
    )


async def new_topic(page: Page) -> web.StreamResponse:
    return _new_page(page, EntryForm("", ""), "de", editing.DEFAULT_CATEGORY, [])


async def create(page: Page) -> web.StreamResponse:
    lang = str(page.form.get("lang", ""))
    category = str(page.form.get("category", ""))
    if lang not in SUPPORTED_LANGUAGES or category not in CATEGORIES:
        raise web.HTTPBadRequest
    form = _typed(page, lang)
    facts = await editing.facts_now(page.session, page.settings)
    action = str(page.form.get("action", "")) or None
    result = await editing.create_topic(
        page.session, page.clock, page.organizer.id, lang, form, facts, _today(page), category=category,
        action=action if action in ACTIONS else None,
    )  # fmt: skip
    if result.outcome == Outcome.SAVED and result.slug:
        return page.redirect(
            f"/faq/{result.slug}", notice=N_("The topic was created. Now add its other languages.")
        )
    errors = [problem_text(page, p) for p in result.problems]
    return _new_page(page, form, lang, category, errors, status=422, problem=INVALID)


ROUTES = [
    get("/faq", topics),
    get("/faq/new", new_topic),
    post("/faq/new", create),
    get("/faq/{slug}", topic),
    post("/faq/{slug}/{lang}", save),
    post("/faq/{slug}/{lang}/preview", show_preview),
    post("/faq/{slug}/{lang}/prefill", prefill),
]
NAV = NavItem(N_("FAQ"), "/faq", order=10, description=N_("The bot's answers in six languages"))
