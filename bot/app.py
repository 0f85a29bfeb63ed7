"""Wiring: settings → database → bot → dispatcher → scheduler; polling or webhook; graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.state import State
from aiogram.fsm.storage.memory import MemoryStorage
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import bot.delivery.retention  # noqa: F401  (registers the outbox retention job)
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.jobs import PERIODIC, JobContext
from bot.logs import set_hash_key
from bot.ops.health import HEARTBEAT_SECONDS, Health, add_routes, collect_outbox, start_server
from bot.ops.leader import AlwaysLeader, exactly_once, leadership_for, migration_lock
from bot.ops.metrics import REGISTRY
from bot.ops.telegram import KeepResponseTypes, RetryRequest
from bot.text import Translator
from handlers import all_routers, error_router
from handlers.menu import bot_commands
from handlers.middlewares import (
    CommitBeforeRequest,
    ContextMiddleware,
    RoleMiddleware,
    ThrottleMiddleware,
    UpdateDedup,
    UpdateMetrics,
)
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade

log = logging.getLogger(__name__)


class MemorySeen:
    """Update ids seen by this process (webhook re-deliveries), bounded."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self.ids: OrderedDict[int, None] = OrderedDict()

    async def __call__(self, update_id: int) -> bool:
        if update_id in self.ids:
            return True
        self.ids[update_id] = None
        if len(self.ids) > self.size:
            self.ids.popitem(last=False)
        return False


class RedisSeen:
    """Update ids seen by any process sharing this Redis."""

    def __init__(self, redis: Any, ttl_seconds: int = 3600) -> None:
        self.redis = redis
        self.ttl = ttl_seconds

    async def __call__(self, update_id: int) -> bool:
        first = await self.redis.set(f"hnb:update:{update_id}", 1, nx=True, ex=self.ttl)
        return not first


@dataclass
class App:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    dp: Dispatcher
    scheduler: AsyncIOScheduler | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def job_context(self) -> JobContext:
        return JobContext(self.settings, self.clock, self.sessionmaker, self.extras)


def build_bot(settings: Settings, token: str) -> Bot:
    session = AiohttpSession(
        api=TelegramAPIServer.from_base(settings.telegram_api_url),
        timeout=settings.telegram_request_timeout_seconds,
    )
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def inline_pure_filters(router: Router) -> int:
    """Run magic filters (F...) and FSM state filters on the event loop; returns how many were changed.

    aiogram runs every synchronous filter in a worker thread (asyncio.to_thread). These two kinds are pure
    attribute checks of microseconds, but a free-text message walks past dozens of them on its way to the
    FAQ, and the thread hops cost far more than the checks (measured: most of the CPU time per question,
    bench/bench_load.py). Idempotent; sub-routers included.
    """
    changed = 0
    for observer in router.observers.values():
        for handler in observer.handlers:
            for item in handler.filters or ():
                if item.awaitable or not (item.magic is not None or isinstance(item.callback, State)):
                    continue
                item.callback = _inline(item.callback)
                item.awaitable = True
                changed += 1
    for sub in router.sub_routers:
        changed += inline_pure_filters(sub)
    return changed


def _inline(check: Any) -> Any:
    async def inline(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return inline


async def build_app(
    settings: Settings, token: str, *, clock: Clock | None = None, engine: AsyncEngine | None = None
) -> App:
    clock = clock or Clock()
    set_hash_key(token)  # log lines carry a keyed hash of user ids (bot.logs)
    engine = engine or create_engine(settings.database_url, pool_size=settings.database_pool_size)
    sessionmaker = create_sessionmaker(engine)
    bot = build_bot(settings, token)
    bot.session.middleware(CommitBeforeRequest())
    bot.session.middleware(RetryRequest(retries=settings.telegram_retries))
    bot.session.middleware(KeepResponseTypes())
    redis = guard = None
    seen: Any = MemorySeen()
    if settings.redis_url:
        # Redis with a degraded mode: if it is down, state and duplicate checks stay in this process
        from bot.ops import redis as guarded

        storage, events_isolation, seen, guard = await guarded.build(
            settings.redis_url,
            timeout=settings.redis_timeout_seconds,
            retry_seconds=settings.redis_retry_seconds,
            seen=RedisSeen,
            local_seen=MemorySeen(),
        )
        redis = guard.redis
        dp = Dispatcher(storage=storage, events_isolation=events_isolation)
    else:
        dp = Dispatcher(storage=MemoryStorage())
    dp.update.outer_middleware(UpdateMetrics())
    dp.update.outer_middleware(UpdateDedup(seen))
    dp.update.outer_middleware(ContextMiddleware(sessionmaker, settings, clock))
    throttle = ThrottleMiddleware(settings.throttle_rate, settings.throttle_burst)
    dp.message.outer_middleware(throttle)
    dp.callback_query.outer_middleware(throttle)
    dp.message.middleware(RoleMiddleware())
    dp.callback_query.middleware(RoleMiddleware())
    dp.include_router(error_router())
    for router in all_routers():
        dp.include_router(router)
    inline_pure_filters(dp)
    app = App(settings, clock, engine, sessionmaker, bot, dp)
    app.extras["redis"] = redis
    app.extras["redis_guard"] = guard
    app.extras["health"] = Health(app)
    dp["app"] = app
    return app


async def set_commands(bot: Bot, settings: Settings) -> None:
    for lang in SUPPORTED_LANGUAGES:
        tr = Translator(lang, settings.tz)
        await bot.set_my_commands(bot_commands(tr, "visitor"), language_code=lang)
    default_tr = Translator(settings.default_language, settings.tz)
    await bot.set_my_commands(bot_commands(default_tr, "visitor"))


def start_scheduler(app: App) -> AsyncIOScheduler:
    """Every process runs the scheduler; each periodic job runs only in the leader process (bot.ops.leader),
    so it runs once per interval across all processes. A heartbeat job (every process) keeps the leader
    lock fresh, lets another process take over quickly, and shows /healthz that the scheduler is alive."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    ctx = app.job_context()
    settings = app.settings
    leader = app.extras.get("leader") or AlwaysLeader()
    app.extras["leader"] = leader
    health: Health = app.extras["health"]
    cap = settings.job_interval_max_seconds
    if settings.scheduler_enabled:
        for job in PERIODIC.values():
            scheduler.add_job(
                exactly_once(job.name, job.func, leader),
                "interval",
                seconds=min(job.seconds, cap) if cap else job.seconds,
                args=[ctx],
                id=job.name,
                max_instances=1,
                coalesce=True,
            )

    async def heartbeat() -> None:
        health.beat()
        if settings.scheduler_enabled:
            await leader.ensure()

    heartbeat.__qualname__ = "ops:heartbeat"

    scheduler.add_job(
        heartbeat,
        "interval",
        seconds=min(HEARTBEAT_SECONDS, cap) if cap else HEARTBEAT_SECONDS,
        id="ops:heartbeat",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    app.scheduler = scheduler
    return scheduler


async def startup(app: App) -> None:
    async with migration_lock(app.engine):  # several processes may start at once on an empty database
        await upgrade(app.engine)
    await set_commands(app.bot, app.settings)
    app.extras["leader"] = leadership_for(app.engine, app.settings.database_url)
    if app.settings.scheduler_enabled:
        # Settle who runs the jobs before they start (the heartbeat keeps checking): otherwise the first
        # runs are skipped and /healthz says "not leader" for the first moments.
        await app.extras["leader"].ensure()
    outbox_collector = _outbox_collector(app)
    REGISTRY.collector("outbox", outbox_collector)
    app.extras.setdefault("on_shutdown", []).append(_remove_collector(outbox_collector))
    start_scheduler(app)
    start_delivery(app)
    if app.settings.metrics_port and not (
        app.settings.webhook_url and app.settings.metrics_port == app.settings.webhook_port
    ):
        runner = await start_server(
            app.extras["health"], app.settings.metrics_host, app.settings.metrics_port
        )
        app.extras["on_shutdown"].append(runner.cleanup)


def _outbox_collector(app: App) -> Any:
    async def collect() -> None:
        await collect_outbox(app)

    return collect


def _remove_collector(collect: Any) -> Any:
    async def remove() -> None:
        REGISTRY.remove_collector("outbox", collect)

    return remove


def start_delivery(app: App) -> None:
    """One delivery worker per process (several may share a PostgreSQL database)."""
    if not app.settings.delivery_enabled:
        return
    from bot.delivery.worker import DeliveryWorker

    worker = DeliveryWorker.for_bot(app.settings, app.sessionmaker, app.bot.token, app.clock)
    app.extras["delivery_worker"] = worker
    worker.start()


async def shutdown(app: App) -> None:
    if app.scheduler is not None and app.scheduler.running:
        app.scheduler.shutdown(wait=False)
    worker = app.extras.pop("delivery_worker", None)
    if worker is not None:  # finishes the calls in flight and records them
        with suppress(Exception):
            await worker.stop()
    for stop in app.extras.get("on_shutdown", []):
        with suppress(Exception):
            await stop()
    leader = app.extras.get("leader")
    if leader is not None:
        with suppress(Exception):
            await leader.release()
    await app.bot.session.close()
    redis = app.extras.get("redis")
    if redis is not None:
        await redis.aclose()
    await app.engine.dispose()


async def run_polling(app: App) -> None:
    await startup(app)
    try:
        await app.bot.delete_webhook(drop_pending_updates=False)
        # aiogram stops polling on SIGINT/SIGTERM itself; the updates in flight finish first.
        await app.dp.start_polling(app.bot, handle_signals=True, close_bot_session=False)
    finally:
        await shutdown(app)


def webhook_app(app: App) -> web.Application:
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

    web_app = web.Application()
    SimpleRequestHandler(app.dp, app.bot, secret_token=app.settings.webhook_secret).register(
        web_app, path=app.settings.webhook_path
    )
    add_routes(web_app, app.extras["health"])  # /healthz and /metrics
    setup_application(web_app, app.dp, bot=app.bot)
    return web_app


async def run_webhook(app: App) -> None:
    settings = app.settings
    await startup(app)
    web_app = webhook_app(app)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    await app.bot.set_webhook(
        f"{settings.webhook_url}{settings.webhook_path}",
        secret_token=settings.webhook_secret,
        allowed_updates=app.dp.resolve_used_update_types(),
    )
    log.info("webhook listening on %s:%s", settings.webhook_host, settings.webhook_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()  # finishes requests in flight
        await shutdown(app)
