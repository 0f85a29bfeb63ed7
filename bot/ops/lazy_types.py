"""aiogram's types build their validators when first used, not all at import.

`aiogram.types` ends by calling `model_rebuild` on each of its ~300 classes with one namespace (the types
themselves), which builds a pydantic validator and serializer for every Telegram type, used or not: 40 MiB
of resident memory and 1.3 s of CPU in every process that imports aiogram (measured with pydantic 2.13,
aiogram 3.28). aiogram already declares its types `defer_build`; that one loop undoes it. Installed before
aiogram is imported (bot/__init__.py, handlers/__init__.py), this records the namespace instead, and a class
is built the first time it validates or serializes (pydantic's own deferred path), with that namespace.
Validation is unchanged: the same schema, built later.

It imports pydantic only, never aiogram, so that it can run first. Like bot/app.py, this is wiring.
"""

from __future__ import annotations

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
