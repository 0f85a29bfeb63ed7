"""What broadcasts and events put into the outbox: one typed payload per kind.

The service builds the model and stores `model_dump(mode="json")`; the renderer (handlers/broadcast/
renderers.py) parses it back with `model_validate`. Rows queued by an older version used short keys
("b", "topic", "event", "scheduled", "starts", "ends"): they are still accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

BROADCAST = "broadcast"  # one recipient's broadcast
BROADCAST_PHOTO = "broadcast_photo"  # the photo sent ahead of a text too long for a caption
BROADCAST_REPORT = "broadcast_report"  # to the organizer: delivered, blocked, failed
BROADCAST_HELD = "broadcast_held"  # to the organizer: overdue, send now or cancel?
EVENT_REMINDER = "event_reminder"  # before the event, to everybody who said they will come
EVENT_CANCELLED = "event_cancelled"  # the event is cancelled, to everybody who said they will come
EVENT_CHANGED = "event_changed"  # its date, time or place changed, to everybody who said they will come


def _alias(name: str, old: str) -> Any:
    return AliasChoices(name, old)


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    def data(self) -> dict[str, Any]:
        """The outbox row's payload."""
        return self.model_dump(mode="json")


class BroadcastPayload(Payload):
    broadcast_id: int = Field(validation_alias=_alias("broadcast_id", "b"))
    text: str  # Telegram HTML in the reader's language (or the original)
    machine: bool = False
    photo: str | None = None  # a Telegram file id; None when the photo went ahead on its own
    topic_id: int | None = Field(default=None, validation_alias=_alias("topic_id", "topic"))
    topic_name: str = ""  # in the reader's language, for the "stop news" button
    event_id: int | None = Field(default=None, validation_alias=_alias("event_id", "event"))


class BroadcastPhotoPayload(Payload):
    broadcast_id: int = Field(validation_alias=_alias("broadcast_id", "b"))
    photo: str


class TopicNames(Payload):
    """A topic's names as they were when the message was queued, shown in the organizer's language."""

    topic_names: dict[str, str] = Field(default_factory=dict, validation_alias=_alias("topic_names", "topic"))
    topic_source: str = "de"

    def topic_in(self, lang: str) -> str:
        names = self.topic_names
        return names.get(lang) or names.get(self.topic_source) or next(iter(names.values()), "")


class Counts(Payload):
    delivered: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0


class ReportPayload(TopicNames):
    broadcast_id: int = Field(validation_alias=_alias("broadcast_id", "b"))
    recipients: int = 0
    totals: Counts = Field(default_factory=Counts)
    by_language: dict[str, Counts] = Field(default_factory=dict)


class HeldPayload(TopicNames):
    broadcast_id: int = Field(validation_alias=_alias("broadcast_id", "b"))
    scheduled_at: datetime = Field(validation_alias=_alias("scheduled_at", "scheduled"))


class EventReminderPayload(Payload):
    event_id: int = Field(validation_alias=_alias("event_id", "event"))
    title: str = ""
    machine: bool = False
    venue: str = ""
    starts_at: datetime = Field(validation_alias=_alias("starts_at", "starts"))
    ends_at: datetime = Field(validation_alias=_alias("ends_at", "ends"))


class EventChangedPayload(EventReminderPayload):
    """The event's new date, time and place (the console changed them)."""


class EventCancelledPayload(Payload):
    event_id: int = Field(validation_alias=_alias("event_id", "event"))
    title: str = ""
    machine: bool = False
    starts_at: datetime = Field(validation_alias=_alias("starts_at", "starts"))
