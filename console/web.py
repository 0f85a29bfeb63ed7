"""The one request helper of the console: every page handler runs inside `serve` (console/app.py wraps each
route of each page with it; nothing else reaches the database or renders a page).

Per request it:
- opens one database session and is the one owner of its commit: committed when the handler returns (or
  raises a redirect), rolled back when it raises anything else. Handlers never commit;
- finds the login session (cookie) and re-reads the organizer's role from the database, every time: an
  organizer removed in the bot is refused on their next click (bot.console_login.current);
- checks the CSRF token of every POST (a form field `csrf`, or the header X-CSRF-Token for scripts);
- renders Jinja2 templates with what every page needs: `tr`, `_`, `n_`, `lang`, `csrf`, `organizer`, `nav`,
  `notice`, `url`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from jinja2 import Environment
from multidict import MultiDict, MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import console_login
from bot.audit import audit
from bot.clock import Clock
from bot.config import Settings
from bot.faq.stats import QuestionCounts
from bot.translation.service import MachineTranslator
from bot.users import Person
from console.i18n import ConsoleTranslator, choose

log = logging.getLogger(__name__)

PREFIX = "/console"
SESSION_COOKIE = "hnb_console"
LANG_COOKIE = "hnb_console_lang"
NOTICE_COOKIE = "hnb_console_notice"

Handler = Callable[["Page"], Awaitable[web.StreamResponse]]


@dataclass
class ConsoleContext:
    """What the console's pages work with: the same parts the bot's handlers and jobs get."""

    settings: Settings
    clock: Clock
    sessionmaker: async_sessionmaker[AsyncSession]
    machine_translator: MachineTranslator | None = None
    redis: Any = None  # redis.asyncio.Redis when REDIS_URL is set (None without)
    sample_data: bool = False  # the demo: every page says that its names and figures are made up
    # the FAQ counts this process has not written yet: written before the figures are shown
    question_counts: QuestionCounts | None = None
    # filled in by console.app.mount: one Jinja2 environment per UI language, the menu
    templates: dict[str, Environment] = field(default_factory=dict)
    nav: list[NavItem] = field(default_factory=list)
    audit_labels: dict[str, str] = field(default_factory=dict)  # action → message id (pages' AUDIT_ACTIONS)


WarmUp = Callable[[ConsoleContext], Awaitable[None]]  # a page's work before its first request (its WARM_UP)


@dataclass(frozen=True)
class NavItem:
    """A page in the menu and on the home page (a message id, translated when shown)."""

    label: str
    path: str  # under /console, e.g. "/faq"
    order: int = 50
    description: str = ""  # a message id: one line on the home page


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # under /console: "" (home), "/faq", "/faq/{slug}"
    handler: Handler
    public: bool = False  # reachable without a login (the login page itself); such POSTs carry no CSRF


def get(path: str, handler: Handler, *, public: bool = False) -> Route:
    return Route("GET", path, handler, public)


def post(path: str, handler: Handler, *, public: bool = False) -> Route:
    return Route("POST", path, handler, public)


class Page:
    """One request as a page handler sees it."""

    def __init__(
        self,
        request: web.Request,
        ctx: ConsoleContext,
        session: AsyncSession,
        tr: ConsoleTranslator,
        current: console_login.Current | None,
    ) -> None:
        self.request = request
        self.ctx = ctx
        self.session = session
        self.tr = tr
        self.current = current
        self.form: MultiDictProxy[Any] = MultiDictProxy(MultiDict())  # the POST's fields (checked CSRF)
        self._cookies: list[tuple[str, str, dict[str, Any]]] = []

    @property
    def organizer(self) -> Person:
        """The logged-in organizer (every page but the public ones has one)."""
        if self.current is None:
            raise web.HTTPUnauthorized
        return self.current.organizer

    @property
    def csrf(self) -> str:
        return console_login.csrf_token(self.current.secret) if self.current else ""

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def url(self, path: str = "") -> str:
        return PREFIX + path

    async def audit(
        self, action: str, subject: str, before: str | None = None, after: str | None = None
    ) -> None:
        """One audit line for a change made on this page, in this request's transaction."""
        await audit(self.session, self.ctx.clock, self.organizer.id, action, subject, before, after)

    def render(self, template: str, *, status: int = 200, **values: Any) -> web.Response:
        env = self.ctx.templates[self.tr.lang]
        here = self.request.path.removeprefix(PREFIX)
        common = {
            "lang": self.tr.lang,
            "csrf": self.csrf,
            "organizer": self.current.organizer if self.current else None,
            "nav": [(item, _active(item.path, here)) for item in self.ctx.nav] if self.current else [],
            "notice": self._notice(),
            "here": here,
            "back": self.request.path_qs,  # where the language switch returns to
        }
        html = env.get_template(template).render({**common, **values})
        response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
        if common["notice"]:
            self.set_cookie(NOTICE_COOKIE, "", max_age=0)
        return response

    def redirect(self, path: str, *, notice: str | None = None) -> web.Response:
        """303 to a console page (after a POST: reload shows the page, not the form again). `notice`: a
        message id shown once on that page ("Saved.")."""
        if notice and self.current:
            encoded = base64.urlsafe_b64encode(notice.encode()).decode()  # any text, cookie-safe
            self.set_cookie(NOTICE_COOKIE, f"{_sign(self.current.secret, notice)}{encoded}")
        return web.Response(status=303, headers={"Location": self.url(path)})

    def set_cookie(self, name: str, value: str, **options: Any) -> None:
        """Cookies of the console: HttpOnly, SameSite=Strict, path /console, Secure behind https."""
        self._cookies.append((name, value, options))

    def secure(self) -> bool:
        """Behind https: the console's address is https, or the proxy in front says so."""
        if (self.ctx.settings.console_url or "").startswith("https://") or self.request.secure:
            return True
        return self.request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() == "https"

    def _notice(self) -> str | None:
        """The message id `redirect(..., notice=...)` left for this page, if this session signed it."""
        raw = self.request.cookies.get(NOTICE_COOKIE, "")
        if self.current is None or len(raw) <= 16:
            return None
        try:
            msgid = base64.urlsafe_b64decode(raw[16:]).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        if not hmac.compare_digest(raw[:16], _sign(self.current.secret, msgid)):
            return None
        return msgid

    def finish(self, response: web.StreamResponse) -> web.StreamResponse:
        for name, value, options in self._cookies:
            response.set_cookie(
                name,
                value,
                path=PREFIX,
                httponly=True,
                samesite="Strict",
                secure=self.secure(),
                **options,
            )
        return response


def _sign(secret: str, msgid: str) -> str:
    return hmac.new(secret.encode(), b"notice:" + msgid.encode(), hashlib.sha256).hexdigest()[:16]


def _active(path: str, here: str) -> bool:
    return here == path or (path != "" and here.startswith(path + "/"))


def serve(ctx: ConsoleContext, route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler of one route: the request helper around the page's handler."""

    async def handle(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        async with ctx.sessionmaker() as session:
            try:
                current = await console_login.current(session, ctx.clock, request.cookies.get(SESSION_COOKIE))
                preferred = request.cookies.get(LANG_COOKIE) or (
                    current.organizer.language if current else None
                )
                tr = ConsoleTranslator(
                    choose(preferred, request.headers.get("Accept-Language")), ctx.settings.tz
                )
                page = Page(request, ctx, session, tr, current)
                response = await _run(page, route)
                await session.commit()
            except web.HTTPNotFound:
                await session.rollback()
                # a topic, event or broadcast that does not exist (any more): a page that says so, not
                # aiohttp's bare text
                response = page.render("refused.html", status=404, reason="missing")
            except web.HTTPException as exc:
                if exc.status < 400:
                    await session.commit()
                else:
                    await session.rollback()
                raise
            except Exception:
                await session.rollback()
                log.exception("console: %s %s failed", route.method, route.path or "/")
                return web.Response(status=500, text="500: something went wrong (see the log)")
        # the server's own time for this page (the issue asks < 100 ms), for browsers' dev tools and tests
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return page.finish(response)

    return handle


async def _run(page: Page, route: Route) -> web.StreamResponse:
    if not route.public and page.current is None:
        if page.request.cookies.get(SESSION_COOKIE):
            page.set_cookie(SESSION_COOKIE, "", max_age=0)  # ended (idle, logged out, no longer organizer)
        return page.render("refused.html", status=401, reason="login")
    if page.request.method == "POST":
        page.form = await page.request.post()
        if not route.public:
            token = page.form.get("csrf") or page.request.headers.get("X-CSRF-Token")
            assert page.current is not None
            if not console_login.csrf_ok(page.current.secret, token):
                return page.render("refused.html", status=403, reason="csrf")
    return await route.handler(page)


# Every console response: no framing, no sniffing, no referrer (a login link must not leak), no caching of
# pages with people's questions; scripts and styles only from /console/static.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@web.middleware
async def secured(request: web.Request, handler: Any) -> web.StreamResponse:
    """The headers above on every response under /console (pages, static files, errors)."""
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        for name, value in SECURITY_HEADERS.items():
            exc.headers.setdefault(name, value)
        raise
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def nav_of(items: Sequence[NavItem]) -> list[NavItem]:
    return sorted(items, key=lambda item: (item.order, item.path))
