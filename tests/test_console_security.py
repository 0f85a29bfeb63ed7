"""The console's door (issue 16), on SQLite and PostgreSQL: login links, sessions, CSRF, the role re-check,
cookie flags, idle expiry, logout, the audit log, and the request helper's one commit."""

from __future__ import annotations

import types
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot import console_login
from bot.audit import latest
from bot.users import HELPER, ORGANIZER, VISITOR, find_user
from console.app import PAGES
from console.web import SESSION_COOKIE, Page, post
from storage.models import AuditEntry, ConsoleSession
from tests.console_support import ORGANIZER_ID, ConsoleTest, console_fixture, start_console  # noqa: F401

HOME_MARK = "Willkommen in der Konsole"  # only the home page of a logged-in organizer says this


async def audit_count(test: ConsoleTest, action: str | None = None) -> int:
    async with test.sessionmaker() as session:
        stmt = select(func.count()).select_from(AuditEntry)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return int(await session.scalar(stmt) or 0)


async def session_rows(test: ConsoleTest) -> int:
    async with test.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(ConsoleSession)) or 0)


def set_cookie_header(response: web.Response | object, name: str = SESSION_COOKIE) -> str:
    headers = response.headers.getall("Set-Cookie", [])  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{name}=")]
    assert found, headers
    return found[0]


async def test_pages_without_a_session_are_refused(console: ConsoleTest) -> None:
    browser = await console.browser()
    for path in ("/console", "/console/audit"):
        answer = await browser.get(path)
        assert answer.status == 401
        html = await answer.text()
        assert "/console" in html and HOME_MARK not in html and "Telegram-ID" not in html
    # a made-up session id is no better
    forged = await browser.get("/console/audit", headers={"Cookie": f"{SESSION_COOKIE}=made-up"})
    assert forged.status == 401


async def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(console: ConsoleTest) -> None:
    browser = await console.login()
    assert (await browser.post_form("/console/logout", csrf=False)).status == 403
    assert (await browser.post_form("/console/logout", {"csrf": "0" * 64})).status == 403
    # another session's token does not fit this one
    other = await console.login()
    assert other.csrf and other.csrf != browser.csrf
    assert (await browser.post_form("/console/logout", {"csrf": other.csrf})).status == 403
    assert HOME_MARK in await browser.text("/console")  # still logged in: nothing happened
    assert (await browser.post_form("/console/logout")).status == 200


async def test_a_link_works_once_and_only_within_ten_minutes(console: ConsoleTest) -> None:
    token = await console.link_token()
    first = await console.browser()
    # opening the link (as a link preview would) does not use it up: only the button does
    assert (await first.get(f"/console/login?t={token}")).status == 200
    assert (await first.get(f"/console/login?t={token}")).status == 200
    assert (await first.post_form("/console/login", {"t": token}, csrf=False)).status == 303
    second = await console.browser()
    twice = await second.post_form("/console/login", {"t": token}, csrf=False)
    assert twice.status == 403
    assert second.cookie(SESSION_COOKIE) is None
    assert (await second.get("/console")).status == 401

    late = await console.link_token()
    console.clock.advance(console_login.LINK_TTL)
    expired = await second.post_form("/console/login", {"t": late}, csrf=False)
    assert expired.status == 403 and second.cookie(SESSION_COOKIE) is None

    just_in_time = await console.link_token()
    console.clock.advance(console_login.LINK_TTL - timedelta(seconds=1))
    assert (await second.post_form("/console/login", {"t": just_in_time}, csrf=False)).status == 303
    unknown = await (await console.browser()).post_form("/console/login", {"t": "nonsense"}, csrf=False)
    assert unknown.status == 403


async def test_only_organizers_get_a_link_and_only_organizers_can_use_one(console: ConsoleTest) -> None:
    await console.add_person(1234, VISITOR)
    async with console.sessionmaker() as session:
        visitor = await find_user(session, 1234)
        assert visitor is not None
        with pytest.raises(console_login.NotOrganizer):
            await console_login.create_link(session, console.clock, visitor)
    token = await console.link_token()
    await console.set_role(ORGANIZER_ID, HELPER)  # no longer an organizer when the link is opened
    browser = await console.browser()
    assert (await browser.post_form("/console/login", {"t": token}, csrf=False)).status == 403
    assert browser.cookie(SESSION_COOKIE) is None and await session_rows(console) == 0


async def test_the_session_id_is_new_at_each_login(console: ConsoleTest) -> None:
    browser = await console.browser()
    planted = "chosen-by-an-attacker"
    token = await console.link_token()
    answer = await browser.post_form(
        "/console/login", {"t": token}, csrf=False, headers={"Cookie": f"{SESSION_COOKIE}={planted}"}
    )
    first = browser.cookie(SESSION_COOKIE)
    assert answer.status == 303 and first and first != planted
    await browser.get("/console")
    token = await console.link_token()
    await browser.post_form("/console/login", {"t": token}, csrf=False)
    second = browser.cookie(SESSION_COOKIE)
    assert second and second != first
    assert HOME_MARK in await browser.text("/console")
    # the session of the first login ended with the second
    stale = await console.browser()
    assert (await stale.get("/console", headers={"Cookie": f"{SESSION_COOKIE}={first}"})).status == 401
    assert await session_rows(console) == 1
    # only hashes are stored
    async with console.sessionmaker() as session:
        stored = await session.scalar(select(ConsoleSession.id_hash))
    assert stored == console_login.digest(second) and stored != second


async def test_an_organizer_removed_while_logged_in_is_refused_on_the_next_request(
    console: ConsoleTest,
) -> None:
    browser = await console.login()
    assert HOME_MARK in await browser.text("/console")
    await console.set_role(ORGANIZER_ID, VISITOR)
    assert (await browser.get("/console/audit")).status == 401
    assert await session_rows(console) == 0
    # made an organizer again, they need a new link: the old session is gone
    await console.set_role(ORGANIZER_ID, ORGANIZER)
    assert (await browser.get("/console")).status == 401


async def test_cookie_flags(console: ConsoleTest) -> None:
    token = await console.link_token()
    browser = await console.browser()
    plain = set_cookie_header(await browser.post_form("/console/login", {"t": token}, csrf=False))
    assert "HttpOnly" in plain and "SameSite=Strict" in plain and "Path=/console" in plain
    assert "Secure" not in plain  # plain http (a local test); a Secure cookie would never come back
    token = await console.link_token()
    proxied = await browser.post_form(
        "/console/login", {"t": token}, csrf=False, headers={"X-Forwarded-Proto": "https"}
    )
    assert "Secure" in set_cookie_header(proxied)


async def test_cookies_are_secure_when_the_console_url_is_https(sessionmaker: object, clock: object) -> None:
    test = await start_console(sessionmaker, clock, console_url="https://console.example.org")  # type: ignore[arg-type]
    try:
        token = await test.link_token()
        browser = await test.browser()
        cookie = set_cookie_header(await browser.post_form("/console/login", {"t": token}, csrf=False))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert console_login.login_url(test.ctx.settings, token) == (
            f"https://console.example.org/console/login?t={token}"
        )
    finally:
        await test.close()


async def test_a_session_ends_after_twelve_idle_hours(console: ConsoleTest) -> None:
    browser = await console.login()
    almost = console_login.IDLE_TTL - timedelta(minutes=1)
    for _ in range(3):  # in use: it lives on, well past 12 hours in all
        console.clock.advance(almost)
        assert HOME_MARK in await browser.text("/console")
    console.clock.advance(console_login.IDLE_TTL)
    assert (await browser.get("/console")).status == 401
    assert await session_rows(console) == 0


async def test_logout(console: ConsoleTest) -> None:
    browser = await console.login()
    secret = browser.cookie(SESSION_COOKIE)
    answer = await browser.post_form("/console/logout")
    assert answer.status == 200
    assert "Max-Age=0" in set_cookie_header(answer)
    assert (await browser.get("/console")).status == 401
    again = await console.browser()  # the old cookie, kept somewhere, is dead too
    assert (await again.get("/console", headers={"Cookie": f"{SESSION_COOKIE}={secret}"})).status == 401
    assert await session_rows(console) == 0


async def test_cleanup_deletes_expired_links_and_idle_sessions(console: ConsoleTest) -> None:
    await console.login()
    await console.link_token()
    console.clock.advance(console_login.IDLE_TTL + timedelta(minutes=1))
    from bot.jobs import JobContext

    await console_login.cleanup_job(JobContext(console.ctx.settings, console.clock, console.sessionmaker))
    assert await session_rows(console) == 0
    async with console.sessionmaker() as session:
        from storage.models import ConsoleLogin

        assert await session.scalar(select(func.count()).select_from(ConsoleLogin)) == 0


def _test_page() -> types.ModuleType:
    """A page that changes something (an audit line stands for the change), or fails half-way."""

    async def change(page: Page) -> web.StreamResponse:
        await page.audit("test.change", "thing:1", before="old", after="new " * 1000)
        if page.form.get("fail"):
            raise RuntimeError("half-way")
        return page.redirect("/audit", notice="Test change done.")  # (in no catalog: shown as it is)

    module = types.ModuleType("console.pages.test_change")
    module.ROUTES = [post("/test-change", change)]  # type: ignore[attr-defined]
    module.AUDIT_ACTIONS = {"test.change": "A test change"}  # type: ignore[attr-defined]
    return module


async def test_a_change_leaves_an_audit_entry_and_a_failure_leaves_nothing(
    sessionmaker: object, clock: object
) -> None:
    test = await start_console(sessionmaker, clock, pages=[*PAGES, _test_page()])  # type: ignore[arg-type]
    try:
        browser = await test.login()
        assert await audit_count(test, "console.login") == 1
        answer = await browser.post_form("/console/test-change", {"x": "1"})
        assert answer.status == 303 and answer.headers["Location"] == "/console/audit"
        async with test.sessionmaker() as session:
            entry = (await latest(session, 1))[0]
        assert (entry.actor_id, entry.action, entry.subject, entry.before) == (
            ORGANIZER_ID,
            "test.change",
            "thing:1",
            "old",
        )
        assert entry.after == "new " * 1000  # a whole edited answer fits
        html = await browser.text("/console/audit")
        assert "A test change" in html and "thing:1" in html and "Telegram-ID 7001" in html
        assert '<p class="notice" role="status">Test change done.</p>' in html  # once, after the change
        assert "Test change done." not in await browser.text("/console/audit")
        forged = await browser.get(
            "/console/audit",
            headers={"Cookie": "hnb_console_notice=0123456789abcdefVGVzdCBjaGFuZ2UgZG9uZS4="},
        )
        assert "Test change done." not in await forged.text()
        # the handler raised after writing: the request helper rolled the write back
        failed = await browser.post_form("/console/test-change", {"fail": "1"})
        assert failed.status == 500
        assert await audit_count(test, "test.change") == 1
    finally:
        await test.close()


async def test_the_audit_log_comes_in_pages(console: ConsoleTest) -> None:
    async with console.sessionmaker() as session:
        from bot.audit import audit

        for i in range(120):
            console.clock.advance(timedelta(seconds=1))
            await audit(session, console.clock, ORGANIZER_ID, "test.change", f"thing:{i}")
        await session.commit()
    browser = await console.login()
    first = await browser.text("/console/audit")
    assert first.count("<tr>") == 51  # a header row and 50 lines, the newest first
    assert "thing:119" in first and "thing:69" not in first and 'rel="next"' in first
    last = await browser.text("/console/audit?page=3")
    assert "thing:19" in last and "thing:0<" in last and 'rel="next"' not in last
    assert (await browser.get("/console/audit?page=x")).status == 200


async def test_the_language_can_be_switched_and_stays_on_this_site(console: ConsoleTest) -> None:
    browser = await console.login()
    answer = await browser.get("/console/language/en?next=/console/audit")
    assert answer.status == 303 and answer.headers["Location"] == "/console/audit"
    assert "Who changed what" in await browser.text("/console")
    login_page = await browser.text("/console/login?t=abc")
    assert 'href="/console/language/de?next=/console/login%3Ft%3Dabc"' in login_page
    back = await browser.get("/console/language/en?next=/console/login%3Ft%3Dabc")
    assert back.headers["Location"] == "/console/login?t=abc"
    away = await browser.get("/console/language/de?next=https://evil.example/console/")
    assert away.headers["Location"] == "/console"
    assert HOME_MARK in await browser.text("/console")


async def test_every_answer_carries_the_security_headers(console: ConsoleTest) -> None:
    browser = await console.browser()
    for path in ("/console", "/console/static/console.css", "/console/login?t=x"):
        answer = await browser.get(path)
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], path
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


async def test_something_that_does_not_exist_gets_a_page_that_says_so(
    sessionmaker: object, clock: object
) -> None:
    test = await start_console(sessionmaker, clock)  # type: ignore[arg-type]
    try:
        browser = await test.login()
        for path in ("/console/events/99999", "/console/faq/no-such-topic"):
            answer = await browser.get(path)
            assert answer.status == 404, path
            html = await answer.text()
            assert "<h1>Nicht gefunden</h1>" in html and 'href="/console"' in html, path
    finally:
        await test.close()
