"""Foundation: users, invites, outbox.

Revision ID: 0001_foundation
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("language", sa.String(5)),
        sa.Column("role", sa.String(16), nullable=False, server_default="visitor"),
        sa.Column("consent_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "invites",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS),
        sa.Column("used_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(64)),
        sa.Column("dedupe_key", sa.String(128), unique=True),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("lang", sa.String(5)),
        sa.Column("not_before", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_at", TS),
        sa.Column("sent_at", TS),
        sa.Column("telegram_message_id", sa.BigInteger()),
        sa.Column("error", sa.String(200)),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "not_before"])
    op.create_index("ix_outbox_user_id", "outbox", ["user_id"])
    op.create_index("ix_outbox_ref", "outbox", ["ref"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("invites")
    op.drop_table("users")
