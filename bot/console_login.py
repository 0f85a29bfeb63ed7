"""Logging in to the organizers' web console without passwords (issue 16).

`/console` in the bot makes a one-time link, valid for 10 minutes (`create_link`). Opening it shows a
button; pressing it (a POST, so a link preview or a mail scanner that fetches the link does not use it up)
spends the link and starts a session (`log_in`) with a new random id, kept in a cookie. Every request
looks the session up (`current`): it ends after 12 hours without a request, on logout, and as soon as its
person is no longer an organizer (the role is read from the database each time). Only SHA-256 hashes of
the link tokens and session ids are stored. Forms carry a CSRF token derived from the session id
(`csrf_token`), which a page on another site can neither read nor guess.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit, user_subject
from bot.clock import Clock
from bot.config import Settings
from bot.jobs import JobContext
from bot.users import ORGANIZER, Person, find_user, has_role
from storage.models import ConsoleLogin, ConsoleSession
from storage.repositories import console as repo

LINK_TTL = timedelta(minutes=10)
IDLE_TTL = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often (one write, not one a click)
LOGIN_PATH = "/console/login"
CONSOLE_LOGIN = "console.login"  # audit: someone logged in to the console


class NotOrganizer(Exception):
    """Only organizers get a login link."""


@dataclass(frozen=True)
class Login:
    """A started session: the secret for the cookie (never stored) and whose it is."""

    secret: str
    organizer: Person


@dataclass(frozen=True)
class Current:
    """The session of this request: its organizer, read from the database now."""

    secret: str
    organizer: Person


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token(secret: str) -> str:
    """The token every form of this session carries: bound to the session, useless without it."""
    return hmac.new(secret.encode(), b"console-csrf", hashlib.sha256).hexdigest()


def csrf_ok(secret: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(secret), str(token))


def login_url(settings: Settings, token: str) -> str | None:
    """The link to send, or None when CONSOLE_URL is not set (the console is not served)."""
    if not settings.console_url:
        return None
    return f"{settings.console_url}{LOGIN_PATH}?t={quote(token)}"


async def create_link(session: AsyncSession, clock: Clock, user: Person, ttl: timedelta = LINK_TTL) -> str:
    """A new one-time login token for an organizer (the caller sends it; only its hash is kept)."""
    if not has_role(user, ORGANIZER):
        raise NotOrganizer
    now = clock.now()
    await repo.delete_stale(session, logins_before=now, seen_before=now - IDLE_TTL)
    token = secrets.token_urlsafe(32)
    await repo.add_login(
        session, ConsoleLogin(token_hash=digest(token), user_id=user.id, created_at=now, expires_at=now + ttl)
    )
    return token


async def log_in(
    session: AsyncSession, clock: Clock, token: str, old_secret: str | None = None
) -> Login | None:
    """Spend the link and start a session with a new id; None when the link is unknown, used, expired or
    its person is no longer an organizer. A session the browser had before is ended (no fixation)."""
    if old_secret:
        await repo.delete_session(session, digest(old_secret))
    if not token or len(token) > 100:
        return None
    now = clock.now()
    user_id = await repo.claim_login(session, digest(token), now)
    if user_id is None:
        return None
    user = await find_user(session, user_id)
    if user is None or not has_role(user, ORGANIZER):
        return None
    secret = secrets.token_urlsafe(32)
    await repo.add_session(
        session, ConsoleSession(id_hash=digest(secret), user_id=user.id, created_at=now, last_seen_at=now)
    )
    await audit(session, clock, user.id, CONSOLE_LOGIN, user_subject(user.id))
    return Login(secret, user)


async def current(session: AsyncSession, clock: Clock, secret: str | None) -> Current | None:
    """The organizer of this session, or None: no such session, idle for 12 hours, or its person is no
    longer an organizer (then all their sessions end)."""
    if not secret or len(secret) > 100:
        return None
    id_hash = digest(secret)
    row = await repo.get_session(session, id_hash)
    if row is None:
        return None
    now = clock.now()
    if now - row.last_seen_at >= IDLE_TTL:
        await repo.delete_session(session, id_hash)
        return None
    user = await find_user(session, row.user_id)
    if user is None or not has_role(user, ORGANIZER):
        await repo.delete_sessions_of(session, row.user_id)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        await repo.touch_session(session, id_hash, now)
    return Current(secret, user)


async def log_out(session: AsyncSession, secret: str | None) -> None:
    if secret:
        await repo.delete_session(session, digest(secret))


async def cleanup_job(ctx: JobContext) -> None:
    """Delete expired links and idle sessions (they could not be used any more; store the minimum)."""
    now = ctx.clock.now()
    async with ctx.sessionmaker() as session:
        await repo.delete_stale(session, logins_before=now, seen_before=now - IDLE_TTL)
        await session.commit()
