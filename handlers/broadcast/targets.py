"""The object a pressed button is about (a draft, a topic), loaded once for every handler of a flow that
asks for it, instead of a "load it, or say it is gone" at the top of each handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject

from bot.text import Translator
from handlers.kit import alert

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
Loader = Callable[[dict[str, Any], int], Awaitable[object | None]]


class ButtonTarget(BaseMiddleware):
    """Inner middleware: a handler with a parameter `name` gets the object whose id the pressed button
    carries in its field of the same name, read by `load(data, id)`. When it is gone (or not the
    presser's), `refused(tr)` is shown as an alert and the handler does not run."""

    def __init__(self, name: str, load: Loader, refused: Callable[[Translator], str]) -> None:
        self.name = name
        self.load = load
        self.refused = refused

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, CallbackQuery) or self.name not in data["handler"].params:
            return await handler(event, data)
        target_id = getattr(data.get("callback_data"), self.name, None)
        target = await self.load(data, target_id) if isinstance(target_id, int) else None
        if target is None:
            await alert(event, self.refused(data["tr"]))
            return None
        data[self.name] = target
        return await handler(event, data)
