"""`/healthz` and `/metrics` over HTTP (aiohttp).

In webhook mode both are routes of the webhook's own web app; with `METRICS_PORT` (any mode) they are also
served on a small server of their own (`METRICS_HOST:METRICS_PORT`), which is how a polling bot exposes them
and how a webhook bot keeps them off its public address.

/healthz answers JSON, HTTP 200 when the bot can work ("ok", or "degraded" when only Redis is down) and 503
when it cannot ("fail": the database does not answer, the scheduler stopped, the delivery worker died):

    {"status": "ok", "checks": {"database": {...}, "scheduler": {...}, "delivery": {...}, "redis": {...}}}
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import generate_latest
from sqlalchemy import func, select, text

from bot.ops import metrics

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0
HEARTBEAT_SECONDS = 10.0  # the scheduler's own heartbeat job; a stale one means the scheduler is stuck


class Health:
    """What /healthz reports about one App (bot.app.App; typed loosely to keep the import one-way)."""

    def __init__(self, app: Any = None) -> None:
        self.app = app
        self.started = time.monotonic()
        self.heartbeat_at: float | None = None

    def beat(self) -> None:
        self.heartbeat_at = time.monotonic()

    async def _database(self) -> dict[str, Any]:
        engine = self.app.engine
        started = time.perf_counter()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except Exception as exc:
            metrics.DATABASE_UP.set(0)
            return {
                "ok": False,
                "dialect": engine.dialect.name,
                "error": f"{type(exc).__name__}: {exc}"[:300],
            }
        metrics.DATABASE_UP.set(1)
        return {
            "ok": True,
            "dialect": engine.dialect.name,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        }

    def _scheduler(self) -> dict[str, Any]:
        settings = self.app.settings
        leader = self.app.leader
        state: dict[str, Any] = {"enabled": settings.scheduler_enabled}
        if leader is not None:
            state.update(leader.describe())
        if not settings.scheduler_enabled:
            return {"ok": True, **state}
        scheduler = self.app.scheduler
        running = bool(scheduler is not None and scheduler.running)
        now = time.monotonic()
        age = now - (self.heartbeat_at if self.heartbeat_at is not None else self.started)
        state.update(running=running, heartbeat_age_seconds=round(age, 1))
        return {"ok": running and age < 3 * HEARTBEAT_SECONDS, **state}

    def _delivery(self) -> dict[str, Any]:
        if not self.app.settings.delivery_enabled:
            return {"ok": True, "enabled": False}
        worker = self.app.delivery_worker
        task = getattr(worker, "_task", None)
        alive = task is not None and not task.done()
        return {"ok": alive, "enabled": True, "running": alive}

    async def check(self) -> tuple[int, dict[str, Any]]:
        checks: dict[str, Any] = {
            "database": await self._database(),
            "scheduler": self._scheduler(),
            "delivery": self._delivery(),
        }
        guard = self.app.redis_guard
        if guard is not None:
            if not guard.up and guard.available:
                await guard.ping()
            checks["redis"] = guard.describe()
        failed = [name for name in ("database", "scheduler", "delivery") if not checks[name]["ok"]]
        if failed:
            status = "fail"
        elif guard is not None and not guard.up:
            status = "degraded"
        else:
            status = "ok"
        body = {
            "status": status,
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "checks": checks,
        }
        return (503 if failed else 200), body


async def collect_outbox(app: Any) -> None:
    """Outbox depth for /metrics: pending (all), due now, sending; age of the oldest due message."""
    from storage.models import OutboxMessage

    now = app.clock.now()

    async def query() -> None:
        async with app.sessionmaker() as session:
            by_status = dict(
                (
                    await session.execute(
                        select(OutboxMessage.status, func.count())
                        .where(OutboxMessage.status.in_(("pending", "sending")))
                        .group_by(OutboxMessage.status)
                    )
                ).all()
            )
            due, oldest = (
                await session.execute(
                    select(func.count(), func.min(OutboxMessage.not_before)).where(
                        OutboxMessage.status == "pending", OutboxMessage.not_before <= now
                    )
                )
            ).one()
        metrics.OUTBOX.labels("pending").set(by_status.get("pending", 0))
        metrics.OUTBOX.labels("sending").set(by_status.get("sending", 0))
        metrics.OUTBOX.labels("due").set(due or 0)
        if oldest is not None and oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        metrics.OUTBOX_OLDEST_DUE.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)

    await asyncio.wait_for(query(), CHECK_TIMEOUT)


def add_routes(web_app: web.Application, health: Health) -> None:
    async def healthz(request: web.Request) -> web.Response:
        status, body = await health.check()
        return web.Response(
            status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json"
        )

    async def metrics_view(request: web.Request) -> web.Response:
        await metrics.refresh()  # values read from the database at scrape time (outbox depth)
        body = generate_latest(metrics.REGISTRY)
        return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics_view)


async def start_server(
    health: Health, host: str, port: int, *, extra: Callable[[web.Application], None] | None = None
) -> web.AppRunner:
    """/healthz and /metrics on a server of their own; returns the runner (cleanup() stops it). `extra`
    adds more before it starts: the organizers' console when polling (bot/app.py)."""
    web_app = web.Application()
    add_routes(web_app, health)
    if extra is not None:
        extra(web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("health and metrics on http://%s:%s/healthz and /metrics", host, port)
    return runner
