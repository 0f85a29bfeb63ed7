"""bot/ops/malloc.py: the arena limit is taken by glibc, and an operator's own setting is left alone."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = "from bot.ops.malloc import limit_arenas; print(limit_arenas())"


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the limit is glibc's")
def test_glibc_takes_the_arena_limit() -> None:
    assert _probe() == "True"


def test_an_operators_malloc_setting_wins() -> None:
    assert _probe(MALLOC_ARENA_MAX="4") == "False"


def test_after_start_up_the_collector_leaves_what_lives_for_ever_and_waits_longer() -> None:
    """freeze_start_up (bot/cli.py, bot/demo.py): what is alive goes out of the collector's sight, and the
    young generation is collected at GC_THRESHOLDS, not Python's default (fresh interpreter: the tests'
    own collector is left as it is)."""
    probe = (
        "import gc, json; from bot.ops.malloc import GC_THRESHOLDS, freeze_start_up; "
        "before = gc.get_threshold(); kept = [[i] for i in range(1000)]; freeze_start_up(); "
        "print(json.dumps([before, gc.get_threshold(), list(GC_THRESHOLDS), gc.get_freeze_count()]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    before, after, wanted, frozen = json.loads(done.stdout)
    assert after == wanted != before
    assert frozen >= 1000
