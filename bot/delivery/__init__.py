"""Delivery engine: every message that leaves on its own (broadcasts, reminders, alerts, relays) is a row
in the outbox, sent by one worker that knows Telegram's limits (docs/delivery.md).

Contract for capabilities:
- queue with `bot.delivery.outbox.enqueue(...)` (or `enqueue_many` for a broadcast) inside the caller's
  transaction; a `dedupe_key` makes the same logical message impossible to queue twice
  (e.g. f"reminder:{booking_id}:24h");
- `kind` names a renderer registered with `bot.delivery.render.renderer(kind)`; the renderer turns the
  stored `data` and the reader's language into a Bot API call (method + params) when the row is sent;
  a kind without a renderer sends `data` as the Bot API params as they are. Text and captions go out with
  parse_mode HTML unless the params say otherwise;
- outcomes: `bot.delivery.hooks.on_sent(kind)` / `on_outcome(kind)` (telegram_message_id, blocked, failed);
  the organizer's report: `bot.delivery.report.delivery_report(session, ref)`;
- the worker: `bot.delivery.worker.DeliveryWorker` (started by `bot.app.startup`; in tests with a
  FrozenClock use `BotHarness.deliver()`).
"""
