"""Figures for the console (issue 16): what was not stored so far, kept as counts or numbers, never a person.

- `faq_stats`: how many questions the FAQ was asked per local day, language, topic ("" for none) and
  outcome (answer, emergency, suggest, unknown); one atomic upsert per question (bot/faq/stats.py), rows
  deleted after two years;
- `broadcasts.delivered`, `.blocked`, `.failed`: a finished broadcast's delivery totals, kept with the
  broadcast (its outbox rows, from which they are counted, are deleted after OUTBOX_RETENTION_DAYS);
- `bookings.attended`: whether the person came (true), did not (false: a no-show), or nobody said (NULL),
  set by a counsellor or organizer in /agenda after the appointment began.

Revision ID: 0017_faq_stats
Revises: 0016_faq_content
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_faq_stats"
down_revision = "0016_faq_content"
branch_labels = None
depends_on = ("0003_broadcast", "0004_booking")  # the columns added here are on those branches' tables

BROADCAST_TOTALS = ("delivered", "blocked", "failed")


def upgrade() -> None:
    op.create_table(
        "faq_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "lang", "slug", "outcome", name="pk_faq_stats"),
        sqlite_with_rowid=False,  # rows kept in key order: a range of days is one sequential read
    )
    # Adding a nullable column needs no table rebuild on SQLite (partial indexes and AUTOINCREMENT stay).
    for column in BROADCAST_TOTALS:
        op.add_column("broadcasts", sa.Column(column, sa.Integer()))
    op.add_column("bookings", sa.Column("attended", sa.Boolean()))


def downgrade() -> None:
    # SQLite (3.35+) drops a plain column in place, like PostgreSQL: no batch rebuild that would lose the
    # partial unique index and AUTOINCREMENT of `bookings`.
    op.execute(sa.text("ALTER TABLE bookings DROP COLUMN attended"))
    for column in BROADCAST_TOTALS:
        op.execute(sa.text(f"ALTER TABLE broadcasts DROP COLUMN {column}"))
    op.drop_table("faq_stats")
