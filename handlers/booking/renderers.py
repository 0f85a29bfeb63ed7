"""The booking messages that leave on their own (reminders, the counsellor's news, a cancellation by the
association, waitlist offers), rendered in the reader's language when the delivery engine sends them.
Each reads its typed payload (bot/booking/payloads.py)."""

from __future__ import annotations

from bot.booking.payloads import (
    Appointment,
    CancelledByAssociation,
    CounsellorNews,
    CounsellorNotice,
    Lapsed,
    Offer,
    Reminder,
)
from bot.booking.services import topic_name
from bot.delivery.render import Rendered
from bot.text import Html, Translator
from handlers.booking.callbacks import BookAction, BookCb, MyAction, MyCb, WaitAction, WaitCb
from handlers.booking.views import brief, interpreter_name
from handlers.kit import button, confirm_row, html_message, keyboard, renders


def _brief(tr: Translator, payload: Appointment) -> Html:
    topic = topic_name(payload.topic, tr.lang)
    return Html("\n".join(brief(tr, topic, payload.starts_at, payload.venue, payload.address)))


@renders(Reminder)
def render_reminder(payload: Reminder, tr: Translator) -> Rendered:
    text = tr._(
        "⏰ <b>Reminder of your appointment</b>\n\n{details}\n\nWill you come?",
        details=_brief(tr, payload),
    )
    come = MyCb(action=MyAction.WILL_COME, booking=payload.booking_id)
    cancel = MyCb(action=MyAction.ASK_CANCEL, booking=payload.booking_id)
    return html_message(
        text,
        keyboard([button(tr._("✅ I'll come"), come)], [button(tr._("❌ Cancel the appointment"), cancel)]),
    )


@renders(CounsellorNotice)
def render_counsellor(payload: CounsellorNotice, tr: Translator) -> Rendered:
    if payload.event == CounsellorNews.MOVED and payload.moved_from is not None:
        title = tr._(
            "🔁 <b>Counselling appointment moved</b>\nfrom {old}\nto {new}",
            old=tr.datetime(payload.moved_from),
            new=tr.datetime(payload.starts_at),
        )
    elif payload.event == CounsellorNews.CANCELLED:
        title = tr._("❌ <b>Counselling appointment cancelled</b>")
    else:
        title = tr._("🆕 <b>New counselling appointment</b>")
    lines = [title, "", _brief(tr, payload)]
    language = interpreter_name(tr, payload.interpreter, for_staff=True)
    if language and payload.event != CounsellorNews.CANCELLED:
        lines.append(tr._("🗣 Interpreter: {language}", language=language))
    if payload.note:
        lines.append(tr._("📝 Note: {note}", note=payload.note))
    if payload.unassigned and payload.event != CounsellorNews.CANCELLED:
        lines += ["", tr._("⚠️ Nobody counsels at this time yet. Please find a counsellor for it.")]
    lines += ["", tr._("All appointments: /agenda")]
    return html_message("\n".join(lines))


@renders(CancelledByAssociation)
def render_cancelled(payload: CancelledByAssociation, tr: Translator) -> Rendered:
    text = tr._(
        "😔 Sorry, the association had to cancel your appointment:\n\n{details}\n\nPlease choose a new time.",
        details=_brief(tr, payload),
    )
    again = BookCb(action=BookAction.TOPIC, topic=payload.topic_id)
    return html_message(text, keyboard([button(tr._("📅 Book a new appointment"), again)]))


@renders(Offer)
def render_offer(payload: Offer, tr: Translator) -> Rendered:
    text = tr._(
        "🔔 <b>Good news: a time became free for you.</b>\n\n{details}\n\n"
        "I keep it for you until {until}. Do you want it?",
        details=_brief(tr, payload),
        until=Html(tr.time(payload.expires_at)),
    )
    take = WaitCb(action=WaitAction.TAKE, entry=payload.entry_id, slot=payload.slot_id)
    decline = WaitCb(action=WaitAction.DECLINE, entry=payload.entry_id)
    pair = confirm_row(tr, take, decline, yes_text=tr._("✅ Yes, book it"), no_text=tr._("No, thanks"))
    return html_message(text, keyboard(pair))


@renders(Lapsed)
def render_lapsed(payload: Lapsed, tr: Translator) -> Rendered:
    text = tr._(
        "The free time was kept for you, but there was no answer, so it went to the next person. "
        "If you still need an appointment for {topic}, you can join the waiting list again.",
        topic=topic_name(payload.topic, tr.lang),
    )
    again = WaitCb(action=WaitAction.ASK, topic=payload.topic_id)
    return html_message(text, keyboard([button(tr._("🔔 Join the waiting list again"), again)]))
