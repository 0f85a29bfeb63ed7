"""Catalogs complete in six languages, placeholders match, HTML valid, right-to-left handled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.assignments.options import Areas
from bot.assignments.profiles import HelperProfile
from bot.clock import FrozenClock
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import LRM, catalogs, commands_left_to_right, normalize_language
from bot.i18n_tools import check_catalogs, extract_messages, first_strong_is_rtl, placeholders
from bot.text import FSI, PDI, Html, Translator
from emulator.html_entities import parse_html
from handlers.assignments.profile import profile_text


def test_every_message_is_translated_in_every_language() -> None:
    problems = check_catalogs()
    assert problems == [], "\n".join(problems[:40])


def test_catalog_strings_are_valid_telegram_html() -> None:
    bad = []
    for message in extract_messages():
        msgid = message.msgid[0] if isinstance(message.msgid, tuple) else message.msgid
        for lang in SUPPORTED_LANGUAGES:
            translated = catalogs().gettext(lang, msgid)
            filled = translated.format(**{name: "x" for name in placeholders(translated)})
            try:
                parse_html(filled)
            except Exception as exc:  # the emulator raises what Telegram would answer
                bad.append(f"{lang}: {msgid[:40]!r}: {exc}")
    assert bad == []


def test_checker_catches_placeholder_mismatch_and_ltr_start() -> None:
    assert placeholders("Hallo {name}, um {time}") == {"name", "time"}
    assert placeholders("broken {") == {"<malformed braces>"}
    assert first_strong_is_rtl("{time} موعدك") is True  # the placeholder is isolated, Arabic decides
    assert first_strong_is_rtl("/menu اضغط") is False
    assert first_strong_is_rtl("✅ 12") is None
    # some symbols are strong left-to-right characters: ℹ (U+2139), 🆕, 🆘 (squared letters)
    assert first_strong_is_rtl("ℹ️ من نحن") is False
    assert first_strong_is_rtl("🆘 أرقام الطوارئ") is False
    assert first_strong_is_rtl("\u200fℹ️ من نحن") is True  # a right-to-left mark first fixes it


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("uk", "uk"),
        ("fa-IR", "fa"),
        ("prs", "fa"),
        ("ar_SY", "ar"),
        ("pt-br", "de"),
        (None, "de"),
        ("RU", "ru"),
    ],
)
def test_language_code_is_mapped(code: str | None, expected: str) -> None:
    assert normalize_language(code, "de") == expected


def test_rtl_inserts_are_isolated_and_escaped() -> None:
    ar, de = Translator("ar"), Translator("de")
    assert ar.fill("موعدك {time}", time="10:30 <b>") == f"موعدك {FSI}10:30 &lt;b&gt;{PDI}"
    assert de.fill("Termin {time}", time="10:30") == "Termin 10:30"
    assert ar.fill("{x}", x=Html("<b>ok</b>")) == "<b>ok</b>"


def test_commands_in_right_to_left_text_keep_their_slash_in_front() -> None:
    # Without a left-to-right mark, "/book" after Arabic text is shown as "book/".
    text = "اكتب /book أو (/mybookings). <b>مهم</b> https://t.me/x/1"
    marked = commands_left_to_right(text)
    assert marked == f"اكتب {LRM}/book أو ({LRM}/mybookings). <b>مهم</b> https://t.me/x/1"
    assert commands_left_to_right("/start") == f"{LRM}/start"
    # the catalogs: every command in an Arabic or Farsi string gets the mark, German ones stay as they are
    msgid = "This appointment was not found. Please look at /mybookings."
    ar, fa, de = Translator("ar")._(msgid), Translator("fa")._(msgid), Translator("de")._(msgid)
    assert f"{LRM}/mybookings" in ar and f"{LRM}/mybookings" in fa
    assert LRM not in de and "/mybookings" in de


def test_dates_follow_locale_and_time_zone() -> None:
    moment = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 10:30 in Berlin (summer time)
    assert Translator("de").time(moment) == "10:30"
    assert "Juli" in Translator("de").date(moment)
    assert "лип" in Translator("uk").date(moment)
    assert "يوليو" in Translator("ar").date(moment)


def test_lists_use_the_languages_own_comma() -> None:
    assert Translator("ar").comma_list(["أ", "ب", 3]) == "أ، ب، 3"
    assert Translator("fa").comma_list(["الف", "ب"]) == "الف، ب"
    assert Translator("uk").comma_list(["а", "б"]) == "а, б"
    # a helper's profile in Arabic: its languages and areas
    profile = HelperProfile(user_id=1, languages=["de", "fa"], areas=["a", "b"], note=None)
    areas = Areas(names={"a": "Altwarmbüchen", "b": "Kirchhorst"})
    text = profile_text(Translator("ar"), profile, areas, FrozenClock(datetime(2026, 12, 6, tzinfo=UTC)))
    assert "الألمانية، " in text and "Altwarmbüchen، Kirchhorst" in text
    assert "," not in text.replace("،", "")
