"""The feature strings of a FAQ index and their numbers, kept compact (bot/faq/index.py)."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from functools import partial
from itertools import accumulate

try:
    from bot.faq._postings import fill_feature_slots, find_feature

    COMPILED = True
except ImportError:  # built without a C compiler (setup.py): a dict made from the bytes
    COMPILED = False


class FeatureTable:
    """The index's feature strings and their numbers (feature f is the f-th name given), looked up as a
    dict[str, int] is. Kept as UTF-8 in one bytes object with its offsets, and found through a hash table of
    numbers in bot/faq/_postings.c: the ten indexes of the real FAQ name 125,000 features, which as dicts of
    str held 9.2 MiB (89,000 different strings, the dicts and the ints) of the bot's 150 MiB budget (issue
    18), and hold 2.6 MiB so (10.5 MiB less resident once the FAQ is loaded). Where the C part was not
    built, a dict is made from the bytes."""

    __slots__ = ("blob", "get", "offsets", "slots")

    def __init__(self, names: Iterable[str]) -> None:
        encoded = [name.encode() for name in names]
        self._keep(b"".join(encoded), array("I", accumulate(map(len, encoded), initial=0)))

    def _keep(self, blob: bytes, offsets: array[int]) -> None:
        self.blob, self.offsets = blob, offsets
        count = len(offsets) - 1
        # `get` (a name's number, or None) is a C call, not a method: matching asks it often
        self.get: Callable[[str], int | None]
        if COMPILED:
            size = 8
            while size < 2 * count:  # (at most half full: a missing name ends its probe soon)
                size *= 2
            self.slots = array("I", bytes(4 * size))
            fill_feature_slots(blob, offsets, self.slots)
            self.get = partial(find_feature, blob, offsets, self.slots)
        else:
            self.slots = array("I")
            self.get = {blob[offsets[f] : offsets[f + 1]].decode(): f for f in range(count)}.get

    def __getstate__(self) -> tuple[bytes, array[int]]:
        return self.blob, self.offsets  # (the slots are made again when loaded: a few milliseconds)

    def __setstate__(self, state: tuple[bytes, array[int]]) -> None:
        self._keep(*state)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None
