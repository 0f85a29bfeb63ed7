"""Built FAQ indexes kept on disk (bot/faq/index_store.py): a process that loads them answers exactly as one
that built them, and a damaged, stale or unwritable cache only costs the time of building."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.faq import views as views_module
from bot.faq.content import FaqContent, load_content
from bot.faq.detect import LanguageDetector
from bot.faq.index_store import IndexStore
from bot.faq.matcher import FaqMatcher
from tests.faq_quality import DEVSET, few_topics, load


@pytest.fixture(scope="module")
def content() -> FaqContent:
    return load_content()


@pytest.fixture(scope="module")
def small(content: FaqContent) -> FaqContent:
    return few_topics(content)


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the indexes this process has built (as a new process would start)."""
    monkeypatch.setattr(views_module, "_INDEXES", type(views_module._INDEXES)())


def _no_building(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an index was built, not loaded")

    monkeypatch.setattr(views_module, "LanguageIndex", refuse)


def test_a_loaded_index_answers_every_question_as_the_built_one(
    content: FaqContent, detector: LanguageDetector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh(monkeypatch)
    built = FaqMatcher(content, detector=detector, store=IndexStore(tmp_path))
    stored = sorted(tmp_path.glob("*.pickle"))
    assert len(stored) == len(built.indexes) + len(built.latin)  # one file per language and view
    _fresh(monkeypatch)
    _no_building(monkeypatch)
    loaded = FaqMatcher(content, detector=detector, store=IndexStore(tmp_path))
    questions = [row["text"] for row in load(DEVSET)]
    assert len(questions) > 300
    for question in questions:
        assert loaded.match(question) == built.match(question), question
    assert sorted(tmp_path.glob("*.pickle")) == stored


def test_changed_content_is_built_anew_and_a_damaged_file_replaced(
    small: FaqContent,
    detector: LanguageDetector,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _fresh(monkeypatch)
    FaqMatcher(small, detector=detector, store=IndexStore(tmp_path))
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.pickle")}
    # An answer edited in the console: the German indexes are new files, the old ones are not read.
    de = dict(small.entries["de"])
    de["kita"] = dataclasses.replace(de["kita"], answer_template=de["kita"].answer_template + " Neu.")
    edited = dataclasses.replace(small, entries={**small.entries, "de": de})
    _fresh(monkeypatch)
    FaqMatcher(edited, detector=detector, store=IndexStore(tmp_path))
    after = {p.name for p in tmp_path.glob("*.pickle")}
    assert len(after - set(before)) == 1  # German's (in its own script: it has no Latin-keys view)
    # A file cut short (a full disk, a crash): built again, replaced, and the question still answered.
    damaged = next(iter(before))
    (tmp_path / damaged).write_bytes(before[damaged][:1000])
    _fresh(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="bot.faq.index_store"):
        again = FaqMatcher(small, detector=detector, store=IndexStore(tmp_path))
    assert (tmp_path / damaged).read_bytes() == before[damaged]
    assert [r.getMessage() for r in caplog.records] == [
        "FAQ index cache file unreadable, building anew: UnpicklingError"
    ]
    assert again.match("Wo finde ich einen Kitaplatz?").slug == "kita"


def test_a_folder_that_cannot_be_written_only_costs_the_building(
    small: FaqContent,
    detector: LanguageDetector,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    _fresh(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="bot.faq.index_store"):
        matcher = FaqMatcher(small, detector=detector, store=IndexStore(blocked / "cache"))
    assert matcher.match("Wo finde ich einen Kitaplatz?").slug == "kita"
    assert [r.getMessage() for r in caplog.records] == [
        f"FAQ index cache off: {blocked / 'cache'}: NotADirectoryError"
    ]


async def test_a_bot_without_stored_indexes_has_a_child_build_them_and_loads_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # python -m bot run (bot/cli.py): building leaves freed memory the process keeps (issue 18), so where
    # the store lacks an index a child process builds them all, and this process only loads them
    from bot.config import load_settings
    from bot.faq import service as service_module
    from bot.faq.index import LanguageIndex

    settings = load_settings(_env_file=None, faq_index_cache=str(tmp_path / "indexes"))
    _fresh(monkeypatch)
    monkeypatch.setattr(service_module, "_SERVICES", {})

    def no_building(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an index was built in this process")

    monkeypatch.setattr(LanguageIndex, "__init__", no_building)
    await service_module.build_indexes_apart(settings)
    stored = sorted((tmp_path / "indexes").glob("*.pickle"))
    assert len(stored) == 10  # six languages' scripts and four Latin spellings
    service = service_module.build_service(settings, build_indexes=False)  # loads, builds nothing
    assert service.decide("Wo kann ich Deutsch lernen?", user_lang=None).entry.slug == "german-courses"

    # all stored: no child at all (the service is loaded by the check itself)
    async def no_child(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a child was started")

    monkeypatch.setattr(service_module.asyncio, "create_subprocess_exec", no_child)
    monkeypatch.setattr(service_module, "_SERVICES", {})
    _fresh(monkeypatch)
    await service_module.build_indexes_apart(settings)
    loaded = service_module.loaded_service(settings)
    assert loaded is not None and loaded.matcher.store is not None
    assert (
        loaded.matcher.store.build
    )  # content edited later (the console) is built in this process, as always
    assert sorted((tmp_path / "indexes").glob("*.pickle")) == stored


async def test_a_child_that_hangs_is_stopped_and_broken_content_is_left_to_warm_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Start-up never waits for ever on the child, and content that cannot be read is no traceback here:
    warm_up tells it in one line and the bot runs, as before the child existed."""
    import sys

    from bot.config import load_settings
    from bot.faq import service as service_module

    settings = load_settings(_env_file=None, faq_index_cache=str(tmp_path / "indexes"))
    monkeypatch.setattr(service_module, "_SERVICES", {})

    def unreadable(*args: Any, **kwargs: Any) -> None:
        raise ValueError("broken content")

    monkeypatch.setattr(service_module, "build_service", unreadable)
    await service_module.build_indexes_apart(settings)  # no exception, no child

    def not_stored(*args: Any, **kwargs: Any) -> None:
        raise service_module.NotStored("x")

    started = service_module.asyncio.create_subprocess_exec

    async def hanging(*args: Any, **kwargs: Any) -> Any:
        return await started(sys.executable, "-c", "import time; time.sleep(60)")

    monkeypatch.setattr(service_module, "build_service", not_stored)
    monkeypatch.setattr(service_module.asyncio, "create_subprocess_exec", hanging)
    monkeypatch.setattr(service_module, "INDEX_CHILD_SECONDS", 0.5)
    with caplog.at_level(logging.WARNING, logger="bot.faq.service"):
        await service_module.build_indexes_apart(settings)
    assert "child process failed (exit status None)" in caplog.text


def test_a_load_only_store_raises_for_a_missing_index(tmp_path: Path) -> None:
    from bot.faq.index_store import NotStored

    store = IndexStore(tmp_path, build=False)
    with pytest.raises(NotStored):
        store.get(("native", "de", ()), lambda: pytest.fail("built"))  # type: ignore[arg-type,return-value]
