"""An .ics calendar file for one appointment (RFC 5545), so it lands in the phone's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # icalendar is loaded with the first calendar file asked for (issue 18: rare parts)
    from icalendar import Calendar, Event

PRODID = "-//Helfernetzwerk bot//booking//EN"


def appointment_ics(
    *,
    uid: str,
    starts_at: datetime,
    ends_at: datetime,
    stamp: datetime,
    summary: str,
    location: str,
    description: str = "",
    geo: tuple[float, float] | None = None,
) -> bytes:
    """The calendar file; times are written in UTC (every calendar shows them in the phone's zone)."""
    calendar = _calendar()
    calendar.add_component(_event(uid, starts_at, ends_at, stamp, summary, location, description, geo))
    return calendar.to_ical()


@dataclass(frozen=True)
class CalendarEntry:
    """One appointment of a calendar with many (the organizers' export of the upcoming bookings)."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str = ""


def calendar_ics(entries: list[CalendarEntry], *, stamp: datetime, name: str) -> bytes:
    """A calendar file with every entry (a calendar app imports or subscribes to it)."""
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    for entry in entries:
        calendar.add_component(
            _event(
                entry.uid,
                entry.starts_at,
                entry.ends_at,
                stamp,
                entry.summary,
                entry.location,
                entry.description,
                None,
            )
        )
    return calendar.to_ical()


def _calendar() -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    return calendar


def _event(
    uid: str,
    starts_at: datetime,
    ends_at: datetime,
    stamp: datetime,
    summary: str,
    location: str,
    description: str,
    geo: tuple[float, float] | None,
) -> Event:
    from icalendar import Event, vGeo

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("location", location)
    if description:
        event.add("description", description)
    if geo is not None:
        event.add("geo", vGeo(geo))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event
