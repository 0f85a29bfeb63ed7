"""The audit log, newest first, in pages: who changed what, when, before and after (bot/audit.py)."""

from __future__ import annotations

from aiohttp import web

from bot import audit
from bot.console_login import CONSOLE_LOGIN
from bot.text import N_
from console.web import NavItem, Page, get

PAGE_SIZE = 50
MAX_PAGE = 10_000

AUDIT_ACTIONS = {
    audit.ROLE_CONFIG: N_("Role set by the bot's settings (ORGANIZER_IDS)"),
    audit.ROLE_INVITE: N_("Role given by an invitation link"),
    audit.ROLE_REMOVED: N_("Helper or organizer removed"),
    CONSOLE_LOGIN: N_("Logged in to the console"),
}


def page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


async def audit_log(page: Page) -> web.StreamResponse:
    number = page_number(page.request.query.get("page"))
    rows = await audit.latest(page.session, PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    return page.render(
        "audit.html",
        entries=rows[:PAGE_SIZE],
        number=number,
        has_next=len(rows) > PAGE_SIZE,
        # translated once here, not once a row
        labels={action: page.tr._(label) for action, label in page.ctx.audit_labels.items()},
    )


ROUTES = [get("/audit", audit_log)]
NAV = NavItem(N_("Audit log"), "/audit", order=90, description=N_("Who changed what, and when"))
