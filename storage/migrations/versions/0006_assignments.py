"""Helpers' profiles, assignments and their private details.

Revision ID: 0006_assignments
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_assignments"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "helper_profiles",
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(200)),
        sa.Column("paused_until", TS),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("created_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("area", sa.String(16), nullable=False),
        sa.Column("starts_at", TS),
        sa.Column("description", sa.String(400), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("returned_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("offered_at", TS, nullable=False),
        sa.Column("escalated_at", TS),
        sa.Column("claimed_at", TS),
        sa.Column("reminded_at", TS),
        sa.Column("followup_at", TS),
        sa.Column("done_at", TS),
        sa.Column("done_note", sa.String(300)),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_assignments_status_starts", "assignments", ["status", "starts_at"])
    op.create_index("ix_assignments_created_by", "assignments", ["created_by"])
    op.create_index("ix_assignments_assignee_id", "assignments", ["assignee_id"])
    op.create_table(
        "assignment_details",
        sa.Column(
            "assignment_id",
            BIG_ID,
            sa.ForeignKey("assignments.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("text", sa.String(1000), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("assignment_details")
    op.drop_table("assignments")
    op.drop_table("helper_profiles")
