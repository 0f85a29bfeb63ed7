"""Kept FAQ questions carry their asker's id while they are open, so an organizer can answer the asker through
the bot from the console's inbox (issue 16). Nullable, cleared when the question is answered, given a topic
or done, and deleted with the person (ON DELETE CASCADE) and with the row after 90 days.

Revision ID: 0019_unanswered_reply
Revises: 0018_local_facts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_unanswered_reply"
down_revision = "0018_local_facts"
branch_labels = None
depends_on = None

FK = "fk_faq_unanswered_asker_id_users"
INDEX = "ix_faq_unanswered_asker_id"


def upgrade() -> None:
    # SQLite cannot add a foreign key to a table: the batch copies the table (a few hundred rows) with a
    # named constraint, which a later batch reflects with its ON DELETE intact.
    with op.batch_alter_table("faq_unanswered") as batch:
        batch.add_column(sa.Column("asker_id", sa.BigInteger(), nullable=True))
        batch.create_foreign_key(FK, "users", ["asker_id"], ["id"], ondelete="CASCADE")
        batch.create_index(INDEX, ["asker_id"])


def downgrade() -> None:
    with op.batch_alter_table("faq_unanswered") as batch:
        batch.drop_index(INDEX)
        batch.drop_constraint(FK, type_="foreignkey")
        batch.drop_column("asker_id")
