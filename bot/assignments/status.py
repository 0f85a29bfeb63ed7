"""The life of an assignment, and the answers the services give about it.

open → taken → done; open or taken → cancelled; taken → open again when handed back (or when its helper
erased their data). The values are the ones stored in `assignments.status`.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    DONE = "done"
    CANCELLED = "cancelled"


# What an organizer may still withdraw.
CANCELLABLE = frozenset({Status.OPEN, Status.TAKEN})


class Outcome(StrEnum):
    """What became of a helper's press (take, not this time, hand back, done)."""

    WON = "won"  # the first claim: it is yours
    MINE = "mine"  # you had taken it already
    TAKEN = "taken"  # someone else was quicker
    CLOSED = "closed"  # done or cancelled (for "done": you closed it already)
    GONE = "gone"  # no such assignment
    REFUSED = "refused"  # not a helper
    OK = "ok"
    NOT_YOURS = "not_yours"
    TOO_LATE = "too_late"  # the appointment has begun: no handing back any more
