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


def test_an_answers_buttons_are_built_once_and_a_kept_questions_handoff_carries_its_row() -> None:
    """The buttons that are the same on every answer of a topic (the topic, 👍/👎, "ask a person") are shared
    by the keyboards (handlers.faq.views.faq_button), each with its own data; "ask a person" about a kept
    question carries that question's row, so it is never shared."""
    from aiogram.filters.callback_data import CallbackData

    from handlers.faq.callbacks import FaqAction, FaqCb
    from handlers.faq.views import handoff_button

    tr = Translator("ar")
    entry, other = _entry("job-search", "ar"), _entry("housing-search", "ar")
    first = answer_keyboard(tr, entry, suggestions=[other])
    again = answer_keyboard(tr, entry, suggestions=[other])
    assert first is not None and again is not None and first is not again
    buttons = [b for row in first.inline_keyboard for b in row]
    shared = [b for row in again.inline_keyboard for b in row]
    assert shared == buttons and all(a is b for a, b in zip(shared, buttons, strict=True))
    data = [FaqCb.unpack(b.callback_data) for b in buttons if (b.callback_data or "").startswith("faq:")]
    assert [(d.action, d.key, d.lang) for d in data] == [
        (FaqAction.SUGGESTED, other.slug, "ar"),
        (FaqAction.UP, entry.slug, "ar"),
        (FaqAction.DOWN, entry.slug, "ar"),
    ]
    assert handoff_button(tr, "ar") is handoff_button(tr, "ar")
    kept = handoff_button(tr, "ar", 41)
    assert kept is not handoff_button(tr, "ar", 42)
    unpacked = FaqCb.unpack(kept.callback_data or "")
    assert isinstance(unpacked, CallbackData) and unpacked.kept == 41 and unpacked.action == FaqAction.ASK
    assert FaqCb.unpack(handoff_button(tr, "ar").callback_data or "").kept == 0
