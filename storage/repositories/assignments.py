"""Helper profiles and assignments: queries and conditional writes (no rules).

Every change of an assignment's status is one conditional UPDATE (`WHERE status = ...`), so two people
pressing at the same moment cannot both succeed: the database decides, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.assignments import Assignment, AssignmentDetails, HelperProfile
from storage.models.core import User
from storage.models.faq import Ticket
from storage.repositories.claims import update_if

OPEN, TAKEN, DONE, CANCELLED = "open", "taken", "done", "cancelled"


# --- profiles -------------------------------------------------------------------------------------
async def get_profile(session: AsyncSession, user_id: int) -> HelperProfile | None:
    return await session.get(HelperProfile, user_id)


async def add_profile(session: AsyncSession, profile: HelperProfile) -> HelperProfile:
    session.add(profile)
    await session.flush()
    return profile


async def delete_profile(session: AsyncSession, user_id: int) -> bool:
    result = await session.execute(delete(HelperProfile).where(HelperProfile.user_id == user_id))
    return bool(result.rowcount)


async def helpers_with_profiles(
    session: AsyncSession, helper_role: str, organizer_role: str
) -> Sequence[tuple[User, HelperProfile | None]]:
    """Active helpers (with their profile, if any) and organizers who made a helper profile."""
    stmt = (
        select(User, HelperProfile)
        .outerjoin(HelperProfile, HelperProfile.user_id == User.id)
        .where(
            User.is_active.is_(True),
            or_(
                User.role == helper_role,
                and_(User.role == organizer_role, HelperProfile.user_id.is_not(None)),
            ),
        )
        .order_by(User.id)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


def _helpers_where(helper_role: str, organizer_role: str) -> ColumnElement[bool]:
    """Helpers, and organizers who made a helper profile (they get alerts too)."""
    return or_(
        User.role == helper_role, and_(User.role == organizer_role, HelperProfile.user_id.is_not(None))
    )


async def count_helpers(session: AsyncSession, helper_role: str, organizer_role: str) -> int:
    stmt = (
        select(func.count())
        .select_from(User)
        .outerjoin(HelperProfile, HelperProfile.user_id == User.id)
        .where(_helpers_where(helper_role, organizer_role))
    )
    return int(await session.scalar(stmt) or 0)


async def helpers_with_counts(
    session: AsyncSession, helper_role: str, organizer_role: str, limit: int, offset: int
) -> Sequence[tuple[User, HelperProfile | None, int, int, datetime | None, datetime | None]]:
    """One page of helpers (also those who blocked the bot), by id: (user, profile, taken now, done,
    last taken at, last done at), counted in one grouped query."""
    stats = (
        select(
            Assignment.assignee_id.label("uid"),
            func.sum(case((Assignment.status == TAKEN, 1), else_=0)).label("taken"),
            func.sum(case((Assignment.status == DONE, 1), else_=0)).label("done"),
            func.max(Assignment.claimed_at).label("claimed"),
            func.max(Assignment.done_at).label("finished"),
        )
        .where(Assignment.assignee_id.is_not(None))
        .group_by(Assignment.assignee_id)
        .subquery()
    )
    stmt = (
        select(User, HelperProfile, stats.c.taken, stats.c.done, stats.c.claimed, stats.c.finished)
        .outerjoin(HelperProfile, HelperProfile.user_id == User.id)
        .outerjoin(stats, stats.c.uid == User.id)
        .where(_helpers_where(helper_role, organizer_role))
        .order_by(User.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        (row[0], row[1], int(row[2] or 0), int(row[3] or 0), row[4], row[5])
        for row in (await session.execute(stmt)).all()
    ]


# --- assignments ----------------------------------------------------------------------------------
async def add_assignment(session: AsyncSession, assignment: Assignment, details: str | None) -> Assignment:
    session.add(assignment)
    await session.flush()
    if details:
        session.add(AssignmentDetails(assignment_id=assignment.id, text=details))
        await session.flush()
    return assignment


MAX_ID = 2**63 - 1  # ids arrive from button data: anything beyond a bigint is no row


async def get_assignment(session: AsyncSession, assignment_id: int) -> Assignment | None:
    if not 0 < assignment_id <= MAX_ID:
        return None
    return await session.get(Assignment, assignment_id, populate_existing=True)


async def get_details(session: AsyncSession, assignment_id: int) -> str | None:
    if not 0 < assignment_id <= MAX_ID:
        return None
    return await session.scalar(
        select(AssignmentDetails.text).where(AssignmentDetails.assignment_id == assignment_id)
    )


async def _change(
    session: AsyncSession, assignment_id: int, where: Sequence[Any], values: dict[str, Any]
) -> bool:
    """One conditional UPDATE of one assignment; True when this call changed it."""
    if not 0 < assignment_id <= MAX_ID:
        return False
    return await update_if(session, Assignment, assignment_id, where, values)


async def hand_back(session: AsyncSession, assignment_id: int, user_id: int, now: datetime) -> bool:
    """The assignee gives it back: taken → open in a new round."""
    return await _change(
        session,
        assignment_id,
        [Assignment.status == TAKEN, Assignment.assignee_id == user_id],
        {
            "status": OPEN,
            "assignee_id": None,
            "returned_by": user_id,
            "round": Assignment.round + 1,
            "offered_at": now,
            "escalated_at": None,
            "claimed_at": None,
            "followup_at": None,
        },
    )


async def reopen_orphan(session: AsyncSession, assignment_id: int, now: datetime) -> bool:
    """A taken assignment whose assignee was erased goes back to open in a new round."""
    return await _change(
        session,
        assignment_id,
        [Assignment.status == TAKEN, Assignment.assignee_id.is_(None)],
        {
            "status": OPEN,
            "round": Assignment.round + 1,
            "offered_at": now,
            "escalated_at": None,
            "claimed_at": None,
            "followup_at": None,
        },
    )


async def mark_done(
    session: AsyncSession, assignment_id: int, user_id: int, now: datetime, note: str | None
) -> bool:
    return await _change(
        session,
        assignment_id,
        [Assignment.status == TAKEN, Assignment.assignee_id == user_id],
        {"status": DONE, "done_at": now, "done_note": note},
    )


async def cancel(session: AsyncSession, assignment_id: int, now: datetime) -> bool:
    return await _change(
        session,
        assignment_id,
        [Assignment.status.in_((OPEN, TAKEN))],
        {"status": CANCELLED, "done_at": now},
    )


async def mark_escalated(session: AsyncSession, assignment_id: int, round_: int, now: datetime) -> bool:
    return await _change(
        session,
        assignment_id,
        [Assignment.status == OPEN, Assignment.round == round_, Assignment.escalated_at.is_(None)],
        {"escalated_at": now},
    )


async def mark_followup(session: AsyncSession, assignment_id: int, assignee_id: int, now: datetime) -> bool:
    return await _change(
        session,
        assignment_id,
        [Assignment.status == TAKEN, Assignment.assignee_id == assignee_id, Assignment.followup_at.is_(None)],
        {"followup_at": now},
    )


# --- what is due (read by the periodic jobs) ------------------------------------------------------
async def _assignments_where(session: AsyncSession, *where: ColumnElement[bool]) -> Sequence[Assignment]:
    """Assignments matching all of `where`, oldest first (the periodic jobs work in id order)."""
    result = await session.scalars(select(Assignment).where(*where).order_by(Assignment.id))
    return result.all()


async def due_for_escalation(session: AsyncSession, offered_before: datetime) -> Sequence[Assignment]:
    return await _assignments_where(
        session,
        Assignment.status == OPEN,
        Assignment.escalated_at.is_(None),
        Assignment.offered_at <= offered_before,
    )


async def taken_starting(session: AsyncSession, after: datetime, until: datetime) -> Sequence[Assignment]:
    """Taken assignments with an assignee whose date is in (after, until] (the reminders' candidates)."""
    return await _assignments_where(
        session,
        Assignment.status == TAKEN,
        Assignment.assignee_id.is_not(None),
        Assignment.starts_at.is_not(None),
        Assignment.starts_at > after,
        Assignment.starts_at <= until,
    )


async def due_followups(
    session: AsyncSession, started_before: datetime, claimed_before: datetime
) -> Sequence[Assignment]:
    """Taken assignments whose date is past (or, when flexible, claimed long enough ago) not asked yet."""
    return await _assignments_where(
        session,
        Assignment.status == TAKEN,
        Assignment.assignee_id.is_not(None),
        Assignment.followup_at.is_(None),
        or_(
            and_(Assignment.starts_at.is_not(None), Assignment.starts_at <= started_before),
            and_(Assignment.starts_at.is_(None), Assignment.claimed_at <= claimed_before),
        ),
    )


async def orphaned(session: AsyncSession) -> Sequence[Assignment]:
    result = await session.scalars(
        select(Assignment).where(Assignment.status == TAKEN, Assignment.assignee_id.is_(None))
    )
    return result.all()


# --- lists and counts -----------------------------------------------------------------------------
def _upcoming_first() -> list[ColumnElement[Any]]:
    # dated ones by date, flexible ones after them, then by age
    return [Assignment.starts_at.is_(None), Assignment.starts_at, Assignment.id]


async def with_status(
    session: AsyncSession, statuses: Sequence[str], limit: int, *, assignee_id: int | None = None
) -> Sequence[Assignment]:
    stmt = select(Assignment).where(Assignment.status.in_(statuses))
    if assignee_id is not None:
        stmt = stmt.where(Assignment.assignee_id == assignee_id)
    result = await session.scalars(stmt.order_by(*_upcoming_first()).limit(limit))
    return result.all()


async def recent_done(session: AsyncSession, limit: int) -> Sequence[Assignment]:
    result = await session.scalars(
        select(Assignment)
        .where(Assignment.status == DONE)
        .order_by(Assignment.done_at.desc(), Assignment.id.desc())
        .limit(limit)
    )
    return result.all()


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Assignment.status, func.count()).group_by(Assignment.status))
    return {str(status): int(count) for status, count in rows.all()}


async def created_and_done_since(
    session: AsyncSession, since: datetime
) -> Sequence[tuple[datetime, str, datetime | None]]:
    """(created_at, status, done_at) of assignments created or finished since `since` (for monthly counts)."""
    rows = await session.execute(
        select(Assignment.created_at, Assignment.status, Assignment.done_at).where(
            or_(Assignment.created_at >= since, Assignment.done_at >= since)
        )
    )
    return [(row[0], str(row[1]), row[2]) for row in rows.all()]


# --- the alerts of an assignment in the outbox ----------------------------------------------------
# --- questions handed over by the FAQ (tickets), listed to helpers beside the assignments ---------------
async def open_tickets(session: AsyncSession, status: str, limit: int) -> Sequence[Ticket]:
    """Tickets still waiting for a helper whose relay reached the helpers' chat, oldest first."""
    result = await session.scalars(
        select(Ticket)
        .where(Ticket.status == status, Ticket.relay_message_id.is_not(None))
        .order_by(Ticket.id)
        .limit(limit)
    )
    return result.all()
