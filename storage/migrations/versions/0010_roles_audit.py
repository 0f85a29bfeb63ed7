"""Roles that follow the truth: why someone has their role (`users.role_source`), and an audit log.

`role_source` is "config" (ORGANIZER_IDS made them an organizer), "invite" (an invitation link did) or
NULL (a visitor, or set by other means). Existing rows are filled in from what is known: a helper or
organizer who used an invitation of their role got it by invite; every other organizer can only have come
from ORGANIZER_IDS, so the list decides about them from now on (bot.services.roles at start).

A branch of its own from the foundation (users, invites live there), beside the capabilities' branches.

Revision ID: 0010_roles_audit
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_roles_audit"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("users", sa.Column("role_source", sa.String(8)))
    op.execute(
        sa.text(
            "UPDATE users SET role_source = 'invite' WHERE role IN ('helper', 'organizer') AND EXISTS ("
            "  SELECT 1 FROM invites WHERE invites.used_by = users.id AND invites.role = users.role"
            ")"
        )
    )
    op.execute(
        sa.text("UPDATE users SET role_source = 'config' WHERE role = 'organizer' AND role_source IS NULL")
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.BigInteger()),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("before", sa.String(64)),
        sa.Column("after", sa.String(64)),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"])
    op.create_index("ix_audit_log_subject", "audit_log", ["subject"])


def downgrade() -> None:
    op.drop_table("audit_log")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role_source")
