"""FAQ feedback (votes, unanswered questions) and tickets (a question handed to a person).

Privacy: votes carry no user id at all; unanswered questions carry their asker's id only while they are
open (so an organizer can answer them), a link to the ticket when the person asked for a person, and the
asker's keyed hash, so that their erasure deletes them. A
ticket keeps its asker's id (to relay the answer); on erasure it is withdrawn and anonymised; its question
text and its conversation (ticket_messages) are deleted at once when withdrawn, a day after it closed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime
from storage.models.core import BigId

ACTIVE_TICKET = "status IN ('open', 'taken')"  # the statuses of bot.tickets.ACTIVE


class Ticket(Base):
    """Something handed to the helpers' chat that a person answers or takes (kind "question", ...).

    status: open → taken (a helper claimed it) → closed (by the asker, a helper, or after quiet days);
    open/taken → withdrawn (by the asker, or on erasure); taken → open (its helper was removed). Whether a
    helper has replied is `answered_at`, not a status: the conversation goes on after the first answer.
    The number shown to people is the id, drawn from the `counters` table (never reused). One active (open
    or taken) ticket of a kind per asker: a partial unique index, so it holds across processes (migration
    0009_faq_one_open_question).
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

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)  # set from counters
    kind: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(5))  # the asker's language (answers are sent in it)
    status: Mapped[str] = mapped_column(String(12), default="open")
    asker_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(Text)  # cleared when answered or withdrawn
    translation: Mapped[str | None] = mapped_column(Text)  # machine translation for the helpers, ditto
    translation_lang: Mapped[str | None] = mapped_column(String(5))  # the helpers' language
    chat_id: Mapped[int] = mapped_column(BigInteger)  # the helpers' chat it was relayed to
    relay_message_id: Mapped[int | None] = mapped_column(BigInteger)  # known once the relay was sent
    taken_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # closed or withdrawn
    # The conversation (migration 0012_ticket_conversations):
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a helper's first reply
    active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last message either way
    closed_by: Mapped[str | None] = mapped_column(String(8))  # asker | helper | quiet
    last_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # of ticket_messages
    card_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # edits of the relay
    helper_named: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What a question was asked with, when not text: voice | photo | document | location (0013_ticket_media)
    media: Mapped[str | None] = mapped_column(String(16))


class TicketMessage(Base):
    """One message of a conversation with a person: the question (seq 1), the asker's follow-ups and the
    helpers' replies, in order. Kept while the ticket is open (nothing is lost between asker and helper);
    deleted a day after it closed (bot.tickets.purge), at once when withdrawn, and on /deletedata.

    `kind` is "text", or the media relayed with copyMessage (voice, photo, document, location: bot.ticket_media)
    whose reference (`source_chat_id`, `source_message_id`: the message to copy; `text` is then its caption)
    is kept only while the ticket is open: cleared when it closes, deleted with the row otherwise. The bot
    never downloads or stores the file itself.
    """

    __tablename__ = "ticket_messages"
    __table_args__ = (
        UniqueConstraint("ticket_id", "seq"),
        Index("ux_ticket_messages_source", "ticket_id", "sender", "source_message_id", unique=True),
        Index("ix_ticket_messages_relay", "relay_message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … within the ticket
    sender: Mapped[str] = mapped_column(String(8))  # asker | helper
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(5))  # the language it was written in, as far as known
    translation: Mapped[str | None] = mapped_column(Text)  # by machine, for the other side
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)  # the writer's own message
    source_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # its chat (media; 0013_ticket_media)
    relay_message_id: Mapped[int | None] = mapped_column(BigInteger)  # its copy's first part, once sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


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

    `asker_id` is the asker while the question is open, so that an organizer can answer them through the
    bot (the console's inbox, bot.faq.inbox); it is cleared when the question is answered, given a topic
    or done, and the row goes with the person (ON DELETE CASCADE, migration 0019_unanswered_reply).
    `ticket_id` links it to the question to a person when the asker asked for one, and `asker_hash`
    (bot.logs.user_hash of the asker) lets the asker's erasure find rows kept before the id was. Deleted
    after the retention period (see bot.faq.feedback).
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
    asker_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )  # only while open (0019_unanswered_reply)
