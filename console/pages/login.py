"""Logging in with the link from /console, logging out, and the page language (bot/console_login.py).

GET /console/login?t=… only shows a button: a link preview or a mail scanner that fetches the link does
not use it up. The button's POST spends the link and starts a session with a new id (the cookie); a
session the browser had before ends.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web

from bot import console_login
from bot.text import N_
from console.i18n import LANGUAGES
from console.web import LANG_COOKIE, SESSION_COOKIE, Page, get, post

LANGUAGE_COOKIE_DAYS = 365


async def login_form(page: Page) -> web.StreamResponse:
    token = page.request.query.get("t", "")
    if not token:
        return page.render("refused.html", status=401, reason="login")
    return page.render("login.html", token=token)


async def log_in(page: Page) -> web.StreamResponse:
    old = page.request.cookies.get(SESSION_COOKIE)
    login = await console_login.log_in(page.session, page.clock, str(page.form.get("t", "")), old)
    if login is None:
        if old:
            page.set_cookie(SESSION_COOKIE, "", max_age=0)
        page.current = None
        return page.render("refused.html", status=403, reason="link")
    # no Max-Age: the cookie ends with the browser; the server ends the session after 12 idle hours
    page.set_cookie(SESSION_COOKIE, login.secret)
    return page.redirect("")


async def log_out(page: Page) -> web.StreamResponse:
    await console_login.log_out(page.session, page.current.secret if page.current else None)
    page.current = None
    page.set_cookie(SESSION_COOKIE, "", max_age=0)
    return page.render(
        "message.html",
        title=N_("Logged out"),
        text=N_("You are logged out. To come back, send /console to the bot."),
    )


async def language(page: Page) -> web.StreamResponse:
    """Switch the console's language (a preference, not a change: no CSRF token, no audit line)."""
    lang = page.request.match_info["lang"]
    if lang in LANGUAGES:
        page.set_cookie(LANG_COOKIE, lang, max_age=int(timedelta(days=LANGUAGE_COOKIE_DAYS).total_seconds()))
    back = page.request.query.get("next", "")
    parts = urlsplit(back)
    # only back to a console page of this site (never an address an attacker put in the link)
    safe = not parts.scheme and not parts.netloc and (back == "/console" or back.startswith("/console/"))
    return web.Response(status=303, headers={"Location": back if safe else page.url()})


ROUTES = [
    get("/login", login_form, public=True),
    post("/login", log_in, public=True),
    post("/logout", log_out),
    get("/language/{lang}", language, public=True),
]
