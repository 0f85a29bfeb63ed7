"""The organizer's delivery report: how many messages of one reference (e.g. "broadcast:12") were
delivered, blocked (the person blocked the bot), failed or are still waiting, in total and per language."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import outbox as repo

UNKNOWN_LANGUAGE = "unknown"
# outbox status → report column
COLUMNS = {
    repo.SENT: "delivered",
    repo.BLOCKED: "blocked",
    repo.FAILED: "failed",
    repo.PENDING: "pending",
    repo.SENDING: "pending",
    repo.CANCELLED: "cancelled",
}
KEYS = ("total", "delivered", "blocked", "failed", "pending", "cancelled")


def _empty() -> dict[str, int]:
    return dict.fromkeys(KEYS, 0)


async def delivery_report(session: AsyncSession, ref: str) -> dict[str, Any]:
    """{"ref", "total", "delivered", "blocked", "failed", "pending", "cancelled", "done",
    "by_language": {lang: {"total", "delivered", ...}}}; `done` once nothing is pending."""
    totals = _empty()
    by_language: dict[str, dict[str, int]] = {}
    for status, lang, count in await repo.counts_by_status_and_language(session, ref):
        column = COLUMNS.get(status, "failed")
        per_lang = by_language.setdefault(lang or UNKNOWN_LANGUAGE, _empty())
        for bucket in (totals, per_lang):
            bucket[column] += int(count)
            bucket["total"] += int(count)
    return {
        "ref": ref,
        **totals,
        "done": totals["pending"] == 0,
        "by_language": dict(sorted(by_language.items())),
    }
