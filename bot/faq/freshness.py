"""Facts with a date (issue 15): the FAQ answers and local facts not checked for STALE_MONTHS months.

`python -m bot faq check` prints them as warnings (never a failure), and the organizers get them once a
month in the bot: the job `faq_stale` (bot/wiring.py) wakes up every hour; the first run in a new month
(in the configured time zone) claims that month in the `counters` table with one conditional UPDATE, in
the same transaction as the messages it queues, so two processes or a restart never send it twice (each
outbox row also carries a dedupe key per month and organizer). When nothing is stale nothing is sent.
A month is "YYYY-MM"; an answer or fact without one counts as never checked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from bot.faq import facts as facts_store
from bot.faq.content import FaqContent, load_content
from bot.faq.payloads import StaleItem, StalePayload
from bot.faq.service import loaded_service
from bot.faq.store import load_db_content
from bot.jobs import JobContext
from bot.local_facts import LocalFacts, LocalFactsError
from bot.users import ORGANIZER
from storage.repositories import counters
from storage.repositories import users as users_repo

log = logging.getLogger(__name__)

STALE_MONTHS = 6
STALE_KIND = "faq_stale"
CLAIM = "faq_stale_month"  # counters: the last month (as a month number) the message went out for


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_number(month: str) -> int:
    """2026-11 -> a number that grows by one a month."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def is_stale(checked: str | None, today: date, months: int = STALE_MONTHS) -> bool:
    """Not checked for `months` months: checked in June is stale from December on (six months later)."""
    return checked is None or month_number(month_of(today)) - month_number(checked) >= months


def stale_answers(content: FaqContent, today: date, months: int = STALE_MONTHS) -> list[StaleItem]:
    """Stale answers, one item per topic and month (with the languages that share it), in topic order."""
    found: dict[tuple[str, str | None], list[str]] = {}
    for topic in content.topics:
        for lang, entries in content.entries.items():
            entry = entries.get(topic.slug)
            if entry is not None and is_stale(entry.checked, today, months):
                found.setdefault((topic.slug, entry.checked), []).append(lang)
    return [StaleItem(name=slug, checked=checked, langs=langs) for (slug, checked), langs in found.items()]


def stale_facts(facts: LocalFacts, today: date, months: int = STALE_MONTHS) -> list[StaleItem]:
    return [
        StaleItem(name=name, checked=fact.checked)
        for name, fact in facts.facts.items()
        if is_stale(fact.checked, today, months)
    ]


def warnings(
    answers: Iterable[StaleItem], facts: Iterable[StaleItem], months: int = STALE_MONTHS
) -> list[str]:
    """One line per stale answer or fact, for `python -m bot faq check`."""

    def since(item: StaleItem) -> str:
        if item.checked is None:
            return "no checked month"
        return f"checked {item.checked}, {months} or more months ago"

    lines = [f"warning: answer '{a.name}' ({', '.join(a.langs)}): {since(a)}" for a in answers]
    lines += [f"warning: local fact '{f.name}': {since(f)}" for f in facts]
    return lines


# --- the monthly message to the organizers ----------------------------------------------------------------


async def organizers(session: AsyncSession, organizer_ids: Sequence[int]) -> list[int]:
    """Organizers in the database and those listed in ORGANIZER_IDS who have started the bot."""
    staff = {user.id for user, _profile in await users_repo.staff(session, [ORGANIZER])}
    listed = {uid for uid in organizer_ids if await users_repo.get_user(session, uid) is not None}
    return sorted(staff | listed)


async def send_monthly(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    content: FaqContent,
    facts: LocalFacts,
    *,
    months: int = STALE_MONTHS,
) -> int | None:
    """Queue this month's message to every organizer (the caller commits); how many were queued, or None
    when this month was claimed before (by this or another process)."""
    today = clock.now().astimezone(settings.tz).date()
    month = month_of(today)
    if not await counters.advance_to(session, CLAIM, month_number(month) + 1):
        return None
    payload = StalePayload(
        month=month,
        months=months,
        answers=stale_answers(content, today, months),
        facts=stale_facts(facts, today, months),
    )
    if not payload.answers and not payload.facts:
        return 0
    queued = 0
    for organizer in await organizers(session, settings.organizer_ids):
        queued += await outbox.enqueue(
            session,
            clock,
            chat_id=organizer,
            user_id=organizer,
            kind=STALE_KIND,
            data=payload.model_dump(mode="json"),
            dedupe_key=f"{STALE_KIND}:{month}:{organizer}",
        )
    return queued


def _load(settings: Settings) -> tuple[FaqContent, LocalFacts]:
    service = loaded_service(settings)  # the files as the bot read them, when it has
    if service is not None:
        # the files' own, not what the service shows now: that may be a database's content (in tests, the
        # database of an earlier test), and the job reads the database's itself, next
        return service.live.base, service.live.base_facts
    return load_content(), LocalFacts.load(settings.local_facts_file)


async def stale_job(ctx: JobContext) -> None:
    """Hourly (bot/wiring.py: faq_stale): the month's message, once."""
    month = month_of(ctx.clock.now().astimezone(ctx.settings.tz).date())
    async with ctx.sessionmaker() as session:
        if await counters.current_value(session, CLAIM) > month_number(month):
            return  # sent (or found nothing) this month already: no need to read the files
        try:
            content, facts = await asyncio.to_thread(_load, ctx.settings)
        except (LocalFactsError, ValueError, OSError):
            log.exception("faq stale check: could not read the FAQ or the local facts")
            return
        facts = await facts_store.load(session) or facts  # the organizers' facts, once in the database
        content = await load_db_content(session) or content  # and their answers (bot/faq/store.py)
        queued = await send_monthly(session, ctx.clock, ctx.settings, content, facts)
        await session.commit()
    if queued:
        log.info("faq stale check %s: %d message(s) to organizers", month, queued)
