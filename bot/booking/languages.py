"""The interpreter of an appointment: which language is stored for a choice. The languages themselves
(codes, names, which ones an interpreter can be asked for) are in the one table, `bot.languages`."""

from __future__ import annotations

from bot.languages import INTERPRETER_LANGUAGES, OTHER

NOT_NEEDED = "-"  # the person needs no interpreter (what the "No, not needed" button carries)


def chosen(code: str | None) -> str | None:
    """The interpreter language to store for a choice: None when none is needed, an interpreter language,
    or OTHER for anything else (a forged or outdated code)."""
    if code in (None, "", NOT_NEEDED):
        return None
    return code if code in INTERPRETER_LANGUAGES else OTHER
