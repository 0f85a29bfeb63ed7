"""What the FAQ's own outbox rows carry (one model per kind), parsed by handlers/faq/renderers.py. A row
stores `model_dump(mode="json")`; new fields get defaults, so rows queued by an older version still render."""

from __future__ import annotations

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
