"""What the outbox sends for broadcasts, reports, held broadcasts and event reminders, in every language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.emulator.html_entities import parse_html
from bot.text import Translator
from handlers.broadcast import BcCb, TopicCb, broadcast_message, render_held, render_report
from handlers.events import EvCb, render_cancelled, render_reminder
from handlers.subscriptions import SubCb

BIG = 9_223_372_036_854_775_807  # the largest id a bigint holds


def payload(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "b": 7,
        "text": "Fest am <b>Samstag</b> &amp; Sonntag",
        "machine": False,
        "photo": None,
        "topic": 1,
        "topic_name": "Veranstaltungen & Feste",
        "event": None,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_broadcast_message_in_every_language_is_valid_html(lang: str) -> None:
    tr = Translator(lang)
    rendered = broadcast_message(payload(machine=True, event=3), tr)
    assert rendered.method == "sendMessage"
    parse_html(rendered.params["text"])
    assert tr._("🤖 Machine translation. Mistakes are possible.") in rendered.params["text"]
    rows = rendered.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in rows] == ["ev:bgo:3:", "sub:b:1"]
    assert "&amp;" not in rows[1][0]["text"]  # button labels are plain text, not HTML


def test_no_machine_note_for_typed_texts() -> None:
    rendered = broadcast_message(payload(), Translator("uk"))
    assert "🤖" not in rendered.params["text"]


def test_photo_takes_the_text_as_caption_only_when_it_fits() -> None:
    short = broadcast_message(payload(photo="PHOTO"), Translator("de"))
    assert short.method == "sendPhoto" and short.params["caption"].startswith("Fest")
    long = broadcast_message(payload(photo="PHOTO", text="x" * 1100), Translator("de"))
    assert long.method == "sendMessage" and "photo" not in long.params


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_report_held_reminder_and_cancel_notice_render(lang: str) -> None:
    tr = Translator(lang)
    report = render_report(
        {
            "b": 7,
            "topic": {"de": "Feste", "ar": "احتفالات"},
            "topic_source": "de",
            "totals": {"delivered": 3, "blocked": 1, "failed": 0, "cancelled": 2},
            "by_language": {
                "de": {"delivered": 2, "blocked": 1, "failed": 0, "cancelled": 0},
                "unknown": {"delivered": 1},
            },
        },
        tr,
    )
    text = report.params["text"]
    parse_html(text)
    assert tr._("✖️ Withdrawn: {n}", n=2) in text
    held = render_held(
        {"b": 7, "scheduled": datetime(2026, 3, 23, 11, tzinfo=UTC).isoformat(), "topic": {}}, tr
    )
    parse_html(held.params["text"])
    assert [b["callback_data"] for b in held.params["reply_markup"]["inline_keyboard"][0]] == [
        "bc:release:7:",
        "bc:cancel:7:",
    ]
    starts = datetime(2026, 3, 25, 15, tzinfo=UTC)
    reminder = render_reminder(
        {
            "event": 4,
            "title": "<Nähcafé>",
            "machine": True,
            "venue": "Haus & Hof",
            "starts": starts.isoformat(),
            "ends": starts.isoformat(),
        },
        tr,
    )
    parse_html(reminder.params["text"])
    assert "&lt;Nähcafé&gt;" in reminder.params["text"] and "Haus &amp; Hof" in reminder.params["text"]
    assert tr.time(starts) in reminder.params["text"]
    cancelled = render_cancelled({"event": 4, "title": "Fest", "starts": starts.isoformat()}, tr)
    parse_html(cancelled.params["text"])


def test_callback_data_fits_64_bytes_with_the_largest_ids() -> None:
    packed = [
        BcCb(a="cancelok", b=BIG, v="organizer").pack(),
        EvCb(a="nlangset", e=BIG, v="de").pack(),
        TopicCb(a="mtall", t=BIG, v="uk").pack(),
        SubCb(a="done", t=BIG).pack(),
    ]
    assert all(len(p.encode()) <= 64 for p in packed), packed
