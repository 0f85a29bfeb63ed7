"""What the booking messages that leave on their own carry: one pydantic model per outbox kind.

The services build a model and queue `model_dump(mode="json")`; the renderer (handlers/booking/renderers.py)
reads it back with `Model.model_validate(data)`, in the reader's language, when the delivery engine sends
it. The keys are those the outbox rows always had, so rows queued before a deploy still render.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

KIND_REMINDER = "booking_reminder"
KIND_COUNSELLOR = "booking_counsellor"
KIND_CANCELLED = "booking_cancelled"
KIND_OFFER = "waitlist_offer"
KIND_LAPSED = "waitlist_lapsed"


class CounsellorNews(StrEnum):
    NEW = "new"
    CANCELLED = "cancelled"
    MOVED = "moved"  # a reschedule: one notice, "moved from … to …"


class Payload(BaseModel):
    def data(self) -> dict[str, Any]:
        """What the outbox row stores."""
        return self.model_dump(mode="json")


class Appointment(Payload):
    """The appointment as every message shows it: topic (names per language), time, venue."""

    starts_at: datetime
    ends_at: datetime
    topic: dict[str, str]
    venue: str = ""
    address: str = ""


class Reminder(Appointment):
    """`booking_reminder`: to the person, `hours` before the start; "I'll come" / "Cancel"."""

    booking_id: int
    hours: int


class CounsellorNotice(Appointment):
    """`booking_counsellor`: to the counsellor, or to every organizer when the slot has nobody
    (`unassigned`); nothing about the person, and the note only with a move."""

    booking_id: int
    event: CounsellorNews
    interpreter: str | None = None
    unassigned: bool = False
    moved_from: datetime | None = None  # a move: the time it had before
    note: str | None = None  # a move: the person's note, so the counsellor knows which booking it is

    def data(self) -> dict[str, Any]:
        """Without the move's and the organizers' fields when unused (the row holds no empty note)."""
        unused = {name for name in ("unassigned", "moved_from", "note") if not getattr(self, name)}
        return self.model_dump(mode="json", exclude=unused)


class CancelledByAssociation(Appointment):
    """`booking_cancelled`: to the person whose slot the organizers took away."""

    booking_id: int
    topic_id: int
    reason: str = ""


class Offer(Appointment):
    """`waitlist_offer`: a free place held for the person until `expires_at`."""

    entry_id: int
    slot_id: int
    expires_at: datetime


class Lapsed(Payload):
    """`waitlist_lapsed`: the held place went to the next person."""

    topic_id: int
    topic: dict[str, str]
