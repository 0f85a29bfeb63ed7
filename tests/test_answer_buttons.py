"""What an answer tells people to tap or type exists: every /command named in a catalog text or an FAQ
answer is a real command (the packages' COMMANDS, assembled by bot.wiring.menu()), and every button an FAQ
answer names in quotes ("Tap „Eine Person fragen“", "/menu → «Запитати людину»") is a button the reader
gets: a main-menu button a visitor sees when the sentence sends them to /menu, otherwise the answer's
own action button (topics.yaml `action`, labels in handlers/faq/views.py). A button named in a catalog
text is one of the bot's own labels in that language, or Telegram's own "Reply"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pytest

from bot import tickets
from bot.config import SUPPORTED_LANGUAGES
from bot.faq import feedback
from bot.faq.content import FaqEntry, load_content
from bot.text import Translator
from bot.users import VISITOR
from bot.wiring import menu
from handlers.faq.views import ACTION_LABELS
from tests.test_glossary import fold, texts

# "/book", "(/mybookings)", "/menu →"; not "</b>", "t.me/x", "и/или", "https://…/path".
COMMAND = re.compile(r"(?<![\w/.:<-])/([A-Za-z][A-Za-z0-9_]*)")
QUOTED = re.compile(
    r"„([^“”\n]+)[“”]|“([^”\n]+)”|\"([^\"\n]+)\"|«([^»\n]+)»|‚([^‘’\n]+)[‘’]|(?<!\w)'([^'\n]+?)'(?!\w)"
)
SENTENCE_END = re.compile(r"[.!?؟\n]")
# Words that make a quoted phrase a button: the verb may come after it (fa: «…» را انتخاب کنید).
TAP_WORDS: dict[str, tuple[str, ...]] = {
    "de": ("tippen", "tippe", "drücken", "klicken", "wählen", "knopf"),
    "en": ("tap", "press", "click", "choose", "select", "button"),
    "ar": ("اختر", "اختاري", "اضغط", "اضغطي", "انقر", "زر", "عبر"),
    "fa": ("انتخاب", "بزنید", "دکمه", "از راه"),
    "uk": ("натисніть", "натисни", "оберіть", "виберіть", "кнопк"),
    "ru": ("нажмите", "нажми", "выберите", "кнопк"),
}
# Telegram's own "Reply" (a message's menu), which a helper is told to use in the helpers' chat.
TELEGRAM_LABELS: dict[str, tuple[str, ...]] = {
    "de": ("Antworten",),
    "en": ("Reply",),
    "ar": ("رد", "ردّ"),
    "fa": ("پاسخ",),
    "uk": ("Відповісти",),
    "ru": ("Ответить",),
}
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")  # emoji, arrows and punctuation around a label


@dataclass(frozen=True)
class Mention:
    label: str
    via_menu: bool  # the same sentence sends the reader to /menu
    sentence: str


def label_key(label: str) -> str:
    return _EDGES.sub("", fold(label)).strip()


def button_mentions(text: str, lang: str) -> list[Mention]:
    """The quoted phrases of `text` that its sentence asks the reader to tap or choose."""
    found: list[Mention] = []
    for match in QUOTED.finditer(text):
        label = next(group for group in match.groups() if group is not None)
        starts = [m.end() for m in SENTENCE_END.finditer(text, 0, match.start())]
        start = starts[-1] if starts else 0
        end_match = SENTENCE_END.search(text, match.end())
        sentence = text[start : end_match.start() if end_match else len(text)]
        words = fold(sentence.replace(match.group(0), " "))
        if "→" in sentence or any(word in words for word in TAP_WORDS[lang]):
            found.append(Mention(label, "/menu" in sentence, sentence.strip()))
    return found


def commands_named(text: str) -> set[str]:
    return set(COMMAND.findall(text))


@cache
def command_names() -> frozenset[str]:
    return frozenset(command.name for command in menu().commands)


@cache
def visitor_menu_labels(lang: str) -> frozenset[str]:
    tr = Translator(lang)
    return frozenset(label_key(tr._(item.label)) for item in menu().items if item.role == VISITOR)


def action_label(entry: FaqEntry) -> str | None:
    if entry.action not in ACTION_LABELS:
        return None
    return label_key(Translator(entry.lang)._(ACTION_LABELS[entry.action]))


@cache
def bot_labels(lang: str) -> frozenset[str]:
    return frozenset(label_key(t.text) for t in texts(lang)) | {label_key(x) for x in TELEGRAM_LABELS[lang]}


def wrong_buttons(entry: FaqEntry) -> list[str]:
    problems = []
    for mention in button_mentions(entry.answer_template, entry.lang):
        key = label_key(mention.label)
        if mention.via_menu:
            if key not in visitor_menu_labels(entry.lang):
                problems.append(f"{entry.lang} {entry.slug}: no menu button {mention.label!r}")
        elif key != action_label(entry):
            problems.append(
                f"{entry.lang} {entry.slug}: {mention.label!r} is not this answer's button "
                f"(it has {entry.action or 'none'}): {mention.sentence!r}"
            )
    return problems


# --- the finders ---------------------------------------------------------------------------------------


def test_finders_see_commands_and_tapped_labels_but_not_other_quotes() -> None:
    assert commands_named("Schreiben Sie /book oder (/mybookings). <b>x</b> https://t.me/a/b и/или") == {
        "book",
        "mybookings",
    }
    de = button_mentions("Tippen Sie auf „Eine Person fragen“. Die Seite „Anerkennung“ hilft.", "de")
    assert [(m.label, m.via_menu) for m in de] == [("Eine Person fragen", False)]
    fa = button_mentions("/menu را بنویسید و «از یک نفر بپرسید» را انتخاب کنید.", "fa")
    assert [(m.label, m.via_menu) for m in fa] == [("از یک نفر بپرسید", True)]
    assert [m.label for m in button_mentions('Type /menu and tap "Ask a person".', "en")] == ["Ask a person"]
    assert [m.label for m in button_mentions("Don't wait: tap 'No limit'.", "en")] == ["No limit"]
    assert button_mentions("Send „-“ to delete the note.", "de") == []
    assert label_key("💬 Запитати людину") == label_key("Запитати людину")


def test_a_wrong_button_or_a_button_the_answer_lacks_is_caught() -> None:
    def entry(answer: str, action: str | None) -> FaqEntry:
        return FaqEntry("x", "en", "help", "X", answer, (), (), action)

    assert wrong_buttons(entry('Tap "Ask a person".', "handoff")) == []
    assert wrong_buttons(entry('Tap "Ask a person".', "subscribe"))  # the answer has no such button
    assert wrong_buttons(entry('Type /menu and tap "Ask a person".', "subscribe")) == []
    assert wrong_buttons(entry('Type /menu and tap "Ask a human".', None))  # no such menu button


# --- the real texts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_command_named_exists(lang: str) -> None:
    unknown = [
        f"{text.where}: /{name}"
        for text in texts(lang)
        for name in sorted(commands_named(text.text) - command_names())
    ]
    assert unknown == [], "\n".join(unknown)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_button_an_faq_answer_names_is_there(lang: str) -> None:
    problems = [p for entry in load_content().entries[lang].values() for p in wrong_buttons(entry)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_button_a_catalog_text_names_is_a_label_of_the_bot(lang: str) -> None:
    problems = [
        f"{text.where}: {mention.label!r}"
        for text in texts(lang)
        if not text.where.startswith("faq/")
        for mention in button_mentions(text.text, lang)
        if label_key(mention.label) not in bot_labels(lang)
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_privacy_answer_states_how_long_questions_are_kept(lang: str) -> None:
    # /privacy says it (core.po); the FAQ answer must not promise less or more than the code deletes.
    assert feedback.RETENTION_DAYS == tickets.RETENTION_DAYS == tickets.STALE_DAYS
    answer = load_content().entries[lang]["privacy"].answer_template
    # twice: questions the bot could not answer, and questions to a person
    assert answer.count(str(tickets.RETENTION_DAYS)) == 2, answer
    assert "/privacy" in answer and "/deletedata" in answer
