"""Normalisation for matching and the language detector's script cues."""

from __future__ import annotations

import random
import unicodedata

import pytest

from bot.faq import normalize as normalize_module
from bot.faq.detect import LanguageDetector, dominant_script
from bot.faq.normalize import content_tokens, fold, normalize, stem, stem_fa, tokenize


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("مَدْرَسَةٌ", "مدرسه"),  # harakat, teh marbuta
        ("مـــدرســة", "مدرسه"),  # tatweel
        ("أريد إقامة آمنة", "اريد اقامه امنه"),  # alef forms
        ("على", "علي"),  # alef maqsura
        ("کلاس آلمانی", "كلاس الماني"),  # Persian kaf/yeh = Arabic kaf/yeh
        ("می‌خواهم", "میخواهم"),  # zero-width non-joiner
        ("۱۱۲", "112"),  # Persian digits
        ("١١٦ ١١٧", "116 117"),  # Arabic-Indic digits
        ("п’ять пʼять п'ять", "пять пять пять"),  # apostrophe variants
        ("Bürgeramt", "buergeramt"),  # umlaut vs. ue
        ("ÄRZTIN", "aerztin"),
        ("Straße", "strasse"),
        ("ё", "е"),
        ("ﻣﺮﺣﺒﺎ", "مرحبا"),  # Arabic presentation forms
    ],
)
def test_variants_normalise_alike(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


def test_case_and_punctuation() -> None:
    assert tokenize("Wo ist die KITA?!") == ["wo", "ist", "die", "kita"]
    assert tokenize("deutschkurs,b1;a2") == ["deutschkurs", "b1", "a2"]


def _fold_by_definition(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = normalize_module._ARABIC_MARKS.sub("", text).translate(normalize_module._CHAR_MAP)
    if any(unicodedata.combining(ch) for ch in text):
        text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return text


def test_fold_shortcuts_give_what_the_definition_gives() -> None:
    # fold skips NFKC for ASCII and finds combining marks by a regex: the same result, only faster
    rnd = random.Random(18)
    texts = ["Ärztin", "A\u0308rztin", "ﷺ", "İstanbul", "ǅ", "ﬁx", "Straße", "a\U0001d165b", "ﻻ", "Kita?"]
    texts += [
        "".join(chr(rnd.randrange(0x20, 0x3000 if rnd.random() < 0.9 else 0x1F000)) for _ in range(8))
        for _ in range(3000)
    ]
    assert [fold(t) for t in texts] == [_fold_by_definition(t) for t in texts]


def test_fold_keeps_distinct_persian_letters() -> None:
    # پ چ ژ گ are letters of their own, not spelling variants.
    assert fold("پ چ ژ گ") == "پ چ ژ گ"


def test_latin_homoglyphs_inside_cyrillic_words() -> None:
    assert tokenize("кiта") == tokenize("кіта")  # Latin i typed for Ukrainian і


def test_words_of_two_scripts_run_together_are_split() -> None:
    assert tokenize("وين الjobcenter") == ["وين", "ال", "jobcenter"]
    assert tokenize("jobcenterде") == ["jobcenter", "де"]


def test_light_stemming_joins_inflected_forms() -> None:
    assert stem(normalize("Wohnungen")) == stem(normalize("Wohnung"))
    assert stem(normalize("المدرسة")) == stem(normalize("مدرسة"))
    assert stem(normalize("курси")) == stem(normalize("курсу"))
    assert stem("112") == "112"


def test_colloquial_persian_possessives_are_taken_off_in_persian_only() -> None:
    assert stem_fa(normalize("آدرستون")) == stem_fa(normalize("آدرس"))  # "your address"
    assert stem_fa(normalize("کلاسمون")) == stem_fa(normalize("کلاس"))  # "our class"
    assert stem_fa(normalize("وقتشون")) == stem_fa(normalize("وقت"))  # "their time"
    assert stem_fa(normalize("ستون")) == stem(normalize("ستون"))  # too short: a word of its own
    assert stem(normalize("يتكلمون")) != stem(normalize("يتكل"))  # Arabic keeps its verb endings


def test_stopwords_removed_unless_nothing_else_remains() -> None:
    assert content_tokens(tokenize("wo ist die kita")) == ["wo", "kita"]
    assert content_tokens(tokenize("ist das")) == ["ist", "das"]


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Wo kann ich Deutsch lernen?", "de"),
        ("Brauche Hilfe beim Ausfüllen", "de"),
        ("Where can I learn German?", "en"),
        ("وين بقدر اتعلم الماني", "ar"),
        ("بدي موعد عند الدكتور", "ar"),
        ("کجا می‌تونم آلمانی یاد بگیرم", "fa"),
        ("من ميخواهم كلاس زبان بروم چطور است", "fa"),  # Persian typed on an Arabic keyboard
        ("де можна вивчити німецьку", "uk"),
        ("Підкажіть, будь ласка, адресу", "uk"),
        ("где можно учить немецкий", "ru"),
        ("хочу стать волонтёром", "ru"),  # ё never occurs in Ukrainian
    ],
)
def test_detects_language(detector: LanguageDetector, text: str, lang: str) -> None:
    detected, confidence = detector.detect(text)
    assert detected == lang
    assert confidence >= 0.5


def test_no_letters_no_language(detector: LanguageDetector) -> None:
    assert detector.detect("😂👍") == (None, 0.0)
    assert detector.detect("") == (None, 0.0)
    assert detector.detect("112") == (None, 0.0)


def test_german_terms_do_not_pull_a_sentence_out_of_its_script() -> None:
    assert dominant_script("وين ال Jobcenter".split()) == "arabic"
    assert dominant_script("де знаходиться Jobcenter".split()) == "cyrillic"
    assert dominant_script("Wo ist das Jobcenter".split()) == "latin"
