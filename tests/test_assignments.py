"""Assignments on SQLite and PostgreSQL: matching, the first claim wins, details, escalation, reminders."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import reminders as mechanism
from bot.assignments import claiming, escalation, matching, profiles, reminders, service
from bot.assignments.options import ANY, Areas, AreasError, load_areas
from bot.assignments.payloads import (
    AlertEditPayload,
    AlertEnd,
    AlertPayload,
    NoticeEvent,
    NoticePayload,
    OutboxKind,
    Summary,
    YoursPayload,
)
from bot.assignments.status import Outcome, Status
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.delivery import hooks
from bot.delivery.reminders import ReminderKind
from bot.services import erasure
from storage.models.assignments import Assignment, HelperProfile
from storage.models.core import OutboxMessage, User

ALERT, ALERT_EDIT, NOTICE = OutboxKind.ALERT, OutboxKind.ALERT_EDIT, OutboxKind.NOTICE
REMINDER, FOLLOWUP, YOURS = OutboxKind.REMINDER, OutboxKind.FOLLOWUP, OutboxKind.YOURS
AREAS = Areas(names={"north": "Nord", "south": "Süd"})
SETTINGS = load_settings(_env_file=None, assignment_reminder_hours=24)
TZ = ZoneInfo("Europe/Berlin")
ORG = 1
THURSDAY = date(2026, 3, 26)  # the clock fixture stands on Monday 2026-03-23 09:00 UTC
ON_THURSDAY = datetime(2026, 3, 26, 10, 0, tzinfo=UTC)  # the day of the assignments of `new()`, after 09:00


async def add_user(
    session: AsyncSession, clock: FrozenClock, uid: int, role: str = "helper", *, active: bool = True
) -> User:
    user = User(id=uid, role=role, language="de", created_at=clock.now(), is_active=active)
    session.add(user)
    await session.flush()
    return user


async def add_helper(
    session: AsyncSession,
    clock: FrozenClock,
    uid: int,
    langs: list[str],
    areas: list[str],
    *,
    role: str = "helper",
    paused_until: datetime | None = None,
    active: bool = True,
) -> User:
    user = await add_user(session, clock, uid, role, active=active)
    session.add(
        HelperProfile(
            user_id=uid, languages=langs, areas=areas, paused_until=paused_until, updated_at=clock.now()
        )
    )
    await session.flush()
    return user


def new(
    language: str = "fa",
    area: str = "north",
    day: date | None = THURSDAY,
    minute: int | None = 9 * 60,
    details: str | None = "Rathaus, Zimmer 3; Familie R., 0151 000000",
) -> service.NewAssignment:
    return service.NewAssignment(
        kind="authority",
        language=language,
        area=area,
        day=day,
        minute=minute,
        description="Termin bei der Ausländerbehörde, Verlängerung",
        details=details,
    )


async def outbox_rows(session: AsyncSession, kind: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list((await session.scalars(stmt)).all())


async def alerted(session: AsyncSession, status: str = "pending") -> set[int]:
    return {r.chat_id for r in await outbox_rows(session, ALERT) if r.status == status}


async def mark_sent(session: AsyncSession, kind: str, first_message_id: int = 500) -> dict[int, int]:
    """Pretend the delivery engine sent every pending row of `kind`: {chat_id: message_id}."""
    ids = {}
    for n, row in enumerate(r for r in await outbox_rows(session, kind) if r.status == "pending"):
        row.status, row.telegram_message_id = "sent", first_message_id + n
        ids[row.chat_id] = row.telegram_message_id
    await session.flush()
    return ids


async def setup_team(session: AsyncSession, clock: FrozenClock) -> User:
    organizer = await add_helper(session, clock, ORG, ["fa"], ["north"], role="organizer")  # opted in
    await add_helper(session, clock, 10, ["de", "fa"], ["north"])  # matches
    await add_helper(session, clock, 11, ["fa"], ["north", "south"])  # matches
    await add_helper(session, clock, 12, ["fa"], ["south"])  # wrong area
    await add_helper(session, clock, 13, ["ar"], ["north"])  # wrong language
    await add_helper(session, clock, 14, ["fa"], ["north"], paused_until=clock.now() + timedelta(days=3))
    await add_helper(session, clock, 15, ["fa"], ["north"], role="visitor")  # not a helper
    await add_helper(session, clock, 16, ["fa"], ["north"], active=False)  # blocked the bot
    await add_user(session, clock, 17)  # a helper without a profile
    await session.commit()
    return organizer


# --- matching and alerts -----------------------------------------------------------------------------
def test_matches_language_and_area() -> None:
    assert matching.matches("fa", "north", ["fa"], ["north"])
    assert not matching.matches("fa", "north", ["ar"], ["north"])
    assert not matching.matches("fa", "north", ["fa"], ["south"])
    assert matching.matches(ANY, "north", [], ["north"])
    assert matching.matches("fa", ANY, ["fa"], [])
    assert matching.matches("fa", "north", [], [], wide=True)


async def test_alert_reaches_exactly_the_matching_unpaused_helpers(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await setup_team(session, clock)
    created = await service.create(session, clock, organizer, new(), AREAS, TZ)
    await session.commit()
    assert (created.alerted, created.widened) == (2, False)
    assert await alerted(session) == {10, 11}
    row = (await outbox_rows(session, ALERT))[0]
    assert row.dedupe_key == f"assign:{created.assignment.id}:alert:{row.chat_id}:1"
    assert "Rathaus" not in str(row.payload) and "0151" not in str(row.payload)  # details never queued
    assert created.assignment.starts_at == datetime(2026, 3, 26, 8, 0, tzinfo=UTC)  # 9:00 in Berlin


async def test_nobody_matching_widens_at_once_but_respects_the_pause(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await setup_team(session, clock)
    created = await service.create(session, clock, organizer, new(language="ti"), AREAS, TZ)
    await session.commit()
    assert created.widened
    assert await alerted(session) == {10, 11, 12, 13, 17}  # not: paused 14, visitor 15, blocked 16, creator
    assert created.assignment.escalated_at is not None


async def test_bad_input_is_refused(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await setup_team(session, clock)
    helper = await session.get(User, 10)
    assert helper is not None
    with pytest.raises(service.AssignmentError, match="not_organizer"):
        await service.create(session, clock, helper, new(), AREAS, TZ)
    for bad in (new(area="atlantis"), new(language="xx"), new(day=date(2026, 5, 1)), new(minute=None)):
        with pytest.raises(service.AssignmentError, match="bad_choice"):
            await service.create(session, clock, organizer, bad, AREAS, TZ)
    with pytest.raises(service.AssignmentError, match="in_past"):
        await service.create(session, clock, organizer, new(day=date(2026, 3, 23), minute=9 * 60), AREAS, TZ)
    for text in ("Anruf bei 0511 1234567", "mail an a.b@example.org", "Treffen Hauptstraße 12", "   "):
        with pytest.raises(service.AssignmentError):
            service.clean_description(text)
    assert service.clean_description("  Arzttermin,   Kinderarzt ") == "Arzttermin, Kinderarzt"
    assert await outbox_rows(session) == []


def test_choices_so_far_are_checked_step_by_step() -> None:
    service.check_choices_so_far(AREAS, "doctor")  # only the kind chosen yet
    service.check_choices_so_far(AREAS, "doctor", ANY, "north", 9 * 60)
    service.check_choices_so_far(AREAS, "doctor", "fa", ANY, None)
    for forged in (
        ("hairdresser",),
        ("doctor", "xx"),
        ("doctor", "fa", "atlantis"),
        ("doctor", "fa", "north", 24 * 60),
        ("doctor", "fa", "north", -5),
    ):
        with pytest.raises(service.AssignmentError, match="bad_choice"):
            service.check_choices_so_far(AREAS, *forged)  # type: ignore[arg-type]


def test_payloads_keep_the_stored_keys_and_read_old_rows() -> None:
    summary = Summary(
        id=7, kind="doctor", language="fa", area="north", area_name="Nord", description="Kinderarzt", round=2
    )
    stored = AlertPayload(assignment=summary, wide=True).dump()
    assert stored == {
        "a": {"id": 7, "kind": "doctor", "lang": "fa", "area": "north", "area_name": "Nord", "desc": "Kinderarzt",
              "round": 2},
        "wide": True,
    }  # fmt: skip
    assert AlertPayload.model_validate(stored).assignment == summary
    old_row = {"a": {**stored["a"], "area_name": None, "at": None}, "message_id": 5, "why": "taken"}
    edit = AlertEditPayload.model_validate(old_row)
    assert (edit.why, edit.assignment.starts_at, edit.assignment.area_name) == (AlertEnd.TAKEN, None, None)
    notice = NoticePayload(event=NoticeEvent.DONE, assignment=summary, helper=3).dump()
    assert set(notice) == {"event", "a", "helper"}


def test_every_outbox_kind_renders_also_after_the_helper_was_erased() -> None:
    from bot.text import Translator
    from handlers.assignments import RENDERERS

    summary = Summary(id=7, kind="doctor", language="fa", area="north", area_name="Nord", description="Arzt")
    a = summary.dump()
    payloads = {
        ALERT: [{"a": a, "wide": True}],
        ALERT_EDIT: [{"a": a, "message_id": 5, "why": why.value} for why in AlertEnd],
        NOTICE: [{"event": event.value, "a": a, "count": 2, "wide": True} for event in NoticeEvent],
        REMINDER: [{"a": a, "to": "organizer"}, {"a": a, "to": "helper", "helper": 3}],  # the first: erased
        FOLLOWUP: [{"a": a}],
        YOURS: [{"a": a}],
    }
    assert set(RENDERERS) == set(OutboxKind) == set(payloads)
    for lang in ("de", "fa"):
        for kind, items in payloads.items():
            for data in items:
                rendered = RENDERERS[kind](data, Translator(lang))
                assert "Arzt" in rendered.params["text"], kind
                assert rendered.params["parse_mode"] == "HTML"
    notice = RENDERERS[NOTICE]({"event": "done", "a": a, "helper": 3, "note": "ok"}, Translator("de"))
    assert "tg://user?id=3" in notice.params["text"] and notice.params["reply_markup"]
    # "it's yours": the assignee's buttons, the address and contact behind the first one
    yours = RENDERERS[YOURS](YoursPayload(assignment=summary).dump(), Translator("de"))
    rows = yours.params["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in rows[0]] == ["asg:det:7"]
    assert {"asg:done:7", "asg:note:7", "asg:back:7"} == {b["callback_data"] for row in rows[1:] for b in row}


# --- claiming ----------------------------------------------------------------------------------------
async def test_first_claim_wins_and_only_the_winner_sees_details(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await setup_team(session, clock)
    aid = (await service.create(session, clock, organizer, new(), AREAS, TZ)).assignment.id
    sent = await mark_sent(session, ALERT)
    await session.commit()
    winner, loser, visitor = [await session.get(User, uid) for uid in (10, 11, 15)]
    assert winner and loser and visitor

    first = await claiming.claim(session, clock, aid, winner, AREAS, pressed=(10, sent[10]))
    second = await claiming.claim(session, clock, aid, loser, AREAS)
    again = await claiming.claim(session, clock, aid, winner, AREAS, pressed=(10, sent[10]))  # double press
    forged = await claiming.claim(session, clock, aid, visitor, AREAS)
    await session.commit()
    assert (first.outcome, second.outcome) == (Outcome.WON, Outcome.TAKEN)
    assert (again.outcome, forged.outcome) == (Outcome.MINE, Outcome.REFUSED)
    assert (await claiming.claim(session, clock, 999, loser, AREAS)).outcome == Outcome.GONE

    details = (await service.details_for(session, aid, winner))[1]
    assert details and "Rathaus" in details
    assert (await service.details_for(session, aid, organizer))[1] == details
    for other in (loser, visitor):
        with pytest.raises(service.NotAllowed):
            await service.details_for(session, aid, other)

    # every alert is edited through the outbox, the pressed one too ("yours"); the double press added none
    edits = await outbox_rows(session, ALERT_EDIT)
    assert sorted((e.chat_id, e.payload["message_id"], e.payload["why"]) for e in edits) == [
        (10, sent[10], "mine"),
        (11, sent[11], "taken"),
    ]
    assert {e.method for e in edits} == {"editMessageText"}
    # the winner is told once, in their own chat, without the address and contact
    (yours,) = await outbox_rows(session, YOURS)
    assert (yours.chat_id, yours.user_id, yours.payload["a"]["id"]) == (10, 10, aid)
    notices = await outbox_rows(session, NOTICE)
    assert [(n.chat_id, n.payload["event"], n.payload["helper"]) for n in notices] == [(ORG, "claimed", 10)]
    queued = str([row.payload for row in await outbox_rows(session)])
    assert "Rathaus" not in queued and "0151" not in queued  # the details are never queued


async def test_a_pressed_alert_the_outbox_no_longer_knows_is_edited_once(
    session: AsyncSession, clock: FrozenClock
) -> None:
    """An alert whose row the retention job deleted, or one the delivery engine has not recorded as sent
    yet: the pressed message itself is edited, and the sent-hook of a late one adds no second edit."""
    organizer = await setup_team(session, clock)
    aid = (await service.create(session, clock, organizer, new(), AREAS, TZ)).assignment.id
    rows = {r.chat_id: r for r in await outbox_rows(session, ALERT)}
    rows[10].status = "sending"  # sent by Telegram as message 88, its outcome not recorded yet
    await session.commit()
    winner = await session.get(User, 10)
    assert winner is not None
    assert (await claiming.claim(session, clock, aid, winner, AREAS, pressed=(10, 88))).outcome == Outcome.WON
    outcome = hooks.Outcome(
        outbox_id=rows[10].id, chat_id=10, user_id=10, kind=ALERT, ref=rows[10].ref,
        dedupe_key=rows[10].dedupe_key, payload=rows[10].payload, lang=None, status=hooks.SENT,
        telegram_message_id=88,
    )  # fmt: skip
    for hook in claiming.OUTCOME_HOOKS[ALERT]:
        await hook(session, outcome)
    await session.commit()
    edits = await outbox_rows(session, ALERT_EDIT)
    assert [(e.chat_id, e.payload["message_id"], e.payload["why"]) for e in edits] == [(10, 88, "mine")]


async def test_pending_alerts_are_withdrawn_and_late_ones_edited_when_sent(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await setup_team(session, clock)
    aid = (await service.create(session, clock, organizer, new(), AREAS, TZ)).assignment.id
    rows = await outbox_rows(session, ALERT)
    rows[1].status = "sending"  # on its way to helper 11 at the moment of the claim
    await session.commit()
    helper = await session.get(User, 10)
    assert helper is not None
    assert (await claiming.claim(session, clock, aid, helper, AREAS)).outcome == Outcome.WON
    await session.commit()
    assert rows[0].status == "cancelled"  # never sent: withdrawn
    assert await outbox_rows(session, ALERT_EDIT) == []

    # the delivery engine reports the in-flight alert as sent: the hook edits it at once
    outcome = hooks.Outcome(
        outbox_id=rows[1].id, chat_id=11, user_id=11, kind=ALERT, ref=rows[1].ref, dedupe_key=rows[1].dedupe_key,
        payload=rows[1].payload, lang=None, status=hooks.SENT, telegram_message_id=77,
    )  # fmt: skip
    for hook in claiming.OUTCOME_HOOKS[ALERT]:
        await hook(session, outcome)
    edits = await outbox_rows(session, ALERT_EDIT)
    assert [(e.chat_id, e.payload["message_id"], e.payload["why"]) for e in edits] == [(11, 77, "taken")]
    assert edits[0].not_before <= clock.now()  # due at once on the application's clock


async def _claim_in_own_session(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    aid: int,
    uid: int,
    barrier: asyncio.Barrier | None,
) -> str:
    async with sessionmaker() as session:
        user = await session.get(User, uid)
        assert user is not None
        if barrier is not None:  # both transactions have read the assignment as open
            assert (await session.get(Assignment, aid)).status == "open"  # type: ignore[union-attr]
            await barrier.wait()
        result = await claiming.claim(session, clock, aid, user, AREAS)
        await session.commit()
        return result.outcome


@pytest.mark.parametrize("helpers", [2, 5])
async def test_concurrent_claims_one_winner(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, db_kind: str, helpers: int
) -> None:
    async with sessionmaker() as session:
        organizer = await setup_team(session, clock)
        for uid in range(20, 20 + helpers):
            await add_helper(session, clock, uid, ["fa"], ["north"])
        aid = (await service.create(session, clock, organizer, new(), AREAS, TZ)).assignment.id
        await session.commit()
    # PostgreSQL: every transaction reads "open" first, then all claim at once (the row lock decides).
    # SQLite: BEGIN IMMEDIATE lets one writer in at a time, so there is no read-before-claim overlap.
    barrier = asyncio.Barrier(helpers) if db_kind == "pg" else None
    outcomes = await asyncio.gather(
        *(_claim_in_own_session(sessionmaker, clock, aid, uid, barrier) for uid in range(20, 20 + helpers))
    )
    assert sorted(outcomes) == sorted([Outcome.WON] + [Outcome.TAKEN] * (helpers - 1))
    async with sessionmaker() as session:
        assignment = await session.get(Assignment, aid)
        assert assignment is not None and assignment.status == "taken"
        assert assignment.assignee_id == 20 + outcomes.index(Outcome.WON)
        claimed = [n for n in await outbox_rows(session, NOTICE) if n.payload["event"] == "claimed"]
        assert len(claimed) == 1


async def test_not_this_time_changes_nothing(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await setup_team(session, clock)
    aid = (await service.create(session, clock, organizer, new(), AREAS, TZ)).assignment.id
    sent = await mark_sent(session, ALERT)
    helper, visitor, winner = (
        await session.get(User, 11),
        await session.get(User, 15),
        await session.get(User, 10),
    )
    assert helper and visitor and winner
    pressed = (11, sent[11])
    assert (await claiming.decline(session, clock, aid, helper, AREAS, pressed)).outcome == Outcome.OK
    assert (
        await claiming.decline(session, clock, aid, helper, AREAS, pressed)
    ).outcome == Outcome.OK  # twice
    assert (await claiming.decline(session, clock, aid, visitor, AREAS, (15, 1))).outcome == Outcome.REFUSED
    assert (await session.get(Assignment, aid)).status == "open"  # type: ignore[union-attr]
    (declined,) = await outbox_rows(session, ALERT_EDIT)  # the alert says so, through the outbox, once
    assert (declined.chat_id, declined.payload["message_id"], declined.payload["why"]) == (
        11,
        sent[11],
        "declined",
    )
    # taken before that edit left: it is replaced by "taken"
    assert (await claiming.claim(session, clock, aid, winner, AREAS)).outcome == Outcome.WON
    assert (await claiming.decline(session, clock, aid, helper, AREAS, pressed)).outcome == Outcome.TAKEN
    edits = {(e.chat_id, e.payload["why"]): e.status for e in await outbox_rows(session, ALERT_EDIT)}
    assert edits == {(11, "declined"): "cancelled", (11, "taken"): "pending", (10, "mine"): "pending"}


# --- after the claim ---------------------------------------------------------------------------------
async def test_pressing_take_again_tells_the_assignee_nothing_twice(
    session: AsyncSession, clock: FrozenClock
) -> None:
    _org, helper, aid = await _taken(session, clock)
    again = await claiming.claim(session, clock, aid, helper, AREAS)
    assert (again.outcome, again.details) == (Outcome.MINE, None)
    assert len(await outbox_rows(session, YOURS)) == 1


async def test_an_unsent_yours_is_withdrawn_when_the_assignment_is_handed_back_or_cancelled(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer, helper, aid = await _taken(session, clock)
    assert await claiming.hand_back(session, clock, aid, helper, AREAS) == Outcome.OK
    other = await session.get(User, 11)
    assert other is not None
    assert (await claiming.claim(session, clock, aid, other, AREAS)).outcome == Outcome.WON  # round 2
    assert await service.cancel(session, clock, aid, organizer, AREAS)
    await session.commit()
    rows = [(r.chat_id, r.payload["a"]["round"], r.status) for r in await outbox_rows(session, YOURS)]
    assert rows == [(10, 1, "cancelled"), (11, 2, "cancelled")]


async def remind(session: AsyncSession, clock: FrozenClock) -> int:
    """One run of the reminder mechanism (bot/reminders.py) for assignments: the rows it queued."""
    return await mechanism.queue_due(
        session, clock, SETTINGS, {ReminderKind.ASSIGNMENT: reminders.due_reminders}
    )


async def _taken(session: AsyncSession, clock: FrozenClock, **kw: object) -> tuple[User, User, int]:
    organizer = await setup_team(session, clock)
    aid = (await service.create(session, clock, organizer, new(**kw), AREAS, TZ)).assignment.id  # type: ignore[arg-type]
    helper = await session.get(User, 10)
    assert helper is not None
    assert (await claiming.claim(session, clock, aid, helper, AREAS)).outcome == Outcome.WON
    await session.commit()
    return organizer, helper, aid


async def test_reminder_the_day_before_and_followup_after_the_date(
    session: AsyncSession, clock: FrozenClock
) -> None:
    _org, _helper, aid = await _taken(session, clock)  # Thursday 08:00 UTC, claimed Monday

    async def run() -> tuple[int, int]:
        sent = await remind(session, clock)
        asked = await reminders.ask_followups(session, clock, AREAS, 3, 7)
        await session.commit()
        return sent, asked

    clock.set(datetime(2026, 3, 25, 7, 59, tzinfo=UTC))
    assert await run() == (0, 0)
    clock.set(datetime(2026, 3, 25, 8, 0, tzinfo=UTC))
    assert await run() == (2, 0)  # to the helper and to the organizer
    assert await run() == (0, 0)  # never twice
    rows = await outbox_rows(session, REMINDER)
    assert sorted((r.chat_id, r.payload["to"]) for r in rows) == [(ORG, "organizer"), (10, "helper")]
    assert sorted(r.dedupe_key or "" for r in rows) == sorted(
        f"remind:assignment:{aid}.1:{uid}:24" for uid in (ORG, 10)
    )

    clock.set(datetime(2026, 3, 26, 10, 59, tzinfo=UTC))
    assert await run() == (0, 0)
    clock.set(datetime(2026, 3, 26, 11, 0, tzinfo=UTC))
    assert await run() == (0, 1)
    assert await run() == (0, 0)
    (followup,) = await outbox_rows(session, FOLLOWUP)
    assert (followup.chat_id, followup.payload["a"]["id"]) == (10, aid)


async def test_short_notice_claim_gets_no_reminder_and_flexible_gets_a_late_followup(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer, helper, _aid = await _taken(session, clock, day=None, minute=None)
    soon = await service.create(
        session, clock, organizer, new(day=date(2026, 3, 24), minute=8 * 60), AREAS, TZ
    )  # tomorrow 07:00 UTC: inside the reminder window already
    assert (await claiming.claim(session, clock, soon.assignment.id, helper, AREAS)).outcome == Outcome.WON
    await session.commit()
    assert await remind(session, clock) == 0
    clock.set(datetime(2026, 3, 24, 6, 0, tzinfo=UTC))
    assert await remind(session, clock) == 0
    assert await outbox_rows(session, REMINDER) == []
    clock.set(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))
    clock.advance(timedelta(days=6, hours=23))
    assert await reminders.ask_followups(session, clock, AREAS, 3, 7) == 1  # only the dated one
    clock.advance(timedelta(hours=1))
    assert await reminders.ask_followups(session, clock, AREAS, 3, 7) == 1  # the flexible one


async def test_done_with_a_note_closes_it_and_tells_the_organizer(
    session: AsyncSession, clock: FrozenClock
) -> None:
    _org, helper, aid = await _taken(session, clock)
    other = await session.get(User, 11)
    assert other is not None
    clock.set(ON_THURSDAY)
    assert await claiming.mark_done(session, clock, aid, other, AREAS, TZ) == Outcome.NOT_YOURS
    assert (
        await claiming.mark_done(session, clock, aid, helper, AREAS, TZ, "  Alles   erledigt ") == Outcome.OK
    )
    assert await claiming.mark_done(session, clock, aid, helper, AREAS, TZ) == Outcome.CLOSED
    await session.commit()
    assignment = await session.get(Assignment, aid)
    assert assignment and (assignment.status, assignment.done_note) == ("done", "Alles erledigt")
    done = [n.payload for n in await outbox_rows(session, NOTICE) if n.payload["event"] == "done"]
    assert done == [{"event": "done", "a": done[0]["a"], "helper": 10, "note": "Alles erledigt"}]
    with pytest.raises(service.NotAllowed):  # the address is not needed any more
        await service.details_for(session, aid, helper)


async def test_only_the_assignee_may_close_it_and_write_a_note(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer, helper, aid = await _taken(session, clock)
    other = await session.get(User, 11)
    assert other is not None
    clock.set(ON_THURSDAY)
    assert await claiming.may_close(session, clock, aid, helper, TZ) == Outcome.OK
    assert await claiming.may_close(session, clock, aid, other, TZ) == Outcome.NOT_YOURS
    assert await claiming.may_close(session, clock, aid, organizer, TZ) == Outcome.NOT_YOURS
    assert await claiming.may_close(session, clock, 424242, helper, TZ) == Outcome.GONE
    assignment = await service.get(session, aid)
    assert assignment is not None
    assert service.is_assignee(assignment, helper) and not service.is_assignee(assignment, other)
    assert await claiming.mark_done(session, clock, aid, helper, AREAS, TZ, "x" * 400) == Outcome.OK
    assert await claiming.may_close(session, clock, aid, helper, TZ) == Outcome.NOT_YOURS  # closed already
    assert len((await session.get(Assignment, aid)).done_note or "") == claiming.NOTE_MAX  # type: ignore[union-attr]


async def test_done_only_from_the_assignments_day_on_in_the_configured_zone(
    session: AsyncSession, clock: FrozenClock
) -> None:
    _org, helper, aid = await _taken(session, clock)  # Thursday 09:00 Berlin (08:00 UTC)
    clock.set(datetime(2026, 3, 25, 22, 59, tzinfo=UTC))  # Wednesday 23:59 in Berlin
    assert await claiming.may_close(session, clock, aid, helper, TZ) == Outcome.TOO_EARLY
    assert await claiming.mark_done(session, clock, aid, helper, AREAS, TZ, "schon?") == Outcome.TOO_EARLY
    assignment = await session.get(Assignment, aid)
    assert assignment and (assignment.status, assignment.done_at, assignment.done_note) == (
        "taken",
        None,
        None,
    )
    assert [n for n in await outbox_rows(session, NOTICE) if n.payload["event"] == "done"] == []
    other = await session.get(User, 11)
    assert other is not None  # someone else's assignment is still "not yours", whatever the day
    assert await claiming.may_close(session, clock, aid, other, TZ) == Outcome.NOT_YOURS
    clock.set(datetime(2026, 3, 25, 23, 0, tzinfo=UTC))  # Thursday 00:00 in Berlin, before its hour
    assert await claiming.may_close(session, clock, aid, helper, TZ) == Outcome.OK
    assert await claiming.mark_done(session, clock, aid, helper, AREAS, TZ) == Outcome.OK


async def test_a_flexible_assignment_can_be_done_at_any_time(
    session: AsyncSession, clock: FrozenClock
) -> None:
    _org, helper, aid = await _taken(session, clock, day=None, minute=None)
    assert await claiming.mark_done(session, clock, aid, helper, AREAS, TZ) == Outcome.OK


async def test_an_organizer_reopens_a_taken_assignment_and_its_helper_is_told(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer, helper, aid = await _taken(session, clock)
    other = await session.get(User, 11)
    assert other is not None
    assert await claiming.reopen(session, clock, aid, other, AREAS) == Outcome.REFUSED
    assert await claiming.reopen(session, clock, aid, organizer, AREAS) == Outcome.OK
    assert await claiming.reopen(session, clock, aid, organizer, AREAS) == Outcome.NOT_YOURS  # open now
    assert await claiming.reopen(session, clock, 424242, organizer, AREAS) == Outcome.GONE
    await session.commit()
    assignment = await session.get(Assignment, aid)
    assert assignment and (assignment.status, assignment.round, assignment.assignee_id) == ("open", 2, None)
    told = {(n.chat_id, n.payload["event"]) for n in await outbox_rows(session, NOTICE)}
    assert (helper.id, "taken_back") in told and (organizer.id, "reopened_by") in told
    round2 = {r.chat_id for r in await outbox_rows(session, ALERT) if r.payload["a"]["round"] == 2}
    assert helper.id not in round2 and 11 in round2
    assert await claiming.may_close(session, clock, aid, helper, TZ) == Outcome.NOT_YOURS


async def test_hand_back_offers_it_again_without_the_returner(
    session: AsyncSession, clock: FrozenClock
) -> None:
    _org, helper, aid = await _taken(session, clock)
    clock.set(datetime(2026, 3, 25, 8, 0, tzinfo=UTC))
    assert await remind(session, clock) == 2  # queued, not sent yet
    other = await session.get(User, 11)
    assert other is not None
    assert await claiming.hand_back(session, clock, aid, other, AREAS) == Outcome.NOT_YOURS
    assert await claiming.hand_back(session, clock, aid, helper, AREAS) == Outcome.OK
    await session.commit()
    assignment = await session.get(Assignment, aid)
    assert assignment and (assignment.status, assignment.round, assignment.assignee_id) == ("open", 2, None)
    assert {r.status for r in await outbox_rows(session, REMINDER)} == {"cancelled"}
    round2 = {r.chat_id for r in await outbox_rows(session, ALERT) if r.payload["a"]["round"] == 2}
    assert round2 == {11}  # 10 handed it back
    (notice,) = [n.payload for n in await outbox_rows(session, NOTICE) if n.payload["event"] == "handed_back"]
    assert (notice["helper"], notice["count"], notice["wide"]) == (10, 1, False)
    # the next helper takes it at short notice: they have everything now, no reminder follows
    assert (await claiming.claim(session, clock, aid, other, AREAS)).outcome == Outcome.WON
    clock.set(datetime(2026, 3, 26, 7, 0, tzinfo=UTC))
    await session.commit()
    assert await remind(session, clock) == 0
    assert {r.status for r in await outbox_rows(session, REMINDER)} == {"cancelled"}
    # after the start it can no longer be handed back
    clock.set(datetime(2026, 3, 26, 8, 1, tzinfo=UTC))
    assert await claiming.hand_back(session, clock, aid, other, AREAS) == Outcome.TOO_LATE


# --- escalation --------------------------------------------------------------------------------------
async def test_unclaimed_alert_widens_after_the_configured_time(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await setup_team(session, clock)
    await service.create(session, clock, organizer, new(), AREAS, TZ)
    await session.commit()
    clock.advance(timedelta(minutes=59))
    assert await escalation.escalate_due(session, clock, AREAS, 60) == 0
    clock.advance(timedelta(minutes=1))
    assert await escalation.escalate_due(session, clock, AREAS, 60) == 1
    assert await escalation.escalate_due(session, clock, AREAS, 60) == 0
    await session.commit()
    assert await alerted(session) == {10, 11, 12, 13, 17}
    wide = {r.chat_id for r in await outbox_rows(session, ALERT) if r.payload["wide"]}
    assert wide == {12, 13, 17}  # 10 and 11 had their alert already
    (notice,) = await outbox_rows(session, NOTICE)
    assert (notice.chat_id, notice.payload["event"], notice.payload["count"]) == (ORG, "widened", 3)


async def test_claimed_assignment_does_not_escalate(session: AsyncSession, clock: FrozenClock) -> None:
    await _taken(session, clock)
    clock.advance(timedelta(hours=5))
    assert await escalation.escalate_due(session, clock, AREAS, 60) == 0


async def test_erased_helper_leaves_the_assignment_open_again(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        _org, _helper, aid = await _taken(session, clock)
    async with sessionmaker() as session:
        await erasure.erase_user(session, 10)
    async with sessionmaker() as session:
        assert await escalation.reopen_orphans(session, clock, AREAS) == 1
        await session.commit()
        assignment = await session.get(Assignment, aid)
        assert assignment and (assignment.status, assignment.round) == ("open", 2)
        events = [n.payload["event"] for n in await outbox_rows(session, NOTICE)]
        assert events == ["claimed", "reopened"]
        assert 11 in {r.chat_id for r in await outbox_rows(session, ALERT) if r.payload["a"]["round"] == 2}


# --- organizers: cancel, overview --------------------------------------------------------------------
async def test_cancel_edits_alerts_and_tells_the_assignee(session: AsyncSession, clock: FrozenClock) -> None:
    organizer, _helper, aid = await _taken(session, clock)
    helper = await session.get(User, 11)
    assert helper is not None
    with pytest.raises(service.NotAllowed):
        await service.cancel(session, clock, aid, helper, AREAS)
    assignment = await service.get(session, aid)
    assert assignment is not None and service.can_cancel(assignment)
    assert await service.cancel(session, clock, aid, organizer, AREAS)
    assert not await service.cancel(session, clock, aid, organizer, AREAS)
    await session.commit()
    cancelled = [n for n in await outbox_rows(session, NOTICE) if n.payload["event"] == "cancelled"]
    assert [n.chat_id for n in cancelled] == [10]
    assignment = await service.get(session, aid)
    assert assignment is not None and assignment.status == Status.CANCELLED
    assert not service.can_cancel(assignment)


async def test_done_assignments_cannot_be_cancelled(session: AsyncSession, clock: FrozenClock) -> None:
    organizer, helper, aid = await _taken(session, clock)
    clock.set(ON_THURSDAY)
    assert await claiming.mark_done(session, clock, aid, helper, AREAS, TZ) == Outcome.OK
    assert not await service.cancel(session, clock, aid, organizer, AREAS)
    assert (await session.get(Assignment, aid)).status == Status.DONE  # type: ignore[union-attr]


async def test_overview_counts_per_month(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await setup_team(session, clock)
    helper = await session.get(User, 10)
    assert helper is not None
    clock.set(datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    old = (await service.create(session, clock, organizer, new(day=None, minute=None), AREAS, TZ)).assignment
    await claiming.claim(session, clock, old.id, helper, AREAS)
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await claiming.mark_done(session, clock, old.id, helper, AREAS, TZ)
    clock.set(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))
    await service.create(session, clock, organizer, new(), AREAS, TZ)
    taken = (await service.create(session, clock, organizer, new(), AREAS, TZ)).assignment
    await claiming.claim(session, clock, taken.id, helper, AREAS)
    await session.commit()
    with pytest.raises(service.NotAllowed):
        await service.overview(session, clock, helper, TZ)
    view = await service.overview(session, clock, organizer, TZ)
    assert view.counts == {"open": 1, "taken": 1, "done": 1}
    assert [len(view.open), len(view.taken), len(view.done)] == [1, 1, 1]
    assert [(m.month, m.created, m.done) for m in view.months[:3]] == [(3, 2, 1), (2, 1, 0), (1, 0, 0)]
    mine = await service.for_helper(session, helper)
    assert [a.id for a in mine.mine] == [taken.id] and len(mine.open) == 1


# --- profiles and areas ------------------------------------------------------------------------------
async def test_profile_toggles_and_pause(session: AsyncSession, clock: FrozenClock) -> None:
    helper = await add_user(session, clock, 30)
    visitor = await add_user(session, clock, 31, "visitor")
    with pytest.raises(profiles.ProfileError):
        await profiles.get_or_create(session, clock, visitor)
    await profiles.toggle_language(session, clock, helper, "fa")
    await profiles.toggle_language(session, clock, helper, "de")
    profile = await profiles.toggle_area(session, clock, helper, "south", AREAS)
    await session.commit()
    assert (profile.languages, profile.areas) == (["de", "fa"], ["south"])
    profile = await profiles.toggle_language(session, clock, helper, "fa")
    assert profile.languages == ["de"]
    for bad in (
        profiles.toggle_language(session, clock, helper, "xx"),
        profiles.pause(session, clock, helper, 3),
    ):
        with pytest.raises(profiles.ProfileError):
            await bad
    with pytest.raises(profiles.ProfileError):
        await profiles.set_note(session, clock, helper, "x" * 201)
    assert (
        await profiles.set_note(session, clock, helper, " vormittags,  mit Auto ")
    ).note == "vormittags, mit Auto"
    profile = await profiles.pause(session, clock, helper, 7)
    assert profiles.is_paused(profile, clock.now())
    assert not profiles.is_paused(profile, clock.now() + timedelta(days=7, seconds=1))
    assert not profiles.is_paused(await profiles.resume(session, clock, helper), clock.now())
    await session.commit()
    stored = await session.get(HelperProfile, 30)
    assert stored and stored.languages == ["de"] and stored.note == "vormittags, mit Auto"


async def test_a_refused_profile_change_writes_nothing(session: AsyncSession, clock: FrozenClock) -> None:
    helper = await add_user(session, clock, 32)
    await session.commit()
    for refused in (
        profiles.toggle_area(session, clock, helper, "atlantis", AREAS),
        profiles.toggle_language(session, clock, helper, "xx"),
        profiles.pause(session, clock, helper, 5),
        profiles.set_note(session, clock, helper, "x" * 201),
    ):
        with pytest.raises(profiles.ProfileError):
            await refused
    assert await session.get(HelperProfile, 32) is None
    assert (await profiles.set_note(session, clock, helper, "vormittags")).note == "vormittags"
    assert (await profiles.set_note(session, clock, helper, " - ")).note is None  # "-" deletes the note


def test_areas_file_is_checked(tmp_path: Path) -> None:
    sample = load_areas(Path(__file__).resolve().parent.parent / "sample_data" / "areas.yaml")
    assert sample.is_sample and len(sample.names) >= 5
    for text in (
        "areas: []",
        "areas:\n  - key: Bad Key\n    name: X",
        "areas:\n  - key: any\n    name: X",
        "[1",
    ):
        path = tmp_path / "areas.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(AreasError, match=r"areas\.yaml"):
            load_areas(path)


async def test_erasing_a_helper_removes_the_profile(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        await add_helper(session, clock, 40, ["fa"], ["north"])
        await session.commit()
    async with sessionmaker() as session:
        await erasure.erase_user(session, 40)
    async with sessionmaker() as session:
        assert await session.get(HelperProfile, 40) is None


async def test_demo_seed_gives_the_demo_helper_a_profile_and_an_alert(
    session: AsyncSession, clock: FrozenClock
) -> None:
    from bot.assignments import demo
    from bot.config import load_settings
    from bot.sample import DemoPeople

    people = DemoPeople(helper_id=2002, organizer_id=3003)
    await add_user(session, clock, people.helper_id)
    await add_user(session, clock, people.organizer_id, "organizer")
    await demo.seed(session, clock, load_settings(bot_token="1:x"), people)
    await session.commit()
    profile = await session.get(HelperProfile, people.helper_id)
    assert profile is not None and "fa" in profile.languages
    assert await alerted(session) == {people.helper_id}
    (assignment,) = (await session.scalars(select(Assignment))).all()
    assert "SAMPLE" in assignment.description
