"""Renderers turn an outbox row's data into a Bot API call in the reader's language, at send time.

Renderers live in handlers/ (they build keyboards with the CallbackData factories) and register here, so
services can queue messages without knowing anything about Telegram.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.text import Translator


@dataclass(frozen=True)
class Rendered:
    method: str
    params: dict[str, Any] = field(default_factory=dict)  # Bot API params without chat_id


Renderer = Callable[[dict[str, Any], Translator], Rendered]
_RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def register(func: Renderer) -> Renderer:
        _RENDERERS[kind] = func
        return func

    return register


def render(kind: str, method: str, data: dict[str, Any], tr: Translator) -> Rendered:
    func = _RENDERERS.get(kind)
    if func is None:
        return Rendered(method=method, params=dict(data))
    return func(data, tr)
