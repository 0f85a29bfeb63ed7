"""Babel's locale data, with only the parts the bot formats with kept in memory.

Babel loads a language's whole CLDR data the first time any of it is read (the names of every unit,
language, territory, currency and time zone) and keeps it for the life of the process: 1.5 MiB per
language, about 10 MiB for the bot's six, read for the catalogs and the local facts at start-up (issue 18's
memory); and its global data (2 MiB, likely subtags and time zones of every territory) for one small table.
Installed before Babel is first used (bot/__init__.py), `babel.localedata.load` keeps the parts in KEPT and
the global data only the tables asked for; any other part is read from Babel's files the first time it is
asked for, and kept from then on. What Babel returns is unchanged (tests/test_lazy_loading.py compares
dates, lists and catalogs with and without).

Like bot/ops/lazy_types.py, this is wiring: it imports Babel only.
"""

from __future__ import annotations

import os
import pickle
import threading
from typing import Any

import babel.core
from babel import localedata

# What formatting dates, times, lists and numbers and a catalog's plural forms read (babel.dates,
# babel.lists, babel.numbers, babel.messages); a part missing here is loaded when first read.
KEPT = frozenset(
    {
        "date_formats",
        "datetime_formats",
        "datetime_skeletons",
        "day_period_rules",
        "day_periods",
        "days",
        "decimal_formats",
        "default_numbering_system",
        "eras",
        "interval_formats",
        "list_patterns",
        "months",
        "number_symbols",
        "ordinal_form",
        "percent_formats",
        "plural_form",
        "quarters",
        "time_formats",
        "week_data",
        "zone_formats",
    }
)

_original_load = localedata.load
_whole = threading.local()  # set while a part left out is read: every level of the load is kept whole


class LeanLocaleData(dict[str, Any]):
    """A language's locale data with the parts in KEPT; another part is read when first asked for."""

    __slots__ = ("absent", "name")

    def __init__(self, name: str, data: dict[str, Any]) -> None:
        super().__init__((key, value) for key, value in data.items() if key in KEPT)
        self.name = name
        self.absent: set[str] = set()  # parts the language has not: asked again, not read again

    def __missing__(self, key: str) -> Any:
        if key not in self.absent:
            whole = _load_whole(self.name)
            if key in whole:
                value = self[key] = whole[key]
                return value
            self.absent.add(key)
        raise KeyError(key)


def _load_whole(name: str) -> dict[str, Any]:
    """The language's data as Babel builds it (its parents' merged in), past the cache and back."""
    with localedata._cache_lock:
        kept = dict(localedata._cache)
        localedata._cache.clear()
        _whole.on = True
        try:
            return _original_load(name)
        finally:
            _whole.on = False
            localedata._cache.clear()
            localedata._cache.update(kept)


def load(name: os.PathLike[str] | str, merge_inherited: bool = True) -> dict[str, Any]:
    data = _original_load(name, merge_inherited)
    if isinstance(data, LeanLocaleData) or not merge_inherited or getattr(_whole, "on", False):
        return data
    key = os.path.basename(name)
    lean = LeanLocaleData(key, data)
    with localedata._cache_lock:
        if localedata._cache.get(key) is data:
            localedata._cache[key] = lean
    return lean


class LeanGlobalData(dict[str, Any]):
    """Babel's global data (`babel.core.get_global`), each table read from its file when first asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.absent: set[str] = set()  # tables the file has not: asked again, not read again

    def get(self, key: str, default: Any = None) -> Any:  # (get_global asks with .get)
        if key not in self:
            whole = {} if key in self.absent else _read_global()
            if key not in whole:
                self.absent.add(key)
                return default
            self[key] = whole[key]
        return self[key]


def _read_global() -> dict[str, Any]:
    with open(os.path.join(os.path.dirname(babel.core.__file__), "global.dat"), "rb") as file:
        return dict(pickle.load(file))


def keep_only_used_locale_data() -> None:
    """Install (again: no change). Before Babel's data is first read."""
    localedata.load = load  # Babel's own recursive load (a language's parents) comes here too
    if babel.core._global_data is None:
        babel.core._global_data = LeanGlobalData()
