"""The tests' fork server (tests/forkserver.py) runs `python -m bot` as a fresh interpreter does: the same
output, exit code, environment and working directory, and an exit status that tells a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests import forkserver
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_a_wrong_command_is_told_as_by_a_fresh_interpreter(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}"}
    args = ["restore", str(tmp_path / "missing.jsonl.gz")]
    fresh = subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    forked = forkserver.run_bot(args, env, ROOT)
    assert fresh.returncode != 0 and fresh.stderr.strip()
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)


async def test_a_child_has_its_own_environment_and_a_kill_is_its_exit_status(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    env = {"PATH": os.environ.get("PATH", ""), "BOT_TOKEN": "1:x", "DATABASE_URL": "nonsense://"}
    with log.open("wb") as out:
        ended = await forkserver.start_bot(["run"], env, tmp_path, out)
    assert await ended.wait() == 2  # the configuration, read from this environment only, is refused
    assert "DATABASE_URL" in log.read_text()

    with log.open("wb") as out:
        database = str(tmp_path / "demo.sqlite3")
        demo = await forkserver.start_bot(
            ["demo", "--port", str(free_port()), "--database", database], env, ROOT, out
        )
    assert demo.returncode is None
    await asyncio.sleep(1.0)  # (its signals are set right after the fork)
    fresh = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(30)")
    try:
        await asyncio.sleep(0.5)
        # The signals a process ignores, as a fresh interpreter sets them: SIGPIPE above all (a write to a
        # socket the peer closed raises BrokenPipeError instead of ending the process).
        # (SIGINT aside: a shell starts its background jobs with SIGINT ignored, and a fresh interpreter keeps
        # that, while the fork server's child takes Ctrl+C as Python does; seen when the suite ran in the
        # background)
        sigint = 1 << (signal.SIGINT - 1)
        assert ignored_signals(demo.pid) | sigint == ignored_signals(fresh.pid) | sigint
        assert ignored_signals(demo.pid) & (1 << (signal.SIGPIPE - 1))
    finally:
        fresh.kill()
        await fresh.wait()
    demo.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(demo.wait(), 30) == -signal.SIGKILL


def ignored_signals(pid: int) -> int:
    """The process's mask of ignored signals (bit n - 1 for signal n), from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16)
