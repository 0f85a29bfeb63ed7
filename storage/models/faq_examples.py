"""Example questions organizers added from /unanswered ("this belongs to topic X"): the matcher learns
them beside the example questions of locales/faq (bot/faq/examples.py).

Privacy: the text, its language and topic, and when; no user id, no hash, no link to the kept question it
came from, so nothing ties it to the person who asked (the organizer is told to choose only questions
without personal details).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime
from storage.models.core import BigId


class FaqExample(Base):
    __tablename__ = "faq_examples"
    __table_args__ = (Index("ix_faq_examples_lang_slug", "lang", "slug"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64))  # the topic (locales/faq/topics.yaml)
    lang: Mapped[str] = mapped_column(String(5))  # the language of the question
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
