"""Outbox renderers of tickets: everything that reaches people who did not act themselves — in the helpers'
chat the card and its edits, the parts of a long question, the asker's later messages (voice messages,
photos, documents and locations as copies: copyMessage) and the notices; to the asker the helpers' replies
(copies too), "closed" and "could not be passed on"; to helpers who speak the question's language an
alert; to organizers the alarm when a question went nowhere."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot import tickets
from bot.delivery.render import Rendered, Renderer
from bot.faq.freshness import STALE_KIND
from bot.faq.inbox import ANSWER_KIND as INBOX_ANSWER_KIND
from bot.faq.payloads import InboxAnswerPayload, StaleItem, StalePayload
from bot.languages import name_in
from bot.text import Translator
from bot.ticket_media import CAPTIONED, COPY, MEDIA_ANSWER_KIND, MEDIA_KIND, media_of
from bot.ticket_payloads import (
    AnswerPayload,
    ClosedPayload,
    FailedPayload,
    MediaPayload,
    NoticePayload,
    OrganizerEvent,
    OrganizerPayload,
    PartPayload,
    RelayEditPayload,
    RelayPayload,
    SpeakersPayload,
    TakenPayload,
    WithdrawnPayload,
)
from handlers.callbacks import Via
from handlers.faq.callbacks import TicketAction, TicketCb
from handlers.faq.ticket_views import (
    card_keyboard,
    media_caption,
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


def _copy(copy: MediaPayload, caption: str, markup: InlineKeyboardMarkup | None = None) -> Rendered:
    """copyMessage of the writer's own message: the file stays where it is, the bot never downloads it.
    A location cannot carry a caption (its heading is then the message it replies to, or none)."""
    params: dict[str, object] = {"from_chat_id": copy.from_chat_id, "message_id": copy.message_id}
    media = media_of(copy.media)
    if media in CAPTIONED and caption:
        params["caption"] = caption
    if markup is not None:
        params["reply_markup"] = markup.model_dump(exclude_none=True)
    return Rendered(COPY, {**params, **_reply_to(copy.reply_to)})


@renders(MediaPayload)
def render_media(copy: MediaPayload, tr: Translator) -> Rendered:
    """The asker's voice message, photo … in the helpers' chat, captioned with the question's number."""
    return _copy(copy, media_caption(tr, copy))


@renders(NoticePayload)
def render_notice(notice: NoticePayload, tr: Translator) -> Rendered:
    return html_message(notice_text(tr, notice), None, **_reply_to(notice.reply_to))


# --- the asker --------------------------------------------------------------------------------------------


def close_keyboard(tr: Translator, ticket_id: int) -> InlineKeyboardMarkup | None:
    label = tr._("✅ My question is answered: close it")
    return keyboard([button(label, TicketCb(action=TicketAction.CLOSE, ticket=ticket_id))])


@renders(AnswerPayload)
def render_answer(answer: AnswerPayload, tr: Translator) -> Rendered:
    head = _answer_head(tr, answer.ticket, answer.helper_name)
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


def _answer_head(tr: Translator, ticket: int, helper_name: str | None) -> str:
    if helper_name:
        return tr._(
            "💬 <b>Answer from {name} to your question no. {number}</b>", name=helper_name, number=ticket
        )
    return tr._("💬 <b>Answer to your question no. {number}</b>", number=ticket)


@renders(MediaPayload)
def render_media_answer(copy: MediaPayload, tr: Translator) -> Rendered:
    """A helper's voice message, photo … to the asker (the helper's caption follows as an answer)."""
    parts = [_answer_head(tr, copy.ticket, copy.helper_name)]
    if copy.last:
        parts.append(tr._("To reply, just write here. When your question is answered, you can close it."))
    return _copy(copy, "\n\n".join(parts), close_keyboard(tr, copy.ticket) if copy.last else None)


@renders(FailedPayload)
def render_failed(failed: FailedPayload, tr: Translator) -> Rendered:
    if failed.seq and failed.seq > 1:
        text = tr._(
            "Sorry, your message to question no. {number} could not be passed on to our volunteers. "
            "Please send it again, or call us.",
            number=failed.ticket,
        )
    else:
        text = tr._(
            "Sorry, your question no. {number} could not be passed on to our volunteers. Please try "
            "again later with /ask.",
            number=failed.ticket,
        )
    return html_message(text, None, **_reply_to(failed.reply_to))  # which message: quoted, when still known


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


@renders(TakenPayload)
def render_taken(taken: TakenPayload, tr: Translator) -> Rendered:
    if taken.yours:
        text = tr._(
            "🙋 Question no. {number} is yours. Please answer it in the helpers' group: reply to the question "
            "there. Your name is not shown to the person.",
            number=taken.ticket,
        )
    else:
        text = tr._("✅ Question no. {number} was taken by another helper. Thank you!", number=taken.ticket)
    return html_message(text) if taken.message_id is None else html_edit(taken.message_id, text)


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


# --- organizers: facts to check (bot/faq/freshness.py) ----------------------------------------------------

STALE_LINES = 60  # at most this many lines: the message stays far below Telegram's 4,096 characters


def _stale_line(tr: Translator, item: StaleItem) -> str:
    if item.langs:
        languages = tr.comma_list(item.langs)
        if item.checked is None:
            return tr._("• {name} ({languages}): no month", name=item.name, languages=languages)
        return tr._(
            "• {name} ({languages}): checked {month}", name=item.name, languages=languages, month=item.checked
        )
    if item.checked is None:
        return tr._("• {name}: no month", name=item.name)
    return tr._("• {name}: checked {month}", name=item.name, month=item.checked)


@renders(StalePayload)
def render_stale(stale: StalePayload, tr: Translator) -> Rendered:
    lines = [
        tr._("<b>FAQ: facts to check</b>"),
        tr._(
            "Not checked for {months} months or more. Please check them against official sources, correct "
            "the text where needed and set the month in “checked” (locales/faq, the local facts file).",
            months=stale.months,
        ),
    ]
    items: list[str] = []
    if stale.answers:
        items += ["", tr._("Answers:"), *(_stale_line(tr, a) for a in stale.answers)]
    if stale.facts:
        items += ["", tr._("Local facts:"), *(_stale_line(tr, f) for f in stale.facts)]
    if len(items) > STALE_LINES:
        more = len(items) - STALE_LINES
        items = [*items[:STALE_LINES], tr.n_("… and {n} more line", "… and {n} more lines", more)]
    return html_message("\n".join([*lines, *items]))


# --- askers answered by an organizer from the console's inbox (bot/faq/inbox.py) --------------------------


@renders(InboxAnswerPayload)
def render_inbox_answer(answer: InboxAnswerPayload, tr: Translator) -> Rendered:
    """Their question (shortened), the answer in their language, and honestly how it got there: translated
    by machine (with the original), or not translated at all."""
    parts = [tr._("💬 <b>An answer to your question</b>")]
    if answer.question and answer.asked_at is not None:
        parts.append(
            tr._(
                "You asked on {date}:\n<i>{question}</i>",
                date=tr.date(answer.asked_at),
                question=answer.question,
            )
        )
    parts.append(tr.insert(answer.text))
    language = name_in(answer.written_in, tr._)
    if answer.original:
        parts.append(
            tr._(
                "<i>Translated by machine from {language}. The original:</i>\n{original}",
                language=language,
                original=answer.original,
            )
        )
    elif answer.untranslated:
        parts.append(
            tr._(
                "ℹ️ This answer is in another language: {language}. No machine translation was available.",
                language=language,
            )
        )
    parts.append(
        tr._(
            "A person from our team wrote this answer, because the bot could not answer your question. If "
            "you have more questions, just write them here, or ask a person with /ask."
        )
    )
    return html_message("\n\n".join(parts))


RENDERERS: dict[str, Renderer] = {
    STALE_KIND: render_stale,
    INBOX_ANSWER_KIND: render_inbox_answer,
    **{tickets.relay_kind(kind): render_relay for kind in tickets.TICKET_KINDS},
    tickets.CARD_KIND: render_card,
    tickets.REOPENED_KIND: render_card,
    tickets.WITHDRAWN_KIND: render_withdrawn,
    tickets.PART_KIND: render_part,
    tickets.FOLLOWUP_KIND: render_part,
    MEDIA_KIND: render_media,
    MEDIA_ANSWER_KIND: render_media_answer,
    tickets.NOTICE_KIND: render_notice,
    tickets.ANSWER_KIND: render_answer,
    tickets.FAILED_KIND: render_failed,
    tickets.CLOSED_KIND: render_closed,
    tickets.SPEAKERS_KIND: render_speakers,
    tickets.TAKEN_KIND: render_taken,
    tickets.ORGANIZERS_KIND: render_organizers,
}
