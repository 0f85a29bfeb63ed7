"""The choices of the assignment dialog and the helper profile: kinds, languages, areas.

Kinds are fixed here (labels are catalog message ids, translated where shown); the languages are those of
the one language table, `bot.languages`. Areas are
local facts: they come from `AREAS_FILE` (default `sample_data/areas.yaml`, a SAMPLE list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.text import N_
from bot.yamlfile import read_yaml

ANY = "any"  # "no particular language" / "the place does not matter"

KINDS: dict[str, str] = {
    "doctor": N_("🩺 Accompany to a doctor"),
    "authority": N_("🏛 Accompany to an authority"),
    "interpret": N_("🗣 Interpreting"),
    "letters": N_("✉️ Help with letters"),
    "moving": N_("📦 Help with moving"),
    "other": N_("🤝 Other help"),
}

# The languages a helper may offer and an assignment ask for: bot.languages.HELPER_LANGUAGES.
ANY_LANGUAGE = N_("Any language")
ANY_AREA = N_("Place does not matter")

AREA_KEY = re.compile(r"^[a-z0-9-]{1,16}$")


class AreasError(ValueError):
    """The areas file is missing or malformed (the message names the file and the problem)."""


@dataclass(frozen=True)
class Areas:
    names: dict[str, str] = field(default_factory=dict)  # key → name, in the file's order
    is_sample: bool = False

    def name(self, key: str) -> str | None:
        return self.names.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.names


def load_areas(path: str | Path) -> Areas:
    path = Path(path)
    try:
        raw = read_yaml(path)
    except OSError as exc:
        raise AreasError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise AreasError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("areas"), list) or not raw["areas"]:
        raise AreasError(f"{path}: expected a mapping with a non-empty 'areas' list")
    names: dict[str, str] = {}
    for entry in raw["areas"]:
        if not isinstance(entry, dict):
            raise AreasError(f"{path}: every area needs 'key' and 'name'")
        key, name = str(entry.get("key", "")), str(entry.get("name") or "").strip()
        if not AREA_KEY.match(key) or key == ANY:
            raise AreasError(f"{path}: bad area key {key!r} (a-z, 0-9, -; at most 16; not 'any')")
        if not name or len(name) > 40:
            raise AreasError(f"{path}: area {key!r} needs a name of 1-40 characters")
        if key in names:
            raise AreasError(f"{path}: area key {key!r} appears twice")
        names[key] = name
    return Areas(names=names, is_sample=bool(raw.get("sample", False)))


@lru_cache(maxsize=8)
def areas(path: str | Path) -> Areas:
    """The configured areas, read once per file."""
    return load_areas(path)
