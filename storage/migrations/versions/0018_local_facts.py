"""Local facts in the database (issue 16, the console's facts editor): `local_facts`, one row per fact and
language ("" for a value shared by every language) with its kind, value, sample mark, checked month and who
changed it when. The rows are filled from the facts file on the bot's first start (bot/local_facts/store.py),
not here: the migration does not know which file a deployment uses.

Revision ID: 0018_local_facts
Revises: 0017_faq_stats
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_local_facts"
down_revision = "0017_faq_stats"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "local_facts",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False, server_default=""),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("checked", sa.String(7), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column(
            "updated_by",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_local_facts_updated_by_users"),
            nullable=True,
        ),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", "lang", name="pk_local_facts"),
    )


def downgrade() -> None:
    op.drop_table("local_facts")
    op.execute(sa.text("DELETE FROM counters WHERE name = 'local_facts_import'"))
