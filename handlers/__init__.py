"""aiogram routers, one file per capability: parse, call a service, render. No SQL, no business rules."""

from __future__ import annotations

from importlib import import_module

from aiogram import Router

# Order matters: specific commands and buttons first, free text (FAQ) after them, the fallback last.
ROUTER_MODULES = [
    "handlers.start",
    "handlers.privacy",
    "handlers.roles",
    "handlers.fallback",
]


def all_routers() -> list[Router]:
    return [import_module(name).router for name in ROUTER_MODULES]


def error_router() -> Router:
    return import_module("handlers.errors").router
