"""Helpers for the operation tests: real bot processes, a private Redis and a private PostgreSQL, a webhook
round-robin proxy, Prometheus text parsing. (Used by tests/test_ops*.py and tests/e2e/test_*.)"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import SUPPORTED_LANGUAGES
from tests import forkserver
from tests.conftest import PG_URL, free_port

# One question per language that the FAQ answers with confidence (fault and multi-process tests).
LANGS = SUPPORTED_LANGUAGES
QUESTIONS = {
    "de": "Wo kann ich einen Deutschkurs machen?",
    "ar": "أين يمكنني أن أتعلم اللغة الألمانية؟",
    "fa": "کجا می‌توانم کلاس زبان آلمانی بروم؟",
    "uk": "Де можна вивчати німецьку мову?",
    "en": "Where can I learn German?",
    "ru": "Где можно выучить немецкий язык?",
}

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


async def wait_for(condition: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise TimeoutError(f"{what} not within {timeout} s")
        await asyncio.sleep(interval)


# --- databases on the shared server -------------------------------------------------------------------


def pg_url_for(database: str, base: str = PG_URL) -> str:
    return f"{base.rsplit('/', 1)[0]}/{database}"


async def create_database(base: str = PG_URL) -> str:
    """A fresh database of its own (subprocesses cannot be given a search_path), returns its URL."""
    name = f"hnb_t_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await admin.dispose()
    return pg_url_for(name, base)


async def drop_database(url: str, base: str = PG_URL) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


# --- a private Redis ------------------------------------------------------------------------------------


class PrivateRedis:
    """redis-server of our own on a free port: killing it hurts nobody else's tests."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    async def start(self) -> PrivateRedis:
        self.proc = await asyncio.create_subprocess_exec(
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await wait_for(lambda: port_open(self.port), 10, f"redis-server on port {self.port}")
        return self

    async def stop(self) -> None:
        """Kill it (SIGKILL: Redis is simply gone, as after a crash)."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        self.proc = None


# --- a private PostgreSQL cluster ----------------------------------------------------------------------


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb into a temp dir, pg_ctl on a free port, as user postgres), so a
    test may restart it without disturbing anybody using the shared server."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="hnb-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.bin = PG_BIN[-1] if PG_BIN else None

    @staticmethod
    def unavailable_reason() -> str | None:
        if not PG_BIN:
            return "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (initdb, pg_ctl)"
        if shutil.which("runuser") is None:
            return "runuser is missing (needed to run initdb as the postgres user)"
        if os.geteuid() != 0:
            return "a private PostgreSQL cluster needs root (to run it as the postgres user)"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "no postgres system user"
        return None

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert self.bin is not None
        command = ["runuser", "-u", "postgres", "--", str(self.bin / args[0]), *args[1:]]
        # no pipes: a server started by pg_ctl would inherit them and keep them open
        return subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, timeout=120, check=False
        )

    def init(self) -> None:
        shutil.chown(self.dir, "postgres")
        result = self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "-N"
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed (exit {result.returncode})")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} -c fsync=off"
        )
        result = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start"
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {self.log.read_text()[-500:]}")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        result = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "60", "restart"
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl restart failed: {self.log.read_text()[-500:]}")

    def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- Prometheus text ----------------------------------------------------------------------------------

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        labels = frozenset(_LABEL.findall(match.group(3) or ""))
        samples[(match.group(1), labels)] = float(match.group(4))
    return samples


def metric(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


# --- a real bot process ----------------------------------------------------------------------------------


@dataclass
class BotProcess:
    """`python -m bot run` in a subprocess (JSON logs to a file)."""

    name: str
    env: dict[str, str]
    log: Path
    port: int  # where /healthz and /metrics answer (webhook port or METRICS_PORT)
    proc: asyncio.subprocess.Process | forkserver.ForkedProcess | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    async def start(self) -> BotProcess:
        handle = self.log.open("ab")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BOT_", "WEBHOOK_", "REDIS_", "DATABASE_"))
        }
        env.update(self.env)
        try:
            if forkserver.available():  # the test run's: the same program, without 2 s of imports
                self.proc = await forkserver.start_bot(["run"], env, ROOT, handle)
            else:  # a benchmark: a whole new interpreter, as in production
                self.proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", cwd=str(ROOT), env=env, stdout=handle, stderr=handle
                )
        finally:
            handle.close()
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def get(self, path: str, timeout: float = 5.0) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http,
            http.get(self.base + path) as resp,
        ):
            return resp.status, await resp.text()

    async def health(self) -> tuple[int, dict[str, Any]]:
        import json

        status, body = await self.get("/healthz")
        return status, json.loads(body)

    async def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        status, body = await self.get("/metrics")
        assert status == 200, body
        return parse_metrics(body)

    async def wait_healthy(self, timeout: float = 90.0) -> dict[str, Any]:
        async def ok() -> dict[str, Any] | None:
            if self.proc is not None and self.proc.returncode is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.tail()}")
            try:
                status, body = await self.health()
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError):
                return None
            return body if status == 200 else None

        return await wait_for(ok, timeout, f"{self.name} healthy", interval=0.25)  # type: ignore[no-any-return]

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()

    async def stop(self, timeout: float = 20.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode


# --- a round-robin webhook proxy -------------------------------------------------------------------------


class RoundRobinProxy:
    """The one webhook URL in front of several bot processes, alternating between them.

    Every `fail_every`-th update is forwarded and then answered 502, as if the answer had been lost: the
    emulator (like Telegram) sends it again, and the next backend gets the same update a second time.
    """

    def __init__(self, backends: list[int], path: str, fail_every: int = 0) -> None:
        self.backends = backends
        self.path = path
        self.fail_every = fail_every
        self.port = free_port()
        self.forwarded: list[tuple[int, int]] = []  # (backend port, HTTP status)
        self.failed_on_purpose = 0
        self._next = 0
        self._seen = 0
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {
            k: v for k, v in request.headers.items() if k.lower().startswith(("content-type", "x-telegram"))
        }
        backend = self.backends[self._next % len(self.backends)]
        self._next += 1
        assert self._http is not None
        try:
            async with self._http.post(
                f"http://127.0.0.1:{backend}{self.path}", data=body, headers=headers
            ) as resp:
                status = resp.status
                payload = await resp.read()
        except (aiohttp.ClientError, OSError, TimeoutError):
            self.forwarded.append((backend, 599))
            return web.Response(status=502)
        self.forwarded.append((backend, status))
        self._seen += 1
        if self.fail_every and self._seen % self.fail_every == 0 and status == 200:
            self.failed_on_purpose += 1
            return web.Response(status=502)
        return web.Response(status=status, body=payload, content_type="application/json")

    async def start(self) -> RoundRobinProxy:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_post(self.path, self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()


@contextlib.asynccontextmanager
async def bot_processes(procs: list[BotProcess]) -> AsyncIterator[list[BotProcess]]:
    try:
        for proc in procs:
            await proc.start()
        yield procs
    finally:
        for proc in procs:
            await proc.stop()


def deadline(seconds: float) -> float:
    return time.monotonic() + seconds
