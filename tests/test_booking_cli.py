"""`python -m bot slots ...` on a SQLite file, and the demo's sample schedule."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users as user_service
from bot.booking import demo, services
from bot.cli import main
from bot.clock import Clock, FrozenClock
from bot.config import ROOT
from bot.sample import DemoPeople
from storage.models import Counsellor
from tests.test_booking_support import settings, slots


def test_slots_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.chdir(tmp_path)  # no .env of the developer
    assert main(["slots", "import", str(ROOT / "sample_data" / "schedule.yaml")]) == 0
    out = capsys.readouterr().out
    assert "imported 5 topics, 2 venues, 2 counsellors, 6 rules" in out
    assert "SAMPLE" in out and "not a helper or organizer" in out

    assert main(["slots", "list"]) == 0
    out = capsys.readouterr().out
    assert "venue beratungsraum: Beratungsraum (SAMPLE)" in out and "Di 10:00-12:00 every 30 min" in out

    today = Clock().now().date()
    next_tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    assert main(["slots", "show", "--days", "14"]) == 0
    assert f"{next_tuesday.isoformat()} Di:" in capsys.readouterr().out
    assert main(["slots", "close", next_tuesday.isoformat(), "--reason", "Betriebsausflug"]) == 0
    assert f"{next_tuesday.isoformat()} closed" in capsys.readouterr().out
    assert main(["slots", "day", next_tuesday.isoformat()]) == 0
    assert capsys.readouterr().out.strip() == "no slots on this day"
    assert main(["slots", "open", next_tuesday.isoformat()]) == 0
    assert "1 closure(s) removed" in capsys.readouterr().out
    assert main(["slots", "day", next_tuesday.isoformat()]) == 0
    assert "10:00 work @ beratungsraum: 0/1 taken, open" in capsys.readouterr().out

    assert main(["slots", "rule", "weekly", "mon", "09:00-10:00", "general", "venue=wohnzimmer"]) == 0
    added = capsys.readouterr().out
    assert "added" in added
    rule_id = added.split("#")[1].split()[0]
    assert main(["slots", "pause", rule_id]) == 0
    assert "paused" in capsys.readouterr().out
    assert main(["slots", "rule", "weekly", "mon", "09:00-10:00", "general"]) == 1  # two venues: which?
    assert "Please say where: venue=" in capsys.readouterr().out


async def test_demo_sample_schedule_links_the_demo_counsellors(session: AsyncSession) -> None:
    clock = FrozenClock(Clock().now())
    for uid, role in (
        (2002, user_service.HELPER),
        (3003, user_service.ORGANIZER),
    ):
        user = await user_service.ensure_user(session, uid, clock, [])
        user.role = role
    await demo.seed(session, clock, settings(), DemoPeople(helper_id=2002, organizer_id=3003))
    await session.commit()
    counsellors = {
        c.key: c.user_id for c in (await session.get_one(Counsellor, 1), await session.get_one(Counsellor, 2))
    }
    assert counsellors == {"beratung-a": 2002, "beratung-b": 3003}
    assert len(await slots(session)) > 20
    topics = await services.bookable_topics(session)
    free = [await services.free_days(session, clock, settings(), t.id) for t in topics]
    assert len(topics) == 5 and sum(len(days) for days in free) >= 4
    assert all(isinstance(d, date) and d.weekday() in (1, 2, 3, 5) for days in free for d in days)
