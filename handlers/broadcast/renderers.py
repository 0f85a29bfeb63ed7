"""What the outbox sends for this capability, in the reader's language at send time: broadcasts (and the
photo sent ahead of a long one), the organizer's report and held-broadcast question, event reminders and
cancellation notices. Each parses its kind's payload model (bot/broadcast/payloads.py)."""

from __future__ import annotations

from typing import Any

from bot.broadcast import texts as text_tools
from bot.broadcast.payloads import (
    BroadcastPayload,
    BroadcastPhotoPayload,
    EventCancelledPayload,
    EventChangedPayload,
    EventReminderPayload,
    HeldPayload,
    ReportPayload,
)
from bot.config import SUPPORTED_LANGUAGES
from bot.delivery.render import Rendered
from bot.languages import own_name
from bot.text import Html, Translator
from handlers.broadcast.callbacks import BroadcastAction, BroadcastCb, EvCb, EventAction
from handlers.broadcast.views import attend_button, machine_note, stop_news_button, when_line
from handlers.kit import button, html_message, keyboard, renders


def broadcast_message(payload: BroadcastPayload, tr: Translator) -> Rendered:
    """One recipient's broadcast: their text, the machine note, "I'll come" for events, the topic button.
    Also what the organizer's preview shows."""
    text = payload.text
    if payload.machine:
        text = f"{text}\n\n{machine_note(tr)}"
    markup = keyboard(
        [attend_button(tr, payload.event_id, False)] if payload.event_id else None,
        [stop_news_button(tr, payload.topic_id, payload.topic_name, True)] if payload.topic_id else None,
    )
    if payload.photo and text_tools.visible_length(text) <= text_tools.MAX_CAPTION:
        params: dict[str, Any] = {"photo": payload.photo, "caption": text, "parse_mode": "HTML"}
        if markup is not None:
            params["reply_markup"] = markup.model_dump(exclude_none=True)
        return Rendered("sendPhoto", params)
    return html_message(text, markup)


def photo_message(payload: BroadcastPhotoPayload) -> Rendered:
    return Rendered("sendPhoto", {"photo": payload.photo})


@renders(BroadcastPayload)
def render_broadcast(payload: BroadcastPayload, tr: Translator) -> Rendered:
    return broadcast_message(payload, tr)


@renders(BroadcastPhotoPayload)
def render_broadcast_photo(payload: BroadcastPhotoPayload, tr: Translator) -> Rendered:
    return photo_message(payload)


@renders(ReportPayload)
def render_report(report: ReportPayload, tr: Translator) -> Rendered:
    totals = report.totals
    lines = [
        tr._(
            "📊 Report for broadcast #{id} ({topic})", id=report.broadcast_id, topic=report.topic_in(tr.lang)
        ),
        tr._("✅ Delivered: {n}", n=totals.delivered),
        tr._("🚫 Blocked the bot: {n}", n=totals.blocked),
        tr._("⚠️ Not delivered (error): {n}", n=totals.failed),
    ]
    if totals.cancelled:
        lines.append(tr._("✖️ Withdrawn: {n}", n=totals.cancelled))
    by_language = report.by_language
    if by_language:
        lines += ["", tr._("By language:")]
        for lang in [*SUPPORTED_LANGUAGES, *sorted(set(by_language) - set(SUPPORTED_LANGUAGES))]:
            counts = by_language.get(lang)
            if counts:
                lines.append(
                    tr._(
                        "{language}: delivered {delivered}, blocked {blocked}, errors {failed}",
                        language=own_name(lang),
                        delivered=counts.delivered,
                        blocked=counts.blocked,
                        failed=counts.failed,
                    )
                )
    return html_message("\n".join(lines))


@renders(HeldPayload)
def render_held(held: HeldPayload, tr: Translator) -> Rendered:
    text = tr._(
        "⚠️ Broadcast #{id} ({topic}) was due on {when}, but the bot was not running then, so it was not "
        "sent. Send it now, or cancel it?",
        id=held.broadcast_id,
        topic=held.topic_in(tr.lang),
        when=Html(tr.datetime(held.scheduled_at)),
    )
    markup = keyboard(
        [
            button(
                tr._("📤 Send now"), BroadcastCb(action=BroadcastAction.RELEASE, broadcast=held.broadcast_id)
            ),
            button(
                tr._("✖️ Cancel it"), BroadcastCb(action=BroadcastAction.CANCEL, broadcast=held.broadcast_id)
            ),
        ]
    )
    return html_message(text, markup)


def _event_notice(tr: Translator, heading: str, notice: EventReminderPayload) -> Rendered:
    """A reminder or a change: the heading, when and where, and "I can't come"."""
    lines = [heading, when_line(tr, notice.starts_at, notice.ends_at), tr._("📍 {venue}", venue=notice.venue)]
    if notice.machine:
        lines.append(machine_note(tr))
    markup = keyboard(
        [button(tr._("❌ I can't come"), EvCb(action=EventAction.NO_UNDER, event=notice.event_id))]
    )
    return html_message("\n".join(lines), markup)


@renders(EventReminderPayload)
def render_reminder(reminder: EventReminderPayload, tr: Translator) -> Rendered:
    return _event_notice(tr, tr._("⏰ Reminder: {title}", title=reminder.title), reminder)


@renders(EventChangedPayload)
def render_changed(notice: EventChangedPayload, tr: Translator) -> Rendered:
    return _event_notice(tr, tr._("🔄 Changed: {title}. The new date and place:", title=notice.title), notice)


@renders(EventCancelledPayload)
def render_cancelled(notice: EventCancelledPayload, tr: Translator) -> Rendered:
    text = tr._(
        "❌ Cancelled: {title} on {date}. We are sorry!",
        title=notice.title,
        date=Html(tr.datetime(notice.starts_at)),
    )
    return html_message(text)
