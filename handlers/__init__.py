"""aiogram routers, one file per capability: parse, call a service, render. No SQL, no business rules."""

from __future__ import annotations

from importlib import import_module

from aiogram import Router

# Order matters: specific commands and buttons first, free text (FAQ) after them, the fallback last.
ROUTER_MODULES = [
    "handlers.start",
    "handlers.privacy",
    "handlers.roles",
    "handlers.subscriptions",
    "handlers.events",
    "handlers.broadcast",
    "handlers.booking",
    "handlers.slots",
    "handlers.profile",
    "handlers.assignments",
    "handlers.flyer",
    "handlers.faq",
    "handlers.fallback",
]


def _adopt(router: Router) -> Router:
    # Routers are module-level singletons; a new Dispatcher in the same process (tests, the demo's
    # restarts) takes them over from the previous one, which is no longer running.
    router._parent_router = None
    return router


def all_routers() -> list[Router]:
    return [_adopt(import_module(name).router) for name in ROUTER_MODULES]


def error_router() -> Router:
    return _adopt(import_module("handlers.errors").router)
