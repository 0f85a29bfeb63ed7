"""Assignments through the real bot and the Bot API emulator: /assign, alerts, the first claim wins, details
only for the winner, reminders and "done?" on a controlled clock, escalation, hand back, forged buttons, and a
claim whose messages meet a 429 (all of them go through the outbox)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.assignments import service
from bot.assignments.options import areas
from bot.claims import Handed
from bot.clock import FrozenClock
from bot.i18n import catalogs
from bot.i18n_tools import first_strong_is_rtl
from bot.text import Translator
from handlers.assignments.callbacks import AssignmentAction, AssignmentCb, BoardCb, NewCb, NewStep, ProfileCb
from handlers.assignments.views import ASSIGNMENT_ERRORS
from handlers.callbacks import TakeCb, Via
from storage.models.assignments import Assignment, HelperProfile
from storage.models.core import User
from tests.e2e.harness import ORGANIZER_ID, BotHarness, buttons, running_bot, text_of

MONDAY = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
AREA = "altwarmbuechen"
OTHER_AREA = "kirchhorst"
DETAILS = "Rathaus Zimmer 12, Familie R. 0151-2345678"


def asg(action: str, assignment_id: int) -> str:
    if action in ("take", "pick"):  # "I'll take it": the one schema of everything handed to a person
        via = Via.ALERT if action == "take" else Via.LIST
        return TakeCb(kind=Handed.ASSIGNMENT, item=assignment_id, via=via).pack()
    return AssignmentCb(action=AssignmentAction(action), assignment=assignment_id).pack()


def tr(lang: str, msgid: str) -> str:
    return catalogs().gettext(lang, msgid)


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def tickets_model() -> type[Any]:
    from storage.models.faq import Ticket

    return Ticket


def texts(bot: BotHarness, chat_id: int) -> list[str]:
    return [text_of(m) for m in bot.emu.bot_messages(chat_id)]


async def add_helpers(bot: BotHarness, *specs: tuple[int, str, list[str], list[str]], **kw: Any) -> None:
    """(user id, UI language, languages spoken, areas); kw: role, paused (days)."""
    now = bot.app.clock.now()
    async with bot.app.sessionmaker() as session:
        for uid, lang, _spoken, _covered in specs:
            session.add(
                User(id=uid, role=kw.get("role", "helper"), language=lang, consent_at=now, created_at=now)
            )
            bot.user(uid, language_code=lang)
        await session.flush()
        paused = now + timedelta(days=kw["paused"]) if kw.get("paused") else None
        for uid, _lang, spoken, covered in specs:
            session.add(
                HelperProfile(
                    user_id=uid, languages=spoken, areas=covered, paused_until=paused, updated_at=now
                )
            )
        await session.commit()


async def create(
    bot: BotHarness, language: str = "fa", area: str = AREA, day: int = 3, minute: int | None = 540
) -> int:
    """An assignment by the organizer, straight through the service (the dialog has its own test)."""
    async with bot.app.sessionmaker() as session:
        organizer = await session.get(User, ORGANIZER_ID)
        if organizer is None:
            organizer = User(id=ORGANIZER_ID, role="organizer", language="de", created_at=bot.app.clock.now())
            session.add(organizer)
            await session.flush()
        new = service.NewAssignment(
            kind="authority",
            language=language,
            area=area,
            day=(MONDAY + timedelta(days=day)).date() if minute is not None else None,
            minute=minute,
            description="Termin Ausländerbehörde",
            details=DETAILS,
        )
        created = await service.create(
            session, bot.app.clock, organizer, new, areas(bot.app.settings.areas_file), bot.app.settings.tz
        )
        await session.commit()
        return created.assignment.id


async def assignment(bot: BotHarness, aid: int) -> Assignment:
    async with bot.app.sessionmaker() as session:
        found = await session.get(Assignment, aid)
        assert found is not None
        return found


def alert_of(bot: BotHarness, uid: int, aid: int) -> dict[str, Any]:
    take = asg("take", aid)
    found = [m for m in bot.emu.messages(uid) if m["from_bot"] and take in str(m.get("reply_markup"))]
    assert found, f"no alert for {aid} in chat {uid}: {texts(bot, uid)}"
    return found[-1]


async def tap(bot: BotHarness, uid: int, message: dict[str, Any], data: str) -> dict[str, Any]:
    """Press a button that edits its message (no new message to wait for); the chat's last message."""
    press = bot.emu.user_presses(uid, message["message_id"], data)
    await bot.emu.wait_until(lambda: press["answered"], 5, f"answer to {data}")
    await bot.settle(0.3)  # the edit may follow the answer; wait until the bot is quiet
    return bot.emu.messages(uid)[-1]


def chats_mentioning(bot: BotHarness, needle: str) -> set[int]:
    return {
        c["id"] for c in bot.emu.chats() for m in bot.emu.messages(c["id"]) if needle in (m.get("text") or "")
    }


# --- acceptance: the dialog, and alerts to exactly the matching, unpaused helpers ----------------------------
@pytest.mark.pg_e2e
async def test_assign_dialog_alerts_exactly_the_matching_unpaused_helpers(
    db_kind: str, tmp_path: Path
) -> None:
    async with running_bot(db_kind, tmp_path, clock=FrozenClock(MONDAY)) as bot:
        bot.user(ORGANIZER_ID)
        await add_helpers(bot, (501, "de", ["fa", "de"], [AREA]), (502, "fa", ["fa"], [AREA, OTHER_AREA]))
        await add_helpers(bot, (503, "de", ["ar"], [AREA]), (504, "de", ["fa"], [OTHER_AREA]))
        await add_helpers(bot, (505, "de", ["fa"], [AREA]), paused=7)
        await add_helpers(bot, (506, "de", ["fa"], [AREA]), role="visitor")

        step = await bot.say(ORGANIZER_ID, "/assign")
        choice = NewCb(step=NewStep.KIND, kind="authority")
        for next_step, field, value in (
            (NewStep.KIND, "", None),
            (NewStep.LANGUAGE, "language", "fa"),
            (NewStep.AREA, "area", AREA),
            (NewStep.DAY, "day", 20260326),
            (NewStep.TIME, "minute", 540),
        ):
            if field:
                choice = NewCb(**{**choice.model_dump(), "step": next_step, field: value})
            step = await tap(bot, ORGANIZER_ID, step, choice.pack())
        assert "26" in text_of(step) and "09:00" in text_of(step)
        refused = await bot.say(ORGANIZER_ID, "Dolmetschen, Tel. 0511 123456")  # personal data
        assert text_of(refused) == tr("de", service_error("personal_data"))
        await bot.say(ORGANIZER_ID, "Termin bei der Ausländerbehörde, Verlängerung des Aufenthalts")
        preview = await bot.say(ORGANIZER_ID, DETAILS)
        assert DETAILS in text_of(preview)
        await tap(bot, ORGANIZER_ID, preview, NewCb(step=NewStep.SEND).pack())
        assert "2" in texts(bot, ORGANIZER_ID)[-1]  # "went to 2 matching helpers"

        assert await bot.deliver() == 2
        for uid in (501, 502):
            alert = alert_of(bot, uid, 1)
            assert DETAILS not in text_of(alert) and "Ausländerbehörde" in text_of(alert)
        assert first_strong_is_rtl(text_of(alert_of(bot, 502, 1))) is True  # Farsi reader: RTL first
        for uid in (503, 504, 505, 506):
            assert bot.emu.bot_messages(uid) == [], uid
        assert bot.emu.violations == []


def service_error(code: str) -> str:
    return ASSIGNMENT_ERRORS[code]


# --- acceptance: two helpers at once, one wins; details only in the winner's chat ----------------------------
@pytest.mark.pg_e2e
async def test_two_helpers_pressing_at_once_one_wins(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path, clock=FrozenClock(MONDAY)) as bot:
        await add_helpers(
            bot, (501, "de", ["fa"], [AREA]), (502, "uk", ["fa"], [AREA]), (503, "ar", ["fa"], [AREA])
        )
        bot.user(ORGANIZER_ID)
        aid = await create(bot)
        assert await bot.deliver() == 3
        alerts = {uid: alert_of(bot, uid, aid) for uid in (501, 502)}
        take = asg("take", aid)
        presses = {uid: bot.emu.user_presses(uid, alerts[uid]["message_id"], take) for uid in (501, 502)}
        await bot.emu.wait_until(lambda: all(p["answered"] for p in presses.values()), 10, "both answered")
        await bot.settle()

        found = await assignment(bot, aid)
        winner = found.assignee_id
        assert found.status == "taken" and winner in (501, 502)
        loser = 502 if winner == 501 else 501
        lang_of = {501: "de", 502: "uk"}  # either may win the race
        assert presses[winner]["text"] == tr(lang_of[winner], "✅ It's yours. Thank you!")
        assert presses[loser]["show_alert"] and presses[loser]["text"] == tr(
            lang_of[loser], "Sorry, someone else was quicker: this assignment is already taken. Thank you!"
        )
        assert len(bot.emu.bot_messages(winner)) == 1  # only the toast answered the press directly

        await bot.deliver()  # every alert is edited, the winner told, the organizer too
        for uid, lang in ((loser, lang_of[loser]), (503, "ar")):
            other = bot.emu.messages(uid)[0]
            assert other["edited"] and buttons(other) == []
            assert tr(lang, "✋ Already taken by another helper. Thank you!") in text_of(other)
        pressed, yours = bot.emu.bot_messages(winner)
        assert pressed["edited"] and buttons(pressed) == []
        assert tr(
            lang_of[winner], "✅ You took this assignment. Address and contact: /assignments"
        ) in text_of(pressed)
        assert DETAILS not in text_of(yours)  # the address and contact: only on the winner's own press
        assert chats_mentioning(bot, "Rathaus Zimmer 12") == set()
        shown = await bot.press(winner, yours, asg("det", aid))
        assert shown is not None and DETAILS in text_of(shown)
        assert chats_mentioning(bot, "Rathaus Zimmer 12") == {winner}
        third = bot.emu.messages(503)[0]
        assert any(
            tr("de", "✅ Assignment no. {number} has been taken.").format(number=aid) in t
            for t in texts(bot, ORGANIZER_ID)
        )
        # a stale press on an old alert: "already taken"
        stale = bot.emu.user_presses(503, third["message_id"], take, check_button=False)
        await bot.emu.wait_until(lambda: stale["answered"], 5, "stale press answered")
        assert stale["text"] == tr(
            "ar", "Sorry, someone else was quicker: this assignment is already taken. Thank you!"
        )
        assert bot.emu.violations == []


# --- acceptance: reminder the day before, "done?" after the date, on a controlled clock ------------------------
async def test_reminder_and_followup_come_at_the_right_times(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(MONDAY)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await add_helpers(bot, (501, "de", ["fa"], [AREA]))
        bot.user(ORGANIZER_ID)
        aid = await create(bot)  # Thursday 09:00 Berlin = 08:00 UTC
        await bot.deliver()
        await bot.press(501, alert_of(bot, 501, aid), asg("take", aid))
        await bot.deliver()

        async def tick(moment: datetime) -> tuple[int, int]:
            clock.set(moment)
            before = (len(bot.emu.bot_messages(501)), len(bot.emu.bot_messages(ORGANIZER_ID)))
            await bot.run_job("reminders")
            await bot.run_job("assignments_followup")
            await bot.deliver()
            after = (len(bot.emu.bot_messages(501)), len(bot.emu.bot_messages(ORGANIZER_ID)))
            return after[0] - before[0], after[1] - before[1]

        assert await tick(datetime(2026, 3, 25, 7, 59, tzinfo=UTC)) == (0, 0)
        assert await tick(datetime(2026, 3, 25, 8, 0, tzinfo=UTC)) == (1, 1)
        assert await tick(datetime(2026, 3, 25, 9, 0, tzinfo=UTC)) == (0, 0)  # never twice
        reminder = bot.emu.bot_messages(501)[-1]
        assert text_of(reminder).startswith("⏰") and DETAILS not in text_of(reminder)
        details = await bot.press(501, reminder, asg("det", aid))
        assert details and DETAILS in text_of(details)

        assert await tick(datetime(2026, 3, 26, 10, 59, tzinfo=UTC)) == (0, 0)
        assert await tick(datetime(2026, 3, 26, 11, 0, tzinfo=UTC)) == (1, 0)
        followup = bot.emu.bot_messages(501)[-1]
        assert text_of(followup).startswith("🏁")
        prompt = await bot.press(501, followup, asg("note", aid))
        assert prompt is not None
        closed = await bot.say(501, "Alles erledigt, nächster Termin in 3 Monaten")
        assert text_of(closed) == tr("de", "🏁 Thank you! Assignment no. {number} is closed.").format(
            number=aid
        )
        assert (await assignment(bot, aid)).status == "done"
        await bot.deliver()
        assert "Alles erledigt" in texts(bot, ORGANIZER_ID)[-1]
        assert await tick(datetime(2026, 3, 27, 11, 0, tzinfo=UTC)) == (0, 0)
        assert bot.emu.violations == []


# --- "done" only from the assignment's day on: the helper is told so in their language ------------------------
async def test_done_before_its_day_is_refused_in_the_helpers_language(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(MONDAY)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await add_helpers(bot, (501, "uk", ["fa"], [AREA]))
        bot.user(ORGANIZER_ID)
        aid = await create(bot)  # Thursday 09:00 Berlin
        await bot.deliver()
        await bot.press(501, alert_of(bot, 501, aid), asg("take", aid))
        await bot.deliver()
        yours = next(
            m for m in reversed(bot.emu.bot_messages(501)) if asg("done", aid) in str(m["reply_markup"])
        )
        for action in ("done", "note"):
            press = bot.emu.user_presses(501, yours["message_id"], asg(action, aid))
            await bot.emu.wait_until(lambda p=press: p["answered"], 5, action)
            too_early = "This assignment is not due yet. You can mark it as done from its day on."
            assert press["show_alert"] and press["text"] == tr("uk", too_early), action
        assert (await assignment(bot, aid)).status == "taken"
        clock.set(datetime(2026, 3, 26, 6, 0, tzinfo=UTC))  # Thursday 07:00 in Berlin: its day
        await bot.press(501, yours, asg("done", aid))
        assert (await assignment(bot, aid)).status == "done"


# --- acceptance: a non-helper cannot see or claim, also not with forged buttons ---------------------------------
async def test_non_helpers_cannot_see_or_claim_even_with_forged_buttons(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path, clock=FrozenClock(MONDAY)) as bot:
        await add_helpers(bot, (501, "de", ["fa"], [AREA]), (502, "de", ["fa"], [AREA]))
        bot.user(ORGANIZER_ID)
        aid = await create(bot)
        await bot.deliver()
        await bot.press(501, alert_of(bot, 501, aid), asg("take", aid))

        bot.user(700, language_code="de")
        start = await bot.say(700, "/start")
        refusal = tr("de", "Sorry, this is only for helpers and organizers of the association.")
        for command in ("/assignments", "/profile", "/assign"):
            assert text_of(await bot.say(700, command)) == refusal
        assert text_of(await bot.say(502, "/assign")) == refusal  # helpers do not create assignments
        forged = [asg(a, aid) for a in ("take", "pick", "det", "backok", "done", "view", "cancelok")]
        forged += [NewCb(step=NewStep.SEND).pack(), ProfileCb(action="lang", key="fa").pack()]
        stale = tr("de", "This button is no longer valid. Please open the menu again: /menu")
        for data in forged:
            press = bot.emu.user_presses(700, start["message_id"], data, check_button=False)
            await bot.emu.wait_until(lambda p=press: p["answered"], 5, f"answer to {data}")
            # refused by role; "send" without a dialog in progress does not even reach a handler
            assert press["text"] == (stale if data.startswith("asn:") else refusal), data
        # another helper: may not see the details, hand it back or close it
        for action in ("det", "backok", "done"):
            data = asg(action, aid)
            press = bot.emu.user_presses(502, alert_of(bot, 502, aid)["message_id"], data, check_button=False)
            await bot.emu.wait_until(lambda p=press: p["answered"], 5, action)
            assert press["show_alert"], action
        # junk ids (beyond the id column, beyond a bigint, negative, unknown) are "no such assignment" or
        # a stale button, not an error
        oops = tr("de", "Sorry, something went wrong. Please try again in a moment.")
        for data in (
            "asg:take:99999999999999999999",
            "asg:take:2147483648",
            "asg:backok:-1",
            "qtk:-5",
            "qtk:2147483648",
            "asg:det:424242",
            "asb:-1",
            "prf:pauseset::100000",
            "asn:time:doctor:fa:x:20260326:0:99999",
            "asn:time:doctor:fa:x:20260326:0:540",  # an area that does not exist
        ):
            press = bot.emu.user_presses(502, alert_of(bot, 502, aid)["message_id"], data, check_button=False)
            await bot.emu.wait_until(lambda p=press: p["answered"], 5, data)
            assert press["show_alert"] and press["text"] != oops, data
        # an organizer's forged choice (an area that does not exist) is refused by the service's check
        dialog = await bot.say(ORGANIZER_ID, "/assign")
        data = "asn:area:doctor:fa:atlantis:0:0:-1"
        press = bot.emu.user_presses(ORGANIZER_ID, dialog["message_id"], data, check_button=False)
        await bot.emu.wait_until(lambda: press["answered"], 5, data)
        assert press["show_alert"] and press["text"] == stale
        # text typed while the kind is to be chosen: told to use the buttons, not answered by the FAQ;
        # /cancel ends the dialog and takes the buttons off its screen
        typed = await bot.say(ORGANIZER_ID, "Arzt")
        assert text_of(typed) == tr(
            "de", "📋 Please choose with the buttons above. /cancel stops the new assignment."
        )
        cancelled = await bot.say(ORGANIZER_ID, "/cancel")
        assert text_of(cancelled) == tr("de", "Cancelled. Nothing was sent.")
        await bot.settle()
        assert not buttons(
            next(m for m in bot.emu.messages(ORGANIZER_ID) if m["message_id"] == dialog["message_id"])
        )
        await bot.settle()
        found = await assignment(bot, aid)
        assert (found.status, found.assignee_id) == ("taken", 501)
        await bot.deliver()
        assert chats_mentioning(bot, "Rathaus Zimmer 12") == set()  # only the assignee's press shows them
        async with bot.app.sessionmaker() as session:
            assert await session.get(HelperProfile, 700) is None
        assert bot.emu.violations == []


# --- a 429 on the claim's messages: they wait in the outbox, then arrive once ---------------------------------
@pytest.mark.pg_e2e
async def test_a_take_meeting_429_still_edits_the_alert_and_tells_the_winner_once(
    db_kind: str, tmp_path: Path
) -> None:
    clock = FrozenClock(MONDAY)
    # a claim timeout of 5 s keeps a 429's pause in memory under 3 s: the row goes back to the outbox at once
    async with running_bot(db_kind, tmp_path, clock=clock, delivery_claim_timeout_seconds=5) as bot:
        await add_helpers(bot, (501, "fa", ["fa"], [AREA]), (502, "de", ["fa"], [AREA]))
        bot.user(ORGANIZER_ID)
        aid = await create(bot)
        assert await bot.deliver() == 2
        alert = alert_of(bot, 501, aid)
        bot.emu.configure_faults(
            fault_ratio=1.0, fault_kinds=["429"], fault_methods=["editMessageText"], fault_retry_after=3
        )
        take = asg("take", aid)
        presses = [bot.emu.user_presses(501, alert["message_id"], take) for _ in range(2)]  # a double press
        await bot.emu.wait_until(lambda: all(p["answered"] for p in presses), 10, "both presses answered")
        await bot.settle()
        assert [p["text"] for p in presses] == [tr("fa", "✅ It's yours. Thank you!")] * 2

        await bot.deliver()  # the organizer's notice goes out; both edits meet 429 and wait
        assert bot.emu.stats["responses_429"] >= 2
        assert not bot.emu.messages(501)[0]["edited"] and not bot.emu.messages(502)[0]["edited"]
        # "it's yours" is about the same assignment in the same chat: it keeps its place after the edit
        assert len(bot.emu.bot_messages(501)) == 1

        bot.emu.configure_faults(fault_ratio=0.0)
        assert await bot.deliver() == 0  # not before retry_after
        clock.advance(timedelta(seconds=5))
        assert await bot.deliver() == 3  # both edits, then "it's yours"
        pressed, yours = bot.emu.bot_messages(501)
        assert pressed["edited"] and buttons(pressed) == []
        assert tr("fa", "✅ You took this assignment. Address and contact: /assignments") in text_of(pressed)
        head = Translator("fa")._("✅ <b>Assignment no. {number} is yours.</b> Thank you!", number=aid)
        assert text_of(yours).startswith(plain(head))
        assert asg("det", aid) in [d for _, d in buttons(yours)]
        other = bot.emu.messages(502)[0]
        assert other["edited"] and tr("de", "✋ Already taken by another helper. Thank you!") in text_of(
            other
        )
        claimed = tr("de", "✅ Assignment no. {number} has been taken.").format(number=aid)
        assert sum(claimed in t for t in texts(bot, ORGANIZER_ID)) == 1

        # pressed again later (a stale screen): still nothing twice
        stale = bot.emu.user_presses(501, pressed["message_id"], take, check_button=False)
        await bot.emu.wait_until(lambda: stale["answered"], 5, "stale press answered")
        assert stale["text"] == tr("fa", "✅ It's yours. Thank you!")
        clock.advance(timedelta(minutes=1))
        assert await bot.deliver() == 0
        assert len(bot.emu.bot_messages(501)) == 2
        assert bot.emu.violations == []


# --- escalation, hand back, overview, profile, questions ----------------------------------------------------
async def test_unclaimed_alert_widens_and_the_organizer_is_told(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(MONDAY)
    async with running_bot(db_kind, tmp_path, clock=clock, escalate_after_minutes=30) as bot:
        await add_helpers(bot, (501, "de", ["fa"], [AREA]), (502, "de", ["ar"], [OTHER_AREA]))
        await add_helpers(bot, (503, "de", ["ar"], [AREA]), paused=3)
        bot.user(ORGANIZER_ID)
        aid = await create(bot)
        await bot.deliver()
        clock.advance(timedelta(minutes=29))
        await bot.run_job("assignments_escalate")
        assert await bot.deliver() == 0
        clock.advance(timedelta(minutes=1))
        await bot.run_job("assignments_escalate")
        assert await bot.deliver() == 2  # the wider alert to 502, the notice to the organizer
        assert bot.emu.bot_messages(503) == [] and len(bot.emu.bot_messages(501)) == 1
        wide = alert_of(bot, 502, aid)
        assert text_of(wide).startswith(plain(tr("de", "📣 <b>Nobody has taken this yet. Can you help?</b>")))
        assert (
            tr(
                "de",
                "⏳ Nobody has taken assignment no. {number} yet. The alert now went to {n} more helper.",
            ).format(number=aid, n=1)
            in texts(bot, ORGANIZER_ID)[-1]
        )
        assert bot.emu.violations == []


async def test_hand_back_removes_the_details_and_offers_it_again(tmp_path: Path) -> None:
    async with running_bot("sqlite", tmp_path, clock=FrozenClock(MONDAY)) as bot:
        await add_helpers(bot, (501, "de", ["fa"], [AREA]), (502, "de", ["fa"], [AREA]))
        bot.user(ORGANIZER_ID)
        aid = await create(bot)
        await bot.deliver()
        assert await bot.press(501, alert_of(bot, 501, aid), asg("take", aid)) is None  # a toast only
        await bot.deliver()
        yours = bot.emu.bot_messages(501)[-1]
        details = await bot.press(501, yours, asg("det", aid))
        assert details is not None and DETAILS in text_of(details)
        confirm = await tap(bot, 501, details, asg("back", aid))
        assert asg("backok", aid) in [d for _, d in buttons(confirm)]
        await tap(bot, 501, confirm, asg("backok", aid))
        assert chats_mentioning(bot, "Rathaus Zimmer 12") == set()  # the details left the chat
        assert (await assignment(bot, aid)).status == "open"
        await bot.deliver()
        new_alert = alert_of(bot, 502, aid)  # the old one was edited to "taken"; a new round came
        assert buttons(new_alert)
        assert "↩️" in texts(bot, ORGANIZER_ID)[-1]
        assert bot.emu.violations == []


async def test_organizer_overview_and_cancel(tmp_path: Path) -> None:
    async with running_bot("sqlite", tmp_path, clock=FrozenClock(MONDAY)) as bot:
        await add_helpers(bot, (501, "ru", ["fa"], [AREA]))
        bot.user(ORGANIZER_ID)
        aid = await create(bot)
        second = await create(bot, minute=None, day=5)
        await bot.deliver()
        # "Not this time" (pressed twice): the alert is edited once, through the outbox
        skipped = alert_of(bot, 501, second)
        presses = [bot.emu.user_presses(501, skipped["message_id"], asg("skip", second)) for _ in range(2)]
        await bot.emu.wait_until(lambda: all(p["answered"] for p in presses), 5, "skips answered")
        await bot.settle()
        assert await bot.deliver() == 1
        skipped = next(m for m in bot.emu.messages(501) if m["message_id"] == skipped["message_id"])
        assert skipped["edited"] and buttons(skipped) == []
        assert tr(
            "ru", "👌 Not this time. Thank you! While it is open, you can still take it under /assignments."
        ) in (text_of(skipped))
        assert (await assignment(bot, second)).status == "open"
        overview = await bot.say(ORGANIZER_ID, "/assignments")
        assert tr("de", "Open: {open} · Taken: {taken} · Done: {done} · Cancelled: {cancelled}").format(
            open=2, taken=0, done=0, cancelled=0
        ) in text_of(overview)
        view = await bot.press(ORGANIZER_ID, overview, asg("view", aid))
        assert view is not None and DETAILS in text_of(view)  # organizers see the details
        confirm = await tap(bot, ORGANIZER_ID, view, asg("cancel", aid))
        await tap(bot, ORGANIZER_ID, confirm, asg("cancelok", aid))
        assert (await assignment(bot, aid)).status == "cancelled"
        await bot.deliver()
        alert = bot.emu.messages(501)[0]
        assert tr("ru", "❌ This assignment was cancelled.") in text_of(alert) and buttons(alert) == []
        mine = await bot.say(501, "/assignments")
        assert plain(tr("ru", "<b>Open assignments</b>")) in text_of(mine)
        assert bot.emu.violations == []


async def test_long_lists_come_in_pages(tmp_path: Path) -> None:
    async with running_bot("sqlite", tmp_path, clock=FrozenClock(MONDAY)) as bot:
        await add_helpers(bot, (501, "de", ["fa"], [AREA]))
        bot.user(ORGANIZER_ID)
        ids = [await create(bot, minute=None, day=5) for _ in range(10)]

        def data_of(message: dict[str, Any], prefix: str) -> list[str]:
            return [d for _, d in buttons(message) if d.startswith(prefix)]

        for uid, prefix in ((501, "take:a:"), (ORGANIZER_ID, "asg:view:")):
            first = await bot.say(uid, "/assignments")
            page_one = data_of(first, prefix)
            assert len(page_one) == 8 and BoardCb(page=1).pack() in data_of(first, "asb:")
            second = await tap(bot, uid, first, BoardCb(page=1).pack())
            assert second["message_id"] == first["message_id"]  # the same message, the next page
            shown = page_one + data_of(second, prefix)
            expected = {asg("pick" if prefix == "take:a:" else "view", aid) for aid in ids}
            assert len(shown) == 10 and set(shown) == expected, uid
            assert BoardCb(page=0).pack() in data_of(second, "asb:")
        assert bot.emu.violations == []


async def test_profile_languages_areas_note_and_pause(tmp_path: Path) -> None:
    async with running_bot("sqlite", tmp_path, clock=FrozenClock(MONDAY)) as bot:
        await add_helpers(bot, (501, "de", [], []))
        profile = await bot.say(501, "/profile")
        assert tr("de", "🔔 Alerts are on") in text_of(profile)
        for action, value in (
            ("langs", ""),
            ("lang", "fa"),
            ("lang", "ku"),
            ("lang", "fa"),
            ("show", ""),
            ("areas", ""),
            ("area", AREA),
        ):
            profile = await tap(bot, 501, profile, ProfileCb(action=action, key=value).pack())
        profile = await tap(bot, 501, profile, ProfileCb(action="show").pack())
        await bot.press(501, profile, ProfileCb(action="note").pack())
        shown = await bot.say(501, "vormittags, mit Auto")
        assert "vormittags, mit Auto" in text_of(shown)
        pause = await tap(bot, 501, shown, ProfileCb(action="pause").pack())
        await tap(bot, 501, pause, ProfileCb(action="pauseset", days=7).pack())
        await bot.settle()
        assert "⏸" in text_of(bot.emu.messages(501)[-1])
        async with bot.app.sessionmaker() as session:
            stored = await session.get(HelperProfile, 501)
            assert stored is not None
            assert (stored.languages, stored.areas, stored.note) == (["ku"], [AREA], "vormittags, mit Auto")
            assert stored.paused_until == MONDAY + timedelta(days=7)
        assert bot.emu.violations == []


async def test_helpers_take_open_questions_from_the_faq_with_the_same_button(tmp_path: Path) -> None:
    from bot import tickets
    from tests.e2e.harness import HELPERS_CHAT_ID

    async with running_bot("sqlite", tmp_path, clock=FrozenClock(MONDAY)) as bot:
        await add_helpers(bot, (501, "de", ["ar"], [AREA]), (502, "de", ["ar"], [AREA]))
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [501, 502])
        bot.user(800, language_code="ar")
        async with bot.app.sessionmaker() as session:
            session.add(User(id=800, role="visitor", language="ar", created_at=MONDAY))
            await session.flush()
            ticket = await tickets.open_ticket(
                session, bot.app.clock, kind=tickets.QUESTION, chat_id=HELPERS_CHAT_ID, lang="ar", asker_id=800,
                text="سؤال عن المدرسة", relay_lang="de",
            )  # fmt: skip
            await session.commit()
        await bot.deliver()
        listing = await bot.say(501, "/assignments")
        take = TakeCb(kind=Handed.QUESTION, item=ticket.id, via=Via.LIST).pack()
        assert take in [d for _, d in buttons(listing)]
        await bot.press(501, listing, take)
        await bot.deliver()  # "yours" to the helper and the card in the group, through the outbox
        mine = bot.emu.bot_messages(501)[-1]
        assert "✋" not in text_of(mine) and str(ticket.id) in text_of(mine) and "🙋" in text_of(mine)
        relay = bot.emu.messages(HELPERS_CHAT_ID)[0]
        assert relay["edited"] and "🙋" not in str(buttons(relay))  # the relay in the group shows "taken"
        listing2 = await bot.say(502, "/assignments")
        assert take not in [d for _, d in buttons(listing2)]  # no longer open
        press = bot.emu.user_presses(502, listing2["message_id"], take, check_button=False)
        await bot.emu.wait_until(lambda: press["answered"], 5, "late press")
        assert press["show_alert"]
        async with bot.app.sessionmaker() as session:
            stored = await session.get(tickets_model(), ticket.id)
            assert stored is not None and (stored.status, stored.taken_by) == ("taken", 501)
        assert bot.emu.violations == []
