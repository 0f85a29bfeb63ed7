"""Assignments: creating one (organizers), reading the private details, lists and the overview, cancelling.

The description must not carry personal data: names, phone numbers, e-mail and street addresses go into the
details, which are stored apart and shown only to the assignee and organizers (`details_for`).

Handlers get the types they show from here (`Assignment`, `Ticket`), never from storage.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.assignments.claiming import cancel_followups, withdraw_alerts
from bot.assignments.matching import offer_round
from bot.assignments.options import ANY, KINDS, Areas
from bot.assignments.payloads import AlertEnd, NoticeEvent, notify
from bot.assignments.status import CANCELLABLE, Status
from bot.clock import Clock
from bot.languages import HELPER_LANGUAGES
from bot.text import clean_text
from bot.users import HELPER, ORGANIZER, has_role
from storage.models.assignments import Assignment
from storage.models.core import User
from storage.models.faq import Ticket
from storage.repositories import assignments as repo

__all__ = ["Assignment", "Ticket"]  # re-exported for handlers

DESCRIPTION_MAX = 300
DETAILS_MAX = 800
DAYS_AHEAD = 14
LIST_LIMIT = 40  # per list of /assignments (shown in pages)
MINUTES_PER_DAY = 24 * 60

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
    description = " ".join(clean_text(text).split())
    if not description:
        raise AssignmentError("empty")
    if len(description) > DESCRIPTION_MAX:
        raise AssignmentError("too_long")
    if _PHONE.search(description) or _EMAIL.search(description) or _STREET.search(description):
        raise AssignmentError("personal_data")
    return description


def clean_details(text: str | None) -> str | None:
    details = clean_text(text or "")  # kept apart and shown again: nothing PostgreSQL refuses
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


def check_choices_so_far(
    areas: Areas,
    kind: str,
    language: str | None = None,
    area: str | None = None,
    minute: int | None = None,
) -> None:
    """The dialog's button choices made so far (None: not chosen yet); they arrive from the client, so a
    forged or stale one is refused with `bad_choice`."""
    if kind not in KINDS:
        raise AssignmentError("bad_choice")
    if language is not None and language not in HELPER_LANGUAGES and language != ANY:
        raise AssignmentError("bad_choice")
    if area is not None and area != ANY and area not in areas:
        raise AssignmentError("bad_choice")
    if minute is not None and not 0 <= minute < MINUTES_PER_DAY:
        raise AssignmentError("bad_choice")


def check_choices(new: NewAssignment, areas: Areas, now: datetime, tz: ZoneInfo) -> datetime | None:
    """Validate all button choices; the start time or None (flexible)."""
    check_choices_so_far(areas, new.kind, new.language, new.area, new.minute)
    if new.day is None:
        return None
    if new.minute is None or new.day not in bookable_days(now, tz):
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
            status=Status.OPEN,
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


def is_assignee(assignment: Assignment, user: User) -> bool:
    """`user` has taken this assignment and it is still theirs (they may hand it back or close it)."""
    return assignment.status == Status.TAKEN and assignment.assignee_id == user.id and has_role(user, HELPER)


def may_see_details(assignment: Assignment, user: User) -> bool:
    return has_role(user, ORGANIZER) or is_assignee(assignment, user)


def is_widened(assignment: Assignment) -> bool:
    """Still open, and its alert has gone to every available helper."""
    return assignment.status == Status.OPEN and assignment.escalated_at is not None


def can_cancel(assignment: Assignment) -> bool:
    return assignment.status in CANCELLABLE


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


async def for_helper(session: AsyncSession, user: User, limit: int = LIST_LIMIT) -> HelperView:
    """A helper's assignments, the open ones anyone may take, and open questions handed over by the FAQ."""
    if not has_role(user, HELPER):
        raise NotAllowed(user.id)
    mine = await repo.with_status(session, [Status.TAKEN], limit, assignee_id=user.id)
    return HelperView(
        list(mine),
        list(await repo.with_status(session, [Status.OPEN], limit)),
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
    session: AsyncSession, clock: Clock, user: User, tz: ZoneInfo, *, limit: int = LIST_LIMIT, months: int = 6
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
        if status == Status.DONE and done_at is not None:
            finished = done_at.astimezone(tz)
            done[(finished.year, finished.month)] += 1
    return Overview(
        counts=await repo.count_by_status(session),
        open=list(await repo.with_status(session, [Status.OPEN], limit)),
        taken=list(await repo.with_status(session, [Status.TAKEN], limit)),
        done=list(await repo.recent_done(session, min(limit, 5))),
        months=[MonthCount(y, m, created[(y, m)], done[(y, m)]) for y, m in wanted],
    )


# --- cancelling --------------------------------------------------------------------------------------
async def cancel(session: AsyncSession, clock: Clock, assignment_id: int, user: User, areas: Areas) -> bool:
    """An organizer withdraws an open or taken assignment; alerts say so, the assignee is told. False when
    there is nothing (any more) to cancel."""
    if not has_role(user, ORGANIZER):
        raise NotAllowed(assignment_id)
    before = await repo.get_assignment(session, assignment_id)
    if before is None or not can_cancel(before):
        return False
    assignee = before.assignee_id if before.status == Status.TAKEN else None
    if not await repo.cancel(session, assignment_id, clock.now()):
        return False
    assignment = await repo.get_assignment(session, assignment_id)
    assert assignment is not None
    await withdraw_alerts(session, clock, assignment, areas, AlertEnd.CANCELLED)
    await cancel_followups(session, assignment_id)
    if assignee is not None and assignee != user.id:
        await notify(session, clock, assignee, NoticeEvent.CANCELLED, assignment, areas, key="cancelled")
    return True
