"""/start deep links: `lang-XX` (the flyer's codes) sets the language at once; other payloads keep working."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.flyer.content import deep_link
from bot.i18n import catalogs
from tests.e2e.harness import ORGANIZER_ID, buttons, running_bot, text_of

WELCOME = (
    "Welcome! I help you with questions, counselling appointments and news from the association.\n\n"
    "Just write your question in your own words, or choose from the menu."
)
MENU = "What would you like to do?"
ASK_LANGUAGE = "Hello! Please choose your language."


def tr(lang: str, msgid: str) -> str:
    return catalogs().gettext(lang, msgid)


def payload_of(link: str) -> str:
    """The /start payload of a t.me link, as Telegram hands it to the bot."""
    return link.split("?start=", 1)[1]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_flyer_link_sets_the_language_at_once(db_kind: str, tmp_path: Path, lang: str) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        uid = 500 + SUPPORTED_LANGUAGES.index(lang)
        phone_language = "en" if lang == "de" else "de"  # the phone says otherwise: the link wins
        bot.user(uid, language_code=phone_language)
        payload = payload_of(deep_link("helfernetz_demo_bot", lang))
        assert payload == f"lang-{lang}"

        first = await bot.say(uid, f"/start {payload}")
        await bot.settle()
        assert text_of(first) == tr(lang, WELCOME)  # no language question first
        texts = [text_of(m) for m in bot.emu.bot_messages(uid)]
        assert tr(lang, ASK_LANGUAGE) not in texts
        assert tr(lang, MENU) in texts
        menu = await bot.say(uid, "/menu")
        assert text_of(menu) == tr(lang, MENU)
        assert bot.emu.violations == []


async def test_a_later_flyer_link_switches_the_language(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(520, language_code="de")
        await bot.say(520, "/start lang-de")
        await bot.settle()
        await bot.say(520, "/start lang-fa")
        await bot.settle()
        menu = await bot.say(520, "/menu")
        assert text_of(menu) == tr("fa", MENU)
        assert bot.emu.violations == []


@pytest.mark.parametrize("payload", ["lang-xx", "lang-", "lang-DE", "something-else"])
async def test_unknown_payload_asks_for_the_language(db_kind: str, tmp_path: Path, payload: str) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(530, language_code="uk")
        reply = await bot.say(530, f"/start {payload}")
        assert text_of(reply) == tr("uk", ASK_LANGUAGE)
        assert len(buttons(reply)) == len(SUPPORTED_LANGUAGES)
        assert bot.emu.violations == []


async def test_helper_invite_still_works_and_then_asks_the_language(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(ORGANIZER_ID, language_code="de")
        bot.user(540, language_code="ru")
        invite = await bot.say(ORGANIZER_ID, "/invite")
        code = payload_of(text_of(invite).split()[-1])
        assert not code.startswith("lang-")

        welcome = await bot.say(540, f"/start {code}")
        await bot.settle()
        assert text_of(welcome) == tr(
            "ru", "Thank you for helping! You are now registered as a helper. /help shows what you can do."
        )
        texts = [text_of(m) for m in bot.emu.bot_messages(540)]
        assert texts[-1] == tr("ru", ASK_LANGUAGE)  # a new helper still chooses a language
        assert bot.emu.violations == []


async def test_booking_shortcut_still_works(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(550, language_code="ar")
        await bot.say(550, "/start lang-ar")
        await bot.settle()
        reply = await bot.say(550, "/start book")
        # no counselling hours are set up here: the booking capability says so (in Arabic)
        assert text_of(reply) in {
            tr("ar", "There are no counselling hours at the moment. Please ask the association."),
            tr("ar", "What is your question about? Please choose a topic."),
        }
        assert bot.emu.violations == []
