"""Voice notes, photos, documents and locations in a conversation with a person (issue 14, point 4).

The bot never downloads or stores the file: a media message of a conversation is relayed with copyMessage,
and the conversation keeps only the reference to the writer's own message while the ticket is open
(deleted when it closes, is withdrawn, or its asker is erased):

- `ticket_messages.source_chat_id`: the chat of `source_message_id` (the asker's private chat, or the
  helpers' group for a helper's reply), so that the reference is whole in one row;
- `tickets.media`: the kind of media a question was asked with (voice, photo, document, location; NULL
  for a text question), so that the card in the helpers' group shows "[voice message]" etc. as the question
  in every later edit, after the reference itself is gone.

Revision ID: 0013_ticket_media
Revises: 0012_ticket_conversations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_ticket_media"
down_revision = "0012_ticket_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding a column needs no table rebuild on SQLite: the partial index of 0009 on tickets stays as it is.
    op.add_column("ticket_messages", sa.Column("source_chat_id", sa.BigInteger()))
    op.add_column("tickets", sa.Column("media", sa.String(16)))


ACTIVE = "status IN ('open', 'taken')"  # the partial index of 0009_faq_one_open_question


def downgrade() -> None:
    # SQLite rebuilds the table to drop a column: the partial index is taken off and put back as it was
    op.drop_index("ux_tickets_one_active", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("media")
    op.create_index(
        "ux_tickets_one_active",
        "tickets",
        ["asker_id", "kind"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    with op.batch_alter_table("ticket_messages") as batch:
        batch.drop_column("source_chat_id")
