"""Topics, subscriptions, events, attendance, broadcasts (with texts per language), translation cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime
from storage.models.core import BigId

# A reference to a BigId column (an INTEGER on SQLite, a bigint on PostgreSQL).
BigRef = BigInteger().with_variant(Integer, "sqlite")


class Topic(Base):
    """What people subscribe to. Names in every language live here because organizers add topics."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str | None] = mapped_column(String(32), unique=True)  # set for the default topics
    emoji: Mapped[str] = mapped_column(String(16), default="📢")
    names: Mapped[dict[str, str]] = mapped_column(JSON)  # language code -> name
    source_lang: Mapped[str] = mapped_column(String(5))  # the language the names were first written in
    # Only people with at least this role see and get the topic (helper news is for helpers).
    min_role: Mapped[str] = mapped_column(String(16), default="visitor")
    sort: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Subscription(Base):
    __tablename__ = "subscriptions"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("topics.id", ondelete="SET NULL"))
    lang: Mapped[str] = mapped_column(String(5))  # language the organizer wrote title and text in
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    created_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventText(Base):
    """Title and text of an event in one more language (typed or machine-translated)."""

    __tablename__ = "event_texts"

    event_id: Mapped[int] = mapped_column(
        BigRef,
        ForeignKey("events.id", ondelete="CASCADE"),
        primary_key=True,
    )
    lang: Mapped[str] = mapped_column(String(5), primary_key=True)
    title: Mapped[str] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text, default="")
    machine: Mapped[bool] = mapped_column(Boolean, default=False)


class Attendance(Base):
    __tablename__ = "attendances"

    event_id: Mapped[int] = mapped_column(
        BigRef,
        ForeignKey("events.id", ondelete="CASCADE"),
        primary_key=True,
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A token per attendance, part of its reminders' dedupe keys (bot.broadcast.events.reminder_id): new
    # each time someone says "I'll come", so "I can't come" withdraws exactly this attendance's reminders.
    reminder_key: Mapped[str | None] = mapped_column(String(128))
    # How many people come with this registration (a family takes its places; 0020_event_party).
    people: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Broadcast(Base):
    """One announcement to the subscribers of a topic; expanded into outbox rows when due."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_state_scheduled", "state", "scheduled_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # draft | scheduled | sending | done | cancelled | held
    state: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    topic_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("topics.id", ondelete="SET NULL"))
    languages: Mapped[list[str] | None] = mapped_column(JSON)  # None: every language
    roles: Mapped[list[str] | None] = mapped_column(JSON)  # None: every role
    source_lang: Mapped[str | None] = mapped_column(String(5))
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    event_id: Mapped[int | None] = mapped_column(BigRef, ForeignKey("events.id", ondelete="SET NULL"))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int | None] = mapped_column(Integer)
    # Delivery totals, kept when it is done (its outbox rows go after OUTBOX_RETENTION_DAYS; 0017_faq_stats)
    delivered: Mapped[int | None] = mapped_column(Integer)
    blocked: Mapped[int | None] = mapped_column(Integer)
    failed: Mapped[int | None] = mapped_column(Integer)


class BroadcastText(Base):
    """The text of a broadcast in one language (Telegram HTML); `machine` marks machine translations."""

    __tablename__ = "broadcast_texts"

    broadcast_id: Mapped[int] = mapped_column(
        BigRef,
        ForeignKey("broadcasts.id", ondelete="CASCADE"),
        primary_key=True,
    )
    lang: Mapped[str] = mapped_column(String(5), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    machine: Mapped[bool] = mapped_column(Boolean, default=False)


class TranslationCache(Base):
    """Machine translations already fetched: (backend, source, target, hash of the text) -> translation."""

    __tablename__ = "translation_cache"
    __table_args__ = (UniqueConstraint("backend", "source", "target", "text_hash"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    backend: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    text_hash: Mapped[str] = mapped_column(String(64))
    translated: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
