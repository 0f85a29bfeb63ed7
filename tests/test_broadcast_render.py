"""What the outbox sends for broadcasts, reports, held broadcasts and event reminders, in every language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.broadcast import payloads as kinds
from bot.broadcast.payloads import BroadcastPayload
from bot.config import SUPPORTED_LANGUAGES
from bot.text import Translator
from emulator.html_entities import parse_html
from handlers.broadcast import RENDERERS
from handlers.broadcast.callbacks import BroadcastAction, BroadcastCb, EvCb, EventAction, SubAction, SubCb
from handlers.broadcast.renderers import (
    broadcast_message,
    render_broadcast,
    render_cancelled,
    render_held,
    render_reminder,
    render_report,
)


def payload(**changes: object) -> BroadcastPayload:
    data: dict[str, object] = {
        "broadcast_id": 7,
        "text": "Fest am <b>Samstag</b> &amp; Sonntag",
        "machine": False,
        "photo": None,
        "topic_id": 1,
        "topic_name": "Veranstaltungen & Feste",
        "event_id": None,
    }
    data.update(changes)
    return BroadcastPayload.model_validate(data)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_broadcast_message_in_every_language_is_valid_html(lang: str) -> None:
    tr = Translator(lang)
    rendered = broadcast_message(payload(machine=True, event_id=3), tr)
    assert rendered.method == "sendMessage"
    parse_html(rendered.params["text"])
    assert tr._("🤖 Machine translation. Mistakes are possible.") in rendered.params["text"]
    rows = rendered.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in rows] == [
        EvCb(action=EventAction.GO_UNDER, event=3).pack(),
        SubCb(action=SubAction.UNDER_BROADCAST, topic=1).pack(),
    ]
    # the same buttons as before the redesign: a broadcast waiting in a chat keeps working
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
            "broadcast_id": 7,
            "topic_names": {"de": "Feste", "ar": "احتفالات"},
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
        {
            "broadcast_id": 7,
            "scheduled_at": datetime(2026, 3, 23, 11, tzinfo=UTC).isoformat(),
            "topic_names": {},
        },
        tr,
    )
    parse_html(held.params["text"])
    assert [b["callback_data"] for b in held.params["reply_markup"]["inline_keyboard"][0]] == [
        BroadcastCb(action=BroadcastAction.RELEASE, broadcast=7).pack(),
        BroadcastCb(action=BroadcastAction.CANCEL, broadcast=7).pack(),
    ]
    assert [b["callback_data"] for b in held.params["reply_markup"]["inline_keyboard"][0]] == [
        "bc:release:7:",
        "bc:cancel:7:",
    ]
    starts = datetime(2026, 3, 25, 15, tzinfo=UTC)
    reminder = render_reminder(
        {
            "event_id": 4,
            "title": "<Nähcafé>",
            "machine": True,
            "venue": "Haus & Hof",
            "starts_at": starts.isoformat(),
            "ends_at": starts.isoformat(),
        },
        tr,
    )
    parse_html(reminder.params["text"])
    assert "&lt;Nähcafé&gt;" in reminder.params["text"] and "Haus &amp; Hof" in reminder.params["text"]
    assert tr.time(starts) in reminder.params["text"]
    cancelled = render_cancelled({"event_id": 4, "title": "Fest", "starts_at": starts.isoformat()}, tr)
    parse_html(cancelled.params["text"])


def test_rows_queued_before_the_redesign_still_render() -> None:
    """Outbox rows written by the older version (short keys) are still sent as they were meant."""
    tr = Translator("de")
    old_broadcast = render_broadcast(
        {
            "b": 7,
            "text": "Fest",
            "machine": True,
            "photo": None,
            "topic": 1,
            "topic_name": "Feste",
            "event": 3,
        },
        tr,
    )
    rows = old_broadcast.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in rows] == ["ev:bgo:3:", "sub:b:1"]
    starts = datetime(2026, 3, 25, 15, tzinfo=UTC).isoformat()
    old_reminder = render_reminder(
        {"event": 4, "title": "Fest", "machine": False, "venue": "Hof", "starts": starts, "ends": starts}, tr
    )
    assert old_reminder.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ev:bno:4:"
    old_held = render_held({"b": 7, "scheduled": starts, "topic": {"de": "Feste"}, "topic_source": "de"}, tr)
    assert "Feste" in old_held.params["text"]
    old_report = render_report(
        {
            "b": 7,
            "topic": {"de": "Feste"},
            "totals": {"delivered": 1},
            "by_language": {"de": {"delivered": 1}},
        },
        tr,
    )
    assert tr._("✅ Delivered: {n}", n=1) in old_report.params["text"]
    render_cancelled({"event": 4, "title": "Fest", "starts": starts}, tr)


def test_every_kind_of_the_capability_has_a_renderer() -> None:
    assert set(RENDERERS) == {
        kinds.BROADCAST,
        kinds.BROADCAST_PHOTO,
        kinds.BROADCAST_REPORT,
        kinds.BROADCAST_HELD,
        kinds.EVENT_REMINDER,
        kinds.EVENT_CANCELLED,
        kinds.EVENT_CHANGED,
    }
    photo = RENDERERS[kinds.BROADCAST_PHOTO]({"broadcast_id": 7, "photo": "PHOTO"}, Translator("de"))
    assert (photo.method, photo.params) == ("sendPhoto", {"photo": "PHOTO"})
