"""An .ics calendar file for one appointment (RFC 5545), so it lands in the phone's calendar."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event, vGeo

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
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
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
    calendar.add_component(event)
    return calendar.to_ical()
