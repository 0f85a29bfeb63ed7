"""aiogram's types build their validators when first used, not all at import, and set up their bot in one
call per object.

`aiogram.types` ends by calling `model_rebuild` on each of its ~300 classes with one namespace (the types
themselves), which builds a pydantic validator and serializer for every Telegram type, used or not: 40 MiB
of resident memory and 1.3 s of CPU in every process that imports aiogram (measured with pydantic 2.13,
aiogram 3.28). aiogram already declares its types `defer_build`; that one loop undoes it. Installed before
aiogram is imported (bot/__init__.py, handlers/__init__.py), this records the namespace instead, and a class
is built the first time it validates or serializes (pydantic's own deferred path), with that namespace.
Validation is unchanged: the same schema, built later.

Every aiogram object (an update, a message, a button, a method call) keeps the bot it belongs to in a private
attribute, set in `model_post_init`. pydantic wraps that method once per class level with private attributes,
and each wrapper sets the private attributes up from their declarations first: three to five Python calls
per object, half of what building a button costs (5.0 -> 2.4 µs), and an answer builds and reads about fifty
such objects. `flat_bot_context` gives those classes one method with the same outcome.

The deferral imports pydantic only, never aiogram, so that it can run first. Like bot/app.py, this is wiring.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any

import pydantic

_AIOGRAM_NAMESPACE: dict[str, Any] = {}  # the names aiogram.types gives its forward references
_original_rebuild = pydantic.BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]


def _model_rebuild(
    cls: type[pydantic.BaseModel],
    *,
    force: bool = False,
    raise_errors: bool = True,
    _parent_namespace_depth: int = 2,
    _types_namespace: dict[str, Any] | None = None,
) -> bool | None:
    if cls.__module__.startswith("aiogram."):
        if _types_namespace is not None and not force:  # aiogram.types' loop at import: only remember
            _AIOGRAM_NAMESPACE.update(_types_namespace)
            _quick_names(sys.modules.get("aiogram.types"))
            return None
        if _types_namespace is None:  # pydantic's deferred build at first use, or a nested class
            _types_namespace = _AIOGRAM_NAMESPACE or None
    return _original_rebuild(
        cls,
        force=force,
        raise_errors=raise_errors,
        _parent_namespace_depth=_parent_namespace_depth + 1,  # this frame is one more
        _types_namespace=_types_namespace,
    )


class _Names(tuple[str, ...]):
    """A module's `__all__` whose `in` is a set lookup."""

    names: frozenset[str]

    def __new__(cls, names: tuple[str, ...]) -> _Names:
        self = super().__new__(cls, names)
        self.names = frozenset(names)
        return self

    def __contains__(self, name: object) -> bool:
        return name in self.names


def _quick_names(module: Any) -> None:
    """The loop builds its namespace for each class anew, `{k: v for k, v in globals().items() if k in
    __all__}`: ~700 names, each looked for in a tuple of ~330, ~300 times. That was 0.45 s of CPU in every
    process, more than a quarter of importing the bot (measured). With `__all__` answering `in` from a set
    (still the same tuple to anyone who reads it) it takes a few milliseconds; only the first class's
    namespace is built the slow way."""
    names = getattr(module, "__all__", None)
    if type(names) is tuple:
        module.__all__ = _Names(names)


def defer_aiogram_validators() -> None:
    """Install the deferral (idempotent). Has no effect on classes already built."""
    if getattr(pydantic.BaseModel.model_rebuild, "__func__", None) is not _model_rebuild:
        pydantic.BaseModel.model_rebuild = classmethod(_model_rebuild)  # type: ignore[method-assign,assignment]


def _bot_from_context(self: Any, context: Any, /) -> None:
    """aiogram's `BotContextController.model_post_init` after pydantic's set-up of the private attributes, in
    one step: `_bot` is the only one and has no default, so they leave exactly this."""
    object.__setattr__(self, "__pydantic_private__", {"_bot": context.get("bot") if context else None})


def flat_bot_context() -> int:
    """Give every aiogram class whose post-init is pydantic's wrapping of aiogram's own (and whose only private
    attribute is `_bot`) the one-step `_bot_from_context`; how many were changed. Idempotent; a class made
    later keeps pydantic's way, which gives the same result."""
    for module in ("aiogram.types", "aiogram.methods"):  # every class exists before the walk
        importlib.import_module(module)
    from aiogram.client.context_controller import BotContextController

    # aiogram's own post-init, inside pydantic's wrapper
    own = inspect.unwrap(BotContextController.__dict__["model_post_init"])
    changed = 0
    todo: list[type[Any]] = [BotContextController]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        current = cls.__dict__.get("model_post_init")
        if current is None or current is _bot_from_context or inspect.unwrap(current) is not own:
            continue
        if set(cls.__private_attributes__) != {"_bot"}:
            continue
        cls.model_post_init = _bot_from_context
        changed += 1
    return changed
