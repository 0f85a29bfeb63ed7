"""Counts of the questions the FAQ was asked: per local day, language, topic and outcome (issue 16, figures).

Privacy: a count and four keys, nothing else: no text, no user id, no hash, no time of day. Kept for
bot.faq.stats.RETENTION_DAYS (two years), then deleted by the `faq_stats_retention` job.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class FaqStat(Base):
    """One row per (day, language, topic, outcome), counted up by atomic upserts (bot.faq.stats: in batches)."""

    __tablename__ = "faq_stats"
    # The day first: the figures read a range of days, and the retention job deletes the oldest ones. On
    # SQLite the rows are stored in that order (WITHOUT ROWID): a range is read without a lookup per row.
    __table_args__ = (PrimaryKeyConstraint("day", "lang", "slug", "outcome"), {"sqlite_with_rowid": False})

    day: Mapped[date] = mapped_column(Date)  # the day in the configured zone (Europe/Berlin)
    lang: Mapped[str] = mapped_column(String(5))  # the question's language (a supported one)
    slug: Mapped[str] = mapped_column(String(64))  # the topic answered; "" when none was
    outcome: Mapped[str] = mapped_column(String(12))  # bot.faq.stats.Outcome
    questions: Mapped[int] = mapped_column(Integer, default=0)
