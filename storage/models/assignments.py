"""Helpers' profiles and assignments (accompaniment, interpreting, letters, ...).

The exact address and contact of an assignment live in their own table (`assignment_details`), read only
through `bot.assignments.service.details_for`, which checks that the reader is the assignee or an organizer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime
from storage.models.core import BigId


class HelperProfile(Base):
    """What a helper offers: languages, areas, a short availability note, a pause ("no alerts until")."""

    __tablename__ = "helper_profiles"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    areas: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(200))
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Assignment(Base):
    """One request for a helper. Its description holds no personal data (see AssignmentDetails)."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_status_starts", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    area: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: flexible
    description: Mapped[str] = mapped_column(String(400))
    # open → taken → done; open/taken → cancelled; taken → open again when handed back
    status: Mapped[str] = mapped_column(String(12), default="open")
    assignee_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Each offer (first one, and again after a hand-back) is a round; alerts are keyed by it.
    round: Mapped[int] = mapped_column(Integer, default=1)
    returned_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unused since reminders come from bot/reminders.py (their dedupe keys say what was queued); the
    # column stays for the databases that have it.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssignmentDetails(Base):
    """The exact address and contact: stored apart, shown only to the assignee (and organizers)."""

    __tablename__ = "assignment_details"

    assignment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    text: Mapped[str] = mapped_column(String(1000))
