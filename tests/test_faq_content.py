"""FAQ content: the real files pass `faq check`; the checker catches broken content; answers render."""

from __future__ import annotations

import argparse
import io
import shutil
from pathlib import Path

import pytest
import yaml

from bot.faq.cli import run_check
from bot.faq.content import (
    DEFAULT_FAQ_DIR,
    MAX_SLUG,
    FaqEntry,
    check_content,
    load_content,
    load_topics,
    render_answer,
)
from bot.faq.detect import SUPPORTED
from bot.faq.emergency import NUMBERS
from bot.i18n import LRM
from bot.local_facts import DEFAULT_FACTS_FILE, LocalFacts
from bot.text import FSI, PDI


@pytest.fixture(scope="module")
def facts() -> LocalFacts:
    return LocalFacts.load(DEFAULT_FACTS_FILE)


def test_real_content_has_no_problems(facts: LocalFacts) -> None:
    assert check_content(DEFAULT_FAQ_DIR, facts) == []


def test_real_content_loads_every_topic_in_every_language() -> None:
    content = load_content()
    slugs = [t.slug for t in load_topics()]
    assert set(content.languages) == set(SUPPORTED)
    for lang in SUPPORTED:
        assert list(content.entries[lang]) == slugs


def test_content_is_read_again_when_a_file_changes_and_each_caller_has_its_own(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_FAQ_DIR, tmp_path / "faq")
    first, second = load_content(tmp_path / "faq"), load_content(tmp_path / "faq")
    assert first == second
    assert first.entries is not second.entries and first.entries["de"] is not second.entries["de"]
    first.entries["de"].pop("kita")  # a caller changing its content changes nobody else's
    assert "kita" in load_content(tmp_path / "faq").entries["de"]
    de = tmp_path / "faq" / "de.yaml"
    title = second.entries["de"]["kita"].title
    de.write_text(de.read_text(encoding="utf-8").replace(title, title + " (neu)", 1), encoding="utf-8")
    assert load_content(tmp_path / "faq").entries["de"]["kita"].title == title + " (neu)"


def test_cli_check_on_real_content(facts: LocalFacts) -> None:
    out = io.StringIO()
    args = argparse.Namespace(faq_dir=DEFAULT_FAQ_DIR, facts=DEFAULT_FACTS_FILE)
    assert run_check(args, out=out) == 0
    assert "FAQ content OK" in out.getvalue()


# --- a small broken fixture ----------------------------------------------------------------------

QUESTIONS = ["q one", "q two", "q three", "q four", "q five", "q six"]


def _entry(slug: str, **over: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "slug": slug,
        "checked": "2026-11",
        "title": f"Title {slug}",
        "answer": "Come to {meeting_place_address}.",
        "questions": list(QUESTIONS),
        "keywords": ["word"],
    }
    entry.update(over)
    return entry


def _write(folder: Path, name: str, data: object) -> None:
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.fixture()
def broken_dir(tmp_path: Path) -> Path:
    _write(
        tmp_path,
        "topics.yaml",
        {
            "topics": [
                {"slug": "alpha", "category": "help"},
                {"slug": "beta", "category": "about", "action": "book"},
                {"slug": "gamma", "category": "papers"},
            ]
        },
    )
    _write(
        tmp_path,
        "de.yaml",
        {
            "language": "de",
            "entries": [
                _entry("alpha", answer="Hallo {no_such_fact}!"),  # unknown placeholder
                _entry("beta", answer="x" * 1300, title="T" * 61),  # too long
                _entry("unknown-topic"),  # unknown slug; and gamma is missing
                _entry("alpha"),  # alpha twice
            ],
        },
    )
    _write(
        tmp_path,
        "ar.yaml",
        {
            "language": "ar",
            "entries": [
                _entry("alpha", answer="{meeting_place_address} هو العنوان"),  # begins with a placeholder
                _entry("beta", answer="مرحبا", questions=["س"] * 3),  # too few questions
                _entry("gamma", answer="مرحبا", keywords=[]),  # no keywords
            ],
        },
    )
    _write(
        tmp_path,
        "fa.yaml",
        {
            "language": "fa",
            "entries": [
                _entry("alpha", answer="سلام، كلاس زبان آلماني"),  # Arabic kaf/yeh in Persian
                _entry("beta", answer="سلام", title=""),  # empty title
                _entry("gamma", answer="سلام <b>دوست</b> <script>x</script>"),  # HTML Telegram refuses
            ],
        },
    )
    return tmp_path


def _problems(folder: Path, facts: LocalFacts) -> str:
    return "\n".join(check_content(folder, facts, languages=("de", "ar", "fa", "uk")))


def test_checker_catches_broken_content(broken_dir: Path, facts: LocalFacts) -> None:
    text = _problems(broken_dir, facts)
    expected = [
        "de.yaml: gamma: missing",
        "de.yaml: unknown-topic: unknown slug",
        "de.yaml: alpha: appears 2 times",
        "de.yaml: alpha: unknown placeholder {no_such_fact}",
        "de.yaml: beta: answer has 1300 characters after filling placeholders (max 1200)",
        "de.yaml: beta: title has 61 characters (max 60)",
        "ar.yaml: alpha: answer must begin with right-to-left text",
        "ar.yaml: beta: 3 questions (need 6-10)",
        "ar.yaml: gamma: keywords is missing or empty",
        "fa.yaml: alpha: answer uses Arabic letters",
        "fa.yaml: beta: title is missing or empty",
        "fa.yaml: gamma: answer: <script> is not allowed",
        "uk.yaml: missing",
    ]
    for problem in expected:
        assert problem in text, f"{problem!r} not reported in:\n{text}"


def test_answer_length_counts_the_filled_placeholders(tmp_path: Path, facts: LocalFacts) -> None:
    _write(tmp_path, "topics.yaml", {"topics": [{"slug": "alpha", "category": "help"}]})
    # 1,190 characters of text plus an address that is longer than its placeholder name.
    answer = "x" * 1190 + "{meeting_place_address}"
    _write(tmp_path, "de.yaml", {"language": "de", "entries": [_entry("alpha", answer=answer)]})
    problems = check_content(tmp_path, facts, languages=("de",))
    assert any("after filling placeholders" in p for p in problems), problems


def test_cli_check_fails_on_broken_content(broken_dir: Path) -> None:
    out = io.StringIO()
    args = argparse.Namespace(faq_dir=broken_dir, facts=DEFAULT_FACTS_FILE)
    assert run_check(args, out=out) == 1
    assert "problem(s)" in out.getvalue()


def test_loader_skips_what_it_cannot_use(broken_dir: Path) -> None:
    content = load_content(broken_dir, languages=("de", "ar", "fa", "uk"))
    assert list(content.entries["de"]) == ["alpha", "beta"]  # unknown slug and duplicate skipped
    assert "beta" not in content.entries["fa"]  # no title
    assert "uk" not in content.entries


# --- rendering and local facts -------------------------------------------------------------------


def _fake_entry(lang: str, template: str) -> FaqEntry:
    return FaqEntry("meeting-place", lang, "about", "t", template, ("q",), ("k",))


def test_render_fills_facts_in_the_language_with_fallback_to_german(
    facts: LocalFacts, tmp_path: Path
) -> None:
    text = render_answer(_fake_entry("en", "Open {meeting_place_hours}, phone {contact_phone}"), facts)
    assert text == f"Open {facts.get('meeting_place_hours', 'en')}, phone {facts.get('contact_phone')}"
    path = tmp_path / "facts.yaml"
    path.write_text("facts:\n  hours:\n    de: Mo 9 Uhr\n    en: Mon 9 am\n", encoding="utf-8")
    uk = render_answer(_fake_entry("uk", "{hours}"), LocalFacts.load(path))
    assert uk == "Mo 9 Uhr"  # no Ukrainian value: German


def test_real_facts_give_every_language_and_keep_the_sample_marker(facts: LocalFacts) -> None:
    for name, value in facts.values.items():
        per_lang = {"de": value} if isinstance(value, str) else value
        if not isinstance(value, str):
            assert set(per_lang) == {"de", "ar", "fa", "uk", "en", "ru"}, name
        for lang, text in per_lang.items():
            # the national emergency numbers are real (bot/faq/emergency.py NUMBERS), everything else a sample
            assert text.endswith(" (SAMPLE)") or name in NUMBERS, (name, lang)


def test_render_isolates_values_in_right_to_left_answers(facts: LocalFacts) -> None:
    text = render_answer(_fake_entry("ar", "العنوان: {meeting_place_address}"), facts)
    assert text == f"العنوان: {FSI}{facts.get('meeting_place_address', 'ar')}{PDI}"
    # a command keeps its slash in front ("/book", not "book/"); in a left-to-right answer nothing changes
    assert render_answer(_fake_entry("fa", "با /book وقت بگیرید"), facts) == f"با {LRM}/book وقت بگیرید"
    assert render_answer(_fake_entry("de", "mit /book buchen"), facts) == "mit /book buchen"


def test_render_leaves_unknown_placeholders_visible(facts: LocalFacts) -> None:
    assert render_answer(_fake_entry("de", "x {nope} y"), facts) == "x {nope} y"


def test_local_facts(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(
        "sample: true\nfacts:\n  phone: '123'\n  hours:\n    de: Mo 9 Uhr\n    en: Mon 9 am\n  only_en:\n    en: x\n",
        encoding="utf-8",
    )
    facts = LocalFacts.load(path)
    assert facts.is_sample
    assert facts.get("phone", "ar") == "123"
    assert facts.get("hours", "en") == "Mon 9 am"
    assert facts.get("hours", "fa") == "Mo 9 Uhr"
    assert facts.get("only_en", "de") == "x"
    assert facts.get("missing", "de") is None
    assert facts.names() == {"phone", "hours", "only_en"}


def test_real_facts_file_is_marked_sample(facts: LocalFacts) -> None:
    assert facts.is_sample
    assert "contact_phone" in facts


def test_slugs_must_fit_in_a_button(tmp_path: Path, facts: LocalFacts) -> None:
    too_long = "a" * (MAX_SLUG + 1)
    topics = [{"slug": s, "category": "help"} for s in ("fine-slug", too_long, "Not_ASCII-ä")]
    _write(tmp_path, "topics.yaml", {"topics": topics})
    _write(tmp_path, "de.yaml", {"language": "de", "entries": [_entry(t["slug"]) for t in topics]})
    problems = [p for p in check_content(tmp_path, facts, languages=("de",)) if "slug" in p]
    assert len(problems) == 2 and not any("fine-slug" in p for p in problems)
