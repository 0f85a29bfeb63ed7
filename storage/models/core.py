"""Users, roles, helper invites, the audit log and the outbox of the delivery engine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a real bigint.
BigId = BigInteger().with_variant(Integer, "sqlite")


class User(Base):
    """Only what the bot needs: Telegram id, language, role, consent time (privacy by default)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(5))
    role: Mapped[str] = mapped_column(String(16), default="visitor", server_default="visitor")
    # Why they have their role: "config" (ORGANIZER_IDS, which may take it back), "invite", or None.
    role_source: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # False once Telegram answered 403 (the user blocked the bot): nothing is sent any more.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class Invite(Base):
    """A one-time, expiring deep-link code that gives its redeemer a role."""

    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))


class AuditEntry(Base):
    """Who changed what about whom, and when (role changes, removals): short facts, never message texts.

    `actor_id` is no foreign key: the log outlives the people in it; erasure unlinks them (actor NULL,
    subject "user:erased")."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # None: the bot itself (config)
    action: Mapped[str] = mapped_column(String(32))  # e.g. "role.removed"
    subject: Mapped[str] = mapped_column(String(64), index=True)  # e.g. "user:123"
    # what it was and became: a role, or a whole edited answer from the console (bot.audit.VALUE_MAX)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """One message to one chat, sent by the delivery engine; the database is the source of truth."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # Set when the chat is a person's private chat, so erasing the person erases their messages.
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    # Unique per logical message (e.g. "reminder:17:24h") so nothing is queued twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    method: Mapped[str] = mapped_column(String(32), default="sendMessage")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    lang: Mapped[str | None] = mapped_column(String(5))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Counter(Base):
    """A named number that only grows (`storage.repositories.counters.next_value`): ticket numbers come from
    here, so a number is never given twice, even after its ticket was deleted (retention, erasure)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
