"""Printable QR flyers: one code per language that opens the bot in that language, plus a generic one.

`python -m bot flyer` writes an A4 PDF and a PNG; organizers get the same from the bot with /flyer.
Text comes from the catalogs (domain "flyer"); Arabic and Farsi are shaped with HarfBuzz and set right
to left. Fonts are the system's (Debian: fonts-noto-core, fonts-dejavu-core), see `bot.flyer.fonts`.
"""

from __future__ import annotations

from bot.flyer.content import (
    SAMPLE_BOT_USERNAME,
    FlyerContent,
    FlyerError,
    build_content,
    deep_link,
    is_sample,
    normalize_username,
)
from bot.flyer.fonts import FlyerFontError, FlyerFonts, find_fonts

# The renderer (fpdf, qrcode, ~20 MB) loads on first use, so the running bot does not carry it.
_RENDER_NAMES = {"Flyer", "association_name", "make_flyer", "render_pdf", "render_png"}


def __getattr__(name: str) -> object:
    if name in _RENDER_NAMES:
        from bot.flyer import render

        return getattr(render, name)
    raise AttributeError(name)


__all__ = [
    "SAMPLE_BOT_USERNAME",
    "Flyer",
    "FlyerContent",
    "FlyerError",
    "FlyerFontError",
    "FlyerFonts",
    "association_name",
    "build_content",
    "deep_link",
    "find_fonts",
    "is_sample",
    "make_flyer",
    "normalize_username",
    "render_pdf",
    "render_png",
]
