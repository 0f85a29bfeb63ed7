"""Outbox renderers of assignments: each parses its typed payload (bot/assignments/payloads.py) and renders
it in the reader's language when the message is sent."""

from __future__ import annotations

from bot.assignments.payloads import (
    AlertEditPayload,
    AlertPayload,
    FollowupPayload,
    NoticeEvent,
    NoticePayload,
    Recipient,
    ReminderPayload,
    YoursPayload,
)
from bot.delivery.render import Rendered
from bot.text import Translator
from handlers.assignments.callbacks import AssignmentAction
from handlers.assignments.views import (
    act,
    alert_keyboard,
    assignee_keyboard,
    closed_alert_text,
    done_row,
    open_keyboard,
    person_link,
    summary_text,
    yours_head,
)
from handlers.kit import html_edit, html_message, keyboard, renders


@renders(AlertPayload)
def render_alert(payload: AlertPayload, tr: Translator) -> Rendered:
    head = (
        tr._("📣 <b>Nobody has taken this yet. Can you help?</b>")
        if payload.wide
        else tr._("📣 <b>Can you help?</b>")
    )
    text = "\n\n".join(
        [
            head,
            summary_text(tr, payload.assignment),
            tr._("Address and contact are shown only to the helper who takes it."),
        ]
    )
    return html_message(text, alert_keyboard(tr, payload.assignment.id))


@renders(AlertEditPayload)
def render_alert_edit(payload: AlertEditPayload, tr: Translator) -> Rendered:
    return html_edit(payload.message_id, closed_alert_text(tr, payload.assignment, payload.why))


@renders(YoursPayload)
def render_yours(payload: YoursPayload, tr: Translator) -> Rendered:
    """To the helper who took it. The address and contact are not in the outbox: the button shows them."""
    summary = payload.assignment
    text = "\n\n".join(
        [
            yours_head(tr, summary.id),
            summary_text(tr, summary),
            tr._("🔒 The address and contact are only for you: tap the button below."),
        ]
    )
    return html_message(text, assignee_keyboard(tr, summary.id, with_details=True))


def _notice_lines(tr: Translator, payload: NoticePayload) -> list[str]:
    event, number, count = payload.event, payload.assignment.id, payload.count or 0
    if event == NoticeEvent.CLAIMED:
        return [tr._("✅ Assignment no. {number} has been taken.", number=number)]
    if event == NoticeEvent.WIDENED:
        return [
            tr.n_(
                "⏳ Nobody has taken assignment no. {number} yet. The alert now went to {n} more helper.",
                "⏳ Nobody has taken assignment no. {number} yet. The alert now went to {n} more helpers.",
                count,
                number=number,
            )
        ]
    if event == NoticeEvent.NOBODY:
        return [
            tr._(
                "⚠️ Nobody has taken assignment no. {number} yet, and every available helper already has the "
                "alert. Perhaps ask someone directly.",
                number=number,
            )
        ]
    if event == NoticeEvent.TAKEN_BACK:
        return [
            tr._(
                "↩️ The organizers have taken assignment no. {number} back: it is no longer yours, and you "
                "do not need to go. Thank you!",
                number=number,
            )
        ]
    if event in (
        NoticeEvent.HANDED_BACK,
        NoticeEvent.REOPENED,
        NoticeEvent.HELPER_REMOVED,
        NoticeEvent.REOPENED_BY_ORGANIZER,
    ):
        reasons = {
            NoticeEvent.REOPENED_BY_ORGANIZER: tr._(
                "↩️ An organizer took assignment no. {number} back from its helper, so it is open again.",
                number=number,
            ),
            NoticeEvent.HANDED_BACK: tr._(
                "↩️ Assignment no. {number} was handed back and is open again.", number=number
            ),
            NoticeEvent.REOPENED: tr._(
                "↩️ The helper of assignment no. {number} has left the bot, so it is open again.",
                number=number,
            ),
            NoticeEvent.HELPER_REMOVED: tr._(
                "↩️ The helper of assignment no. {number} was removed by an organizer, so it is open again.",
                number=number,
            ),
        }
        lines = [reasons[event]]
        if not count:
            return [*lines, tr._("No helper could be alerted. Perhaps ask someone directly.")]
        lines.append(tr.n_("It was offered to {n} helper.", "It was offered to {n} helpers.", count))
        if payload.wide:
            lines.append(
                tr._("No one else speaks its language in its area, so all available helpers got it.")
            )
        return lines
    if event == NoticeEvent.DONE:
        lines = [tr._("🏁 Assignment no. {number} is done.", number=number)]
        if payload.note:
            lines.append(tr._("Note from the helper: {note}", note=payload.note))
        return lines
    return [
        tr._(
            "❌ Assignment no. {number} was cancelled by the organizers. Thank you all the same!",
            number=number,
        )
    ]


@renders(NoticePayload)
def render_notice(payload: NoticePayload, tr: Translator) -> Rendered:
    parts = _notice_lines(tr, payload)
    if payload.event in (
        NoticeEvent.CLAIMED,
        NoticeEvent.DONE,
        NoticeEvent.HANDED_BACK,
        NoticeEvent.REOPENED_BY_ORGANIZER,
    ):
        parts.append(person_link(tr, payload.helper, tr._("💬 Write to the helper")))
    parts.append(summary_text(tr, payload.assignment))
    text = "\n\n".join(x for x in parts if x)
    if payload.event in (NoticeEvent.CANCELLED, NoticeEvent.TAKEN_BACK):  # to the helper: nothing to open
        return html_message(text)
    return html_message(text, open_keyboard(tr, payload.assignment.id))


@renders(ReminderPayload)
def render_reminder(payload: ReminderPayload, tr: Translator) -> Rendered:
    summary = payload.assignment
    if payload.to == Recipient.ORGANIZER:
        parts = [
            tr._(
                "⏰ <b>Reminder:</b> assignment no. {number} is coming up. A helper has taken it.",
                number=summary.id,
            ),
            person_link(tr, payload.helper, tr._("💬 Write to the helper")),
            summary_text(tr, summary),
        ]
        markup = open_keyboard(tr, summary.id)
    else:
        parts = [
            tr._("⏰ <b>Reminder:</b> your assignment no. {number} is coming up.", number=summary.id),
            summary_text(tr, summary),
        ]
        markup = keyboard([act(tr._("🔒 Address and contact"), AssignmentAction.DETAILS, summary.id)])
    return html_message("\n\n".join(x for x in parts if x), markup)


@renders(FollowupPayload)
def render_followup(payload: FollowupPayload, tr: Translator) -> Rendered:
    summary = payload.assignment
    text = "\n\n".join(
        [
            tr._(
                "🏁 How did assignment no. {number} go? When it is done, please close it here. You can add a "
                "short note for the organizers.",
                number=summary.id,
            ),
            summary_text(tr, summary),
        ]
    )
    return html_message(text, keyboard(done_row(tr, summary.id)))
