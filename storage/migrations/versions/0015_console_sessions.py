"""The organizers' web console (issue 16): one-time login links and login sessions, stored as hashes of
their secrets (`console_logins`, `console_sessions`, both deleted with their organizer's user row), and an
audit log whose before/after hold a whole edited answer (TEXT instead of 64 characters).

Revision ID: 0015_console_sessions
Revises: 0014_faq_examples
Depends on: 0010_roles_audit (the audit log)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_console_sessions"
down_revision = "0014_faq_examples"
branch_labels = None
depends_on = ("0010_roles_audit",)  # the audit log widened here is made on that branch

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_logins",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS),
    )
    op.create_index("ix_console_logins_user_id", "console_logins", ["user_id"])
    op.create_index("ix_console_logins_expires_at", "console_logins", ["expires_at"])
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_index("ix_console_sessions_last_seen_at", "console_sessions", ["last_seen_at"])
    # SQLite cannot alter a column's type: batch mode copies the table (its indexes come along)
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("before", type_=sa.Text(), existing_type=sa.String(64))
        batch.alter_column("after", type_=sa.Text(), existing_type=sa.String(64))


def downgrade() -> None:
    op.execute(
        sa.text('UPDATE audit_log SET "before" = substr("before", 1, 64), "after" = substr("after", 1, 64)')
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("before", type_=sa.String(64), existing_type=sa.Text())
        batch.alter_column("after", type_=sa.String(64), existing_type=sa.Text())
    op.drop_table("console_sessions")
    op.drop_table("console_logins")
