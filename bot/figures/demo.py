"""Sample figures for `python -m bot demo`, so the console's figures page has something to show. SAMPLE
data, not the association's: question counts for the last weeks (more in Arabic, Farsi and Ukrainian, most
answered with confidence) and a few 👍/👎, drawn from a fixed seed. Counts only, no person behind them; what
is asked in the demo's chat is counted on top, as in production.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.faq.content import load_topics
from bot.faq.stats import NO_TOPIC, Outcome
from bot.sample import DemoPeople
from storage.repositories import figures as repo

SAMPLE_DAYS = 56
SAMPLE_PER_DAY = (4, 18)  # questions a day, from … to
LANGUAGES = {"ar": 30, "fa": 25, "uk": 25, "de": 10, "ru": 6, "en": 4}
OUTCOMES = {Outcome.ANSWER: 70, Outcome.SUGGEST: 14, Outcome.UNKNOWN: 14, Outcome.EMERGENCY: 2}


async def seed(session: AsyncSession, clock: Clock, settings: Settings, people: DemoPeople) -> None:
    rng = random.Random(16)
    today = clock.now().astimezone(settings.tz).date()
    slugs = [t.slug for t in load_topics() if t.slug != "emergency"]
    popular = slugs[: max(1, len(slugs) // 3)]  # a few topics are asked much more often than the rest
    counts: Counter[tuple[date, str, str, str]] = Counter()
    votes: list[tuple[str, str, int, date]] = []
    for back in range(1, SAMPLE_DAYS + 1):  # not today: the page shows today's questions as they come
        day = today - timedelta(days=back)
        for _ in range(rng.randint(*SAMPLE_PER_DAY)):
            lang = rng.choices(list(LANGUAGES), list(LANGUAGES.values()))[0]
            outcome = rng.choices(list(OUTCOMES), list(OUTCOMES.values()))[0]
            slug = NO_TOPIC
            if outcome == Outcome.ANSWER:
                slug = rng.choice(popular) if rng.random() < 0.6 else rng.choice(slugs)
                if rng.random() < 0.15:
                    votes.append((slug, lang, 1 if rng.random() < 0.8 else -1, day))
            elif outcome == Outcome.EMERGENCY:
                slug = "emergency"
            counts[(day, lang, slug, outcome)] += 1
    await repo.add_counts(session, counts, votes)
