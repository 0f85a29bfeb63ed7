"""One word for one thing (locales/glossary.yaml): no variant of a chosen word, one digit style and one
Ukrainian apostrophe in everything the bot says: every msgstr of the catalogs and the title and answer of
every FAQ entry. What people type (FAQ example questions, keywords, locales/smalltalk.yaml) is not
checked: the matcher has to know every variant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES
from bot.faq.content import DEFAULT_FAQ_DIR
from bot.i18n import LOCALES_DIR
from bot.local_facts import DEFAULT_FACTS_FILE
from bot.yamlfile import read_yaml

GLOSSARY_FILE = LOCALES_DIR / "glossary.yaml"
TERMS = ("appointment", "counselling", "helper", "organizer", "question", "menu", "button", "hello")

# Arabic harakat, superscript alef and tatweel are not part of a word's identity: "مَشورة" is "مشورة".
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
ZWNJ = "\u200c"
EASTERN_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
# An apostrophe between two Cyrillic letters (п'ять, м'ясо, сім'я).
_CYR = "\u0400-\u04ff"
UK_APOSTROPHE_VARIANTS = re.compile(f"(?<=[{_CYR}])['\u02bc`\u2018](?=[{_CYR}])")
DIALLABLE = re.compile(r"\+?[0-9][0-9 /()\-]*[0-9]")


@dataclass(frozen=True)
class Variant:
    text: str
    allow: tuple[str, ...] = ()


@dataclass(frozen=True)
class Text:
    where: str  # "booking.po: msgid…" or "faq/fa.yaml: slug answer"
    text: str


def fold(text: str) -> str:
    """What matching sees: marks dropped, ZWNJ as a space (Persian writes "کمک‌کننده" both ways), lower case."""
    return _MARKS.sub("", text).replace(ZWNJ, " ").casefold()


def _at_word_start(variant: str) -> re.Pattern[str]:
    # At the start of a word (an inflected form counts), never inside one: "питання" is not in "запитання".
    return re.compile(r"(?<!\w)" + re.escape(fold(variant)))


def find_variants(text: str, variants: list[Variant]) -> list[str]:
    """The variants `text` holds outside their allowed phrases."""
    folded = fold(text)
    found: list[str] = []
    for variant in variants:
        allowed = [
            (m.start(), m.end()) for phrase in variant.allow for m in _at_word_start(phrase).finditer(folded)
        ]
        for match in _at_word_start(variant.text).finditer(folded):
            if not any(start <= match.start() < end for start, end in allowed):
                found.append(folded[max(0, match.start() - 20) : match.end() + 20])
    return found


@cache
def glossary() -> dict[str, object]:
    data = read_yaml(GLOSSARY_FILE)
    assert isinstance(data, dict)
    return data


def variants_of(lang: str) -> list[tuple[str, Variant]]:
    terms = glossary()["terms"]
    assert isinstance(terms, dict)
    out: list[tuple[str, Variant]] = []
    for term, by_lang in terms.items():
        for raw in by_lang.get(lang, {}).get("variants", []) or []:
            if isinstance(raw, str):
                out.append((term, Variant(raw)))
            else:
                out.append((term, Variant(raw["text"], tuple(raw.get("allow", ())))))
    return out


@cache
def texts(lang: str) -> tuple[Text, ...]:
    """Everything the bot says in `lang`: catalog msgstr (every domain) and FAQ titles and answers."""
    found: list[Text] = []
    for path in sorted((LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found += [Text(f"{path.name}: {msgid[:50]!r}", s) for s in strings if s]
    faq = read_yaml(DEFAULT_FAQ_DIR / f"{lang}.yaml")
    for entry in faq["entries"]:
        for field in ("title", "answer"):
            found.append(Text(f"faq/{lang}.yaml: {entry['slug']} {field}", str(entry.get(field) or "")))
    return tuple(found)


# --- the glossary itself -------------------------------------------------------------------------------


def test_glossary_names_a_word_for_every_term_in_every_language() -> None:
    terms = glossary()["terms"]
    assert isinstance(terms, dict)
    assert set(TERMS) <= set(terms)
    for term, by_lang in terms.items():
        for lang in SUPPORTED_LANGUAGES:
            assert by_lang.get(lang, {}).get("use"), f"{term}: no word chosen for {lang}"
            for _, variant in variants_of(lang):
                # A variant that catches the chosen word itself would make every text fail.
                assert not find_variants(by_lang[lang]["use"], [variant]) or variant.allow, (term, lang)


def test_glossary_states_the_digit_style_and_the_apostrophe() -> None:
    assert glossary()["digits"] == "latin"
    assert glossary()["apostrophe"] == {"uk": "\u2019"}


def test_variants_are_found_at_word_start_with_their_forms_and_not_where_allowed() -> None:
    uk = [Variant("питан", ("з питань",))]
    assert find_variants("Напишіть своє питання", uk)
    assert find_variants("Відкритих питань немає", uk)  # an inflected form
    assert not find_variants("Напишіть своє запитання", uk)  # inside another word
    assert not find_variants("консультуємо з питань роботи", uk)  # an allowed meaning ("matters")
    fa = [Variant("پرسش"), Variant("کمک‌کننده")]
    assert find_variants("پرسش‌هایتان را بنویسید", fa)
    assert find_variants("یک کمک کننده می‌آید", fa)  # written with a space instead of ZWNJ
    assert not find_variants("سؤال خود را بپرسید", fa)  # the verb "to ask" is not the noun
    assert find_variants("هذه مَشورة", [Variant("مشورة")])  # harakat do not hide a variant
    assert find_variants("Tippen Sie auf den BUTTON", [Variant("Button")])


# --- the texts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_no_variant_in_what_the_bot_says(lang: str) -> None:
    problems = [
        f"{text.where}: {term} {variant.text!r} in …{snippet}…"
        for text in texts(lang)
        for term, variant in variants_of(lang)
        for snippet in find_variants(text.text, [variant])
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_latin_digits_only(lang: str) -> None:
    bad = [
        f"{t.where}: {EASTERN_DIGITS.findall(t.text)}" for t in texts(lang) if EASTERN_DIGITS.search(t.text)
    ]
    assert bad == [], "\n".join(bad)


def _phones(node: object, path: str = "") -> dict[str, str]:
    """Every value under a key that names a phone number, in any language."""
    if isinstance(node, dict):
        found: dict[str, str] = {}
        for key, value in node.items():
            inner = f"{path}.{key}"
            if "phone" in str(key) and not isinstance(value, (dict, list)):
                found[inner] = str(value)
            found |= _phones(value, inner) if "phone" not in str(key) else _phones_below(value, inner)
        return found
    if isinstance(node, list):
        return {k: v for i, item in enumerate(node) for k, v in _phones(item, f"{path}[{i}]").items()}
    return {}


def _phones_below(node: object, path: str) -> dict[str, str]:
    if isinstance(node, dict):
        return {k: v for key, value in node.items() for k, v in _phones_below(value, f"{path}.{key}").items()}
    return {} if isinstance(node, list) or node is None else {path: str(node)}


def test_phone_numbers_of_the_local_facts_can_be_dialled() -> None:
    phones = _phones(read_yaml(Path(DEFAULT_FACTS_FILE)))
    assert phones, "no phone number found in the local facts file"
    for name, value in phones.items():
        assert DIALLABLE.search(value) and not EASTERN_DIGITS.search(value), f"{name}: {value!r}"


def test_one_ukrainian_apostrophe() -> None:
    bad = [
        f"{t.where}: {UK_APOSTROPHE_VARIANTS.findall(t.text)}"
        for t in texts("uk")
        if UK_APOSTROPHE_VARIANTS.search(t.text)
    ]
    assert bad == [], "\n".join(bad)
    assert UK_APOSTROPHE_VARIANTS.search("сім'я") and UK_APOSTROPHE_VARIANTS.search("пʼять")
    assert not UK_APOSTROPHE_VARIANTS.search("сім’я") and not UK_APOSTROPHE_VARIANTS.search("'text'")
