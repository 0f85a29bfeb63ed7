"""Small talk (bot/faq/smalltalk.py, locales/smalltalk.yaml): thanks, goodbyes, greetings, yes / no / ok
and emoji in the six languages and in Latin letters are recognised as whole messages; a real question
that merely contains "danke" or "ok" is not; danger always comes first."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.faq import smalltalk
from bot.faq.normalize import within_one_edit
from bot.faq.service import GREETING, SMALLTALK, FaqService, build_service
from bot.faq.smalltalk import Talk, recognise
from bot.yamlfile import read_yaml

TESTSET = Path(__file__).resolve().parent / "data" / "faq_testset.yaml"

POSITIVE: dict[Talk, list[str]] = {
    Talk.THANKS: [
        # de
        "danke",
        "Danke!",
        "Dankeschön",
        "Danke schön 🙏",
        "Vielen Dank für die Hilfe!",
        "dankeeee",
        # en
        "thanks",
        "Thank you so much!!",
        "thx",
        # ar, with dialect
        "شكرا",
        "شكرًا",
        "شكرا كتير",
        "شكراااا",
        "يعطيك العافية",
        "مشكورة",
        # fa / dari
        "ممنون از کمکتون",
        "مرسی",
        "دمت گرم",
        "تشکر",
        "خیلی ممنونم",
        "تشکر از کمک تان",
        # uk, ru
        "дякую",
        "Дуже дякую!",
        "спасибі",
        "спасибо",
        "Спасибо большое 🙏",
        # transliterated: Arabizi, Finglish, Ukrainian and Russian in Latin letters
        "shukran",
        "shukran ya habibi",
        "ya3tik el 3afye",
        "merci",
        "mamnoon",
        "kheili mamnoon",
        "dyakuyu",
        "spasibo",
        "spasiba",  # one letter off
        # emoji
        "🙏",
        "❤️",
    ],
    Talk.GOODBYE: [
        "tschüss",
        "Tschüs!",
        "bye",
        "yalla bye",
        "مع السلامة",
        "خداحافظ",
        "до побачення",
        "пока",
        "ma3a salama",
        "khodahafez",
        "poka",
    ],
    Talk.GREETING: ["Hallo", "السلام عليكم", "سلام", "Привіт", "salam", "marhaba", "privet", "👋"],
    Talk.YES: ["ja", "yes", "نعم", "بله", "так", "да", "aywa", "bale"],
    Talk.NO: ["nein", "no", "لا", "نه", "ні", "нет", "nein danke", "la shukran"],
    Talk.OK: ["ok", "okay", "OK!", "alles klar", "تمام", "ماشي", "باشه", "добре", "хорошо", "mashi", "tamam"],
    Talk.LIKE: ["👍", "👍🏽👍🏽", "👌", "🙂", "hahaha", "ههههههه", "😂"],
    Talk.EMOJI: ["😢", "🤔🤔"],
}

NEGATIVE = [
    "Kita?",
    "Arzt",
    "سكن",
    "danke, wo ist das Jobcenter?",
    "ok wann ist der deutschkurs",
    "Hallo, ich brauche einen Termin",
    "Danke, aber wo ist der Arzt?",
    "شكرا بس وين السكن",
    "ممنون، کلاس زبان کجاست؟",
    "спасибо, а где школа?",
    "дякую, де житло?",
    "thanks, where is the job center",
    "yes I need help",
    "ja ich brauche hilfe",
    "نه پول ندارم",
    "Termin",
    "Deutschkurs",
    "?",
    "112",
    "",
]


@pytest.mark.parametrize(
    ("talk", "text"), [(talk, text) for talk, texts in POSITIVE.items() for text in texts]
)
def test_small_talk_is_recognised(talk: Talk, text: str) -> None:
    assert recognise(text) == talk


@pytest.mark.parametrize("text", NEGATIVE)
def test_a_question_is_no_small_talk(text: str) -> None:
    assert recognise(text) is None


def test_every_kind_is_known_in_six_languages_and_in_latin_letters() -> None:
    samples = {
        "de": "danke",
        "en": "thanks",
        "ar": "شكرا",
        "fa": "ممنون",
        "uk": "дякую",
        "ru": "спасибо",
        "latin": "shukran",
    }
    assert {lang: recognise(text) for lang, text in samples.items()} == dict.fromkeys(samples, Talk.THANKS)


def test_the_data_file_is_clean() -> None:
    assert smalltalk.check() == []


def test_the_strongest_kind_wins_and_longer_phrases_count_as_one() -> None:
    assert recognise("ok danke") == Talk.THANKS
    assert recognise("hallo, danke") == Talk.THANKS
    assert recognise("nein danke") == Talk.NO  # one phrase, not "no" and "thanks"
    assert recognise("Gute Nacht") == Talk.GOODBYE
    assert recognise("danke 🏠") == Talk.THANKS  # an unknown emoji beside words adds nothing


def test_at_most_two_fillers() -> None:
    assert recognise("danke sehr lieber bot") == Talk.THANKS  # "danke sehr" + two fillers
    assert recognise("danke so so so") is None


def test_the_table_can_be_extended() -> None:
    table = smalltalk.build({"kinds": {"thanks": {"de": ["vergelts gott"], "emoji": ["🌻"]}}})
    assert table.recognise("Vergelt's Gott!") == Talk.THANKS
    assert table.recognise("🌻") == Talk.THANKS
    assert table.recognise("danke") is None  # only what the table holds (and the matcher's greetings)
    assert table.recognise("hallo") == Talk.GREETING


def test_a_word_one_letter_off_is_found_as_by_comparing_with_every_word() -> None:
    """The one-edit lookup (smalltalk._OneEdit) finds the same known word as comparing the word with every
    word of the table would: for every letter changed, added or left out of each known word, and for every
    word of the FAQ test questions."""
    table = smalltalk.table()
    long_words = [w for w in table.vocabulary if len(w) >= smalltalk.FUZZY_MIN - 1]

    def by_comparing(word: str) -> str:
        if word in table.vocabulary or word in table.fillers or len(word) < smalltalk.FUZZY_MIN:
            return word
        close = sorted(w for w in long_words if within_one_edit(word, w))
        return close[0] if close else word

    letters = sorted({ch for w in long_words for ch in w})
    every = sorted(long_words)
    tried = {w[:i] + w[i + 1 :] for w in every[::3] for i in range(len(w))}  # a letter left out
    tried |= {
        w[:i] + letters[(i * 7 + len(w)) % len(letters)] + w[i + 1 :]
        for w in every[1::3]
        for i in range(len(w))
    }
    tried |= {
        w[:i] + letters[(i * 5 + len(w)) % len(letters)] + w[i:] for w in every[2::3] for i in range(len(w))
    }
    testset = read_yaml(TESTSET)["questions"]
    tried |= {w for q in testset[::4] for w in smalltalk.words(str(q["text"]))}
    changed = {w for w in tried if by_comparing(w) != w}
    assert len(changed) > 100  # the check compares real typos, not only words that stay as they are
    assert {w: table.canonical(w) for w in tried} == {w: by_comparing(w) for w in tried}


@pytest.fixture(scope="module")
def service() -> FaqService:
    return build_service(load_settings(_env_file=None))


@pytest.mark.parametrize("text", ["شكرا كتير", "mamnoon", "ok", "👍", "спасибо"])
def test_small_talk_is_never_an_faq_answer(service: FaqService, text: str) -> None:
    reply = service.decide(text, user_lang="fa")
    assert reply.kind == SMALLTALK and reply.lang == "fa"  # in the reader's language
    assert reply.entry is None and reply.suggestions == []


def test_greetings_keep_the_menu(service: FaqService) -> None:
    assert service.decide("salam", user_lang="ar").kind == GREETING


def test_danger_comes_first(service: FaqService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a message the table took for small talk gets the emergency answer when it speaks of danger."""
    monkeypatch.setattr(smalltalk, "recognise", lambda text: Talk.THANKS)
    reply = service.decide("Danke, mein Mann schlägt mich", user_lang="de")
    assert reply.emergency and reply.entry is not None and reply.entry.slug == "emergency"
