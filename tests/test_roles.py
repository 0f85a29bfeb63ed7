"""Roles that follow the truth (issue 13), on SQLite and PostgreSQL.

ORGANIZER_IDS promotes and demotes (at start, and when someone writes) those it made organizers, never
organizers by invitation; an organizer removes a helper, who hands everything back at once (queued alerts
cancelled, taken assignments offered again, taken questions open again in the helpers' chat, profile
gone); nobody removes themself or a listed organizer; every change is an audit line, and erasure unlinks
the person from those lines.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot import audit, tickets, wiring
from bot import users as users_service
from bot.assignments import claiming, service
from bot.assignments.options import Areas
from bot.assignments.payloads import NoticeEvent, NoticePayload, OutboxKind
from bot.assignments.status import Outcome, Status
from bot.cli import main
from bot.clock import FrozenClock
from bot.services import erasure, roles
from bot.text import Translator
from bot.users import CONFIG, HELPER, INVITE, ORGANIZER, VISITOR
from storage.db import create_engine, create_sessionmaker
from storage.migrate import downgrade, upgrade
from storage.models import Assignment, AuditEntry, HelperProfile, OutboxMessage, Ticket, User
from tests.test_assignments import add_helper, new
from tests.test_tickets import _deliver, _rows

AREAS = Areas(names={"north": "Nord", "south": "Süd"})
TZ = ZoneInfo("Europe/Berlin")
HELPERS = -100500
ORG, OTHER_ORG, INVITED_ORG = 1, 2, 3
HELPER_A, HELPER_B, ASKER = 501, 502, 4711


async def person(
    session: AsyncSession, clock: FrozenClock, uid: int, role: str = VISITOR, source: str | None = None
) -> User:
    user = User(id=uid, role=role, role_source=source, language="de", created_at=clock.now())
    session.add(user)
    await session.flush()
    return user


async def audit_lines(session: AsyncSession) -> list[tuple[int | None, str, str, str | None, str | None]]:
    rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    return [(r.actor_id, r.action, r.subject, r.before, r.after) for r in rows.all()]


async def role_of(session: AsyncSession, uid: int) -> tuple[str, str | None]:
    user = await session.get(User, uid, populate_existing=True)
    assert user is not None
    return user.role, user.role_source


# --- ORGANIZER_IDS ----------------------------------------------------------------------------------------


async def test_organizer_ids_at_start_promote_and_demote_but_leave_invited_organizers(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await person(session, clock, 10)  # listed now, a visitor so far
    await person(session, clock, 11, ORGANIZER, CONFIG)  # the list made them one; no longer listed
    await person(session, clock, 12, ORGANIZER, INVITE)  # by invitation; not listed
    await person(session, clock, 13, ORGANIZER)  # from before role sources; listed: the list vouches now
    await person(session, clock, 14, HELPER, INVITE)  # a helper; not listed
    await session.commit()

    demoted = await roles.apply_organizer_ids(session, clock, [10, 13, 99], AREAS)
    await session.commit()
    assert demoted == [11]
    assert await role_of(session, 10) == (ORGANIZER, CONFIG)
    assert await role_of(session, 11) == (VISITOR, None)
    assert await role_of(session, 12) == (ORGANIZER, INVITE)
    assert await role_of(session, 13) == (ORGANIZER, CONFIG)
    assert await role_of(session, 14) == (HELPER, INVITE)
    assert await session.get(User, 99) is None  # nobody is registered before they write
    assert await audit_lines(session) == [
        (None, audit.ROLE_CONFIG, "user:10", VISITOR, ORGANIZER),
        (None, audit.ROLE_CONFIG, "user:11", ORGANIZER, VISITOR),
    ]
    # a second start with the same list changes nothing and writes nothing
    assert await roles.apply_organizer_ids(session, clock, [10, 13, 99], AREAS) == []
    await session.commit()
    assert len(await audit_lines(session)) == 2
    # 13 is now an organizer because of the list: off the list, off the role
    assert await roles.apply_organizer_ids(session, clock, [10], AREAS) == [13]
    assert await role_of(session, 13) == (VISITOR, None)


async def test_ensure_user_follows_the_list_both_ways(session: AsyncSession, clock: FrozenClock) -> None:
    user = await users_service.ensure_user(session, 20, clock, [20])
    assert (user.role, user.role_source) == (ORGANIZER, CONFIG)
    user = await users_service.ensure_user(session, 20, clock, [20])  # nothing new: no line
    user = await users_service.ensure_user(session, 20, clock, [])
    assert (user.role, user.role_source) == (VISITOR, None)
    await person(session, clock, 21, ORGANIZER, INVITE)
    user = await users_service.ensure_user(session, 21, clock, [])
    assert (user.role, user.role_source) == (ORGANIZER, INVITE)
    await session.commit()
    assert await audit_lines(session) == [
        (None, audit.ROLE_CONFIG, "user:20", VISITOR, ORGANIZER),
        (None, audit.ROLE_CONFIG, "user:20", ORGANIZER, VISITOR),
    ]


async def test_an_invitation_is_why_and_leaves_an_audit_line(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await users_service.ensure_user(session, ORG, clock, [ORG])
    invitee = await users_service.ensure_user(session, 30, clock, [ORG])
    invite = await users_service.create_invite(session, organizer, ORGANIZER, clock, 24)
    assert await users_service.redeem_invite(session, invitee, invite.code, clock) == ORGANIZER
    assert (invitee.role, invitee.role_source) == (ORGANIZER, INVITE)
    await session.commit()
    assert (await audit_lines(session))[-1] == (ORG, audit.ROLE_INVITE, "user:30", VISITOR, ORGANIZER)
    # the list does not decide about an organizer by invitation, at start or when they write
    assert await roles.apply_organizer_ids(session, clock, [ORG], AREAS) == []
    assert (await users_service.ensure_user(session, 30, clock, [ORG])).role == ORGANIZER


# --- removing a helper --------------------------------------------------------------------------------------


async def world(session: AsyncSession, clock: FrozenClock) -> dict[str, int]:
    """Two helpers; A took assignment `taken` and question `ticket` (its relay is message 77 in the
    helpers' chat); assignment `offered` has alerts queued for both."""
    organizer = await users_service.ensure_user(session, ORG, clock, [ORG])
    await person(session, clock, INVITED_ORG, ORGANIZER, INVITE)
    helper_a = await add_helper(session, clock, HELPER_A, ["fa"], ["north"])
    await add_helper(session, clock, HELPER_B, ["fa"], ["north"])
    await person(session, clock, ASKER)
    taken = (await service.create(session, clock, organizer, new(), AREAS, TZ)).assignment.id
    result = await claiming.claim(session, clock, taken, helper_a, AREAS)
    assert result.outcome == Outcome.WON
    ticket = await tickets.open_ticket(
        session, clock, kind=tickets.QUESTION, chat_id=HELPERS, lang="fa", asker_id=ASKER,
        text="Wo finde ich einen Kinderarzt?", relay_lang="de",
    )  # fmt: skip
    await session.commit()
    [relay] = await _rows(session, ticket.id)
    await _deliver(session, relay, "sent", 77)
    claimed = await tickets.claim(session, clock, ticket.id, helper_a, chat_id=HELPERS)
    assert claimed.outcome == Outcome.WON
    [card] = [row for row in await _rows(session, ticket.id) if row.kind == tickets.CARD_KIND]
    await _deliver(session, card, "sent", 77)  # the card in the group shows "taken"
    offered = (await service.create(session, clock, organizer, new(), AREAS, TZ)).assignment.id
    await session.commit()
    return {"taken": taken, "offered": offered, "ticket": ticket.id}


async def test_removing_a_helper_hands_everything_back_at_once(
    session: AsyncSession, clock: FrozenClock
) -> None:
    ids = await world(session, clock)
    queued_for_a = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == HELPER_A, OutboxMessage.kind == OutboxKind.ALERT)
    )
    # the alert of `taken` was withdrawn when A took it; the one of `offered` waits
    assert sorted(row.status for row in queued_for_a.all()) == ["cancelled", "pending"]

    removal = await roles.remove(session, clock, ORG, HELPER_A, [ORG], AREAS)
    await session.commit()
    assert removal.refusal is None and removal.role == HELPER
    assert removal.handover == roles.Handover(
        alerts=1, assignments=(ids["taken"],), questions=(ids["ticket"],)
    )
    assert await role_of(session, HELPER_A) == (VISITOR, None)
    assert await session.get(HelperProfile, HELPER_A) is None
    # the alert that had not left is cancelled
    alerts = await session.scalars(
        select(OutboxMessage.status).where(
            OutboxMessage.user_id == HELPER_A, OutboxMessage.kind == OutboxKind.ALERT
        )
    )
    assert set(alerts.all()) == {"cancelled"}
    # the assignment is open in a new round, offered to B (never to A), and its organizer is told
    taken = await session.get(Assignment, ids["taken"], populate_existing=True)
    assert taken is not None
    assert (taken.status, taken.assignee_id, taken.round, taken.returned_by) == (
        Status.OPEN,
        None,
        2,
        HELPER_A,
    )
    new_alerts = await session.scalars(
        select(OutboxMessage.user_id).where(
            OutboxMessage.kind == OutboxKind.ALERT,
            OutboxMessage.dedupe_key.startswith(f"assign:{taken.id}:alert:"),
            OutboxMessage.dedupe_key.endswith(":2"),
        )
    )
    assert new_alerts.all() == [HELPER_B]
    notices = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.NOTICE, OutboxMessage.user_id == ORG)
    )
    removed = [NoticePayload.model_validate(n.payload) for n in notices.all()]
    removed = [n for n in removed if n.event == NoticeEvent.HELPER_REMOVED]
    assert [(n.assignment.id, n.count, n.helper) for n in removed] == [(ids["taken"], 1, None)]
    # the question is open again, and its relay is edited back to open with its 🙋 button
    ticket = await session.get(Ticket, ids["ticket"], populate_existing=True)
    assert ticket is not None and (ticket.status, ticket.taken_by) == (tickets.OPEN, None)
    [edit] = [
        row
        for row in await _rows(session, ticket.id)
        if row.kind == tickets.CARD_KIND and row.status == "pending"
    ]
    assert (edit.chat_id, edit.method, edit.status) == (HELPERS, "editMessageText", "pending")
    rendered = wiring.renderers().render(edit.kind, edit.payload, Translator("de", "Europe/Berlin"))
    assert rendered.params["message_id"] == 77 and "Kinderarzt" in rendered.params["text"]
    assert "reply_markup" in rendered.params  # the 🙋 button is back
    # another helper can take it now
    helper_b = await users_service.find_user(session, HELPER_B)
    assert helper_b is not None
    again = await tickets.claim(session, clock, ticket.id, helper_b, chat_id=HELPERS)
    assert again.outcome == Outcome.WON
    # one audit line, by the organizer
    assert (await audit_lines(session))[-1] == (ORG, audit.ROLE_REMOVED, f"user:{HELPER_A}", HELPER, VISITOR)
    # removing again is refused: they are a visitor now
    assert (
        await roles.remove(session, clock, ORG, HELPER_A, [ORG], AREAS)
    ).refusal == roles.Refusal.NOT_STAFF


async def test_the_removed_helpers_question_edit_forgets_the_question_once_sent(
    session: AsyncSession, clock: FrozenClock
) -> None:
    ids = await world(session, clock)
    await roles.remove(session, clock, ORG, HELPER_A, [ORG], AREAS)
    await session.commit()
    [edit] = [
        row
        for row in await _rows(session, ids["ticket"])
        if row.kind == tickets.CARD_KIND and row.status == "pending"
    ]
    await _deliver(session, edit, "sent", 77)
    await session.refresh(edit)
    assert "Kinderarzt" not in str(edit.payload) and edit.payload["status"] == "open"  # only what it shows


async def test_nobody_removes_themself_or_a_listed_organizer(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await world(session, clock)
    refusals = [
        (ORG, ORG),  # themself
        (INVITED_ORG, ORG),  # an organizer listed in ORGANIZER_IDS
        (ORG, ASKER),  # a visitor
        (ORG, 123456),  # nobody the bot knows
    ]
    expected = [
        roles.Refusal.SELF,
        roles.Refusal.CONFIGURED,
        roles.Refusal.NOT_STAFF,
        roles.Refusal.NOT_STAFF,
    ]
    for (actor, target), why in zip(refusals, expected, strict=True):
        assert (await roles.remove(session, clock, actor, target, [ORG], AREAS)).refusal == why
    await session.commit()
    assert await role_of(session, ORG) == (ORGANIZER, CONFIG)
    assert await audit_lines(session) == [(None, audit.ROLE_CONFIG, f"user:{ORG}", VISITOR, ORGANIZER)]
    # an organizer by invitation can be removed by another organizer
    removal = await roles.remove(session, clock, ORG, INVITED_ORG, [ORG], AREAS)
    assert removal.refusal is None and removal.role == ORGANIZER
    assert await role_of(session, INVITED_ORG) == (VISITOR, None)


async def test_the_staff_list_says_who_can_be_removed(session: AsyncSession, clock: FrozenClock) -> None:
    await world(session, clock)
    listed = await roles.staff(session, clock, ORG, [ORG])
    assert [(m.user_id, m.role, m.refusal) for m in listed] == [
        (ORG, ORGANIZER, roles.Refusal.SELF),
        (INVITED_ORG, ORGANIZER, None),
        (HELPER_A, HELPER, None),
        (HELPER_B, HELPER, None),
    ]
    helper = await roles.member(session, clock, HELPER_A, ORG, [ORG])
    assert helper is not None and (helper.languages, helper.areas, helper.paused) == (
        ("fa",),
        ("north",),
        False,
    )
    assert await roles.member(session, clock, ASKER, ORG, [ORG]) is None
    seen_by_invited = {m.user_id: m.refusal for m in await roles.staff(session, clock, INVITED_ORG, [ORG])}
    assert (
        seen_by_invited[ORG] == roles.Refusal.CONFIGURED
        and seen_by_invited[INVITED_ORG] == roles.Refusal.SELF
    )


async def test_a_delisted_organizer_hands_back_what_they_had_taken(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await users_service.ensure_user(session, ORG, clock, [ORG])
    delisted = await users_service.ensure_user(session, OTHER_ORG, clock, [ORG, OTHER_ORG])
    session.add(HelperProfile(user_id=OTHER_ORG, languages=["fa"], areas=["north"], updated_at=clock.now()))
    await add_helper(session, clock, HELPER_B, ["fa"], ["north"])
    aid = (await service.create(session, clock, organizer, new(), AREAS, TZ)).assignment.id
    assert (await claiming.claim(session, clock, aid, delisted, AREAS)).outcome == Outcome.WON
    await session.commit()

    assert await roles.apply_organizer_ids(session, clock, [ORG], AREAS) == [OTHER_ORG]
    await session.commit()
    found = await session.get(Assignment, aid, populate_existing=True)
    assert found is not None and (found.status, found.assignee_id) == (Status.OPEN, None)
    assert await session.get(HelperProfile, OTHER_ORG) is None


# --- the audit log and erasure -----------------------------------------------------------------------------


async def test_erasure_unlinks_the_person_from_audit_lines(session: AsyncSession, clock: FrozenClock) -> None:
    await world(session, clock)
    await roles.remove(session, clock, ORG, HELPER_A, [ORG], AREAS)  # ORG acts on A
    await roles.remove(session, clock, INVITED_ORG, HELPER_B, [ORG], AREAS)  # someone else, untouched
    await session.commit()
    await erasure.erase_user(session, HELPER_A, clock)
    await erasure.erase_user(session, ORG, clock)
    lines = await audit_lines(session)
    assert (None, audit.ROLE_REMOVED, audit.ERASED_SUBJECT, HELPER, VISITOR) in lines
    assert (INVITED_ORG, audit.ROLE_REMOVED, f"user:{HELPER_B}", HELPER, VISITOR) in lines
    assert not [line for line in lines if ORG in line or f"user:{ORG}" in line or f"user:{HELPER_A}" in line]
    assert [e.subject for e in await audit.latest(session, 1)] == [f"user:{HELPER_B}"]


async def test_audit_values_are_kept_short(session: AsyncSession, clock: FrozenClock) -> None:
    later = FrozenClock(datetime(2026, 3, 24, tzinfo=UTC))
    # the subject is an id (64 characters); before/after hold up to a whole edited answer
    await audit.audit(session, clock, None, "role.config", "user:" + "1" * 100, "x" * 20_000, None)
    await audit.audit(session, later, 7, "role.removed", "user:2", "a", "b")
    await session.commit()
    newest, oldest = await audit.latest(session, 10)
    assert (newest.actor_id, newest.subject, newest.at) == (7, "user:2", later.now())
    assert oldest.before == "x" * audit.VALUE_MAX and oldest.after is None
    assert len(oldest.subject) == audit.TEXT_MAX


# --- the migration ------------------------------------------------------------------------------------------


async def test_the_migration_fills_in_why_people_have_their_role(engine: AsyncEngine) -> None:
    """Helpers and organizers who used an invitation of their role got it by invite; every other organizer
    can only have come from ORGANIZER_IDS, which decides about them from then on."""
    await downgrade(engine, "0001_foundation")  # also takes 0010_roles_audit back: column and table go
    at = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    async with engine.begin() as conn:
        for uid, role in ((40, ORGANIZER), (41, ORGANIZER), (42, HELPER), (43, HELPER), (44, VISITOR)):
            await conn.execute(
                text("INSERT INTO users (id, role, is_active, created_at) VALUES (:id, :role, TRUE, :at)"),
                {"id": uid, "role": role, "at": at},
            )
        for code, role, used_by in (("inv-a", ORGANIZER, 41), ("inv-b", HELPER, 42), ("inv-c", HELPER, 40)):
            await conn.execute(
                text(
                    "INSERT INTO invites (code, role, created_at, expires_at, used_at, used_by) "
                    "VALUES (:code, :role, :at, :at, :at, :used_by)"
                ),
                {"code": code, "role": role, "at": at, "used_by": used_by},
            )
    await upgrade(engine)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, role_source FROM users ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(40, CONFIG), (41, INVITE), (42, INVITE), (43, None), (44, None)]
        assert (await conn.execute(text("SELECT count(*) FROM audit_log"))).scalar() == 0


# --- the command line -----------------------------------------------------------------------------------


def test_users_demote_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ORGANIZER_IDS", str(ORG))
    monkeypatch.chdir(tmp_path)  # no .env of the developer

    async def seed() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            clock = FrozenClock(datetime(2026, 3, 23, tzinfo=UTC))
            await users_service.ensure_user(session, ORG, clock, [ORG])
            await add_helper(session, clock, HELPER_A, ["fa"], ["north"])
            await session.commit()
        await engine.dispose()

    asyncio.run(seed())
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out.split("\n")[:2] == [
        f"{ORG} organizer (ORGANIZER_IDS)",
        f"{HELPER_A} helper fa",
    ]
    assert main(["users", "demote", str(ORG)]) == 1
    assert "ORGANIZER_IDS" in capsys.readouterr().out
    assert main(["users", "demote", str(HELPER_A)]) == 0
    assert "is a visitor now" in capsys.readouterr().out
    assert main(["users", "demote", str(HELPER_A)]) == 1
    assert "is not a helper or organizer" in capsys.readouterr().out
