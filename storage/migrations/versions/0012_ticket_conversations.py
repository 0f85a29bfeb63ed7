"""Conversations with a person (issue 14): ticket numbers from a counter, the messages of a conversation,
and what a ticket needs to be one.

- `counters` (name, value): ticket numbers are drawn from here, never as "the highest remaining id + 1"
  (SQLite's rowid did that: after retention deleted the old tickets, number 1 came again and its relay
  collided with the old one's outbox row). The counter starts above every number ever used: the tickets
  left, the questions kept for organizers that point at one, and the outbox rows of tickets.
- `ticket_messages`: the question, the asker's follow-ups and the helpers' replies, in order.
- tickets: `answered_at`, `active_at`, `closed_by`, `last_seq`, `card_version`, `helper_named`. "answered"
  is no longer a final status (the conversation goes on): answered tickets become `closed`.

Revision ID: 0012_ticket_conversations
Revises: 0009_faq_one_open_question
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_ticket_conversations"
down_revision = "0009_faq_one_open_question"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACTIVE = "status IN ('open', 'taken')"  # the partial index of 0009_faq_one_open_question


def _highest_ticket_number() -> int:
    conn = op.get_bind()
    highest = conn.execute(sa.text("SELECT MAX(id) FROM tickets")).scalar() or 0
    linked = conn.execute(sa.text("SELECT MAX(ticket_id) FROM faq_unanswered")).scalar() or 0
    highest = max(int(highest), int(linked))
    refs = conn.execute(sa.text("SELECT DISTINCT ref FROM outbox WHERE ref LIKE 'ticket:%'")).scalars()
    for ref in refs:
        number = str(ref).split(":", 1)[1]
        if number.isdigit():
            highest = max(highest, int(number))
    return highest


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.execute(
        sa.text("INSERT INTO counters (name, value) VALUES ('ticket', :value)").bindparams(
            value=_highest_ticket_number()
        )
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("answered_at", TS))
        batch.add_column(sa.Column("active_at", TS))
        batch.add_column(sa.Column("closed_by", sa.String(8)))
        batch.add_column(sa.Column("last_seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("card_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("helper_named", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        sa.text(
            "UPDATE tickets SET status = 'closed', closed_by = 'helper', answered_at = closed_at "
            "WHERE status = 'answered'"
        )
    )
    op.create_table(
        "ticket_messages",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "ticket_id", sa.BigInteger(), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("lang", sa.String(5)),
        sa.Column("translation", sa.Text()),
        sa.Column("source_message_id", sa.BigInteger()),
        sa.Column("relay_message_id", sa.BigInteger()),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_ticket_messages_ticket_id"),
    )
    op.create_index(
        "ux_ticket_messages_source",
        "ticket_messages",
        ["ticket_id", "sender", "source_message_id"],
        unique=True,
    )
    op.create_index("ix_ticket_messages_relay", "ticket_messages", ["relay_message_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_messages_relay", table_name="ticket_messages")
    op.drop_index("ux_ticket_messages_source", table_name="ticket_messages")
    op.drop_table("ticket_messages")
    op.execute(sa.text("UPDATE tickets SET status = 'answered' WHERE status = 'closed'"))
    # SQLite rebuilds the table to drop columns: the partial index of 0009 is taken off and put back as it was
    op.drop_index("ux_tickets_one_active", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        for column in ("helper_named", "card_version", "last_seq", "closed_by", "active_at", "answered_at"):
            batch.drop_column(column)
    op.create_index(
        "ux_tickets_one_active",
        "tickets",
        ["asker_id", "kind"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.drop_table("counters")
