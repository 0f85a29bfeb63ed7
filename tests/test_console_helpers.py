"""The console's helpers page (console/pages/helpers.py) on SQLite and PostgreSQL: the helpers list with
languages, areas, pause, last activity and counts, a page at a time; invitation links created, listed and
revoked (the bot then refuses a revoked one as an expired one); the assignments board with re-open (the
helper told) and hand back, each with its audit line."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import audit, users
from bot.assignments import claiming, service, team
from bot.assignments.options import areas
from bot.assignments.status import Outcome, Status
from bot.users import HELPER, ORGANIZER, find_user
from storage.models import Invite, OutboxMessage, User
from storage.models.assignments import Assignment, HelperProfile
from tests.console_support import ORGANIZER_ID, ConsoleTest, console_fixture  # noqa: F401

TZ = ZoneInfo("Europe/Berlin")
THURSDAY = date(2026, 3, 26)  # the clock fixture stands on Monday 2026-03-23 09:00 UTC
ROW = re.compile(r'<tr id="helper-(\d+)" data-helper="\d+">(.*?)</tr>', re.S)


async def add_helper(
    console: ConsoleTest,
    uid: int,
    langs: list[str] | None = None,
    places: list[str] | None = None,
    *,
    paused_until: datetime | None = None,
    active: bool = True,
    role: str = HELPER,
) -> None:
    async with console.sessionmaker() as session:
        now = console.clock.now()
        session.add(User(id=uid, role=role, language="de", created_at=now, is_active=active))
        await session.flush()
        if langs is not None:
            session.add(
                HelperProfile(
                    user_id=uid,
                    languages=langs,
                    areas=places or [],
                    paused_until=paused_until,
                    updated_at=now - timedelta(days=2),
                )
            )
        await session.commit()


async def taken_assignment(console: ConsoleTest, helper_id: int, day: date | None = THURSDAY) -> int:
    """An assignment made by the organizer (in Farsi, in Altwarmbüchen) and taken by `helper_id`."""
    known = areas(console.ctx.settings.areas_file)
    async with console.sessionmaker() as session:
        organizer = await find_user(session, ORGANIZER_ID)
        helper = await find_user(session, helper_id)
        assert organizer is not None and helper is not None
        new = service.NewAssignment(
            kind="doctor",
            language="fa",
            area="altwarmbuechen",
            day=day,
            minute=9 * 60 if day else None,
            description="Begleitung zur Hausärztin",
            details="Praxis Dr. K., Hauptstraße 1",
        )
        created = await service.create(session, console.clock, organizer, new, known, TZ)
        result = await claiming.claim(session, console.clock, created.assignment.id, helper, known)
        assert result.outcome == Outcome.WON
        await session.commit()
        return created.assignment.id


async def stored(console: ConsoleTest, aid: int) -> Assignment:
    async with console.sessionmaker() as session:
        found = await session.get(Assignment, aid)
        assert found is not None
        return found


async def audit_lines(console: ConsoleTest, subject: str) -> list[audit.AuditEntry]:
    async with console.sessionmaker() as session:
        return list(await audit.latest(session, subject=subject))


# --- the list ------------------------------------------------------------------------------------------
async def test_the_list_shows_each_helper_with_languages_areas_pause_and_counts(console: ConsoleTest) -> None:
    now = console.clock.now()
    await add_helper(console, 101, ["fa", "de"], ["altwarmbuechen"])
    await add_helper(console, 102, ["ar"], ["kirchhorst"], paused_until=now + timedelta(days=3))
    await add_helper(console, 103)  # invited, no profile yet
    await add_helper(console, 104, ["uk"], [], active=False)  # blocked the bot
    await add_helper(console, 105, role="visitor")  # not a helper: not listed
    taken = await taken_assignment(console, 101)
    done = await taken_assignment(console, 101, day=None)
    async with console.sessionmaker() as session:
        helper = await find_user(session, 101)
        assert helper is not None
        outcome = await claiming.mark_done(
            session, console.clock, done, helper, areas(console.ctx.settings.areas_file), TZ
        )
        assert outcome == Outcome.OK
        await session.commit()
    client = await console.login()
    page = html.unescape(await client.text("/console/helpers"))
    rows = dict(ROW.findall(page))
    assert set(rows) == {"101", "102", "103", "104"}
    assert re.search(r'<a href="tg://user\?id=101">[^<]*101</a>', rows["101"])
    assert "Farsi" in rows["101"] and "Altwarmbüchen" in rows["101"]
    assert re.search(r'data-count="taken">1<', rows["101"]) and re.search(
        r'data-count="done">1<', rows["101"]
    )
    assert re.search(r'data-count="taken">0<', rows["102"])
    assert 'data-state="paused"' in rows["102"] and "26.03.2026" in rows["102"]
    assert 'data-state="available"' in rows["101"] and 'data-state="blocked"' in rows["104"]
    assert "Kirchhorst" in rows["102"]
    # last activity: the latest of profile, taken, done (all "now" for 101; two days ago for 102)
    assert "23.03.26, 10:00" in rows["101"] and "21.03.26, 10:00" in rows["102"]
    assert taken  # (its row is counted as taken above)


async def test_the_list_comes_a_page_at_a_time(console: ConsoleTest) -> None:
    async with console.sessionmaker() as session:
        now = console.clock.now()
        session.add_all(
            User(id=1000 + n, role=HELPER, language="de", created_at=now)
            for n in range(team.HELPERS_PER_PAGE + 3)
        )
        await session.commit()
    client = await console.login()
    first = await client.text("/console/helpers")
    assert len(ROW.findall(first)) == team.HELPERS_PER_PAGE and 'href="/console/helpers?page=2"' in first
    second = await client.text("/console/helpers?page=2")
    assert [uid for uid, _row in ROW.findall(second)] == ["1050", "1051", "1052"]
    assert "?page=3" not in second


# --- invitation links ----------------------------------------------------------------------------------
async def test_an_invite_is_created_listed_and_revoked_and_the_bot_refuses_it(console: ConsoleTest) -> None:
    client = await console.login()
    answer = await client.post_form("/console/helpers/invites", {})
    assert answer.status == 303
    async with console.sessionmaker() as session:
        (invite,) = (await session.scalars(select(Invite))).all()
    assert (invite.role, invite.created_by) == (HELPER, ORGANIZER_ID)
    assert answer.headers["Location"] == f"/console/helpers/invites#invite-{invite.code}"
    page = await client.text("/console/helpers/invites")
    link = (
        f"https://t.me/helfernetz_demo_bot?start={invite.code}"  # as /invite gives it (no token: the demo's)
    )
    assert f'data-code="{invite.code}" data-state="valid"' in page and link in page
    (line,) = await audit_lines(console, f"invite:{invite.code}")
    assert (line.action, line.actor_id, line.after) == ("helpers.invite", ORGANIZER_ID, HELPER)

    revoked = await client.post_form(f"/console/helpers/invites/{invite.code}/revoke", {})
    assert revoked.status == 303
    page = await client.text("/console/helpers/invites")
    assert f'data-code="{invite.code}" data-state="revoked"' in page and link not in page
    assert [x.action for x in await audit_lines(console, f"invite:{invite.code}")] == [
        "helpers.invite_revoke",
        "helpers.invite",
    ]
    # again: nothing to revoke, no second line
    await client.post_form(f"/console/helpers/invites/{invite.code}/revoke", {})
    assert len(await audit_lines(console, f"invite:{invite.code}")) == 2
    # the bot's own redeeming refuses it, as an expired one
    await add_helper(console, 300, role="visitor")
    async with console.sessionmaker() as session:
        person = await find_user(session, 300)
        assert person is not None
        assert await users.redeem_invite(session, person, invite.code, console.clock) is None
        assert person.role == "visitor"


async def test_an_unrevoked_invite_works_and_then_shows_who_used_it(console: ConsoleTest) -> None:
    client = await console.login()
    await client.post_form("/console/helpers/invites", {})
    async with console.sessionmaker() as session:
        (invite,) = (await session.scalars(select(Invite))).all()
    await add_helper(console, 301, role="visitor")
    console.clock.advance(timedelta(hours=1))
    async with console.sessionmaker() as session:
        person = await find_user(session, 301)
        assert person is not None
        assert await users.redeem_invite(session, person, invite.code, console.clock) == HELPER
        await session.commit()
    page = await client.text("/console/helpers/invites")
    assert f'data-code="{invite.code}" data-state="used"' in page and 'href="tg://user?id=301"' in page
    assert f"/invites/{invite.code}/revoke" not in page
    refused = await client.post_form(f"/console/helpers/invites/{invite.code}/revoke", {})
    assert refused.status == 303  # a used link stays used
    assert [x.action for x in await audit_lines(console, f"invite:{invite.code}")] == ["helpers.invite"]


async def test_an_expired_invite_is_shown_as_expired(console: ConsoleTest) -> None:
    async with console.sessionmaker() as session:
        organizer = await find_user(session, ORGANIZER_ID)
        assert organizer is not None
        invite = await users.create_invite(session, organizer, ORGANIZER, console.clock, 1)
        await session.commit()
    console.clock.advance(timedelta(hours=2))
    page = await (await console.login()).text("/console/helpers/invites")
    assert f'data-code="{invite.code}" data-state="expired"' in page


# --- the board -----------------------------------------------------------------------------------------
async def test_the_board_shows_open_taken_and_done_without_the_details(console: ConsoleTest) -> None:
    await add_helper(console, 101, ["fa"], ["altwarmbuechen"])
    aid = await taken_assignment(console, 101)
    page = html.unescape(await (await console.login()).text("/console/helpers/board"))
    taken = page[page.index('data-column="taken"') : page.index('data-column="done"')]
    assert f'data-assignment="{aid}"' in taken and 'href="tg://user?id=101"' in taken
    assert "Begleitung zur Hausärztin" in taken and "Altwarmbüchen" in taken
    assert "Hauptstraße" not in page  # the address stays in the bot
    assert f"/helpers/board/{aid}/reopen" in taken and f"/helpers/board/{aid}/hand-back" in taken


async def test_reopen_takes_it_back_and_tells_the_helper(console: ConsoleTest) -> None:
    await add_helper(console, 101, ["fa"], ["altwarmbuechen"])
    await add_helper(console, 102, ["fa"], ["altwarmbuechen"])
    aid = await taken_assignment(console, 101)
    client = await console.login()
    answer = await client.post_form(f"/console/helpers/board/{aid}/reopen", {})
    assert answer.status == 303 and answer.headers["Location"] == "/console/helpers/board#open"
    assignment = await stored(console, aid)
    assert (assignment.status, assignment.assignee_id, assignment.round) == (Status.OPEN, None, 2)
    async with console.sessionmaker() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    told = {(r.chat_id, r.payload.get("event")) for r in rows if r.kind == "assignment_notice"}
    assert (101, "taken_back") in told
    assert 102 in {r.chat_id for r in rows if r.kind == "assignment_alert" and r.payload["a"]["round"] == 2}
    (line,) = await audit_lines(console, f"assignment:{aid}")
    assert (line.action, line.before, line.after) == ("assignment.reopen", "taken:101", "open")
    page = await client.text("/console/helpers/board")
    opened = page[page.index('data-column="open"') : page.index('data-column="taken"')]
    assert f'data-assignment="{aid}"' in opened
    # once more: nothing is taken any more, nothing changes
    await client.post_form(f"/console/helpers/board/{aid}/reopen", {})
    assert len(await audit_lines(console, f"assignment:{aid}")) == 1


async def test_hand_back_for_the_helper_until_the_appointment_begins(console: ConsoleTest) -> None:
    await add_helper(console, 101, ["fa"], ["altwarmbuechen"])
    first = await taken_assignment(console, 101)
    second = await taken_assignment(console, 101)
    client = await console.login()
    answer = await client.post_form(f"/console/helpers/board/{first}/hand-back", {})
    assert answer.status == 303
    assert (await stored(console, first)).status == Status.OPEN
    (line,) = await audit_lines(console, f"assignment:{first}")
    assert (line.action, line.before) == ("assignment.hand_back", "taken:101")
    async with console.sessionmaker() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert (ORGANIZER_ID, "handed_back") in {(r.chat_id, r.payload.get("event")) for r in rows}
    # once the appointment has begun, only "re-open" is left
    console.clock.set(datetime(2026, 3, 26, 8, 30, tzinfo=UTC))
    client = await console.login()  # (the first login has ended by then)
    page = await client.text("/console/helpers/board")
    assert f"/helpers/board/{second}/hand-back" not in page and f"/helpers/board/{second}/reopen" in page
    await client.post_form(f"/console/helpers/board/{second}/hand-back", {})
    assert (await stored(console, second)).status == Status.TAKEN
    assert await audit_lines(console, f"assignment:{second}") == []
    assert (await client.post_form("/console/helpers/board/99999/hand-back", {})).status == 303


async def test_a_helper_cannot_close_an_assignment_before_its_day(console: ConsoleTest) -> None:
    """The rule the board's "done" column relies on, through the same service as the bot's button."""
    await add_helper(console, 101, ["fa"], ["altwarmbuechen"])
    aid = await taken_assignment(console, 101)
    async with console.sessionmaker() as session:
        helper = await find_user(session, 101)
        assert helper is not None
        known = areas(console.ctx.settings.areas_file)
        assert await claiming.mark_done(session, console.clock, aid, helper, known, TZ) == Outcome.TOO_EARLY
        console.clock.set(datetime(2026, 3, 26, 6, 0, tzinfo=UTC))
        assert await claiming.mark_done(session, console.clock, aid, helper, known, TZ) == Outcome.OK
        await session.commit()
    page = await (await console.login()).text("/console/helpers/board")
    done = page[page.index('data-column="done"') :]
    assert f'data-assignment="{aid}"' in done
