"""The console's events page (console/pages/events.py, issue 17) on SQLite and PostgreSQL, through its HTTP:
the lists with people registered, creating an event with texts in several languages (refused with the bot's
own checks), the machine pre-fill marked until reviewed, editing, the attendance list with people, total
and reminders, and cancelling (the people registered are told). Each change an audit line."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.audit import latest
from bot.broadcast import events as ev
from bot.clock import FrozenClock
from bot.config import load_settings
from storage.models import Event, OutboxMessage, User
from tests.console_support import ORGANIZER_ID, ConsoleTest, console_fixture  # noqa: F401
from tests.test_faq_editing import FakeTranslator

SETTINGS = load_settings(_env_file=None)
EVENT_ID = re.compile(r"/console/events/(\d+)$")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))


def form(**changes: str) -> dict[str, str]:
    """A new event for 15 January 2027, 16:00–18:00 in Berlin, written in German."""
    fields = {
        "lang": "de",
        "day": "2027-01-15",
        "start": "16:00",
        "end": "18:00",
        "venue": "Gemeindehaus (SAMPLE)",
        "capacity": "10",
        "topic": "",
        "title_de": "Familienfest",
        "body_de": "Mit Kuchen",
    }
    fields.update(changes)
    return fields


async def add_event(
    console: ConsoleTest, *, days: float = 3, capacity: int | None = 10, title: str = "Nähcafé"
) -> int:
    async with console.sessionmaker() as session:
        organizer = await session.get(User, ORGANIZER_ID)
        assert organizer is not None
        start = console.clock.now() + timedelta(days=days)
        event = await ev.create_event(
            session,
            console.clock,
            organizer,
            lang="de",
            title=title,
            body="",
            venue="Saal",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            topic_id=None,
            capacity=capacity,
        )
        await session.commit()
        return event.id


async def register(console: ConsoleTest, event_id: int, user_id: int, people: int, lang: str = "ar") -> None:
    await console.add_person(user_id, role="visitor", language=lang)
    async with console.sessionmaker() as session:
        user = await session.get(User, user_id)
        assert user is not None
        result, _ = await ev.attend(session, console.clock, SETTINGS, event_id, user, people=people)
        assert result is ev.Attend.OK
        await session.commit()


async def stored(console: ConsoleTest, event_id: int) -> tuple[Event, dict[str, ev.EventText]]:
    async with console.sessionmaker() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        return event, await ev.texts(session, event_id)


async def audit_actions(console: ConsoleTest, event_id: int) -> list[str]:
    async with console.sessionmaker() as session:
        return [line.action for line in await latest(session, subject=f"event:{event_id}")]


async def test_the_lists_show_people_registered_and_the_past(console: ConsoleTest) -> None:
    soon = await add_event(console, title="Nähcafé")
    later = await add_event(console, days=5, capacity=None, title="Sommerfest")
    await add_event(console, days=0.01, title="Vorbei")
    await register(console, soon, 11, 4)
    await register(console, later, 12, 2)
    console.clock.advance(timedelta(hours=3))  # `over` is over
    client = await console.login()
    page = await client.text("/console/events")
    assert f'data-event="{soon}" data-taken="4" data-capacity="10"' in page
    assert f'data-event="{later}" data-taken="2" data-capacity=""' in page
    assert page.index("Nähcafé") < page.index("Sommerfest") and "Vorbei" not in page
    past = await client.text("/console/events?past=1")
    assert "Vorbei" in past and "Nähcafé" not in past
    # the title in the page's language where there is one
    async with console.sessionmaker() as session:
        await ev.set_text(session, soon, "en", "Sewing café", "")
        await session.commit()
    await client.get("/console/language/en?next=/console/events")
    assert "Sewing café" in await client.text("/console/events")


async def test_an_event_is_created_with_texts_in_several_languages(console: ConsoleTest) -> None:
    client = await console.login()
    page = await client.text("/console/events/new")
    assert 'id="f-title_ar"' in page and 'lang="ar" dir="rtl"' in page and 'lang="fa" dir="rtl"' in page
    assert 'lang="uk" dir="ltr"' in page and 'for="f-day"' in page
    answer = await client.post_form(
        "/console/events/new", form(title_ar="حفلة العائلة", body_ar="مع كعك", title_uk="Сімейне свято")
    )
    assert answer.status == 303, await answer.text()
    found = EVENT_ID.search(answer.headers["Location"])
    assert found
    event, texts = await stored(console, int(found.group(1)))
    assert (event.lang, event.title, event.body, event.capacity) == ("de", "Familienfest", "Mit Kuchen", 10)
    assert event.starts_at == datetime(2027, 1, 15, 15, 0, tzinfo=UTC)  # 16:00 in Berlin (winter time)
    assert event.ends_at == datetime(2027, 1, 15, 17, 0, tzinfo=UTC)
    assert {lang: (t.title, t.body, t.machine) for lang, t in texts.items()} == {
        "ar": ("حفلة العائلة", "مع كعك", False),
        "uk": ("Сімейне свято", "", False),
    }
    assert await audit_actions(console, event.id) == ["event.create"]
    shown = await client.text(f"/console/events/{event.id}")
    assert "حفلة العائلة" in shown and 'data-taken="0"' in shown and 'data-free="10"' in shown


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day": "2027-01-09"}, "day"),  # the past
        ({"end": "15:00"}, "end"),
        ({"venue": " "}, "venue"),
        ({"capacity": "0"}, "capacity"),
        ({"title_de": ""}, "title_de"),
        ({"title_uk": "", "body_uk": "Опис без назви"}, "title_uk"),
        ({"day": "morgen"}, "day"),
    ],
)
async def test_a_new_event_is_refused_with_the_bots_checks(
    console: ConsoleTest, changes: dict[str, str], field: str
) -> None:
    client = await console.login()
    answer = await client.post_form("/console/events/new", form(**changes))
    page = await answer.text()
    assert answer.status == 422
    assert f'href="#f-{field}"' in page and 'aria-invalid="true"' in page
    assert ">Mit Kuchen</textarea>" in page  # what was typed stays
    async with console.sessionmaker() as session:
        assert (await session.scalars(select(Event))).all() == []


async def test_machine_translations_are_marked_until_a_person_confirms_them(console: ConsoleTest) -> None:
    console.ctx.machine_translator = FakeTranslator()  # type: ignore[assignment]
    client = await console.login()
    answer = await client.post_form("/console/events/new", form(title_uk="Сімейне свято", machine="1"))
    assert answer.status == 303
    found = EVENT_ID.search(answer.headers["Location"])
    assert found
    event_id = int(found.group(1))
    _event, texts = await stored(console, event_id)
    assert not texts["uk"].machine  # typed: kept as typed
    assert texts["fa"].machine and texts["fa"].title == "ترجمة Familienfest"
    assert set(texts) == {"ar", "fa", "uk", "en", "ru"}
    assert await audit_actions(console, event_id) == ["event.translate", "event.create"]
    page = await client.text(f"/console/events/{event_id}/edit")
    assert 'name="reviewed_fa"' in page and 'name="reviewed_uk"' not in page
    # saved without ticking: still to review; ticked: a person's; changed: a person's
    fields = form(title_uk="Сімейне свято", title_fa="ترجمة Familienfest", body_fa="ترجمة Mit Kuchen")
    for lang in ("ar", "en", "ru"):
        fields |= {f"title_{lang}": texts[lang].title, f"body_{lang}": texts[lang].body}
    fields |= {"reviewed_ar": "1", "title_en": "Family party"}
    answer = await client.post_form(f"/console/events/{event_id}/edit", fields)
    assert answer.status == 303, await answer.text()
    _event, texts = await stored(console, event_id)
    assert {lang: t.machine for lang, t in texts.items()} == {
        "ar": False,
        "fa": True,
        "uk": False,
        "en": False,
        "ru": True,
    }
    assert texts["en"].title == "Family party"
    async with console.sessionmaker() as session:
        lines = await latest(session)
    assert [line.subject for line in lines if line.action == "event.text"] == [
        f"event:{event_id}:en",
        f"event:{event_id}:ar",
    ]
    assert "event.edit" not in [line.action for line in lines]  # nothing but texts changed


async def test_an_event_is_changed_within_the_rules(console: ConsoleTest) -> None:
    event_id = await add_event(console)
    await register(console, event_id, 11, 4)
    client = await console.login()
    page = await client.text(f"/console/events/{event_id}/edit")
    assert 'value="Nähcafé"' in page and 'name="capacity" value="10"' in page
    day = (console.clock.now() + timedelta(days=3)).astimezone(SETTINGS.tz)
    fields = form(title_de="Nähcafé", body_de="", day=day.date().isoformat(), start=f"{day:%H:%M}")
    fields["end"] = f"{day + timedelta(hours=2):%H:%M}"
    answer = await client.post_form(f"/console/events/{event_id}/edit", fields | {"capacity": "3"})
    assert answer.status == 422  # four people are registered
    assert 'href="#f-capacity"' in await answer.text()
    answer = await client.post_form(
        f"/console/events/{event_id}/edit", fields | {"capacity": "6", "venue": "Halle"}
    )
    assert answer.status == 303, await answer.text()
    event, _texts = await stored(console, event_id)
    assert (event.capacity, event.venue) == (6, "Halle")
    assert await audit_actions(console, event_id) == ["event.edit"]
    async with console.sessionmaker() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "event_changed"))
        ).all()
    assert [(m.user_id, m.lang, m.payload["venue"]) for m in rows] == [(11, "ar", "Halle")]  # told
    shown = await client.text(f"/console/events/{event_id}")
    assert 'data-taken="4" data-free="2"' in shown


async def test_the_attendance_list_counts_people_and_shows_reminders(console: ConsoleTest) -> None:
    event_id = await add_event(console)
    await register(console, event_id, 11, 4, "ar")
    await register(console, event_id, 12, 1, "uk")
    client = await console.login()
    page = await client.text(f"/console/events/{event_id}")
    rows = re.findall(r'data-number="(\d+)" data-people="(\d+)" data-reminder="(\w+)"', page)
    assert rows == [("1", "4", "due"), ("2", "1", "due")]  # in the order they came, numbered, no name or id
    assert 'id="attendance-total">5<' in page and "Telegram" not in page
    assert "Arabisch" in page and "Ukrainisch" in page


async def test_cancelling_tells_the_people_registered(console: ConsoleTest) -> None:
    event_id = await add_event(console)
    await register(console, event_id, 11, 4, "ar")
    client = await console.login()
    await client.text(f"/console/events/{event_id}")
    answer = await client.post_form(f"/console/events/{event_id}/cancel", {})
    assert answer.status == 303
    event, _texts = await stored(console, event_id)
    assert event.cancelled_at is None  # not confirmed
    answer = await client.post_form(f"/console/events/{event_id}/cancel", {"confirm": "yes"})
    assert answer.status == 303
    event, _texts = await stored(console, event_id)
    assert event.cancelled_at == console.clock.now()
    async with console.sessionmaker() as session:
        told = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "event_cancelled"))
        ).all()
    assert [(m.user_id, m.lang) for m in told] == [(11, "ar")]
    assert await audit_actions(console, event_id) == ["event.cancel"]
    page = await client.text(f"/console/events/{event_id}")
    assert 'id="cancel-event"' not in page and 'id="edit-event"' not in page
    assert (await client.get(f"/console/events/{event_id}/edit")).status == 303


async def test_unknown_events_are_not_found(console: ConsoleTest) -> None:
    client = await console.login()
    assert (await client.get("/console/events/999999")).status == 404
    assert (await client.get("/console/events/abc")).status == 404
    assert (await client.post_form("/console/events/999999/cancel", {"confirm": "yes"})).status == 404


async def test_missing_languages_are_machine_translated_on_request(console: ConsoleTest) -> None:
    event_id = await add_event(console)
    client = await console.login()
    page = await client.text(f"/console/events/{event_id}")
    assert 'id="translate-event"' not in page  # no translator configured
    answer = await client.post_form(f"/console/events/{event_id}/translate", {})
    assert answer.status == 303 and (await stored(console, event_id))[1] == {}
    console.ctx.machine_translator = FakeTranslator()  # type: ignore[assignment]
    page = await client.text(f"/console/events/{event_id}")
    assert 'id="translate-event"' in page
    answer = await client.post_form(f"/console/events/{event_id}/translate", {})
    assert answer.status == 303
    _event, texts = await stored(console, event_id)
    assert set(texts) == {"ar", "fa", "uk", "en", "ru"} and all(t.machine for t in texts.values())
    assert await audit_actions(console, event_id) == ["event.translate"]
    page = await client.text(f"/console/events/{event_id}")
    assert 'id="translate-event"' not in page  # nothing missing any more
    assert page.count("state-review") == 5


async def test_long_lists_come_a_page_at_a_time(console: ConsoleTest) -> None:
    for n in range(21):
        await add_event(console, days=1 + n / 10, title=f"Treffen {n:02d}")
    client = await console.login()
    first = await client.text("/console/events")
    assert first.count("data-taken=") == 20 and "Treffen 19" in first and "Treffen 20" not in first
    assert 'href="/console/events?page=1"' in first
    second = await client.text("/console/events?page=1")
    assert second.count("data-taken=") == 1 and "Treffen 20" in second
    assert 'href="/console/events?page=0"' in second
    assert (await client.text("/console/events?page=99")).count("data-taken=") == 1  # the last page
