"""Shared helpers for the booking tests (no tests here): a small schedule, people, a stand-in sender."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users as user_service
from bot.booking.importer import import_schedule
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.render import Renderers
from bot.text import Translator
from handlers.booking import RENDERERS
from storage.models import OutboxMessage, Slot, User

COUNSELLOR_ID = 700

NAMES = {
    "work": {"de": "Arbeit", "en": "Work", "ar": "العمل", "fa": "کار", "uk": "Робота", "ru": "Работа"},
    "housing": {"de": "Wohnen", "en": "Housing", "ar": "السكن", "fa": "مسکن", "uk": "Житло", "ru": "Жильё"},
}


def settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


def schedule(
    *,
    weekday: str = "tue",
    start: str = "10:00",
    end: str = "12:00",
    every: int = 30,
    capacity: int = 1,
    topic: str = "work",
    counsellor: bool = True,
    extra_rules: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    rules = [
        {
            "key": "rule-1",
            "weekday": weekday,
            "from": start,
            "to": end,
            "every": every,
            "capacity": capacity,
            "topic": topic,
            "venue": "room",
            "counsellor": "c1" if counsellor else None,
        }
    ]
    return {
        "sample": True,
        "topics": [{"key": key, "emoji": "💼", "names": names} for key, names in NAMES.items()],
        "venues": [
            {
                "key": "room",
                "name": "Beratungsraum (SAMPLE)",
                "address": "Musterstraße 1, 30916 Isernhagen (SAMPLE)",
                "latitude": 52.4739,
                "longitude": 9.8539,
            }
        ],
        "counsellors": [{"key": "c1", "label": "Beraterin (SAMPLE)", "telegram_id": COUNSELLOR_ID}],
        "weekly": rules + (extra_rules or []),
    }


async def person(
    session: AsyncSession, clock: Clock, user_id: int, lang: str = "de", role: str | None = None
) -> None:
    user = await user_service.ensure_user(session, user_id, clock, [])
    user_service.choose_language(user, lang, clock)
    if role:
        user.role = role
    await session.flush()


async def setup(session: AsyncSession, clock: Clock, conf: Settings, **kw: Any) -> None:
    """A counsellor (helper 700), topics work + housing, one venue, one weekly rule; slots synced."""
    await person(session, clock, COUNSELLOR_ID, "de", role=user_service.HELPER)
    report = await import_schedule(session, clock, conf, schedule(**kw))
    assert report.counsellors == 1 and not report.warnings, report.warnings
    await session.commit()


async def slots(session: AsyncSession) -> list[Slot]:
    return list((await session.scalars(select(Slot).order_by(Slot.starts_at, Slot.id))).all())


async def outbox_rows(session: AsyncSession, **where: Any) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, key) == value)
    return list((await session.scalars(stmt.execution_options(populate_existing=True))).all())


@dataclass
class FakeSender:
    """Stands in for the delivery worker in service tests: sends what is due, once, in the reader's language."""

    sent: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)

    async def run(self, session: AsyncSession, now: datetime, conf: Settings) -> int:
        count = 0
        for row in await outbox_rows(session, status="pending"):
            if row.not_before > now:
                continue
            user = await session.get(User, row.user_id) if row.user_id else None
            lang = row.lang or (user.language if user else None) or conf.default_language
            rendered = Renderers(RENDERERS).render(row.kind, row.payload, Translator(lang, conf.tz))
            self.sent.append((row.chat_id, row.kind, {"lang": lang, **rendered.params}))
            row.status, row.sent_at = "sent", now
            count += 1
        await session.commit()
        return count

    def texts(self, chat_id: int, kind: str | None = None) -> list[str]:
        return [p.get("text", "") for c, k, p in self.sent if c == chat_id and (kind is None or k == kind)]
