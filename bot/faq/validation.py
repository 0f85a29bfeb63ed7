"""What an organizer may save as a FAQ entry, and how it will look in Telegram (the console's FAQ editor).

`parse_form` turns the form's fields into an `EntryForm` (questions one per line, keywords by comma or
line), cleaned and, in Farsi, with Arabic ي ك ى written as Persian ی ک ی (DESIGN: "Right-to-left and
scripts"; a text pasted from an Arabic keyboard is then right without a round trip). `check_entry` lists
what would keep it from being saved, each an `EntryProblem` the console words in German or English:
- the answer is Telegram HTML (bot/telegram_html.py): `<script>`, other tags and broken HTML are refused
  with the reason, a bare `&` or `<` is kept as text;
- its `{placeholders}` are local facts, and the whole message (title, answer with the facts filled in)
  fits Telegram's 4,096 characters;
- an Arabic or Farsi answer begins with right-to-left text (Telegram takes a message's direction from it);
- a title is plain text; the checked month is a month, not in the future.
The same rules as `python -m bot faq check` (bot/faq/content.py), but the minimum of six example questions
there is for the repository's content: a topic made from one unanswered question has one.

`preview` shows the message as Telegram will (bold, italic, links; the facts filled in) as browser HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from bot.faq.content import (
    ARABIC_ONLY_LETTERS,
    MAX_QUESTIONS,
    MAX_TITLE,
    FaqEntry,
    answer_message,
    first_letter_is_rtl,
    placeholders,
    render_answer,
)
from bot.faq.freshness import month_number
from bot.languages import is_rtl
from bot.local_facts import LocalFacts, parse_month
from bot.telegram_html import MAX_MESSAGE, normalize, plain_text, to_browser, visible_length
from bot.telegram_html import Problem as HtmlProblem
from bot.telegram_html import problems as html_problems
from bot.text import clean_text

MAX_QUESTION = 200
MAX_KEYWORD = 60
MAX_KEYWORDS = 40
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>")
_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


class Field(StrEnum):
    TITLE = "title"
    ANSWER = "answer"
    QUESTIONS = "questions"
    KEYWORDS = "keywords"
    CHECKED = "checked"


class Code(StrEnum):
    EMPTY = "empty"  # a title or answer is needed
    TOO_LONG = "too_long"  # params: length, limit
    TOO_MANY = "too_many"  # params: count, limit
    HTML = "html"  # params: html (a bot.telegram_html.Problem)
    TITLE_HTML = "title_html"  # a title is plain text
    PLACEHOLDER = "placeholder"  # params: name (no such local fact)
    RTL_START = "rtl_start"  # an Arabic or Farsi answer must begin with right-to-left text
    MONTH = "month"  # the checked month is no month (YYYY-MM)
    FUTURE = "future"  # the checked month lies ahead


_ENGLISH = {
    Code.EMPTY: "{field} is empty",
    Code.TOO_LONG: "{field} has {length} characters (at most {limit})",
    Code.TOO_MANY: "{field}: {count} (at most {limit})",
    Code.HTML: "{field}: {html}",
    Code.TITLE_HTML: "{field} is plain text: no HTML tags",
    Code.PLACEHOLDER: "{field}: there is no local fact {{{name}}}",
    Code.RTL_START: "{field} must begin with right-to-left text (not a number, a placeholder or a Latin word)",
    Code.MONTH: "{field} must be a month like 2026-11",
    Code.FUTURE: "{field} lies in the future",
}


@dataclass(frozen=True)
class EntryProblem:
    field: Field
    code: Code
    params: dict[str, object] = field(default_factory=dict)

    @property
    def html(self) -> HtmlProblem | None:
        found = self.params.get("html")
        return found if isinstance(found, HtmlProblem) else None

    def __str__(self) -> str:
        return _ENGLISH[self.code].format(field=self.field.value, **self.params)


@dataclass(frozen=True)
class EntryForm:
    """One language of a topic as the organizer wrote it (cleaned)."""

    title: str
    answer: str
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    checked: str | None = None  # "YYYY-MM"; an unreadable month stays as typed, for check_entry


def _lines(text: str) -> list[str]:
    return [line.strip() for line in clean_text(text).split("\n") if line.strip()]


def _unique(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return tuple(seen)


def parse_form(
    lang: str, title: str, answer: str, questions: str = "", keywords: str = "", checked: str = ""
) -> EntryForm:
    """The form's fields as an entry: questions one per line; keywords by comma or line, each once."""
    form = EntryForm(
        title=" ".join(clean_text(title).split()),
        answer=normalize(clean_text(answer)),
        questions=_unique(_lines(questions)),
        keywords=_unique([k.strip() for line in _lines(keywords) for k in line.split(",") if k.strip()]),
        checked=clean_text(checked) or None,
    )
    return persian_letters(form) if lang == "fa" else form


def persian_letters(form: EntryForm) -> EntryForm:
    """Arabic ي ك ى as Persian ی ک ی, everywhere in the entry."""

    def fix(text: str) -> str:
        return text.translate(_PERSIAN) if set(text) & ARABIC_ONLY_LETTERS else text

    return replace(
        form,
        title=fix(form.title),
        answer=fix(form.answer),
        questions=tuple(fix(q) for q in form.questions),
        keywords=tuple(fix(k) for k in form.keywords),
    )


def as_entry(form: EntryForm, slug: str, lang: str, *, machine: bool = False) -> FaqEntry:
    return FaqEntry(
        slug=slug,
        lang=lang,
        category="",
        title=form.title,
        answer_template=form.answer,
        questions=form.questions,
        keywords=form.keywords,
        checked=parse_month(form.checked),
        machine=machine,
    )


def message_length(form: EntryForm, lang: str, facts: LocalFacts, *, machine: bool = False) -> int:
    """Characters of the message the bot sends (title, answer with the facts filled in), as Telegram counts."""
    entry = as_entry(form, "", lang, machine=machine)
    return visible_length(answer_message(entry, render_answer(entry, facts, lang)))


def check_entry(
    form: EntryForm, lang: str, facts: LocalFacts, today: date, *, machine: bool = False
) -> list[EntryProblem]:
    """What keeps the entry from being saved; [] when it may be."""
    found: list[EntryProblem] = []
    if not form.title:
        found.append(EntryProblem(Field.TITLE, Code.EMPTY))
    elif len(form.title) > MAX_TITLE:
        found.append(
            EntryProblem(Field.TITLE, Code.TOO_LONG, {"length": len(form.title), "limit": MAX_TITLE})
        )
    if _TAG.search(form.title):
        found.append(EntryProblem(Field.TITLE, Code.TITLE_HTML))
    if not plain_text(form.answer).strip():
        found.append(EntryProblem(Field.ANSWER, Code.EMPTY))
    else:
        found.extend(EntryProblem(Field.ANSWER, Code.HTML, {"html": p}) for p in html_problems(form.answer))
        for name in sorted(placeholders(form.answer) - facts.names()):
            found.append(EntryProblem(Field.ANSWER, Code.PLACEHOLDER, {"name": name}))
        length = message_length(form, lang, facts, machine=machine)
        if length > MAX_MESSAGE:
            found.append(EntryProblem(Field.ANSWER, Code.TOO_LONG, {"length": length, "limit": MAX_MESSAGE}))
        if is_rtl(lang) and not first_letter_is_rtl(plain_text(form.answer)):
            found.append(EntryProblem(Field.ANSWER, Code.RTL_START))
    for name, items, most, longest in (
        (Field.QUESTIONS, form.questions, MAX_QUESTIONS, MAX_QUESTION),
        (Field.KEYWORDS, form.keywords, MAX_KEYWORDS, MAX_KEYWORD),
    ):
        if len(items) > most:
            found.append(EntryProblem(name, Code.TOO_MANY, {"count": len(items), "limit": most}))
        long = max((len(item) for item in items), default=0)
        if long > longest:
            found.append(EntryProblem(name, Code.TOO_LONG, {"length": long, "limit": longest}))
    if form.checked is not None:
        month = parse_month(form.checked)
        if month is None:
            found.append(EntryProblem(Field.CHECKED, Code.MONTH))
        elif month_number(month) > today.year * 12 + today.month - 1:
            found.append(EntryProblem(Field.CHECKED, Code.FUTURE))
    return found


@dataclass(frozen=True)
class Preview:
    html: str  # browser HTML: the message as Telegram shows it (or the text as typed, escaped, on problems)
    length: int  # characters as Telegram counts them
    limit: int
    problems: list[EntryProblem]
    rtl: bool


def preview(form: EntryForm, lang: str, facts: LocalFacts, today: date, *, machine: bool = False) -> Preview:
    """The message the bot would send with this entry, for the browser: Telegram's formatting, the facts
    filled in; with the problems that keep it from being saved."""
    found = check_entry(form, lang, facts, today, machine=machine)
    entry = as_entry(form, "", lang, machine=machine)
    message = answer_message(entry, render_answer(entry, facts, lang))
    shown = message if not html_problems(message) else html.escape(html.unescape(message), quote=False)
    return Preview(to_browser(shown), visible_length(message), MAX_MESSAGE, found, is_rtl(lang))
