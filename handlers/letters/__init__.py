"""A photo of a letter from an authority, read for the person who sent it. Mirrors bot/letters/."""

from __future__ import annotations

from handlers.kit import Dialog, Flow
from handlers.letters import read

FLOWS: list[Flow] = [read.flow]
DIALOGS: list[Dialog] = []  # one photo, one answer: nothing for /cancel to end

__all__ = ["DIALOGS", "FLOWS"]
