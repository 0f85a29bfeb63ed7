"""The text lane: a private text message that is no command and comes outside any dialog (a question, most
updates) is offered only to the routers that could take it, in their order; the others are passed by.

aiogram offers every message to each router in turn, and a question met about a dozen routers before the
FAQ's, each with its own filters, about a quarter of a millisecond of CPU in all (bench/bench_update.py's
set-up). Which routers can take such a message is derived once from their filters, the way handlers/gates.py
derives a gate; a router is passed by only when each of its message handlers has a filter that refuses every
such message for sure:

- a command (aiogram's Command: the text's first word starts with its prefix), or a router's gate;
- a dialog state (a StateFilter or State that does not pass outside a dialog);
- a magic filter (F...) that reads only what is the same in every such message (the chat's type, and the
  parts a text message has none of: photo, document, voice...) and refuses a sample of one.

Any other filter (a function, a filter that reads the text or the sender) may take it: its router stays in
the lane. So a new flow is offered these messages unless its filters say otherwise; nothing has to be
declared, and a wrong guess can only keep a router in the lane, never pass one by that could take the message.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.bases import REJECTED, UNHANDLED
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State
from aiogram.types import Message, TelegramObject, Update
from magic_filter import MagicFilter
from magic_filter.operations import (
    CallOperation,
    CombinationOperation,
    ComparatorOperation,
    FunctionOperation,
    GetAttributeOperation,
    GetItemOperation,
    RCombinationOperation,
)

from handlers.gates import CommandOrStateGate, dialog_states

# The parts of a message that every text message lacks (a text message has no caption and no media).
ABSENT_IN_TEXT = frozenset(
    {
        "animation", "audio", "caption", "caption_entities", "contact", "dice", "document", "game",
        "invoice", "location", "media_group_id", "paid_media", "photo", "poll", "sticker", "story", "venue",
        "video", "video_note", "voice",
    }
)  # fmt: skip


@functools.cache
def sample() -> Message:
    """A message of the lane: what a filter that reads only the parts above says of it, it says of every one.
    (Read by Update's validator, as the bot reads messages: Message's own would be another 2 MiB, tests/
    test_ops.py.)"""
    raw = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "?"}
    message = Update.model_validate({"update_id": 0, "message": raw}).message
    assert message is not None
    return message


def _paths(magic: Any) -> set[tuple[str, ...]] | None:
    """The attribute paths of the message a magic filter reads (as far as each is named), or None when it
    reads something this cannot follow."""
    operations = magic._operations
    path: list[str] = []
    for operation in operations:
        if not isinstance(operation, GetAttributeOperation):
            break
        path.append(operation.name)
    if not path:
        return None
    found = {tuple(path)}
    for operation in operations[len(path) :]:
        inner: Iterable[Any]
        if isinstance(operation, GetAttributeOperation | CallOperation | GetItemOperation):
            inner = (*getattr(operation, "args", ()), *getattr(operation, "kwargs", {}).values())
        elif isinstance(operation, ComparatorOperation | CombinationOperation):
            inner = (operation.right,)
        elif isinstance(operation, RCombinationOperation):
            inner = (operation.left,)
        elif isinstance(operation, FunctionOperation):
            inner = (*operation.args, *operation.kwargs.values())
        else:
            return None
        for value in inner:
            if isinstance(value, MagicFilter):
                more = _paths(value)
                if more is None:
                    return None
                found |= more
    return found


def _same_for_all_texts(path: tuple[str, ...]) -> bool:
    return path[0] in ABSENT_IN_TEXT or path[:2] == ("chat", "type") or path == ("content_type",)


def refuses_texts(filter_: Any, prefixes: str) -> bool:
    """Whether a filter (as aiogram keeps it: a FilterObject) refuses every message of the lane."""
    check = filter_.callback
    if isinstance(check, Command):
        return all(p in prefixes for p in check.prefix)
    if isinstance(check, CommandOrStateGate):
        return all(p in prefixes for p in check.prefixes)
    if isinstance(check, StateFilter | State):
        return dialog_states(check) is not None
    magic = filter_.magic
    if magic is None:
        return False
    paths = _paths(magic)
    if paths is None or not all(map(_same_for_all_texts, paths)):
        return False
    try:
        return not magic.resolve(sample())
    except Exception:  # (aiogram would refuse the message then; here it only keeps the router in the lane)
        return False


def may_take_texts(router: Router, prefixes: str) -> bool:
    """Whether the router (or one of its sub-routers) may take a message of the lane."""
    observer = router.observers["message"]
    if any(refuses_texts(f, prefixes) for f in observer._handler.filters or ()):
        return False
    if any(not any(refuses_texts(f, prefixes) for f in h.filters or ()) for h in observer.handlers):
        return True
    return any(may_take_texts(sub, prefixes) for sub in router.sub_routers)


def command_prefixes(router: Router) -> str:
    """aiogram's command prefix "/" and every other one a command filter or gate of the routers reads."""
    found = "/"
    for each in router.chain_tail:
        observer = each.observers["message"]
        for handler in (observer._handler, *observer.handlers):
            for f in handler.filters or ():
                check = f.callback
                prefix = (
                    check.prefix
                    if isinstance(check, Command)
                    else check.prefixes
                    if isinstance(check, CommandOrStateGate)
                    else ""
                )
                found += "".join(p for p in prefix if p not in found)
    return found


class LaneDispatcher(Dispatcher):
    """aiogram's Dispatcher with the text lane (this module's docstring); every other update as aiogram routes
    it."""

    _lane: tuple[int, str, tuple[Router, ...]] | None = None  # (routers counted, prefixes, the lane)

    def text_lane(self) -> tuple[str, tuple[Router, ...]]:
        """The command prefixes and the routers that may take a message of the lane (derived once, again
        when routers were added)."""
        if self._lane is None or self._lane[0] != len(self.sub_routers):
            prefixes = command_prefixes(self)
            lane = tuple(r for r in self.sub_routers if may_take_texts(r, prefixes))
            self._lane = (len(self.sub_routers), prefixes, lane)
        return self._lane[1], self._lane[2]

    def _in_lane(self, event: TelegramObject, prefixes: str, raw_state: str | None) -> bool:
        return (
            isinstance(event, Message)
            and event.chat.type == "private"
            and event.text is not None
            and event.text.lstrip()[:1] not in prefixes
            and raw_state is None
        )

    async def _propagate_event(
        self,
        observer: TelegramEventObserver | None,
        update_type: str,
        event: TelegramObject,
        **kwargs: Any,
    ) -> Any:
        if update_type != "message" or observer is None:
            return await super()._propagate_event(observer, update_type, event, **kwargs)
        prefixes, lane = self.text_lane()
        if not self._in_lane(event, prefixes, kwargs.get("raw_state")):
            return await super()._propagate_event(observer, update_type, event, **kwargs)
        # aiogram's Router._propagate_event, with the lane's routers for its sub-routers
        result, data = await observer.check_root_filters(event, **kwargs)
        if not result:
            return UNHANDLED
        kwargs.update(data)
        response = await observer.trigger(event, **kwargs)
        if response is REJECTED:
            return UNHANDLED
        if response is not UNHANDLED:
            return response
        for router in lane:
            response = await router.propagate_event(update_type=update_type, event=event, **kwargs)
            if response is not UNHANDLED:
                break
        return response
