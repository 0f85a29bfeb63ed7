"""The organizers' view of their helpers and of all assignments (the console's helpers page): who helps,
in which languages and areas, paused or not, what they took and did; the board of open, taken and recently
done assignments. Reading only: re-opening and handing back are in bot.assignments.claiming.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.service import NotAllowed
from bot.assignments.status import Status
from bot.users import HELPER, ORGANIZER, has_role
from storage.models.assignments import Assignment
from storage.models.core import User
from storage.repositories import assignments as repo

HELPERS_PER_PAGE = 50
BOARD_LIMIT = 100  # open and taken ones each; more are not on the board at once
DONE_ON_BOARD = 20  # the most recently done


@dataclass(frozen=True)
class HelperRow:
    id: int  # the Telegram id: the only name the bot keeps of a person
    role: str
    languages: tuple[str, ...]
    areas: tuple[str, ...]
    paused_until: datetime | None  # set and in the future: paused (no alerts) until then
    blocked: bool  # blocked the bot: nothing reaches them
    has_profile: bool
    taken: int  # taken now
    done: int
    last_activity: datetime | None  # the latest of: profile changed, an assignment taken, one done

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now


@dataclass(frozen=True)
class HelpersPage:
    rows: list[HelperRow]
    total: int
    number: int  # 1-based
    has_next: bool


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


async def helpers_page(session: AsyncSession, viewer: User, number: int = 1) -> HelpersPage:
    """One page of helpers (by Telegram id), with their counts: for organizers only."""
    if not has_role(viewer, ORGANIZER):
        raise NotAllowed(viewer.id)
    number = max(number, 1)
    found = await repo.helpers_with_counts(
        session, HELPER, ORGANIZER, HELPERS_PER_PAGE + 1, (number - 1) * HELPERS_PER_PAGE
    )
    rows = [
        HelperRow(
            id=user.id,
            role=user.role,
            languages=tuple(profile.languages) if profile else (),
            areas=tuple(profile.areas) if profile else (),
            paused_until=profile.paused_until if profile else None,
            blocked=not user.is_active,
            has_profile=profile is not None,
            taken=taken,
            done=done,
            last_activity=_latest(profile.updated_at if profile else None, claimed, finished),
        )
        for user, profile, taken, done, claimed, finished in found[:HELPERS_PER_PAGE]
    ]
    total = await repo.count_helpers(session, HELPER, ORGANIZER)
    return HelpersPage(rows, total, number, len(found) > HELPERS_PER_PAGE)


@dataclass(frozen=True)
class Board:
    counts: dict[str, int]  # by status, all of them
    open: list[Assignment]
    taken: list[Assignment]
    done: list[Assignment]  # the most recently done


async def board(session: AsyncSession, viewer: User) -> Board:
    """Open and taken assignments (upcoming first) and the recently done ones: for organizers only."""
    if not has_role(viewer, ORGANIZER):
        raise NotAllowed(viewer.id)
    return Board(
        counts=await repo.count_by_status(session),
        open=list(await repo.with_status(session, [Status.OPEN], BOARD_LIMIT)),
        taken=list(await repo.with_status(session, [Status.TAKEN], BOARD_LIMIT)),
        done=list(await repo.recent_done(session, DONE_ON_BOARD)),
    )
