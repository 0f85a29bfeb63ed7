"""Who wants news about which topic. Nothing is subscribed without the person's own tap."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import topics as topic_service
from bot.clock import Clock
from storage.models import User
from storage.repositories import broadcast as repo


class Switched(StrEnum):
    ON = "on"
    OFF = "off"
    REFUSED = "refused"  # unknown, hidden, or for a higher role


async def subscribed(session: AsyncSession, user_id: int) -> set[int]:
    return await repo.subscribed_topic_ids(session, user_id)


async def toggle(session: AsyncSession, clock: Clock, user: User, topic_id: int) -> Switched:
    """Switch one topic on or off for the user; REFUSED when the topic is not theirs to choose (unknown,
    hidden, or for a higher role). Switching off always works, so nobody is stuck."""
    topic = await topic_service.get_topic(session, topic_id)
    current = await repo.subscribed_topic_ids(session, user.id)
    if topic_id in current:
        await repo.remove_subscription(session, user.id, topic_id)
        return Switched.OFF
    if topic is None or not topic_service.visible_to(topic, user.role):
        return Switched.REFUSED
    await repo.add_subscription(session, user.id, topic_id, clock.now())
    return Switched.ON


async def subscribe(session: AsyncSession, clock: Clock, user: User, topic_id: int) -> bool:
    topic = await topic_service.get_topic(session, topic_id)
    if topic is None or not topic_service.visible_to(topic, user.role):
        return False
    await repo.add_subscription(session, user.id, topic_id, clock.now())
    return True


async def subscriber_counts(session: AsyncSession) -> dict[int, int]:
    return await repo.subscriber_counts(session)
