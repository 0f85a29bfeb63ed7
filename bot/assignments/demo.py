"""Sample data for `python -m bot demo`: the demo helper's profile and one open SAMPLE assignment.

The helper persona speaks German, Farsi and English and covers the first two areas of the configured
(sample) list, so the organizer persona can try /assign and the helper gets the alert; one SAMPLE
assignment is already waiting, so the helper sees an alert as soon as the demo starts.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import service
from bot.assignments.options import areas
from bot.clock import Clock
from bot.config import Settings
from bot.sample import DemoPeople
from storage.models.assignments import HelperProfile
from storage.models.core import User


async def seed(session: AsyncSession, clock: Clock, settings: Settings, people: DemoPeople) -> None:
    known = areas(settings.areas_file)
    covered = list(known.names)[:2]
    session.add(
        HelperProfile(
            user_id=people.helper_id,
            languages=["de", "fa", "en"],
            areas=covered,
            note="SAMPLE: werktags vormittags",
            updated_at=clock.now(),
        )
    )
    await session.flush()
    organizer = await session.get(User, people.organizer_id)
    if organizer is None:
        return
    in_three_days = (clock.now() + timedelta(days=3)).astimezone(settings.tz).date()
    await service.create(
        session,
        clock,
        organizer,
        service.NewAssignment(
            kind="authority",
            language="fa",
            area=covered[0],
            day=in_three_days,
            minute=9 * 60,
            description="SAMPLE: Termin bei der Ausländerbehörde, Verlängerung des Aufenthaltstitels",
            details="SAMPLE: Treffpunkt vor dem Rathaus; Kontakt über das Organisationsteam",
        ),
        known,
        settings.tz,
    )
