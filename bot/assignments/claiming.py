"""Taking an assignment (first claim wins), saying no, handing it back, closing it as done.

The claim is one conditional UPDATE (storage.repositories.assignments.claim): of two helpers pressing
"I'll take it" at the same moment exactly one changes the row, on SQLite and PostgreSQL alike. The
others' alerts are then edited to "taken" through the outbox; an alert still on its way when the claim
happened is edited as soon as the delivery engine reports it sent (`_alert_sent`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.matching import offer_round
from bot.assignments.options import Areas
from bot.assignments.payloads import (
    ALERT,
    ALERT_EDIT,
    CLAIMED,
    DONE,
    HANDED_BACK,
    notify,
    ref,
    summary,
)
from bot.clock import Clock, FrozenClock
from bot.delivery import hooks, outbox
from bot.services.users import HELPER, has_role
from storage.models.assignments import Assignment
from storage.models.core import User
from storage.repositories import assignments as repo

# outcomes
WON, MINE, TAKEN, CLOSED, GONE, REFUSED = "won", "mine", "taken", "closed", "gone", "refused"
OK, NOT_YOURS, TOO_LATE = "ok", "not_yours", "too_late"
NOTE_MAX = 300

# why an alert was edited
EDIT_TAKEN, EDIT_MINE, EDIT_CANCELLED = "taken", "mine", "cancelled"


@dataclass(frozen=True)
class ClaimResult:
    outcome: str
    assignment: Assignment | None = None
    details: str | None = None  # only for the winner; never logged, never queued


async def claim(
    session: AsyncSession,
    clock: Clock,
    assignment_id: int,
    user: User,
    areas: Areas,
    *,
    pressed: tuple[int, int] | None = None,
) -> ClaimResult:
    """`user` takes the assignment if nobody did before. `pressed`: (chat, message) of the alert used,
    which the caller edits itself."""
    if not has_role(user, HELPER):
        return ClaimResult(REFUSED)
    won = await repo.claim(session, assignment_id, user.id, clock.now())
    assignment = await repo.get_assignment(session, assignment_id)
    if assignment is None:
        return ClaimResult(GONE)
    if not won:
        if assignment.status == repo.TAKEN and assignment.assignee_id == user.id:
            return ClaimResult(MINE, assignment)
        return ClaimResult(TAKEN if assignment.status == repo.TAKEN else CLOSED, assignment)
    await withdraw_alerts(session, clock, assignment, areas, EDIT_TAKEN, winner=user.id, keep=pressed)
    if assignment.created_by != user.id:
        await notify(
            session,
            clock,
            assignment.created_by,
            CLAIMED,
            assignment,
            areas,
            key=f"claimed:{assignment.round}",
            helper=user.id,
        )
    return ClaimResult(WON, assignment, await repo.get_details(session, assignment.id))


async def still_open(session: AsyncSession, assignment_id: int, user: User) -> str:
    """For "Not this time": OK while the assignment is open; nothing is stored about saying no."""
    if not has_role(user, HELPER):
        return REFUSED
    assignment = await repo.get_assignment(session, assignment_id)
    if assignment is None:
        return GONE
    return OK if assignment.status == repo.OPEN else TAKEN


async def withdraw_alerts(
    session: AsyncSession,
    clock: Clock,
    assignment: Assignment,
    areas: Areas,
    why: str,
    *,
    winner: int | None = None,
    keep: tuple[int, int] | None = None,
) -> int:
    """Cancel alerts not sent yet; queue an edit of every sent one ("taken" / "cancelled"). Edits queued."""
    await outbox.cancel(session, key_prefix=f"assign:{assignment.id}:alert:")
    data = summary(assignment, areas)
    queued = 0
    for row in await repo.alert_rows(session, ref(assignment.id), ALERT):
        if row.status != hooks.SENT or row.telegram_message_id is None:
            continue
        if keep is not None and (row.chat_id, row.telegram_message_id) == keep:
            continue
        queued += await _queue_edit(
            session, clock, row.id, row.chat_id, row.user_id, row.telegram_message_id, data,
            EDIT_MINE if winner is not None and row.user_id == winner else why,
        )  # fmt: skip
    return queued


async def _queue_edit(
    session: AsyncSession,
    clock: Clock,
    alert_id: int,
    chat_id: int,
    user_id: int | None,
    message_id: int,
    data: dict[str, object],
    why: str,
) -> bool:
    return await outbox.enqueue(
        session,
        clock,
        chat_id=chat_id,
        user_id=user_id,
        kind=ALERT_EDIT,
        method="editMessageText",
        data={"a": data, "message_id": message_id, "why": why},
        ref=ref(int(data["id"])),  # type: ignore[call-overload]
        dedupe_key=f"assign:{data['id']}:edit:{alert_id}",
    )


@hooks.on_sent(ALERT)
async def _alert_sent(session: AsyncSession, sent: hooks.Outcome) -> None:
    """An alert that arrived after its round was over (claimed, cancelled, handed back) is edited now."""
    data = sent.payload.get("a") or {}
    assignment = await repo.get_assignment(session, int(data.get("id", 0)))
    if assignment is None or sent.telegram_message_id is None:
        return
    if assignment.status == repo.OPEN and assignment.round == data.get("round"):
        return  # still on offer: leave the buttons
    if assignment.status == repo.CANCELLED:
        why = EDIT_CANCELLED
    elif assignment.status == repo.TAKEN and assignment.assignee_id == sent.user_id:
        why = EDIT_MINE
    else:
        why = EDIT_TAKEN
    # The hook has no clock: the moment the round ended comes from the application's clock already.
    moment = assignment.done_at or assignment.claimed_at or assignment.offered_at
    await _queue_edit(
        session, FrozenClock(moment), sent.outbox_id, sent.chat_id, sent.user_id, sent.telegram_message_id,
        {**data}, why,
    )  # fmt: skip


async def cancel_followups(session: AsyncSession, assignment_id: int) -> None:
    """Withdraw reminders and the "done?" question that were queued but not sent."""
    await outbox.cancel(session, key_prefix=f"assign:{assignment_id}:remind:")
    await outbox.cancel(session, key_prefix=f"assign:{assignment_id}:followup:")


async def hand_back(session: AsyncSession, clock: Clock, assignment_id: int, user: User, areas: Areas) -> str:
    """The assignee gives the assignment back before its date; it is offered again at once."""
    assignment = await repo.get_assignment(session, assignment_id)
    if assignment is None:
        return GONE
    if assignment.status != repo.TAKEN or assignment.assignee_id != user.id:
        return NOT_YOURS
    if assignment.starts_at is not None and assignment.starts_at <= clock.now():
        return TOO_LATE
    if not await repo.hand_back(session, assignment_id, user.id, clock.now()):
        return NOT_YOURS
    assignment = await repo.get_assignment(session, assignment_id)
    assert assignment is not None
    await cancel_followups(session, assignment_id)
    alerted, widened = await offer_round(session, clock, assignment, areas)
    await notify(
        session,
        clock,
        assignment.created_by,
        HANDED_BACK,
        assignment,
        areas,
        key=f"handback:{assignment.round}",
        helper=user.id,
        count=alerted,
        wide=widened,
    )
    return OK


async def mark_done(
    session: AsyncSession, clock: Clock, assignment_id: int, user: User, areas: Areas, note: str | None = None
) -> str:
    """The assignee closes the assignment, with an optional short note for the organizer."""
    note = " ".join((note or "").split())[:NOTE_MAX] or None
    if not await repo.mark_done(session, assignment_id, user.id, clock.now(), note):
        assignment = await repo.get_assignment(session, assignment_id)
        if assignment is None:
            return GONE
        if assignment.status == repo.DONE and assignment.assignee_id == user.id:
            return CLOSED
        return NOT_YOURS
    assignment = await repo.get_assignment(session, assignment_id)
    assert assignment is not None
    await cancel_followups(session, assignment_id)
    if assignment.created_by != user.id:
        await notify(
            session,
            clock,
            assignment.created_by,
            DONE,
            assignment,
            areas,
            key="done",
            helper=user.id,
            note=note,
        )
    return OK
