"""Outbox renderers of tickets: everything that reaches people who did not act themselves (the relay in
the helpers' chat, the answer to the asker, the "withdrawn" edit, the "could not be passed on" notice)."""

from __future__ import annotations

from typing import Any

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
from handlers.kit import html_edit, html_message


def render_relay(data: dict[str, Any], tr: Translator) -> Rendered:
    relay = RelayPayload.model_validate(data)
    return html_message(relay_text(tr, relay), take_keyboard(tr, relay.ticket))


def render_withdrawn(data: dict[str, Any], tr: Translator) -> Rendered:
    withdrawn = WithdrawnPayload.model_validate(data)
    return html_edit(withdrawn.message_id, closed_text(tr, withdrawn.ticket, withdrawn.lang, WITHDRAWN))


def render_reopened(data: dict[str, Any], tr: Translator) -> Rendered:
    """The relay open again (its helper was removed): the question as first sent, with its 🙋 button."""
    relay = RelayEditPayload.model_validate(data)
    return html_edit(relay.message_id, relay_text(tr, relay), take_keyboard(tr, relay.ticket))


def render_answer(data: dict[str, Any], tr: Translator) -> Rendered:
    answer = AnswerPayload.model_validate(data)
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


def render_failed(data: dict[str, Any], tr: Translator) -> Rendered:
    failed = FailedPayload.model_validate(data)
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
