"""Fewer malloc arenas for the bot's process (glibc).

glibc's malloc gives each thread that allocates an arena of its own, up to eight per core, and gives little
of it back. The bot's few threads (the FAQ built at start-up, aiosqlite, DNS lookups, lingua) left about
10 MiB resident that nothing used: bench/bench_load.py measured 185 MiB after 1,000 questions, 180 with
two arenas and 176 with one. The bot's work runs on one event loop, so its threads seldom allocate at the
same time: one arena it is. Set before any thread starts; where the C library is not glibc, nothing changes.
"""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
ARENAS = 1


def limit_arenas(count: int = ARENAS) -> bool:
    """True when malloc took the limit. An operator's MALLOC_ARENA_MAX is left as it is."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_ARENA_MAX, count))
