"""A helper's profile: languages, areas, a short availability note, a pause ("no alerts until ...").

A refused change (`ProfileError`) writes nothing: every check comes before the first write. Handlers get
the `HelperProfile` type from here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.options import Areas
from bot.clock import Clock
from bot.languages import HELPER_LANGUAGES
from bot.text import clean_text
from bot.users import HELPER, has_role
from storage.models.assignments import HelperProfile
from storage.models.core import User
from storage.repositories import assignments as repo

__all__ = ["HelperProfile"]  # re-exported for handlers

NOTE_MAX = 200
PAUSE_DAYS = (7, 14, 28, 90)
CLEAR_NOTE = "-"  # the note that deletes the note


class ProfileError(ValueError):
    """A refused change; `code` says why (not_helper, unknown_language, unknown_area, too_long, bad_pause)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def is_paused(profile: HelperProfile | None, now: datetime) -> bool:
    return profile is not None and profile.paused_until is not None and profile.paused_until > now


async def get_or_create(session: AsyncSession, clock: Clock, user: User) -> HelperProfile:
    if not has_role(user, HELPER):
        raise ProfileError("not_helper")
    profile = await repo.get_profile(session, user.id)
    if profile is None:
        profile = await repo.add_profile(
            session, HelperProfile(user_id=user.id, languages=[], areas=[], updated_at=clock.now())
        )
    return profile


def _toggled(values: list[str], key: str) -> list[str]:
    return [v for v in values if v != key] if key in values else [*values, key]


async def toggle_language(session: AsyncSession, clock: Clock, user: User, code: str) -> HelperProfile:
    if code not in HELPER_LANGUAGES:
        raise ProfileError("unknown_language")
    profile = await get_or_create(session, clock, user)
    chosen = _toggled(list(profile.languages or []), code)
    profile.languages = [c for c in HELPER_LANGUAGES if c in chosen]  # a new list: the JSON column is saved
    profile.updated_at = clock.now()
    return profile


async def toggle_area(
    session: AsyncSession, clock: Clock, user: User, key: str, areas: Areas
) -> HelperProfile:
    if not has_role(user, HELPER):
        raise ProfileError("not_helper")
    existing = await repo.get_profile(session, user.id)
    current = list(existing.areas or []) if existing else []
    if key not in areas and key not in current:  # an area dropped from the file can still be removed
        raise ProfileError("unknown_area")
    profile = await get_or_create(session, clock, user)
    chosen = _toggled(current, key)
    profile.areas = [k for k in areas.names if k in chosen]
    profile.updated_at = clock.now()
    return profile


async def set_note(session: AsyncSession, clock: Clock, user: User, text: str) -> HelperProfile:
    """A short note about when the helper can help; "-" (CLEAR_NOTE) or nothing deletes it."""
    note = " ".join(clean_text(text).split())
    if note == CLEAR_NOTE:
        note = ""
    if len(note) > NOTE_MAX:
        raise ProfileError("too_long")
    profile = await get_or_create(session, clock, user)
    profile.note = note or None
    profile.updated_at = clock.now()
    return profile


async def pause(session: AsyncSession, clock: Clock, user: User, days: int) -> HelperProfile:
    if days not in PAUSE_DAYS:
        raise ProfileError("bad_pause")
    profile = await get_or_create(session, clock, user)
    profile.paused_until = clock.now() + timedelta(days=days)
    profile.updated_at = clock.now()
    return profile


async def forget(session: AsyncSession, user_id: int) -> bool:
    """Delete the profile of someone who is no longer a helper (languages, areas, note): what they offered
    is not kept once they stopped offering it. True when there was one."""
    return await repo.delete_profile(session, user_id)


async def resume(session: AsyncSession, clock: Clock, user: User) -> HelperProfile:
    profile = await get_or_create(session, clock, user)
    profile.paused_until = None
    profile.updated_at = clock.now()
    return profile
