"""All models; importing this package registers every table on `Base.metadata`."""

from storage.models.assignments import Assignment, AssignmentDetails, HelperProfile
from storage.models.booking import (
    Booking,
    BookingTopic,
    Closure,
    Counsellor,
    ScheduleRule,
    Slot,
    Venue,
    WaitlistEntry,
)
from storage.models.broadcast import (
    Attendance,
    Broadcast,
    BroadcastText,
    Event,
    EventText,
    Subscription,
    Topic,
    TranslationCache,
)
from storage.models.core import AuditEntry, Counter, Invite, OutboxMessage, User
from storage.models.faq import FaqUnanswered, FaqVote, Ticket, TicketMessage
from storage.models.faq_examples import FaqExample

__all__ = [
    "Assignment",
    "AssignmentDetails",
    "Attendance",
    "AuditEntry",
    "Booking",
    "BookingTopic",
    "Broadcast",
    "BroadcastText",
    "Closure",
    "Counsellor",
    "Counter",
    "Event",
    "EventText",
    "FaqExample",
    "FaqUnanswered",
    "FaqVote",
    "HelperProfile",
    "Invite",
    "OutboxMessage",
    "ScheduleRule",
    "Slot",
    "Subscription",
    "Ticket",
    "TicketMessage",
    "Topic",
    "TranslationCache",
    "User",
    "Venue",
    "WaitlistEntry",
]
