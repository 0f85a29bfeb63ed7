"""FAQ feedback and tickets: tickets, faq_votes, faq_unanswered.

Revision ID: 0005_faq
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_faq"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("asker_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("text", sa.Text()),
        sa.Column("translation", sa.Text()),
        sa.Column("translation_lang", sa.String(5)),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("relay_message_id", sa.BigInteger()),
        sa.Column("taken_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("taken_at", TS),
        sa.Column("closed_at", TS),
    )
    op.create_index("ix_tickets_relay", "tickets", ["chat_id", "relay_message_id"])
    op.create_index("ix_tickets_status_created", "tickets", ["status", "created_at"])
    op.create_index("ix_tickets_asker_id", "tickets", ["asker_id"])
    op.create_table(
        "faq_votes",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("vote", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
    )
    op.create_index("ix_faq_votes_slug", "faq_votes", ["slug", "lang"])
    op.create_table(
        "faq_unanswered",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("slug", sa.String(64)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("done_at", TS),
        sa.Column("ticket_id", BIG_ID, sa.ForeignKey("tickets.id", ondelete="SET NULL")),
    )
    op.create_index("ix_faq_unanswered_status_created", "faq_unanswered", ["status", "created_at"])


def downgrade() -> None:
    op.drop_table("faq_unanswered")
    op.drop_table("faq_votes")
    op.drop_table("tickets")
