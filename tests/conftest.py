"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a controllable clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.clock import FrozenClock
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade

PG_URL = os.environ.get("TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
DB_KINDS = ["sqlite", "pg"]


async def make_engine(kind: str, tmp_path: Path) -> tuple[AsyncEngine, str, str | None]:
    """A fresh, migrated database: a SQLite file, or a PostgreSQL schema of its own (tests may run in parallel)."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        engine = create_engine(url)
        await upgrade(engine)
        return engine, url, None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    await admin.dispose()
    engine = create_async_engine(
        PG_URL, connect_args={"server_settings": {"search_path": schema}}, pool_size=25, max_overflow=10
    )
    await upgrade(engine)
    return engine, PG_URL, schema


async def drop_schema(schema: str) -> None:
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await admin.dispose()


@pytest.fixture(params=DB_KINDS)
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def engine(db_kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    eng, _url, schema = await make_engine(db_kind, tmp_path)
    try:
        yield eng
    finally:
        await eng.dispose()
        if schema:
            await drop_schema(schema)


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))
