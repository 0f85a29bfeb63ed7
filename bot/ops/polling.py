"""Long polling that confirms an update to Telegram only once it has been handled.

aiogram's polling hands each update of a getUpdates answer to a task and asks for the next ones at once;
that request confirms the whole answer (its `offset`), while the handlers may still be at work. A process
killed then (SIGKILL, power loss, out of memory) has lost those updates for good: Telegram will not send
them again. Under load that is dozens of messages (tests/e2e/test_ticket_faults.py lost 48 helper replies
at one kill).

Here each update is still handled in a task of its own as soon as it comes, but the offset sent with the
next getUpdates — what confirms — stays at the oldest update still in hand, so one slow update (a photo
read by OCR) holds up nothing but the confirmation. While updates are in hand Telegram answers at once
(they are unconfirmed); the loop then waits until they are done, or IN_HAND_LOOK seconds, before it looks
again, and skips the ones it has. A kill means Telegram sends the unconfirmed ones again to the
restarted process, which handles them again: the handlers that matter are idempotent (a message joins a
ticket once: its message id is unique there; a claim won is "mine" the second time), so at worst a person
gets a reply twice. On a graceful stop (SIGTERM) the updates in hand are finished and confirmed.

The same at-least-once rule as the outbox (docs/delivery.md). Like bot/app.py, this module is wiring.
"""

from __future__ import annotations

import asyncio
import logging
import types
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.utils.backoff import Backoff, BackoffConfig

log = logging.getLogger(__name__)

DEFAULT_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)  # aiogram's
IN_HAND_LOOK = 0.5  # seconds: how often to look for new updates while older ones are still being handled


async def _polling(
    self: Dispatcher,
    bot: Bot,
    polling_timeout: int = 30,
    handle_as_tasks: bool = True,
    backoff_config: BackoffConfig = DEFAULT_BACKOFF,
    allowed_updates: list[str] | None = None,
    tasks_concurrency_limit: int | None = None,
    **kwargs: Any,
) -> None:
    """Dispatcher._polling's place (start_polling runs it). Updates are handled as they come, each in its
    own task; the offset sent to Telegram (what confirms) stays at the oldest update still in hand."""
    del handle_as_tasks, tasks_concurrency_limit
    user = await bot.me()
    log.info("Run polling for bot @%s id=%d (updates confirmed once handled)", user.username, bot.id)
    backoff = Backoff(config=backoff_config)
    request_timeout = int(bot.session.timeout + polling_timeout) if bot.session.timeout else None
    in_hand: dict[int, asyncio.Task[Any]] = {}
    done: set[int] = set()  # handled, but not confirmed yet (an older one is still in hand)
    offset: int | None = None
    try:
        while True:
            # While something is in hand Telegram answers at once (it is unconfirmed): no long poll then.
            wait = 0 if in_hand else polling_timeout
            get_updates = GetUpdates(offset=offset, timeout=wait, allowed_updates=allowed_updates)
            try:
                updates = await bot(get_updates, request_timeout=request_timeout)
            except Exception as exc:  # like aiogram: Telegram away is no reason to stop
                log.error("Failed to fetch updates - %s: %s", type(exc).__name__, exc)
                await backoff.asleep()
                continue
            backoff.reset()
            fresh = [u for u in updates if u.update_id not in in_hand and u.update_id not in done]
            for update in fresh:
                in_hand[update.update_id] = asyncio.ensure_future(
                    self._process_update(bot=bot, update=update, **kwargs)
                )
            if in_hand:  # until all are done, or a moment passed (then look for new ones, skip these)
                await asyncio.wait(in_hand.values(), timeout=IN_HAND_LOOK)
            for update_id in [i for i, task in in_hand.items() if task.done()]:
                del in_hand[update_id]
                done.add(update_id)
            seen = max([*in_hand, *done], default=None)
            if seen is not None:
                offset = min(in_hand) if in_hand else seen + 1
                done = {i for i in done if i >= offset}
    finally:
        if in_hand:  # stopping: finish what is in hand (shielded from the cancellation), then confirm
            await asyncio.shield(asyncio.gather(*in_hand.values(), return_exceptions=True))
            await _confirm(bot, max([*in_hand, *done]) + 1)


async def _confirm(bot: Bot, offset: int) -> None:
    try:
        await bot(GetUpdates(offset=offset, limit=1, timeout=0))
    except Exception:
        log.warning("could not confirm the last updates; they will be handled again after the restart")


def confirm_after_handling(dp: Dispatcher) -> Dispatcher:
    """Make `dp.start_polling` confirm each update only once handled (see above)."""
    dp._polling = types.MethodType(_polling, dp)  # type: ignore[method-assign]
    return dp
