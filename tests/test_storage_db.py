"""The engine factory (storage/db.py): SQLite gets one pooled connection per process, an in-memory
database the one connection it has."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from storage.db import create_engine, create_sessionmaker


async def test_an_in_memory_sqlite_database_still_opens() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("select 41 + 1"))).scalar_one() == 42
    finally:
        await engine.dispose()


async def test_sqlite_writers_of_one_process_take_turns_on_its_one_connection(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    sessionmaker = create_sessionmaker(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("create table t (n integer)"))

        async def write(n: int) -> None:
            async with sessionmaker() as session:
                await session.execute(text("insert into t values (:n)"), {"n": n})
                await asyncio.sleep(0)  # let the others ask for the connection meanwhile
                await session.commit()

        await asyncio.gather(*(write(n) for n in range(20)))
        assert engine.pool.size() == 1  # type: ignore[attr-defined]
        async with sessionmaker() as session:
            assert (await session.execute(text("select count(*) from t"))).scalar_one() == 20
    finally:
        await engine.dispose()
