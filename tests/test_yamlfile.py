"""bot.yamlfile reads every YAML file of the project as PyYAML's own safe loader does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.yamlfile import _SAFE_LOADER, parse_yaml, read_yaml

FILES = sorted(
    p
    for folder in ("locales", "sample_data", "tests/data", "deploy")
    for p in (ROOT / folder).rglob("*.y*ml")
)


def test_the_c_parser_is_used_when_pyyaml_has_it() -> None:
    assert _SAFE_LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_project_file_reads_as_with_pyyamls_own_loader(path: Path) -> None:
    assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_unsafe_tags_and_broken_yaml_are_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        parse_yaml("!!python/object/apply:os.system ['true']")
    with pytest.raises(yaml.YAMLError):
        parse_yaml("key: [unclosed")
    assert parse_yaml("ar: مرحبا\nuk: ʼ’\n") == {"ar": "مرحبا", "uk": "ʼ’"}
