"""A registration for an event says how many people come (a family, issue 17): attendances.people, not null,
1 for every registration made before (each counted one person). (No name is stored: the organizers'
attendance list numbers the registrations.)

Revision ID: 0020_event_party
Revises: 0019_unanswered_reply
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_event_party"
down_revision = "0019_unanswered_reply"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The server default fills the rows already there (on SQLite the batch copies the table).
    with op.batch_alter_table("attendances") as batch:
        batch.add_column(sa.Column("people", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("attendances") as batch:
        batch.drop_column("people")
