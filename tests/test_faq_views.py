"""The keyboard under an FAQ answer offers each thing once: a suggested topic that only explains the
answer's own action button (handlers.faq.views.ACTION_TOPICS) is left out, other topics stay."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.faq.content import FaqEntry, load_content
from bot.text import Translator
from handlers.faq.views import ACTION_LABELS, ACTION_TOPICS, answer_keyboard

TOPICS = Path(__file__).resolve().parents[1] / "locales" / "faq" / "topics.yaml"


def _entry(slug: str, lang: str) -> FaqEntry:
    found = load_content().entry(slug, lang)
    assert found is not None, slug
    return found


def _labels(lang: str, entry: FaqEntry, suggestions: list[FaqEntry]) -> list[str]:
    markup = answer_keyboard(Translator(lang), entry, suggestions=suggestions)
    assert markup is not None
    return [b.text for row in markup.inline_keyboard for b in row]


def test_each_action_topic_is_the_topic_of_that_action() -> None:
    actions = {t["slug"]: t.get("action") for t in yaml.safe_load(TOPICS.read_text())["topics"]}
    for action, slug in ACTION_TOPICS.items():
        assert action in ACTION_LABELS
        assert actions.get(slug) == action, (action, slug)


def test_the_booking_topic_is_not_offered_beside_the_booking_button() -> None:
    for lang in ("de", "ar"):
        job = _entry("job-search", lang)
        booking, housing = _entry("book-consultation", lang), _entry("housing-search", lang)
        labels = _labels(lang, job, [booking, housing])
        assert Translator(lang)._(ACTION_LABELS["book"]) in labels
        assert booking.title not in labels
        assert housing.title in labels  # another topic with the same button is still offered


def test_without_the_button_the_topic_is_offered() -> None:
    doctor, booking = _entry("doctor", "fa"), _entry("book-consultation", "fa")
    assert booking.title in _labels("fa", doctor, [booking])
