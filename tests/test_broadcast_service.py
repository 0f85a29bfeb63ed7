"""Topics, subscriptions, events and broadcasts on SQLite and PostgreSQL (services, no Telegram)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import reminders
from bot.broadcast import broadcasts as bc
from bot.broadcast import dates, event_reminders, sending
from bot.broadcast import events as ev
from bot.broadcast import subscriptions as subs
from bot.broadcast import topics as tp
from bot.clock import FrozenClock
from bot.config import SUPPORTED_LANGUAGES, load_settings
from bot.delivery.reminders import ReminderKind
from bot.i18n_tools import first_strong_is_rtl
from bot.sample import DemoPeople
from bot.services import erasure
from storage.models import Attendance, OutboxMessage, Subscription, User

SETTINGS = load_settings(_env_file=None, broadcast_overdue_minutes=60, event_reminder_hours=24)
BERLIN = ZoneInfo("Europe/Berlin")


async def add_user(
    session: AsyncSession, clock: FrozenClock, uid: int, lang: str | None = "de", role: str = "visitor"
) -> User:
    user = User(id=uid, language=lang, role=role, created_at=clock.now(), consent_at=clock.now())
    session.add(user)
    await session.flush()
    return user


async def topic_id(session: AsyncSession, key: str) -> int:
    topics = await tp.all_topics(session)
    return next(t.id for t in topics if t.key == key)


async def outbox_rows(session: AsyncSession, **where: object) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, column) == value)
    return list((await session.scalars(stmt)).all())


# --- topics and subscriptions --------------------------------------------------------------------------
async def test_six_default_topics_in_six_languages(session: AsyncSession) -> None:
    topics = await tp.all_topics(session)
    assert [t.key for t in topics] == ["events", "german", "wohnzimmer", "families", "women", "helpers"]
    for topic in topics:
        assert tp.missing_languages(topic) == []
        assert set(topic.names) == set(SUPPORTED_LANGUAGES)
        for lang in ("ar", "fa"):
            assert first_strong_is_rtl(topic.names[lang]) is True, topic.names[lang]
        # Persian is written with Persian yeh and keheh, never the Arabic letters
        assert not {"\u064a", "\u0643"} & set(topic.names["fa"]), topic.names["fa"]
    helpers = next(t for t in topics if t.key == "helpers")
    assert helpers.min_role == "helper"


async def test_subscribe_toggles_and_respects_the_topics_role(
    session: AsyncSession, clock: FrozenClock
) -> None:
    visitor = await add_user(session, clock, 1)
    helper = await add_user(session, clock, 2, role="helper")
    events, helper_news = await topic_id(session, "events"), await topic_id(session, "helpers")

    assert await subs.subscribed(session, visitor.id) == set()  # nothing without a tap
    assert await subs.toggle(session, clock, visitor, events) is subs.Switched.ON
    assert await subs.subscribed(session, visitor.id) == {events}
    assert await subs.toggle(session, clock, visitor, events) is subs.Switched.OFF
    assert await subs.subscribed(session, visitor.id) == set()

    assert (
        await subs.toggle(session, clock, visitor, helper_news) is subs.Switched.REFUSED
    )  # not for visitors
    assert await subs.toggle(session, clock, helper, helper_news) is subs.Switched.ON
    assert [t.key for t in await tp.topics_for(session, "visitor")][-1] == "women"
    assert await subs.toggle(session, clock, visitor, 99999) is subs.Switched.REFUSED


async def test_erasing_a_user_erases_subscriptions_and_attendance(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 10, role="organizer")
    user = await add_user(session, clock, 11)
    await subs.toggle(session, clock, user, await topic_id(session, "events"))
    event = await make_event(session, clock, organizer)
    result, _ = await ev.attend(session, clock, SETTINGS, event.id, user)
    assert result is ev.Attend.OK
    await session.commit()
    await erasure.erase_user(session, user.id)
    for model in (Subscription, Attendance, OutboxMessage):
        count = await session.scalar(select(func.count()).select_from(model).where(model.user_id == 11))
        assert count == 0, model.__tablename__
    assert (await ev.get_event(session, event.id)) is not None  # the organizer's event stays


async def test_organizers_add_topics_and_see_missing_names(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 10, role="organizer")
    topic = await tp.add_topic(session, clock, organizer, {"de": "Nähcafé"}, "de")
    assert tp.missing_languages(topic) == ["ar", "fa", "uk", "en", "ru"]
    assert tp.topic_name(topic, "ar") == "Nähcafé"  # falls back to the original
    tp.set_name(topic, "ar", "مقهى الخياطة")
    await session.commit()
    again = await tp.get_topic(session, topic.id)
    assert again is not None and tp.topic_name(again, "ar") == "مقهى الخياطة"
    assert "ar" not in tp.missing_languages(again)
    assert topic.sort > 60  # after the defaults
    assert tp.clean_name("  x  " * 40) is None and tp.clean_name(" Näh  café ") == "Näh café"


# --- broadcasts ----------------------------------------------------------------------------------------
async def make_broadcast(
    session: AsyncSession,
    clock: FrozenClock,
    organizer: User,
    *,
    key: str = "events",
    texts: dict[str, tuple[str, bool]] | None = None,
    photo: str | None = None,
    at: datetime | None = None,
) -> int:
    broadcast = await bc.create_draft(session, clock, organizer)
    await bc.set_topic(session, broadcast, await topic_id(session, key))
    await bc.set_original(session, broadcast, "Sommerfest am <b>Samstag</b>!", "de", photo)
    for lang, (html, machine) in (texts or {}).items():
        await bc.set_translation(session, broadcast, lang, html, machine=machine)
    bc.propose_time(broadcast, at, clock)
    await bc.confirm(session, clock, broadcast)
    await session.commit()
    return broadcast.id


async def subscribe_people(
    session: AsyncSession, clock: FrozenClock, people: dict[int, str], key: str = "events"
) -> None:
    tid = await topic_id(session, key)
    for uid, lang in people.items():
        user = await add_user(session, clock, uid, lang)
        assert await subs.toggle(session, clock, user, tid) is subs.Switched.ON
    await session.commit()


async def test_due_broadcast_becomes_one_row_per_subscriber_in_their_language(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    await subscribe_people(session, clock, {101: "de", 102: "uk", 103: "ar", 104: "fa", 105: "en"})
    await add_user(session, clock, 106, "de")  # not subscribed
    blocked = await add_user(session, clock, 107, "de")
    await subs.toggle(session, clock, blocked, await topic_id(session, "events"))
    blocked.is_active = False
    at = clock.now() + timedelta(hours=2)
    bid = await make_broadcast(
        session,
        clock,
        organizer,
        texts={"uk": ("Свято в суботу!", False), "ar": ("احتفال يوم السبت!", True)},
        at=at,
    )
    assert (await sending.dispatch_due(session, clock, SETTINGS)).expanded == {}  # not yet
    clock.set(at)
    result = await sending.dispatch_due(session, clock, SETTINGS)
    await session.commit()
    assert result.expanded == {bid: 5}
    rows = await outbox_rows(session, ref=f"broadcast:{bid}")
    by_user = {r.user_id: r for r in rows}
    assert set(by_user) == {101, 102, 103, 104, 105}
    assert by_user[102].lang == "uk" and by_user[102].payload["text"] == "Свято в суботу!"
    assert by_user[103].payload["machine"] is True
    assert by_user[104].payload["text"] == "Sommerfest am <b>Samstag</b>!"  # no Farsi text: the original
    assert by_user[104].payload["machine"] is False
    assert by_user[101].dedupe_key == f"broadcast:{bid}:101"
    assert by_user[103].payload["topic_name"] == "فعاليات واحتفالات"
    # a second run (or a second process) expands nothing twice
    assert (await sending.dispatch_due(session, clock, SETTINGS)).expanded == {}
    assert len(await outbox_rows(session, ref=f"broadcast:{bid}")) == 5
    assert (await bc.get(session, bid)).state == bc.SENDING  # type: ignore[union-attr]


async def test_audience_filters_languages_and_roles(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    await subscribe_people(session, clock, {101: "de", 102: "uk", 103: "ru"})
    helper = await add_user(session, clock, 104, "uk", role="helper")
    await subs.toggle(session, clock, helper, await topic_id(session, "events"))
    broadcast = await bc.create_draft(session, clock, organizer)
    await bc.set_topic(session, broadcast, await topic_id(session, "events"))
    bc.toggle_language(broadcast, "ru")
    assert "ru" not in bc.languages(broadcast)
    assert await bc.recipient_counts(session, broadcast, SETTINGS) == {
        "de": 1,
        "ar": 0,
        "fa": 0,
        "uk": 2,
        "en": 0,
    }
    bc.toggle_role(broadcast, "visitor")
    assert await bc.recipients(session, broadcast, SETTINGS) == [(104, "uk")]
    bc.toggle_role(broadcast, "visitor")
    bc.toggle_language(broadcast, "ru")
    assert broadcast.languages is None and broadcast.roles is None


async def test_helper_news_never_reaches_visitors(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    helper = await add_user(session, clock, 2, role="helper")
    await subs.toggle(session, clock, helper, await topic_id(session, "helpers"))
    former = await add_user(session, clock, 3, role="helper")
    await subs.toggle(session, clock, former, await topic_id(session, "helpers"))
    former.role = "visitor"  # no longer a helper: the old subscription must not leak helper news
    broadcast = await bc.create_draft(session, clock, organizer)
    await bc.set_topic(session, broadcast, await topic_id(session, "helpers"))
    assert await bc.recipients(session, broadcast, SETTINGS) == [(2, "de")]


async def test_overdue_broadcast_is_held_and_the_organizer_asked(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, lang="uk", role="organizer")
    await subscribe_people(session, clock, {101: "de"})
    at = clock.now() + timedelta(minutes=10)
    bid = await make_broadcast(session, clock, organizer, at=at)
    clock.set(at + timedelta(minutes=61))  # the bot was down
    result = await sending.dispatch_due(session, clock, SETTINGS)
    await session.commit()
    assert result.held == [bid] and result.expanded == {}
    assert (await bc.get(session, bid)).state == bc.HELD  # type: ignore[union-attr]
    assert await outbox_rows(session, ref=f"broadcast:{bid}") == []
    [question] = await outbox_rows(session, kind=bc.HELD_KIND)
    assert question.chat_id == 1 and question.lang == "uk" and question.payload["broadcast_id"] == bid
    # the organizer decides: send now
    assert await bc.release(session, clock, bid) is True
    assert (await sending.dispatch_due(session, clock, SETTINGS)).expanded == {bid: 1}
    assert await bc.release(session, clock, bid) is False


async def test_overdue_within_the_limit_is_sent(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    await subscribe_people(session, clock, {101: "de"})
    at = clock.now() + timedelta(minutes=10)
    bid = await make_broadcast(session, clock, organizer, at=at)
    clock.set(at + timedelta(minutes=59))
    assert (await sending.dispatch_due(session, clock, SETTINGS)).expanded == {bid: 1}


async def test_cancel_withdraws_messages_not_sent_yet(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    await subscribe_people(session, clock, {101: "de", 102: "de", 103: "de"})
    bid = await make_broadcast(session, clock, organizer)
    await sending.dispatch_due(session, clock, SETTINGS)
    first = (await outbox_rows(session, ref=f"broadcast:{bid}"))[0]
    first.status = "sent"
    await session.commit()
    result = await bc.cancel(session, bid)
    await session.commit()
    assert result is not None and (result.withdrawn, result.sent) == (2, 1)
    statuses = sorted(r.status for r in await outbox_rows(session, ref=f"broadcast:{bid}"))
    assert statuses == ["cancelled", "cancelled", "sent"]
    assert (await bc.get(session, bid)).state == bc.CANCELLED  # type: ignore[union-attr]
    assert await bc.cancel(session, bid) is None  # twice: nothing to do


async def test_cancelled_before_due_never_expands(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    await subscribe_people(session, clock, {101: "de"})
    at = clock.now() + timedelta(hours=1)
    bid = await make_broadcast(session, clock, organizer, at=at)
    assert await bc.cancel(session, bid) is not None
    clock.set(at)
    assert (await sending.dispatch_due(session, clock, SETTINGS)).expanded == {}
    assert await outbox_rows(session, ref=f"broadcast:{bid}") == []


async def test_report_when_nothing_is_pending_any_more(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, lang="de", role="organizer")
    await subscribe_people(session, clock, {101: "de", 102: "de", 103: "uk", 104: "ar"})
    bid = await make_broadcast(session, clock, organizer)
    await sending.dispatch_due(session, clock, SETTINGS)
    await session.commit()
    rows = {r.user_id: r for r in await outbox_rows(session, ref=f"broadcast:{bid}")}
    rows[101].status, rows[102].status, rows[103].status = "sent", "blocked", "sent"
    await session.commit()
    assert await sending.finish_sent(session, clock, SETTINGS) == []  # 104 is still pending: no report
    assert await outbox_rows(session, kind=bc.REPORT_KIND) == []
    rows[104].status = "failed"
    await session.commit()
    assert await sending.finish_sent(session, clock, SETTINGS) == [bid]
    await session.commit()
    [report] = await outbox_rows(session, kind=bc.REPORT_KIND)
    assert report.chat_id == 1 and report.dedupe_key == f"broadcast-report:{bid}"
    assert report.payload["totals"] == {"delivered": 2, "blocked": 1, "failed": 1, "cancelled": 0}
    assert report.payload["by_language"]["de"] == {"delivered": 1, "blocked": 1, "failed": 0, "cancelled": 0}
    assert report.payload["by_language"]["ar"]["failed"] == 1
    assert (await bc.get(session, bid)).state == bc.DONE  # type: ignore[union-attr]
    assert await sending.finish_sent(session, clock, SETTINGS) == []  # once


async def test_photo_with_a_long_text_goes_first_and_alone(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    await subscribe_people(session, clock, {101: "de", 102: "uk"})
    long_uk = "Довгий текст. " * 100  # > 1024 characters: no caption
    bid = await make_broadcast(session, clock, organizer, texts={"uk": (long_uk, False)}, photo="PHOTO1")
    await sending.dispatch_due(session, clock, SETTINGS)
    await session.commit()
    main = {r.user_id: r for r in await outbox_rows(session, ref=f"broadcast:{bid}")}
    photos = await outbox_rows(session, ref=f"broadcast:{bid}:photo")
    assert [p.user_id for p in photos] == [102]
    assert photos[0].id < main[102].id and main[102].payload["photo"] is None
    assert main[101].payload["photo"] == "PHOTO1" and main[101].method == "sendPhoto"


async def test_drafts_refuse_past_times_missing_text_and_strangers(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    other = await add_user(session, clock, 2, role="organizer")
    broadcast = await bc.create_draft(session, clock, organizer)
    with pytest.raises(bc.BroadcastError) as info:
        await bc.confirm(session, clock, broadcast)
    assert info.value.code == "topic"
    await bc.set_topic(session, broadcast, await topic_id(session, "events"))
    with pytest.raises(bc.BroadcastError) as info:
        await bc.confirm(session, clock, broadcast)
    assert info.value.code == "empty"
    with pytest.raises(bc.BroadcastError):
        await bc.set_original(session, broadcast, "x" * 3801, "de")
    await bc.set_original(session, broadcast, "Hallo", "de")
    with pytest.raises(bc.BroadcastError) as info:
        bc.propose_time(broadcast, clock.now() - timedelta(minutes=1), clock)
    assert info.value.code == "past"
    assert await bc.get_draft(session, broadcast.id, other) is None  # not theirs
    bc.propose_time(broadcast, clock.now() + timedelta(minutes=5), clock)
    clock.advance(timedelta(minutes=10))  # the organizer waited too long before confirming
    with pytest.raises(bc.BroadcastError) as info:
        await bc.confirm(session, clock, broadcast)
    assert info.value.code == "past"
    bc.propose_time(broadcast, None, clock)
    await bc.confirm(session, clock, broadcast)
    assert broadcast.state == bc.SCHEDULED and broadcast.scheduled_at == clock.now()
    assert await bc.get_draft(session, broadcast.id, organizer) is None  # no longer a draft


async def test_changing_the_original_drops_machine_translations(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    broadcast = await bc.create_draft(session, clock, organizer)
    await bc.set_original(session, broadcast, "Hallo", "de")
    await bc.set_translation(session, broadcast, "ar", "مرحبا", machine=True)
    await bc.set_translation(session, broadcast, "uk", "Привіт")
    await bc.set_original(session, broadcast, "Hallo zusammen", "de")
    texts = await bc.texts(session, broadcast)
    assert set(texts) == {"de", "uk"}
    await bc.set_source_language(session, broadcast, "en")
    texts = await bc.texts(session, broadcast)
    assert set(texts) == {"en", "uk"} and texts["en"].text == "Hallo zusammen"
    assert bc.missing_languages(broadcast, texts) == ["de", "ar", "fa", "ru"]


# --- events --------------------------------------------------------------------------------------------
async def make_event(
    session: AsyncSession,
    clock: FrozenClock,
    organizer: User,
    *,
    capacity: int | None = None,
    starts_in: timedelta = timedelta(days=3),
) -> ev.Event:
    event = await ev.create_event(
        session,
        clock,
        organizer,
        lang="de",
        title="Sommerfest",
        body="Mit Musik",
        venue="Gemeindehaus (SAMPLE)",
        starts_at=clock.now() + starts_in,
        ends_at=clock.now() + starts_in + timedelta(hours=3),
        topic_id=await topic_id(session, "events"),
        capacity=capacity,
    )
    await session.commit()
    return event


async def remind(session: AsyncSession, clock: FrozenClock) -> int:
    """One run of the reminder mechanism (bot/reminders.py) for events: the rows it queued."""
    return await reminders.queue_due(
        session, clock, SETTINGS, {ReminderKind.EVENT: event_reminders.due_reminders}
    )


async def test_attendance_respects_capacity_and_queues_one_reminder(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    a, b = await add_user(session, clock, 11, "uk"), await add_user(session, clock, 12, "ar")
    event = await make_event(session, clock, organizer, capacity=1)
    assert (await ev.attend(session, clock, SETTINGS, event.id, a))[0] is ev.Attend.OK
    assert (await ev.attend(session, clock, SETTINGS, event.id, a))[0] is ev.Attend.ALREADY
    assert (await ev.attend(session, clock, SETTINGS, event.id, b))[0] is ev.Attend.FULL
    assert await remind(session, clock) == 0  # queued when it is due (bot/reminders.py), not before
    clock.set(event.starts_at - timedelta(hours=24))
    assert await remind(session, clock) == 1
    [reminder] = await outbox_rows(session, kind="event_reminder")
    assert reminder.user_id == 11 and reminder.lang == "uk"
    assert reminder.not_before == event.starts_at - timedelta(hours=24)
    assert reminder.payload["title"] == "Sommerfest" and reminder.payload["event_id"] == event.id
    # a place becomes free: the reminder is withdrawn, the next person gets the place
    assert await ev.unattend(session, event.id, a) is True
    assert [r.status for r in await outbox_rows(session, kind="event_reminder")] == ["cancelled"]
    assert (await ev.attend(session, clock, SETTINGS, event.id, b))[0] is ev.Attend.OK
    # coming back after cancelling gets a fresh reminder again (a new dedupe key); too late for the usual
    # one, it comes an hour before the start
    await ev.unattend(session, event.id, b)
    assert (await ev.attend(session, clock, SETTINGS, event.id, b))[0] is ev.Attend.OK
    assert await remind(session, clock) == 0
    clock.set(event.starts_at - timedelta(hours=1))
    assert await remind(session, clock) == 1
    pending = [r for r in await outbox_rows(session, kind="event_reminder") if r.status == "pending"]
    assert [(r.user_id, r.lang) for r in pending] == [(12, "ar")]


async def test_last_place_cannot_be_taken_twice_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        organizer = await add_user(session, clock, 1, role="organizer")
        for uid in range(11, 19):
            await add_user(session, clock, uid)
        event = await make_event(session, clock, organizer, capacity=1)
        event_id = event.id

    async def one(uid: int) -> ev.Attend:
        async with sessionmaker() as session:
            user = await session.get(User, uid)
            assert user is not None
            result, _ = await ev.attend(session, clock, SETTINGS, event_id, user)
            await asyncio.sleep(0.01)  # hold the transaction a little, as a handler does
            await session.commit()
            return result

    results = await asyncio.gather(*(one(uid) for uid in range(11, 19)))
    assert results.count(ev.Attend.OK) == 1
    assert results.count(ev.Attend.FULL) == 7


async def test_closed_events_refuse_attendance(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    user = await add_user(session, clock, 11)
    event = await make_event(session, clock, organizer, starts_in=timedelta(hours=2))
    clock.advance(timedelta(hours=2, minutes=1))  # started
    assert (await ev.attend(session, clock, SETTINGS, event.id, user))[0] is ev.Attend.CLOSED
    assert (await ev.attend(session, clock, SETTINGS, 424242, user))[0] is ev.Attend.CLOSED


async def test_cancelling_an_event_withdraws_reminders_and_tells_attendees(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    a, b = await add_user(session, clock, 11, "fa"), await add_user(session, clock, 12, "de")
    event = await make_event(session, clock, organizer)
    await ev.attend(session, clock, SETTINGS, event.id, a)
    await ev.attend(session, clock, SETTINGS, event.id, b)
    clock.set(event.starts_at - timedelta(hours=24))
    assert await remind(session, clock) == 2  # queued, not sent yet
    assert await ev.cancel_event(session, clock, SETTINGS, event.id) == 2
    assert [r.status for r in await outbox_rows(session, kind="event_reminder")] == ["cancelled"] * 2
    clock.set(event.starts_at - timedelta(hours=1))
    assert await remind(session, clock) == 0  # a cancelled event is no candidate
    notices = await outbox_rows(session, kind="event_cancelled")
    assert {(n.user_id, n.lang) for n in notices} == {(11, "fa"), (12, "de")}
    assert await ev.cancel_event(session, clock, SETTINGS, event.id) is None
    listing = await ev.upcoming(session, clock, "de", 11)
    assert listing.views == [] and listing.total == 0


async def test_upcoming_lists_in_the_readers_language(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    user = await add_user(session, clock, 11, "uk")
    later = await make_event(session, clock, organizer, starts_in=timedelta(days=5))
    sooner = await make_event(session, clock, organizer, starts_in=timedelta(days=1), capacity=10)
    session.add(
        ev.EventText(event_id=sooner.id, lang="uk", title="Літнє свято", body="З музикою", machine=True)
    )
    await ev.attend(session, clock, SETTINGS, sooner.id, user)
    await session.commit()
    listing = await ev.upcoming(session, clock, "uk", user.id)
    views = listing.views
    assert listing.total == 2 and [v.id for v in views] == [sooner.id, later.id]
    assert (views[0].title, views[0].machine, views[0].attending, views[0].free) == (
        "Літнє свято",
        True,
        True,
        9,
    )
    assert (views[1].title, views[1].machine, views[1].attending, views[1].free) == (
        "Sommerfest",
        False,
        False,
        None,
    )


async def test_event_details_are_checked(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    start = clock.now() + timedelta(days=1)
    base = dict(
        lang="de",
        title="T",
        body="",
        venue="V",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        topic_id=None,
        capacity=None,
    )
    for change, code in [
        ({"starts_at": clock.now() - timedelta(minutes=1)}, "past"),
        ({"ends_at": start}, "end_before_start"),
        ({"capacity": 0}, "capacity"),
        ({"title": " "}, "title"),
        ({"topic_id": 99999}, "topic"),
    ]:
        with pytest.raises(ev.EventError) as info:
            await ev.create_event(session, clock, organizer, **{**base, **change})  # type: ignore[arg-type]
        assert info.value.code == code


def test_reminder_time() -> None:
    """An event's reminder: the usual lead time, or an hour before when that had passed already."""
    plan = reminders.plans(SETTINGS)[ReminderKind.EVENT]
    now = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    assert plan.offsets_for(now + timedelta(days=2), now) == [24]
    assert plan.offsets_for(now + timedelta(hours=5), now) == [1]  # 1 h before
    assert plan.offsets_for(now + timedelta(minutes=30), now) == []


# --- dates typed by organizers -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("24.03.2026 18:00", datetime(2026, 3, 24, 17, 0, tzinfo=UTC)),  # winter time: UTC+1
        ("1.7.26 9.30", datetime(2026, 7, 1, 7, 30, tzinfo=UTC)),  # summer time: UTC+2
        ("٢٤.٠٣.٢٠٢٦ ١٨:٠٠", datetime(2026, 3, 24, 17, 0, tzinfo=UTC)),  # Arabic-Indic digits
        ("۲۴.۰۳.۲۰۲۶ ۱۸:۰۰", datetime(2026, 3, 24, 17, 0, tzinfo=UTC)),  # Persian digits
        ("24.03.2026, 18:00 Uhr", datetime(2026, 3, 24, 17, 0, tzinfo=UTC)),
        ("31.02.2026 10:00", None),
        ("24.03.2026 25:00", None),
        ("tomorrow", None),  # no time
        ("2026-03-24 18:00", datetime(2026, 3, 24, 17, 0, tzinfo=UTC)),
    ],
)
def test_dates_typed_by_organizers(typed: str, expected: datetime | None) -> None:
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    if expected is None:
        with pytest.raises(dates.DateError):
            dates.moment(typed, now, BERLIN)
    else:
        assert dates.moment(typed, now, BERLIN) == expected


def test_end_time_and_example() -> None:
    start = datetime(2026, 3, 24, 17, 0, tzinfo=UTC)
    assert dates.parse_end("20:00", start, BERLIN) == datetime(2026, 3, 24, 19, 0, tzinfo=UTC)
    assert dates.parse_end("25.03.2026 10:00", start, BERLIN) == datetime(2026, 3, 25, 9, 0, tzinfo=UTC)
    assert dates.parse_end("later", start, BERLIN) is None
    assert dates.example(datetime(2026, 3, 23, 23, 30, tzinfo=UTC), BERLIN) == "25.03.2026 18:00"


async def test_stale_drafts_are_dropped(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    old = await bc.create_draft(session, clock, organizer)
    await session.commit()
    clock.advance(timedelta(days=8))
    assert await bc.drop_stale_drafts(session, clock) == 1
    assert await bc.get(session, old.id) is None


async def test_state_changes_are_guarded(session: AsyncSession, clock: FrozenClock) -> None:
    """Two processes racing to expand the same broadcast: only one wins (compare-and-set on the state)."""
    organizer = await add_user(session, clock, 1, role="organizer")
    await subscribe_people(session, clock, {101: "de"})
    bid = await make_broadcast(session, clock, organizer)
    broadcast = await bc.get(session, bid)
    assert broadcast is not None
    assert await sending.expand(session, clock, SETTINGS, broadcast) == 1
    await session.execute(update(bc.Broadcast).where(bc.Broadcast.id == bid).values(state=bc.SCHEDULED))
    # the row is scheduled again, but every recipient's message already exists: nothing is queued twice
    assert await sending.expand(session, clock, SETTINGS, broadcast) == 0


async def test_demo_seed_brings_sample_events_in_six_languages(
    session: AsyncSession, clock: FrozenClock
) -> None:
    from bot.broadcast import demo
    from bot.demo import HELPER_ID, ORGANIZER_ID

    await add_user(session, clock, ORGANIZER_ID, role="organizer")
    await add_user(session, clock, HELPER_ID, role="helper")
    await demo.seed(session, clock, SETTINGS, DemoPeople(helper_id=2002, organizer_id=3003))
    await session.commit()
    listing = await ev.upcoming(session, clock, "fa", HELPER_ID)
    assert listing.total == 3
    for view in listing.views:
        assert "SAMPLE" in view.title and "SAMPLE" in view.event.venue
        assert view.title != view.event.title  # shown in Persian
        assert set(await ev.texts(session, view.id)) == {"ar", "fa", "uk", "en", "ru"}
    assert await subs.subscribed(session, HELPER_ID) == {await topic_id(session, "helpers")}


# --- rules that used to live in the handlers ----------------------------------------------------------------
def test_event_details_typed_one_by_one() -> None:

    def refused(check: object, *args: object) -> str:
        with pytest.raises(ev.EventError) as info:
            check(*args)  # type: ignore[operator]
        return info.value.code

    assert ev.typed_title("  Näh   café ") == "Näh café"
    assert refused(ev.typed_title, "Zeile eins\nZeile zwei") == ev.Problem.TITLE
    assert refused(ev.typed_title, "x" * (ev.MAX_TITLE + 1)) == ev.Problem.TITLE
    assert ev.typed_body("-") == "" and ev.typed_body("–") == ""
    assert ev.typed_body("Erste Zeile\nzweite Zeile ") == "Erste Zeile\nzweite Zeile"
    assert refused(ev.typed_body, "x" * (ev.MAX_BODY + 1)) == ev.Problem.BODY
    assert ev.typed_venue(" Gemeindehaus ") == "Gemeindehaus"
    assert refused(ev.typed_venue, "   ") == ev.Problem.VENUE
    start = datetime(2026, 3, 24, 17, 0, tzinfo=UTC)
    assert ev.typed_end("20:00", start, BERLIN) == datetime(2026, 3, 24, 19, 0, tzinfo=UTC)
    assert refused(ev.typed_end, "17:00", start, BERLIN) == ev.Problem.END_BEFORE_START
    assert refused(ev.typed_end, "später", start, BERLIN) == ev.Problem.END_BEFORE_START
    assert ev.typed_capacity(" ١٢ ") == 12
    for bad in ("0", "zehn", str(ev.MAX_CAPACITY + 1), "-3"):
        assert refused(ev.typed_capacity, bad) == ev.Problem.CAPACITY


async def test_upcoming_events_come_a_page_at_a_time(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    for day in range(1, 11):
        await make_event(session, clock, organizer, starts_in=timedelta(days=day))
    first = await ev.upcoming(session, clock, "de", None, 0, 8)
    assert (len(first.views), first.page, first.pages, first.total) == (8, 0, 2, 10)
    second = await ev.upcoming(session, clock, "de", None, 1, 8)
    assert (len(second.views), second.page) == (2, 1)
    assert [v.id for v in first.views + second.views] == sorted(v.id for v in first.views + second.views)
    beyond = await ev.upcoming(session, clock, "de", None, 7, 8)  # an old pager button: the last page
    assert beyond.page == 1 and [v.id for v in beyond.views] == [v.id for v in second.views]


async def test_announcing_needs_an_open_event_with_a_topic(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    event = await make_event(session, clock, organizer, starts_in=timedelta(hours=2))
    found, texts = await ev.announceable(session, clock, event.id)
    assert found.id == event.id and texts == {}
    assert (await ev.cancellable(session, clock, event.id)) is not None
    clock.advance(timedelta(hours=3))  # started
    with pytest.raises(ev.EventError) as info:
        await ev.announceable(session, clock, event.id)
    assert info.value.code == ev.Problem.CLOSED
    assert await ev.cancellable(session, clock, event.id) is not None  # until it is over
    clock.advance(timedelta(hours=3))
    assert await ev.cancellable(session, clock, event.id) is None
    no_topic = await ev.create_event(
        session,
        clock,
        organizer,
        lang="de",
        title="Ohne Thema",
        body="",
        venue="Hof",
        starts_at=clock.now() + timedelta(days=1),
        ends_at=clock.now() + timedelta(days=1, hours=1),
        topic_id=None,
        capacity=None,
    )
    with pytest.raises(ev.EventError) as info:
        await ev.announceable(session, clock, no_topic.id)
    assert info.value.code == ev.Problem.TOPIC


async def test_a_refused_announcement_leaves_nothing_behind(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    event = await make_event(session, clock, organizer)
    kept = await bc.create_draft(session, clock, organizer)  # an earlier draft of the organizer
    await session.commit()
    texts = {"de": ("Fest", False), "uk": ("x" * 3801, True)}
    with pytest.raises(bc.BroadcastError) as info:
        await bc.draft_from_event(
            session,
            clock,
            organizer,
            event_id=event.id,
            topic_id=event.topic_id or 0,
            source_lang="de",
            texts_by_lang=texts,
        )
    assert info.value.code == bc.Problem.TOO_LONG
    with pytest.raises(bc.BroadcastError) as info:
        await bc.draft_from_event(
            session,
            clock,
            organizer,
            event_id=event.id,
            topic_id=99999,
            source_lang="de",
            texts_by_lang={"de": ("Fest", False)},
        )
    assert info.value.code == bc.Problem.TOPIC
    assert await bc.get_draft(session, kept.id, organizer) is not None  # not replaced by a failed one
    broadcast = await bc.draft_from_event(
        session,
        clock,
        organizer,
        event_id=event.id,
        topic_id=event.topic_id or 0,
        source_lang="de",
        texts_by_lang={"de": ("Fest", False), "uk": ("Свято", True)},
    )
    assert broadcast.event_id == event.id and broadcast.source_lang == "de"
    assert {lang: row.machine for lang, row in (await bc.texts(session, broadcast)).items()} == {
        "de": False,
        "uk": True,
    }


async def test_typed_times_send_now_and_held_ones(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    await subscribe_people(session, clock, {101: "de", 102: "uk"})
    draft = await bc.create_draft(session, clock, organizer)
    await bc.set_topic(session, draft, await topic_id(session, "events"))
    await bc.set_original(session, draft, "Hallo", "de")
    with pytest.raises(bc.BroadcastError) as info:
        bc.propose_time(draft, datetime(2026, 3, 22, 17, 0, tzinfo=UTC), clock)
    assert info.value.code == bc.Problem.PAST
    later = dates.moment("23.03.2026 18:00", clock.now(), BERLIN)
    bc.propose_time(draft, later, clock)
    assert later == datetime(2026, 3, 23, 17, 0, tzinfo=UTC) == draft.scheduled_at
    confirmed = await sending.send_or_schedule(session, clock, SETTINGS, draft)
    assert (confirmed.at, confirmed.sending) == (later, None)  # waits for its time

    now = await bc.create_draft(session, clock, organizer)
    await bc.set_topic(session, now, await topic_id(session, "events"))
    await bc.set_original(session, now, "Jetzt", "de")
    bc.propose_time(now, None, clock)
    confirmed = await sending.send_or_schedule(session, clock, SETTINGS, now)
    assert confirmed.sending == 2  # expanded at once, not at the next wake-up of the job
    assert (await bc.get(session, now.id)).state == bc.SENDING  # type: ignore[union-attr]

    clock.set(later + timedelta(minutes=61))  # the bot was down: held
    assert (await sending.dispatch_due(session, clock, SETTINGS)).held == [draft.id]
    assert await bc.get_planned(session, draft.id) is not None
    assert await sending.send_held_now(session, clock, SETTINGS, draft.id) == 2
    with pytest.raises(bc.BroadcastError) as info:
        await sending.send_held_now(session, clock, SETTINGS, draft.id)
    assert info.value.code == bc.Problem.NOT_HELD


class FakeTranslator:
    """Translates by marking the text; nothing for Russian. Notes whether the caller still held a
    database transaction while it waited."""

    name, enabled = "fake", True

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.calls: list[tuple[str, str, str]] = []
        self.held_transaction = False

    async def translate(self, text: str, source: str, target: str, *, private: bool = False) -> str | None:
        self.calls.append((text, source, target))
        self.held_transaction |= self.session.in_transaction()
        return None if target == "ru" else f"[{target}] {text} & co"


async def test_machine_translation_releases_the_session_and_stores_the_results(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    draft = await bc.create_draft(session, clock, organizer)
    await bc.set_original(session, draft, "Fest am <b>Samstag</b>", "de")
    await bc.set_translation(session, draft, "uk", "Свято")
    targets = await bc.machine_targets(session, draft, None)
    assert targets == ["ar", "fa", "en", "ru"]
    assert await bc.machine_targets(session, draft, "xx") == []
    translator = FakeTranslator(session)
    results = await bc.machine_translate(session, translator, draft, organizer, targets)
    assert translator.calls and not translator.held_transaction  # released while translating
    assert results["ar"] == "[ar] Fest am Samstag &amp; co" and results["ru"] is None
    await session.commit()
    stored = await bc.texts(session, draft)
    assert stored["ar"].machine and "ru" not in stored and not stored["uk"].machine
    assert {call[0] for call in translator.calls} == {"Fest am Samstag"}


async def test_topic_names_typed_and_machine_translated(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    with pytest.raises(tp.TopicError):
        await tp.create_topic(session, clock, organizer, "de", "<b>Fest</b>")
    with pytest.raises(tp.TopicError):
        await tp.create_topic(session, clock, organizer, "xx", "Fest")
    topic = await tp.create_topic(session, clock, organizer, "de", "  Näh   café ")
    assert topic.names == {"de": "Näh café"}
    tp.rename(topic, "ar", "مقهى الخياطة")
    with pytest.raises(tp.TopicError):
        tp.rename(topic, "fa", " ")
    translator = FakeTranslator(session)
    topic = await tp.machine_translate_names(session, translator, topic)  # type: ignore[arg-type]
    assert topic is not None and not translator.held_transaction
    assert topic.names["fa"] == "[fa] Näh café & co" and topic.names["ar"] == "مقهى الخياطة"
    assert tp.missing_languages(topic) == ["ru"]  # no translation came


async def test_each_text_is_taken_in_the_language_it_is_written_in(
    session: AsyncSession, clock: FrozenClock
) -> None:
    """A Ukrainian original typed by a German organizer is Ukrainian; an Arabic text given as Farsi is told."""
    organizer = await add_user(session, clock, 1, role="organizer")
    draft = await bc.create_draft(session, clock, organizer)
    await bc.set_topic(session, draft, await topic_id(session, "events"))
    source = await bc.set_original(
        session, draft, "Шановні родини, у суботу о десятій ми разом з дітьми робимо вироби.", "de"
    )
    assert source == draft.source_lang == "uk"
    seen = await bc.set_translation(
        session,
        draft,
        "fa",
        "أيتها العائلات العزيزة، يوم السبت في الساعة العاشرة نصنع أشياء جميلة مع الأطفال.",
    )
    assert seen == "ar"
    fits = await bc.set_translation(
        session,
        draft,
        "ar",
        "أيتها العائلات العزيزة، يوم السبت في الساعة العاشرة نصنع أشياء جميلة مع الأطفال.",
    )
    assert fits is None
    assert await bc.set_original(session, draft, "Liebe Familien, am Samstag basteln wir.", "uk") == "de"
