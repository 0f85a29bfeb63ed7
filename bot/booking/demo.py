"""Sample counselling schedule for `python -m bot demo`: topics, two venues, counsellors and weekly hours
from sample_data/schedule.yaml (every value marked SAMPLE). The demo's helper persona counsels, so its
/agenda and the counsellor messages can be tried."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.importer import import_schedule, load_yaml
from bot.clock import Clock
from bot.config import ROOT, Settings
from bot.sample import DemoPeople

SAMPLE_SCHEDULE = ROOT / "sample_data" / "schedule.yaml"


async def seed(
    session: AsyncSession, clock: Clock, settings: Settings, people: DemoPeople, path: Path = SAMPLE_SCHEDULE
) -> None:
    raw = load_yaml(path)
    await import_schedule(
        session,
        clock,
        settings,
        raw,
        counsellor_ids={"beratung-a": people.helper_id, "beratung-b": people.organizer_id},
    )
