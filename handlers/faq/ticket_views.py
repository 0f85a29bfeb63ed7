"""What the helpers' chat shows of a ticket: the relay of a question, "taken", "answered", "withdrawn".

The helpers' chat speaks the configured default language. The relay shows the question, its language
and a machine translation when there is one; never the asker's name or id.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot import tickets
from bot.faq.payloads import RelayPayload
from bot.languages import name_in
from bot.text import Translator
from bot.tickets import Ticket
from handlers.faq.callbacks import TicketAction, TicketCb
from handlers.kit import button, keyboard


def relay_text(tr: Translator, relay: RelayPayload, status_line: str | None = None) -> str:
    parts = [
        tr._(
            "❓ <b>Question no. {number}</b> · {language}",
            number=relay.ticket,
            language=name_in(relay.lang, tr._),
        ),
        tr.insert(relay.text),
    ]
    if relay.translation:
        parts.append(tr._("<i>Machine translation:</i>\n{translation}", translation=relay.translation))
    parts.append(
        status_line
        or tr._(
            "↩️ To answer, reply to this message. The person's name is not shown here, and yours is not "
            "shown to them."
        )
    )
    return "\n\n".join(parts)


def taken_line(tr: Translator) -> str:
    return tr._("✋ A helper has taken this question. Any helper can still answer by replying.")


def closed_text(tr: Translator, ticket_id: int, lang: str, status: str) -> str:
    if status == tickets.WITHDRAWN:
        return tr._(
            "↩️ Question no. {number} ({language}) was withdrawn by the person who asked.",
            number=ticket_id,
            language=name_in(lang, tr._),
        )
    return tr._(
        "✅ Question no. {number} ({language}) has been answered. Replies to this message still reach the "
        "person.",
        number=ticket_id,
        language=name_in(lang, tr._),
    )


def take_keyboard(tr: Translator, ticket_id: int) -> InlineKeyboardMarkup | None:
    return keyboard([button(tr._("🙋 I'll take it"), TicketCb(action=TicketAction.TAKE, ticket=ticket_id))])


def ticket_view(tr: Translator, ticket: Ticket) -> tuple[str, InlineKeyboardMarkup | None]:
    """The relay message as it should look now."""
    relay = tickets.relay_payload(ticket)
    if ticket.status == tickets.OPEN:
        return relay_text(tr, relay), take_keyboard(tr, ticket.id)
    if ticket.status == tickets.TAKEN:
        return relay_text(tr, relay, taken_line(tr)), None
    return closed_text(tr, ticket.id, ticket.lang, ticket.status), None
