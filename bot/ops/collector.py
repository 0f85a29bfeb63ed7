"""The garbage collector of a running bot: what lives for ever out of its sight, and fewer collections.

After start-up (the FAQ index and the language models loaded) everything alive is frozen: full collections
walking it stalled replies under load (bench/bench_load.py: p99 at 200 questions/s).

Then the young generation is collected every YOUNG allocations instead of Python's 700. Under load a hundred
updates are in hand, each for a few hundred milliseconds; every young collection found their objects alive and
moved them on, and the older generations were walked again and again for nothing. Logged in the bot during
bench/bench_load.py (7 December 2026, Python's thresholds): in the 10-second closed loop about 1,400 young,
130 middle and 12 full collections (20,000-45,000 objects each), 0.9 s of the bot's 8.6 s of CPU; in the whole
run they freed some 700 objects (the bot makes few reference cycles: reference counting frees the rest at
once). With YOUNG at 10,000 the middle and full ones nearly vanished (0.09 s in the whole run). 50,000 rather
than 10,000: one bot process switching between them every 2 seconds under the same load (so that the VM's
drifting speed hits each alike) spent 2.31 against 2.45 ms of CPU per update on PostgreSQL (700: 2.71), 3.02
against 3.23 on SQLite (700: 3.35).

Python counts allocations less deallocations, so in a steady state (as many objects freed as made) the young
generation seldom fills: in one PostgreSQL run of bench/bench_load.py with YOUNG at 50,000 the bot made one
young collection (24 ms) and one full one, at exit. A reference cycle is still collected, once 50,000 more
objects are alive than at the last collection: that bounds the garbage left waiting. Resident memory after
1,000 questions (bench/bench_load.py, PostgreSQL): 149.8-150.0 MiB in four runs, against 149.5-149.7 in six
with Python's thresholds; a full collection at that point gave nothing back.

Each collection's pause goes to /metrics (hnb_gc_pause_seconds): a middle collection comes only after ten
young ones and walks all that was moved on since, so a bot whose caches fill over weeks may see one long pause
now and then instead of many short ones.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from bot.ops import metrics

YOUNG = 50_000  # objects made, less those freed, before a young collection (Python's default: 700)


def settle_after_start() -> None:
    """Call once the long-lived parts are loaded, before the first update."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
    if _time_collection not in gc.callbacks:
        gc.callbacks.append(_time_collection)


_started = 0.0


def _time_collection(phase: str, info: dict[str, Any]) -> None:
    """Each collection's pause into hnb_gc_pause_seconds: rare, and a long one is worth seeing."""
    global _started
    if phase == "start":
        _started = time.perf_counter()
    else:
        metrics.GC_PAUSES[info["generation"]].observe(time.perf_counter() - _started)
