"""People type as they can: Arabizi, Finglish, Ukrainian and Russian in Latin letters, Ukrainian on a
Russian layout, dialects, learner German, one word, two topics at once (issue 15, points 1 and 2).

The spelling rules (bot/faq/translit.py), language detection and topics of the issue's six examples, the
answer language, and the quality targets on the held-out set (tests/data/faq_heldout.yaml, never tuned
on; the figures themselves are printed by bench/bench_faq.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SUPPORTED_LANGUAGES, load_settings
from bot.faq import offtopic
from bot.faq.normalize import tokenize, with_compound_heads
from bot.faq.offtopic import off_topic
from bot.faq.service import ANSWER, FaqService, build_service
from bot.faq.translit import (
    has_arabizi_digit,
    key,
    key_stemmer,
    keys,
    latin_tokens,
    query_keys,
    romanize,
)
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
    assert key("maw3ed", "ar") == key("mau3ad", "ar")  # vowels do not count, nor w before a consonant
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


def test_a_letter_of_two_latin_letters_does_not_join_the_next() -> None:
    # ش ه is "sh" and "h", not "ch" (چ); ك ه is "k" and "h", not "kh" (خ)
    assert keys(tokenize("شهرداری"), "fa") == keys(["shahrdari"], "fa")
    assert keys(tokenize("كهربا"), "ar") == keys(["kahraba"], "ar")


def test_waw_and_yeh_before_a_written_vowel_are_consonants() -> None:
    # کرایه (rent) keeps its ی and no longer shares the key of کار (work); پیدا has the vowel i
    assert [key("keraye", "fa")] == keys(tokenize("کرایه"), "fa") != [key("kar", "fa")]
    assert keys(tokenize("سيارة"), "ar") == keys(["sayara"], "ar") == keys(["siyara"], "ar")
    assert keys(tokenize("پیدا"), "fa") == keys(["peyda"], "fa")


def test_persian_letters_read_the_persian_way() -> None:
    assert keys(tokenize("مریض"), "fa") == keys(["mariz"], "fa")  # ض is "z"
    assert keys(tokenize("ثبت"), "fa") == keys(["sabt"], "fa")  # ث is "s"
    assert keys(tokenize("آلمانی"), "fa") == keys(["almani"], "fa")  # no Arabic article
    assert keys(tokenize("برای"), "fa") == keys(["baraye"], "fa")  # the ezafe


def test_english_spellings_and_second_arabizi_readings() -> None:
    assert keys(["doctor"], "ar") == keys(tokenize("دكتور"), "ar")  # c is k
    assert keys(["telephone"], "fa") == keys(tokenize("تلفن"), "fa")  # ph is f
    assert keys(tokenize("تذكرة"), "ar") == keys(["tazkara"], "ar")  # ذ spoken z
    assert keys(tokenize("قطار"), "ar")[0] in query_keys(["2etar"], "ar")  # 2 = ق, first letter too
    assert keys(tokenize("مصاري"), "ar")[0] in query_keys(["ma9ari"], "ar")  # 9 = ص


def test_latin_spellings_get_the_key_of_their_native_word() -> None:
    # measured 3 Dec 2026: ar 96.5%, fa 97.6% (93.5% and 93.7% before the rules above)
    for lang in ("ar", "fa"):
        agree, total = faq_quality.spelling_agreement(lang)
        assert total >= 300 and agree / total >= 0.95, f"{lang}: {agree}/{total}"


def test_few_words_of_the_faq_share_a_key(service: FaqService) -> None:
    # measured 3 Dec 2026: ar 1.16, fa 0.58 other words per word's key (1.64 and 0.90 before: keys
    # without consonantal و ی, with "dh" as d and ش ه read as چ)
    for lang, most in (("ar", 1.4), ("fa", 0.75)):
        assert faq_quality.key_sharing(service.matcher.content, lang) <= most, lang


def test_key_stems_drop_possessive_endings() -> None:
    fa, ar = key_stemmer("fa"), key_stemmer("ar")
    assert fa(key("komakam", "fa")) == fa(key("komak", "fa"))  # my help
    assert ar(key("shahadti", "ar")) == ar(keys(tokenize("شهادة"), "ar")[0])  # my certificate


def test_a_german_compound_also_names_its_last_part() -> None:
    known = {"schrank", "sofa", "kinderarzt", "arzt", "hof"}
    assert with_compound_heads(["kuhlschrank", "sofa"], known) == ["kuhlschrank", "schrank", "sofa"]
    assert with_compound_heads(["kinderarzt"], known) == ["kinderarzt"]  # known as it is
    assert with_compound_heads(["bahnhof"], known) == ["bahnhof"]  # "hof" is too short to tell


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Gibt es bei euch eine Kinderzahnärztin?", "doctor"),  # Zahnärztin -> Ärztin
        ("donbale khoone hastam komak konid", "housing-search"),  # "khoone" names the topic, "komak" not
        ("baraye bachem kita peyda nemikonam", "kita"),
    ],
)
def test_the_topic_the_question_names_wins_a_close_call(service: FaqService, text: str, slug: str) -> None:
    reply = service.decide(text, user_lang=None)
    assert reply.kind == ANSWER and reply.entry is not None and reply.entry.slug == slug


def test_off_topic_kinds() -> None:
    def never(word: str) -> bool:
        return False

    for text in ("Was ist die Hauptstadt von Kanada?", "yak pryhotuvaty varenyky", "Який курс долара?"):
        assert off_topic(tokenize(text), "x", never), text
    # a phone alone is no shopping; a course that costs euros is no exchange rate
    for text in ("Wie bekomme ich eure Infos aufs Handy?", "курс німецької мови за 100 євро"):
        assert not off_topic(tokenize(text), "x", never), text


@pytest.mark.parametrize(
    "text",
    [
        "shu el ta2es bokra",  # weather, in Arabizi and Finglish
        "havaa farda chetore",
        "Як там з погодою на вихідних?",  # the weather, in Ukrainian's and Russian's other cases
        "Что там с погодой на выходных?",
        "Wer hat gestern gewonnen, Schalke oder der BVB?",  # sport
        "bazi perspolis ro ki bord",
        "kif a3mel kebbe nayye",  # a dish
        "ghormeh sabzi chetor dorost konam",
        "як приготувати деруни",
        "welches iPhone soll ich kaufen oder Samsung",  # gadgets
        "shashet el ayfon maksoura",
        "Моя машина не заводиться на морозі",  # a car
        "موتور ماشینم روشن نمیشه",
        "kennt jemand eine gute Partnersuche",  # dating
        "знаю хороший тіндер?",
        "Pauschalreise nach Spanien, wo am billigsten",  # holidays
        "who invented the telephone",  # trivia
        "Wo gibt es Karten für das Konzert von Helene Fischer?",  # tickets for a concert
        "بلیط کنسرت گوگوش کجا میفروشن؟",
        "Where can I buy tickets for the Coldplay concert?",
        "gheymate euro be toman emrooz chande?",  # a price in a home country's money
        "كم سعر الدولار بالليرة السورية",
        "bde 7ajez ticket la mabarat bayern munich, min wen?",  # a football match, in Arabizi
    ],
)
def test_the_everyday_subjects_the_faq_does_not_cover_are_off_topic(text: str) -> None:
    assert off_topic(tokenize(text), "x", lambda word: False), text


@pytest.mark.parametrize(
    ("text", "slug", "abroad"),
    [
        # A flat or a trip abroad is not ours; where people come from, or a place abroad for another topic, is.
        ("Wir suchen eine Wohnung in der Türkei für meinen Onkel", "housing-search", True),
        ("Шукаю квартиру в оренду у Харкові", "housing-search", True),
        ("أبحث عن شقة للإيجار بإسطنبول", "housing-search", True),
        ("دنبال یک خانه در مشهد برای پدرم هستم", "housing-search", True),
        ("Сколько стоит автобус до Киева?", "mobility", True),
        ("kvytok na potiah do Lvova de kupyty", "mobility", True),
        ("Wir kommen aus Kyjiw und suchen eine Wohnung in Isernhagen", "housing-search", False),
        ("Ми з Харкова, шукаємо житло тут", "housing-search", False),
        (
            "Ich habe in Damaskus studiert, wie lasse ich den Abschluss anerkennen?",
            "recognition-of-qualifications",
            False,
        ),
    ],
)
def test_a_flat_or_a_trip_abroad_is_off_topic_for_housing_and_mobility(
    text: str, slug: str, abroad: bool
) -> None:
    assert off_topic(tokenize(text), slug, lambda word: False) == abroad, text


def test_questions_that_name_a_place_abroad_in_passing_keep_their_answers(
    service: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second reader's in-scope questions that name a place abroad with "in" or "to" ("we had a flat in
    Aleppo, now ..."): the rule for a flat or a trip abroad takes the answer of at most one in twenty of them
    (3 of the 66 answered right on 7 Dec 2026; a place after "in" alone took 49)."""
    rows = faq_quality.load(faq_quality.ABROAD_IN_PASSING)

    def right() -> int:
        replies = [(service.decide(str(row["text"]), user_lang=None), row["slug"]) for row in rows]
        return sum(r.kind == ANSWER and r.entry is not None and r.entry.slug == slug for r, slug in replies)

    with_rule = right()
    monkeypatch.setattr(offtopic, "ABROAD_TOPICS", ())
    assert 0 <= right() - with_rule <= len(rows) // 20


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        # Words near the off-topic ones that our questions use: a car to come by, a fever, a mechanic's job,
        # a stand-in for a helper (a tourist visa someone came on is doubted now: below).
        ("Kann ich mit dem Auto zu euch kommen?", "meeting-place"),
        ("mein kind hat fieber 39 grad, welcher arzt", "doctor"),
        ("ich suche arbeit als kfz mechaniker", "job-search"),
        ("wer springt ein wenn mein begleiter krank ist", "accompaniment"),
        # Found by a second reader: words of off-topic subjects that our questions use too.
        ("Не можем дождаться ответа из Ausländerbehörde по продлению, что делать?", "residence-permit"),
        ("Оплачивает ли Джобцентр планшет для ребенка в школу?", "school"),
        ("Как учить немецкие глаголы с приставками, есть курс?", "german-courses"),
        ("Can I go on vacation to Poland while I get Bürgergeld?", "money-benefits"),
        ("i won to book appointment", "book-consultation"),
        ("Can I send you a screen of the letter from the Jobcenter?", "letters-from-authorities"),
        ("I live in an Airbnb, can the Jobcenter pay for a flat?", "housing-search"),
        ("موتر ندارم چطور به شما بیایم؟", "meeting-place"),  # Dari: a car
        ("عندي ألم في القدم بدي دكتور", "doctor"),  # the foot, not football
        ("I was an actor, how can I find a job here?", "job-search"),
        ("انا مغني وبدي اشتغل بالمانيا", "job-search"),
        ("Я співак, чи можна підтвердити мій диплом?", "recognition-of-qualifications"),
        ("Fällt das Sommerfest aus, wenn es regnet?", "events"),
        ("I want a job in a falafel restaurant", "job-search"),
        # Everyday German that an English or German list once took for off topic ("war", "plane", "krieg").
        ("Ich war beim Jobcenter und verstehe den Brief nicht", "letters-from-authorities"),
        ("Wo krieg ich einen Kitaplatz?", "kita"),
        (
            "Ich bin vor dem Krieg geflohen, wie verlängere ich meine Aufenthaltserlaubnis?",
            "residence-permit",
        ),
        ("Ich plane einen Umzug nach Hannover, muss ich mich ummelden?", "address-registration"),
        ("بدي اشتغل بمطعم شاورما", "job-search"),
        ("Мене звати Олена Усик, хочу записатися на консультацію", "book-consultation"),
        ("hokm dadgah amad, baraye eghamat chikar konam", "residence-permit"),  # a court ruling
        ("Brauche ich eine neue Simkarte für die Anmeldung?", "address-registration"),
        ("Можно принести своё блюдо на праздник?", "events"),
        ("Is there a cooking evening at the women's meeting?", "women-meetings"),
        # Near a concert, dance, driving and prayer (a second reader's questions, 5 Dec 2026: single words for
        # these took the answer from 20 of 30 of them, so only a ticket for a concert is off topic).
        ("Gibt es beim Sommerfest vom Verein auch ein Konzert?", "events"),
        ("Чи буде концерт на святі?", "events"),
        ("Kann ich mit dem Deutschlandticket zum Konzert beim Sommerfest fahren?", "mobility"),
        ("Я працювала концертмейстером у музичній школі, як знайти роботу?", "job-search"),
        ("Ich habe morgen Fahrstunde, wie kann ich meinen Beratungstermin verschieben?", "book-consultation"),
        ("Ich suche Arbeit als Fahrlehrer", "job-search"),
        ("كنت شغال مدرب سواقة في مصر، إزاي ألاقي شغل هنا؟", "job-search"),
        ("متى تفتحون؟ أقدر أجي بعد صلاة العصر؟", "meeting-place"),
        (
            "Ich arbeite nachts, kann ich tagsüber zum Deutschkurs? Ich bete auch fünfmal am Tag",
            "german-courses",
        ),
        ("Чи можна в групі шиття пошити костюм для танців доньки?", "sewing-group"),
        # A second reader's questions (5 Dec 2026) beside a price in a home country's money and a repair:
        # افغانی is also "Afghan", and a phone named beside a repair is often only how someone writes.
        ("قیمت ترجمه مدرک افغانی برای ارزشیابی چقدر است؟", "recognition-of-qualifications"),
        (
            "Kann jemand in der Nähgruppe meine Nähmaschine reparieren? Ich schicke ein Foto vom Handy",
            "sewing-group",
        ),
        # beside renting a car and sending money by card (a second reader's, 5 Dec 2026: pairs for these dropped)
        ("Шукаю квартиру в оренду, машини немає", "housing-search"),
        ("Suche Zimmer zur Miete, habe Auto", "housing-search"),
        ("Как перевести документы на немецкий?", "interpreter"),
        # Buying medicine is the doctor topic's (its answer says where to buy them, in the words people use):
        # blind sets 35-50, each without its own rows, missed 13 such questions as shopping (7 Dec 2026).
        ("Wo kann ich abends noch Medikamente kaufen?", "doctor"),
        ("where do i buy medicine for my kid at night", "doctor"),
        ("أين أشتري دواء لابني يوم الأحد؟", "doctor"),
        ("داروی سرماخوردگی رو از کجا بخرم؟ شبه.", "doctor"),
        ("Де купити ліки для дитини в неділю ввечері?", "doctor"),
        ("Где купить лекарство для ребёнка ночью?", "doctor"),
    ],
)
def test_questions_near_an_off_topic_subject_are_still_answered(
    service: FaqService, text: str, slug: str
) -> None:
    reply = service.decide(text, user_lang=None)
    assert reply.kind == ANSWER and reply.entry is not None and reply.entry.slug == slug, text


# Asking for a person instead of the bot, in words none of the filed questions has (the demo tried as a new
# user, 6 Dec 2026: Farsi "میخواهم با یک نفر صحبت کنم" got the address registration): the contact topic,
# whose button is "Ask a person".
@pytest.mark.parametrize(
    "text",
    [
        "میشه با یه آدم از انجمن صحبت کنم؟",
        "با یک انسان میخوام حرف بزنم",
        "أريد أن أتكلم مع أحد الموظفين",
        "ممكن أحكي مع حدا حقيقي؟",
        "Я хочу написати людині, не боту",
        "Can I speak with a human?",
    ],
)
def test_asking_for_a_person_gets_the_contact_topic_and_its_button(service: FaqService, text: str) -> None:
    reply = service.decide(text, user_lang=None)
    assert reply.kind == ANSWER and reply.entry is not None, text
    assert (reply.entry.slug, reply.entry.action) == ("contact", "handoff"), text


@pytest.mark.parametrize(
    "text",
    [
        # A course in something other than a language (the seventh set's misses): no German course.
        "أبحث عن كورس يوغا للمبتدئين، هل تنصحونني بتطبيق جيد؟",
        "کلاس یوگا برای مبتدی‌ها در هانوفر سراغ دارید؟",
        "Чи є в Ганновері курси манікюру українською?",
        "Gibt es hier einen Tanzkurs für Erwachsene?",
        "wen fi dawrat swa2a rkhisa?",
        # Another language to learn and no German (the fourteenth set's misses): no German course either.
        "بدي اتعلم انجليزي، في عندكم كورس؟",
        "کلاس زبان انگلیسی برای بچه‌ها دارید؟",
        "Де можна вивчати англійську мову безкоштовно?",
        "Wo kann ich Französisch lernen?",
        "mikham englisi yad begiram, kelas hast?",
    ],
)
def test_a_course_in_something_else_is_no_german_course(text: str) -> None:
    assert off_topic(tokenize(text), "german-courses", lambda word: False), text
    assert not off_topic(tokenize(text), "homework-help", lambda word: False), text  # judged for one topic


@pytest.mark.parametrize(
    "text",
    [
        # A second reader's German-course questions that name another class (5 Dec 2026): a free course word,
        # German, a language, speaking or words keep the answer.
        "marhaba, el kors 3ndkon ayya yom? ana 3ndi kors yoga el tlata w badi et3allam e7ki",
        "سلام، کلاس شما چه روزیه؟ من سه‌شنبه‌ها کلاس یوگا دارم. میخوام حرف زدن رو تمرین کنم",
        "Добрий день! Курси у вас по яких днях? У середу в мене заняття з йоги, не хочу пропускати. Хочу "
        "навчитися говорити",
        "Hi, is there childcare during the class? My older kids have swimming class same time and the baby must "
        "come with me. I want practice speaking",
        "مرحبا، بدي اتعلم احكي منيح. الكورس عندكم أي يوم؟ لأنو الولاد عندهن دورة سباحة الأربعاء وما بقدر اجي",
        # A third reader's (5 Dec 2026): the other class two words away is no subject of the course.
        "kelas ba yoga ham zaman nist? mikham har do ro beram",
        # German named beside another language: ours.
        "I speak English, where can I learn German?",
        "Gibt es einen Deutschkurs für Leute, die Englisch sprechen?",
        "أنا بحكي انجليزي، وين بقدر اتعلم الماني؟",
        # The Russian twin of two doubted questions below: 0.424 with the weights of sets 2 to 49, 0.447 with 2
        # to 53, 0.462 with 2 to 55, 0.459 with 2 to 56, 0.439 with 2 to 57, 0.442 with 2 to 58 (7 Dec 2026). Russian has no model of
        # the questions no topic answers, and that sign's weight moves with each fit.
        "Что важнее, курс или автошкола? На оба времени нет",
    ],
)
def test_a_german_course_question_naming_another_class_is_answered(service: FaqService, text: str) -> None:
    reply = service.decide(text, user_lang=None)
    assert reply.kind == ANSWER and reply.entry is not None and reply.entry.slug == "german-courses", text


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        # Readers' questions (5 Dec 2026) that the tests above answered until the doubt (bot/faq/doubt.py)
        # came: a radiator, a price in Afghan money, a class beside music, yoga or driving school. Their
        # signs are those of the questions no topic answers (few of the topic's words, the subject of many
        # of those): the doubt offers the topic first instead of answering. Its price, measured on blind
        # sets never fitted on: 22 of 7,616 right answers; what it buys: 187 -> 74 of 1,763 questions no
        # topic answers taken for a topic, 6 -> 3 of 61 on the thirty-first set, which nobody had read.
        ("В квартире не греет батарея, куда обращаться?", "housing-search"),
        ("قیمت مترجم افغانی چقدر است؟", "interpreter"),
        (
            "Moin, macht ihr Unterricht mit Musik und Liedern? So lerne ich die Wörter besser. Kostet das was?",
            "german-courses",
        ),
        ("Kommt der Unterricht vor Yoga oder danach? Ich will beides machen.", "german-courses"),
        ("شو أهم، الكورس ولا السواقة؟ ما بلحق عالتنين", "german-courses"),
        ("Що важливіше, курс чи автошкола? Не встигаю на обидва", "german-courses"),
        # A tourist visa someone came on (a reader's, 5 Dec 2026), answered until "Wie bekomme ich ein
        # Touristenvisum für Kanada?" (the fifty-seventh set) was filed as not ours on 7 Dec 2026: 0.453 with the
        # weights of sets 2 to 56 and of 2 to 57, 0.455 with 2 to 58. It shares its one rare word with that question.
        ("Ich bin mit einem Touristenvisum gekommen, darf ich hier bleiben?", "residence-permit"),
    ],
)
def test_a_doubted_question_gets_its_topic_offered_first(service: FaqService, text: str, slug: str) -> None:
    reply = service.decide(text, user_lang=None)
    assert reply.kind != ANSWER and [e.slug for e in reply.suggestions][:1] == [slug], text


def test_a_function_word_of_one_language_is_no_evidence_for_another(service: FaqService) -> None:
    # "yak" is як (Ukrainian how) and, as a key, also یک (Persian one)
    assert service.detect("yak zapysatysia do likaria")[0] == "uk"


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


def test_a_word_with_an_umlaut_is_german_however_its_keys_read(service: FaqService) -> None:
    """Found trying the demo as a German reader: this got the Farsi "I don't know", since fürs, in, der and
    Arena have Finglish keys (and in is a Finglish word), and the German words alone did not outweigh them."""
    text = "Wo kriege ich Karten fürs Konzert in der ZAG Arena?"
    assert service.detect(text)[0] == "de"
    assert service.decide(text, user_lang="de").lang == "de"
    # a German term in Arabizi (wen is وين, "where") does not make the question German
    assert service.detect("wen el Führerschein")[0] == "ar"


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

# Every target of issue 15 is met on the held-out set (bench/bench_faq.py prints the figures). Measured
# 3 Dec 2026, after the spelling rules of bot/faq/translit.py were checked on tests/data/translit_pairs.yaml,
# German compounds and synonyms, the named-topic ranking (bot/faq/matcher.py) and the off-topic kinds:
# ar translit 88.9% (24/27; was 77.8%), fa translit 88.9% (24/27; was 81.5%), de native 100% (27/27; was
# 85.2%), out of scope accepted 0% (0/48; was 6.2%), language identified 99.2% (504/508; was 98.8%). The
# tests below hold the targets themselves as the floor.


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


@pytest.mark.parametrize(("lang", "way"), TARGET_CELLS)
def test_heldout_top1_reaches_the_target(
    heldout: dict[tuple[str, str], faq_quality.Cell], lang: str, way: str
) -> None:
    cell = heldout[lang, way]
    assert cell.questions >= 25
    assert cell.top1_rate >= faq_quality.TOP1_TARGETS[way], f"{lang} {way}: {cell.top1_rate:.1%}"


def test_heldout_language_is_identified(heldout: dict[tuple[str, str], faq_quality.Cell]) -> None:
    named = faq_quality.Cell()
    for (_, way), cell in heldout.items():
        if way not in faq_quality.NO_LANGUAGE:
            named.add(cell)
    assert named.lang_rate >= faq_quality.LANGUAGE_MIN, f"{named.lang_ok}/{named.rows}"


def test_heldout_out_of_scope_accepted(heldout: dict[tuple[str, str], faq_quality.Cell]) -> None:
    everything = faq_quality.Cell()
    for cell in heldout.values():
        everything.add(cell)
    assert everything.accepted_rate <= faq_quality.OUT_OF_SCOPE_MAX, (
        f"{everything.accepted}/{everything.out_of_scope}"
    )


def test_devset_meets_every_target_but_one_known(service: FaqService) -> None:
    # The development set is tuned on: it must meet the targets too (the sets nobody tuned on are the
    # measure). One miss is known and stated (locales/faq/README.md, "Doubt"): German native 37 of 39, a
    # broken washing machine's used replacement is doubted and offered, and a Hort goes to the school topic.
    # Examples written for those two sentences would hide it; it may not grow.
    cells = faq_quality.evaluate(service, faq_quality.load(faq_quality.DEVSET))
    missed = faq_quality.missed_targets(cells)
    assert [line for line in missed if not line.startswith("de native:")] == []
    german = cells["de", "native"]
    assert german.questions - german.top1 <= 2, f"{german.top1}/{german.questions}"


def test_heldout_every_way_is_covered(heldout: dict[tuple[str, str], faq_quality.Cell]) -> None:
    ways = {way for _, way in heldout}
    assert ways == set(faq_quality.WAYS)
    for lang in faq_quality.MAIN_LANGUAGES:
        assert heldout[lang, "two-topics"].questions >= 25 and heldout[lang, "one-word"].questions >= 25


def test_codes_and_numbers_are_not_read_as_arabizi() -> None:
    """ "Q41061" (a marker, a case number) once turned into letters and drew a Ukrainian question to a topic."""
    assert latin_tokens("a7jez maw3ed hal2 3ndi Q41061 AZ1234567 30159 B1") == [
        "a7jez", "maw3ed", "hal2", "3ndi", "b1"
    ]  # fmt: skip
    service = build_service(load_settings())
    plain = service.matcher.match("як оновити айфон до нової версії", user_lang="uk")
    marked = service.matcher.match("як оновити айфон до нової версії (Q41061)", user_lang="uk")
    assert plain.slug is None and marked.slug is None


@pytest.mark.parametrize(
    "path",
    [
        faq_quality.DEVSET,
        faq_quality.HELDOUT,
        *faq_quality.BLIND_SETS,
        faq_quality.IN_PASSING,
        faq_quality.ABROAD_IN_PASSING,
    ],
    ids=lambda p: p.name,
)
def test_question_sets_name_known_topics_languages_and_ways(service: FaqService, path: Path) -> None:
    """A row with a misspelt slug, language or way would silently count as a miss (or as out of scope)."""
    slugs = {topic.slug for topic in service.matcher.content.topics}
    for row in faq_quality.load(path):
        expected = row["slug"] if isinstance(row["slug"], list) else [row["slug"]]
        assert all(slug is None or slug in slugs for slug in expected), row
        assert row["way"] in faq_quality.WAYS and str(row["text"]).strip(), row
        assert row["lang"] in SUPPORTED_LANGUAGES, row


@pytest.mark.parametrize("text", ["ب", "ببببببببببببببببببببببب", "ب" * 5000, "k", "ж"])
def test_one_letter_or_a_run_of_it_is_no_confident_answer(service: FaqService, text: str) -> None:
    """Its Latin key ("b") is that of the example question "B1": a near-copy of nothing."""
    reply = service.decide(text, user_lang="ar")
    assert reply.kind != ANSWER, (text[:10], reply.entry.slug if reply.entry else None)


@pytest.mark.parametrize(
    "text",
    [
        "kif bashtri tazkara lal bas b Hannover?",
        "كيف بشتري تذكرة باص بهانوفر؟",
        "kif eshtri tazkara lal bas?",
    ],
)
def test_buying_a_ticket_in_spoken_arabic_is_the_topic_that_sells_them(
    service: FaqService, text: str
) -> None:
    """ "bashtri" (I buy, with the spoken present's b) is an off-topic shopping word, unless the topic knows
    buying: mobility knows "اشتري", so it knows "بشتري" and "bashtri" as well (bot/faq/matcher.py)."""
    reply = service.decide(text, user_lang="ar")
    assert reply.kind == ANSWER and reply.entry is not None and reply.entry.slug == "mobility", text
