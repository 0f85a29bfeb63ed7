"""FAQ feedback (votes, unanswered questions) and tickets (a question handed to a person).

Privacy: votes carry no user id at all; unanswered questions carry none either (only a link to the ticket
when the person asked for a person, and the asker's keyed hash, so that their erasure deletes them). A
ticket keeps its asker's id (to relay the answer); on erasure it is withdrawn and anonymised; its question
text is cleared as soon as the ticket is answered or withdrawn.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime
from storage.models.core import BigId

ACTIVE_TICKET = "status IN ('open', 'taken')"  # the statuses of bot.tickets.ACTIVE


class Ticket(Base):
    """Something handed to the helpers' chat that a person answers or takes (kind "question", ...).

    status: open → taken (a helper claimed it) → answered; open/taken → withdrawn (by the asker).
    The number shown to people is the id. One active (open or taken) ticket of a kind per asker: a partial
    unique index, so it holds across processes (migration 0009_faq_one_open_question).
    """

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_relay", "chat_id", "relay_message_id"),
        Index("ix_tickets_status_created", "status", "created_at"),
        Index(
            "ux_tickets_one_active",
            "asker_id",
            "kind",
            unique=True,
            sqlite_where=sql(ACTIVE_TICKET),
            postgresql_where=sql(ACTIVE_TICKET),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(5))  # the asker's language (answers are sent in it)
    status: Mapped[str] = mapped_column(String(12), default="open")
    asker_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(Text)  # cleared when answered or withdrawn
    translation: Mapped[str | None] = mapped_column(Text)  # machine translation for the helpers, ditto
    translation_lang: Mapped[str | None] = mapped_column(String(5))
    chat_id: Mapped[int] = mapped_column(BigInteger)  # the helpers' chat it was relayed to
    relay_message_id: Mapped[int | None] = mapped_column(BigInteger)  # known once the relay was sent
    taken_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # answered or withdrawn


class FaqVote(Base):
    """👍/👎 on an answer: which answer, in which language, on which day. Nothing about who."""

    __tablename__ = "faq_votes"
    __table_args__ = (Index("ix_faq_votes_slug", "slug", "lang"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(5))
    vote: Mapped[int] = mapped_column(SmallInteger)  # +1 or -1
    day: Mapped[date] = mapped_column(Date)


class FaqUnanswered(Base):
    """A question the bot could not answer well (no confident match, or a 👎), kept for organizers.

    No user id; `ticket_id` links it to the question to a person when the asker asked for one, and
    `asker_hash` (bot.logs.user_hash of the asker) lets the asker's erasure find it. Deleted after the
    retention period (see bot.faq.feedback).
    """

    __tablename__ = "faq_unanswered"
    __table_args__ = (Index("ix_faq_unanswered_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(5))
    reason: Mapped[str] = mapped_column(String(16))  # no_match | downvote
    slug: Mapped[str | None] = mapped_column(String(64))  # the answer that got the 👎
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="SET NULL"))
    asker_hash: Mapped[str | None] = mapped_column(String(16), index=True)
