"""The life of an assignment, and the answers the services give about it.

open → taken → done; open or taken → cancelled; taken → open again when handed back (or when its helper
erased their data). The values are the ones stored in `assignments.status`.
"""

from __future__ import annotations

from enum import StrEnum

from bot.claims import Outcome


class Status(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    DONE = "done"
    CANCELLED = "cancelled"


# What an organizer may still withdraw.
CANCELLABLE = frozenset({Status.OPEN, Status.TAKEN})


# What became of a helper's press: the one outcome type of everything handed to a person (bot.claims).
__all__ = ["CANCELLABLE", "Outcome", "Status"]
