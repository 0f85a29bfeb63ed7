"""The one language table (bot/languages.py): the bot's languages named in themselves and in the reader's
language, right-to-left where they are, each name one message id in core.po, and no second table."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.pofile import read_po

from bot import languages
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import LOCALES_DIR
from bot.text import Translator

ROOT = Path(__file__).resolve().parent.parent
TABLE = "bot/languages.py"
# Modules that hold per-language content (not names of languages), keyed by our language codes.
PER_LANGUAGE_CONTENT = {
    "bot/broadcast/demo.py": "the demo events' texts",
    "bot/faq/detect.py": "letters and words that tell the languages apart",
    "bot/faq/greetings.py": "greeting words",
    "bot/faq/normalize.py": "stop words",
    "bot/translation/service.py": "our codes as a translation backend spells them",
    "bot/translation/demo.py": "the demo conversation's sample phrases",
    "bot/faq/offtopic.py": "words of questions we do not answer",
    "bot/figures/demo.py": "the demo figures' share of questions per language",
}


def test_the_bots_languages_are_named_in_their_own_script() -> None:
    assert {code: languages.own_name(code) for code in SUPPORTED_LANGUAGES} == {
        "de": "Deutsch",
        "ar": "العربية",
        "fa": "فارسی / دری",
        "uk": "Українська",
        "en": "English",
        "ru": "Русский",
    }
    assert languages.own_name("xx") == "xx"


def test_every_language_of_the_bot_is_in_the_table() -> None:
    assert all(languages.is_known(code) for code in SUPPORTED_LANGUAGES)
    assert languages.RTL_LANGUAGES & set(SUPPORTED_LANGUAGES) == {"ar", "fa"}
    assert set(SUPPORTED_LANGUAGES) <= set(languages.INTERPRETER_LANGUAGES) <= set(languages.HELPER_LANGUAGES)
    assert languages.OTHER not in languages.BY_CODE


def test_names_in_the_readers_language() -> None:
    de, fa = Translator("de")._, Translator("fa")._
    assert languages.name_in("ar", de) == "Arabisch"
    assert languages.name_in("ps", de) == "Paschtu"
    assert languages.name_in("fa", fa) == "فارسی / دری"
    assert languages.name_in(languages.OTHER, de) == "Andere Sprache"
    assert languages.name_in("xx", de) == "xx"


def test_each_name_is_one_message_id_of_core() -> None:
    msgids = {language.name for language in languages.LANGUAGES} | {languages.OTHER_NAME}
    for lang in SUPPORTED_LANGUAGES:
        for path in sorted((LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po")):
            with path.open("rb") as fp:
                ids = {message.id for message in read_po(fp, locale=lang)}
            expected = msgids if path.stem == "core" else set()
            assert msgids & ids == expected, f"{lang}/{path.name}: {sorted(msgids & ids ^ expected)}"


def _sources() -> list[tuple[str, ast.AST]]:
    found = []
    for package in ("bot", "handlers", "storage", "emulator"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel != TABLE and "migrations" not in path.parts:  # migrations: history, not code
                found.append((rel, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def test_no_second_language_table() -> None:
    """No dict keyed by (nearly) all of the bot's languages outside the table, but per-language content;
    and no language's name written anywhere else (a table in another shape)."""
    codes = set(SUPPORTED_LANGUAGES)
    names = {name for language in languages.LANGUAGES for name in (language.own, language.name)}
    tables, named = [], []
    for rel, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and rel not in PER_LANGUAGE_CONTENT:
                keys = {key.value for key in node.keys if isinstance(key, ast.Constant)}
                if len(keys & codes) >= 5:
                    tables.append(f"{rel}:{node.lineno}")
            elif isinstance(node, ast.Constant) and node.value in names:
                named.append(f"{rel}:{node.lineno} {node.value!r}")
    assert tables == [], f"a second language table; use {TABLE}"
    assert named == [], f"a language named outside {TABLE}"
