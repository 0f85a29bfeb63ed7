"""Roles that follow the truth (issue 13), through the real bot and the Bot API emulator.

An organizer removes a helper with the buttons of /helpers: what the helper had taken is offered again,
the alert still queued for them never leaves, and their next tap on an alert is refused. An organizer whom
ORGANIZER_IDS made one is refused at their next tap once the bot restarts without them on the list, while
an organizer by invitation stays one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot import audit
from bot.app import build_app, startup
from bot.clock import FrozenClock
from handlers.core.callbacks import StaffAction, StaffCb
from storage.models import AuditEntry, OutboxMessage, User
from tests.e2e.harness import ORGANIZER_ID, TOKEN, BotHarness, buttons, running_bot, text_of
from tests.e2e.test_assignments import (
    AREA,
    MONDAY,
    add_helpers,
    alert_of,
    asg,
    assignment,
    create,
    tap,
    texts,
    tr,
)

REFUSED = "Sorry, this is only for helpers and organizers of the association."
INVITED = 9003


def staff(action: StaffAction, person: int = 0, page: int = 0) -> str:
    return StaffCb(action=action, page=page, person=person).pack()


def data_of(message: dict[str, Any]) -> list[str]:
    return [data for _, data in buttons(message)]


async def press(bot: BotHarness, uid: int, message: dict[str, Any], data: str) -> dict[str, Any]:
    """A tap whose answer is a pop-up (refusals): the callback record once answered."""
    record = bot.emu.user_presses(uid, message["message_id"], data, check_button=False)
    await bot.emu.wait_until(lambda: record["answered"], 5, f"answer to {data}")
    await bot.settle(0.1)
    return record


async def role_of(bot: BotHarness, uid: int) -> str | None:
    async with bot.app.sessionmaker() as session:
        user = await session.get(User, uid)
        return None if user is None else user.role


async def restart(bot: BotHarness, **changes: Any) -> None:
    """Stop the bot and start it again, as a deploy does: the same database and emulator, changed settings,
    and the real start-up (which applies ORGANIZER_IDS). Jobs and delivery stay with the test."""
    await bot.settle()  # every update confirmed, so the new poller does not get the last ones again
    old = bot.app
    await old.dp.stop_polling()
    assert bot._polling is not None
    await asyncio.wait_for(bot._polling, 5)
    await old.bot.session.close()
    update = {**changes, "scheduler_enabled": False, "delivery_enabled": False}
    app = await build_app(old.settings.model_copy(update=update), TOKEN, clock=old.clock, engine=old.engine)
    await startup(app)
    bot.app = app
    bot._polling = asyncio.create_task(
        app.dp.start_polling(app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
    )


async def test_an_organizer_removes_a_helper_whose_next_tap_is_refused(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path, clock=FrozenClock(MONDAY)) as bot:
        bot.user(ORGANIZER_ID)
        await add_helpers(bot, (501, "de", ["fa"], [AREA]), (502, "uk", ["fa"], [AREA]))
        taken = await create(bot)
        offered = await create(bot, day=4)
        await bot.deliver()
        await bot.press(501, alert_of(bot, 501, taken), asg("take", taken))
        queued = await create(bot, day=5)  # its alerts wait in the outbox

        listing = await bot.say(ORGANIZER_ID, "/helpers")
        assert tr("de", "that is you") in text_of(listing)  # the organizer, listed first, has no button
        assert staff(StaffAction.PICK, ORGANIZER_ID) not in data_of(listing)
        confirm = await tap(bot, ORGANIZER_ID, listing, staff(StaffAction.PICK, 501))
        assert confirm["message_id"] == listing["message_id"]
        assert staff(StaffAction.REMOVE, 501) in data_of(confirm)
        done = await tap(bot, ORGANIZER_ID, confirm, staff(StaffAction.REMOVE, 501))
        assert text_of(done).startswith(
            tr("de", "✅ Removed. They are a visitor now and no longer get alerts or questions.")
        )
        assert await role_of(bot, 501) == "visitor"
        found = await assignment(bot, taken)
        assert (found.status, found.assignee_id, found.round) == ("open", None, 2)

        await bot.deliver()
        # the alert that was still queued for them never left; the others got theirs
        assert not [m for m in bot.emu.messages(501) if asg("take", queued) in str(m.get("reply_markup"))]
        assert alert_of(bot, 502, queued)
        # the assignment they had taken is offered again, and its organizer is told why
        assert buttons(alert_of(bot, 502, taken))
        removed = tr(
            "de", "↩️ The helper of assignment no. {number} was removed by an organizer, so it is open again."
        )
        assert any(removed.format(number=taken) in text for text in texts(bot, ORGANIZER_ID))

        # their next tap on an alert they still have is refused, and changes nothing
        refused = await press(bot, 501, alert_of(bot, 501, offered), asg("take", offered))
        assert refused["show_alert"] and refused["text"] == tr("de", REFUSED)
        assert (await assignment(bot, offered)).status == "open"
        assert text_of(await bot.say(501, "/assignments")) == tr("de", REFUSED)

        # /helpers no longer lists them; forged presses are refused with the reason, or stale
        listing = await bot.say(ORGANIZER_ID, "/helpers")
        assert staff(StaffAction.PICK, 501) not in data_of(listing)
        assert staff(StaffAction.PICK, 502) in data_of(listing)
        for data, why in (
            (
                staff(StaffAction.REMOVE, ORGANIZER_ID),
                "You cannot remove yourself. Another organizer can do it.",
            ),
            (
                staff(StaffAction.PICK, ORGANIZER_ID),
                "You cannot remove yourself. Another organizer can do it.",
            ),
            (staff(StaffAction.REMOVE, 501), "This person is no longer a helper or organizer."),
            (
                "stf:rm:0:4503599627370496",
                "This button is no longer valid. Please open the menu again: /menu",
            ),
            ("stf:rm:-1:502", "This button is no longer valid. Please open the menu again: /menu"),
        ):
            answer = await press(bot, ORGANIZER_ID, listing, data)
            assert answer["text"] == tr("de", why), data
        assert await role_of(bot, 502) == "helper"
        # a helper cannot even see the list
        assert (await press(bot, 502, alert_of(bot, 502, taken), staff(StaffAction.REMOVE, 501)))[
            "text"
        ] == tr("uk", REFUSED)

        async with bot.app.sessionmaker() as session:
            lines = (
                await session.scalars(select(AuditEntry).where(AuditEntry.action == audit.ROLE_REMOVED))
            ).all()
            assert [(e.actor_id, e.subject, e.before, e.after) for e in lines] == [
                (ORGANIZER_ID, "user:501", "helper", "visitor")
            ]
            cancelled = await session.scalars(
                select(OutboxMessage.status).where(
                    OutboxMessage.user_id == 501, OutboxMessage.ref == f"assign:{queued}"
                )
            )
            assert cancelled.all() == ["cancelled"]
        assert bot.emu.violations == []


async def test_an_organizer_off_the_list_is_refused_at_the_next_tap_after_a_restart(
    db_kind: str, tmp_path: Path
) -> None:
    async with running_bot(db_kind, tmp_path, clock=FrozenClock(MONDAY)) as bot:
        bot.user(ORGANIZER_ID)
        bot.user(INVITED)
        invite = await bot.say(ORGANIZER_ID, "/invite organizer")
        code = text_of(invite).split("?start=")[1].split()[0]
        await bot.say(INVITED, f"/start {code}")
        assert await role_of(bot, INVITED) == "organizer"
        listing = await bot.say(ORGANIZER_ID, "/helpers")
        remove_invited = staff(StaffAction.PICK, INVITED)
        assert remove_invited in data_of(listing)

        await restart(bot, organizer_ids=[])  # ORGANIZER_IDS without them

        assert await role_of(bot, ORGANIZER_ID) == "visitor"
        refused = await press(bot, ORGANIZER_ID, listing, remove_invited)  # a button they still have
        assert refused["show_alert"] and refused["text"] == tr("de", REFUSED)
        assert text_of(await bot.say(ORGANIZER_ID, "/helpers")) == tr("de", REFUSED)
        assert await role_of(bot, INVITED) == "organizer"  # by invitation: the list does not decide
        theirs = await bot.say(INVITED, "/helpers")
        assert staff(StaffAction.PICK, ORGANIZER_ID) not in data_of(theirs)  # a visitor now: not listed
        async with bot.app.sessionmaker() as session:
            # the role lines (the first start also audits its FAQ import)
            role_lines = select(AuditEntry).where(AuditEntry.action.like("role.%")).order_by(AuditEntry.id)
            lines = (await session.scalars(role_lines)).all()
            assert [(e.actor_id, e.action, e.subject, e.before, e.after) for e in lines] == [
                (None, audit.ROLE_CONFIG, f"user:{ORGANIZER_ID}", "visitor", "organizer"),
                (ORGANIZER_ID, audit.ROLE_INVITE, f"user:{INVITED}", "visitor", "organizer"),
                (None, audit.ROLE_CONFIG, f"user:{ORGANIZER_ID}", "organizer", "visitor"),
            ]
        assert bot.emu.violations == []
