"""What the outbox rows of tickets carry: one model per outbox kind, built by bot.tickets, parsed by the
renderers in handlers/faq/renderers.py. A row stores `model_dump(mode="json")`."""

from __future__ import annotations

from pydantic import BaseModel


class RelayPayload(BaseModel):
    """`ticket_<kind>`: the question in the helpers' chat (never the asker's name or id)."""

    ticket: int
    lang: str  # the asker's language
    text: str = ""
    translation: str | None = None  # into the helpers' language, by machine
    status: str = "open"


class RelayEditPayload(RelayPayload):
    """`ticket_reopened`: the relay edited back to open (with its 🙋 button) when the helper who had
    taken the question was removed. Emptied once sent, like the relay."""

    message_id: int  # the relay in the helpers' chat


class AnswerPayload(BaseModel):
    """`ticket_answer`: a helper's answer, to the asker."""

    ticket: int
    kind: str
    text: str
    original: str | None = None  # the helper's own words when `text` is a machine translation


class WithdrawnPayload(BaseModel):
    """`ticket_withdrawn`: the edit of the relay when the asker withdrew the question."""

    ticket: int
    kind: str
    lang: str
    message_id: int  # the relay in the helpers' chat


class FailedPayload(BaseModel):
    """`ticket_failed`: to the asker, the helpers' chat could not be reached."""

    ticket: int
    kind: str
