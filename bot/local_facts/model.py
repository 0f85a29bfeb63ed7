"""The local facts as the bot uses them (`LocalFacts`), and their file format (YAML).

The file (`LOCAL_FACTS_FILE`, default `sample_data/local_facts.yaml`) maps a name to one string or to a
map per language; a missing language falls back to German. A value ending in "(SAMPLE)" is a placeholder:
it is kept as a sample mark beside the value and shown again after it ("…, 30916 Isernhagen (SAMPLE)")
until an organizer replaces it. `sample: true` at the top says the file holds samples.

A fact may be written as a map with `value` (a string or a map per language), `checked` (the month it was
last checked: `python -m bot faq check` and the organizers' monthly message name the facts not checked for
six months; `checked: 2026-11` at the top is the month of the others; no month at all counts as never
checked) and `kind` (bot/local_facts/kinds.py; without it the name tells: `*_phone`, `*_hours` …).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.local_facts.kinds import ONE_VALUE, Kind, kind_for, render_hours
from bot.yamlfile import read_yaml

FALLBACK_LANGUAGE = "de"
ALL = ""  # the language of a value that is the same in every language
SAMPLE_MARK = "(SAMPLE)"
DEFAULT_FACTS_FILE = Path(__file__).resolve().parent.parent.parent / "sample_data" / "local_facts.yaml"
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")  # a "checked" month: 2026-11
_MARKED = re.compile(r"\s*\(SAMPLE\)\s*$")
_FACT_FIELDS = {"value", "checked", "kind"}


def parse_month(value: Any) -> str | None:
    """A "checked" month as "YYYY-MM", or None when it is missing or not a month."""
    if not isinstance(value, str) or not MONTH.fullmatch(value.strip()):
        return None
    return value.strip()


def split_sample(value: str) -> tuple[str, bool]:
    """("Musterstraße 1", True) for "Musterstraße 1 (SAMPLE)": the value and whether it is a sample."""
    stripped = _MARKED.sub("", value)
    return stripped, stripped != value


class LocalFactsError(ValueError):
    """The facts file is missing or malformed (message names the file and the problem)."""


@dataclass(frozen=True)
class Fact:
    name: str
    kind: Kind
    values: Mapping[str, str]  # language (ALL: every language) -> the value, without the sample mark
    samples: frozenset[str] = frozenset()  # the languages whose value is still a sample
    checked: str | None = None  # "YYYY-MM", None: never

    def language_of(self, lang: str) -> str | None:
        """Which stored value a reader of `lang` gets: theirs, the one for all, German, else any."""
        for key in (lang, ALL, FALLBACK_LANGUAGE):
            if key in self.values:
                return key
        return next(iter(self.values), None)

    def shown(self, lang: str = FALLBACK_LANGUAGE) -> str | None:
        """The value as a reader of `lang` sees it: hours in their language, " (SAMPLE)" after a sample."""
        key = self.language_of(lang)
        if key is None:
            return None
        value = self.values[key]
        if self.kind == Kind.HOURS:
            value = render_hours(value, lang)
        return f"{value} {SAMPLE_MARK}" if key in self.samples else value

    @property
    def is_sample(self) -> bool:
        return bool(self.samples)


@dataclass(frozen=True)
class LocalFacts:
    facts: Mapping[str, Fact] = field(default_factory=dict)
    marked_sample: bool = False  # the file says `sample: true`
    path: Path | None = None  # the file they came from (None: the database)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_FACTS_FILE) -> LocalFacts:
        path = Path(path)
        try:
            raw = read_yaml(path)
        except OSError as exc:
            raise LocalFactsError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        except yaml.YAMLError as exc:
            raise LocalFactsError(f"{path}: not valid YAML ({exc})") from exc
        return replace(cls.from_raw(raw, str(path)), path=path)

    @classmethod
    def from_raw(cls, raw: Any, where: str = "local facts") -> LocalFacts:
        """The facts of a parsed file (`where` names it in errors)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("facts"), dict):
            raise LocalFactsError(f"{where}: expected a mapping with a 'facts' mapping")
        default_checked = _month(raw.get("checked"), where, "checked")
        facts: dict[str, Fact] = {}
        for key, value in raw["facts"].items():
            name = str(key)
            checked, kind_name = default_checked, None
            if isinstance(value, dict) and _FACT_FIELDS & set(value):
                checked = _month(value.get("checked"), where, f"fact '{name}': checked") or default_checked
                kind_name = value.get("kind")
                value = value.get("value")
            if isinstance(value, dict):
                per_lang = {str(k): str(v) for k, v in value.items() if v is not None}
                if not per_lang:
                    raise LocalFactsError(f"{where}: fact '{name}' has no value")
            elif value is None or isinstance(value, list):
                raise LocalFactsError(f"{where}: fact '{name}' must be a string or a map per language")
            else:
                per_lang = {ALL: str(value)}
            if kind_name is None:
                kind = kind_for(name, ALL not in per_lang)
            elif kind_name in Kind.__members__.values():
                kind = Kind(kind_name)
            else:
                raise LocalFactsError(f"{where}: fact '{name}': unknown kind {kind_name!r}")
            if kind in ONE_VALUE and ALL not in per_lang:
                raise LocalFactsError(f"{where}: fact '{name}': a {kind} has one value for every language")
            split = {lang: split_sample(text) for lang, text in per_lang.items()}
            facts[name] = Fact(
                name=name,
                kind=kind,
                values={lang: text for lang, (text, _) in split.items()},
                samples=frozenset(lang for lang, (_, sample) in split.items() if sample),
                checked=checked,
            )
        return cls(facts=facts, marked_sample=bool(raw.get("sample", False)))

    def names(self) -> frozenset[str]:
        return frozenset(self.facts)

    def __contains__(self, name: object) -> bool:
        return name in self.facts

    def get(self, name: str, lang: str = FALLBACK_LANGUAGE) -> str | None:
        """The value in `lang`, else German, else any language given; None for an unknown name."""
        fact = self.facts.get(name)
        return None if fact is None else fact.shown(lang)

    @property
    def values(self) -> dict[str, str | dict[str, str]]:
        """Every fact as shown: one string, or one per language it was given in."""
        return {
            name: (fact.shown() or "")
            if ALL in fact.values
            else {lang: fact.shown(lang) or "" for lang in fact.values}
            for name, fact in self.facts.items()
        }

    @property
    def checked(self) -> dict[str, str | None]:
        return {name: fact.checked for name, fact in self.facts.items()}

    @property
    def is_sample(self) -> bool:
        return self.marked_sample or any(fact.is_sample for fact in self.facts.values())

    def with_facts(self, extra: Iterable[Fact]) -> LocalFacts:
        """These facts and those of `extra` they lack."""
        added = {fact.name: fact for fact in extra if fact.name not in self.facts}
        return replace(self, facts={**self.facts, **added}) if added else self

    def to_raw(self) -> dict[str, Any]:
        """The file's mapping (`yaml.safe_dump` it): what `from_raw` reads back as the same facts."""
        months = [fact.checked for fact in self.facts.values()]
        common = Counter(months).most_common(1)[0][0] if months and None not in months else None
        raw: dict[str, Any] = {"sample": self.is_sample}
        if common is not None:
            raw["checked"] = common
        facts: dict[str, Any] = {}
        for name, fact in self.facts.items():
            written = {
                lang: f"{text} {SAMPLE_MARK}" if lang in fact.samples else text
                for lang, text in fact.values.items()
            }
            value: Any = written[ALL] if ALL in written else written
            extra: dict[str, Any] = {}
            if fact.kind != kind_for(name, ALL not in fact.values):
                extra["kind"] = str(fact.kind)
            if fact.checked != common:
                extra["checked"] = fact.checked
            facts[name] = {**extra, "value": value} if extra else value
        raw["facts"] = facts
        return raw


def _month(value: Any, where: str, what: str) -> str | None:
    """A "checked" month of the facts file: None when not given, an error when it is not a month."""
    if value is None:
        return None
    month = parse_month(value)
    if month is None:
        raise LocalFactsError(f"{where}: {what} must be a month like 2026-11, not {value!r}")
    return month
