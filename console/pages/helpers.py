"""Helpers: the list of helpers (languages, areas, pause, last activity, what they took and did), the
invitation links (create, list, revoke) and the assignments board (open, taken, recently done; re-open,
hand back).

The same services as the bot: invites are bot.users' (a link made here is the link /invite gives; a revoked
one is refused by the bot as an expired one), re-opening and handing back are bot.assignments.claiming's,
so the helper and the organizer are told in the bot as after the in-bot actions. The board shows what the
bot's overview shows an organizer, without the address and contact (those stay in the bot).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot import users
from bot.assignments import claiming, service, team
from bot.assignments.options import ANY, ANY_AREA, ANY_LANGUAGE, KINDS, Areas, areas
from bot.assignments.status import Outcome
from bot.flyer.cli import fetch_username
from bot.flyer.content import SAMPLE_BOT_USERNAME, FlyerError
from bot.i18n import catalogs
from bot.text import N_
from console.i18n import language_label
from console.pages.audit import page_number
from console.web import NavItem, Page, get, post

INVITE_CREATED = "helpers.invite"
INVITE_REVOKED = "helpers.invite_revoke"
REOPENED = "assignment.reopen"
HANDED_BACK = "assignment.hand_back"
AUDIT_ACTIONS = {
    INVITE_CREATED: N_("Invitation link for a helper created"),
    INVITE_REVOKED: N_("Invitation link revoked"),
    REOPENED: N_("Assignment re-opened (taken back from its helper)"),
    HANDED_BACK: N_("Assignment handed back for its helper"),
}

# The bot's username per token, asked once per process (getMe): the links need it.
_usernames: dict[str, str] = {}


async def bot_username(page: Page) -> str | None:
    """The bot's username for invitation links; the demo's without a token; None when Telegram cannot be
    asked right now (the page then shows the code, to send as /start <code>)."""
    token = page.settings.bot_token.strip()
    if not token:
        return SAMPLE_BOT_USERNAME
    if token not in _usernames:
        try:
            _usernames[token] = await fetch_username(page.settings.telegram_api_url, token, timeout=5)
        except FlyerError:
            return None
    return _usernames[token]


def bot_text(page: Page, msgid: str) -> str:
    """A label of the bot's catalogs (assignment kinds) in the page's language."""
    return catalogs().gettext(page.tr.lang, msgid)


def language_name(page: Page, code: str) -> str:
    return bot_text(page, ANY_LANGUAGE) if code == ANY else language_label(page.tr.lang, code)


def area_name(page: Page, known: Areas, key: str) -> str:
    return bot_text(page, ANY_AREA) if key == ANY else (known.name(key) or key)


# --- the helpers -------------------------------------------------------------------------------------
async def helpers_list(page: Page) -> web.StreamResponse:
    number = page_number(page.request.query.get("page"))
    found = await team.helpers_page(page.session, page.organizer, number)
    known = areas(page.settings.areas_file)
    return page.render(
        "helpers.html",
        found=found,
        now=page.clock.now(),
        languages_of=lambda row: [language_name(page, code) for code in row.languages],
        areas_of=lambda row: [area_name(page, known, key) for key in row.areas],
    )


# --- invitation links --------------------------------------------------------------------------------
@dataclass(frozen=True)
class InviteRow:
    code: str
    role: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None
    state: users.InviteState
    link: str | None  # while it can be used


async def invites(page: Page) -> web.StreamResponse:
    number = page_number(page.request.query.get("page"))
    found, has_next = await users.invites_page(page.session, number)
    now = page.clock.now()
    username = await bot_username(page)
    rows = []
    for invite in found:
        state = users.invite_state(invite, now)
        valid = state == users.InviteState.VALID
        rows.append(
            InviteRow(
                code=invite.code,
                role=invite.role,
                created_at=invite.created_at,
                expires_at=invite.expires_at,
                used_at=invite.used_at,
                used_by=invite.used_by,
                state=state,
                link=users.invite_link(username, invite.code) if valid and username else None,
            )
        )
    return page.render(
        "helpers_invites.html",
        rows=rows,
        number=number,
        has_next=has_next,
        hours=page.settings.invite_ttl_hours,
        states=users.InviteState,
    )


async def create_invite(page: Page) -> web.StreamResponse:
    invite = await users.create_invite(
        page.session, page.organizer, users.HELPER, page.clock, page.settings.invite_ttl_hours
    )
    await page.audit(INVITE_CREATED, f"invite:{invite.code}", after=users.HELPER)
    return page.redirect(
        f"/helpers/invites#invite-{invite.code}",
        notice=N_("Invitation link created. Send it to the new helper: it works once."),
    )


async def revoke_invite(page: Page) -> web.StreamResponse:
    code = page.request.match_info["code"]
    if not await users.revoke_invite(page.session, code, page.clock):
        return page.redirect(
            "/helpers/invites", notice=N_("Nothing changed: that link was used, expired or revoked already.")
        )
    await page.audit(INVITE_REVOKED, f"invite:{code}", before="valid", after="revoked")
    return page.redirect(
        f"/helpers/invites#invite-{code}", notice=N_("Revoked. The bot now refuses this link.")
    )


# --- the assignments board ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Card:
    assignment: service.Assignment
    kind: str
    language: str
    area: str


async def board(page: Page) -> web.StreamResponse:
    found = await team.board(page.session, page.organizer)
    known = areas(page.settings.areas_file)

    def cards(assignments: list[service.Assignment]) -> list[Card]:
        return [
            Card(
                a,
                bot_text(page, KINDS[a.kind]) if a.kind in KINDS else a.kind,
                language_name(page, a.language),
                area_name(page, known, a.area),
            )
            for a in assignments
        ]

    return page.render(
        "helpers_board.html",
        counts=found.counts,
        columns=[
            ("open", N_("Open"), cards(found.open)),
            ("taken", N_("Taken"), cards(found.taken)),
            ("done", N_("Recently done"), cards(found.done)),
        ],
        now=page.clock.now(),
    )


def _assignment_id(page: Page) -> int:
    try:
        return int(page.request.match_info["number"])
    except ValueError:
        raise web.HTTPNotFound from None


# What the board says after re-open / hand back, per outcome of the service.
_REFUSED = {
    Outcome.GONE: N_("This assignment no longer exists."),
    Outcome.NOT_YOURS: N_("Nothing changed: this assignment is not taken any more."),
    Outcome.TOO_LATE: N_("Not handed back: the appointment has already begun. Use “Re-open” instead."),
}


async def reopen(page: Page) -> web.StreamResponse:
    number = _assignment_id(page)
    before = await service.get(page.session, number)
    helper = before.assignee_id if before is not None else None
    outcome = await claiming.reopen(
        page.session, page.clock, number, page.organizer, areas(page.settings.areas_file)
    )
    if outcome != Outcome.OK:
        return page.redirect("/helpers/board", notice=_REFUSED.get(outcome, _REFUSED[Outcome.NOT_YOURS]))
    await page.audit(REOPENED, f"assignment:{number}", before=f"taken:{helper}", after="open")
    return page.redirect(
        "/helpers/board#open",
        notice=N_("Re-opened: the assignment is offered to other helpers again. Its helper is told."),
    )


async def hand_back(page: Page) -> web.StreamResponse:
    """For a helper who asked (by phone, in person): the helper's own "hand back", with its rules."""
    number = _assignment_id(page)
    assignment = await service.get(page.session, number)
    helper = (
        await users.find_user(page.session, assignment.assignee_id)
        if assignment is not None and assignment.assignee_id is not None
        else None
    )
    if assignment is None or helper is None:
        outcome = Outcome.GONE if assignment is None else Outcome.NOT_YOURS
    else:
        outcome = await claiming.hand_back(
            page.session, page.clock, number, helper, areas(page.settings.areas_file)
        )
    if outcome != Outcome.OK:
        return page.redirect("/helpers/board", notice=_REFUSED.get(outcome, _REFUSED[Outcome.NOT_YOURS]))
    assert helper is not None
    await page.audit(HANDED_BACK, f"assignment:{number}", before=f"taken:{helper.id}", after="open")
    return page.redirect(
        "/helpers/board#open",
        notice=N_("Handed back for its helper: the assignment is open again and offered to other helpers."),
    )


ROUTES = [
    get("/helpers", helpers_list),
    get("/helpers/invites", invites),
    post("/helpers/invites", create_invite),
    post("/helpers/invites/{code}/revoke", revoke_invite),
    get("/helpers/board", board),
    post("/helpers/board/{number}/reopen", reopen),
    post("/helpers/board/{number}/hand-back", hand_back),
]
NAV = NavItem(
    N_("Helpers"),
    "/helpers",
    order=80,
    description=N_("Helpers, invitation links and the assignments board"),
)
