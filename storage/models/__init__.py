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
from storage.models.console import ConsoleLogin, ConsoleSession
from storage.models.core import AuditEntry, Counter, Invite, OutboxMessage, User
from storage.models.faq import FaqUnanswered, FaqVote, Ticket, TicketMessage
from storage.models.faq_content import FaqEntryRow, FaqTopicRow
from storage.models.faq_examples import FaqExample
from storage.models.faq_stats import FaqStat
from storage.models.local_facts import LocalFactRow

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
    "ConsoleLogin",
    "ConsoleSession",
    "Counsellor",
    "Counter",
    "Event",
    "EventText",
    "FaqEntryRow",
    "FaqExample",
    "FaqStat",
    "FaqTopicRow",
    "FaqUnanswered",
    "FaqVote",
    "HelperProfile",
    "Invite",
    "LocalFactRow",
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
