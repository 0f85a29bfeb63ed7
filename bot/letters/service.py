"""Reading a letter's photo for the person who sent it: in memory, on this server, nothing kept.

The photo's bytes and the recognised text live only inside `LetterReader.read`; what leaves it is a
`Reading` (who sent it, dates, what is asked), shown to the person and then gone. Counted, without the
person: how many letters of each kind, and whether a deadline was found (prometheus, `hnb_letters_total`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta

from bot.booking.ics import appointment_ics
from bot.letters import ocr
from bot.letters.reading import Reading, read_text
from bot.ops import metrics

log = logging.getLogger(__name__)
READ_TIMEOUT_SECONDS = 30.0
MAX_PHOTO_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download


class LetterReader:
    """Reads one photo at a time per process: OCR takes a whole core for one or two seconds."""

    def __init__(self) -> None:
        self._one_at_a_time = asyncio.Semaphore(1)

    async def read(self, photo: bytes, today: date) -> Reading:
        """Raises ocr.UnreadableImage for what is not an image; a photo without text is `readable=False`."""
        if len(photo) > MAX_PHOTO_BYTES:
            raise ocr.UnreadableImage("too large")
        async with self._one_at_a_time:
            text = await asyncio.wait_for(asyncio.to_thread(ocr.recognise, photo), READ_TIMEOUT_SECONDS)
        reading = read_text(text, today)
        del text  # the letter's text goes no further than this function
        metrics.LETTERS.labels(
            kind=reading.sender.value
            if reading.sender
            else ("unknown" if reading.readable else "unreadable"),
            deadline="yes" if reading.dates else "no",
        ).inc()
        return reading


def reader_if_available(enabled: bool) -> LetterReader | None:
    """The reader, or None with one clear line when the feature is off or Tesseract is missing."""
    if not enabled:
        log.info("letter reading is off (LETTERS_OCR=false)")
        return None
    status = ocr.available()
    if not status.ok:
        log.warning("letter reading is off: %s", status.reason)
        return None
    return LetterReader()


def days_left(day: date, today: date) -> int:
    return (day - today).days


def appointment_file(day: date, at: time | None, zone: str, summary: str, stamp: datetime) -> bytes:
    """An .ics for an appointment read from a letter: one hour from its time (or the whole morning)."""
    from zoneinfo import ZoneInfo

    start = datetime.combine(day, at or time(8, 0), tzinfo=ZoneInfo(zone))
    end = start + (timedelta(hours=1) if at else timedelta(hours=4))
    return appointment_ics(
        uid=f"letter-{day.isoformat()}-{(at or time(8, 0)).strftime('%H%M')}@helfernetzwerk",
        starts_at=start.astimezone(UTC),
        ends_at=end.astimezone(UTC),
        stamp=stamp,
        summary=summary,
        location="",
    )
