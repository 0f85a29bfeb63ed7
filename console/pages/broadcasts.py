"""Broadcasts: compose one in the six languages side by side, schedule it, and follow it to its report
(bot/broadcast/broadcasts.py, sending.py: the same services as the bot's /broadcast and /broadcasts).

- `/broadcasts/new`, `/broadcasts/{id}` (a draft): the audience (a topic's subscribers, by language and
  role), the original and a text per language (Telegram HTML; Arabic and Farsi right to left), each checked
  as Telegram takes it and against its label (an Arabic text in the Farsi box is a warning that names the
  language it looks like); a machine pre-fill of the empty languages, marked "to review" until a person
  checks it; the recipients per language; a preview of what each language's readers get (only languages
  with recipients); then "send now" or a time (a date-time field in Europe/Berlin, or a quick choice).
  Sending is the outbox's work: a broadcast due now is expanded at once, a later one by the dispatch job.
- `/broadcasts`: the history (planned, held, being sent, sent, cancelled), a page at a time, each with its
  delivery report per language; `/broadcasts/{id}` of a planned or sent one: its texts, its report, and
  hold, resume, send now or cancel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from babel.dates import format_datetime, format_skeleton
from markupsafe import Markup

from bot.broadcast import broadcasts as service
from bot.broadcast import dates, sending
from bot.broadcast import subscriptions as sub_service
from bot.broadcast import texts as text_tools
from bot.broadcast import topics as topic_service
from bot.broadcast.broadcasts import Broadcast, BroadcastError, Problem, TypedText
from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import catalogs
from bot.telegram_html import Issue
from bot.text import N_, Translator
from bot.users import ORGANIZER, ROLES
from console.i18n import language_label
from console.web import NavItem, Page, get, post

AUDIT_ACTIONS = {
    "broadcast.draft": N_("Broadcast draft saved"),
    "broadcast.prefill": N_("Broadcast pre-filled by machine translation"),
    "broadcast.schedule": N_("Broadcast scheduled"),
    "broadcast.send": N_("Broadcast sent now"),
    "broadcast.hold": N_("Broadcast held"),
    "broadcast.resume": N_("Broadcast scheduled again"),
    "broadcast.cancel": N_("Broadcast cancelled"),
    "broadcast.discard": N_("Broadcast draft discarded"),
}
STATE_LABELS = {
    service.DRAFT: N_("draft"),
    service.SCHEDULED: N_("planned"),
    service.HELD: N_("held"),
    service.SENDING: N_("being sent"),
    service.DONE: N_("sent"),
    service.CANCELLED: N_("cancelled"),
}
ROLE_LABELS = {"visitor": N_("Visitors"), "helper": N_("Helpers"), "organizer": N_("Organizers")}
PROBLEMS = {
    Problem.EMPTY: N_("The original needs a text."),
    Problem.TOO_LONG: N_("{length} characters: at most {limit} are possible."),
}
ALLOWED_TAGS = '<b>, <i>, <u>, <s>, <a href="https://…">, <code>, <pre>, <blockquote>, <tg-spoiler>'
HTML_PROBLEMS = {
    Issue.TAG: N_("Telegram does not show {tag}. Allowed: {allowed}."),
    Issue.ATTRIBUTE: N_("{tag} may not have the attribute {detail}."),
    Issue.LINK: N_("A link needs an address beginning with https://, http://, tg://, mailto: or tel:."),
    Issue.BROKEN: N_("The tag {tag} is not closed (its {bracket} is missing)."),
    Issue.UNCLOSED: N_("{tag} is opened but not closed: add {end}."),
    Issue.UNEXPECTED: N_("{end} closes nothing here."),
}
REFUSALS = {
    Problem.PAST: N_("This moment has passed. Please choose a time in the future."),
    Problem.UNREADABLE: N_("Please choose a date and a time."),
    Problem.TOPIC: N_("Please choose a topic."),
    Problem.AUDIENCE: N_("Please choose at least one language and one role."),
    Problem.EMPTY: N_("The original needs a text."),
    Problem.NOT_HELD: N_("This broadcast is not held any more."),
}
NOT_POSSIBLE = N_("This is not possible any more: the broadcast has changed meanwhile.")
INVALID = N_("Not saved: please correct what is marked.")
# What the bot adds under a machine translation (domain broadcast; shown in each reader's language).
MACHINE_NOTE = "🤖 Machine translation. Mistakes are possible."
STOP_NEWS = "🔕 Stop news: {topic}"
PER_PAGE = 20
MAX_PAGE = 1000


@dataclass(frozen=True)
class Box:
    """One language's text box on the compose page."""

    lang: str
    label: str
    text: str  # what the box shows
    check: TypedText | None  # None: an empty box
    machine: bool  # a stored machine translation, not checked by a person yet
    original: bool
    recipients: int | None  # None: the language is not in the audience (or no topic yet)
    problems: list[Markup]


def _lang_label(page: Page, code: str) -> str:
    return language_label(page.tr.lang, code)


def _problems(page: Page, check: TypedText) -> list[Markup]:
    found = []
    if check.problem is not None and check.problem in PROBLEMS:
        found.append(page.tr._(PROBLEMS[check.problem], length=check.length, limit=text_tools.MAX_TEXT))
    if check.html_problem is not None:
        html = check.html_problem
        opening = "<" + html.tag + ("" if html.issue == Issue.BROKEN else ">")
        found.append(
            page.tr._(
                HTML_PROBLEMS[html.issue],
                tag=opening,
                end="</" + html.tag + ">",
                detail=html.detail,
                allowed=ALLOWED_TAGS,
                bracket=">",
            )
        )
    return found


def _translator_on(page: Page) -> bool:
    translator = page.ctx.machine_translator
    return translator is not None and translator.enabled


def _quick_label(page: Page, pick: dates.Pick) -> str:
    time_text = format_datetime(pick.at.astimezone(page.settings.tz), "HH:mm", locale=page.tr.lang)
    if pick.days_ahead == 0:
        return page.tr._("Today, {time}", time=time_text)
    if pick.days_ahead == 1:
        return page.tr._("Tomorrow, {time}", time=time_text)
    day = format_skeleton("MMMMEEEEd", pick.at.astimezone(page.settings.tz), locale=page.tr.lang)
    return f"{day}, {time_text}"


def _local_input(moment: datetime, page: Page) -> str:
    """A moment as a datetime-local field's value in the configured zone."""
    return moment.astimezone(page.settings.tz).strftime("%Y-%m-%dT%H:%M:%S")


# --- compose ------------------------------------------------------------------------------------------------
async def _compose(
    page: Page,
    broadcast: Broadcast | None,
    *,
    typed: dict[str, Any] | None = None,
    checks: dict[str, TypedText] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> web.Response:
    """The compose page: the stored draft, or (`typed`) what was typed, with its checks."""
    topics = await topic_service.topics_for(page.session, ORGANIZER)
    subscribers = await sub_service.subscriber_counts(page.session)
    stored = await service.texts(page.session, broadcast) if broadcast else {}
    counts = await service.recipient_counts(page.session, broadcast, page.settings) if broadcast else {}
    if typed is not None:
        source = typed["source"]
        chosen_topic, chosen_langs, chosen_roles = typed["topic"], typed["languages"], typed["roles"]
        texts = typed["texts"]
    else:
        source = (broadcast.source_lang if broadcast else None) or page.settings.default_language
        chosen_topic = broadcast.topic_id if broadcast else None
        chosen_langs = service.languages(broadcast) if broadcast else list(SUPPORTED_LANGUAGES)
        chosen_roles = service.roles(broadcast) if broadcast else list(ROLES)
        texts = {lang: row.text for lang, row in stored.items()}
        checks = {
            lang: service.check_typed(lang, text, original=lang == source)
            for lang, text in texts.items()
            if text
        }
    checks = checks or {}
    boxes = []
    for lang in SUPPORTED_LANGUAGES:
        check = checks.get(lang)
        row = stored.get(lang)
        text = texts.get(lang, "")
        boxes.append(
            Box(
                lang=lang,
                label=_lang_label(page, lang),
                text=text,
                check=check if check is not None and check.html else None,
                machine=row is not None and row.machine and row.text == (check.html if check else text),
                original=lang == source,
                recipients=counts.get(lang) if broadcast and broadcast.topic_id else None,
                problems=_problems(page, check) if check is not None else [],
            )
        )
    previews, total = [], sum(counts.values())
    hidden: list[str] = []
    if broadcast is not None:  # the saved draft: what goes out (typed changes count once saved)
        try:
            shown, total = await sending.previews(page.session, page.settings, broadcast)
        except BroadcastError:
            shown = []
        for preview in shown:
            if preview.recipients:
                previews.append(_preview(page, preview))
            else:
                hidden.append(_lang_label(page, preview.message.lang))
    now = page.clock.now()
    missing = service.missing_languages(broadcast, stored) if broadcast and broadcast.source_lang else []
    return page.render(
        "broadcasts_compose.html",
        status=status,
        broadcast=broadcast,
        topics=[
            (t.id, f"{t.emoji} {topic_service.topic_name(t, page.tr.lang)}", subscribers.get(t.id, 0))
            for t in topics
        ],
        chosen_topic=chosen_topic,
        chosen_langs=set(chosen_langs),
        chosen_roles=set(chosen_roles),
        source=source,
        boxes=boxes,
        bot_languages=[(code, _lang_label(page, code)) for code in SUPPORTED_LANGUAGES],
        lang_labels={code: _lang_label(page, code) for code in SUPPORTED_LANGUAGES},
        roles=[(role, ROLE_LABELS[role]) for role in ROLES],
        previews=previews,
        hidden=hidden,
        total=total,
        problem=problem,
        limit=text_tools.MAX_TEXT,
        translator=_translator_on(page) and bool(missing),
        quick=[
            (pick.at.isoformat(), _quick_label(page, pick))
            for pick in dates.quick_picks(now, page.settings.tz)
        ],
        min_at=_local_input(now, page),
        zone=page.settings.timezone,
    )


@dataclass(frozen=True)
class PreviewCard:
    lang: str
    label: str
    recipients: int
    html: Markup
    note: str | None  # the machine-translation note, in the reader's language
    button: str | None  # the "stop news" button under it


def _preview(page: Page, preview: sending.Preview) -> PreviewCard:
    payload, lang = preview.message.payload, preview.message.lang
    reader = Translator(lang, page.settings.tz)
    return PreviewCard(
        lang=lang,
        label=_lang_label(page, lang),
        recipients=preview.recipients,
        html=Markup(text_tools.for_browser(payload.text)),
        note=catalogs().gettext(lang, MACHINE_NOTE) if payload.machine else None,
        button=reader._(STOP_NEWS, topic=payload.topic_name) if payload.topic_id else None,
    )


def _typed_form(page: Page) -> dict[str, Any]:
    form = page.form
    source = str(form.get("source", ""))
    if source not in SUPPORTED_LANGUAGES:
        raise web.HTTPBadRequest
    try:
        topic = int(str(form.get("topic", "")))
    except ValueError:
        topic = None
    return {
        "source": source,
        "topic": topic,
        "languages": [lang for lang in form.getall("languages", []) if lang in SUPPORTED_LANGUAGES],
        "roles": [role for role in form.getall("roles", []) if role in ROLES],
        "texts": {lang: str(form.get(f"text-{lang}", "")) for lang in SUPPORTED_LANGUAGES},
        "reviewed": [lang for lang in form.getall("reviewed", []) if lang in SUPPORTED_LANGUAGES],
    }


async def _save(page: Page, broadcast: Broadcast | None) -> web.StreamResponse:
    """Save the compose form into the draft (a new one for /broadcasts/new); refused with the reasons."""
    typed = _typed_form(page)
    checks = {
        lang: service.check_typed(lang, text, original=lang == typed["source"])
        for lang, text in typed["texts"].items()
    }
    refusal: str | None = None
    if typed["topic"] is None or await topic_service.get_active(page.session, typed["topic"]) is None:
        refusal = REFUSALS[Problem.TOPIC]
    elif not typed["languages"] or not typed["roles"]:
        refusal = REFUSALS[Problem.AUDIENCE]
    elif not all(check.ok for check in checks.values()):
        refusal = INVALID
    if refusal is not None:
        return await _compose(page, broadcast, typed=typed, checks=checks, problem=refusal, status=422)
    if broadcast is None:
        broadcast = await service.create_draft(page.session, page.clock, page.organizer)
    await service.set_topic(page.session, broadcast, typed["topic"])
    service.set_audience(broadcast, typed["languages"], typed["roles"])
    await service.save_texts(page.session, broadcast, typed["source"], typed["texts"], typed["reviewed"])
    await page.audit(
        "broadcast.draft",
        service.ref(broadcast.id),
        after="\n\n".join(f"[{c.lang}] {c.html}" for c in checks.values() if c.html)[:10_000],
    )
    return page.redirect(
        f"/broadcasts/{broadcast.id}#check",
        notice=N_("Saved. Check the preview, then choose when it goes out."),
    )


async def new(page: Page) -> web.StreamResponse:
    return await _compose(page, None)


async def create(page: Page) -> web.StreamResponse:
    return await _save(page, None)


async def _broadcast(page: Page) -> Broadcast:
    try:
        broadcast_id = int(page.request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound from None
    broadcast = await service.get(page.session, broadcast_id)
    if broadcast is None:
        raise web.HTTPNotFound
    return broadcast


async def _own_draft(page: Page) -> Broadcast | None:
    """The organizer's draft named in the path; None when it is not (any more) a draft of theirs."""
    broadcast = await _broadcast(page)
    return await service.get_draft(page.session, broadcast.id, page.organizer)


async def show(page: Page) -> web.StreamResponse:
    broadcast = await _broadcast(page)
    if broadcast.state == service.DRAFT:
        if broadcast.created_by != page.organizer.id:
            raise web.HTTPNotFound
        return await _compose(page, broadcast)
    return await _detail(page, broadcast)


async def save(page: Page) -> web.StreamResponse:
    draft = await _own_draft(page)
    if draft is None:
        return page.redirect(f"/broadcasts/{page.request.match_info['id']}", notice=NOT_POSSIBLE)
    return await _save(page, draft)


async def prefill(page: Page) -> web.StreamResponse:
    draft = await _own_draft(page)
    translator = page.ctx.machine_translator
    if draft is None or translator is None or not translator.enabled:
        return page.redirect(f"/broadcasts/{page.request.match_info['id']}", notice=NOT_POSSIBLE)
    bid = draft.id
    targets = await service.machine_targets(page.session, draft, None)
    try:
        results = await service.machine_translate(page.session, translator, draft, page.organizer, targets)
    except BroadcastError:
        return page.redirect(f"/broadcasts/{bid}", notice=NOT_POSSIBLE)
    done = sorted(lang for lang, html in results.items() if html)
    await page.audit("broadcast.prefill", service.ref(bid), after=", ".join(done))
    notice = (
        N_(
            "Pre-filled by machine translation: please check each text. Until you tick “checked”, readers see a note that it is a machine translation."
        )
        if len(done) == len(results)
        else N_("The machine translation did not work for every language. The empty ones get the original.")
    )
    return page.redirect(f"/broadcasts/{bid}", notice=notice)


async def schedule(page: Page) -> web.StreamResponse:
    """Send now, at a quick choice, or at the typed moment: confirmed through the bot's own services."""
    draft = await _own_draft(page)
    if draft is None:
        return page.redirect(f"/broadcasts/{page.request.match_info['id']}", notice=NOT_POSSIBLE)
    when = str(page.form.get("when", ""))
    try:
        if when == "now":
            service.propose_time(draft, None, page.clock)
        elif when.startswith("quick:"):
            at = datetime.fromisoformat(when.removeprefix("quick:"))
            if at.tzinfo is None:
                raise ValueError(when)
            service.propose_time(draft, at, page.clock)
        else:
            service.propose_local_time(draft, str(page.form.get("at", "")), page.clock, page.settings.tz)
        confirmed = await sending.send_or_schedule(page.session, page.clock, page.settings, draft)
    except (BroadcastError, ValueError) as error:
        code = error.code if isinstance(error, BroadcastError) else Problem.UNREADABLE
        return page.redirect(f"/broadcasts/{draft.id}#when", notice=REFUSALS.get(code, NOT_POSSIBLE))
    if confirmed.sending is not None:
        await page.audit("broadcast.send", service.ref(draft.id), after=str(confirmed.sending))
        return page.redirect(f"/broadcasts/{draft.id}", notice=N_("It is being sent now."))
    await page.audit("broadcast.schedule", service.ref(draft.id), after=confirmed.at.isoformat())
    return page.redirect(f"/broadcasts/{draft.id}", notice=N_("Scheduled. The bot sends it at that time."))


async def discard(page: Page) -> web.StreamResponse:
    draft = await _own_draft(page)
    if draft is None:
        return page.redirect("/broadcasts", notice=NOT_POSSIBLE)
    await service.cancel(page.session, draft.id)
    await page.audit("broadcast.discard", service.ref(draft.id))
    return page.redirect("/broadcasts", notice=N_("The draft was discarded."))


# --- a planned or sent broadcast ------------------------------------------------------------------------------
async def _detail(page: Page, broadcast: Broadcast) -> web.Response:
    stored = await service.texts(page.session, broadcast)
    topic = await topic_service.get_topic(page.session, broadcast.topic_id) if broadcast.topic_id else None
    report = (await sending.reports(page.session, [broadcast.id]))[broadcast.id]
    source = broadcast.source_lang or page.settings.default_language
    texts = [
        (lang, _lang_label(page, lang), Markup(text_tools.for_browser(row.text)), row.machine, lang == source)
        for lang, row in ((lang, stored.get(lang)) for lang in SUPPORTED_LANGUAGES)
        if row is not None
    ]
    at = broadcast.scheduled_at
    return page.render(
        "broadcasts_detail.html",
        broadcast=broadcast,
        topic=f"{topic.emoji} {topic_service.topic_name(topic, page.tr.lang)}" if topic else "—",
        states=STATE_LABELS,
        report=report,
        report_rows=_report_rows(page, report),
        texts=texts,
        audience=[_lang_label(page, lang) for lang in service.languages(broadcast)],
        audience_roles=[ROLE_LABELS[role] for role in service.roles(broadcast)],
        resume_at=_local_input(at, page) if at and at > page.clock.now() else "",
        min_at=_local_input(page.clock.now(), page),
        zone=page.settings.timezone,
    )


def _report_rows(page: Page, report: dict[str, Any]) -> list[tuple[str, str, dict[str, int]]]:
    by_language = report["by_language"]
    order = [*SUPPORTED_LANGUAGES, *sorted(set(by_language) - set(SUPPORTED_LANGUAGES))]
    return [
        (lang, _lang_label(page, lang) if lang in SUPPORTED_LANGUAGES else lang, by_language[lang])
        for lang in order
        if lang in by_language
    ]


async def hold(page: Page) -> web.StreamResponse:
    broadcast = await _broadcast(page)
    if not await service.hold_planned(page.session, broadcast.id):
        return page.redirect(f"/broadcasts/{broadcast.id}", notice=NOT_POSSIBLE)
    await page.audit("broadcast.hold", service.ref(broadcast.id))
    return page.redirect(
        f"/broadcasts/{broadcast.id}", notice=N_("Held: it does not go out until you decide.")
    )


async def resume(page: Page) -> web.StreamResponse:
    broadcast = await _broadcast(page)
    try:
        at = service.local_moment(str(page.form.get("at", "")), page.settings.tz)
        await service.resume_held(page.session, page.clock, broadcast.id, at)
    except BroadcastError as error:
        return page.redirect(f"/broadcasts/{broadcast.id}", notice=REFUSALS.get(error.code, NOT_POSSIBLE))
    await page.audit("broadcast.resume", service.ref(broadcast.id), after=at.isoformat())
    return page.redirect(
        f"/broadcasts/{broadcast.id}", notice=N_("Scheduled. The bot sends it at that time.")
    )


async def send_now(page: Page) -> web.StreamResponse:
    broadcast = await _broadcast(page)
    try:
        count = await sending.send_held_now(page.session, page.clock, page.settings, broadcast.id)
    except BroadcastError:
        return page.redirect(f"/broadcasts/{broadcast.id}", notice=NOT_POSSIBLE)
    await page.audit("broadcast.send", service.ref(broadcast.id), after=str(count))
    return page.redirect(f"/broadcasts/{broadcast.id}", notice=N_("It is being sent now."))


async def cancel(page: Page) -> web.StreamResponse:
    broadcast = await _broadcast(page)
    if broadcast.state == service.DRAFT:
        return page.redirect(f"/broadcasts/{broadcast.id}", notice=NOT_POSSIBLE)
    result = await service.cancel(page.session, broadcast.id)
    if result is None:
        return page.redirect(f"/broadcasts/{broadcast.id}", notice=NOT_POSSIBLE)
    await page.audit(
        "broadcast.cancel",
        service.ref(broadcast.id),
        after=f"withdrawn {result.withdrawn}, sent {result.sent}",
    )
    return page.redirect(
        f"/broadcasts/{broadcast.id}", notice=N_("Cancelled. Messages not sent yet were withdrawn.")
    )


# --- the history ------------------------------------------------------------------------------------------------
FILTERS = {
    "planned": (service.SCHEDULED,),
    "held": (service.HELD,),
    "sending": (service.SENDING,),
    "sent": (service.DONE,),
    "cancelled": (service.CANCELLED,),
}
FILTER_LABELS = {
    "planned": N_("Planned"),
    "held": N_("Held"),
    "sending": N_("Being sent"),
    "sent": N_("Sent"),
    "cancelled": N_("Called off"),
}


def _page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


async def history(page: Page) -> web.StreamResponse:
    wanted = page.request.query.get("state")
    if wanted not in FILTERS:
        wanted = None
    states = FILTERS[wanted] if wanted else sending.HISTORY_STATES
    number = _page_number(page.request.query.get("page"))
    counts = await sending.counts_by_state(page.session)
    total = sum(counts[state] for state in states)
    shown = await sending.history(page.session, states, page=number - 1, per_page=PER_PAGE)
    reports = await sending.reports(page.session, [b.id for b in shown])
    topics = {t.id: t for t in await topic_service.all_topics(page.session)}
    rows = []
    for broadcast in shown:
        topic = topics.get(broadcast.topic_id) if broadcast.topic_id else None
        rows.append(
            (
                broadcast,
                f"{topic.emoji} {topic_service.topic_name(topic, page.tr.lang)}" if topic else "—",
                reports[broadcast.id],
                _report_rows(page, reports[broadcast.id]),
            )
        )
    return page.render(
        "broadcasts.html",
        draft=await service.draft_of(page.session, page.organizer),
        rows=rows,
        states=STATE_LABELS,
        filters=[(key, FILTER_LABELS[key], sum(counts[s] for s in FILTERS[key])) for key in FILTERS],
        wanted=wanted,
        number=number,
        pages=max(1, -(-total // PER_PAGE)),
        total=total,
    )


ROUTES = [
    get("/broadcasts", history),
    get("/broadcasts/new", new),
    post("/broadcasts/new", create),
    get("/broadcasts/{id}", show),
    post("/broadcasts/{id}", save),
    post("/broadcasts/{id}/prefill", prefill),
    post("/broadcasts/{id}/schedule", schedule),
    post("/broadcasts/{id}/discard", discard),
    post("/broadcasts/{id}/hold", hold),
    post("/broadcasts/{id}/resume", resume),
    post("/broadcasts/{id}/send", send_now),
    post("/broadcasts/{id}/cancel", cancel),
]
NAV = NavItem(
    N_("Broadcasts"),
    "/broadcasts",
    order=70,
    description=N_("News to a topic's subscribers, in their languages"),
)
