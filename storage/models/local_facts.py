"""Local facts (addresses, opening hours, phone numbers, links …) that fill placeholders in FAQ answers:
one row per fact and language (`lang` "" for a value that is the same in every language). The rules (kinds,
validation, the sample mark) are in bot/local_facts/.

Privacy: public facts of the association; `updated_by` names the organizer who last changed a row and is
unlinked (SET NULL) when that person is erased.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class LocalFactRow(Base):
    __tablename__ = "local_facts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # the placeholder: {contact_phone}
    lang: Mapped[str] = mapped_column(String(5), primary_key=True, default="")  # "": every language
    kind: Mapped[str] = mapped_column(String(16))  # address, hours, phone, email, link, text
    value: Mapped[str] = mapped_column(Text)  # without the sample mark
    sample: Mapped[bool] = mapped_column(Boolean, default=False)  # a placeholder nobody replaced yet
    checked: Mapped[str | None] = mapped_column(String(7))  # "YYYY-MM": when it was last checked
    position: Mapped[int] = mapped_column(Integer, default=0)  # the order of the facts file
    updated_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
