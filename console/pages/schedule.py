"""The counselling schedule (issue 17): a week at a glance, and the changes organizers make to it.

`/schedule?week=2026-W49` shows the weekly hours, the one-off dates and the closed days with their topics,
venues and counsellors, and the week's actual slots with how many places are taken. Its forms add weekly
hours, a one-off date or a closed day, pause or resume a rule and remove a closed day, all through the
services /slots uses (bot/booking/admin.py), so a duplicate or overlapping time is refused here exactly as
in the bot: the refusal is shown next to its form, in the page's language (the bot's booking catalog).
The bookings list and its exports are in console/pages/schedule_bookings.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from aiohttp import web
from babel.dates import get_day_names
from markupsafe import Markup

from bot.booking import admin
from bot.booking.schedule import ONCE, WEEKLY, RuleSpec, ScheduleError, parse_date, rule_spec_from_form
from bot.booking.services import Closure, ScheduleRule, topic_name
from bot.text import N_, Translator
from console.pages import schedule_bookings
from console.web import NavItem, Page, get, post

AUDIT_ACTIONS = {
    "schedule.rule_added": N_("Counselling hours added"),
    "schedule.rule_paused": N_("Counselling hours paused"),
    "schedule.rule_resumed": N_("Counselling hours resumed"),
    "schedule.closure_added": N_("Closed day added"),
    "schedule.closure_removed": N_("Closed day removed"),
    **schedule_bookings.AUDIT_ACTIONS,
}
FORMS = ("weekly", "once", "closure")  # the page's forms, each with its own place for a refusal


@dataclass(frozen=True)
class Problem:
    form: str  # which form it belongs next to (one of FORMS, or "rules" / "closures" for the lists)
    text: Markup


def this_monday(page: Page) -> date:
    today = page.clock.now().astimezone(page.settings.tz).date()
    return today - timedelta(days=today.weekday())


def week_of(page: Page, value: str | None) -> date:
    """The Monday of an ISO week ("2026-W49"); this week when none or a wrong one is given."""
    try:
        year, _, number = (value or "").partition("-W")
        return date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        return this_monday(page)


def week_label(monday: date) -> str:
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def refusal(page: Page, form: str, error: ScheduleError) -> Problem:
    """A refusal in the page's language, from the bot's booking catalog (it has de and en)."""
    bot_tr = Translator(page.tr.lang, page.settings.tz)
    return Problem(form, Markup(bot_tr._(error.message, **error.values)))  # values escaped by the Translator


def names(page: Page, plan: admin.WeekPlan) -> dict[str, dict[int, str]]:
    lang = page.tr.lang
    return {
        "topics": {i: topic_name(t.names, lang) for i, t in plan.topics.items()},
        "venues": {i: v.name for i, v in plan.venues.items()},
        "counsellors": {i: c.label for i, c in plan.counsellors.items()},
    }


async def render_week(
    page: Page, monday: date, *, problem: Problem | None = None, typed: dict[str, str] | None = None
) -> web.Response:
    plan = await admin.week_plan(page.session, page.clock, page.settings, monday)
    today = page.clock.now().astimezone(page.settings.tz).date()
    by_day: dict[date, list[admin.DaySlot]] = {day: [] for day in plan.days}
    for entry in plan.slots:
        by_day.setdefault(entry.info.slot.starts_at.astimezone(page.settings.tz).date(), []).append(entry)
    closed: dict[date, list[Closure]] = {}
    for closure in plan.closures:
        closed.setdefault(closure.on_date, []).append(closure)
    weekdays = get_day_names("wide", locale=page.tr.lang)
    named = names(page, plan)
    return page.render(
        "schedule.html",
        status=422 if problem else 200,
        plan=plan,
        names=named,
        topics=[(plan.topics[i].key, name) for i, name in named["topics"].items()],
        venues=[(v.key, v.name) for v in plan.venues.values()],
        counsellors=[(c.key, c.label) for c in plan.counsellors.values()],
        by_day=by_day,
        closed=closed,
        weekdays=[str(weekdays[n]) for n in range(7)],
        week=week_label(monday),
        back=page.url(f"/schedule?week={week_label(monday)}"),  # the language switch after a refused form
        previous=week_label(monday - timedelta(days=7)),
        next=week_label(monday + timedelta(days=7)),
        this_week=monday == this_monday(page),
        today=today,
        problem=problem,
        typed=typed or {},
        time_of=lambda moment: moment.astimezone(page.settings.tz).strftime("%H:%M"),
    )


async def week(page: Page) -> web.StreamResponse:
    return await render_week(page, week_of(page, page.request.query.get("week")))


def _field(page: Page, name: str) -> str:
    return str(page.form.get(name, "")).strip()


def rule_spec(page: Page, kind: str) -> RuleSpec:
    """The form's fields, checked as a typed /slots command is (the service checks the rest)."""
    return rule_spec_from_form(kind, {name: str(value) for name, value in page.form.items()})


def describe(rule: ScheduleRule) -> str:
    """The rule in the audit log (plain, language-free)."""
    when = f"weekday {rule.weekday}" if rule.kind == WEEKLY else str(rule.on_date)
    return (
        f"{when} {rule.start_time:%H:%M}-{rule.end_time:%H:%M} every={rule.slot_minutes} "
        f"capacity={rule.capacity} topic={rule.topic_id} venue={rule.venue_id} counsellor={rule.counsellor_id}"
    )


def back_to(page: Page) -> date:
    return week_of(page, _field(page, "week"))


async def add_rule(page: Page) -> web.StreamResponse:
    kind = _field(page, "kind")
    form = "once" if kind == ONCE else "weekly"
    monday = back_to(page)
    try:
        async with page.session.begin_nested():  # a refusal leaves nothing behind
            rule, _result = await admin.add_rule(
                page.session, page.clock, page.settings, rule_spec(page, form)
            )
    except ScheduleError as error:
        return await render_week(page, monday, problem=refusal(page, form, error), typed=dict(page.form))
    await page.audit("schedule.rule_added", f"rule:{rule.id}", after=describe(rule))
    if rule.kind == ONCE and rule.on_date:
        monday = rule.on_date - timedelta(days=rule.on_date.weekday())
    return page.redirect(f"/schedule?week={week_label(monday)}#rule-{rule.id}", notice=N_("Added."))


async def set_active(page: Page) -> web.StreamResponse:
    active = _field(page, "active") == "1"
    monday = back_to(page)
    try:
        rule_id = int(page.request.match_info["rule"])
        async with page.session.begin_nested():
            rule, _result = await admin.set_rule_active(
                page.session, page.clock, page.settings, rule_id, active
            )
    except ValueError as error:  # ScheduleError is a ValueError; so is a forged id
        if not isinstance(error, ScheduleError):
            raise web.HTTPNotFound from None
        return await render_week(page, monday, problem=refusal(page, "rules", error))
    action = "schedule.rule_resumed" if active else "schedule.rule_paused"
    await page.audit(action, f"rule:{rule.id}", after=describe(rule))
    notice = N_("Resumed.") if active else N_("Paused. Booked appointments stay.")
    return page.redirect(f"/schedule?week={week_label(monday)}#rule-{rule.id}", notice=notice)


async def add_closure(page: Page) -> web.StreamResponse:
    monday = back_to(page)
    try:
        async with page.session.begin_nested():
            closure, cancelled = await admin.add_closure(
                page.session,
                page.clock,
                page.settings,
                parse_date(_field(page, "day")),
                topic_key=_field(page, "topic") or None,
                venue_key=_field(page, "venue") or None,
                reason=_field(page, "reason") or None,
            )
    except ScheduleError as error:
        return await render_week(page, monday, problem=refusal(page, "closure", error), typed=dict(page.form))
    after = f"{closure.on_date} topic={closure.topic_id} venue={closure.venue_id} cancelled={cancelled}"
    await page.audit("schedule.closure_added", f"closure:{closure.id}", after=after)
    day = closure.on_date
    notice = (
        N_("Closed. Bookings on it were cancelled and the people are told.")
        if cancelled
        else N_("Closed. Nobody had booked on it.")
    )
    return page.redirect(f"/schedule?week={week_label(day - timedelta(days=day.weekday()))}", notice=notice)


async def remove_closure(page: Page) -> web.StreamResponse:
    monday = back_to(page)
    try:
        closure_id = int(page.request.match_info["closure"])
        async with page.session.begin_nested():
            closure = await admin.remove_closure(page.session, page.clock, page.settings, closure_id)
    except ValueError as error:
        if not isinstance(error, ScheduleError):
            raise web.HTTPNotFound from None
        return await render_week(page, monday, problem=refusal(page, "closures", error))
    before = (
        f"{closure.on_date} topic={closure.topic_id} venue={closure.venue_id} reason={closure.reason or ''}"
    )
    await page.audit("schedule.closure_removed", f"closure:{closure_id}", before=before)
    return page.redirect(
        f"/schedule?week={week_label(monday)}", notice=N_("Open again: the times can be booked.")
    )


ROUTES = [
    get("/schedule", week),
    post("/schedule/rules", add_rule),
    post("/schedule/rules/{rule}/active", set_active),
    post("/schedule/closures", add_closure),
    post("/schedule/closures/{closure}/remove", remove_closure),
    *schedule_bookings.ROUTES,
]
NAV = NavItem(
    N_("Schedule"),
    "/schedule",
    order=50,
    description=N_("Counselling hours, closed days, bookings and no-shows"),
)
