"""aiogram routers, one package per capability (mirroring bot/<capability>/): parse, call a service,
render. No SQL, no commits, no business rules. bot/wiring.py lists the flows in routing order."""

from bot.ops.lazy_types import defer_aiogram_validators

defer_aiogram_validators()  # before any handler imports aiogram: see bot/ops/lazy_types.py
