"""What the hostile-input tests (test_hostile.py, test_fuzz.py) share: the bot's own callback schemas, found
by walking the handlers package, packed with any values (also ones the schema refuses); a world with
sample data, a helper, visitors and group members who never talked to the bot; log checks."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from enum import Enum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select, update

import handlers
import storage.models  # noqa: F401  (every table on the metadata)
from bot import users as users_service
from bot import wiring
from bot.sample import DemoPeople
from storage.base import Base
from storage.models import User
from tests.e2e.harness import HELPERS_CHAT_ID, ORGANIZER_ID, BotHarness

HELPER_ID = 8101
STALE = "This button is no longer valid. Please open the menu again: /menu"
SEPARATOR = ":"


def callback_schemas() -> list[type[CallbackData]]:
    """Every CallbackData subclass of the bot: import each module under handlers/, then collect the
    subclasses recursively (a schema nobody lists here is still found)."""
    for module in pkgutil.walk_packages(handlers.__path__, prefix="handlers."):
        importlib.import_module(module.name)
    found: list[type[CallbackData]] = []
    todo = list(CallbackData.__subclasses__())
    while todo:
        schema = todo.pop()
        if schema not in found:
            found.append(schema)
            todo.extend(schema.__subclasses__())
    return sorted((s for s in found if s.__module__.startswith("handlers.")), key=lambda s: s.__prefix__)


def encode(value: Any) -> str:
    """A value as aiogram packs it into callback data (without its checks)."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def pack_raw(schema: type[CallbackData], **values: Any) -> str:
    """`prefix:field:field…` in the schema's field order, with any value (also ones it would refuse);
    a field not given takes its default, or an empty string."""
    parts = [schema.__prefix__]
    for name, field in schema.model_fields.items():
        if name in values:
            parts.append(encode(values[name]))
        else:
            parts.append(encode(None if field.is_required() else field.default))
    return SEPARATOR.join(parts)


def int_fields(schema: type[CallbackData]) -> list[str]:
    return [name for name, field in schema.model_fields.items() if field.annotation is int]


def upper_bound(schema: type[CallbackData], name: str) -> int:
    """The largest value an int field accepts: its `le` (a Telegram user id may have 52 bits), else a
    database row id's 2**31-1."""
    for meta in schema.model_fields[name].metadata:
        bound = getattr(meta, "le", None)
        if bound is not None:
            return int(bound)
    return 2**31 - 1


def valid_defaults(schema: type[CallbackData]) -> dict[str, Any]:
    """A value for every field that the schema accepts (the first enum member, 0, "", False)."""
    values: dict[str, Any] = {}
    for name, field in schema.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, Enum):
            values[name] = next(iter(kind))
        elif not field.is_required():
            values[name] = field.default
        elif kind is bool:
            values[name] = False
        elif kind is int:
            values[name] = 0
        else:
            values[name] = ""
    return values


async def make_helper(bot: BotHarness, uid: int, role: str = users_service.HELPER) -> None:
    async with bot.app.sessionmaker() as session:
        await users_service.ensure_user(session, uid, bot.app.clock, [])
        await session.execute(update(User).where(User.id == uid).values(role=role))
        await session.commit()


async def seed_sample_data(bot: BotHarness) -> None:
    """The demo's topics, counselling schedule (with slots), events and assignments, so forged ids hit
    real rows; the helper and the organizer are the demo's people (and have opened the bot)."""
    bot.emu.add_user(HELPER_ID, language_code="de")
    bot.emu.add_user(ORGANIZER_ID, language_code="de")
    await make_helper(bot, HELPER_ID)
    await make_helper(bot, ORGANIZER_ID, users_service.ORGANIZER)
    async with bot.app.sessionmaker() as session:
        people = DemoPeople(helper_id=HELPER_ID, organizer_id=ORGANIZER_ID)
        for seed in wiring.DEMO_SEEDS:
            await seed(session, bot.app.clock, bot.app.settings, people)
        await session.commit()
    await bot.run_job("booking_slots")


async def start(bot: BotHarness, uid: int, lang: str = "de") -> None:
    bot.user(uid, language_code=lang)
    await bot.say(uid, f"/start lang-{lang}", timeout=10)
    await bot.settle(0.1)


async def relay_of_a_question(bot: BotHarness, asker: int, question: str) -> dict[str, Any]:
    """A visitor asks a person; the relay the helpers' group gets (with its 🙋 button)."""
    await bot.say(asker, "/ask")
    await bot.say(asker, question)
    await bot.deliver()
    relays = [
        m
        for m in bot.emu.bot_messages(HELPERS_CHAT_ID)
        if any(
            "🙋" in b.get("text", "")
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        )
    ]
    assert relays, bot.emu.bot_messages(HELPERS_CHAT_ID)
    return relays[-1]


async def dump_tables(bot: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: a before/after picture of the whole database."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    async with bot.app.sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            dump[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return dump


def problems(records: list[logging.LogRecord]) -> list[str]:
    """Log records that mean a traceback or an error: any record with exc_info, any ERROR or worse."""
    return [
        f"{r.levelname} {r.name}: {r.getMessage()[:300]}"
        for r in records
        if r.exc_info is not None or r.levelno >= logging.ERROR
    ]
