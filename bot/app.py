"""Wiring: settings → database → bot → dispatcher → scheduler; polling or webhook; graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.enums import ParseMode
from aiogram.fsm.state import State
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import wiring
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery.limits import ChatPacer
from bot.delivery.replies import OutboxReplies
from bot.delivery.worker import DeliveryWorker
from bot.faq import facts as facts_store
from bot.faq import store as faq_store
from bot.faq.stats import FLUSH_SECONDS, QuestionCounts
from bot.jobs import JobContext
from bot.letters.service import reader_if_available
from bot.logs import set_hash_key
from bot.ops import metrics
from bot.ops.health import HEARTBEAT_SECONDS, Health, add_routes, collect_outbox, start_server
from bot.ops.isolation import LocalIsolation, MemoryStates
from bot.ops.lazy_types import flat_bot_context
from bot.ops.leader import AlwaysLeader, Leadership, exactly_once, leadership_for, migration_lock
from bot.ops.polling import confirm_after_handling
from bot.ops.telegram import GuardedWebhookHandler, RetryRequest, TolerantSession
from bot.ops.throttle import LocalThrottle, RedisThrottle, Throttle
from bot.services import roles
from bot.text import Translator
from bot.translation.service import MachineTranslator, get_machine_translator
from handlers.gates import group_gated
from handlers.lanes import LaneDispatcher
from handlers.middlewares import (
    ChatScopeMiddleware,
    CommitBeforeRequest,
    ContextMiddleware,
    RoleMiddleware,
    ThrottleMiddleware,
    UpdateDedup,
    UpdateMetrics,
)
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade_apart
from storage.person_cache import PersonCache

if TYPE_CHECKING:  # the console (jinja2 and its templates) is loaded only where it is served
    from console.web import ConsoleContext

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
    """Update ids seen by any process of this bot sharing this Redis."""

    def __init__(self, redis: Any, prefix: str, ttl_seconds: int = 3600) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl_seconds

    async def __call__(self, update_id: int) -> bool:
        first = await self.redis.set(f"{self.prefix}:update:{update_id}", 1, nx=True, ex=self.ttl)
        return not first


def redis_prefix(token: str) -> str:
    """Keys of this bot in a Redis that several bots may share: its numeric id, never the secret."""
    return f"hnb:{token.split(':', 1)[0]}"


@dataclass
class App:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    dp: Dispatcher
    health: Health
    machine_translator: MachineTranslator
    scheduler: AsyncIOScheduler | None = None
    redis: Any = None  # redis.asyncio.Redis when REDIS_URL is set
    redis_guard: Any = None  # bot.ops.redis.RedisGuard: the degraded mode while Redis is down
    leader: Leadership | None = None
    # the FAQ's question counts of this process, written in batches (bot.faq.stats)
    question_counts: QuestionCounts = field(default_factory=QuestionCounts)
    delivery_worker: DeliveryWorker | None = None
    # the people of recent updates, served without a statement once start() knows how to hear of changes
    people: PersonCache = field(default_factory=PersonCache)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def job_context(self) -> JobContext:
        return JobContext(self.settings, self.clock, self.sessionmaker, self.machine_translator)


def build_bot(settings: Settings, token: str) -> Bot:
    flat_bot_context()  # (bot/ops/lazy_types.py: each aiogram object's bot set in one call)
    session = TolerantSession(
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
        # the observer's own handler holds the router-level filters (`Flow.filter`, e.g. private chats only)
        for handler in (observer._handler, *observer.handlers):
            filters = handler.filters or []
            for i, item in enumerate(filters):
                if item.magic is not None and not isinstance(item, MagicCheck):
                    filters[i] = MagicCheck(callback=item.magic)
                elif not item.awaitable and isinstance(item.callback, State):
                    item.callback = _inline(item.callback)
                    item.awaitable = True
                else:
                    continue
                changed += 1
    for sub in router.sub_routers:
        changed += inline_pure_filters(sub)
    return changed


class MagicCheck(FilterObject):
    """A magic filter resolved at once. aiogram's own call wraps every filter in a partial with the keyword
    arguments it takes: several microseconds for an attribute check, and a free-text question meets 17 of
    them on its way to the FAQ. (With handlers.gates.LeanRouter, that way took about 0.22 ms instead of 0.30,
    measured in turn with bench/bench_update.py's set-up.)"""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.awaitable = True  # (its call is a coroutine function, as aiogram asks of a filter)

    async def call(self, *args: Any, **kwargs: Any) -> Any:
        assert self.magic is not None
        return self.magic.resolve(args[0])


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
    # direct replies: a 429 waits in its chat alone, and a reply still refused goes to the outbox
    pacer = ChatPacer(settings.send_rate_per_chat, settings.send_rate_per_group_minute)
    replies = OutboxReplies(sessionmaker, clock)
    bot.session.middleware(RetryRequest(retries=settings.telegram_retries, pacer=pacer, queue=replies))
    redis = guard = None
    seen: Any = MemorySeen()
    throttle: Throttle = LocalThrottle(settings.throttle_rate, settings.throttle_burst)
    if settings.redis_url:
        # Redis with a degraded mode: if it is down, state and duplicate checks stay in this process
        from bot.ops import redis as guarded

        storage, events_isolation, seen, guard = await guarded.build(
            settings.redis_url,
            timeout=settings.redis_timeout_seconds,
            retry_seconds=settings.redis_retry_seconds,
            seen=lambda client: RedisSeen(client, redis_prefix(token)),
            local_seen=MemorySeen(),
            dialog_ttl_seconds=settings.dialog_ttl_hours * 3600,
        )
        redis = guard.redis
        throttle = RedisThrottle(
            redis, guard, redis_prefix(token), settings.throttle_rate, settings.throttle_burst
        )
        dp = LaneDispatcher(storage=storage, events_isolation=events_isolation, disable_fsm=True)
    else:
        # one update per chat at a time, in the order they came (as Redis' isolation does across
        # processes): a person's quick messages to a helper join their question in the order written
        dp = LaneDispatcher(storage=MemoryStates(), events_isolation=LocalIsolation(), disable_fsm=True)
    dp.update.outer_middleware(UpdateMetrics())
    dp.update.outer_middleware(UpdateDedup(seen))
    # a flood is dropped on arrival, before the chat's lock (aiogram's FSM middleware, registered here
    # instead of first: disable_fsm above) and before the database
    dp.update.outer_middleware(ThrottleMiddleware(throttle, sessionmaker, settings))
    dp.update.outer_middleware(dp.fsm)
    people = PersonCache()
    dp.update.outer_middleware(ContextMiddleware(sessionmaker, settings, clock, people))
    dp.message.middleware(RoleMiddleware())
    dp.callback_query.middleware(RoleMiddleware())
    dp.message.middleware(ChatScopeMiddleware())
    dp.callback_query.middleware(ChatScopeMiddleware())
    dp.include_routers(*group_gated(wiring.routers()))
    inline_pure_filters(dp)
    # The one machine translator (FAQ hand-off and broadcasts), made now so it stamps its cache with our clock.
    translator = get_machine_translator(settings, sessionmaker, clock)
    hooks = wiring.Hooks()
    question_counts = QuestionCounts()
    # What handlers get as named arguments besides the per-update ones (session, user, tr, settings, clock).
    dp.workflow_data.update(
        menu=wiring.menu(),
        machine_translator=translator,
        after_language=hooks.after_language,
        dialogs=wiring.dialogs(),
        redis=redis,
        letters=reader_if_available(settings.letters_ocr),
        pacer=pacer,
        question_counts=question_counts,
    )
    app = App(
        settings,
        clock,
        engine,
        sessionmaker,
        bot,
        dp,
        Health(),
        translator,
        redis=redis,
        redis_guard=guard,
        question_counts=question_counts,
        people=people,
    )
    app.health.app = app
    return app


async def set_commands(bot: Bot, settings: Settings) -> None:
    menu = wiring.menu()
    for lang in SUPPORTED_LANGUAGES:
        tr = Translator(lang, settings.tz)
        await bot.set_my_commands(menu.bot_commands(tr, "visitor"), language_code=lang)
    default_tr = Translator(settings.default_language, settings.tz)
    await bot.set_my_commands(menu.bot_commands(default_tr, "visitor"))


def start_scheduler(app: App) -> AsyncIOScheduler:
    """Every process runs the scheduler; each periodic job runs only in the leader process (bot.ops.leader),
    so it runs once per interval across all processes. A heartbeat job (every process) keeps the leader
    lock fresh, lets another process take over quickly, and shows /healthz that the scheduler is alive;
    another (every process) writes the FAQ counts this process kept in memory."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    ctx = app.job_context()
    settings = app.settings
    leader = app.leader = app.leader or AlwaysLeader()
    health = app.health
    cap = settings.job_interval_max_seconds
    if settings.scheduler_enabled:
        for job in wiring.JOBS:
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
    # every process writes its own FAQ counts (not only the leader)
    scheduler.add_job(
        app.question_counts.flush_quietly,
        "interval",
        args=[app.sessionmaker],
        seconds=FLUSH_SECONDS,
        id="ops:faq-counts",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    app.scheduler = scheduler
    return scheduler


async def startup(app: App) -> None:
    async with migration_lock(app.engine):  # several processes may start at once on an empty database
        await upgrade_apart(app.engine, app.settings.database_url)
        # ORGANIZER_IDS may have changed since the last start: promote and demote (one process at a time)
        await roles.apply_at_start(app.job_context())
        # the FAQ content's first install: locales/faq into a database without it (one process only)
        await faq_store.import_at_start(app.sessionmaker, app.clock)
        await facts_store.import_at_start(app.sessionmaker, app.clock, app.settings.local_facts_file)
    await set_commands(app.bot, app.settings)
    await app.people.start(app.engine)
    app.on_shutdown.append(app.people.stop)
    app.leader = leader = leadership_for(app.engine, app.settings.database_url)
    if app.settings.scheduler_enabled:
        # Settle who runs the jobs before they start (the heartbeat keeps checking): otherwise the first
        # runs are skipped and /healthz says "not leader" for the first moments.
        await leader.ensure()
    outbox_reader = _outbox_reader(app)
    metrics.on_scrape("outbox", outbox_reader)
    app.on_shutdown.append(_remove_reader(outbox_reader))
    start_scheduler(app)
    start_delivery(app)
    if app.settings.metrics_port and not (
        app.settings.webhook_url and app.settings.metrics_port == app.settings.webhook_port
    ):
        # when polling, this is also where the organizers' console is served (with a webhook: its app)
        polling_console = app.settings.console_url and not app.settings.webhook_url
        runner = await start_server(
            app.health,
            app.settings.metrics_host,
            app.settings.metrics_port,
            extra=console_mounter(app) if polling_console else None,
        )
        app.on_shutdown.append(runner.cleanup)


def _outbox_reader(app: App) -> metrics.ScrapeReader:
    async def read() -> None:
        await collect_outbox(app)

    return read


def _remove_reader(read: metrics.ScrapeReader) -> Callable[[], Awaitable[None]]:
    async def remove() -> None:
        metrics.remove_on_scrape("outbox", read)

    return remove


def start_delivery(app: App) -> None:
    """One delivery worker per process (several may share a PostgreSQL database)."""
    if not app.settings.delivery_enabled:
        return
    worker = DeliveryWorker.for_bot(
        app.settings,
        app.sessionmaker,
        app.bot.token,
        app.clock,
        renderers=wiring.renderers(),
        hooks=wiring.outcome_hooks(),
    )
    app.delivery_worker = worker
    worker.start()


async def shutdown(app: App) -> None:
    if app.scheduler is not None and app.scheduler.running:
        app.scheduler.shutdown(wait=False)
    worker, app.delivery_worker = app.delivery_worker, None
    if worker is not None:  # finishes the calls in flight and records them
        with suppress(Exception):
            await worker.stop()
    for stop in app.on_shutdown:
        with suppress(Exception):
            await stop()
    await app.question_counts.flush_quietly(app.sessionmaker)
    leader = app.leader
    if leader is not None:
        with suppress(Exception):
            await leader.release()
    await app.bot.session.close()
    if app.redis is not None:
        await app.redis.aclose()
    await app.engine.dispose()


async def run_polling(app: App) -> None:
    await startup(app)
    try:
        await app.bot.delete_webhook(drop_pending_updates=False)
        # aiogram stops polling on SIGINT/SIGTERM itself; the updates in flight finish first. Each update
        # is confirmed to Telegram only once handled (bot/ops/polling.py): a killed process loses none.
        confirm_after_handling(app.dp)
        await app.dp.start_polling(app.bot, handle_signals=True, close_bot_session=False)
    finally:
        await shutdown(app)


def console_context(app: App, *, sample_data: bool = False) -> ConsoleContext:
    """What the organizers' console works with: the parts the bot's handlers and jobs get."""
    from console.web import ConsoleContext

    return ConsoleContext(
        app.settings,
        app.clock,
        app.sessionmaker,
        app.machine_translator,
        redis=app.redis,
        sample_data=sample_data,
        question_counts=app.question_counts,
    )


def console_mounter(app: App, *, sample_data: bool = False) -> Callable[[web.Application], None]:
    """Adds the console under /console to a web app before it starts (made then: the demo replaces the
    machine translator after build_app). `sample_data`: every page says so (the demo)."""

    def add(web_app: web.Application) -> None:
        from console.app import mount  # with its templates, only where the console is served (issue 18)

        mount(web_app, console_context(app, sample_data=sample_data))

    return add


def webhook_app(app: App) -> web.Application:
    from aiogram.webhook.aiohttp_server import setup_application

    web_app = web.Application()
    GuardedWebhookHandler(app.dp, app.bot, secret_token=app.settings.webhook_secret).register(
        web_app, path=app.settings.webhook_path
    )
    add_routes(web_app, app.health)  # /healthz and /metrics
    if app.settings.console_url:
        console_mounter(app)(web_app)  # the organizers' console under /console
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
