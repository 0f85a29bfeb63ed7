"""Consultation booking: topics, venues, counsellors, schedule rules, closures, slots, bookings, waitlist.

Topics, venues and the schedule come from the organizers (`python -m bot slots import`, /slots); nothing
is seeded here.

Revision ID: 0004_booking
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_booking"
down_revision = "0001_foundation"
branch_labels = ("booking",)
depends_on = None

TS = sa.DateTime(timezone=True)
ACTIVE = sa.text("status = 'booked'")


def upgrade() -> None:
    op.create_table(
        "booking_topics",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("emoji", sa.String(8), nullable=False, server_default=""),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "booking_venues",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "booking_counsellors",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
    )
    op.create_index("ix_booking_counsellors_user_id", "booking_counsellors", ["user_id"])
    op.create_table(
        "booking_rules",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("weekday", sa.Integer()),
        sa.Column("on_date", sa.Date()),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column(
            "topic_id", sa.Integer(), sa.ForeignKey("booking_topics.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "venue_id", sa.Integer(), sa.ForeignKey("booking_venues.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "counsellor_id", sa.Integer(), sa.ForeignKey("booking_counsellors.id", ondelete="SET NULL")
        ),
        sa.Column("valid_from", sa.Date()),
        sa.Column("valid_until", sa.Date()),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("slot_minutes > 0", name="slot_minutes"),
        sa.CheckConstraint("capacity > 0", name="capacity"),
    )
    op.create_index("ix_booking_rules_topic_id", "booking_rules", ["topic_id"])
    op.create_table(
        "booking_closures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("booking_topics.id", ondelete="CASCADE")),
        sa.Column("venue_id", sa.Integer(), sa.ForeignKey("booking_venues.id", ondelete="CASCADE")),
        sa.Column("reason", sa.String(120)),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_booking_closures_on_date", "booking_closures", ["on_date"])
    op.create_table(
        "booking_slots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("rule_id", sa.Integer(), sa.ForeignKey("booking_rules.id", ondelete="SET NULL")),
        sa.Column(
            "topic_id", sa.Integer(), sa.ForeignKey("booking_topics.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "venue_id", sa.Integer(), sa.ForeignKey("booking_venues.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "counsellor_id", sa.Integer(), sa.ForeignKey("booking_counsellors.id", ondelete="SET NULL")
        ),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("rule_id", "starts_at", name="uq_booking_slots_rule_start"),
        sa.CheckConstraint("capacity > 0", name="capacity"),
    )
    op.create_index("ix_booking_slots_topic_start", "booking_slots", ["topic_id", "starts_at"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "slot_id", sa.Integer(), sa.ForeignKey("booking_slots.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("interpreter", sa.String(8)),
        sa.Column("note", sa.String(200)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("confirmed_at", TS),
        sa.Column("cancelled_at", TS),
        sa.Column("cancelled_by", sa.String(12)),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_bookings_slot_id", "bookings", ["slot_id"])
    op.create_index("ix_bookings_user_status", "bookings", ["user_id", "status"])
    op.create_index(
        "uq_bookings_active_slot_user",
        "bookings",
        ["slot_id", "user_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "booking_waitlist",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "topic_id", sa.Integer(), sa.ForeignKey("booking_topics.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("interpreter", sa.String(8)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("offered_slot_id", sa.Integer(), sa.ForeignKey("booking_slots.id", ondelete="SET NULL")),
        sa.Column("offer_expires_at", TS),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.UniqueConstraint("topic_id", "user_id", name="uq_booking_waitlist_topic_user"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_booking_waitlist_user_id", "booking_waitlist", ["user_id"])
    op.create_index("ix_booking_waitlist_offer", "booking_waitlist", ["offered_slot_id", "status"])


def downgrade() -> None:
    op.drop_table("booking_waitlist")
    op.drop_table("bookings")
    op.drop_table("booking_slots")
    op.drop_table("booking_closures")
    op.drop_table("booking_rules")
    op.drop_table("booking_counsellors")
    op.drop_table("booking_venues")
    op.drop_table("booking_topics")
