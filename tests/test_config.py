"""Configuration: typed values, one clear line on bad input, no traceback."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from bot.cli import COMMAND_MODULES, build_parser, main
from bot.config import ROOT, ConfigError, load_settings


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"ORGANIZER_IDS": "12,abc"}, "ORGANIZER_IDS"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"WEBHOOK_URL": "https://bot.example.org"}, "WEBHOOK_SECRET"),
        ({"DEFAULT_LANGUAGE": "fr"}, "DEFAULT_LANGUAGE"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
        ({"TRANSLATOR": "libretranslate"}, "TRANSLATOR_URL"),
        ({"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], needle: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    message = str(info.value)
    assert needle in message
    assert "\n" not in message


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGANIZER_IDS", "12, 34;56")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings(_env_file=None)
    assert settings.organizer_ids == [12, 34, 56]
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.tz.key == "Europe/Berlin"


def _run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_help_lists_commands() -> None:
    result = _run_cli(["--help"], {})
    assert result.returncode == 0
    for name in ("run", "demo", "db", *(c for commands in COMMAND_MODULES.values() for c in commands)):
        assert name in result.stdout


def command_names(parser: argparse.ArgumentParser) -> set[str]:
    return {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }


def test_each_command_module_adds_the_commands_it_is_listed_with() -> None:
    """The parser imports only the chosen command's module: the list must say what each module adds."""
    built_in = {"run", "demo", "db"}
    for module, commands in COMMAND_MODULES.items():
        for command in commands:
            assert command_names(build_parser(command)) == built_in | set(commands), module
    listed = {command for commands in COMMAND_MODULES.values() for command in commands}
    assert command_names(build_parser()) == built_in | listed
    assert command_names(build_parser("run")) == built_in  # the bot's own start imports no tool


def test_help_before_a_command_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["-h", "restore"])
    out = capsys.readouterr().out
    assert all(command in out for commands in COMMAND_MODULES.values() for command in commands)


@pytest.mark.parametrize(
    ("env", "needle"),
    [({"BOT_TOKEN": ""}, "BOT_TOKEN"), ({"BOT_TOKEN": "1:x", "TIMEZONE": "Nowhere"}, "TIMEZONE")],
)
def test_cli_run_stops_with_one_line(env: dict[str, str], needle: str) -> None:
    result = _run_cli(["run"], env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_every_setting_is_documented_in_env_example() -> None:
    from bot.config import Settings

    documented = {
        line.split("=", 1)[0].strip().lstrip("# ").strip()
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line
    }
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in documented]
    assert missing == []
