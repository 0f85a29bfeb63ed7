"""Assignments: creating one (organizers), reading the private details, lists and the overview, cancelling.

The description must not carry personal data: names, phone numbers, e-mail and street addresses go into the
details, which are stored apart and shown only to the assignee and organizers (`details_for`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.assignments.claiming import EDIT_CANCELLED, cancel_followups, withdraw_alerts
from bot.assignments.matching import offer_round
from bot.assignments.options import ANY, KINDS, LANGUAGES, Areas
from bot.assignments.payloads import CANCELLED, notify
from bot.clock import Clock
from bot.services.users import HELPER, ORGANIZER, has_role
from storage.models.assignments import Assignment
from storage.models.core import User
from storage.models.faq import Ticket
from storage.repositories import assignments as repo

DESCRIPTION_MAX = 300
DETAILS_MAX = 800
DAYS_AHEAD = 14

_PHONE = re.compile(r"(?:\+|\b0)\d[\d /-]{5,}\d|\d{6,}")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_STREET = re.compile(
    r"\w*(?:stra(?:ß|ss)e|str\.|weg|platz|allee|ring|gasse|damm|chaussee)\s*\d+\s*[a-z]?\b", re.IGNORECASE
)


class AssignmentError(ValueError):
    """Refused input; `code`: not_organizer, bad_choice, in_past, empty, too_long, personal_data."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NotAllowed(PermissionError):
    """The reader may not see this (the details are for the assignee and organizers only)."""


# --- input -----------------------------------------------------------------------------------------
def clean_description(text: str) -> str:
    """One short line about the task, without personal data."""
    description = " ".join(text.split())
    if not description:
        raise AssignmentError("empty")
    if len(description) > DESCRIPTION_MAX:
        raise AssignmentError("too_long")
    if _PHONE.search(description) or _EMAIL.search(description) or _STREET.search(description):
        raise AssignmentError("personal_data")
    return description


def clean_details(text: str | None) -> str | None:
    details = (text or "").strip()
    if len(details) > DETAILS_MAX:
        raise AssignmentError("too_long")
    return details or None


def bookable_days(now: datetime, tz: ZoneInfo) -> list[date]:
    """Today and the next 13 days, in the configured zone."""
    today = now.astimezone(tz).date()
    days = [today + timedelta(days=n) for n in range(DAYS_AHEAD)]
    return days if time_choices(today, now, tz) else days[1:]


def time_choices(day: date, now: datetime, tz: ZoneInfo) -> list[int]:
    """Common start times (07:00 to 18:30, every half hour) still ahead on `day`, as minutes of the day."""
    return [m for m in range(7 * 60, 19 * 60, 30) if local_start(day, m, tz) > now]


def local_start(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """A local day and minute of the day, as an aware UTC-comparable datetime."""
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


@dataclass(frozen=True)
class NewAssignment:
    kind: str
    language: str
    area: str
    day: date | None  # None: flexible
    minute: int | None  # minutes after midnight, local time; None with a flexible date
    description: str
    details: str | None = None


@dataclass(frozen=True)
class Created:
    assignment: Assignment
    alerted: int
    widened: bool


def check_choices(new: NewAssignment, areas: Areas, now: datetime, tz: ZoneInfo) -> datetime | None:
    """Validate the button choices (they arrive from the client); the start time or None (flexible)."""
    if new.kind not in KINDS or (new.language not in LANGUAGES and new.language != ANY):
        raise AssignmentError("bad_choice")
    if new.area != ANY and new.area not in areas:
        raise AssignmentError("bad_choice")
    if new.day is None:
        return None
    if new.minute is None or not 0 <= new.minute < 24 * 60 or new.day not in bookable_days(now, tz):
        raise AssignmentError("bad_choice")
    starts = local_start(new.day, new.minute, tz)
    if starts <= now:
        raise AssignmentError("in_past")
    return starts


async def create(
    session: AsyncSession, clock: Clock, organizer: User, new: NewAssignment, areas: Areas, tz: ZoneInfo
) -> Created:
    """Store the assignment (details apart) and alert the matching helpers (everyone, if none match)."""
    if not has_role(organizer, ORGANIZER):
        raise AssignmentError("not_organizer")
    now = clock.now()
    starts = check_choices(new, areas, now, tz)
    assignment = await repo.add_assignment(
        session,
        Assignment(
            created_by=organizer.id,
            kind=new.kind,
            language=new.language,
            area=new.area,
            starts_at=starts,
            description=clean_description(new.description),
            status=repo.OPEN,
            round=1,
            offered_at=now,
            created_at=now,
        ),
        clean_details(new.details),
    )
    alerted, widened = await offer_round(session, clock, assignment, areas)  # the reply says how many
    return Created(assignment, alerted, widened)


# --- reading ---------------------------------------------------------------------------------------
async def get(session: AsyncSession, assignment_id: int) -> Assignment | None:
    return await repo.get_assignment(session, assignment_id)


def may_see_details(assignment: Assignment, user: User) -> bool:
    if has_role(user, ORGANIZER):
        return True
    return assignment.status == repo.TAKEN and assignment.assignee_id == user.id and has_role(user, HELPER)


async def details_for(session: AsyncSession, assignment_id: int, user: User) -> tuple[Assignment, str | None]:
    """The assignment and its private details, for the assignee (while taken) or an organizer only."""
    assignment = await repo.get_assignment(session, assignment_id)
    if assignment is None or not may_see_details(assignment, user):
        raise NotAllowed(assignment_id)
    return assignment, await repo.get_details(session, assignment_id)


@dataclass(frozen=True)
class HelperView:
    mine: list[Assignment]
    open: list[Assignment]
    questions: list[Ticket]  # questions from the FAQ waiting for a person (bot.tickets)


async def for_helper(session: AsyncSession, user: User, limit: int = 10) -> HelperView:
    """A helper's assignments, the open ones anyone may take, and open questions handed over by the FAQ."""
    if not has_role(user, HELPER):
        raise NotAllowed(user.id)
    mine = await repo.with_status(session, [repo.TAKEN], limit, assignee_id=user.id)
    return HelperView(
        list(mine),
        list(await repo.with_status(session, [repo.OPEN], limit)),
        list(await repo.open_tickets(session, tickets.OPEN, limit)),
    )


@dataclass(frozen=True)
class MonthCount:
    year: int
    month: int
    created: int
    done: int


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]
    open: list[Assignment]
    taken: list[Assignment]
    done: list[Assignment]
    months: list[MonthCount] = field(default_factory=list)


def _month_starts(now: datetime, tz: ZoneInfo, months: int) -> list[tuple[int, int]]:
    local = now.astimezone(tz)
    year, month = local.year, local.month
    result = []
    for _ in range(months):
        result.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return result


async def overview(
    session: AsyncSession, clock: Clock, user: User, tz: ZoneInfo, *, limit: int = 10, months: int = 6
) -> Overview:
    """For organizers: counts by status, the open, taken and recently done ones, and counts per month."""
    if not has_role(user, ORGANIZER):
        raise NotAllowed(user.id)
    wanted = _month_starts(clock.now(), tz, months)
    oldest_year, oldest_month = wanted[-1]
    since = datetime(oldest_year, oldest_month, 1, tzinfo=tz)
    created: Counter[tuple[int, int]] = Counter()
    done: Counter[tuple[int, int]] = Counter()
    for created_at, status, done_at in await repo.created_and_done_since(session, since):
        local = created_at.astimezone(tz)
        created[(local.year, local.month)] += 1
        if status == repo.DONE and done_at is not None:
            finished = done_at.astimezone(tz)
            done[(finished.year, finished.month)] += 1
    return Overview(
        counts=await repo.count_by_status(session),
        open=list(await repo.with_status(session, [repo.OPEN], limit)),
        taken=list(await repo.with_status(session, [repo.TAKEN], limit)),
        done=list(await repo.recent_done(session, min(limit, 5))),
        months=[MonthCount(y, m, created[(y, m)], done[(y, m)]) for y, m in wanted],
    )


# --- cancelling --------------------------------------------------------------------------------------
async def cancel(session: AsyncSession, clock: Clock, assignment_id: int, user: User, areas: Areas) -> bool:
    """An organizer withdraws an open or taken assignment; alerts say so, the assignee is told."""
    if not has_role(user, ORGANIZER):
        raise NotAllowed(assignment_id)
    before = await repo.get_assignment(session, assignment_id)
    if before is None:
        return False
    assignee = before.assignee_id if before.status == repo.TAKEN else None
    if not await repo.cancel(session, assignment_id, clock.now()):
        return False
    assignment = await repo.get_assignment(session, assignment_id)
    assert assignment is not None
    await withdraw_alerts(session, clock, assignment, areas, EDIT_CANCELLED)
    await cancel_followups(session, assignment_id)
    if assignee is not None and assignee != user.id:
        await notify(session, clock, assignee, CANCELLED, assignment, areas, key="cancelled")
    return True
