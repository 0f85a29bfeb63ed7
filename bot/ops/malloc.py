"""Fewer malloc arenas for the bot's process (glibc), and the garbage collector set for a long-running bot.

glibc's malloc gives each thread that allocates an arena of its own, up to eight per core, and gives little
of it back. The bot's few threads (the FAQ built at start-up, aiosqlite, DNS lookups, lingua) left about
10 MiB resident that nothing used: bench/bench_load.py measured 185 MiB after 1,000 questions, 180 with
two arenas and 176 with one. The bot's work runs on one event loop, so its threads seldom allocate at the
same time: one arena it is. Set before any thread starts; where the C library is not glibc, nothing changes.

After start-up (`freeze_start_up`), what lives for ever goes out of the collector's sight, and the young
generation is collected less often: see GC_THRESHOLDS.
"""

from __future__ import annotations

import ctypes
import gc
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


# The collector's thresholds after start-up (Python's default: 700, 10, 10). An update allocates thousands of
# objects, and with a hundred updates in hand many of them are alive at each young collection: they were
# promoted, and the older generations collected again and again. Measured with bench/bench_load.py (one
# process, PostgreSQL, about 9,500 questions): 1.2 s of collections, 14 of them full ones of 15-33 ms each
# (every question waits meanwhile); 0.5 s and one full collection with these, for 0.1 MiB more resident
# after 1,000 questions (the young garbage waits a little longer).
GC_THRESHOLDS = (5000, 20, 20)


def freeze_start_up() -> None:
    """After start-up: everything alive now (the FAQ index, the language models, which live for ever) out
    of the collector's sight, so that no full collection walks it again, and GC_THRESHOLDS from now on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
