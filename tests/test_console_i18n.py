"""The console's words: their own gettext domain in German and English only, taken from Python and from the
Jinja2 templates; `python -m bot i18n check` fails on a console string missing in de or en."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import catalogs
from bot.i18n_tools import check_catalogs, extract_messages, languages_of
from console.i18n import ConsoleTranslator, choose


def test_the_console_domain_is_german_and_english_and_checked_from_code_and_templates(
    tmp_path: Path,
) -> None:
    assert languages_of("console") == ("de", "en")
    assert len(languages_of("core")) == 6
    (tmp_path / "console" / "pages").mkdir(parents=True)
    (tmp_path / "console" / "templates").mkdir(parents=True)
    (tmp_path / "console" / "pages" / "new.py").write_text('N_("A console text nobody translated")\n')
    (tmp_path / "console" / "templates" / "new.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ _("A template text nobody translated") }}'
        "{% endblock %}\n"
    )
    found = {(m.domain, m.msgid) for m in extract_messages(tmp_path)}
    assert ("console", "A console text nobody translated") in found
    assert ("console", "A template text nobody translated") in found
    problems = check_catalogs(tmp_path)
    for text in ("A console text nobody translated", "A template text nobody translated"):
        mentioned = [p for p in problems if text in p]
        assert sorted(p.split("/")[0] for p in mentioned) == ["de", "en"], mentioned


def test_the_bot_does_not_speak_console() -> None:
    # "Log out" exists only in the console's catalog: the bot's German is untouched by it
    assert ConsoleTranslator("de", ZoneInfo("Europe/Berlin"))._("Log out") == "Abmelden"
    assert catalogs().gettext("de", "Log out") == "Log out"


def test_values_are_escaped_and_the_language_is_chosen() -> None:
    tr = ConsoleTranslator("en", ZoneInfo("Europe/Berlin"))
    assert str(tr._("Telegram ID {id}", id="<b>1</b>")) == "Telegram ID &lt;b&gt;1&lt;/b&gt;"
    assert ConsoleTranslator("ar", ZoneInfo("UTC")).lang == "de"  # not a console language
    assert choose(None, "en-GB,en;q=0.9,de;q=0.8") == "en"
    assert choose("de", "en-GB") == "de"  # chosen in the console wins
    assert choose(None, "fa-IR,ar;q=0.5") == "de"
