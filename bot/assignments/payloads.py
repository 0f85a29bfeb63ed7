"""What assignments put into the outbox: the message kinds, one typed payload per kind, keys, and the
summary every message shows.

The summary holds no personal data (no address, no contact, no names); the details are never queued: the
winner's "it's yours" (`YoursPayload`) carries a button that shows them at the moment it is pressed, to the
assignee only (bot.assignments.service.details_for).
Services build the payloads; renderers (handlers/assignments/renderers.py) parse them again with
`Model.model_validate(row.payload)`. The JSON keys are the ones rows were always stored with (`a`,
`lang`, `desc`, `at`), so rows queued by an older version still render.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.options import ANY, Areas
from bot.clock import Clock
from bot.delivery import outbox
from storage.models.assignments import Assignment


class OutboxKind(StrEnum):
    ALERT = "assignment_alert"  # "new assignment", with "I'll take it" / "Not this time"
    ALERT_EDIT = "assignment_taken"  # an alert edited to "taken" / "yours" / "cancelled" / "not this time"
    YOURS = "assignment_yours"  # to the helper who took it: "it's yours", with their buttons
    NOTICE = "assignment_notice"  # to the organizer (claimed, widened, handed back, done) or the assignee
    REMINDER = "assignment_reminder"  # the day before, to the assignee and the organizer
    FOLLOWUP = "assignment_followup"  # after the date: "done?"


class NoticeEvent(StrEnum):
    CLAIMED = "claimed"
    WIDENED = "widened"
    NOBODY = "nobody"
    HANDED_BACK = "handed_back"
    HELPER_REMOVED = "helper_removed"  # an organizer removed its helper: open again
    REOPENED = "reopened"  # its helper erased their data: open again
    REOPENED_BY_ORGANIZER = "reopened_by"  # to its organizer: an organizer took it back from its helper
    TAKEN_BACK = "taken_back"  # to that helper: it is no longer theirs
    DONE = "done"
    CANCELLED = "cancelled"


class AlertEnd(StrEnum):
    """Why an alert no longer offers "I'll take it"."""

    TAKEN = "taken"  # by another helper
    MINE = "mine"  # by the reader
    CANCELLED = "cancelled"
    DECLINED = "declined"  # the reader said "not this time"


class Recipient(StrEnum):
    HELPER = "helper"
    ORGANIZER = "organizer"


class Payload(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)

    def dump(self) -> dict[str, Any]:
        """The JSON stored in the outbox row (keys as stored before; absent values left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Summary(Payload):
    """The shareable facts of an assignment."""

    id: int
    kind: str
    language: str = Field(alias="lang")
    area: str
    area_name: str | None = None  # None: the place does not matter
    starts_at: datetime | None = Field(default=None, alias="at")  # None: flexible
    description: str = Field(default="", alias="desc")
    round: int = 1

    @classmethod
    def of(cls, assignment: Assignment, areas: Areas) -> Summary:
        area_name = None if assignment.area == ANY else (areas.name(assignment.area) or assignment.area)
        return cls(
            id=assignment.id,
            kind=assignment.kind,
            language=assignment.language,
            area=assignment.area,
            area_name=area_name,
            starts_at=assignment.starts_at,
            description=assignment.description,
            round=assignment.round,
        )


class AlertPayload(Payload):
    assignment: Summary = Field(alias="a")
    wide: bool = False  # nobody matched or claimed in time: it went to every available helper


class AlertEditPayload(Payload):
    assignment: Summary = Field(alias="a")
    message_id: int
    why: AlertEnd


class YoursPayload(Payload):
    """The winner of a claim is told, once per round; the address and contact stay behind a button."""

    assignment: Summary = Field(alias="a")


class NoticePayload(Payload):
    event: NoticeEvent
    assignment: Summary = Field(alias="a")
    helper: int | None = (
        None  # the helper concerned (a link to write to them); gone once they erased their data
    )
    count: int | None = None  # helpers alerted
    wide: bool | None = None
    minutes: int | None = None
    note: str | None = None  # the helper's note when closing it


class ReminderPayload(Payload):
    assignment: Summary = Field(alias="a")
    to: Recipient
    helper: int | None = None  # None once the helper erased their data (bot/services/erasure.py)


class FollowupPayload(Payload):
    assignment: Summary = Field(alias="a")


def ref(assignment_id: int) -> str:
    return f"assign:{assignment_id}"


def alert_key(assignment_id: int, helper_id: int, round_: int) -> str:
    """One alert per helper and round (a handed-back assignment is offered again in a new round)."""
    return f"assign:{assignment_id}:alert:{helper_id}:{round_}"


def edit_key(assignment_id: int, chat_id: int, message_id: int) -> str:
    """One "taken" / "yours" / "cancelled" edit per alert message: keyed by the message, not by the outbox
    row, so the pressed alert, the sweep over sent alerts and the sent-hook of a late one never queue two."""
    return f"assign:{assignment_id}:edit:{chat_id}:{message_id}"


def declined_key(assignment_id: int, chat_id: int, message_id: int) -> str:
    """One "not this time" edit per alert message (a double press queues one)."""
    return f"assign:{assignment_id}:declined:{chat_id}:{message_id}"


def yours_key(assignment_id: int, round_: int) -> str:
    """One "it's yours" per assignment and round: a double press, a redelivered update never queue two."""
    return f"assign:{assignment_id}:yours:{round_}"


async def notify(
    session: AsyncSession,
    clock: Clock,
    user_id: int | None,
    event: NoticeEvent,
    assignment: Assignment,
    areas: Areas,
    *,
    key: str,
    helper: int | None = None,
    count: int | None = None,
    wide: bool | None = None,
    minutes: int | None = None,
    note: str | None = None,
) -> bool:
    """Queue a notice about `assignment` to one person (in their language when it is sent)."""
    if user_id is None:  # the organizer erased their data
        return False
    payload = NoticePayload(
        event=event,
        assignment=Summary.of(assignment, areas),
        helper=helper,
        count=count,
        wide=wide,
        minutes=minutes,
        note=note,
    )
    return await outbox.enqueue(
        session,
        clock,
        chat_id=user_id,
        user_id=user_id,
        kind=OutboxKind.NOTICE,
        data=payload.dump(),
        ref=ref(assignment.id),
        dedupe_key=f"assign:{assignment.id}:{key}",
    )
