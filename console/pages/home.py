"""The console's home page: a link to each page that exists (the menu's items, with one line each)."""

from __future__ import annotations

from aiohttp import web

from console.web import Page, get


async def home(page: Page) -> web.StreamResponse:
    return page.render("home.html", pages=page.ctx.nav)


async def slash(page: Page) -> web.StreamResponse:
    return page.redirect("")


ROUTES = [get("", home), get("/", slash)]
