"""Renderers turn an outbox row's data into a Bot API call in the reader's language, at send time.

Renderers live in handlers/ (they build keyboards with the CallbackData factories); bot/wiring.py hands
the whole table to the delivery worker, so services queue messages without knowing anything about
Telegram. A kind without a renderer is an error, never a raw payload sent as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.text import Translator


@dataclass(frozen=True)
class Rendered:
    method: str
    params: dict[str, Any] = field(default_factory=dict)  # Bot API params without chat_id


Renderer = Callable[[dict[str, Any], Translator], Rendered]


class UnknownKind(LookupError):
    """An outbox row whose kind has no renderer: a wiring mistake, never sent as raw data."""


class Renderers:
    def __init__(self, table: Mapping[str, Renderer]) -> None:
        self._table = dict(table)

    @classmethod
    def merge(cls, *tables: Mapping[str, Renderer]) -> Renderers:
        merged: dict[str, Renderer] = {}
        for table in tables:
            twice = merged.keys() & table.keys()
            if twice:
                raise ValueError(f"outbox kinds with two renderers: {sorted(twice)}")
            merged.update(table)
        return cls(merged)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._table)

    def render(self, kind: str, data: dict[str, Any], tr: Translator) -> Rendered:
        func = self._table.get(kind)
        if func is None:
            raise UnknownKind(kind)
        return func(data, tr)


READY = "ready"  # a message rendered when it was queued, e.g. a reply that could not go out at once


def render_ready(data: dict[str, Any], tr: Translator) -> Rendered:
    """The Bot API call as it was rendered when queued (`method` defaults to sendMessage)."""
    params = dict(data)
    return Rendered(str(params.pop("method", "sendMessage")), params)
