"""The house's rules, read from the code's own imports (docs/architecture.md):

- storage/ imports neither bot/, handlers/, emulator/ nor aiogram;
- services in bot/ import neither aiogram nor handlers/ (only the application shell does);
- handlers/ never import storage models or SQL, and never commit: the middleware owns the unit of work;
- handlers/<capability>/ never imports another capability's handlers;
- the emulator stands in for Telegram: it imports nothing of the bot;
- the web console (console/) calls bot/ services: never aiogram, handlers/, storage/ or the emulator, and
  its pages never commit or run SQL (console/web.py, the request helper, owns the commit); no service
  imports the console (only the shell mounts it);
- no import cycles between modules, and size limits that keep files readable.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage", "emulator", "console")
# The application shell: it puts the parts together, so it may import aiogram and handlers/.
SHELL = {
    "bot.app",
    "bot.wiring",
    "bot.cli",
    "bot.demo",
    "bot.__main__",
    "bot.ops.telegram",  # aiogram's request middleware: retries and response types
    "bot.ops.polling",  # aiogram's long polling, confirming an update once handled
    "bot.ops.redis",  # aiogram's FSM storage with a degraded mode
    "bot.ops.isolation",  # aiogram's event isolation within one process (no Redis)
    "bot.ops.lazy_types",  # aiogram's types: validators built at first use, each object's bot set in one call
}
# Handlers shared by every capability (not a capability themselves).
HANDLER_COMMONS = (
    "handlers.kit",
    "handlers.menu",
    "handlers.callbacks",
    "handlers.middlewares",
    "handlers.when",  # asking for a date and time: /broadcast, /newevent, /assign
    "handlers.gates",  # the routing of all flows, derived from their filters
    "handlers.lanes",
)
MAX_LINES = {"handlers": 400, "bot": 600, "storage": 600, "emulator": 600, "console": 600}


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def imports(name: str, path: Path) -> set[str]:
    """Absolute names of every module imported anywhere in the file (also inside functions)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


ALL = dict(modules())


@functools.cache
def all_imports() -> dict[str, set[str]]:
    """Each module's imports, parsed when a test first asks (not while every worker collects: 1.5 s each)."""
    return {name: imports(name, path) for name, path in ALL.items()}


def under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def broken_rules(name: str, imported: set[str]) -> list[str]:
    problems = []
    for target in sorted(imported):
        if under(name, "storage") and under(target, "bot", "handlers", "emulator", "aiogram"):
            problems.append(f"{name} (storage) imports {target}")
        if under(name, "bot") and name not in SHELL and under(target, "aiogram", "handlers", "emulator"):
            problems.append(f"{name} (a service) imports {target}")
        if under(name, "handlers") and under(target, "storage.models", "sqlalchemy.sql", "sqlalchemy.orm"):
            problems.append(f"{name} (a handler) imports {target}")
        if under(name, "handlers") and target in (
            "sqlalchemy.select",
            "sqlalchemy.update",
            "sqlalchemy.delete",
        ):
            problems.append(f"{name} (a handler) writes SQL with {target}")
        if under(name, "emulator") and under(target, "bot", "handlers", "storage", "console"):
            problems.append(f"{name} (the emulator) imports {target}")
        if under(name, "console") and under(target, "aiogram", "handlers", "storage", "emulator"):
            problems.append(f"{name} (the console) imports {target}")
        if under(name, "bot") and name not in SHELL and under(target, "console"):
            problems.append(f"{name} (a service) imports the console: {target}")
        page_sql = under(target, "sqlalchemy.sql", "sqlalchemy.orm") or target in (
            "sqlalchemy.select",
            "sqlalchemy.update",
            "sqlalchemy.delete",
        )
        if under(name, "console.pages") and page_sql:
            problems.append(f"{name} (a console page) writes SQL with {target}")
        if under(name, "handlers") and under(target, "handlers") and target.count(".") >= 1:
            mine, theirs = name.split(".")[:2], target.split(".")[:2]
            shared = under(target, *HANDLER_COMMONS) or under(name, *HANDLER_COMMONS)
            if not shared and len(mine) == 2 and mine[1] != theirs[1]:
                problems.append(f"{name} imports another capability's handlers: {target}")
    return problems


def test_every_import_keeps_to_the_layers() -> None:
    problems = [p for name, imported in all_imports().items() for p in broken_rules(name, imported)]
    assert problems == []


def test_the_rule_check_catches_what_it_should() -> None:
    """The check itself can fail: each forbidden import is reported."""
    assert broken_rules("storage.repositories.users", {"bot.users"})
    assert broken_rules("bot.booking.services", {"aiogram.types"})
    assert broken_rules("handlers.booking.book", {"storage.models"})
    assert broken_rules("handlers.booking.book", {"handlers.faq.views"})
    assert broken_rules("emulator.server", {"bot.config"})
    assert broken_rules("console.pages.faq", {"storage.models"})
    assert broken_rules("console.web", {"aiogram.types"})
    assert broken_rules("console.pages.faq", {"handlers.kit"})
    assert broken_rules("console.pages.faq", {"sqlalchemy.select"})
    assert broken_rules("bot.faq.service", {"console.web"})
    assert not broken_rules("console.pages.faq", {"bot.faq", "console.web", "aiohttp.web", "bot.text.N_"})
    assert not broken_rules("bot.app", {"console.app"})
    assert not broken_rules(
        "handlers.booking.book", {"handlers.booking.views", "handlers.kit", "bot.booking"}
    )
    assert not broken_rules("bot.app", {"aiogram", "handlers.kit"})
    assert not broken_rules("handlers.faq.ask", {"handlers.kit.button", "handlers.callbacks.MenuCb"})


class CommitFinder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[int] = []

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in ("commit", "rollback", "execute", "scalars", "scalar"):
            self.found.append(node.lineno)
        self.generic_visit(node)


@pytest.mark.parametrize(
    "name", sorted(n for n in ALL if under(n, "handlers") and n != "handlers.middlewares")
)
def test_handlers_never_commit_or_run_sql(name: str) -> None:
    finder = CommitFinder()
    finder.visit(ast.parse(ALL[name].read_text(encoding="utf-8")))
    assert finder.found == [], f"{name}: commit/rollback/SQL at lines {finder.found}"


@pytest.mark.parametrize("name", sorted(n for n in ALL if under(n, "console.pages")))
def test_console_pages_never_commit_or_run_sql(name: str) -> None:
    finder = CommitFinder()
    finder.visit(ast.parse(ALL[name].read_text(encoding="utf-8")))
    assert finder.found == [], f"{name}: commit/rollback/SQL at lines {finder.found}"


def test_no_import_cycles() -> None:
    graph = {
        name: {t for t in targets if t in ALL and t != name}
        | {
            t.rpartition(".")[0]
            for t in targets
            if t.rpartition(".")[0] in ALL and t.rpartition(".")[0] != name
        }
        for name, targets in all_imports().items()
    }
    # A package's __init__ re-exporting its own modules is not a cycle between rooms.
    for name in graph:
        graph[name] = {t for t in graph[name] if not under(t, name) and not under(name, t)}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def room(name: str) -> str:
    """The part of the house a module belongs to: the shell, a top-level package, or one of bot/'s
    capabilities and modules (bot.faq, bot.tickets, ...)."""
    if name in SHELL and name.startswith("bot.") and name.count(".") == 1:
        return "shell"
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" else parts[0]


def test_no_two_parts_import_each_other() -> None:
    # No cycle between modules is not enough: two folders whose modules import each other have no
    # floor of their own, so one of those imports runs back up (a shared type in the wrong place).
    arrows: dict[tuple[str, str], str] = {}
    for name, targets in all_imports().items():
        for target in targets:
            if target in ALL and room(target) != room(name):
                arrows.setdefault((room(name), room(target)), f"{name} -> {target}")
    both_ways = sorted(
        f"{arrow} and {arrows[(b, a)]}" for (a, b), arrow in arrows.items() if (b, a) in arrows and a < b
    )
    assert both_ways == []


@pytest.mark.parametrize("package", list(MAX_LINES))
def test_files_stay_small(package: str) -> None:
    too_long = {
        str(path.relative_to(ROOT)): n
        for name, path in ALL.items()
        if under(name, package)
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES[package]
    }
    assert too_long == {}
