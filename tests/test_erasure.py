"""Erasure that erases (issue 13), on SQLite and PostgreSQL (and Redis for dialog state).

After `erase_user` a full dump of every table, and every Redis key, holds no trace of the person: not
their Telegram id, not the words of their questions, their booking note, their helper note or their done
note, not their phone number, not the staff label an organizer typed for them. Their open questions are
withdrawn (the relay in the helpers' chat is edited to say so, a helper's reply learns it), and the
relay of a question that never left is cancelled and emptied.

Every table of the metadata, and every Redis key the code writes, must be declared in the erasure
registry (bot.services.erasure): a new table or key fails here until someone decides how it is erased.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import storage.models  # noqa: F401  (every table)
from bot import audit, conversations, logs, tickets
from bot import users as users_service
from bot.assignments import profiles
from bot.booking import services as booking
from bot.clock import FrozenClock
from bot.delivery.outbox import enqueue
from bot.faq import feedback
from bot.services import erasure
from storage.base import Base
from storage.models import (
    Assignment,
    AssignmentDetails,
    Attendance,
    Counsellor,
    Event,
    FaqUnanswered,
    Invite,
    OutboxMessage,
    Subscription,
    Ticket,
    Topic,
)
from tests.test_booking_support import COUNSELLOR_ID, person, settings, setup, slots
from tests.test_tickets import _deliver, _rows

ROOT = Path(__file__).resolve().parent.parent
CONF = settings()
HELPERS = -100777
ORGANIZER, OTHER = 9001, 9002
PHONE = "0151 2345678"
SENT_QUESTION = f"Mein Vermieter droht mir, bitte ruft mich an: {PHONE}"
ANSWERED_QUESTION = "Wer hilft mir beim Antrag auf Wohngeld, Zimmer 12?"
KEPT_QUESTION = "Wo bekomme ich einen Kitaplatz für Malak?"
DOWNVOTED = "Frage nach dem Jobcenter in Lehrte, Akte 4711-XY"
NOTE = f"Brauche Dolmetscher, Tel {PHONE}"
HELPER_NOTE = "Montags ab 17 Uhr, Auto vorhanden (Kennzeichen H-XY 123)"
DONE_NOTE = "Mit Frau Samadi beim Amt gewesen, alles gut"
LABEL = "Beraterin Frau Samadi"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def a_person() -> int:
    """A Telegram id no other row or key holds (so a substring search for it is meaningful)."""
    return int("8" + str(uuid.uuid4().int)[:11])


# --- the registry --------------------------------------------------------------------------------------


def test_every_table_is_declared_in_the_erasure_registry() -> None:
    tables = set(Base.metadata.tables)
    declared = set(erasure.TABLES)
    assert tables - declared == set(), f"tables nobody decided how to erase: {sorted(tables - declared)}"
    assert declared - tables == set(), f"registry names tables that do not exist: {sorted(declared - tables)}"
    for name, table in Base.metadata.tables.items():
        rule = erasure.TABLES[name]
        assert rule.how in (erasure.DELETED, erasure.ANONYMISED, erasure.NOT_PERSONAL), name
        assert rule.why.strip(), name
        to_users = [
            c.name for c in table.columns if any(fk.column.table.name == "users" for fk in c.foreign_keys)
        ]
        if to_users or name == "users":
            assert rule.how != erasure.NOT_PERSONAL, f"{name} links to users: it must be erased"
        for column in rule.by:
            assert column in table.columns, f"{name}.{column} in the registry does not exist"


def test_every_redis_key_the_code_writes_is_declared() -> None:
    """Keys are `<prefix>:<kind>:...` (the bot's prefix `hnb[:<bot id>]`) or aiogram's FSM keys."""
    written: set[str] = {erasure.FSM_PREFIX}
    kinds = re.compile(r"""f["']\{self\.prefix\}:([a-z_]+):|["']hnb:([a-z_]+):""")
    for folder in ("bot", "handlers", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in kinds.finditer(path.read_text(encoding="utf-8")):
                written.add(match.group(1) or match.group(2))
    assert {"update", "throttle"} <= written  # the search still finds what the code writes
    assert written - set(erasure.REDIS_KEYS) == set(), "Redis keys nobody decided how to erase"
    assert erasure.REDIS_KEYS[erasure.FSM_PREFIX].how == erasure.DELETED


# --- a person with a trace in every corner --------------------------------------------------------------


async def seed_person(session: AsyncSession, clock: FrozenClock, pid: int) -> dict[str, int]:
    """The person `pid` books with a note, asks questions (one answered, one open and relayed, one kept,
    one downvoted), is a helper with a note and a done assignment, a counsellor with a label, attends an event,
    subscribes, redeemed an invite and has messages queued. OTHER does some of it too and must keep it."""
    await setup(session, clock, CONF)
    await person(session, clock, ORGANIZER, "de", role=users_service.ORGANIZER)
    await person(session, clock, pid, "fa", role=users_service.HELPER)
    await person(session, clock, OTHER, "ar")
    free = await slots(session)
    mine = await booking.book(session, clock, CONF, user_id=pid, slot_id=free[0].id, note=NOTE)
    await booking.book(session, clock, CONF, user_id=OTHER, slot_id=free[1].id, note="Andere Notiz")
    # questions to a person (one open at a time): the first was answered, the second is open and its
    # relay was sent (message 77 in the helpers' chat)
    answered = await tickets.open_ticket(
        session, clock, kind=tickets.QUESTION, chat_id=HELPERS, lang="fa", asker_id=pid,
        text=ANSWERED_QUESTION, relay_lang="de",
    )  # fmt: skip
    await session.commit()
    [first_relay] = await _rows(session, answered.id)
    await _deliver(session, first_relay, "sent", 76)
    await conversations.add_from_helper(
        session, clock, answered, text="Im Rathaus, Zimmer 3", original=None, written_in="de",
        untranslated=False, helper_name=None, source_message_id=5,
    )  # fmt: skip
    asker = await users_service.find_user(session, pid)
    assert asker is not None
    await tickets.close(session, clock, answered.id, tickets.ClosedBy.ASKER, asker)
    sent = await tickets.open_ticket(
        session, clock, kind=tickets.QUESTION, chat_id=HELPERS, lang="fa", asker_id=pid,
        text=SENT_QUESTION, relay_lang="de", translation=SENT_QUESTION + " (DE)",
    )  # fmt: skip
    await session.commit()
    [relay] = await _rows(session, sent.id)
    await _deliver(session, relay, "sent", 77)
    await conversations.add_from_asker(  # a later message joins the conversation
        session, clock, sent, text=f"Noch etwas: {PHONE}", lang="de", translation=None, helpers_lang="de",
        source_message_id=6,
    )  # fmt: skip
    # kept before they asked a person (no link to them), then linked to the ticket it became
    handed_id = await feedback.keep_unanswered(
        session, clock, text=ANSWERED_QUESTION, lang="de", reason=feedback.NO_MATCH
    )
    assert await feedback.link_to_ticket(session, handed_id, answered.id, ANSWERED_QUESTION)
    await feedback.keep_unanswered(
        session, clock, text=KEPT_QUESTION, lang="de", reason=feedback.NO_MATCH, user_id=pid
    )
    token = logs.bind(1, pid, (DOWNVOTED,))  # kept while handling the person's own update
    try:
        await feedback.keep_unanswered(
            session, clock, text=DOWNVOTED, lang="de", reason=feedback.DOWNVOTE, slug="jobcenter"
        )
    finally:
        logs.unbind(token)
    await feedback.keep_unanswered(session, clock, text="Anonyme Frage", lang="de", reason=feedback.NO_MATCH)
    # helper, counsellor, assignment
    user = await users_service.find_user(session, pid)
    assert user is not None
    await profiles.set_note(session, clock, user, HELPER_NOTE)
    session.add(Counsellor(key="samadi", label=LABEL, user_id=pid))
    job = Assignment(
        created_by=ORGANIZER, kind="accompany", language="fa", area="any", description="Begleitung zum Amt",
        status="done", assignee_id=pid, round=1, returned_by=pid, offered_at=clock.now(),
        done_at=clock.now(), done_note=DONE_NOTE, created_at=clock.now(),
    )  # fmt: skip
    session.add(job)
    await session.flush()
    session.add(AssignmentDetails(assignment_id=job.id, text="Adresse: Hauptstr. 1"))
    # the organizer's notices about the helper: "done" with the note, and a reminder naming the helper
    await enqueue(
        session, clock, chat_id=ORGANIZER, user_id=ORGANIZER, kind="assignment_notice",
        data={"event": "done", "a": {"id": job.id}, "helper": pid, "note": DONE_NOTE},
        ref=f"assign:{job.id}", dedupe_key=f"assign:{job.id}:done",
    )  # fmt: skip
    await enqueue(
        session, clock, chat_id=ORGANIZER, user_id=ORGANIZER, kind="assignment_reminder",
        data={"a": {"id": job.id}, "to": "organizer", "helper": pid},
        ref=f"assign:{job.id}", dedupe_key=f"assign:{job.id}:remind:{pid}:organizer",
    )  # fmt: skip
    # events, subscriptions, invites, plain messages
    topic = (await session.scalars(select(Topic).order_by(Topic.id))).first()
    assert topic is not None
    session.add(Subscription(user_id=pid, topic_id=topic.id, created_at=clock.now()))
    session.add(Subscription(user_id=OTHER, topic_id=topic.id, created_at=clock.now()))
    event = Event(
        lang="de", title="Sprachcafé", body="", venue="Rathaus", starts_at=clock.now() + timedelta(days=3),
        ends_at=clock.now() + timedelta(days=3, hours=2), created_by=ORGANIZER, created_at=clock.now(),
    )  # fmt: skip
    session.add(event)
    await session.flush()
    session.add(Attendance(event_id=event.id, user_id=pid, created_at=clock.now(), reminder_key=f"ev:{pid}"))
    session.add(
        Invite(
            code="inv-erasure", role="helper", created_by=ORGANIZER, created_at=clock.now(),
            expires_at=clock.now() + timedelta(days=1), used_at=clock.now(), used_by=pid,
        )
    )  # fmt: skip
    # audit lines that name them: as the subject (their invitation) and as the actor (they removed OTHER)
    await audit.audit(
        session, clock, ORGANIZER, audit.ROLE_INVITE, audit.user_subject(pid), "visitor", "helper"
    )
    await audit.audit(session, clock, pid, audit.ROLE_REMOVED, audit.user_subject(OTHER), "helper", "visitor")
    await enqueue(session, clock, chat_id=pid, user_id=pid, kind="raw", data={"text": NOTE})
    await enqueue(session, clock, chat_id=pid, kind="raw", data={"text": "edit"}, dedupe_key=f"x:{pid}")
    await session.commit()
    return {"booking": mine.id, "answered": answered.id, "sent": sent.id, "assignment": job.id}


async def dump(session: AsyncSession) -> list[tuple[str, str]]:
    """Every value of every row of every table, as text: (table, value)."""
    found: list[tuple[str, str]] = []
    for table in Base.metadata.sorted_tables:
        for row in (await session.execute(select(table))).all():
            for value in row:
                if value is None:
                    continue
                shown = (
                    json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
                )
                found.append((table.name, shown))
    return found


def traces(rows: list[tuple[str, str]], needles: list[str]) -> list[tuple[str, str]]:
    return [(table, value) for table, value in rows for needle in needles if needle in value]


async def test_after_erasure_no_table_holds_a_trace_of_the_person(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    pid = a_person()
    needles = [
        str(pid),
        SENT_QUESTION,
        ANSWERED_QUESTION,
        "Im Rathaus, Zimmer 3",
        KEPT_QUESTION,
        DOWNVOTED,
        NOTE,
        PHONE,
        HELPER_NOTE,
    ]
    needles += [DONE_NOTE, LABEL, logs.user_hash(pid)]
    async with sessionmaker() as session:
        ids = await seed_person(session, clock, pid)
        before = await dump(session)
        assert {table for table, _ in traces(before, needles)} >= {
            "users", "bookings", "tickets", "outbox", "faq_unanswered", "helper_profiles",
            "booking_counsellors", "assignments", "subscriptions", "attendances", "invites", "audit_log",
        }  # fmt: skip
    async with sessionmaker() as session:
        await erasure.erase_user(session, pid, clock)
    async with sessionmaker() as session:
        after = await dump(session)
        assert traces(after, needles) == []
        # the others keep theirs
        assert traces(after, ["Andere Notiz", "Anonyme Frage", "Begleitung zum Amt", "Adresse: Hauptstr. 1"])
        assert await users_service.find_user(session, OTHER) is not None
        assert await users_service.find_user(session, COUNSELLOR_ID) is not None
        assert (await session.scalars(select(FaqUnanswered.text))).all() == ["Anonyme Frage"]
        # the open question is withdrawn: its relay is edited to say so (its button goes); the answered
        # one stays a number; the organizer still hears that the assignment was done (without who)
        tickets_left = {t.id: t for t in (await session.scalars(select(Ticket))).all()}
        assert {(t.status, t.asker_id, t.text) for t in tickets_left.values()} == {
            ("withdrawn", None, None),
            ("closed", None, None),
        }
        assert tickets_left[ids["sent"]].status == "withdrawn"
        edits = [r for r in await _rows(session, ids["sent"]) if r.kind == tickets.WITHDRAWN_KIND]
        assert [(r.chat_id, r.method, r.status, r.payload["message_id"]) for r in edits] == [
            (HELPERS, "editMessageText", "pending", 77)
        ]
        assert {r.kind for r in await _rows(session, ids["answered"])} == {
            "ticket_question", "ticket_state", "ticket_notice"
        }  # fmt: skip
        notices = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == ORGANIZER))
        ).all()
        assert sorted(r.kind for r in notices) == ["assignment_notice", "assignment_reminder"]
        assert all("helper" not in r.payload and "note" not in r.payload for r in notices)
        # a helper who answers the withdrawn question learns that it was withdrawn
        found = await tickets.find_by_relay(session, HELPERS, 77)
        assert found is not None
        assert found.status == tickets.WITHDRAWN
        late = await conversations.add_from_helper(
            session, clock, found, text="Hallo", original=None, written_in="de", untranslated=False,
            helper_name=None, source_message_id=1,
        )  # fmt: skip
        assert late is None


async def test_erasure_cancels_a_relay_still_queued(session: AsyncSession, clock: FrozenClock) -> None:
    pid = a_person()
    await person(session, clock, pid, "uk")
    ticket = await tickets.open_ticket(
        session, clock, kind=tickets.QUESTION, chat_id=HELPERS, lang="uk", asker_id=pid,
        text=SENT_QUESTION, relay_lang="de", translation="übersetzt",
    )  # fmt: skip
    await session.commit()
    await erasure.erase_user(session, pid, clock)
    rows = await _rows(session, ticket.id)
    assert [(r.kind, r.status, r.payload) for r in rows] == [("ticket_question", "cancelled", {})]
    stored = await session.get(Ticket, ticket.id, populate_existing=True)
    assert stored is not None and (stored.status, stored.asker_id, stored.text) == ("withdrawn", None, None)


async def test_erasure_deletes_the_counsellor_label_but_keeps_the_slots(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    before = len(await slots(session))
    assert (await session.scalars(select(Counsellor.user_id))).all() == [COUNSELLOR_ID]
    await erasure.erase_user(session, COUNSELLOR_ID, clock)
    assert (await session.scalars(select(Counsellor))).all() == []
    assert len(await slots(session)) == before


# --- Redis: dialog state -------------------------------------------------------------------------------


@pytest.fixture
async def redis() -> Any:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # no Redis here
        await client.aclose()
        pytest.skip(f"no Redis at {REDIS_URL}: {type(exc).__name__}")
    yield client
    await client.aclose()


@pytest.mark.parametrize("with_bot_id", [True, False])
async def test_erasure_deletes_the_persons_dialog_state_in_redis(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, redis: Any, with_bot_id: bool
) -> None:
    from aiogram.fsm.storage.base import StorageKey
    from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage

    pid, other, group, bot_id = a_person(), a_person(), -100_000_000_000 - a_person() % 1000, 12345
    builder = DefaultKeyBuilder(with_destiny=True, with_bot_id=with_bot_id)  # bot/ops/redis.py: with the id
    storage = RedisStorage(redis, key_builder=builder)
    throttled = {who: f"hnb:{bot_id}:throttle:{who}:4242" for who in (pid, other)}
    keys = {
        "private": StorageKey(bot_id, pid, pid),
        "group": StorageKey(bot_id, group, pid),
        "thread": StorageKey(bot_id, group, pid, thread_id=other),
        "other": StorageKey(bot_id, other, other),
        "other_in_group": StorageKey(bot_id, group, other, thread_id=pid),
    }
    try:
        for key in keys.values():
            await storage.set_state(key, "BookingForm:note")
            await storage.set_data(key, {"note": NOTE, "phone": PHONE})
        for name in throttled.values():
            await redis.set(name, 3, ex=60)
        async with sessionmaker() as session:
            await person(session, clock, pid)
            await session.commit()
        async with sessionmaker() as session:
            await erasure.erase_user(session, pid, clock, redis=redis)
        left = sorted([k.decode() async for k in redis.scan_iter(match=f"*{pid}*")])
        # what is left is the other person's state in the thread whose id happens to be `pid`
        assert len(left) == 2 and all(k.split(":")[-3] == str(other) for k in left), left
        assert await redis.exists(throttled[pid]) == 0 and await redis.exists(throttled[other]) == 1
        for name in ("private", "group", "thread"):
            assert await storage.get_data(keys[name]) == {}, name
            assert await storage.get_state(keys[name]) is None, name
        for name in ("other", "other_in_group"):
            assert await storage.get_data(keys[name]) == {"note": NOTE, "phone": PHONE}, name
    finally:
        for key in keys.values():
            await storage.set_state(key, None)
            await storage.set_data(key, {})
        await redis.delete(*throttled.values())


async def test_dialog_state_erasure_survives_a_dead_redis() -> None:
    class Dead:
        def scan_iter(self, **_kw: Any) -> Any:
            raise ConnectionError("refused")

    assert await erasure.erase_dialog_state(Dead(), 42) == 0
    assert await erasure.erase_dialog_state(None, 42) == 0


# --- in the running bot ---------------------------------------------------------------------------------


async def test_deletedata_in_the_bot_deletes_the_persons_kept_questions(db_kind: str, tmp_path: Path) -> None:
    """A question the bot could not answer is kept linked to its asker (the update's sender), so their
    /deletedata deletes it; the others' kept questions stay."""
    from bot.config import load_settings
    from bot.faq.service import build_service
    from tests.e2e.harness import buttons, running_bot

    build_service(load_settings(_env_file=None))  # the FAQ loaded, as at start-up
    questions = {208: "کی جام جهانی فوتبال ۲۰۱۴ را برد؟", 209: "کی جام جهانی فوتبال ۲۰۱۰ را برد؟"}
    async with running_bot(db_kind, tmp_path) as bot:
        for uid, question in questions.items():
            bot.user(uid, language_code="fa")
            await bot.say(uid, "/start lang-fa")
            await bot.say(uid, question, timeout=10.0)
        await bot.settle()
        async with bot.app.sessionmaker() as session:
            kept = (await session.scalars(select(FaqUnanswered))).all()
            # the two people write at the same time: their questions may be stored in either order
            assert {(r.text, r.asker_hash) for r in kept} == {
                (questions[208], logs.user_hash(208)),
                (questions[209], logs.user_hash(209)),
            }
        confirm = await bot.say(208, "/deletedata")
        await bot.press(208, confirm, buttons(confirm)[0][1])
        await bot.settle()
        async with bot.app.sessionmaker() as session:
            left = (await session.scalars(select(FaqUnanswered.asker_hash))).all()
            assert left == [logs.user_hash(209)]
