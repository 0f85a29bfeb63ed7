"""Where the console is served: the webhook's web app, the health/metrics server when polling, and not at
all without CONSOLE_URL; `python -m bot run` refuses a CONSOLE_URL it could not serve."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_app, console_mounter, shutdown, webhook_app
from bot.config import ConfigError, load_settings
from bot.ops.health import start_server
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
