"""The local facts editor: addresses, opening hours, phone numbers, e-mail addresses, links and texts that fill
the placeholders of the FAQ answers (bot/faq/facts.py).

`/facts` lists them grouped by kind, each with its SAMPLE marks, the month it was last checked (marked when
that is six months ago or more), where it is used and how the bot shows it; `/facts/{key}` is the form of
one fact. Saving validates the value for its kind (messages from bot/local_facts/kinds.py, in the page's
language); a form opened before someone else's change is refused, showing the current value. The service
writes the audit line and advances the FAQ content's version: every bot process answers with the new
value from its next question on.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.config import SUPPORTED_LANGUAGES
from bot.faq import facts as store
from bot.faq.content import placeholders
from bot.faq.freshness import is_stale
from bot.faq.service import faq_for
from bot.i18n import catalogs
from bot.local_facts import ALL, Kind
from bot.local_facts.kinds import MAX_LENGTH, Problem
from bot.text import N_
from console.i18n import language_label
from console.web import NavItem, Page, get, post

AUDIT_ACTIONS = {
    store.CHANGED: N_("Local fact changed"),
    store.CHECKED: N_("Local fact confirmed as still right"),
    store.IMPORTED: N_("Local fact changed by a file import"),
}

# The sections of the list, in this order, and a hint for each kind's form.
KINDS: list[tuple[Kind, str, str]] = [
    (
        Kind.HOURS,
        N_("Opening hours"),
        N_(
            "One form for all languages, for example “Mo–Fr 9:00–12:00; Di 14:00–16:00”. "
            "The bot shows it in each reader's language."
        ),
    ),
    (Kind.ADDRESS, N_("Addresses"), N_("Street, house number, postcode and place, on one line.")),
    (
        Kind.PHONE,
        N_("Phone numbers"),
        N_("Digits, spaces and a + at the start, for example +49 511 1234567."),
    ),
    (Kind.EMAIL, N_("E-mail addresses"), N_("For example kontakt@example.org.")),
    (Kind.LINK, N_("Links"), N_("Beginning with https://, tel: or mailto:.")),
    (
        Kind.TEXT,
        N_("Names and texts"),
        N_("Plain text on one line. A language left empty shows the German text."),
    ),
]
INPUT_TYPES = {Kind.PHONE: "tel", Kind.EMAIL: "email", Kind.LINK: "url"}


@dataclass(frozen=True)
class Field:
    """One value of a fact as its form shows it."""

    lang: str  # ALL, or a bot language
    name: str  # the form field: "v_all", "v_ar"
    label: str  # the language, named in the page's language ("" for ALL)
    value: str
    sample: bool
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Card:
    stored: store.StoredFact
    fields: tuple[Field, ...]
    used_in: tuple[str, ...]  # titles of the answers that show it
    stale: bool  # not checked for six months (or never)
    shown: tuple[tuple[str, str, str], ...]  # (lang, language name, how the bot shows it) for hours

    @property
    def key(self) -> str:
        return self.stored.fact.name

    @property
    def samples(self) -> int:
        return len(self.stored.fact.samples)


def field_name(lang: str) -> str:
    return f"v_{lang or 'all'}"


def language_label_of(page: Page, lang: str) -> str:
    return "" if lang == ALL else language_label(page.tr.lang, lang)


def problem_text(page: Page, problem: Problem) -> str:
    """A validation message in the page's language (the `facts` catalog, which has de and en too)."""
    return problem.text(lambda msgid: catalogs().gettext(page.tr.lang, msgid))


async def _used_in(page: Page) -> dict[str, list[str]]:
    """Placeholder → titles of the answers (in the page's language, else German) that use it."""
    service = await faq_for(page.settings, page.session)
    found: dict[str, list[str]] = {}
    for topic in service.content.topics:
        entry = service.entry(topic.slug, page.tr.lang)
        if entry is None:
            continue
        for name in placeholders(entry.answer_template):
            found.setdefault(name, []).append(entry.title)
    return found


def card(
    page: Page,
    stored: store.StoredFact,
    used_in: dict[str, list[str]],
    typed: dict[str, str] | None = None,
    errors: dict[str, list[Problem]] | None = None,
) -> Card:
    fact = stored.fact
    fields = tuple(
        Field(
            lang=lang,
            name=field_name(lang),
            label=language_label_of(page, lang),
            value=(typed or {}).get(lang, fact.values.get(lang, "")),
            sample=lang in fact.samples,
            errors=tuple(problem_text(page, p) for p in (errors or {}).get(lang, [])),
        )
        for lang in stored.languages
    )
    shown: tuple[tuple[str, str, str], ...] = ()
    if fact.kind == Kind.HOURS:
        shown = tuple(
            (lang, language_label_of(page, lang), fact.shown(lang) or "") for lang in SUPPORTED_LANGUAGES
        )
    today = page.clock.now().astimezone(page.settings.tz).date()
    return Card(stored, fields, tuple(used_in.get(fact.name, ())), is_stale(fact.checked, today), shown)


async def _cards(page: Page) -> list[Card]:
    facts = await store.stored_facts(page.session, page.clock, page.settings.local_facts_file)
    used_in = await _used_in(page)
    return [card(page, stored, used_in) for stored in facts]


async def overview(page: Page) -> web.StreamResponse:
    cards = await _cards(page)
    sections = [
        (kind, label, [c for c in cards if c.stored.fact.kind == kind]) for kind, label, _hint in KINDS
    ]
    return page.render(
        "facts.html",
        sections=[s for s in sections if s[2]],
        samples=sum(1 for c in cards if c.samples),
        stale=sum(1 for c in cards if c.stale),
        total=len(cards),
    )


def _hint(kind: Kind) -> str:
    return next(hint for k, _label, hint in KINDS if k == kind)


def _edit(page: Page, one: Card, *, status: int = 200, problem: str | None = None) -> web.Response:
    return page.render(
        "fact.html",
        status=status,
        card=one,
        hint=_hint(one.stored.fact.kind),
        input_type=INPUT_TYPES.get(one.stored.fact.kind, "text"),
        max_length=MAX_LENGTH[one.stored.fact.kind],
        problem=problem,
    )


async def edit(page: Page) -> web.StreamResponse:
    await store.ready(page.session, page.clock, page.settings.local_facts_file)
    stored = await store.stored_fact(page.session, page.request.match_info["key"])
    if stored is None:
        raise web.HTTPNotFound
    return _edit(page, card(page, stored, await _used_in(page)))


async def save(page: Page) -> web.StreamResponse:
    key = page.request.match_info["key"]
    await store.ready(page.session, page.clock, page.settings.local_facts_file)
    stored = await store.stored_fact(page.session, key)
    if stored is None:
        raise web.HTTPNotFound
    typed = {
        lang: str(page.form[field_name(lang)]) for lang in stored.languages if field_name(lang) in page.form
    }
    result = await store.save(
        page.session,
        page.clock,
        key,
        typed,
        actor_id=page.organizer.id,
        token=str(page.form.get("token", "")) or None,
        tz=page.settings.tz,
    )
    if result.outcome == store.Saved.UNKNOWN:
        raise web.HTTPNotFound
    if result.outcome == store.Saved.INVALID:
        assert result.fact is not None
        one = card(page, result.fact, await _used_in(page), typed, result.problems)
        return _edit(page, one, status=422, problem=N_("Not saved: please correct the marked fields."))
    if result.outcome == store.Saved.CONFLICT:
        assert result.fact is not None
        return _edit(
            page,
            card(page, result.fact, await _used_in(page)),
            status=409,
            problem=N_(
                "Not saved: someone else changed this fact while you were editing it. "
                "Here is the current value; please make your change again."
            ),
        )
    notice = {
        store.Saved.SAVED: N_("Saved. The bot uses the new value from its next answer on."),
        store.Saved.CONFIRMED: N_("Nothing changed: the fact is marked as checked this month."),
        store.Saved.UNCHANGED: N_("Nothing changed. A SAMPLE value stays marked until you replace it."),
    }[result.outcome]
    return page.redirect(f"/facts#fact-{key}", notice=notice)


ROUTES = [get("/facts", overview), get("/facts/{key}", edit), post("/facts/{key}", save)]
NAV = NavItem(
    N_("Local facts"), "/facts", order=20, description=N_("Addresses, opening hours, phone numbers and links")
)
