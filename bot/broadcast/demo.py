"""Sample events for `python -m bot demo`. Everything here is SAMPLE data, not the association's.

The six default topics come with the migration; the demo adds three events in the coming days (titles and
texts in all six languages, typed, so they show without a translator) and subscribes the demo helper to
the helpers' news.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import events as event_service
from bot.broadcast import subscriptions as sub_service
from bot.broadcast import topics as topic_service
from bot.clock import Clock
from bot.config import Settings
from bot.sample import DemoPeople
from storage.models import User

# (topic key, days ahead, start, end, capacity, venue, {lang: (title, text)})
SAMPLE_EVENTS = [
    (
        "events",
        5,
        time(15, 0),
        time(19, 0),
        None,
        "Begegnungsraum, Musterstraße 1 (SAMPLE)",
        {
            "de": (
                "Nachbarschaftsfest (SAMPLE)",
                "Wir feiern zusammen mit Musik, Essen und Spielen für Kinder. Alle sind willkommen! (SAMPLE)",
            ),
            "en": (
                "Neighbourhood party (SAMPLE)",
                "We celebrate together with music, food and games for children. Everyone is welcome! (SAMPLE)",
            ),
            "ar": (
                "حفلة الجيران (SAMPLE)",
                "نحتفل معًا بالموسيقى والطعام والألعاب للأطفال. الجميع مرحَّب بهم! (SAMPLE)",
            ),
            "fa": (
                "جشن همسایگی (SAMPLE)",
                "با موسیقی، غذا و بازی برای کودکان با هم جشن می\u200cگیریم. همه خوش آمدند! (SAMPLE)",
            ),
            "uk": (
                "Сусідське свято (SAMPLE)",
                "Святкуємо разом: музика, їжа та ігри для дітей. Запрошуємо всіх! (SAMPLE)",
            ),
            "ru": (
                "Соседский праздник (SAMPLE)",
                "Празднуем вместе: музыка, еда и игры для детей. Приглашаем всех! (SAMPLE)",
            ),
        },
    ),
    (
        "women",
        2,
        time(10, 0),
        time(12, 0),
        8,
        "Begegnungsraum, Musterstraße 1 (SAMPLE)",
        {
            "de": (
                "Nähcafé für Frauen (SAMPLE)",
                "Wir nähen und reparieren Kleidung zusammen. Nähmaschinen sind da. (SAMPLE)",
            ),
            "en": (
                "Sewing café for women (SAMPLE)",
                "We sew and mend clothes together. Sewing machines are there. (SAMPLE)",
            ),
            "ar": ("مقهى الخياطة للنساء (SAMPLE)", "نخيط الملابس ونصلحها معًا. آلات الخياطة متوفرة. (SAMPLE)"),
            "fa": (
                "کافهٔ خیاطی برای زنان (SAMPLE)",
                "با هم لباس می\u200cدوزیم و تعمیر می\u200cکنیم. چرخ خیاطی هست. (SAMPLE)",
            ),
            "uk": (
                "Швейне кафе для жінок (SAMPLE)",
                "Разом шиємо та лагодимо одяг. Швейні машинки є. (SAMPLE)",
            ),
            "ru": (
                "Швейное кафе для женщин (SAMPLE)",
                "Вместе шьём и чиним одежду. Швейные машинки есть. (SAMPLE)",
            ),
        },
    ),
    (
        "wohnzimmer",
        3,
        time(15, 0),
        time(18, 0),
        20,
        "Beispielweg 5 (SAMPLE)",
        {
            "de": (
                "Spielenachmittag im Blau-Gelben Wohnzimmer (SAMPLE)",
                "Brettspiele, Tee und Gespräche für Groß und Klein. (SAMPLE)",
            ),
            "en": (
                "Games afternoon in the Blue-Yellow Living Room (SAMPLE)",
                "Board games, tea and conversation for young and old. (SAMPLE)",
            ),
            "ar": (
                "عصر الألعاب في غرفة الجلوس الزرقاء والصفراء (SAMPLE)",
                "ألعاب لوحية وشاي وأحاديث للكبار والصغار. (SAMPLE)",
            ),
            "fa": (
                "عصر بازی در اتاق نشیمن آبی و زرد (SAMPLE)",
                "بازی\u200cهای رومیزی، چای و گفت\u200cوگو برای بزرگ و کوچک. (SAMPLE)",
            ),
            "uk": (
                "Ігровий день у Синьо-жовтій вітальні (SAMPLE)",
                "Настільні ігри, чай і розмови для дорослих і дітей. (SAMPLE)",
            ),
            "ru": (
                "Игровой день в Сине-жёлтой гостиной (SAMPLE)",
                "Настольные игры, чай и разговоры для взрослых и детей. (SAMPLE)",
            ),
        },
    ),
]


async def seed(session: AsyncSession, clock: Clock, settings: Settings, people: DemoPeople) -> None:
    organizer = await session.get(User, people.organizer_id)
    helper = await session.get(User, people.helper_id)
    if organizer is None:
        return
    topics = {t.key: t for t in await topic_service.all_topics(session)}
    today = clock.now().astimezone(settings.tz).date()
    for key, days, start, end, capacity, venue, texts in SAMPLE_EVENTS:
        day = today + timedelta(days=days)
        starts = datetime.combine(day, start, tzinfo=settings.tz).astimezone(UTC)
        ends = datetime.combine(day, end, tzinfo=settings.tz).astimezone(UTC)
        title, body = texts["de"]
        event = await event_service.create_event(
            session,
            clock,
            organizer,
            lang="de",
            title=title,
            body=body,
            venue=venue,
            starts_at=starts,
            ends_at=ends,
            topic_id=topics[key].id if key in topics else None,
            capacity=capacity,
        )
        for lang, (other_title, other_body) in texts.items():
            if lang != "de":
                await event_service.set_text(session, event.id, lang, other_title, other_body)
    if helper is not None and "helpers" in topics:
        await sub_service.subscribe(session, clock, helper, topics["helpers"].id)
    await session.flush()
