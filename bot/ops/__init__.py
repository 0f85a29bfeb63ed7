"""Operation at scale: health and metrics endpoints, the metrics registry, exactly-once scheduling across
processes (leader lock), Redis with a degraded mode, retries of direct Bot API calls, backup and restore.

See docs/operations.md. `bot.ops.metrics` needs only prometheus_client and may be imported anywhere (services
record counts through it); `bot.ops.redis`, `bot.ops.isolation` and `bot.ops.telegram` are wiring like
bot/app.py and import aiogram.
"""
