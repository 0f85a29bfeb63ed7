"""The Helfernetzwerk bot: services, wiring and operation (see docs/architecture.md)."""

from bot.ops.lazy_types import defer_aiogram_validators

defer_aiogram_validators()  # before anything imports aiogram: see bot/ops/lazy_types.py
