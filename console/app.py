"""Mounting the console on an aiohttp application, under /console.

`PAGES` is the one explicit list of page modules (nothing registers itself on import): each module has
`ROUTES` (console.web.get/post), if it belongs in the menu `NAV` (a console.web.NavItem), and if it has
work to do before its first request `WARM_UP` (run in the background once the server starts). `mount`
wraps every route with the one request helper (console.web.serve), so no page can skip the login, the
role check, the CSRF check or the commit rule. How to add a page: console/pages/__init__.py.

Where it is mounted (the bot's own web server, one process): the webhook app (bot/app.py `webhook_app`),
the health/metrics server when polling (bot/ops/health.py `start_server`), the demo's web server
(bot/demo.py) and the e2e harness (tests/e2e/harness.py `running_bot(..., console=True)`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

from aiohttp import web
from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup

from bot.languages import is_rtl
from console.i18n import LANGUAGE_NAMES, LANGUAGES, ConsoleTranslator
from console.pages import (
    audit,
    broadcasts,
    events,
    facts,
    faq,
    figures,
    helpers,
    home,
    inbox,
    login,
    schedule,
)
from console.web import PREFIX, ConsoleContext, NavItem, WarmUp, nav_of, secured, serve

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# The console's pages, in no particular order (the menu is sorted by NavItem.order).
PAGES: list[ModuleType] = [
    home,
    login,
    audit,
    inbox,
    facts,
    figures,
    faq,
    schedule,
    events,
    broadcasts,
    helpers,
]


def text_attrs(lang: str) -> Markup:
    """`lang` and `dir` of a block in a bot language: `<div {{ text_attrs("fa") }}>` is right to left."""
    return Markup('lang="{}" dir="{}"').format(lang, "rtl" if is_rtl(lang) else "ltr")


class CompiledTemplates(BytecodeCache):
    """Compiled templates, kept in memory for every environment of the process: they are all made alike
    (`environments`), so one compilation serves them all. Each console (one per test, in the tests) would
    otherwise compile every template again, in each of its six languages. A changed source is compiled
    anew (Jinja2 keeps the source's checksum with the code)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


def environments(ctx: ConsoleContext) -> dict[str, Environment]:
    """One Jinja2 environment per UI language (`_` bound to the language), sharing compiled templates."""
    envs: dict[str, Environment] = {}
    for lang in LANGUAGES:
        tr = ConsoleTranslator(lang, ctx.settings.tz)
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            bytecode_cache=COMPILED,
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,  # a misspelt variable fails the test, not the organizer's eyes
            auto_reload=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals.update(
            tr=tr,
            _=tr._,
            n_=tr.n_,
            languages=LANGUAGE_NAMES,
            prefix=PREFIX,
            text_attrs=text_attrs,
            sample_data=ctx.sample_data,
        )
        envs[lang] = env
    return envs


def mount(web_app: web.Application, ctx: ConsoleContext, pages: list[ModuleType] | None = None) -> None:
    """Add the console under /console to `web_app` (before it starts)."""
    pages = PAGES if pages is None else pages
    ctx.templates = environments(ctx)
    ctx.nav = nav_of([page.NAV for page in pages if getattr(page, "NAV", None) is not None])
    for page in pages:
        ctx.audit_labels.update(getattr(page, "AUDIT_ACTIONS", {}))
    console = web.Application(middlewares=[secured])
    seen: set[tuple[str, str]] = set()
    for page in pages:
        for route in page.ROUTES:
            key = (route.method, route.path)
            if key in seen:
                raise ValueError(f"console: two pages claim {route.method} {PREFIX}{route.path}")
            seen.add(key)
            console.router.add_route(route.method, route.path, serve(ctx, route))
    console.router.add_static("/static", STATIC, name="static")
    warm_ups = [page.WARM_UP for page in pages if getattr(page, "WARM_UP", None) is not None]
    if warm_ups:
        console.cleanup_ctx.append(lambda _app: warming_up(ctx, warm_ups))
    web_app.add_subapp(PREFIX, console)


async def warming_up(ctx: ConsoleContext, warm_ups: list[WarmUp]) -> AsyncIterator[None]:
    """The pages' warm-ups, one after the other in the background while the server runs (a failure is
    logged: the page then does the work on its first request)."""

    async def run() -> None:
        for warm_up in warm_ups:
            try:
                await warm_up(ctx)
            except Exception:
                log.warning(
                    "console: a warm-up failed; its page does the work when first opened", exc_info=True
                )

    task = asyncio.create_task(run())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


__all__ = ["PAGES", "ConsoleContext", "NavItem", "mount"]
