"""Where the console is served: the webhook's web app, the health/metrics server when polling, and not at
all without CONSOLE_URL; `python -m bot run` refuses a CONSOLE_URL it could not serve."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_app, console_mounter, shutdown, webhook_app
from bot.clock import Clock
from bot.config import ConfigError, load_settings
from bot.faq import feedback, inbox
from bot.ops.health import start_server
from console.app import mount
from console.pages import inbox as inbox_page
from console.web import ConsoleContext
from storage.db import create_sessionmaker
from tests.conftest import free_port

TOKEN = "123456:TEST-token"


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_the_webhook_app_serves_the_console_only_with_console_url(engine: AsyncEngine) -> None:
    webhook = {
        "webhook_url": "https://bot.example.org",
        "webhook_secret": "s3cret",
        "database_url": "sqlite:///x",
    }
    for console_url, expected in (("https://bot.example.org", 401), (None, 404)):
        settings = load_settings(bot_token=TOKEN, console_url=console_url, **webhook)
        app = await build_app(settings, TOKEN, engine=engine)
        try:
            async with TestClient(TestServer(webhook_app(app))) as client:
                assert (await client.get("/console")).status == expected
                assert (await client.get("/healthz")).status in (200, 503)
        finally:
            await app.bot.session.close()
    await engine.dispose()


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_polling_serves_the_console_on_the_metrics_server(engine: AsyncEngine) -> None:
    port = free_port()
    settings = load_settings(bot_token=TOKEN, console_url=f"http://127.0.0.1:{port}", metrics_port=port)
    app = await build_app(settings, TOKEN, engine=engine)
    runner = await start_server(app.health, "127.0.0.1", port, extra=console_mounter(app))
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/console/audit") as answer:
                assert answer.status == 401
            async with http.get(f"http://127.0.0.1:{port}/console/static/console.css") as answer:
                assert answer.status == 200 and "focus-visible" in await answer.text()
    finally:
        await runner.cleanup()
        await shutdown(app)


def test_run_needs_a_server_for_the_console() -> None:
    polling = load_settings(bot_token=TOKEN, console_url="https://bot.example.org", metrics_port=None)
    with pytest.raises(ConfigError, match=r"CONSOLE_URL.*METRICS_PORT"):
        polling.require_console_server()
    load_settings(
        bot_token=TOKEN, console_url="https://bot.example.org", metrics_port=9102
    ).require_console_server()
    load_settings(bot_token=TOKEN, console_url=None).require_console_server()
    with pytest.raises(ConfigError, match="CONSOLE_URL"):
        load_settings(console_url="bot.example.org")
    assert (
        load_settings(console_url="https://bot.example.org/console/").console_url == "https://bot.example.org"
    )


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_the_inbox_is_grouped_when_the_server_starts_and_a_failed_warm_up_is_only_logged(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        await feedback.keep_unanswered(
            session, Clock(), text="Wo kann ich Schildkröten füttern?", lang="de", reason=feedback.NO_MATCH
        )
        await session.commit()
    inbox._LAST.clear()

    async def broken(ctx: ConsoleContext) -> None:
        raise RuntimeError("warm-up broke")

    ctx = ConsoleContext(settings=load_settings(bot_token=TOKEN), clock=Clock(), sessionmaker=sessionmaker)
    web_app = web.Application()
    mount(web_app, ctx, pages=[inbox_page, SimpleNamespace(ROUTES=[], WARM_UP=broken)])
    async with TestClient(TestServer(web_app)) as client:
        # The warm-ups run in the background once the server has started, one after the other: wait for the
        # second one's failure too (the inbox's sets its groups before it has finished; a busy machine once
        # closed the server in between, and the broken warm-up never ran).
        for _ in range(500):
            if inbox._LAST and "a warm-up failed" in caplog.text:
                break
            await asyncio.sleep(0.01)
        assert inbox._LAST and [g.count for g in inbox._LAST[0].groups] == [1]
        assert "a warm-up failed" in caplog.text
        assert (await client.get("/console/inbox")).status == 401  # still served
    await engine.dispose()
