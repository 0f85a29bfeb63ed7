"""The bookings of the counselling schedule (issue 17), part of the schedule page (console/pages/schedule.py
lists these routes): upcoming first, a page at a time, filtered by topic and status; whether a person came
to a past appointment (the no-shows of the figures), the list as CSV and the upcoming appointments as an
.ics calendar.

Privacy: the list and its files show the time, topic, venue, counsellor, the person's language and
interpreter, and the status, never a Telegram id or the note a person wrote (that is for the counsellor,
who reads it in /agenda; a CSV file is passed on and kept). The bot stores no names, so none is shown:
the booking's number is the reference.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from bot.booking import listing, services
from bot.booking.listing import Shown
from bot.booking.services import BookingError, Refusal, topic_name
from bot.text import N_
from console.i18n import language_label
from console.web import Page, get, post

AUDIT_ACTIONS = {"booking.attendance": N_("Attendance of an appointment recorded")}
STATUS_LABELS = {
    "": N_("every status"),
    Shown.BOOKED: N_("booked"),
    Shown.CANCELLED: N_("cancelled"),
    Shown.CAME: N_("came"),
    Shown.NO_SHOW: N_("did not come"),
    Shown.UNRECORDED: N_("past, not recorded whether they came"),
}
CSV_HEADS = (
    N_("Booking"),
    N_("Date"),
    N_("From"),
    N_("Until"),
    N_("Topic"),
    N_("Venue"),
    N_("Counsellor"),
    N_("Language"),
    N_("Interpreter"),
    N_("Status"),
)
REFUSED = {
    Refusal.NOT_YET: N_("Not recorded: the appointment has not begun yet."),
    Refusal.CANCELLED: N_("Not recorded: this booking was cancelled."),
}


@dataclass(frozen=True)
class Filters:
    upcoming: bool
    topic: str  # a topic key, or "" for all
    status: str  # a Shown value, or "" for all
    page: int

    def query(self, **changes: object) -> str:
        values = {"when": "upcoming" if self.upcoming else "past", "topic": self.topic, "status": self.status}
        values.update({k: str(v) for k, v in changes.items()})
        return urlencode({k: v for k, v in values.items() if v and (k, v) != ("page", "1")})


def filters_of(page: Page) -> Filters:
    query = page.request.query
    status = query.get("status", "")
    try:
        number = max(1, int(query.get("page", "1")))
    except ValueError:
        number = 1
    return Filters(
        upcoming=query.get("when", "upcoming") != "past",
        topic=query.get("topic", ""),
        status=status if status in STATUS_LABELS else "",
        page=number,
    )


async def _topic_id(page: Page, key: str) -> int | None:
    topic = next((t for t in await services.bookable_topics(page.session) if t.key == key), None)
    return topic.id if topic else None


async def bookings(page: Page) -> web.StreamResponse:
    chosen = filters_of(page)
    found = await listing.bookings_page(
        page.session,
        page.clock,
        upcoming=chosen.upcoming,
        topic_id=await _topic_id(page, chosen.topic),
        status=Shown(chosen.status) if chosen.status else None,
        page=chosen.page,
    )
    topics = [
        (t.key, topic_name(t.names, page.tr.lang)) for t in await services.bookable_topics(page.session)
    ]
    return page.render(
        "schedule_bookings.html",
        found=found,
        chosen=chosen,
        topics=topics,
        statuses=STATUS_LABELS,
        now=page.clock.now(),
        topic_of=lambda row: topic_name(row.topic.names, page.tr.lang),
        language_of=lambda code: language_label(page.tr.lang, code) if code else "–",
        local=lambda moment: moment.astimezone(page.settings.tz),
    )


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text (never runs it as a formula)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def bookings_csv(page: Page) -> web.StreamResponse:
    chosen = filters_of(page)
    rows = await listing.all_bookings(
        page.session,
        page.clock,
        upcoming=chosen.upcoming,
        topic_id=await _topic_id(page, chosen.topic),
        status=Shown(chosen.status) if chosen.status else None,
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(page.tr._(head)) for head in CSV_HEADS])
    tz = page.settings.tz
    for row in rows:
        start, end = row.slot.starts_at.astimezone(tz), row.slot.ends_at.astimezone(tz)
        writer.writerow(
            [
                _cell(value)
                for value in (
                    row.booking.id,
                    start.date().isoformat(),
                    start.strftime("%H:%M"),
                    end.strftime("%H:%M"),
                    topic_name(row.topic.names, page.tr.lang),
                    row.venue.name,
                    row.counsellor.label if row.counsellor else "",
                    row.language or "",
                    row.booking.interpreter or "",
                    str(page.tr._(STATUS_LABELS[row.status])),
                )
            ]
        )
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode(),  # the BOM: spreadsheet apps then read UTF-8 right
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="bookings.csv"'},
    )


async def bookings_ics(page: Page) -> web.StreamResponse:
    chosen = filters_of(page)
    body = await listing.upcoming_calendar(
        page.session,
        page.clock,
        page.tr.lang,
        topic_id=await _topic_id(page, chosen.topic),
        name=str(page.tr._("Counselling appointments")),
        interpreter=str(page.tr._("Interpreter: {language}", language="{language}")),
    )
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="appointments.ics"'},
    )


async def attendance(page: Page) -> web.StreamResponse:
    back = str(page.form.get("back", ""))
    back = back if back.startswith("/schedule/bookings") else "/schedule/bookings?when=past"
    came = str(page.form.get("came", "")) == "1"
    try:
        booking_id = int(page.request.match_info["booking"])
        before = await listing.attendance_of(page.session, booking_id)
        await services.record_attendance(
            page.session, page.clock, page.organizer, booking_id=booking_id, came=came
        )
    except ValueError:
        raise web.HTTPNotFound from None
    except BookingError as refused:
        if refused.reason not in REFUSED:
            raise web.HTTPNotFound from None
        return page.redirect(back, notice=REFUSED[refused.reason])
    await page.audit(
        "booking.attendance",
        f"booking:{booking_id}",
        before=None if before is None else ("came" if before else "no-show"),
        after="came" if came else "no-show",
    )
    return page.redirect(f"{back}#booking-{booking_id}", notice=N_("Saved."))


ROUTES = [
    get("/schedule/bookings", bookings),
    get("/schedule/bookings.csv", bookings_csv),
    get("/schedule/bookings.ics", bookings_ics),
    post("/schedule/bookings/{booking}/attended", attendance),
]
