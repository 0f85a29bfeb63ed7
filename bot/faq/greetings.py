"""Greetings: a message of only greetings (and a few fillers) gets the menu, not an FAQ match
(bot/faq/matcher.py); small talk (bot/faq/smalltalk.py) knows them too. Danger and emergencies:
bot/faq/emergency.py."""

from __future__ import annotations

from collections.abc import Sequence

from bot.faq.normalize import tokenize

GREETINGS: dict[str, str] = {
    "de": "hallo hi hey huhu moin servus gruss grusse gruss_gott guten_tag guten_morgen guten_abend "
    "gute_nacht tag morgen abend mahlzeit na wie_gehts wie_geht_es_dir wie_geht_es_ihnen",
    "en": "hi hello hey hiya yo good_morning good_afternoon good_evening good_day greetings "
    "how_are_you whats_up sup",
    "ar": "مرحبا مرحبتين مرحبه اهلا أهلا اهلين هلا هلو هاي سلام السلام_عليكم سلام_عليكم عليكم_السلام "
    "صباح_الخير صباح_النور مساء_الخير مساء_النور كيفك كيف_الحال شلونك شلونكم كيفكم تحياتي "
    "شو_اخبارك شو_أخبارك ايش_اخبارك إيش_أخبارك ازيك إزيك ازيكم",
    "fa": "سلام درود سلام_علیکم صبح_بخیر صبح_به_خیر عصر_بخیر شب_بخیر روز_بخیر وقت_بخیر وقت_به_خیر "
    "خسته_نباشید خسته_نباشی چطوری خوبی خوبین خوبید حالت_خوبه حالتون_خوبه سلامتی چه_خبر احوالت_چطوره",
    "uk": "привіт привіти вітаю здрастуйте здрастє добрий_день добрий_вечір доброго_ранку доброго_дня "
    "доброго_вечора добридень доброго_здоровя слава_україні як_справи як_ся_маєте як_ти хай",
    "ru": "привет приветик здравствуйте здрасте здорово добрый_день доброе_утро добрый_вечер "
    "доброго_дня доброго_утра как_дела салют хай",
    "*": "salam salaam salom assalam assalamu aleikum alaikum aleykum alejkum marhaba merhaba privet pryvit "
    "hallo hello hi hey 👋 🙋 🙂 😊 bot",
    # "How are you" as people type it in Latin letters (Arabizi, Finglish, Ukrainian and Russian); the
    # Arabic and Persian "what news of you" is a greeting, not a question about the association's news.
    "latin": "kifak kifik kifek kifkon kifkom keefak kefak kif_el_7al kif_al_7al shlonak shlonek shlonich "
    "shlonkom ezayak ezayek ezzayak izzayak ahlan ahlen ahla hala hla sabah_el_kheir sabah_al_khair "
    "sabah_el_khair masa_el_kheir masa2_el_kheir shu_akhbarak shu_akhbarik sho_akhbarak shoo_akhbarak "
    "chetori chetorin khubi khoobi khubin khoobin dorood salamati che_khabar chi_khabar ahvalet_chetore "
    "sobh_bekheir sobh_bekheyr shab_bekheir yak_spravy yak_ty dobryi_den dobryj_den dobroho_dnia "
    "kak_dela zdravstvuite zdravstvuyte dobryi_vecher wie_gehts",
}
# Words that may stand next to a greeting without making it a question.
_GREETING_FILLERS = frozenset(
    tokenize(
        "und and dear lieber liebe you all ihr alle zusammen there everyone team bot admin bitte please "
        "ya يا جان جون عزيز عزيزم друзі друзья всім всем вам всем"
    )
)


_GREETING_WORDS: frozenset[str] = frozenset(
    t for text in GREETINGS.values() for item in text.split() for t in tokenize(item.replace("_", " "))
) | frozenset(item for item in GREETINGS["*"].split() if not any(ch.isalnum() for ch in item))


def is_greeting(text: str, tokens: Sequence[str]) -> bool:
    """Only greetings (and a few fillers): "hallo", "Salam aleikum!", "Доброго дня 👋"."""
    if not tokens:
        return any(item in text for item in GREETINGS["*"].split() if not item.isalnum())
    if len(tokens) > 6:
        return False
    has_greeting = any(t in _GREETING_WORDS for t in tokens)
    return has_greeting and all(t in _GREETING_WORDS or t in _GREETING_FILLERS for t in tokens)
