"""The FAQ content (issue 16): topics and their text per language, edited in the web console.

`faq_topics` holds what every language shares (slug, category, action button, order); `faq_entries` one
row per topic and language. `locales/faq/*.yaml` is the seed (`python -m bot faq import`) and the copy kept
under version control (`python -m bot faq export`). The content is public text: the only link to a person
is who changed it last (an organizer, unlinked when they erase their data).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class FaqTopicRow(Base):
    __tablename__ = "faq_topics"

    slug: Mapped[str] = mapped_column(String(32), primary_key=True)  # rides in button data: short ASCII
    position: Mapped[int] = mapped_column(Integer)  # the order of the topic lists
    category: Mapped[str] = mapped_column(String(32))
    action: Mapped[str | None] = mapped_column(String(16))  # a command the answer offers as a button
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))


class FaqEntryRow(Base):
    """One topic in one language. `review` says who wrote it: "person", or "machine" (a machine
    translation from `source_lang`, to be reviewed: it becomes "person" when an organizer saves it)."""

    __tablename__ = "faq_entries"

    slug: Mapped[str] = mapped_column(
        String(32), ForeignKey("faq_topics.slug", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(5), primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    answer: Mapped[str] = mapped_column(Text)  # Telegram HTML with {placeholders} of the local facts
    questions: Mapped[list[str]] = mapped_column(JSON)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    checked: Mapped[str | None] = mapped_column(String(7))  # "YYYY-MM": last checked against the facts
    review: Mapped[str] = mapped_column(String(8))
    source_lang: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
