"""The fonts of the flyer, loaded from the system at run time (no font files in the repository).

Arabic and Farsi need a font with Arabic glyphs and OpenType shaping tables: Noto Sans Arabic (Debian
package fonts-noto-core) or Noto Naskh Arabic. German, English, Ukrainian and Russian need Latin and
Cyrillic: Noto Sans (fonts-noto-core) or DejaVu Sans (fonts-dejavu-core). Both are free (SIL Open Font
License / Bitstream Vera licence). When one is missing, `find_fonts` raises `FlyerFontError` with one
line that says what to install.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Searched in this order; a directory given by the caller (--fonts-dir) comes first.
SYSTEM_FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local" / "share" / "fonts",
    Path.home() / ".fonts",
)
# (regular, bold) file names, best first.
ARABIC_FONTS: tuple[tuple[str, str], ...] = (
    ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
)
LATIN_FONTS: tuple[tuple[str, str], ...] = (
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
)
INSTALL_HINT = (
    "install them with `apt-get install fonts-noto-core fonts-dejavu-core` (Debian/Ubuntu), "
    "or put the .ttf files in a folder and pass --fonts-dir FOLDER"
)


class FlyerFontError(RuntimeError):
    """A font the flyer needs is not installed (the message says which and how to install it)."""


@dataclass(frozen=True)
class FontPair:
    regular: Path
    bold: Path


@dataclass(frozen=True)
class FlyerFonts:
    latin: FontPair  # Latin and Cyrillic: de, en, uk, ru, names, links
    arabic: FontPair  # Arabic script: ar, fa


def _index(dirs: Iterable[Path]) -> dict[str, Path]:
    """File name -> first path found (earlier folders win)."""
    found: dict[str, Path] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        for root, _dirs, files in os.walk(folder):
            for name in files:
                if name.lower().endswith((".ttf", ".otf")):
                    found.setdefault(name, Path(root) / name)
    return found


def _pick(
    index: dict[str, Path], choices: Sequence[tuple[str, str]], what: str, dirs: Sequence[Path]
) -> FontPair:
    for regular, bold in choices:
        if regular in index:
            # a missing bold face is no reason to fail: the regular one is used for headings too
            return FontPair(index[regular], index.get(bold, index[regular]))
    wanted = " or ".join(regular for regular, _bold in choices)
    where = ", ".join(str(d) for d in dirs)
    raise FlyerFontError(f"flyer: no font for {what} found (looked for {wanted} in {where}); {INSTALL_HINT}")


def find_fonts(extra_dirs: Sequence[str | Path] = ()) -> FlyerFonts:
    dirs = [Path(d) for d in extra_dirs] + list(SYSTEM_FONT_DIRS)
    index = _index(dirs)
    return FlyerFonts(
        latin=_pick(index, LATIN_FONTS, "Latin and Cyrillic letters", dirs),
        arabic=_pick(index, ARABIC_FONTS, "Arabic script (Arabic, Farsi)", dirs),
    )
