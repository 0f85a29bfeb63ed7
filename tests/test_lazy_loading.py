"""What a bot process loads only when it is used (issue 18's memory): aiogram's types build their validators
at first use (bot/ops/lazy_types.py) and validate exactly as when all are built at import, each object's bot
set in one call (`flat_bot_context`) as pydantic's own way sets it; the rare parts
(letters' photos, calendar files, the console, the flyer, backups) are not imported at start-up. Each case
runs in a fresh interpreter: what is imported at start-up cannot be undone in this one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[1]

# A private-chat message with a photo, an entity, a reply and an inline keyboard, then a button press; the
# reply the bot would send. Dumped after validation: the same JSON with and without the deferral.
PROBE = r"""
import json, sys
flattened = None
if sys.argv[1] == "deferred":  # as the bot runs: the deferral installed before aiogram is imported, ...
    import bot
    from bot.ops.lazy_types import flat_bot_context
    flattened = [flat_bot_context(), flat_bot_context()]  # ... and each object's bot set in one call
from aiogram import Bot
from aiogram.types import CallbackQuery, Message, Poll, Update
from aiogram.methods import SendMessage
from aiogram.utils.keyboard import InlineKeyboardBuilder

before = {"Update": Update.__pydantic_complete__, "Poll": Poll.__pydantic_complete__}
user = {"id": 7, "is_bot": False, "first_name": "Amal", "language_code": "ar"}
chat = {"id": 7, "type": "private", "first_name": "Amal"}
message = {
    "message_id": 5, "date": 1796363000, "chat": chat, "from": user, "caption": "رسالة من المكتب",
    "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 60}],
    "caption_entities": [{"type": "bold", "offset": 0, "length": 5}],
    "reply_to_message": {"message_id": 4, "date": 1796362990, "chat": chat, "text": "مرحبا"},
    "reply_markup": {"inline_keyboard": [[{"text": "✅", "callback_data": "faq:1"}]]},
}
the_bot = Bot("123:abc")
updates = [
    Update.model_validate({"update_id": 1, "message": message}, context={"bot": the_bot}),
    Update.model_validate({"update_id": 2, "callback_query": {
        "id": "c1", "from": user, "chat_instance": "ci", "data": "faq:1", "message": message}}),
]
keyboard = InlineKeyboardBuilder()
keyboard.button(text="اسأل شخصًا", callback_data="ask:1")
reply = SendMessage(chat_id=7, text="<b>نعم</b>", parse_mode="HTML", reply_markup=keyboard.as_markup())
first = updates[0].message
bots = [  # whose bot each object knows: the one validation was given, or none
    [x.bot is the_bot for x in (updates[0], first, first.chat, first.reply_to_message, first.photo[0])],
    [x.bot is None for x in (updates[1], reply, reply.reply_markup, Message.model_construct(message_id=1))],
    reply.as_(the_bot).bot is the_bot,
    [sorted(x.__pydantic_private__) for x in (first, reply, Message.model_construct(message_id=1))],
]
import aiogram.types
names = aiogram.types.__all__
print(json.dumps({
    "names": [isinstance(names, tuple), list(names), [n in names for n in ("Message", "Poll", "Nope", 1)]],
    "before": before,
    "after": {"Update": Update.__pydantic_complete__, "Poll": Poll.__pydantic_complete__},
    "updates": [u.model_dump(mode="json", exclude_none=True) for u in updates],
    "callback": isinstance(updates[1].callback_query, CallbackQuery),
    "bots": bots,
    "flattened": flattened,
    "reply": {"text": reply.text, "markup": reply.reply_markup.model_dump(mode="json", exclude_none=True)},
}, sort_keys=True))
"""


def _fresh_interpreter(script: str, *args: str) -> Any:
    """What `script` prints last (JSON), run in a new Python process: what is imported at start-up cannot
    be undone in this one."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def _probe(mode: str) -> dict:
    return dict(_fresh_interpreter(PROBE, mode))


def test_aiogram_types_are_built_at_first_use_and_validate_as_before() -> None:
    deferred, eager = _probe("deferred"), _probe("eager")
    # eager: aiogram's import builds every type; deferred: none until used, and a type never used stays unbuilt
    assert eager["before"] == {"Update": True, "Poll": True}
    assert deferred["before"] == {"Update": False, "Poll": False}
    assert deferred["names"] == eager["names"]  # aiogram.types.__all__: a tuple still, the same names
    assert deferred["names"][2] == [True, True, False, False]
    assert deferred["after"] == {"Update": True, "Poll": False}
    assert deferred["callback"] and eager["callback"]
    assert deferred["updates"] == eager["updates"]
    assert deferred["updates"][0]["message"]["photo"][0]["file_id"] == "p1"  # nested types validated
    assert deferred["reply"] == eager["reply"]
    assert deferred["reply"]["markup"]["inline_keyboard"][0][0]["callback_data"] == "ask:1"
    # each object knows the bot it was read for, set in one call as pydantic's own way would set it
    changed, again = deferred["flattened"]
    assert changed > 400 and again == 0  # every type and method of aiogram; the second call finds none left
    assert deferred["bots"] == eager["bots"]
    assert deferred["bots"][:3] == [[True] * 5, [True] * 4, True]
    assert deferred["bots"][3] == [["_bot"]] * 3


def test_installing_twice_keeps_one_wrapper() -> None:
    import pydantic

    from bot.ops.lazy_types import _model_rebuild, defer_aiogram_validators

    defer_aiogram_validators()
    defer_aiogram_validators()
    assert pydantic.BaseModel.model_rebuild.__func__ is _model_rebuild  # type: ignore[attr-defined]


RARE = {
    "PIL": "reading a letter's photo (bot/letters/ocr.py), the flyer",
    "pytesseract": "reading a letter's photo",
    "icalendar": "a calendar file for a booking (bot/booking/ics.py)",
    "jinja2": "the organizers' console, only where it is served (CONSOLE_URL)",
    "console": "the organizers' console",
    "qrcode": "the flyer",
    "reportlab": "the flyer",
    "deep_translator": "the machine translator, made when first asked",
    "alembic": "migrations (python -m bot db upgrade; at start-up, in a child process)",
}


def test_the_rare_parts_are_not_loaded_with_the_bot() -> None:
    probe = "import json, sys, bot.app, bot.cli; print(json.dumps(sorted(sys.modules)))"
    loaded = {name.split(".")[0] for name in _fresh_interpreter(probe)}
    assert "aiogram" in loaded and "sqlalchemy" in loaded  # the probe did import the bot
    assert {name: why for name, why in RARE.items() if name in loaded} == {}


_MIGRATE_APART = """
import asyncio, json, sys
from storage.db import create_engine
from storage.migrate import database_heads, file_heads, upgrade_apart

async def main(url):
    engine = create_engine(url)
    before = await database_heads(engine)
    await upgrade_apart(engine, url)
    after = await database_heads(engine)
    await engine.dispose()
    print(json.dumps([sorted(before), after == file_heads(), "alembic" in sys.modules]))

asyncio.run(main(sys.argv[1]))
"""


def test_a_bot_that_migrates_at_start_leaves_alembic_to_a_child(tmp_path: Path) -> None:
    # bot.app.startup migrates with upgrade_apart: Alembic's 11 MiB stay out of the bot's process
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    before, migrated, alembic_here = _fresh_interpreter(_MIGRATE_APART, url)
    assert before == [] and migrated is True and alembic_here is False


_QUESTIONS_THEN_A_TEXT = """
import json, sys
from bot.broadcast.texts import looks_like
from bot.faq.content import load_content
from bot.faq.matcher import FaqMatcher

matcher = FaqMatcher(load_content())
matcher.detector.warm_up()
for question in (
    "Wo finde ich eine Wohnung?", "where can I learn German", "وين بلاقي بيت", "کجا خانه پیدا کنم",
    "де знайти житло", "где найти жильё", "bdi a7jez maw3ed", "Kita?",
):
    matcher.match(question)
after_questions = "lingua" in sys.modules
wrong = looks_like("Привет всем! В субботу в десять у нас праздник. Приходите, пожалуйста.", "uk")
print(json.dumps([after_questions, "lingua" in sys.modules, wrong]))
"""


def test_questions_leave_lingua_unloaded_and_a_broadcast_text_loads_it() -> None:
    """Questions are told apart by script, letters and words alone (bot/faq/detect.py); lingua (16 MiB) is
    loaded only when an organizer's text is checked against its label."""
    assert _fresh_interpreter(_QUESTIONS_THEN_A_TEXT) == [False, True, "ru"]


_BUILT = """
import asyncio, json, sys
from bot.app import build_app
from bot.config import load_settings
from bot.letters import ocr

async def main(url):
    settings = load_settings(_env_file=None, bot_token="123:abc", database_url=url, redis_url=None)
    app = await build_app(settings, "123:abc")
    ocr.available()  # what start-up asks (the photo reader is offered only where tesseract runs)
    await app.bot.session.close()
    await app.engine.dispose()
    print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))

asyncio.run(main(sys.argv[1]))
"""


@pytest.mark.parametrize("engine", ["sqlite", "pg"])
def test_a_bot_loads_neither_redis_nor_photos_nor_another_engines_driver(engine: str, tmp_path: Path) -> None:
    # redis (4 MiB) only where REDIS_URL is set (bot.ops.isolation is the local isolation); Pillow (2 MiB)
    # only with the first photo, not for asking tesseract its languages at start-up; sqlite3 and aiosqlite
    # (2 MiB) only on SQLite (storage/sqlite.py)
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.sqlite3'}" if engine == "sqlite" else PG_URL
    loaded = set(_fresh_interpreter(_BUILT, url))
    assert "aiogram" in loaded and "bot" in loaded  # the probe did build the bot
    assert {"redis", "PIL", "pytesseract"} & loaded == set()
    assert ("aiosqlite" in loaded) == ("sqlite3" in loaded) == (engine == "sqlite")
    assert ("asyncpg" in loaded) == (engine == "pg")


_FORMATS = r"""
import datetime, json, sys
from zoneinfo import ZoneInfo
import bot  # installs bot/ops/lean_locale.py
import babel.core
from babel import Locale, localedata
if sys.argv[1] == "whole":
    from bot.ops import lean_locale

    localedata.load = lean_locale._original_load
    localedata._cache.clear()
    babel.core._global_data = None
from babel.dates import format_date, format_datetime, format_skeleton, format_time, get_day_names
from babel.lists import format_list
from bot.i18n import load_domain

moment = datetime.datetime(2026, 12, 5, 14, 30, tzinfo=ZoneInfo("Europe/Berlin"))
out = {}
for lang in ("de", "ar", "fa", "uk", "en", "ru"):
    out[lang] = [
        dict(get_day_names("wide", locale=lang)),
        dict(get_day_names("abbreviated", context="stand-alone", locale=lang)),
        [format_skeleton(s, moment, locale=lang) for s in ("MMMEd", "Hm", "MMMd", "yMMMd", "yMMMM", "MMMMEEEEd")],
        format_datetime(moment, "short", locale=lang), format_date(moment, "medium", locale=lang),
        format_time(moment, "short", locale=lang), format_list(["Mo", "Di", "Fr"], locale=lang),
        load_domain(lang, "booking").ngettext("{n} slot", "{n} slots", 3),
    ]
kept = {name: sorted(data) for name, data in localedata._cache.items()}
kept["(global)"] = sorted(babel.core._global_data)
# parts no formatting above reads: loaded when asked for, the same as Babel's
out["more"] = [Locale.parse("ar").text_direction, Locale.parse("uk").get_display_name("de")]
print(json.dumps({"out": out, "kept": kept}, ensure_ascii=False, sort_keys=True, default=str))
"""


def test_babel_keeps_only_the_locale_data_it_formats_with_and_formats_as_before() -> None:
    from bot.ops.lean_locale import KEPT

    lean, whole = _fresh_interpreter(_FORMATS, "lean"), _fresh_interpreter(_FORMATS, "whole")
    assert lean["out"] == whole["out"]
    assert lean["out"]["ar"][2][0] and lean["out"]["more"] == ["rtl", "Ukrainisch"]
    assert set(whole["kept"]) >= {"root", "de", "ar", "fa", "uk", "en", "ru", "(global)"}
    assert lean["kept"].keys() == whole["kept"].keys()
    for name, parts in lean["kept"].items():
        assert len(parts) < len(whole["kept"][name]) / 2, name
        assert name == "(global)" or set(parts) <= KEPT, name


def test_a_part_of_babels_data_that_is_not_there_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # a part (or a global table) asked for again and again must not read Babel's files again and again
    from bot.ops import lean_locale

    reads: list[str] = []

    def whole(name: str) -> dict[str, Any]:
        reads.append(name)
        return {"days": {"format": {}}, "languages": {"uk": "Ukrainisch"}}

    monkeypatch.setattr(lean_locale, "_load_whole", whole)
    data = lean_locale.LeanLocaleData("de", {"days": {"format": {}}, "languages": {}})
    assert "languages" not in data  # not kept at first
    for _ in range(3):
        with pytest.raises(KeyError):
            data["no_such_part"]
        assert data["languages"] == {"uk": "Ukrainisch"}
    assert reads == ["de", "de"]  # once for the missing part, once for the part read when asked

    tables: list[int] = []

    def read_global() -> dict[str, Any]:
        tables.append(1)
        return {"parent_exceptions": {"x": "y"}}

    monkeypatch.setattr(lean_locale, "_read_global", read_global)
    global_data = lean_locale.LeanGlobalData()
    for _ in range(3):
        assert global_data.get("no_such_table", {}) == {}
        assert global_data.get("parent_exceptions") == {"x": "y"}
    assert len(tables) == 2
