"""The console's events page (issue 17): being built; no routes yet."""

from __future__ import annotations

from console.web import Route

ROUTES: list[Route] = []
