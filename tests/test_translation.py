"""Machine translation: cache, timeout, errors, `none`, and LibreTranslate through deep-translator's real
client against a local stand-in of LibreTranslate's /translate endpoint."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FrozenClock
from bot.config import load_settings
from bot.text import split_text
from bot.translation import get_machine_translator
from bot.translation.service import Backend, CachedTranslator, NoTranslator
from storage.models import TranslationCache


@dataclass
class LibreStandIn:
    """Answers like LibreTranslate: POST /translate with q, source, target, format (query string, form or
    JSON, as LibreTranslate accepts all three) → {"translatedText": ...}."""

    requests: list[dict[str, str]] = field(default_factory=list)
    status: int = 200
    api_key: str | None = None  # when set, requests without this key get 403 like a keyed server
    url: str = ""

    async def translate(self, request: web.Request) -> web.Response:
        fields: dict[str, str] = dict(request.query)
        if request.content_type == "application/json":
            fields.update(await request.json())
        elif request.can_read_body:
            fields.update({k: str(v) for k, v in (await request.post()).items()})
        self.requests.append({"method": request.method, **fields})
        if self.api_key is not None and fields.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key"}, status=403)
        if self.status != 200:
            return web.json_response({"error": "boom"}, status=self.status)
        q, target = fields.get("q", ""), fields.get("target", "")
        return web.json_response({"translatedText": f"[{target}] {q}"})


@pytest.fixture
async def libre() -> AsyncIterator[LibreStandIn]:
    stand_in = LibreStandIn()
    app = web.Application()
    app.router.add_route("*", "/translate", stand_in.translate)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stand_in.url = f"http://127.0.0.1:{port}"
    try:
        yield stand_in
    finally:
        await runner.cleanup()


class CountingBackend:
    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.delay = delay
        self.fail = fail
        self.release = threading.Event()

    def __call__(self, text: str, source: str, target: str) -> str:
        self.calls.append((text, source, target))
        if self.delay:
            self.release.wait(self.delay)
        if self.fail:
            raise ConnectionError("backend down")
        return f"<{target}>{text}"


async def cache_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(TranslationCache)) or 0)


async def test_cache_hit_does_not_call_the_backend(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    backend = CountingBackend()
    translator = CachedTranslator(Backend("fake", backend), sessionmaker, timeout=2, clock=clock)
    assert await translator.translate("Hallo", "de", "uk") == "<uk>Hallo"
    assert await translator.translate("Hallo", "de", "uk") == "<uk>Hallo"
    assert len(backend.calls) == 1
    # the cache is the database: a new translator (another process, a restart) hits it too
    again = CachedTranslator(Backend("fake", backend), sessionmaker, timeout=2, clock=clock)
    assert await again.translate("Hallo", "de", "uk") == "<uk>Hallo"
    assert len(backend.calls) == 1
    # another target, another text or another backend is a miss
    assert await again.translate("Hallo", "de", "ar") == "<ar>Hallo"
    assert await again.translate("Hallo!", "de", "uk") == "<uk>Hallo!"
    other = CachedTranslator(Backend("other", backend), sessionmaker, timeout=2, clock=clock)
    await other.translate("Hallo", "de", "uk")
    assert len(backend.calls) == 4
    assert await cache_rows(sessionmaker) == 4
    # same language: the text itself, no call
    assert await again.translate("Hallo", "de", "de") == "Hallo"
    assert len(backend.calls) == 4


async def test_timeout_gives_none_and_nothing_is_cached(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    backend = CountingBackend(delay=5.0)
    translator = CachedTranslator(Backend("slow", backend), sessionmaker, timeout=0.2, clock=clock)
    try:
        assert await translator.translate("Hallo", "de", "fa") is None
    finally:
        backend.release.set()  # let the abandoned thread finish
    assert await cache_rows(sessionmaker) == 0


async def test_backend_error_gives_none(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    backend = CountingBackend(fail=True)
    translator = CachedTranslator(Backend("down", backend), sessionmaker, timeout=2, clock=clock)
    assert await translator.translate("Hallo", "de", "ar") is None
    assert await cache_rows(sessionmaker) == 0


async def test_translator_none(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    translator = get_machine_translator(load_settings(_env_file=None, translator="none"), sessionmaker)
    assert isinstance(translator, NoTranslator) and translator.enabled is False
    assert await translator.translate("Hallo", "de", "ar") is None


async def test_libretranslate_through_deep_translator(
    sessionmaker: async_sessionmaker[AsyncSession], libre: LibreStandIn
) -> None:
    settings = load_settings(_env_file=None, translator="libretranslate", translator_url=libre.url + "/")
    translator = get_machine_translator(settings, sessionmaker)
    assert translator.enabled and translator.name == "libretranslate"
    # Persian and Ukrainian are not in deep-translator's LibreTranslate table: they must still work
    assert await translator.translate("Sommerfest am Samstag", "de", "fa") == "[fa] Sommerfest am Samstag"
    assert await translator.translate("Sommerfest am Samstag", "de", "uk") == "[uk] Sommerfest am Samstag"
    assert await translator.translate("Sommerfest am Samstag", "de", "ar") == "[ar] Sommerfest am Samstag"
    first = libre.requests[0]
    assert first["method"] == "POST"
    assert (first["q"], first["source"], first["target"], first["format"]) == (
        "Sommerfest am Samstag",
        "de",
        "fa",
        "text",
    )
    assert first["api_key"]  # deep-translator insists on a key: a placeholder for keyless servers
    assert await translator.translate("Sommerfest am Samstag", "de", "fa") == "[fa] Sommerfest am Samstag"
    assert len(libre.requests) == 3  # cached


async def test_libretranslate_with_key_and_errors(
    sessionmaker: async_sessionmaker[AsyncSession], libre: LibreStandIn
) -> None:
    libre.api_key = "secret"
    keyed = get_machine_translator(
        load_settings(
            _env_file=None, translator="libretranslate", translator_url=libre.url, translator_api_key="secret"
        ),
        sessionmaker,
    )
    assert await keyed.translate("Guten Tag", "de", "ar") == "[ar] Guten Tag"
    unkeyed = get_machine_translator(
        load_settings(_env_file=None, translator="libretranslate", translator_url=libre.url), sessionmaker
    )
    assert await unkeyed.translate("Guten Abend", "de", "ar") is None  # 403
    libre.api_key, libre.status = None, 500
    assert await unkeyed.translate("Gute Nacht", "de", "ar") is None


async def test_libretranslate_server_down_gives_none(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    settings = load_settings(
        _env_file=None, translator="libretranslate", translator_url="http://127.0.0.1:9", translator_timeout=5
    )
    assert await get_machine_translator(settings, sessionmaker).translate("Hallo", "de", "uk") is None


async def test_long_text_goes_in_pieces_and_comes_back_whole(
    sessionmaker: async_sessionmaker[AsyncSession], libre: LibreStandIn
) -> None:
    settings = load_settings(_env_file=None, translator="libretranslate", translator_url=libre.url)
    paragraph = "Liebe Nachbarinnen und Nachbarn, am Samstag feiern wir zusammen. " * 10  # ~660 chars
    text = "\n".join([paragraph.strip()] * 4)
    result = await get_machine_translator(settings, sessionmaker).translate(text, "de", "uk")
    assert result is not None
    assert len(libre.requests) > 1
    assert all(len(r["q"]) <= 1000 for r in libre.requests)
    assert result.count("\n") == 3 and result.count("[uk] ") == len(libre.requests)


@pytest.mark.parametrize("limit", [10, 50, 1000])
def test_split_text_round_trip(limit: int) -> None:
    text = "Erste Zeile.\n\nZweite Zeile ist länger. Sie hat zwei Sätze!\n" + "Wort " * 40 + "\n" + "X" * 25
    pieces = split_text(text, limit)
    assert "".join(p + s for p, s in pieces) == text
    assert all(len(p) <= limit for p, _ in pieces)


def test_libre_client_posts_in_the_query_string() -> None:
    """What deep-translator's LibreTranslator sends (the stand-in above relies on it)."""
    import inspect

    from deep_translator import LibreTranslator

    source = inspect.getsource(LibreTranslator.translate)
    assert "requests.post(" in source and "params=params" in source
    assert '"translatedText"' in source


def test_split_text_round_trip_on_random_texts() -> None:
    import random

    rng = random.Random(7)
    for _ in range(500):
        text = "".join(rng.choice("ab .!\n  ؟") for _ in range(rng.randint(0, 80)))
        limit = rng.randint(1, 30)
        pieces = split_text(text, limit)
        assert "".join(p + s for p, s in pieces) == text, (text, limit)
        assert all(len(p) <= limit for p, _ in pieces), (text, limit)


async def test_private_texts_are_not_cached(sessionmaker, clock) -> None:  # type: ignore[no-untyped-def]
    """A person's question or a helper's answer must not stay in the translation cache."""
    from sqlalchemy import text as sql

    from bot.translation.service import Backend, CachedTranslator

    calls: list[str] = []

    def fake(text: str, source: str, target: str) -> str:
        calls.append(text)
        return f"[{target}] {text}"

    translator = CachedTranslator(Backend("fake", fake), sessionmaker, timeout=5, clock=clock)
    assert (
        await translator.translate("Mein Vermieter droht mir", "de", "ar", private=True)
        == "[ar] Mein Vermieter droht mir"
    )
    assert await translator.translate("Mein Vermieter droht mir", "de", "ar", private=True) is not None
    assert len(calls) == 2  # no cache hit either
    async with sessionmaker() as session:
        assert (await session.execute(sql("SELECT COUNT(*) FROM translation_cache"))).scalar() == 0
    await translator.translate("Deutschkurs am Montag", "de", "ar")
    async with sessionmaker() as session:
        assert (await session.execute(sql("SELECT COUNT(*) FROM translation_cache"))).scalar() == 1


# ---------------------------------------------------------------- the demo's stand-in (python -m bot demo)


async def test_demo_translator_is_plainly_marked() -> None:
    from bot.i18n import catalogs
    from bot.i18n_tools import first_strong_is_rtl
    from bot.text import isolate
    from bot.translation.demo import DEMO_MARKER, PHRASES, DemoTranslator

    demo = DemoTranslator()
    question = PHRASES[0]
    got = await demo.translate(question["ar"], "ar", "de", private=True)
    assert got == f"[DEMO — keine echte Übersetzung]\n{question['de']}"
    # its phrase table does not care for spacing or the closing mark
    spaced = "  " + question["ar"].replace(" ", "  ").rstrip("؟") + " "
    assert (await demo.translate(spaced, "ar", "de")) == got
    # anything else comes back unchanged under the marker, in the reader's language, isolated: German
    # under a Farsi marker keeps its own direction
    unknown = await demo.translate("Wann ist der Deutschkurs?", "de", "fa")
    assert unknown is not None
    marker, _, rest = unknown.partition("\n")
    assert marker == catalogs().gettext("fa", DEMO_MARKER) != DEMO_MARKER
    assert first_strong_is_rtl(marker) and rest == isolate("Wann ist der Deutschkurs?")
    assert await demo.translate("Hallo", "de", "de") == "Hallo"  # nothing to translate, nothing marked
    for lang in ("de", "ar", "fa", "uk", "en", "ru"):
        assert catalogs().gettext(lang, DEMO_MARKER).startswith("[")
        for row in PHRASES:
            assert row[lang].strip(), (lang, row)  # every sample phrase in every language


def test_only_the_demo_uses_the_demo_translator() -> None:
    """The stand-in must never answer a real person: no module but the demo's shell imports it."""
    import ast

    from bot.config import ROOT

    users = set()
    for folder in ("bot", "handlers", "storage", "console"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                if any(n == "bot.translation.demo" or n.endswith("translation.demo") for n in names):
                    users.add(path.relative_to(ROOT).as_posix())
                if isinstance(node, ast.ImportFrom) and node.module == "bot.translation":
                    assert all(a.name != "demo" for a in node.names), path
    assert users == {"bot/demo.py"}


async def test_an_app_without_the_demo_has_no_demo_translator(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_app
    from bot.demo import use_demo_translator
    from bot.translation.demo import DemoTranslator

    settings = load_settings(
        _env_file=None,
        bot_token="123:abc",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'app.sqlite3'}",
        redis_url=None,
    )
    app = await build_app(settings, "123:abc")
    try:
        assert isinstance(app.machine_translator, NoTranslator)
        assert app.dp.workflow_data["machine_translator"] is app.machine_translator
        assert app.job_context().machine_translator is app.machine_translator
        # the demo's shell swaps in the stand-in, for handlers and jobs alike
        assert use_demo_translator(app)
        assert isinstance(app.machine_translator, DemoTranslator)
        assert app.dp.workflow_data["machine_translator"] is app.machine_translator
        assert app.job_context().machine_translator is app.machine_translator
    finally:
        await app.bot.session.close()
        await app.engine.dispose()
    # a real translator configured: the demo keeps it
    real = load_settings(
        _env_file=None,
        bot_token="123:abc",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'app.sqlite3'}",
        redis_url=None,
        translator="mymemory",
    )
    app = await build_app(real, "123:abc")
    try:
        assert not use_demo_translator(app)
        assert isinstance(app.machine_translator, CachedTranslator)
        assert app.dp.workflow_data["machine_translator"] is app.machine_translator
    finally:
        await app.bot.session.close()
        await app.engine.dispose()
