"""Example questions from /unanswered (issue 15, point 7): `faq_examples` (topic, language, text, time; no
link to a person) and the counter `faq_examples` whose value every bot process compares with the one it
loaded, so an example is used by all processes at once, without a restart.

Revision ID: 0014_faq_examples
Revises: 0013_ticket_media
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_faq_examples"
down_revision = "0013_ticket_media"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "faq_examples",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_faq_examples_lang_slug", "faq_examples", ["lang", "slug"])


def downgrade() -> None:
    op.drop_index("ix_faq_examples_lang_slug", table_name="faq_examples")
    op.drop_table("faq_examples")
    op.execute(sa.text("DELETE FROM counters WHERE name IN ('faq_examples', 'faq_stale_month')"))
