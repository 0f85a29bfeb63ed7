"""Local facts (addresses, opening hours, phone numbers) filled into FAQ answers and shown by the bot.

The file (`LOCAL_FACTS_FILE`, default `sample_data/local_facts.yaml`) maps a name to one string or to a
map per language; a missing language falls back to German. `sample: true` marks placeholder values.

Facts with a date (issue 15): `checked: 2026-11` at the top is the month the file's facts were last
checked; a fact may carry its own, written as a map with `value` (a string or a map per language) and
`checked`. `python -m bot faq check` and the organizers' monthly message (bot/faq/freshness.py) name the
facts not checked for six months. A fact with no month at all counts as never checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FALLBACK_LANGUAGE = "de"
DEFAULT_FACTS_FILE = Path(__file__).resolve().parent.parent / "sample_data" / "local_facts.yaml"
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")  # a "checked" month: 2026-11


def parse_month(value: Any) -> str | None:
    """A "checked" month as "YYYY-MM", or None when it is missing or not a month."""
    if not isinstance(value, str) or not MONTH.fullmatch(value.strip()):
        return None
    return value.strip()


class LocalFactsError(ValueError):
    """The facts file is missing or malformed (message names the file and the problem)."""


@dataclass(frozen=True)
class LocalFacts:
    values: Mapping[str, str | Mapping[str, str]] = field(default_factory=dict)
    is_sample: bool = False
    path: Path | None = None
    checked: Mapping[str, str | None] = field(default_factory=dict)  # name -> "YYYY-MM" (None: never)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_FACTS_FILE) -> LocalFacts:
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise LocalFactsError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        except yaml.YAMLError as exc:
            raise LocalFactsError(f"{path}: not valid YAML ({exc})") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("facts"), dict):
            raise LocalFactsError(f"{path}: expected a mapping with a 'facts' mapping")
        default_checked = _month(raw.get("checked"), path, "checked")
        values: dict[str, str | dict[str, str]] = {}
        checked: dict[str, str | None] = {}
        for name, value in raw["facts"].items():
            checked[str(name)] = default_checked
            if isinstance(value, dict) and ("value" in value or "checked" in value):
                checked[str(name)] = (
                    _month(value.get("checked"), path, f"fact '{name}': checked") or default_checked
                )
                value = value.get("value")
            if isinstance(value, dict):
                per_lang = {str(k): str(v) for k, v in value.items() if v is not None}
                if not per_lang:
                    raise LocalFactsError(f"{path}: fact '{name}' has no value")
                values[str(name)] = per_lang
            elif value is None or isinstance(value, list):
                raise LocalFactsError(f"{path}: fact '{name}' must be a string or a map per language")
            else:
                values[str(name)] = str(value)
        return cls(values=values, is_sample=bool(raw.get("sample", False)), path=path, checked=checked)

    def names(self) -> frozenset[str]:
        return frozenset(self.values)

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def get(self, name: str, lang: str = FALLBACK_LANGUAGE) -> str | None:
        """The value in `lang`, else German, else any language given; None for an unknown name."""
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if lang in value:
            return value[lang]
        if FALLBACK_LANGUAGE in value:
            return value[FALLBACK_LANGUAGE]
        return next(iter(value.values()))


def _month(value: Any, path: Path, what: str) -> str | None:
    """A "checked" month of the facts file: None when not given, an error when it is not a month."""
    if value is None:
        return None
    month = parse_month(value)
    if month is None:
        raise LocalFactsError(f"{path}: {what} must be a month like 2026-11, not {value!r}")
    return month
