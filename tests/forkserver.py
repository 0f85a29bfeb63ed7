"""`python -m bot ...` for the tests, forked from a process that has imported the bot once.

Every `python -m bot run` (or `demo`, `restore` ...) spends about 2 s of CPU importing aiogram, SQLAlchemy
and the bot before it does anything, and the suite starts about thirty of them. The test run starts this
server once (tests/conftest.py); it imports what those commands import, and forks a child for each command
asked of it. A child is the same program as `python -m bot <args>`: a process of its own, with the
environment, working directory, stdin, stdout and stderr it was given, running `bot.cli.main(<args>)`, and an
exit status (negative: the signal that ended it, as subprocess reports it). Only the imports were done
before the fork. Tests about the start-up itself (a wrong configuration told in one line, what is imported
lazily) start a fresh interpreter.

The protocol, on a Unix SOCK_SEQPACKET socket (one message each, no framing): the client sends a JSON
request {"argv", "env", "cwd"} with its stdin, stdout and stderr as file descriptors; the server answers
{"pid"} and, on the same connection, {"returncode"} when the child has ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
SOCKET_ENV = "TEST_FORK_SERVER"  # the socket's path, for the test workers
MAX_MESSAGE = 1 << 20


# --- the server ----------------------------------------------------------------------------------------


def _preload() -> None:
    """What `python -m bot run`, `demo`, `backup` and `restore` import (nothing is started or configured)."""
    import bot.app
    import bot.cli
    import bot.demo
    import bot.faq.service
    import bot.ops.cli
    import bot.wiring  # noqa: F401


def _child(request: dict[str, Any], fds: list[int]) -> int:
    """In the forked child: become `python -m bot <argv>` and run it; its exit code."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    # As a fresh interpreter starts: SIGPIPE and SIGXFSZ ignored (a write to a socket the peer closed raises
    # BrokenPipeError; with SIGPIPE's default a PostgreSQL restart killed a test's bot), SIGINT raises
    # KeyboardInterrupt, the others as the system has them.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_IGN)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [str(ROOT / "bot" / "__main__.py"), *request["argv"]]
    from bot.cli import main

    try:
        return main(list(request["argv"]))
    except SystemExit as exc:  # argparse, and anything else that exits, as the interpreter treats it
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1


def serve(path: str) -> int:
    """Accept requests until stdin closes (the test run ended); in a child, its exit code."""
    _preload()
    gc.collect()
    gc.freeze()  # the imported modules stay shared with every child, unwritten
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path + ".tmp")
    os.replace(path + ".tmp", path)  # a client connects only once everything is imported
    listener.listen(64)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, connection)
    while True:
        for key, _ in selector.select():
            if key.data == "stdin":
                if not os.read(sys.stdin.fileno(), 4096):
                    return 0
            elif key.data == "accept":
                conn, _ = listener.accept()
                message, fds, _flags, _addr = socket.recv_fds(conn, MAX_MESSAGE, 3)
                request = json.loads(message)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    listener.close()
                    for _pid, other in children.values():
                        other.close()
                    conn.close()
                    return _child(request, fds)
                for fd in fds:
                    os.close(fd)
                pidfd = os.pidfd_open(pid)
                children[pidfd] = (pid, conn)
                selector.register(pidfd, selectors.EVENT_READ, "child")
                with contextlib.suppress(OSError):
                    conn.send(json.dumps({"pid": pid}).encode())
            else:  # a child ended
                pidfd = key.fd
                selector.unregister(pidfd)
                pid, conn = children.pop(pidfd)
                os.close(pidfd)
                _, status = os.waitpid(pid, 0)
                with contextlib.suppress(OSError):
                    conn.send(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}).encode())
                conn.close()


# --- the run's server (started by the test controller) ---------------------------------------------------


class ForkServer:
    """The server process of this test run, and its socket."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="hnb-forkserver-"))
        self.path = str(self.folder / "socket")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.forkserver", self.path], cwd=ROOT, stdin=subprocess.PIPE
        )

    def stop(self) -> None:
        assert self.process.stdin is not None
        if not os.path.exists(self.path):  # still importing: nothing was asked of it
            self.process.kill()
        self.process.stdin.close()  # it ends by itself; its children are the tests' to end
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        for leftover in self.folder.iterdir():
            leftover.unlink()
        self.folder.rmdir()


def _connect(timeout: float = 60.0) -> socket.socket:
    path = os.environ[SOCKET_ENV]
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            sock.connect(path)
            return sock
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the fork server at {path} did not start within {timeout:.0f} s"
                ) from None
            time.sleep(0.05)  # it is still importing


def available() -> bool:
    return SOCKET_ENV in os.environ


def _spawn(args: list[str], env: dict[str, str], cwd: Path, stdio: list[int]) -> tuple[int, socket.socket]:
    sock = _connect()
    request = {"argv": list(args), "env": dict(env), "cwd": str(cwd)}
    socket.send_fds(sock, [json.dumps(request).encode()], stdio)
    answer = json.loads(sock.recv(MAX_MESSAGE))
    return int(answer["pid"]), sock


class ForkedProcess:
    """A child of the fork server, as asyncio.subprocess.Process (and subprocess.Popen's poll and wait):
    pid, returncode (None while it runs), wait, signals."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid = pid
        self._sock = sock
        self._code: int | None = None

    @property
    def returncode(self) -> int | None:
        return self.poll()

    def _ended(self, message: bytes) -> int:
        if not message:
            raise RuntimeError("the fork server went away before its child ended")
        self._code = int(json.loads(message)["returncode"])
        self._sock.close()
        return self._code

    async def wait(self) -> int:
        if self._code is None:
            self._sock.setblocking(False)
            return self._ended(await asyncio.get_running_loop().sock_recv(self._sock, MAX_MESSAGE))
        return self._code

    def poll(self) -> int | None:
        if self._code is None:
            self._sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                return self._ended(self._sock.recv(MAX_MESSAGE))
        return self._code

    def wait_blocking(self, timeout: float | None = None) -> int:
        """As subprocess.Popen.wait: the exit code, or subprocess.TimeoutExpired."""
        if self._code is None:
            self._sock.settimeout(timeout)
            try:
                return self._ended(self._sock.recv(MAX_MESSAGE))
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"python -m bot (pid {self.pid})", timeout or 0) from None
        return self._code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start_bot_blocking(args: list[str], env: dict[str, str], cwd: Path, output: IO[bytes]) -> ForkedProcess:
    """`python -m bot <args>` with stdout and stderr to `output`, stdin from /dev/null."""
    with open(os.devnull, "rb") as null:
        pid, sock = _spawn(args, env, cwd, [null.fileno(), output.fileno(), output.fileno()])
    return ForkedProcess(pid, sock)


async def start_bot(args: list[str], env: dict[str, str], cwd: Path, output: IO[bytes]) -> ForkedProcess:
    """start_bot_blocking, off the event loop (connecting may wait while the server still imports)."""
    return await asyncio.to_thread(start_bot_blocking, args, env, cwd, output)


def run_bot(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """As subprocess.run([python, -m, bot, *args], capture_output=True, text=True)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, open(os.devnull, "rb") as null:
        pid, sock = _spawn(args, env, cwd, [null.fileno(), out.fileno(), err.fileno()])
        child = ForkedProcess(pid, sock)
        try:
            code = child.wait_blocking(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait_blocking()
            raise
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            [sys.executable, "-m", "bot", *args], code, out.read().decode(), err.read().decode()
        )


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1]))
