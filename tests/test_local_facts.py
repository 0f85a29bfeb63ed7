"""Local facts without a database: what each kind may hold, the fixed form of opening hours and how each
language shows it, the sample mark, and the file format read back as it was written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import catalogs
from bot.local_facts import ALL, DEFAULT_FACTS_FILE, Kind, LocalFacts, LocalFactsError, kinds
from bot.local_facts.kinds import kind_for, parse_hours, render_hours, validate
from bot.local_facts.model import split_sample


def problems(kind: Kind, value: str, lang: str = "") -> list[str]:
    return [p.message for p in validate(kind, value, lang)[1]]


# --- validation per kind ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("+49 511 1234567", "+49 511 1234567"),
        ("  0511   123 45 ", "0511 123 45"),
        ("110", "110"),
        ("۰۵۱۱ ۱۲۳ ۴۵۶", "0511 123 456"),  # Persian digits typed: stored as digits a phone dials
        ("٠٥١١ ١٢٣", "0511 123"),
    ],
)
def test_a_phone_number_is_digits_a_phone_can_dial(value: str, stored: str) -> None:
    assert validate(Kind.PHONE, value) == (stored, [])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0511/123456", kinds.PHONE_CHARS),
        ("(0511) 123456", kinds.PHONE_CHARS),
        ("+49-511-123", kinds.PHONE_CHARS),
        ("call 0511", kinds.PHONE_CHARS),
        ("12", kinds.PHONE_DIGITS),
        ("+49 1234 5678 9012 3456", kinds.PHONE_DIGITS),
        ("+49 0511 123456", kinds.PHONE_TRUNK),
        ("", kinds.EMPTY),
    ],
)
def test_a_phone_number_that_cannot_be_dialled_is_refused(value: str, message: str) -> None:
    assert problems(Kind.PHONE, value) == [message]


@pytest.mark.parametrize(
    "value",
    ["https://example.org", "https://www.example.org/a/b?c=1#d", "tel:+49511123456", "mailto:a@example.org"],
)
def test_links_are_https_tel_or_mailto(value: str) -> None:
    assert validate(Kind.LINK, value) == (value, [])


@pytest.mark.parametrize(
    "value",
    [
        "http://example.org",  # not encrypted
        "javascript:alert(1)",
        "https://localhost",
        "https://user@example.org",
        "example.org",
        "https://exa mple.org",
        "tel:call-me",
        "mailto:nobody",
        "ftp://example.org",
    ],
)
def test_other_links_are_refused(value: str) -> None:
    assert problems(Kind.LINK, value) == [kinds.LINK_FORM]


def test_an_email_address() -> None:
    assert validate(Kind.EMAIL, " kontakt@example.org ") == ("kontakt@example.org", [])
    for bad in ("kontakt", "a@b", "a b@example.org", "@example.org"):
        assert problems(Kind.EMAIL, bad) == [kinds.EMAIL_FORM], bad


def test_no_html_no_line_breaks_and_a_length_limit_for_every_kind() -> None:
    for kind in Kind:
        assert kinds.NO_HTML in problems(kind, "<b>x</b>"), kind
        assert problems(kind, "a\nb") == [kinds.ONE_LINE], kind
        too_long = "x" * (kinds.MAX_LENGTH[kind] + 1)
        found = validate(kind, too_long)[1]
        assert found[0].message == kinds.TOO_LONG and found[0].params["count"] == len(too_long), kind
        assert problems(kind, "  ") == [kinds.EMPTY], kind


def test_text_and_addresses_are_cleaned() -> None:
    assert validate(Kind.ADDRESS, "  Musterstraße   1,\t30916 Isernhagen ") == (
        "Musterstraße 1, 30916 Isernhagen",
        [],
    )
    assert problems(Kind.ADDRESS, "30916") == [kinds.NEEDS_LETTERS]
    # Persian is written with ی and ک: Arabic letters typed into the Persian value are replaced
    assert validate(Kind.TEXT, "كلاس يك", "fa")[0] == "کلاس یک"
    assert validate(Kind.TEXT, "كلاس", "ar")[0] == "كلاس"


# --- opening hours --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Mo–Fr 9:00–12:00", "Mo–Fr 9:00–12:00"),
        ("mo-fr 9-12 Uhr", "Mo–Fr 9:00–12:00"),
        ("Di 10:00-12:00; Do 14:00-16:00", "Di 10:00–12:00; Do 14:00–16:00"),
        ("Di und Do 14.30-16", "Di, Do 14:30–16:00"),
        ("Tue, Thu: 10:00-12:00, 13:00-15:00", "Di, Do 10:00–12:00, 13:00–15:00"),
        ("Montag–Mittwoch 8:15–9:45", "Mo–Mi 8:15–9:45"),
    ],
)
def test_hours_are_stored_in_one_fixed_form(typed: str, stored: str) -> None:
    assert validate(Kind.HOURS, typed) == (stored, [])


@pytest.mark.parametrize(
    ("typed", "message", "word"),
    [
        ("Xy 10:00–12:00", kinds.HOURS_DAY, "Xy"),
        ("Mo 12:00–10:00", kinds.HOURS_TIME, "12:00–10:00"),
        ("Mo 25:00–26:00", kinds.HOURS_TIME, "25:00–26:00"),
        ("Fr–Mo 10:00–12:00", kinds.HOURS_DAY_ORDER, "Fr–Mo"),
        ("nach Vereinbarung", kinds.HOURS_FORM, None),
        ("10:00–12:00", kinds.HOURS_FORM, None),
    ],
)
def test_hours_not_in_the_form_name_what_is_wrong(typed: str, message: str, word: str | None) -> None:
    found = validate(Kind.HOURS, typed)[1]
    assert [p.message for p in found] == [message]
    if word is not None:
        assert found[0].params["word"] == word


def test_hours_are_shown_in_the_readers_language() -> None:
    value = "Mo–Fr 9:00–12:00; Do 14:00–16:00"
    assert render_hours(value, "de") == "Mo–Fr 9:00–12:00 und Do 14:00–16:00"
    assert render_hours(value, "en") == "Mon–Fri 9:00–12:00 and Thu 14:00–16:00"
    assert render_hours(value, "ar") == "من الاثنين إلى الجمعة من 9:00 حتى 12:00 والخميس من 14:00 حتى 16:00"
    assert render_hours(value, "fa") == "دوشنبه تا جمعه، ساعت 9:00 تا 12:00 و پنجشنبه، ساعت 14:00 تا 16:00"
    assert render_hours(value, "uk") == "пн–пт 9:00–12:00 і чт 14:00–16:00"
    assert render_hours(value, "ru") == "пн–пт 9:00–12:00 и чт 14:00–16:00"
    assert render_hours("not hours", "ar") == "not hours"  # an old free text is shown as it is


def test_every_day_and_pattern_has_a_word_in_every_language() -> None:
    groups, _ = parse_hours("Mo, Di, Mi, Do, Fr, Sa, So 8:00–9:00")
    assert len(groups[0].days) == 7
    for lang in SUPPORTED_LANGUAGES:
        shown = render_hours("Mo, Di, Mi, Do, Fr, Sa, So 8:00–9:00", lang)
        assert "8:00" in shown and "{" not in shown, lang
        for msgid in (kinds.DAY_RANGE, kinds.TIME_RANGE, kinds.DAYS_AND_TIMES):
            assert catalogs().gettext(lang, msgid), (lang, msgid)


# --- kinds, the sample mark and the file ----------------------------------------------------------------


def test_the_kind_follows_from_the_name_unless_the_file_says() -> None:
    assert kind_for("contact_phone", False) == Kind.PHONE
    assert kind_for("crisis_phone_2", False) == Kind.PHONE
    assert kind_for("counselling_hours", False) == Kind.HOURS
    assert kind_for("german_course_times", False) == Kind.HOURS
    assert kind_for("counselling_hours", True) == Kind.TEXT  # per language: free text
    assert kind_for("wohnzimmer_address", True) == Kind.ADDRESS
    assert kind_for("contact_email", False) == Kind.EMAIL
    assert kind_for("jobcenter", False) == Kind.TEXT


def test_the_sample_mark_is_kept_beside_the_value() -> None:
    assert split_sample("Musterstraße 1 (SAMPLE)") == ("Musterstraße 1", True)
    assert split_sample("110") == ("110", False)
    facts = LocalFacts.load()
    address = facts.facts["meeting_place_address"]
    assert address.values == {ALL: "Musterstraße 1, 30916 Isernhagen"} and address.samples == {ALL}
    assert facts.get("meeting_place_address", "ar") == "Musterstraße 1, 30916 Isernhagen (SAMPLE)"
    assert not facts.facts["police_phone"].is_sample


def test_the_shipped_file_is_valid_and_every_value_a_sample_or_a_national_number() -> None:
    from bot.faq.emergency import NUMBERS
    from bot.faq.facts import problems_of

    facts = LocalFacts.load(DEFAULT_FACTS_FILE)
    assert problems_of(facts) == []
    for name, fact in facts.facts.items():
        assert fact.samples == set(fact.values) or name in NUMBERS, name
    assert facts.facts["counselling_hours"].kind == Kind.HOURS
    assert facts.facts["women_meeting_hours"].kind == Kind.TEXT  # the first Saturday: not weekly


def test_the_file_reads_back_as_it_was_written(tmp_path: Path) -> None:
    facts = LocalFacts.load()
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(facts.to_raw(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    again = LocalFacts.load(path)
    assert again.facts == facts.facts
    # a month of its own, a kind the name does not tell, and a fact never checked survive as well
    raw = {
        "facts": {
            "a_phone": {"value": "110", "checked": "2026-12"},
            "room": {"kind": "address", "value": "Weg 1 (SAMPLE)"},
            "note": {"de": "x", "ar": "ص"},
        }
    }
    odd = LocalFacts.from_raw(raw)
    assert LocalFacts.from_raw(odd.to_raw()).facts == odd.facts


def test_a_malformed_file_says_what_is_wrong() -> None:
    with pytest.raises(LocalFactsError, match="unknown kind"):
        LocalFacts.from_raw({"facts": {"a": {"kind": "colour", "value": "red"}}})
    with pytest.raises(LocalFactsError, match="one value for every language"):
        LocalFacts.from_raw({"facts": {"x_phone": {"kind": "phone", "value": {"de": "1", "ar": "2"}}}})
    with pytest.raises(LocalFactsError, match="no value"):
        LocalFacts.from_raw({"facts": {"a": {"de": None}}})
