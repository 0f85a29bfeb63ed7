"""Built FAQ indexes kept on disk: a process that starts on the same content and code loads them instead of
building them (the real FAQ: 1.5 s of CPU per bot, demo, CLI or test process; 0.2 s with loading).

A file is named by a digest of all an index is built from: the view, the language, the entries, and the
source of the FAQ code (a changed tokenizer or weight builds anew), so an old file is never read for new
content. Processes that start together build each index once: the others wait on a lock and then load it.
A file is written under a temporary name and renamed, and one that cannot be read is built anew.

The files are pickles, and loading a pickle runs what it names: the folder must be the bot's own
(`FAQ_INDEX_CACHE`, by default data/cache/faq-index beside the code; empty: off).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.faq.index import LanguageIndex

log = logging.getLogger(__name__)

FORMAT = b"faq-index 1"
FOLDER_VARIABLE = "FAQ_INDEX_CACHE"  # the setting of the folder (Settings.faq_index_cache)
KEEP = 64  # files kept; the least recently written go first (content edited in the console makes new ones)


@functools.lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """The FAQ code's source: what tokenizes, stems and weighs the texts."""
    digest = hashlib.sha256(FORMAT)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.digest()


class NotStored(Exception):
    """An index a load-only store (`IndexStore(..., build=False)`) does not have."""


class IndexStore:
    def __init__(self, folder: Path, *, build: bool = True) -> None:
        self.folder = folder
        self.build = build  # False: load only, and raise NotStored for a missing index
        self.off = False  # the folder could not be made: told once, then only building

    def get(self, key: tuple[object, ...], build: Callable[[], LanguageIndex]) -> LanguageIndex:
        """The index stored under `key` (its repr names all it is built from), built and stored if missing.
        Any trouble with the folder only costs the time of building."""
        if self.off:
            return build()
        name = hashlib.sha256(_code_digest() + repr(key).encode()).hexdigest()[:32]
        path = self.folder / f"{name}.pickle"
        if not self.build:
            index = _load(path)
            if index is None:
                raise NotStored(name)
            return index
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = (self.folder / f"{name}.lock").open("a")
        except OSError as exc:
            log.warning("FAQ index cache off: %s: %s", self.folder, type(exc).__name__)
            self.off = True
            return build()
        with lock:  # one process builds a given index; the others wait here, then load what it stored
            fcntl.flock(lock, fcntl.LOCK_EX)  # (released when the file is closed)
            index = _load(path)
            if index is None:
                index = build()
                self._save(index, path)
        return index

    def _save(self, index: LanguageIndex, path: Path) -> None:
        part: str | None = None
        try:
            handle, part = tempfile.mkstemp(dir=self.folder, suffix=".part")  # readable by this user only
            with os.fdopen(handle, "wb") as file:
                pickle.dump(index, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(part, path)
        except (OSError, pickle.PicklingError) as exc:
            log.warning("FAQ index not cached: %s", type(exc).__name__)
            if part is not None:
                with contextlib.suppress(OSError):
                    os.unlink(part)
            return
        self._prune()

    def _prune(self) -> None:
        files = sorted(self.folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            with contextlib.suppress(OSError):
                old.unlink()
                old.with_suffix(".lock").unlink()


def store_in(folder: Path | None, *, build: bool = True) -> IndexStore | None:
    """The store in the configured folder (Settings.faq_index_cache), or None when it is off."""
    return IndexStore(folder, build=build) if folder else None


def _load(path: Path) -> LanguageIndex | None:
    try:
        with path.open("rb") as file:
            index = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged or foreign file: built anew and replaced
        log.warning("FAQ index cache file unreadable, building anew: %s", type(exc).__name__)
        return None
    return index if isinstance(index, LanguageIndex) else None
