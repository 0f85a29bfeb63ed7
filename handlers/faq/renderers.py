"""Outbox renderers of tickets: everything that reaches people who did not act themselves — in the helpers'
chat the card and its edits, the parts of a long question, the asker's later messages and the notices;
to the asker the helpers' replies, "closed" and "could not be passed on"; to helpers who speak the
question's language an alert; to organizers the alarm when a question went nowhere."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot import tickets
from bot.delivery.render import Rendered, Renderer
from bot.languages import name_in
from bot.text import Translator
from bot.ticket_payloads import (
    AnswerPayload,
    ClosedPayload,
    FailedPayload,
    NoticePayload,
    OrganizerEvent,
    OrganizerPayload,
    PartPayload,
    RelayEditPayload,
    RelayPayload,
    SpeakersPayload,
    WithdrawnPayload,
)
from handlers.callbacks import Via
from handlers.faq.callbacks import TicketAction, TicketCb
from handlers.faq.ticket_views import (
    card_keyboard,
    notice_text,
    part_mark,
    part_text,
    relay_text,
    take_button_row,
    withdrawn_text,
)
from handlers.kit import button, html_edit, html_message, keyboard, renders


def _reply_to(message_id: int | None) -> dict[str, object]:
    if message_id is None:
        return {}
    return {"reply_parameters": {"message_id": message_id, "allow_sending_without_reply": True}}


# --- the helpers' chat ----------------------------------------------------------------------------------


@renders(RelayPayload)
def render_relay(card: RelayPayload, tr: Translator) -> Rendered:
    return html_message(relay_text(tr, card), card_keyboard(tr, card))


@renders(RelayEditPayload)
def render_card(card: RelayEditPayload, tr: Translator) -> Rendered:
    """The card as the ticket is now (also rows of the older `ticket_reopened`: open again, with 🙋)."""
    return html_edit(card.message_id, relay_text(tr, card), card_keyboard(tr, card))


@renders(WithdrawnPayload)
def render_withdrawn(withdrawn: WithdrawnPayload, tr: Translator) -> Rendered:
    return html_edit(withdrawn.message_id, withdrawn_text(tr, withdrawn.ticket, withdrawn.lang))


@renders(PartPayload)
def render_part(part: PartPayload, tr: Translator) -> Rendered:
    return html_message(part_text(tr, part), None, **_reply_to(part.reply_to))


@renders(NoticePayload)
def render_notice(notice: NoticePayload, tr: Translator) -> Rendered:
    return html_message(notice_text(tr, notice), None, **_reply_to(notice.reply_to))


# --- the asker --------------------------------------------------------------------------------------------


def close_keyboard(tr: Translator, ticket_id: int) -> InlineKeyboardMarkup | None:
    label = tr._("✅ My question is answered: close it")
    return keyboard([button(label, TicketCb(action=TicketAction.CLOSE, ticket=ticket_id))])


@renders(AnswerPayload)
def render_answer(answer: AnswerPayload, tr: Translator) -> Rendered:
    if answer.helper_name:
        head = tr._(
            "💬 <b>Answer from {name} to your question no. {number}</b>",
            name=answer.helper_name,
            number=answer.ticket,
        )
    else:
        head = tr._("💬 <b>Answer to your question no. {number}</b>", number=answer.ticket)
    parts = [head + part_mark(tr, answer.part, answer.parts), tr.insert(answer.text)]
    language = name_in(answer.written_in, tr._) if answer.written_in else ""
    if answer.original and language:
        parts.append(
            tr._(
                "<i>Translated by machine from {language}. The original:</i>\n{original}",
                language=language,
                original=answer.original,
            )
        )
    elif answer.original:
        parts.append(
            tr._("<i>Translated by machine. The original:</i>\n{original}", original=answer.original)
        )
    elif answer.untranslated and language:
        parts.append(
            tr._(
                "ℹ️ This answer is in {language}. No machine translation is available; if you do not "
                "understand it, just write so here.",
                language=language,
            )
        )
    if not answer.last:
        return html_message("\n\n".join(parts))
    parts.append(tr._("To reply, just write here. When your question is answered, you can close it."))
    return html_message("\n\n".join(parts), close_keyboard(tr, answer.ticket))


@renders(FailedPayload)
def render_failed(failed: FailedPayload, tr: Translator) -> Rendered:
    if failed.seq and failed.seq > 1:
        text = tr._(
            "Sorry, your message no. {seq} to question no. {number} could not be passed on to our "
            "volunteers. Please send it again, or call us.",
            seq=failed.seq,
            number=failed.ticket,
        )
    else:
        text = tr._(
            "Sorry, your question no. {number} could not be passed on to our volunteers. Please try "
            "again later with /ask.",
            number=failed.ticket,
        )
    return html_message(text)


@renders(ClosedPayload)
def render_closed(closed: ClosedPayload, tr: Translator) -> Rendered:
    if closed.by == tickets.ClosedBy.QUIET and not closed.answered:
        text = tr.n_(
            "Your question no. {number} was closed: in {n} day nobody could answer it. We are sorry. "
            "You can ask again any time with /ask.",
            "Your question no. {number} was closed: in {n} days nobody could answer it. We are sorry. "
            "You can ask again any time with /ask.",
            closed.quiet_days or 0,
            number=closed.ticket,
        )
    elif closed.by == tickets.ClosedBy.QUIET:
        text = tr.n_(
            "Your question no. {number} was closed after {n} day without messages. If you need more "
            "help, just write a new question.",
            "Your question no. {number} was closed after {n} days without messages. If you need more "
            "help, just write a new question.",
            closed.quiet_days or 0,
            number=closed.ticket,
        )
    else:
        text = tr._(
            "The helper closed your question no. {number}. If you need more help, just write a new question.",
            number=closed.ticket,
        )
    return html_message(text)


# --- helpers who speak the language, organizers ---------------------------------------------------------


@renders(SpeakersPayload)
def render_speakers(alert: SpeakersPayload, tr: Translator) -> Rendered:
    text = tr._(
        "❓ A question in {language} is waiting in the helpers' group (no. {number}), and no machine "
        "translation is available. You speak {language}: can you take it? You answer it in the group, "
        "by replying to it.",
        language=name_in(alert.lang, tr._),
        number=alert.ticket,
    )
    return html_message(text, keyboard(take_button_row(tr, alert.ticket, Via.ALERT)))


@renders(OrganizerPayload)
def render_organizers(alert: OrganizerPayload, tr: Translator) -> Rendered:
    language = name_in(alert.lang, tr._) if alert.lang else "?"
    if alert.event == OrganizerEvent.UNREACHABLE:
        text = tr._(
            "⚠️ Someone ({language}) wanted to ask a person, but no helpers' group is configured "
            "(HELPERS_CHAT_ID). They were given the phone number. Please set up the helpers' group.",
            language=language,
        )
    elif alert.event == OrganizerEvent.RELAY_FAILED:
        text = tr._(
            "⚠️ Question no. {number} ({language}) could not be passed on to the helpers' group: "
            "{error}. The person was told. Please check that the bot is still in the group and that "
            "HELPERS_CHAT_ID is right.",
            number=alert.ticket or 0,
            language=language,
            error=alert.error or "?",
        )
    else:
        text = tr._(
            "⚠️ Message no. {seq} of question no. {number} ({language}) could not be passed on to the "
            "helpers' group: {error}. The person was told.",
            seq=alert.seq or 0,
            number=alert.ticket or 0,
            language=language,
            error=alert.error or "?",
        )
    return html_message(text)


RENDERERS: dict[str, Renderer] = {
    **{tickets.relay_kind(kind): render_relay for kind in tickets.TICKET_KINDS},
    tickets.CARD_KIND: render_card,
    tickets.REOPENED_KIND: render_card,
    tickets.WITHDRAWN_KIND: render_withdrawn,
    tickets.PART_KIND: render_part,
    tickets.FOLLOWUP_KIND: render_part,
    tickets.NOTICE_KIND: render_notice,
    tickets.ANSWER_KIND: render_answer,
    tickets.FAILED_KIND: render_failed,
    tickets.CLOSED_KIND: render_closed,
    tickets.SPEAKERS_KIND: render_speakers,
    tickets.ORGANIZERS_KIND: render_organizers,
}
