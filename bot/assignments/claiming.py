"""Taking an assignment (first claim wins), saying no, handing it back, closing it as done.

The claim is the one claim of everything handed to a person (bot.claims, the same as a question's): of
two helpers pressing "I'll take it" at the same moment exactly one changes the row, on SQLite and
PostgreSQL alike. On top of it, the assignment's own rules, all through the outbox and so queued in the
claim's own transaction (said only once it is committed; a 429 or a restart delays them, never loses them):
every alert is edited, the pressed one included ("yours" for the winner, "taken" for the others; one still
on its way is edited as soon as the delivery engine reports it sent: `alert_sent`), the organizer is told,
and the winner gets "it's yours" with a button for the address and contact (the details are never queued).
Dedupe keys per alert message and per round (bot.assignments.payloads) make a double press harmless.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import claims
from bot.assignments.matching import offer_round
from bot.assignments.options import Areas
from bot.assignments.payloads import (
    AlertEditPayload,
    AlertEnd,
    AlertPayload,
    NoticeEvent,
    OutboxKind,
    Summary,
    YoursPayload,
    declined_key,
    edit_key,
    notify,
    ref,
    yours_key,
)
from bot.assignments.status import Outcome, Status
from bot.clock import Clock, FrozenClock
from bot.delivery import hooks, outbox
from bot.delivery.reminders import ReminderKind, parent_prefix
from bot.text import clean_text
from bot.users import HELPER, ORGANIZER, has_role
from storage.models.assignments import Assignment
from storage.models.core import User
from storage.repositories import assignments as repo
from storage.repositories import outbox as outbox_repo

NOTE_MAX = 300  # characters of the helper's note when closing an assignment


# How an assignment is taken (bot.claims); handing it back clears `returned_by`'s block of a new round.
TAKEABLE = claims.Takeable(
    Assignment, taker="assignee_id", taken_at="claimed_at", extra={"returned_by": None}
)
ClaimResult = claims.ClaimResult[Assignment]
Pressed = tuple[int, int]  # (chat, message) of the alert a helper pressed


async def claim(
    session: AsyncSession,
    clock: Clock,
    assignment_id: int,
    user: User,
    areas: Areas,
    *,
    pressed: Pressed | None = None,
) -> ClaimResult:
    """`user` takes the assignment if nobody did before. `pressed`: (chat, message) of the alert used; it
    is edited through the outbox with the others (also an alert the outbox no longer knows). Only the WON
    press queues anything: pressing again (MINE) finds it all queued already."""
    result = await claims.claim(session, TAKEABLE, assignment_id, user, clock.now())
    assignment = result.item
    if assignment is None or result.outcome != Outcome.WON:
        return result
    await withdraw_alerts(session, clock, assignment, areas, AlertEnd.TAKEN, winner=user.id, pressed=pressed)
    await outbox.enqueue(
        session,
        clock,
        chat_id=user.id,  # the helper's own chat, whatever chat the button was in
        user_id=user.id,
        kind=OutboxKind.YOURS,
        data=YoursPayload(assignment=Summary.of(assignment, areas)).dump(),
        ref=ref(assignment.id),
        dedupe_key=yours_key(assignment.id, assignment.round),
    )
    if assignment.created_by != user.id:
        await notify(
            session,
            clock,
            assignment.created_by,
            NoticeEvent.CLAIMED,
            assignment,
            areas,
            key=f"claimed:{assignment.round}",
            helper=user.id,
        )
    return result


async def decline(
    session: AsyncSession, clock: Clock, assignment_id: int, user: User, areas: Areas, pressed: Pressed | None
) -> ClaimResult:
    """ "Not this time": OK while the assignment is open, and the pressed alert is edited to say so
    (through the outbox); nothing is stored about saying no."""
    if not has_role(user, HELPER):
        return ClaimResult(Outcome.REFUSED)
    assignment = await repo.get_assignment(session, assignment_id)
    if assignment is None:
        return ClaimResult(Outcome.GONE)
    if assignment.status != Status.OPEN:  # taken or closed: its alert is being edited through the outbox
        return ClaimResult(Outcome.TAKEN, assignment)
    if pressed is not None:
        chat_id, message_id = pressed
        await outbox.enqueue(
            session,
            clock,
            chat_id=chat_id,
            user_id=user.id,
            kind=OutboxKind.ALERT_EDIT,
            method="editMessageText",
            data=AlertEditPayload(
                assignment=Summary.of(assignment, areas), message_id=message_id, why=AlertEnd.DECLINED
            ).dump(),
            ref=ref(assignment.id),
            dedupe_key=declined_key(assignment.id, chat_id, message_id),
        )
    return ClaimResult(Outcome.OK, assignment)


async def withdraw_alerts(
    session: AsyncSession,
    clock: Clock,
    assignment: Assignment,
    areas: Areas,
    why: AlertEnd,
    *,
    winner: int | None = None,
    pressed: Pressed | None = None,
) -> int:
    """Cancel alerts not sent yet and "not this time" edits not sent yet (superseded); queue an edit of
    every sent alert ("taken" / "cancelled"; "yours" for the winner's) and of the `pressed` one. Edits
    queued."""
    await outbox.cancel(session, key_prefix=f"assign:{assignment.id}:alert:")
    await outbox.cancel(session, key_prefix=f"assign:{assignment.id}:declined:")
    summary = Summary.of(assignment, areas)
    queued = 0
    for row in await outbox_repo.rows_of(session, ref(assignment.id), OutboxKind.ALERT):
        if row.status != hooks.SENT or row.telegram_message_id is None:
            continue
        queued += await _queue_edit(
            session, clock, row.chat_id, row.user_id, row.telegram_message_id, summary,
            AlertEnd.MINE if winner is not None and row.user_id == winner else why,
        )  # fmt: skip
    if pressed is not None and winner is not None:  # an alert whose outbox row is gone (or still sending)
        queued += await _queue_edit(session, clock, pressed[0], winner, pressed[1], summary, AlertEnd.MINE)
    return queued


async def _queue_edit(
    session: AsyncSession,
    clock: Clock,
    chat_id: int,
    user_id: int | None,
    message_id: int,
    summary: Summary,
    why: AlertEnd,
) -> bool:
    return await outbox.enqueue(
        session,
        clock,
        chat_id=chat_id,
        user_id=user_id,
        kind=OutboxKind.ALERT_EDIT,
        method="editMessageText",
        data=AlertEditPayload(assignment=summary, message_id=message_id, why=why).dump(),
        ref=ref(summary.id),
        dedupe_key=edit_key(summary.id, chat_id, message_id),
    )


async def alert_sent(session: AsyncSession, sent: hooks.Outcome) -> None:
    """An alert that arrived after its round was over (claimed, cancelled, handed back) is edited now."""
    summary = AlertPayload.model_validate(sent.payload).assignment
    assignment = await repo.get_assignment(session, summary.id)
    if assignment is None or sent.telegram_message_id is None:
        return
    if assignment.status == Status.OPEN and assignment.round == summary.round:
        return  # still on offer: leave the buttons
    if assignment.status == Status.CANCELLED:
        why = AlertEnd.CANCELLED
    elif assignment.status == Status.TAKEN and assignment.assignee_id == sent.user_id:
        why = AlertEnd.MINE
    else:
        why = AlertEnd.TAKEN
    # The hook has no clock: the moment the round ended comes from the application's clock already.
    moment = assignment.done_at or assignment.claimed_at or assignment.offered_at
    await _queue_edit(
        session, FrozenClock(moment), sent.chat_id, sent.user_id, sent.telegram_message_id, summary, why
    )


async def cancel_followups(session: AsyncSession, assignment_id: int) -> None:
    """Withdraw reminders, the "done?" question and an "it's yours" that were queued but not sent (the
    assignment was handed back, done or cancelled before they left)."""
    await outbox.cancel(session, key_prefix=parent_prefix(ReminderKind.ASSIGNMENT, assignment_id))
    await outbox.cancel(session, key_prefix=f"assign:{assignment_id}:followup:")
    await outbox.cancel(session, key_prefix=f"assign:{assignment_id}:yours:")


async def hand_back(
    session: AsyncSession, clock: Clock, assignment_id: int, user: User, areas: Areas
) -> Outcome:
    """The assignee gives the assignment back before its date; it is offered again at once."""
    assignment = await repo.get_assignment(session, assignment_id)
    if assignment is None:
        return Outcome.GONE
    if assignment.status != Status.TAKEN or assignment.assignee_id != user.id:
        return Outcome.NOT_YOURS
    if assignment.starts_at is not None and assignment.starts_at <= clock.now():
        return Outcome.TOO_LATE
    if not await _offer_again(session, clock, assignment_id, user.id, areas, NoticeEvent.HANDED_BACK):
        return Outcome.NOT_YOURS
    return Outcome.OK


async def release_all(session: AsyncSession, clock: Clock, helper_id: int, areas: Areas) -> list[int]:
    """The helper was removed (no longer a helper): every assignment they had taken goes back to open, as
    if handed back; it is offered again unless its date has begun, and its organizer is told. The ids."""
    taken = await repo.with_status(session, [Status.TAKEN], RELEASE_LIMIT, assignee_id=helper_id)
    return [
        assignment.id
        for assignment in taken
        if await _offer_again(session, clock, assignment.id, helper_id, areas, NoticeEvent.HELPER_REMOVED)
    ]


async def reopen(
    session: AsyncSession, clock: Clock, assignment_id: int, organizer: User, areas: Areas
) -> Outcome:
    """An organizer takes a taken assignment back from its helper (they cannot go after all, or do not
    answer): open again in a new round, offered to the others (not to them), the helper told that it is no
    longer theirs, its organizer told as after a hand back. OK; NOT_YOURS when it is not taken (any more);
    GONE; REFUSED when `organizer` is not one."""
    if not has_role(organizer, ORGANIZER):
        return Outcome.REFUSED
    assignment = await repo.get_assignment(session, assignment_id)
    if assignment is None:
        return Outcome.GONE
    helper_id = assignment.assignee_id
    if assignment.status != Status.TAKEN or helper_id is None:
        return Outcome.NOT_YOURS
    if not await _offer_again(
        session, clock, assignment_id, helper_id, areas, NoticeEvent.REOPENED_BY_ORGANIZER
    ):
        return Outcome.NOT_YOURS
    reopened = await repo.get_assignment(session, assignment_id)
    assert reopened is not None
    await notify(
        session, clock, helper_id, NoticeEvent.TAKEN_BACK, reopened, areas, key=f"takenback:{reopened.round}"
    )
    return Outcome.OK


RELEASE_LIMIT = 10_000  # more than anyone takes; the list is only bounded to keep the query bounded
# The dedupe key of the organizer's notice per way back to open (one notice per round).
_NOTICE_KEYS = {NoticeEvent.HANDED_BACK: "handback", NoticeEvent.REOPENED_BY_ORGANIZER: "reopenedby"}


async def _offer_again(
    session: AsyncSession, clock: Clock, assignment_id: int, helper_id: int, areas: Areas, event: NoticeEvent
) -> bool:
    """Taken by `helper_id` → open in a new round (one conditional UPDATE), without the old round's
    reminders; offered to the others (never to them); the organizer is told. False if it was not theirs."""
    if not await repo.hand_back(session, assignment_id, helper_id, clock.now()):
        return False
    assignment = await repo.get_assignment(session, assignment_id)
    assert assignment is not None
    await cancel_followups(session, assignment_id)
    alerted, widened = 0, False
    if assignment.starts_at is None or assignment.starts_at > clock.now():
        alerted, widened = await offer_round(session, clock, assignment, areas)
    # by themselves, or taken back by an organizer: the organizer may write to them
    handed_back = event in (NoticeEvent.HANDED_BACK, NoticeEvent.REOPENED_BY_ORGANIZER)
    await notify(
        session,
        clock,
        assignment.created_by,
        event,
        assignment,
        areas,
        key=f"{_NOTICE_KEYS.get(event, 'removed')}:{assignment.round}",
        helper=helper_id if handed_back else None,
        count=alerted,
        wide=widened,
    )
    return True


def its_day_has_come(assignment: Assignment, now: datetime, tz: ZoneInfo) -> bool:
    """An assignment can be done from its day on (in the configured zone), never before it happened; a
    flexible one (no date) at any time."""
    if assignment.starts_at is None:
        return True
    return assignment.starts_at.astimezone(tz).date() <= now.astimezone(tz).date()


async def may_close(
    session: AsyncSession, clock: Clock, assignment_id: int, user: User, tz: ZoneInfo
) -> Outcome:
    """Whether `user` may close the assignment now (and so write a note for it): only its assignee, while it
    is taken, from its day on. OK, NOT_YOURS, GONE or TOO_EARLY."""
    assignment = await repo.get_assignment(session, assignment_id)
    if assignment is None:
        return Outcome.GONE
    if assignment.status != Status.TAKEN or assignment.assignee_id != user.id:
        return Outcome.NOT_YOURS
    if not its_day_has_come(assignment, clock.now(), tz):
        return Outcome.TOO_EARLY
    return Outcome.OK


async def mark_done(
    session: AsyncSession,
    clock: Clock,
    assignment_id: int,
    user: User,
    areas: Areas,
    tz: ZoneInfo,
    note: str | None = None,
) -> Outcome:
    """The assignee closes the assignment, with an optional short note for the organizer, from its day on
    (`may_close`). OK; CLOSED when they had closed it already; NOT_YOURS, GONE or TOO_EARLY."""
    note = " ".join(clean_text(note or "").split())[:NOTE_MAX] or None
    allowed = await may_close(session, clock, assignment_id, user, tz)
    if allowed == Outcome.TOO_EARLY:
        return allowed
    if allowed != Outcome.OK or not await repo.mark_done(session, assignment_id, user.id, clock.now(), note):
        assignment = await repo.get_assignment(session, assignment_id)
        if assignment is None:
            return Outcome.GONE
        if assignment.status == Status.DONE and assignment.assignee_id == user.id:
            return Outcome.CLOSED
        return Outcome.NOT_YOURS
    assignment = await repo.get_assignment(session, assignment_id)
    assert assignment is not None
    await cancel_followups(session, assignment_id)
    if assignment.created_by != user.id:
        await notify(
            session,
            clock,
            assignment.created_by,
            NoticeEvent.DONE,
            assignment,
            areas,
            key="done",
            helper=user.id,
            note=note,
        )
    return Outcome.OK


# What becomes of alerts (listed in bot/wiring.py for the delivery worker).
OUTCOME_HOOKS: dict[str, list[hooks.Hook]] = {OutboxKind.ALERT: [hooks.only_sent(alert_sent)]}
