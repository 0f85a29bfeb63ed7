"""Machine translation: deep-translator backends behind one interface, in a thread, with a timeout, cached.

- `get_machine_translator(settings, sessionmaker)` picks the backend from TRANSLATOR (none, google, deepl,
  libretranslate, mymemory); a running app makes one at start-up and shares it (FAQ hand-off, broadcasts);
- `await translator.translate(text, source, target)` returns the translation, or None when there is none
  (translator `none`, a timeout, an error, an unsupported language);
- results are cached in the database (table translation_cache, keyed by backend, languages and a hash of
  the text; the source text itself is not stored), so the same text is never paid for or waited for twice;
- texts longer than a backend accepts in one request are sent in pieces cut at line and sentence ends.

deep-translator facts this relies on (read from its source, version 1.11):
- `LibreTranslator` POSTs to `<custom_url> + "translate"` with the fields in the *query string*
  (q, source, target, format=text, api_key) and reads `translatedText` from the JSON answer. It refuses
  to start without an api_key and only knows 17 language codes (no Persian, no Ukrainian), so the codes
  are set after construction and a placeholder key is sent to servers that need none;
- `DeeplTranslator` has no Arabic or Persian in its table either (DeepL itself decides what it accepts);
- `MyMemoryTranslator` wants regional codes (fa-IR) and at most 500 characters per request;
- `GoogleTranslator` accepts at most 5000 characters per request;
- none of them sets a timeout on its HTTP request, hence the thread pool and `asyncio.wait_for`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.text import split_text
from storage.repositories import broadcast as repo

log = logging.getLogger(__name__)

# Backend calls block (requests without a timeout): they run here, never on the event loop. A call that
# hangs keeps its thread until the socket gives up; the caller has stopped waiting long before.
_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="translate")

# Our language codes as each backend spells them.
_CODES: dict[str, dict[str, str]] = {
    "mymemory": {"de": "de-DE", "ar": "ar-SA", "fa": "fa-IR", "uk": "uk-UA", "en": "en-GB", "ru": "ru-RU"},
    "deepl": {"en": "en-gb"},
}
# Characters per request: service limits, and for LibreTranslate the URL length (the text travels in
# the query string, percent-encoded: up to 6 bytes per Arabic or Cyrillic letter; 8 KB request lines).
_CHUNK = {"google": 4500, "deepl": 1500, "libretranslate": 1000, "mymemory": 450}
LIBRE_PLACEHOLDER_KEY = "none"


class MachineTranslator(Protocol):
    name: str
    enabled: bool

    async def translate(
        self, text: str, source: str, target: str, *, private: bool = False
    ) -> str | None: ...


class NoTranslator:
    """TRANSLATOR=none: recipients get the original; organizers are told what is missing."""

    name = "none"
    enabled = False

    async def translate(self, text: str, source: str, target: str, *, private: bool = False) -> str | None:
        return text if source == target else None


@dataclass(frozen=True)
class Backend:
    """A blocking translate function for one service; `call(text, source, target)` with our codes."""

    name: str
    call: Callable[[str, str, str], str]
    chunk: int = 1000


class CachedTranslator:
    def __init__(
        self,
        backend: Backend,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        timeout: float,
        clock: Clock | None = None,
    ) -> None:
        self.backend = backend
        self.name = backend.name
        self.enabled = True
        self.sessionmaker = sessionmaker
        self.timeout = timeout
        self.clock = clock or Clock()

    async def translate(self, text: str, source: str, target: str, *, private: bool = False) -> str | None:
        """Translate, or None. `private` texts (a person's question, a helper's answer) bypass the cache,
        so nothing a person wrote stays in the database after their ticket is closed."""
        if source == target or not text.strip():
            return text
        key = text_hash(text)
        cached = None
        try:
            if not private:
                async with self.sessionmaker() as session:
                    cached = await repo.cached_translation(session, self.name, source, target, key)
        except Exception:
            log.warning("translation cache not readable", exc_info=True)
        if cached is not None:
            return cached
        loop = asyncio.get_running_loop()
        try:
            translated = await asyncio.wait_for(
                loop.run_in_executor(_EXECUTOR, self._translate_blocking, text, source, target),
                self.timeout,
            )
        except TimeoutError:
            log.warning("machine translation timed out", extra={"backend": self.name, "target": target})
            return None
        except Exception as exc:
            log.warning(
                "machine translation failed: %s",
                type(exc).__name__,
                extra={"backend": self.name, "target": target},
            )
            return None
        if not translated or not translated.strip():
            return None
        if private:
            return translated
        try:
            async with self.sessionmaker() as session:
                await repo.store_translation(
                    session, self.name, source, target, key, translated, self.clock.now()
                )
                await session.commit()
        except Exception:
            log.warning("translation cache not writable", exc_info=True)
        return translated

    def _translate_blocking(self, text: str, source: str, target: str) -> str:
        pieces = []
        for chunk, separator in split_text(text, self.backend.chunk):
            pieces.append((self.backend.call(chunk, source, target) if chunk.strip() else chunk) + separator)
        return "".join(pieces).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the deep-translator backends -----------------------------------------------------------------------
def _code(backend: str, lang: str) -> str:
    return _CODES.get(backend, {}).get(lang, lang)


def libretranslate_backend(url: str, api_key: str | None) -> Backend:
    base = url.rstrip("/") + "/"

    def call(text: str, source: str, target: str) -> str:
        from deep_translator import LibreTranslator

        # Construct with codes its table knows, then set ours (fa, uk are missing from its table).
        client = LibreTranslator(
            source="en", target="de", api_key=api_key or LIBRE_PLACEHOLDER_KEY, custom_url=base
        )
        client.source, client.target = source, target
        return str(client.translate(text))

    return Backend("libretranslate", call, _CHUNK["libretranslate"])


def google_backend() -> Backend:
    def call(text: str, source: str, target: str) -> str:
        from deep_translator import GoogleTranslator

        return str(GoogleTranslator(source=source, target=target).translate(text))

    return Backend("google", call, _CHUNK["google"])


def deepl_backend(api_key: str) -> Backend:
    def call(text: str, source: str, target: str) -> str:
        from deep_translator import DeeplTranslator

        client = DeeplTranslator(
            source="de", target="en", api_key=api_key, use_free_api=api_key.endswith(":fx")
        )
        client.source, client.target = source, _code("deepl", target)
        return str(client.translate(text))

    return Backend("deepl", call, _CHUNK["deepl"])


def mymemory_backend() -> Backend:
    def call(text: str, source: str, target: str) -> str:
        from deep_translator import MyMemoryTranslator

        client = MyMemoryTranslator(source="en-GB", target="de-DE")
        client.source, client.target = _code("mymemory", source), _code("mymemory", target)
        result = client.translate(text)
        return str(result[0] if isinstance(result, list) else result)

    return Backend("mymemory", call, _CHUNK["mymemory"])


def backend_for(settings: Settings) -> Backend | None:
    kind = settings.translator
    if kind == "libretranslate" and settings.translator_url:
        return libretranslate_backend(settings.translator_url, settings.translator_api_key)
    if kind == "google":
        return google_backend()
    if kind == "deepl" and settings.translator_api_key:
        return deepl_backend(settings.translator_api_key)
    if kind == "mymemory":
        return mymemory_backend()
    return None


def get_machine_translator(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock | None = None
) -> MachineTranslator:
    backend = backend_for(settings)
    if backend is None:
        return NoTranslator()
    return CachedTranslator(backend, sessionmaker, timeout=settings.translator_timeout, clock=clock)
