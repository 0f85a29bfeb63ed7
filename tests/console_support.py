"""The organizers' console on a test server, over a migrated database (SQLite and PostgreSQL), for the tests
of its pages. Import the fixture `console` in a test module:
`from tests.console_support import ConsoleTest, console_fixture  # noqa: F401`.

    async def test_something(console: ConsoleTest) -> None:
        client = await console.login()          # the organizer, logged in with a fresh link
        page = await client.get("/console/audit")
        answer = await client.post_form("/console/faq/x", {"text": "..."})   # adds the CSRF token
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import console_login
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.users import ORGANIZER, find_user
from console.app import mount
from console.web import ConsoleContext
from storage.models import User

ORGANIZER_ID = 7001
CSRF_FIELD = re.compile(r'name="csrf" value="([0-9a-f]+)"')


class ConsoleClient:
    """A browser: its own cookies; remembers the CSRF token of the last page it read."""

    def __init__(self, client: TestClient) -> None:
        self.http = client
        self.csrf: str | None = None

    async def get(self, path: str, **kw: Any) -> ClientResponse:
        kw.setdefault("allow_redirects", False)
        response = await self.http.get(path, **kw)
        self._remember(await response.text())
        return response

    async def text(self, path: str) -> str:
        response = await self.get(path)
        assert response.status == 200, (path, response.status)
        return await response.text()

    async def post_form(
        self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True, **kw: Any
    ) -> ClientResponse:
        fields = dict(data or {})
        if csrf:
            if self.csrf is None:
                await self.get("/console")
            assert self.csrf, "no CSRF token: not logged in?"
            fields.setdefault("csrf", self.csrf)
        kw.setdefault("allow_redirects", False)
        response = await self.http.post(path, data=fields, **kw)
        self._remember(await response.text())
        return response

    def cookie(self, name: str) -> str | None:
        for cookie in self.http.session.cookie_jar:
            if cookie.key == name:
                return cookie.value
        return None

    def _remember(self, html: str) -> None:
        found = CSRF_FIELD.search(html)
        if found:
            self.csrf = found.group(1)


class ConsoleTest:
    def __init__(
        self, server: TestServer, ctx: ConsoleContext, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        self.server = server
        self.ctx = ctx
        self.sessionmaker = sessionmaker
        self.clients: list[TestClient] = []

    @property
    def clock(self) -> FrozenClock:
        assert isinstance(self.ctx.clock, FrozenClock)
        return self.ctx.clock

    async def add_person(self, user_id: int, role: str = ORGANIZER, language: str = "de") -> None:
        async with self.sessionmaker() as session:
            now = self.clock.now()
            session.add(User(id=user_id, role=role, language=language, consent_at=now, created_at=now))
            await session.commit()

    async def set_role(self, user_id: int, role: str) -> None:
        async with self.sessionmaker() as session:
            user = await session.get(User, user_id)
            assert user is not None
            user.role = role
            await session.commit()

    async def link_token(self, user_id: int = ORGANIZER_ID) -> str:
        """A login token made as /console makes it (the person must be an organizer)."""
        async with self.sessionmaker() as session:
            user = await find_user(session, user_id)
            assert user is not None
            token = await console_login.create_link(session, self.clock, user)
            await session.commit()
        return token

    async def browser(self) -> ConsoleClient:
        client = TestClient(self.server)
        await client.start_server()
        self.clients.append(client)
        return ConsoleClient(client)

    async def login(self, user_id: int = ORGANIZER_ID) -> ConsoleClient:
        """A browser logged in as the organizer, through the login page as a person would."""
        token = await self.link_token(user_id)
        client = await self.browser()
        form = await client.get(f"/console/login?t={token}")
        assert form.status == 200
        answer = await client.post_form("/console/login", {"t": token}, csrf=False)
        assert answer.status == 303, await answer.text()
        await client.get("/console")
        return client

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
        await self.server.close()


async def start_console(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    *,
    pages: list[ModuleType] | None = None,
    **settings: Any,
) -> ConsoleTest:
    settings.setdefault("console_url", "http://127.0.0.1")
    ctx = ConsoleContext(load_settings(**settings), clock, sessionmaker)
    web_app = web.Application()
    mount(web_app, ctx, pages)
    server = TestServer(web_app)
    await server.start_server()
    test = ConsoleTest(server, ctx, sessionmaker)
    await test.add_person(ORGANIZER_ID)
    return test


@pytest.fixture(name="console")
async def console_fixture(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> AsyncIterator[ConsoleTest]:
    test = await start_console(sessionmaker, clock)
    try:
        yield test
    finally:
        await test.close()
