"""The .ics calendar file of an appointment: valid iCalendar, UTC times, place and map position."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from bot.booking.ics import appointment_ics


def test_ics_content() -> None:
    data = appointment_ics(
        uid="booking-17@helfernetz-bot",
        starts_at=datetime(2026, 3, 31, 8, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 31, 8, 30, tzinfo=UTC),
        stamp=datetime(2026, 3, 23, 9, 0, tzinfo=UTC),
        summary="مشاوره: کار",
        location="Beratungsraum (SAMPLE), Musterstraße 1; 30916 Isernhagen",
        description="Termin",
        geo=(52.4739, 9.8539),
    )
    text = data.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.rstrip().endswith("END:VCALENDAR")
    assert "DTSTART:20260331T080000Z" in text and "DTEND:20260331T083000Z" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded as RFC 5545 wants
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["uid"]) == "booking-17@helfernetz-bot"
    assert str(event["summary"]) == "مشاوره: کار"
    assert str(event["location"]) == "Beratungsraum (SAMPLE), Musterstraße 1; 30916 Isernhagen"
    assert event.decoded("dtstart") == datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    assert (event["geo"].latitude, event["geo"].longitude) == (52.4739, 9.8539)
    assert str(event["status"]) == "CONFIRMED"
    calendar = Calendar.from_ical(data)
    assert str(calendar["method"]) == "PUBLISH" and str(calendar["version"]) == "2.0"
