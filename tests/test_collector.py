"""bot/ops/collector.py: after start-up what is alive is frozen, young collections come every YOUNG
allocations, and reference cycles made later are still collected without anyone asking."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# In a process of its own: the test runner's collector is left as it is.
PROBE = """
import gc, weakref
from bot.ops import metrics
from bot.ops.collector import YOUNG, settle_after_start

class Node:
    pass

settle_after_start()
node = Node()
node.me = node  # a cycle: only the collector frees it
gone = weakref.ref(node)
del node
kept = [[] for _ in range(10_000)]  # enough for Python's own threshold (700), not for ours
alive_early = gone() is not None
kept += [[] for _ in range(2 * YOUNG)]
young_paused = metrics.value("hnb_gc_pause_seconds_count", generation="0") >= 1
print(gc.get_threshold()[0] == YOUNG, gc.get_freeze_count() > 0, alive_early, gone() is None, young_paused)
"""


def test_after_start_the_young_generation_waits_longer_and_cycles_are_still_collected() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    threshold_set, frozen, alive_early, collected, timed = done.stdout.split()
    assert threshold_set == "True"
    assert frozen == "True"  # what start-up loaded is out of the collector's sight
    assert alive_early == "True"  # not collected after 10,000 allocations: the threshold is in force
    assert collected == "True"  # collected once the young generation was full, with no gc.collect()
    assert timed == "True"  # that collection's pause is in /metrics (hnb_gc_pause_seconds)
