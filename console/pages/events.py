"""The events page (issue 17): what `/events` and `/newevent` do in the bot, for a desk.

- `/events` (`?past=1` for those that are over, `?page=`): each event with its title in the page's language
  (else as written), date, venue, people registered and the capacity;
- `/events/new` and `/events/{id}/edit`: title and description in the six languages side by side (Arabic and
  Farsi right to left), date, start and end (Europe/Berlin), venue, capacity in people. The same checks as
  the bot (bot/broadcast/events.py `create_event`, bot/broadcast/event_edit.py `update_event` and
  `save_translation`; the people registered are told a new date, time or place). Where a machine
  translator is configured, the languages left empty are filled by machine translation, marked "to review"
  until a person changes or confirms them (the bot shows them with its machine-translation note meanwhile);
- `/events/{id}`: the details, the attendance list (first name as Telegram gave it, language, people, the
  total) with each registration's reminder (sent, queued, or when it is due), and cancelling (the people
  registered are told, as the bot's own cancel does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from aiohttp import web
from babel.dates import format_time

from bot import reminders
from bot.broadcast import event_desk
from bot.broadcast import event_edit as editing
from bot.broadcast import events as service
from bot.broadcast import topics as topic_service
from bot.broadcast.events import MAX_BODY, MAX_CAPACITY, MAX_TITLE, MAX_VENUE, Event, EventError, Problem
from bot.config import SUPPORTED_LANGUAGES
from bot.delivery.reminders import ReminderKind
from bot.text import N_
from console.i18n import language_label
from console.web import NavItem, Page, get, post

NAV = NavItem(N_("Events"), "/events", order=60, description=N_("Events, registrations and reminders"))

CREATED, EDITED, TEXT, TRANSLATED, CANCELLED = (
    "event.create",
    "event.edit",
    "event.text",
    "event.translate",
    "event.cancel",
)
AUDIT_ACTIONS = {
    CREATED: N_("Event created"),
    EDITED: N_("Event changed"),
    TEXT: N_("Event text in a language changed"),
    TRANSLATED: N_("Event machine-translated"),
    CANCELLED: N_("Event cancelled"),
}

# Why a form was refused, and the field it is about.
PROBLEMS: dict[Problem, tuple[str, str]] = {
    Problem.TITLE: ("title", N_("Please give a title on one line, at most 120 characters.")),
    Problem.BODY: ("body", N_("The description is too long: at most 2,000 characters.")),
    Problem.VENUE: ("venue", N_("Please say where it takes place (at most 200 characters).")),
    Problem.UNREADABLE: ("day", N_("Please give the date, the start time and the end time.")),
    Problem.PAST: ("day", N_("The start has passed. Please choose a time in the future.")),
    Problem.END_BEFORE_START: ("end", N_("The end must be after the start.")),
    Problem.CAPACITY: (
        "capacity",
        N_("The capacity is a number of people from 1 to 10,000, or empty for no limit."),
    ),
    Problem.BELOW_TAKEN: ("capacity", N_("More people are registered than this capacity allows.")),
    Problem.TOPIC: ("topic", N_("This topic is not available any more. Please choose another one.")),
    Problem.LANGUAGE: ("lang", N_("Please choose one of the bot's languages.")),
    Problem.CLOSED: ("", N_("This event has started or was cancelled: it cannot be changed any more.")),
    Problem.PEOPLE: ("", N_("Please choose from 1 to 6 people.")),
}
REMINDERS = {
    event_desk.Reminder.SENT: N_("sent {moment}"),
    event_desk.Reminder.QUEUED: N_("on its way ({moment})"),
    event_desk.Reminder.DUE: N_("due {moment}"),
    event_desk.Reminder.FAILED: N_("not delivered"),
    event_desk.Reminder.WITHDRAWN: N_("withdrawn"),
    event_desk.Reminder.NONE: N_("none (registered too late, or the event is over)"),
}


def reader_language(page: Page) -> str:
    """The bot language nearest to the page's: the titles in the list are shown in it."""
    return page.tr.lang if page.tr.lang in SUPPORTED_LANGUAGES else page.settings.default_language


# --- the list -----------------------------------------------------------------------------------------------
async def event_list(page: Page) -> web.StreamResponse:
    past = page.request.query.get("past") == "1"
    listing = await event_desk.event_list(
        page.session,
        page.clock,
        reader_language(page),
        past=past,
        page=_number(page.request.query.get("page")),
    )
    return page.render("events.html", listing=listing, past=past, now=page.clock.now())


def _number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 6 else 0


# --- the form -----------------------------------------------------------------------------------------------
@dataclass
class LangText:
    lang: str
    label: str
    title: str = ""
    body: str = ""
    original: bool = False  # the language the event was written in (stored in the event itself)
    machine: bool = False  # a machine translation nobody has reviewed (as stored, and left unchanged)
    reviewed: bool = False  # "checked" ticked in the form


@dataclass
class EventForm:
    lang: str
    texts: list[LangText]
    day: str = ""
    start: str = ""
    end: str = ""
    venue: str = ""
    capacity: str = ""
    topic: str = ""
    machine: bool = True  # fill the empty languages by machine translation
    errors: dict[str, str] = field(default_factory=dict)  # field id → message id

    def text(self, lang: str) -> LangText:
        return next(t for t in self.texts if t.lang == lang)


def _texts(page: Page, source: str) -> list[LangText]:
    """The six languages, the original first."""
    order = [source, *(lang for lang in SUPPORTED_LANGUAGES if lang != source)]
    return [LangText(lang, language_label(page.tr.lang, lang), original=lang == source) for lang in order]


async def _stored_form(page: Page, event: Event) -> EventForm:
    # machine: off when changing an event (a language emptied on purpose is not filled again unasked)
    form = EventForm(lang=event.lang, texts=_texts(page, event.lang), machine=False)
    stored = await service.texts(page.session, event.id)
    for text in form.texts:
        if text.original:
            text.title, text.body = event.title, event.body
        elif text.lang in stored:
            row = stored[text.lang]
            text.title, text.body, text.machine = row.title, row.body, row.machine
    tz = page.settings.tz
    start, end = event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)
    form.day, form.start, form.end = start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}"
    form.venue = event.venue
    form.capacity = "" if event.capacity is None else str(event.capacity)
    form.topic = "" if event.topic_id is None else str(event.topic_id)
    return form


def _posted_form(
    page: Page, source: str, stored: dict[str, tuple[str, str, bool]] | None = None
) -> EventForm:
    """The form as it was posted; `stored`: each language's stored text, to tell an unchanged machine
    translation from one a person changed."""
    data = page.form
    form = EventForm(
        lang=source,
        texts=_texts(page, source),
        day=str(data.get("day", "")).strip(),
        start=str(data.get("start", "")).strip(),
        end=str(data.get("end", "")).strip(),
        venue=str(data.get("venue", "")),
        capacity=str(data.get("capacity", "")).strip(),
        topic=str(data.get("topic", "")).strip(),
        machine=data.get("machine") == "1",
    )
    for text in form.texts:
        text.title = str(data.get(f"title_{text.lang}", ""))
        text.body = str(data.get(f"body_{text.lang}", "")).replace("\r\n", "\n")
        text.reviewed = data.get(f"reviewed_{text.lang}") == "1"
        was = (stored or {}).get(text.lang)
        text.machine = (
            was is not None and was[2] and (was[0], was[1]) == (text.title.strip(), text.body.strip())
        )
    return form


@dataclass(frozen=True)
class Details:
    starts_at: datetime
    ends_at: datetime
    capacity: int | None


def _details(page: Page, form: EventForm) -> Details:
    """Date and times (Europe/Berlin) and the capacity, as typed; the service checks the rest."""
    try:
        day = date.fromisoformat(form.day)
        start, end = time.fromisoformat(form.start), time.fromisoformat(form.end)
    except ValueError:
        raise EventError(Problem.UNREADABLE) from None
    tz = page.settings.tz
    starts_at = datetime.combine(day, start, tz)
    ends_at = datetime.combine(day, end, tz)
    if ends_at <= starts_at and end == time(0, 0):
        ends_at += timedelta(days=1)  # "until midnight"
    capacity = service.typed_capacity(form.capacity) if form.capacity else None
    return Details(starts_at.astimezone(UTC), ends_at.astimezone(UTC), capacity)


def _refuse(form: EventForm, error: EventError, lang: str | None = None) -> None:
    name, _message = PROBLEMS[error.code]
    if lang is not None and name in ("title", "body"):
        form.errors[f"{name}_{lang}"] = PROBLEMS[error.code][1]
    elif name in ("title", "body"):
        form.errors[f"{name}_{form.lang}"] = PROBLEMS[error.code][1]
    else:
        form.errors[name or "form"] = PROBLEMS[error.code][1]


async def _render_form(
    page: Page, form: EventForm, event: Event | None, *, status: int = 200
) -> web.Response:
    translator = page.ctx.machine_translator
    topics = [
        (t.id, f"{t.emoji} {topic_service.topic_name(t, reader_language(page))}") for t in await _topics(page)
    ]
    return page.render(
        "events_form.html",
        status=status,
        form=form,
        event=event,
        topics=topics,
        machine_ready=translator is not None and translator.enabled,
        bot_languages=[(code, language_label(page.tr.lang, code)) for code in SUPPORTED_LANGUAGES],
        limits={"title": MAX_TITLE, "body": MAX_BODY, "venue": MAX_VENUE, "capacity": MAX_CAPACITY},
    )


async def _topics(page: Page) -> list[service.Topic]:
    return [t for t in await topic_service.all_topics(page.session) if t.active]


async def new_event(page: Page) -> web.StreamResponse:
    source = page.request.query.get("lang", "")
    source = source if source in SUPPORTED_LANGUAGES else reader_language(page)
    form = EventForm(lang=source, texts=_texts(page, source))
    events_topic = next((t for t in await _topics(page) if t.key == "events"), None)
    form.topic = str(events_topic.id) if events_topic else ""
    return await _render_form(page, form, None)


async def create(page: Page) -> web.StreamResponse:
    source = str(page.form.get("lang", ""))
    if source not in SUPPORTED_LANGUAGES:
        source = reader_language(page)
    form = _posted_form(page, source)
    original = form.text(source)
    lang: str | None = None
    try:
        details = _details(page, form)
        topic_id = int(form.topic) if form.topic.isdigit() else None
        if topic_id is not None:
            await service.event_topic(page.session, topic_id)  # exists and is not hidden
        async with page.session.begin_nested():
            event = await service.create_event(
                page.session,
                page.clock,
                page.organizer,  # type: ignore[arg-type]  # a Person: the service reads its id
                lang=source,
                title=" ".join(original.title.split()),
                body=original.body,
                venue=form.venue,
                starts_at=details.starts_at,
                ends_at=details.ends_at,
                topic_id=topic_id,
                capacity=details.capacity,
            )
            typed = []
            for text in form.texts:
                if not text.original:
                    lang = text.lang
                    if await editing.save_translation(page.session, event, text.lang, text.title, text.body):
                        typed.append(text.lang)
            lang = None
    except EventError as error:
        _refuse(form, error, lang)
        return await _render_form(page, form, None, status=422)
    await page.audit(CREATED, f"event:{event.id}", after=_audit_text(event, typed))
    notice = N_("The event is saved.")
    if form.machine:
        notice = await _machine_fill(page, event) or notice
    return page.redirect(f"/events/{event.id}", notice=notice)


def _audit_text(event: Event, langs: list[str]) -> str:
    return json.dumps({**editing.summary(event), "lang": event.lang, "texts": langs}, ensure_ascii=False)


async def _machine_fill(page: Page, event: Event) -> str | None:
    """The empty languages filled by machine translation (marked to review); a notice, or None when no
    translator is configured or nothing was empty. The session is committed first (the translator is
    slow)."""
    translator = page.ctx.machine_translator
    if translator is None or not translator.enabled:
        return None
    event_id = event.id
    before = set(await service.texts(page.session, event_id))
    missing = await service.translate_event(page.session, translator, event)
    filled = sorted(set(await service.texts(page.session, event_id)) - before)
    if filled:
        await page.audit(TRANSLATED, f"event:{event_id}", after=", ".join(filled))
    if missing:
        return N_(
            "Saved. The machine translation did not work for every language: please write those yourself."
        )
    if not filled:
        return None
    return N_("Saved. The empty languages are filled by machine translation: please check them.")


async def _event_or_404(page: Page) -> Event:
    raw = page.request.match_info["event_id"]
    event = await service.get_event(page.session, int(raw)) if raw.isdigit() and len(raw) < 19 else None
    if event is None:
        raise web.HTTPNotFound
    return event


async def edit_form(page: Page) -> web.StreamResponse:
    event = await _event_or_404(page)
    if not service.is_open(event, page.clock.now()):
        return page.redirect(f"/events/{event.id}", notice=PROBLEMS[Problem.CLOSED][1])
    return await _render_form(page, await _stored_form(page, event), event)


async def save(page: Page) -> web.StreamResponse:
    event = await _event_or_404(page)
    stored = {
        lang: (t.title, t.body, t.machine)
        for lang, t in (await service.texts(page.session, event.id)).items()
    }
    form = _posted_form(page, event.lang, stored)
    original = form.text(event.lang)
    lang: str | None = None
    try:
        details = _details(page, form)
        async with page.session.begin_nested():
            # the texts first: a change of date or place is told with them
            for text in form.texts:
                if text.original:
                    continue
                lang = text.lang
                outcome = await editing.save_translation(
                    page.session, event, text.lang, text.title, text.body, reviewed=text.reviewed
                )
                if outcome:
                    await page.audit(
                        TEXT,
                        f"event:{event.id}:{text.lang}",
                        before=" / ".join(stored[text.lang][:2]) if text.lang in stored else None,
                        after=f"{outcome}: {text.title.strip()} / {text.body.strip()}",
                    )
            lang = None
            updated = await editing.update_event(
                page.session,
                page.clock,
                page.settings,
                event.id,
                title=" ".join(original.title.split()),
                body=original.body,
                venue=form.venue,
                starts_at=details.starts_at,
                ends_at=details.ends_at,
                capacity=details.capacity,
            )
    except EventError as error:
        _refuse(form, error, lang)
        # the savepoint's rollback expired the event: read it again for the form
        return await _render_form(page, form, await _event_or_404(page), status=422)
    event = updated.event
    after = editing.summary(event)
    if after != updated.before:
        await page.audit(
            EDITED,
            f"event:{event.id}",
            before=json.dumps(updated.before, ensure_ascii=False),
            after=json.dumps({**after, "told": updated.told}, ensure_ascii=False),
        )
    notice = N_("The event is saved.")
    if updated.told:
        notice = N_("The event is saved. The people registered are told the new date and place in the bot.")
    if form.machine:
        notice = await _machine_fill(page, event) or notice
    return page.redirect(f"/events/{event.id}", notice=notice)


# --- one event ----------------------------------------------------------------------------------------------
def when(page: Page, event: Event) -> str:
    """ "05.12.26, 16:00–18:00", or start – end when it runs over midnight."""
    start, end = event.starts_at.astimezone(page.settings.tz), event.ends_at.astimezone(page.settings.tz)
    if start.date() == end.date():
        return f"{page.tr.datetime(event.starts_at)}–{format_time(end, 'short', locale=page.tr.lang)}"
    return f"{page.tr.datetime(event.starts_at)} – {page.tr.datetime(event.ends_at)}"


async def show(page: Page) -> web.StreamResponse:
    event = await _event_or_404(page)
    now = page.clock.now()
    texts = await service.texts(page.session, event.id)
    plan = reminders.plans(page.settings)[ReminderKind.EVENT]
    attendees = await event_desk.attendees(page.session, page.clock, page.settings, event, plan.offsets_for)
    title = service.localized(event, texts, reader_language(page))[0]
    translator = page.ctx.machine_translator
    missing = [lang for lang in SUPPORTED_LANGUAGES if lang != event.lang and lang not in texts]
    return page.render(
        "events_event.html",
        event=event,
        when=when(page, event),
        title=title,
        texts=[
            (lang, language_label(page.tr.lang, lang), texts.get(lang))
            for lang in SUPPORTED_LANGUAGES
            if lang != event.lang
        ],
        original_label=language_label(page.tr.lang, event.lang),
        attendees=attendees,
        free=service.free_places(event, attendees.people),
        open=service.is_open(event, now),
        cancellable=service.can_cancel(event, now),
        can_translate=bool(missing)
        and translator is not None
        and translator.enabled
        and service.is_open(event, now),
        reminders=REMINDERS,
        language_of=lambda code: language_label(page.tr.lang, code),
        reminder_hours=page.settings.event_reminder_hours,
    )


async def translate(page: Page) -> web.StreamResponse:
    event = await _event_or_404(page)
    if not service.is_open(event, page.clock.now()):
        return page.redirect(f"/events/{event.id}", notice=PROBLEMS[Problem.CLOSED][1])
    translator = page.ctx.machine_translator
    if translator is None or not translator.enabled:
        return page.redirect(f"/events/{event.id}", notice=N_("No machine translator is configured."))
    notice = await _machine_fill(page, event)
    return page.redirect(f"/events/{event.id}", notice=notice or N_("The event is saved."))


async def cancel(page: Page) -> web.StreamResponse:
    event = await _event_or_404(page)
    if page.form.get("confirm") != "yes":
        return page.redirect(
            f"/events/{event.id}#cancel", notice=N_("Please tick the box to confirm the cancellation.")
        )
    event_id, title = event.id, event.title
    told = await service.cancel_event(page.session, page.clock, page.settings, event_id)
    if told is None:
        return page.redirect(
            f"/events/{event_id}",
            notice=N_("This event cannot be cancelled: it is over or cancelled already."),
        )
    await page.audit(CANCELLED, f"event:{event_id}", before=title, after=f"told: {told}")
    return page.redirect(
        f"/events/{event_id}", notice=N_("The event is cancelled. The people registered are told in the bot.")
    )


ROUTES = [
    get("/events", event_list),
    get("/events/new", new_event),
    post("/events/new", create),
    get("/events/{event_id}", show),
    get("/events/{event_id}/edit", edit_form),
    post("/events/{event_id}/edit", save),
    post("/events/{event_id}/translate", translate),
    post("/events/{event_id}/cancel", cancel),
]
