"""Outbox renderers of tickets: everything that reaches people who did not act themselves (the relay in
the helpers' chat, the answer to the asker, the "withdrawn" edit, the "could not be passed on" notice)."""

from __future__ import annotations

from bot.delivery.render import Rendered, Renderer
from bot.faq.payloads import AnswerPayload, FailedPayload, RelayEditPayload, RelayPayload, WithdrawnPayload
from bot.text import Translator
from bot.tickets import (
    ANSWER_KIND,
    FAILED_KIND,
    QUESTION,
    REOPENED_KIND,
    WITHDRAWN,
    WITHDRAWN_KIND,
    relay_kind,
)
from handlers.faq.ticket_views import closed_text, relay_text, take_keyboard
from handlers.kit import html_edit, html_message, renders


@renders(RelayPayload)
def render_relay(relay: RelayPayload, tr: Translator) -> Rendered:
    return html_message(relay_text(tr, relay), take_keyboard(tr, relay.ticket))


@renders(WithdrawnPayload)
def render_withdrawn(withdrawn: WithdrawnPayload, tr: Translator) -> Rendered:
    return html_edit(withdrawn.message_id, closed_text(tr, withdrawn.ticket, withdrawn.lang, WITHDRAWN))


@renders(RelayEditPayload)
def render_reopened(relay: RelayEditPayload, tr: Translator) -> Rendered:
    """The relay open again (its helper was removed): the question as first sent, with its 🙋 button."""
    return html_edit(relay.message_id, relay_text(tr, relay), take_keyboard(tr, relay.ticket))


@renders(AnswerPayload)
def render_answer(answer: AnswerPayload, tr: Translator) -> Rendered:
    parts = [
        tr._("💬 <b>Answer to your question no. {number}</b>", number=answer.ticket),
        tr.insert(answer.text),
    ]
    if answer.original:
        parts.append(
            tr._("<i>Translated by machine. The original:</i>\n{original}", original=answer.original)
        )
    parts.append(tr._("If you have another question, just write it."))
    return html_message("\n\n".join(parts))


@renders(FailedPayload)
def render_failed(failed: FailedPayload, tr: Translator) -> Rendered:
    text = tr._(
        "Sorry, your question no. {number} could not be passed on to our volunteers. Please try again "
        "later with /ask.",
        number=failed.ticket,
    )
    return html_message(text)


RENDERERS: dict[str, Renderer] = {
    relay_kind(QUESTION): render_relay,
    WITHDRAWN_KIND: render_withdrawn,
    REOPENED_KIND: render_reopened,
    ANSWER_KIND: render_answer,
    FAILED_KIND: render_failed,
}
