"""The demo's sample people, handed to each capability's demo seed (bot/<capability>/demo.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPeople:
    helper_id: int
    organizer_id: int
