"""The FAQ content in the database (issue 16): `faq_topics` (slug, category, action, order) and
`faq_entries` (a topic in one language: title, answer, example questions, keywords, checked month, who
wrote it: a person or a machine translation to review; who changed it last and when).

The bot imports locales/faq/*.yaml into empty tables at start-up (bot/faq/store.py). One counter,
`faq_content`, grows with every change of topics, entries and example questions; it replaces the counter
`faq_examples` (0014), whose row goes.

Revision ID: 0016_faq_content
Revises: 0015_console_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_faq_content"
down_revision = "0015_console_sessions"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _updated_by() -> sa.Column:
    return sa.Column("updated_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL"))


def upgrade() -> None:
    op.create_table(
        "faq_topics",
        sa.Column("slug", sa.String(32), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _updated_by(),
    )
    op.create_table(
        "faq_entries",
        sa.Column(
            "slug", sa.String(32), sa.ForeignKey("faq_topics.slug", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("lang", sa.String(5), primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("checked", sa.String(7)),
        sa.Column("review", sa.String(8), nullable=False),
        sa.Column("source_lang", sa.String(5)),
        sa.Column("updated_at", TS, nullable=False),
        _updated_by(),
    )
    # The examples' own counter is now part of `faq_content` (a process that sees the new counter
    # reloads everything once).
    op.execute(sa.text("DELETE FROM counters WHERE name = 'faq_examples'"))


def downgrade() -> None:
    op.drop_table("faq_entries")
    op.drop_table("faq_topics")
    op.execute(sa.text("DELETE FROM counters WHERE name = 'faq_content'"))
