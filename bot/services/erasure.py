"""Erasure (/deletedata): every row and Redis key that can identify a person or carries their words goes.

One registry says how each table and each Redis key is erased: `TABLES` (every table of storage.models)
and `REDIS_KEYS`. tests/test_erasure.py fails when a table or a key is added without an entry here, and
checks on both engines that after `erase` a dump of every table and key has no trace of the person.

What happens, in one transaction (`erase`):
- their open questions are withdrawn: a relay still queued never leaves, a sent one is edited in the
  helpers' chat to say "withdrawn" (its 🙋 button goes), and a helper's reply is told so; the
  conversations of all their questions (ticket_messages, with the references of their voice messages and
  photos) are deleted, and copies of them still queued never leave;
- every outbox copy of their questions and of the answers is emptied (relays carry no user id), every
  message to them is deleted, and notices to organizers about them lose their id and their note;
- their kept FAQ questions are deleted (linked by their id while open, their keyed hash or their ticket);
- their tickets stay as numbers without asker or text, their done notes and staff labels go;
- audit lines stay (what happened, when) without them: actor NULL, their subject "user:erased";
- then their user row: foreign keys delete (ON DELETE CASCADE) or unlink (SET NULL) the rest.
Dialog state in Redis is deleted afterwards (`erase_dialog_state`), and expires anyway (DIALOG_TTL_HOURS,
bot/ops/redis.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from bot import tickets
from bot.audit import ERASED_SUBJECT, user_subject
from bot.booking.appointments import counsellor_news_key
from bot.clock import Clock
from bot.delivery import outbox
from bot.logs import user_hash
from storage.repositories import erasure as repo
from storage.repositories import users as users_repo

log = logging.getLogger(__name__)

DELETED, ANONYMISED, NOT_PERSONAL = "deleted", "anonymised", "not personal"


@dataclass(frozen=True)
class Rule:
    how: str  # DELETED | ANONYMISED | NOT_PERSONAL
    why: str
    by: tuple[str, ...] = ()  # the columns that link a row to the person


TABLES: dict[str, Rule] = {
    "users": Rule(DELETED, "the person's own row", ("id",)),
    "invites": Rule(ANONYMISED, "the code stays; who made or used it is unlinked", ("created_by", "used_by")),
    "outbox": Rule(
        DELETED,
        "messages to the person (their id, or their private chat) are deleted; copies of their questions are "
        "emptied; notices about them to organizers lose their id and note",
        ("user_id", "chat_id"),
    ),
    "tickets": Rule(
        ANONYMISED, "withdrawn if open; asker, text and translation cleared", ("asker_id", "taken_by")
    ),
    "ticket_messages": Rule(
        DELETED,
        "the conversations of their questions: what they and the helpers wrote, and the references (chat and "
        "message id) of the voice messages, photos … copied between them (the files are never stored)",
        ("ticket_id",),
    ),
    "counters": Rule(
        NOT_PERSONAL,
        "the last number given (to tickets): never given again; the FAQ content's version, the month of "
        "the last stale-facts message",
    ),
    "faq_votes": Rule(NOT_PERSONAL, "answer, language, vote and day, nothing about who"),
    "faq_stats": Rule(
        NOT_PERSONAL, "counts of questions per day, language, topic and outcome: no text, no id, no hash"
    ),
    "faq_unanswered": Rule(
        DELETED,
        "their kept questions (with the id kept while one is open, so an organizer can answer it)",
        ("asker_id", "asker_hash", "ticket_id"),
    ),
    "faq_topics": Rule(
        ANONYMISED, "the FAQ's public content stays; who changed it last is unlinked", ("updated_by",)
    ),
    "faq_entries": Rule(
        ANONYMISED, "the FAQ's public content stays; who changed it last is unlinked", ("updated_by",)
    ),
    "faq_examples": Rule(
        NOT_PERSONAL,
        "example questions organizers chose from /unanswered: the text only, no user id, hash or link to the "
        "kept question (organizers are asked to choose none with personal details)",
    ),
    "local_facts": Rule(
        ANONYMISED,
        "the association's addresses, hours and numbers stay; the organizer who last changed one is unlinked",
        ("updated_by",),
    ),
    "helper_profiles": Rule(DELETED, "their languages, areas and note", ("user_id",)),
    "assignments": Rule(
        ANONYMISED,
        "who created, took or handed it back is unlinked; the assignee's done note is cleared",
        ("created_by", "assignee_id", "returned_by"),
    ),
    "assignment_details": Rule(NOT_PERSONAL, "the contact of the person helped, deleted with its assignment"),
    "booking_topics": Rule(NOT_PERSONAL, "what counselling is offered"),
    "booking_venues": Rule(NOT_PERSONAL, "where counselling happens"),
    "booking_counsellors": Rule(DELETED, "the label an organizer typed for the person", ("user_id",)),
    "booking_rules": Rule(NOT_PERSONAL, "the weekly schedule (its counsellor is unlinked with the label)"),
    "booking_closures": Rule(NOT_PERSONAL, "days without counselling"),
    "booking_slots": Rule(NOT_PERSONAL, "bookable times (their counsellor is unlinked with the label)"),
    "bookings": Rule(DELETED, "their appointments and notes", ("user_id",)),
    "booking_waitlist": Rule(DELETED, "their places in line", ("user_id",)),
    "topics": Rule(ANONYMISED, "the topic stays; who created it is unlinked", ("created_by",)),
    "subscriptions": Rule(DELETED, "what they subscribed to", ("user_id",)),
    "events": Rule(ANONYMISED, "what organizers publish stays; who created it is unlinked", ("created_by",)),
    "event_texts": Rule(NOT_PERSONAL, "event titles and texts in further languages"),
    "attendances": Rule(DELETED, "the events they said they attend", ("user_id",)),
    "broadcasts": Rule(ANONYMISED, "what organizers sent stays; who created it is unlinked", ("created_by",)),
    "broadcast_texts": Rule(NOT_PERSONAL, "what organizers sent, per language"),
    "translation_cache": Rule(NOT_PERSONAL, "translations of public texts only (private ones bypass it)"),
    "console_logins": Rule(DELETED, "their login links to the web console (hashes only)", ("user_id",)),
    "console_sessions": Rule(DELETED, "their web console sessions (hashes only)", ("user_id",)),
    "audit_log": Rule(
        ANONYMISED,
        "what happened and when stays; who did it is unlinked and a subject naming them becomes user:erased",
        ("actor_id", "subject"),
    ),
}

# Redis keys by their kind: the FSM prefix of aiogram's DefaultKeyBuilder, and the segment after the
# bot's own prefix (`hnb[:<bot id>]:<kind>:...`).
FSM_PREFIX = "fsm"
REDIS_KEYS: dict[str, Rule] = {
    FSM_PREFIX: Rule(DELETED, "dialog state and data per chat and user (a booking note, an address)"),
    "throttle": Rule(DELETED, "a person's update count in the current throttle window"),
    "update": Rule(NOT_PERSONAL, "ids of updates already handled"),
}

# Payload keys that name a person in messages to someone else, and what goes with them.
MENTIONS = {"helper": ("helper", "note")}  # assignment notices and reminders to the organizer
MENTION_REFS = "assign:"


async def erase_user(
    session: AsyncSession, user_id: int, clock: Clock | None = None, *, redis: Any = None
) -> None:
    """/deletedata: erase the person in one transaction (committed here), then their Redis keys (`redis`:
    the app's client, None without Redis)."""
    await erase(session, clock or Clock(), user_id)
    await session.commit()
    await erase_dialog_state(redis, user_id)


async def erase(session: AsyncSession, clock: Clock, user_id: int) -> None:
    """Erase the person in the session's transaction (the caller commits)."""
    # The person's row first, like every other write for a person that may race with this one (booking,
    # handing a question over): one lock order, so the two never deadlock; the other one waits, or finds
    # the person gone.
    await users_repo.lock_user(session, user_id, deleting=True)
    for kind in await repo.active_ticket_kinds(session, user_id, tickets.ACTIVE):
        await tickets.withdraw(session, clock, user_id, kind)
    own_tickets = await repo.ticket_ids(session, user_id)
    await repo.delete_unanswered(session, user_id, user_hash(user_id), own_tickets)
    await repo.delete_ticket_messages(session, own_tickets)
    for ticket_id in own_tickets:  # still queued copies of their words never leave (a closed one's)
        for what in ("card", "msg", "relay"):  # the card's edits, later messages, the question's parts
            await outbox.cancel(session, key_prefix=f"{tickets.ref(ticket_id)}:{what}:")
    await repo.scrub_outbox_refs(
        session, [tickets.ref(t) for t in own_tickets], except_kinds=[tickets.WITHDRAWN_KIND]
    )
    await repo.anonymise_tickets(session, user_id)
    await tickets.release(session, clock, user_id)  # questions they had taken as a helper: open again
    await _forget_mentions(session, user_id)
    await _forget_booking_notes(session, user_id)
    await repo.delete_outbox_to(session, user_id)
    await repo.clear_done_notes(session, user_id)
    await repo.delete_counsellors(session, user_id)
    await repo.unlink_audit(session, user_id, user_subject(user_id), ERASED_SUBJECT)
    await users_repo.delete_user(session, user_id)


def may_be_raced_by_erasure(exc: BaseException) -> bool:
    """Is `exc` what a write for a person raises when their erasure committed first (a row referring to
    them, or their own row, is gone)? The caller then checks that the person is really gone."""
    return isinstance(exc, (IntegrityError, StaleDataError, ObjectDeletedError))


async def _forget_mentions(session: AsyncSession, user_id: int) -> None:
    """Messages to others that name the person: the notice still goes, without who and their words."""
    for row in await repo.outbox_mentioning(session, MENTION_REFS, str(user_id)):
        payload = dict(row.payload)
        dropped = {key for key, goes in MENTIONS.items() if payload.get(key) == user_id for key in goes}
        if not dropped:
            continue
        row.payload = {k: v for k, v in payload.items() if k not in dropped}
        if row.dedupe_key and str(user_id) in row.dedupe_key.split(":"):
            # the key only has to stay unique; the row's own id keeps it so
            row.dedupe_key = ":".join(
                f"erased{row.id}" if part == str(user_id) else part for part in row.dedupe_key.split(":")
            )
    await session.flush()


async def _forget_booking_notes(session: AsyncSession, user_id: int) -> None:
    """A notice about the person's booking still to go to those who hear of bookings ("moved", which
    carries the note): it goes without the note."""
    prefixes = [counsellor_news_key(booking_id) for booking_id in await repo.booking_ids(session, user_id)]
    for row in await repo.outbox_with_key_prefixes(session, prefixes):
        if row.payload and row.payload.get("note"):
            row.payload = {**row.payload, "note": None}
    await session.flush()


# --- Redis ---------------------------------------------------------------------------------------------


def _names_person(key: str, user_id: int, fsm_prefix: str) -> bool:
    parts = key.split(":")
    who = str(user_id)
    if key.startswith(fsm_prefix + ":"):
        # <prefix>[:<bot>]:<chat>[:<thread>]:<user>[:<destiny>]:<data|state|lock>; the destiny is "default"
        if parts[-1] not in ("data", "state", "lock") or len(parts) < 4:
            return False
        return (parts[-3] if parts[-2] == "default" else parts[-2]) == who
    # hnb[:<bot>]:throttle:<user>:<window>
    return any(part == "throttle" and parts[i + 1 : i + 2] == [who] for i, part in enumerate(parts))


async def erase_dialog_state(redis: Any, user_id: int, *, fsm_prefix: str = FSM_PREFIX) -> int:
    """Delete the person's Redis keys (dialog state in every chat, throttle counters); how many. Never
    raises: with Redis down the keys expire by themselves (DIALOG_TTL_HOURS)."""
    if redis is None:
        return 0
    try:
        doomed = [
            key
            async for key in redis.scan_iter(match=f"*:{user_id}:*", count=1000)
            if _names_person(key.decode() if isinstance(key, bytes) else str(key), user_id, fsm_prefix)
        ]
        if doomed:
            await redis.delete(*doomed)
    except Exception as exc:  # Redis down: one line, the erasure in the database stands
        log.warning("could not delete dialog state in Redis (%s); it expires by itself", type(exc).__name__)
        return 0
    return len(doomed)
