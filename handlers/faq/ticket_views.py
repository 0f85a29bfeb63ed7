"""What the helpers' chat shows of a ticket: the card (the question, its language, the machine translation
beside it, and its state: open, taken, answered, closed, withdrawn), the further parts of a long question,
the asker's later messages (and the captions of their voice messages, photos … copied there), and the
notices. The helpers' chat speaks the configured default language. Never the asker's name or id.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.claims import Handed, Outcome
from bot.languages import name_in
from bot.text import N_, Translator
from bot.ticket_media import Media, media_of
from bot.ticket_payloads import CardState, GroupNotice, MediaPayload, NoticePayload, PartPayload, RelayPayload
from bot.tickets import ClosedBy
from handlers.callbacks import TakeCb, Via
from handlers.faq.callbacks import TicketAction, TicketCb
from handlers.kit import button, keyboard

# Why a helper's button on a question did nothing (handlers/faq/tickets.py): not theirs, closed, or gone.
GONE = N_("This question no longer exists.")
REFUSALS = {
    Outcome.NOT_YOURS: N_("Only the helper who took this question can do this."),
    Outcome.CLOSED: N_("This question is already closed."),
}


def refusal(tr: Translator, outcome: Outcome) -> str:
    return tr._(REFUSALS.get(outcome, GONE))


def language(tr: Translator, lang: str) -> str:
    return name_in(lang, tr._)


# What a message of a conversation is when it is no text (shown where the text would be)
MEDIA_LABELS: dict[Media, str] = {
    Media.VOICE: N_("🎤 [voice message]"),
    Media.PHOTO: N_("🖼 [photo]"),
    Media.DOCUMENT: N_("📄 [document]"),
    Media.LOCATION: N_("📍 [location]"),
}


def media_label(tr: Translator, kind: str | None) -> str:
    media = media_of(kind)
    return tr._(MEDIA_LABELS[media]) if media is not None else ""


def part_mark(tr: Translator, part: int, parts: int) -> str:
    """ " · part 2/3" of a text cut at Telegram's limit ("" when it is whole)."""
    return tr._(" · part {part}/{parts}", part=part, parts=parts) if parts > 1 else ""


def words(tr: Translator, text: str, translation: str | None, lang: str, untranslated: bool) -> list[str]:
    """A person's words, their machine translation beside them, or the note that there is none."""
    shown = [tr.insert(text)] if text else []
    if translation:
        shown.append(tr._("<i>Machine translation:</i>\n{translation}", translation=translation))
    elif untranslated:
        shown.append(
            tr._(
                "⚠️ No machine translation available: this is in {language}.",
                language=language(tr, lang),
            )
        )
    return shown


def _state_line(tr: Translator, card: RelayPayload) -> str:
    if card.status == CardState.OPEN:
        return tr._(
            "↩️ To answer, reply to this message. The person's name is not shown here, and yours is not "
            "shown to them."
        )
    if card.status == CardState.TAKEN:
        return tr._("✋ A helper has taken this question. Any helper can still answer by replying.")
    if card.status == CardState.ANSWERED:
        return tr._(
            "💬 Answered. The conversation goes on: replies to this message or to the person's later "
            "messages reach them."
        )
    if card.closed_by == ClosedBy.ASKER:
        return tr._("🔒 Closed by the person who asked. Replies are no longer passed on.")
    if card.closed_by == ClosedBy.QUIET:
        return tr.n_(
            "🔒 Closed after {n} day without messages. Replies are no longer passed on.",
            "🔒 Closed after {n} days without messages. Replies are no longer passed on.",
            card.quiet_days or 0,
        )
    return tr._("🔒 Closed by the helper. Replies are no longer passed on.")


def relay_text(tr: Translator, card: RelayPayload) -> str:
    head = tr._(
        "❓ <b>Question no. {number}</b> · {language}", number=card.ticket, language=language(tr, card.lang)
    )
    parts = [head + part_mark(tr, card.part, card.parts)]
    if card.media and card.part == 1:
        parts.append(tr._("{media} · sent below this message", media=media_label(tr, card.media)))
    parts += words(tr, card.text, card.translation, card.lang, card.untranslated)
    parts.append(_state_line(tr, card))
    if card.named and card.status in (CardState.TAKEN, CardState.ANSWERED):
        parts.append(tr._("👤 The helper's first name is shown to the person."))
    return "\n\n".join(parts)


def take_button_row(tr: Translator, ticket_id: int, via: Via) -> list[InlineKeyboardButton]:
    return [button(tr._("🙋 I'll take it"), TakeCb(kind=Handed.QUESTION, item=ticket_id, via=via))]


def card_keyboard(tr: Translator, card: RelayPayload) -> InlineKeyboardMarkup | None:
    """🙋 while open; "show my first name" and "close" while a helper has it; nothing once closed."""
    if card.status == CardState.OPEN:
        return keyboard(take_button_row(tr, card.ticket, Via.GROUP))
    if card.status in (CardState.TAKEN, CardState.ANSWERED):
        name = tr._("🙈 Hide my first name") if card.named else tr._("👤 Show my first name")
        return keyboard(
            [
                button(name, TicketCb(action=TicketAction.NAME, ticket=card.ticket)),
                button(tr._("🔒 Close"), TicketCb(action=TicketAction.CLOSE, ticket=card.ticket)),
            ]
        )
    return None


def withdrawn_text(tr: Translator, ticket_id: int, lang: str) -> str:
    return tr._(
        "↩️ Question no. {number} ({language}) was withdrawn by the person who asked.",
        number=ticket_id,
        language=language(tr, lang),
    )


def asker_head(tr: Translator, ticket: int, seq: int, lang: str) -> str:
    """Whose message it is in the helpers' chat: the question (seq 1), or a later message of the asker."""
    if seq <= 1:
        return tr._(
            "❓ <b>Question no. {number}</b> · {language}", number=ticket, language=language(tr, lang)
        )
    # no number for the message: the conversation's count includes the helpers' replies, and "message 3
    # from the person" for their second one made helpers look for a message they had not seen
    return tr._(
        "💬 <b>Question no. {number}</b> · new message from the person · {language}",
        number=ticket,
        language=language(tr, lang),
    )


def part_text(tr: Translator, part: PartPayload) -> str:
    """A further part of the question (seq 1), or a later message of the asker."""
    head = asker_head(tr, part.ticket, part.seq, part.lang)
    shown = [head + part_mark(tr, part.part, part.parts)]
    shown += words(tr, part.text, part.translation, part.lang, part.untranslated)
    if part.seq > 1 and part.part == part.parts:
        shown.append(tr._("↩️ Reply to this message to answer."))
    return "\n\n".join(shown)


def media_caption(tr: Translator, copy: MediaPayload) -> str:
    """The caption of the asker's voice message, photo … copied into the helpers' chat: whose, which."""
    head = asker_head(tr, copy.ticket, copy.seq, copy.lang)
    return "\n\n".join([head, media_label(tr, copy.media), tr._("↩️ Reply to this message to answer.")])


def notice_text(tr: Translator, notice: NoticePayload) -> str:
    number, lang = notice.ticket or 0, language(tr, notice.lang or "")
    if notice.event == GroupNotice.PASSED:
        text = tr._("✅ Passed on to the person who asked (no. {number}).", number=number)
        if notice.translated:
            text += "\n" + tr._("Your answer was machine-translated into {language}.", language=lang)
        elif notice.untranslated:
            text += "\n" + tr._(
                "⚠️ No machine translation is available: the person reads {language}. They were told "
                "that your answer is in another language.",
                language=lang,
            )
        return text
    if notice.event == GroupNotice.NOT_HELPER:
        return tr._(
            "Only registered helpers can answer questions. Please ask an organizer for an invitation link."
        )
    if notice.event == GroupNotice.WITHDRAWN:
        return tr._("This question was withdrawn by the person who asked. Your answer was not passed on.")
    if notice.event == GroupNotice.CLOSED:
        return tr._("Question no. {number} is closed. Your answer was not passed on.", number=number)
    if notice.event == GroupNotice.CLOSED_BY_ASKER:
        return tr._("🔒 The person closed question no. {number}. Thank you!", number=number)
    if notice.event == GroupNotice.CLOSED_QUIET:
        return tr.n_(
            "🔒 Question no. {number} was closed after {n} day without messages. The person was told.",
            "🔒 Question no. {number} was closed after {n} days without messages. The person was told.",
            notice.quiet_days or 0,
            number=number,
        )
    if notice.event == GroupNotice.UNDELIVERED:
        return tr._(
            "⚠️ An answer to question no. {number} could not be delivered: the person can no longer be "
            "reached through the bot.",
            number=number,
        )
    return tr._(GONE)
