"""A router's gate: its first filter, derived from its own handlers' filters, so that an update none of them
can take skips the router at one cheap check.

aiogram tries the routers in turn and, in each, every handler's filters in turn: with some 45 routers a
question typed as free text went through about 60 message handlers, and a button press through up to 150
callback-data parsings, before reaching its own. That was a third of the CPU of an update
(py-spy over tests/e2e/test_fuzz.py). A gate only states what each handler needs anyway (a command, a
dialog state, a callback-data prefix); a router with any handler that could take something else gets none.

Each run of gated routers then goes under one parent (`group_gated`) whose gates pass what any of theirs
pass: aiogram does not look into a router's sub-routers when the router's own filters fail, so a question
typed as free text meets 11 routers before the FAQ's instead of 43 (measured over the routers before the
FAQ's: 270-310 µs per question or button press down to 50-60 µs, of about 6 ms of CPU per update). A
question now meets two before the FAQ's: handlers/lanes.py passes by, for a private text, the routers that
cannot take one.
"""

from __future__ import annotations

from collections.abc import Iterable
from inspect import isclass
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

# The kinds of update a gate can guard; a router that takes any other kind stays out of the groups.
GATED = ("message", "callback_query")


class LeanRouter(Router):
    """aiogram's Router, without wrapping itself in the outer middlewares of the kind of update when it has
    none (ours are all on the dispatcher's update observer, bot.app): aiogram builds a closure and a wrapper
    with functools.wraps for every router an update passes, though the chain is empty. The same propagation
    otherwise; with outer middlewares, aiogram's own. A router with no handler and no sub-router for the
    kind of update is passed at once: aiogram would check its filters and find nothing to call (three of the
    routers before the FAQ's, for a question)."""

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        observer = self.observers.get(update_type)
        if observer is not None and len(observer.outer_middleware):
            return await super().propagate_event(update_type, event, **kwargs)
        if not self.sub_routers and (observer is None or not observer.handlers):
            return UNHANDLED
        kwargs["event_router"] = self
        return await self._propagate_event(observer=observer, update_type=update_type, event=event, **kwargs)


class CommandOrStateGate(Filter):
    """Passes a message that starts with a command prefix, or one that arrives in one of the states."""

    def __init__(self, prefixes: str, states: frozenset[str]) -> None:
        self.prefixes = prefixes
        self.states = states

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        # as aiogram's Command reads a command: text or caption, after leading white space
        text = (message.text or message.caption or "").lstrip()
        return (text != "" and text[0] in self.prefixes) or raw_state in self.states

    @classmethod
    def joined(cls, gates: Iterable[CommandOrStateGate]) -> CommandOrStateGate:
        """A gate that passes what any of these passes."""
        prefixes, states = "", frozenset[str]()
        for gate in gates:
            prefixes += "".join(p for p in gate.prefixes if p not in prefixes)
            states |= gate.states
        return cls(prefixes, states)


class CallbackPrefixGate(Filter):
    """Passes a button press whose callback data starts with one of the router's prefixes."""

    def __init__(self, prefixes: Iterable[tuple[str, str]]) -> None:
        self.by_separator: dict[str, frozenset[str]] = {}
        for separator, prefix in prefixes:
            self.by_separator[separator] = self.by_separator.get(separator, frozenset()) | {prefix}

    async def __call__(self, query: CallbackQuery) -> bool:
        data = query.data or ""
        return any(data.split(sep, 1)[0] in prefixes for sep, prefixes in self.by_separator.items())

    @classmethod
    def joined(cls, gates: Iterable[CallbackPrefixGate]) -> CallbackPrefixGate:
        """A gate that passes what any of these passes."""
        return cls(
            (sep, p) for gate in gates for sep, prefixes in gate.by_separator.items() for p in prefixes
        )


class NothingGate(Filter):
    """Passes nothing: a group's gate on the kinds of update none of its routers takes."""

    async def __call__(self, *_: Any) -> bool:
        return False


def dialog_states(filter_: Any) -> set[str] | None:
    """The dialog states a State or StateFilter passes, or None when it also passes outside a dialog or in
    any state ("*")."""
    allowed: set[str] = set()
    for state in filter_.states if isinstance(filter_, StateFilter) else (filter_,):
        if isinstance(state, State) and state.state not in (None, "*"):
            allowed.add(state.state)
        elif isclass(state) and issubclass(state, StatesGroup):
            allowed.update(state.__all_states_names__)
        elif isinstance(state, str) and state != "*":
            allowed.add(state)
        else:
            return None  # None (no dialog), "*" or a kind not known here
    return allowed


def message_gate(handlers: Iterable[tuple[Any, ...]]) -> Filter | None:
    """For the filters of each message handler of a router: a gate, when every handler needs a command or
    a dialog state."""
    prefixes, states = "", set[str]()
    for filters in handlers:
        command = next((f for f in filters if isinstance(f, Command)), None)
        if command is not None:
            prefixes += "".join(p for p in command.prefix if p not in prefixes)
            continue
        found = [
            s for f in filters if isinstance(f, State | StateFilter) and (s := dialog_states(f)) is not None
        ]
        if not found:
            return None
        states.update(found[0])
    return CommandOrStateGate(prefixes, frozenset(states)) if prefixes or states else None


def callback_gate(handlers: Iterable[tuple[Any, ...]]) -> Filter | None:
    """For the filters of each callback handler of a router: a gate, when every handler reads its own
    callback data (aiogram's CallbackData.filter())."""
    prefixes: set[tuple[str, str]] = set()
    for filters in handlers:
        data_filter = next((f for f in filters if isinstance(f, CallbackQueryFilter)), None)
        if data_filter is None:
            return None
        schema = data_filter.callback_data
        prefixes.add((schema.__separator__, schema.__prefix__))
    return CallbackPrefixGate(prefixes) if prefixes else None


def add_gates(
    router: Router,
    flow_filters: list[tuple[str, tuple[Any, ...]]],
    handlers: list[tuple[str, tuple[Any, ...]]],
) -> None:
    """Give the router its gates, as its first filters (the cheapest check first). A flow's own filters
    (kit.Flow.filter) count as each of its handlers' filters."""
    for observer, make_gate in (("message", message_gate), ("callback_query", callback_gate)):
        shared = [f for name, filters in flow_filters if name == observer for f in filters]
        each = [(*shared, *filters) for name, filters in handlers if name == observer]
        if (gate := make_gate(each)) is not None:
            router.observers[observer].filter(gate)


def gate_of(router: Router, observer: str) -> Filter | None:
    """The gate `add_gates` gave the router on one observer, or None. (The observer's own handler holds the
    router-level filters, as in bot.app.inline_pure_filters.)"""
    for item in router.observers[observer]._handler.filters or ():
        if isinstance(item.callback, CommandOrStateGate | CallbackPrefixGate):
            return item.callback
    return None


def _all_gated(router: Router) -> bool:
    """Every kind of update the router takes is behind its gate, and it has no sub-routers."""
    return not router.sub_routers and all(
        name in GATED and gate_of(router, name) is not None
        for name, observer in router.observers.items()
        if observer.handlers
    )


def _group(run: list[Router]) -> Router:
    parent = LeanRouter(name=f"{run[0].name}..{run[-1].name}")
    for name, observer in parent.observers.items():
        if name == "update":  # routers under the dispatcher never see the raw update
            continue
        gates = [gate_of(r, name) for r in run if r.observers[name].handlers]
        if not gates:
            observer.filter(NothingGate())
        elif name == "message":
            observer.filter(CommandOrStateGate.joined(g for g in gates if isinstance(g, CommandOrStateGate)))
        else:
            observer.filter(CallbackPrefixGate.joined(g for g in gates if isinstance(g, CallbackPrefixGate)))
    parent.include_routers(*run)
    return parent


def group_gated(routers: list[Router]) -> list[Router]:
    """The routers in the same order, with each run of two or more that are all gated (see `_all_gated`)
    under one parent whose gates pass what any of theirs pass; the others as they are."""
    grouped: list[Router] = []
    run: list[Router] = []
    for router in [*routers, None]:
        if router is not None and _all_gated(router):
            run.append(router)
            continue
        grouped.extend([_group(run)] if len(run) > 1 else run)
        run = []
        if router is not None:
            grouped.append(router)
    return grouped
