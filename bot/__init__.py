"""The Helfernetzwerk bot: services, wiring and operation (see docs/architecture.md)."""

from bot.ops.lazy_types import defer_aiogram_validators
from bot.ops.lean_locale import keep_only_used_locale_data

defer_aiogram_validators()  # before anything imports aiogram: see bot/ops/lazy_types.py
keep_only_used_locale_data()  # before Babel's data is first read: see bot/ops/lean_locale.py
