"""Wiring: settings → database → bot → dispatcher → scheduler; polling or webhook; graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.jobs import PERIODIC, JobContext
from bot.text import Translator
from handlers import all_routers, error_router
from handlers.menu import bot_commands
from handlers.middlewares import (
    CommitBeforeRequest,
    ContextMiddleware,
    RoleMiddleware,
    ThrottleMiddleware,
    UpdateDedup,
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
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def build_storage(settings: Settings) -> tuple[BaseStorage, Any]:
    """FSM storage: Redis when configured (survives restarts, shared by processes), else memory."""
    if not settings.redis_url:
        return MemoryStorage(), None
    from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url)
    await redis.ping()
    return RedisStorage(redis, key_builder=DefaultKeyBuilder(with_destiny=True)), redis


async def build_app(
    settings: Settings, token: str, *, clock: Clock | None = None, engine: AsyncEngine | None = None
) -> App:
    clock = clock or Clock()
    engine = engine or create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    bot = build_bot(settings, token)
    bot.session.middleware(CommitBeforeRequest())
    storage, redis = await build_storage(settings)
    events_isolation = None
    if redis is not None:
        from aiogram.fsm.storage.redis import RedisEventIsolation

        events_isolation = RedisEventIsolation(redis)
    dp = (
        Dispatcher(storage=storage, events_isolation=events_isolation)
        if events_isolation
        else Dispatcher(storage=storage)
    )
    seen = RedisSeen(redis) if redis is not None else MemorySeen()
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
    app = App(settings, clock, engine, sessionmaker, bot, dp)
    app.extras["redis"] = redis
    dp["app"] = app
    return app


async def set_commands(bot: Bot, settings: Settings) -> None:
    for lang in SUPPORTED_LANGUAGES:
        tr = Translator(lang, settings.tz)
        await bot.set_my_commands(bot_commands(tr, "visitor"), language_code=lang)
    default_tr = Translator(settings.default_language, settings.tz)
    await bot.set_my_commands(bot_commands(default_tr, "visitor"))


def start_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    ctx = app.job_context()
    for job in PERIODIC.values():
        scheduler.add_job(
            job.func, "interval", seconds=job.seconds, args=[ctx], id=job.name, max_instances=1, coalesce=True
        )
    scheduler.start()
    app.scheduler = scheduler
    return scheduler


async def startup(app: App) -> None:
    await upgrade(app.engine)
    await set_commands(app.bot, app.settings)
    start_scheduler(app)
    start_delivery(app)


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
