"""What assignments put into the outbox: message kinds, keys, and the summary every message shows.

The summary holds no personal data (no address, no contact, no names); the details are never queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.options import ANY, Areas
from bot.clock import Clock
from bot.delivery import outbox
from storage.models.assignments import Assignment

ALERT = "assignment_alert"  # "new assignment", with "I'll take it" / "Not this time"
ALERT_EDIT = "assignment_taken"  # an alert edited to "taken" / "cancelled"
NOTICE = "assignment_notice"  # to the organizer (claimed, widened, handed back, done) or the assignee
REMINDER = "assignment_reminder"  # the day before, to the assignee and the organizer
FOLLOWUP = "assignment_followup"  # after the date: "done?"

# notice events
CLAIMED, WIDENED, NOBODY, HANDED_BACK, REOPENED, DONE, CANCELLED = (
    "claimed",
    "widened",
    "nobody",
    "handed_back",
    "reopened",
    "done",
    "cancelled",
)


def ref(assignment_id: int) -> str:
    return f"assign:{assignment_id}"


def alert_key(assignment_id: int, helper_id: int, round_: int) -> str:
    """One alert per helper and round (a handed-back assignment is offered again in a new round)."""
    return f"assign:{assignment_id}:alert:{helper_id}:{round_}"


def summary(assignment: Assignment, areas: Areas) -> dict[str, Any]:
    """The shareable facts of an assignment, as JSON for the outbox and for rendering."""
    area_name = None if assignment.area == ANY else (areas.name(assignment.area) or assignment.area)
    return {
        "id": assignment.id,
        "kind": assignment.kind,
        "lang": assignment.language,
        "area": assignment.area,
        "area_name": area_name,
        "at": assignment.starts_at.isoformat() if assignment.starts_at else None,
        "desc": assignment.description,
        "round": assignment.round,
    }


def starts_at(data: dict[str, Any]) -> datetime | None:
    at = data.get("at")
    return datetime.fromisoformat(at) if at else None


async def notify(
    session: AsyncSession,
    clock: Clock,
    user_id: int | None,
    event: str,
    assignment: Assignment,
    areas: Areas,
    *,
    key: str,
    **extra: Any,
) -> bool:
    """Queue a notice about `assignment` to one person (in their language when it is sent)."""
    if user_id is None:  # the organizer erased their data
        return False
    return await outbox.enqueue(
        session,
        clock,
        chat_id=user_id,
        user_id=user_id,
        kind=NOTICE,
        data={"event": event, "a": summary(assignment, areas), **extra},
        ref=ref(assignment.id),
        dedupe_key=f"assign:{assignment.id}:{key}",
    )
