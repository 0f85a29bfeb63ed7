"""bot/ops/malloc.py: the arena limit is taken by glibc, and an operator's own setting is left alone."""

from __future__ import annotations

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
