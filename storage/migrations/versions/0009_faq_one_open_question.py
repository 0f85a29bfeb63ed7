"""One open question to a person at a time, kept by the database: a partial unique index on
tickets(asker_id, kind) over the active statuses (open, taken). Works on SQLite and PostgreSQL.

Before, an in-process lock kept the rule, which two processes could break: any extra active tickets of
one asker (the newer ones) are withdrawn first, with their text forgotten, as /cancel would do.

Revision ID: 0009_faq_one_open_question
Revises: 0008_unanswered_asker
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_faq_one_open_question"
down_revision = "0008_unanswered_asker"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('open', 'taken')"


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE tickets SET status = 'withdrawn', closed_at = created_at, text = NULL, translation = NULL "
            f"WHERE {ACTIVE} AND asker_id IS NOT NULL AND id NOT IN ("
            f"  SELECT MIN(id) FROM tickets WHERE {ACTIVE} AND asker_id IS NOT NULL GROUP BY asker_id, kind"
            ")"
        )
    )
    op.create_index(
        "ux_tickets_one_active",
        "tickets",
        ["asker_id", "kind"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index("ux_tickets_one_active", table_name="tickets")
