"""People type as they can: Arabizi, Finglish, Ukrainian and Russian in Latin letters, Ukrainian on a
Russian layout, dialects, learner German, one word, two topics at once (issue 15, points 1 and 2).

The spelling rules (bot/faq/translit.py), language detection and topics of the issue's six examples, the
answer language, and the quality targets on the held-out set (tests/data/faq_heldout.yaml, never tuned
on; the figures themselves are printed by bench/bench_faq.py).
"""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.faq.normalize import tokenize
from bot.faq.service import ANSWER, FaqService, build_service
from bot.faq.translit import has_arabizi_digit, key, keys, latin_tokens, query_keys, romanize
from tests import faq_quality


@pytest.fixture(scope="module")
def service() -> FaqService:
    return build_service(load_settings(_env_file=None))


# --- spelling rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latin", "native", "lang"),
    [
        ("bdi a7jez maw3ed", "بدي احجز موعد", "ar"),  # 7 = ح, 3 = ع, short vowels unwritten
        ("5alas el iqame", "خلاص الإقامة", "ar"),  # 5 = خ, the article, ta marbuta
        ("salam mikham vaght begiram baraye moshavere", "سلام میخوام وقت بگیرم برای مشاوره", "fa"),
        ("kursy nimetskoi movy de", "курси німецької мови де", "uk"),
        ("nuzhen vrach dlya rebenka", "нужен врач для ребенка", "ru"),
        ("shchob zapysatysia", "щоб записатися", "uk"),
    ],
)
def test_latin_spelling_and_native_script_share_their_keys(latin: str, native: str, lang: str) -> None:
    assert keys(latin_tokens(latin), lang) == keys(tokenize(native), lang)


def test_ukrainian_typed_on_a_russian_layout_has_the_keys_of_ukrainian() -> None:
    # и ы э stand for і и е: the keys fold them together
    assert keys(tokenize("потрибен ликар для дытыны"), "uk") == keys(
        tokenize("потрібен лікар для дитини"), "uk"
    )


def test_keys_fold_the_usual_spelling_variants() -> None:
    assert key("dytyny", "uk") == key("dityni", "uk") == key("djtjnj", "uk")
    assert key("shcho", "uk") == key("scho", "uk")
    assert key("maw3ed", "ar") == key("mau3ad", "ar")  # vowels and glides do not count in Arabic
    assert key("khune", "fa") == key("xoone", "fa")
    assert key("vaght", "fa") == key("vaqt", "fa")  # Finglish gh and q are one letter (ق غ)


def test_romanize_and_arabizi_digits() -> None:
    assert romanize("حجز") == "7jz"
    assert romanize("дитина") == "dytyna"
    assert has_arabizi_digit("a7jez") and has_arabizi_digit("3ndi")
    assert not has_arabizi_digit("b1") and not has_arabizi_digit("2024")


def test_egyptian_and_levantine_readings_of_2_and_g() -> None:
    # "sha2a" is شقة (ق spoken as hamza); the question also gets that reading's key
    assert key(romanize("شقه"), "ar") in query_keys(["sha2a"], "ar")


# --- the issue's six examples ------------------------------------------------------------------------------

SIX = [
    ("bdi a7jez maw3ed", "ar", "book-consultation"),
    ("salam mikham vaght begiram baraye moshavere", "fa", "book-consultation"),
    ("kursy nimetskoi movy de", "uk", "german-courses"),
    ("потрибен ликар для дытыны", "uk", "doctor"),
    ("القروش ما جات الشهر دا", "ar", "money-benefits"),
    ("کار میخواهم کجا بروم", "fa", "job-search"),
]


@pytest.mark.parametrize(("text", "lang", "slug"), SIX)
def test_the_issues_examples_are_recognised_and_answered(
    service: FaqService, text: str, lang: str, slug: str
) -> None:
    assert service.detect(text)[0] == lang
    reply = service.decide(text, user_lang=None)
    assert reply.kind == ANSWER and reply.entry is not None and reply.entry.slug == slug
    assert reply.lang == lang  # answered in the language of the question


@pytest.mark.parametrize(("text", "lang", "slug"), SIX[:4])
def test_a_transliterated_question_is_answered_in_its_language_for_a_german_reader(
    service: FaqService, text: str, lang: str, slug: str
) -> None:
    reply = service.decide(text, user_lang="de")
    assert reply.entry is not None and reply.entry.slug == slug and reply.lang == lang


def test_german_stays_german(service: FaqService) -> None:
    for text in ("ich brauche arzt fur mein kind", "wo ist kita", "Wie melde ich mich um?"):
        assert service.detect(text)[0] == "de"


def test_moving_help_gets_no_confident_wrong_answer(service: FaqService) -> None:
    # the issue: this got address registration, with no "Ask a person"
    reply = service.decide("kann mir jemand beim umzug helfen am samstag?", user_lang="de")
    assert reply.kind != ANSWER


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Kita?", "kita"), ("Arzt", "doctor"), ("سكن", "housing-search"), ("Житло", "housing-search")],
)
def test_one_word_questions_are_answered(service: FaqService, text: str, slug: str) -> None:
    reply = service.decide(text, user_lang="de")
    assert reply.kind == ANSWER and reply.entry is not None and reply.entry.slug == slug


@pytest.mark.parametrize(
    ("text", "slugs"),
    [
        ("Ich brauche einen Arzt und einen Dolmetscher", {"doctor", "interpreter"}),
        ("بدي دكتور ومترجم يحكي عربي", {"doctor", "interpreter"}),
        ("Шукаю квартиру і ще потрібні меблі", {"housing-search", "clothes-furniture"}),
    ],
)
def test_a_question_about_two_topics_offers_both(service: FaqService, text: str, slugs: set[str]) -> None:
    reply = service.decide(text, user_lang="de")
    offered = {e.slug for e in reply.suggestions} | ({reply.entry.slug} if reply.entry else set())
    assert slugs <= offered


@pytest.mark.parametrize(
    "text",
    [
        "Wo kann ich ein billiges Handy kaufen?",  # "Handy/Telefon": contact
        "Какие новости сегодня?",  # "новости": announcements
        "yaki novyny sohodni",
        "شلون الجو باجر",  # "tomorrow" is in an accompaniment example
        "havaye farda chetore",
        "Скільки коштує квиток на літак до Києва?",  # "квиток": mobility
    ],
)
def test_one_shared_topic_word_is_no_confident_answer(service: FaqService, text: str) -> None:
    assert service.decide(text, user_lang="de").kind != ANSWER


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Wo bekomme ich ein günstiges Deutschlandticket?", "mobility"),  # the topic knows "günstig"
        ("Ich will eure Nachrichten nicht mehr bekommen", "announcements"),
        ("как подписаться на новости", "announcements"),
    ],
)
def test_a_topic_that_uses_the_word_itself_still_answers(service: FaqService, text: str, slug: str) -> None:
    reply = service.decide(text, user_lang="de")
    assert reply.kind == ANSWER and reply.entry is not None and reply.entry.slug == slug


@pytest.mark.parametrize(
    "text",
    ["нада робота срочно", "нужен переводчик на прийом", "дэ взяты вэлосыпэд", "чы е рэпэтытор для школярив"],
)
def test_surzhyk_and_a_russian_layout_are_ukrainian(service: FaqService, text: str) -> None:
    assert service.detect(text)[0] == "uk"


def test_russian_stays_russian(service: FaqService) -> None:
    for text in ("где взять мебель бесплатно", "нужен переводчик на приём", "это мэр города?"):
        assert service.detect(text)[0] == "ru"


def test_a_single_topic_answer_offers_no_unrelated_topic(service: FaqService) -> None:
    reply = service.decide("Wo finde ich einen Kinderarzt?", user_lang="de")
    assert reply.entry is not None and reply.entry.slug == "doctor" and reply.suggestions == []


# --- quality on questions the bot has never seen --------------------------------------------------------------

# Targets the held-out set misses at the last measurement (bench/bench_faq.py prints the figures): strict
# xfail, so a fix that reaches a target makes this list shrink. Each keeps a floor against regressions.
# Measured 3 Dec 2026 (after the off-topic check, bot/faq/offtopic.py): ar translit 77.8% (21/27), fa
# translit 81.5% (22/27), de native 85.2% (23/27; 88.9% before); the floors are these figures.
MISSED: dict[tuple[str, str], float] = {
    ("ar", "translit"): 21 / 27,
    ("fa", "translit"): 22 / 27,
    ("de", "native"): 23 / 27,
}


@pytest.fixture(scope="module")
def heldout(service: FaqService) -> dict[tuple[str, str], faq_quality.Cell]:
    return faq_quality.evaluate(service, faq_quality.load(faq_quality.HELDOUT))


TARGET_CELLS = [
    (lang, way)
    for lang in faq_quality.MAIN_LANGUAGES
    for way in faq_quality.TOP1_TARGETS
    if (lang, way)
    in {
        ("de", "native"),
        ("de", "learner"),
        *((x, w) for x in ("ar", "fa", "uk") for w in ("native", "translit", "dialect")),
        ("uk", "russian-keyboard"),
    }
]


@pytest.mark.parametrize(
    ("lang", "way"),
    [
        pytest.param(*cell, marks=pytest.mark.xfail(strict=True, reason="target missed, see MISSED"))
        if cell in MISSED
        else cell
        for cell in TARGET_CELLS
    ],
)
def test_heldout_top1_reaches_the_target(
    heldout: dict[tuple[str, str], faq_quality.Cell], lang: str, way: str
) -> None:
    cell = heldout[lang, way]
    assert cell.questions >= 25
    assert cell.top1_rate >= faq_quality.TOP1_TARGETS[way], f"{lang} {way}: {cell.top1_rate:.1%}"


@pytest.mark.parametrize(("lang", "way"), list(MISSED))
def test_heldout_missed_targets_do_not_fall_further(
    heldout: dict[tuple[str, str], faq_quality.Cell], lang: str, way: str
) -> None:
    assert heldout[lang, way].top1_rate >= MISSED[lang, way]


def test_heldout_language_is_identified(heldout: dict[tuple[str, str], faq_quality.Cell]) -> None:
    named = faq_quality.Cell()
    for (_, way), cell in heldout.items():
        if way not in faq_quality.NO_LANGUAGE:
            named.add(cell)
    # target 99%, missed: measured 98.8% (502/508; was 98.2% before Ukrainian-only words and Russian-layout
    # spellings counted for Ukrainian); a floor at today's figure
    assert named.lang_rate >= 502 / 508


def test_heldout_out_of_scope_accepted(heldout: dict[tuple[str, str], faq_quality.Cell]) -> None:
    everything = faq_quality.Cell()
    for cell in heldout.values():
        everything.add(cell)
    # target at most 5%, missed: measured 6.2% (3/48; 16.7% before bot/faq/offtopic.py and the anchoring
    # of good scores); a ceiling at today's figure
    assert everything.accepted_rate <= 3 / 48


def test_heldout_every_way_is_covered(heldout: dict[tuple[str, str], faq_quality.Cell]) -> None:
    ways = {way for _, way in heldout}
    assert ways == set(faq_quality.WAYS)
    for lang in faq_quality.MAIN_LANGUAGES:
        assert heldout[lang, "two-topics"].questions >= 25 and heldout[lang, "one-word"].questions >= 25
