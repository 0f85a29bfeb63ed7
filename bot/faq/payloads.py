"""What the FAQ's own outbox rows carry (one model per kind), parsed by handlers/faq/renderers.py. A row
stores `model_dump(mode="json")`; new fields get defaults, so rows queued by an older version still render."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class StaleItem(BaseModel):
    """An FAQ answer (its slug, in `langs`) or a local fact (its name) and the month it was last checked."""

    name: str
    checked: str | None = None  # "YYYY-MM"; None: no month given (never checked)
    langs: list[str] = Field(default_factory=list)  # answers: the languages concerned


class StalePayload(BaseModel):
    """`faq_stale`: to each organizer once a month, what was not checked for `months` months."""

    month: str  # "YYYY-MM": the month the message is for
    months: int
    answers: list[StaleItem] = Field(default_factory=list)
    facts: list[StaleItem] = Field(default_factory=list)


class InboxAnswerPayload(BaseModel):
    """`faq_inbox_answer`: an organizer's answer (console inbox, bot/faq/inbox.py) to someone whose question
    the bot could not answer, in the asker's language. The payload is emptied once the row is final."""

    text: str  # what the asker reads: the organizer's words, or their machine translation (`original` set)
    written_in: str  # the language the organizer wrote in
    original: str | None = None  # the organizer's own words when `text` is a machine translation
    untranslated: bool = False  # `text` is in `written_in`, another language: no translation was available
    question: str = ""  # the asker's question, shortened, so they know what is answered
    asked_at: datetime | None = None
