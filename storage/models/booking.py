"""Consultation booking: topics, venues, counsellors, schedule rules, closures, slots, bookings, waitlist.

Times of day in rules and closure dates are local (the configured zone); slot times are UTC instants.
A slot's taken places are derived (active bookings + unexpired waitlist holds), never a stored counter,
so erasing a person (ON DELETE CASCADE) frees their place at once.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime

# A booking or waitlist id ends up in outbox dedupe keys: never reuse one (SQLite reuses the largest
# rowid after a delete unless AUTOINCREMENT is set).
NO_ID_REUSE = {"sqlite_autoincrement": True}


class BookingTopic(Base):
    """What a person wants counselling on (work, training, housing, papers, general)."""

    __tablename__ = "booking_topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON)  # language code -> name
    emoji: Mapped[str] = mapped_column(String(8), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Venue(Base):
    __tablename__ = "booking_venues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)


class Counsellor(Base):
    """A helper or organizer who counsels; linked by Telegram id, with a label the organizer typed."""

    __tablename__ = "booking_counsellors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class ScheduleRule(Base):
    """A weekly rule (weekday + local times) or a one-off date that produces slots."""

    __tablename__ = "booking_rules"
    __table_args__ = (
        CheckConstraint("slot_minutes > 0", name="slot_minutes"),
        CheckConstraint("capacity > 0", name="capacity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # "weekly" | "once"
    weekday: Mapped[int | None] = mapped_column(Integer)  # 0 = Monday (weekly)
    on_date: Mapped[date | None] = mapped_column(Date)  # (once)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    topic_id: Mapped[int] = mapped_column(ForeignKey("booking_topics.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("booking_venues.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_counsellors.id", ondelete="SET NULL")
    )
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Closure(Base):
    """A local date without counselling (holiday), for everything or one topic / venue."""

    __tablename__ = "booking_closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    on_date: Mapped[date] = mapped_column(Date, index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("booking_topics.id", ondelete="CASCADE"))
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("booking_venues.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Slot(Base):
    """One bookable time. status: open (bookable), closed (by the schedule: closure, paused or changed
    rule; may open again), cancelled (by an organizer; final)."""

    __tablename__ = "booking_slots"
    __table_args__ = (
        UniqueConstraint("rule_id", "starts_at", name="uq_booking_slots_rule_start"),
        Index("ix_booking_slots_topic_start", "topic_id", "starts_at"),
        CheckConstraint("capacity > 0", name="capacity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("booking_rules.id", ondelete="SET NULL"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("booking_topics.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("booking_venues.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_counsellors.id", ondelete="SET NULL")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Booking(Base):
    """A person's appointment. Cancelled rows stay (their id is in outbox keys); the person's erasure
    deletes them."""

    __tablename__ = "bookings"
    __table_args__ = (
        # one active booking per person and slot; cancelled ones do not count
        Index(
            "uq_bookings_active_slot_user",
            "slot_id",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index("ix_bookings_user_status", "user_id", "status"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("booking_slots.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="booked")  # booked | cancelled
    interpreter: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(12))  # person | organizer
    # Did the person come? True, False (a no-show), None: nobody said (/agenda; 0017_faq_stats)
    attended: Mapped[bool | None] = mapped_column(Boolean)


class WaitlistEntry(Base):
    """A person waiting for a topic. status: waiting, offered (holds `offered_slot_id` until
    `offer_expires_at`), booked, lapsed (offer not taken), left."""

    __tablename__ = "booking_waitlist"
    __table_args__ = (
        UniqueConstraint("topic_id", "user_id", name="uq_booking_waitlist_topic_user"),
        Index("ix_booking_waitlist_offer", "offered_slot_id", "status"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("booking_topics.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    interpreter: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    offered_slot_id: Mapped[int | None] = mapped_column(ForeignKey("booking_slots.id", ondelete="SET NULL"))
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offers: Mapped[int] = mapped_column(Integer, default=0)
