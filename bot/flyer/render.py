"""The flyer as an A4 PDF (fpdf2, text shaped with HarfBuzz) and as a PNG (the PDF page, via pdfium).

Layout, top to bottom: a SAMPLE banner when the bot's name is only a sample, the association's name,
one card per language (QR code, the language named in itself, one line in its own script), and a
generic code that lets people choose their language in the bot. QR codes are drawn as vector squares, so
they stay sharp at any print size, and each one is also a clickable link in the PDF.

Every piece of text is set with its script's font (the other one as fallback), HarfBuzz shaping, and an
explicit direction: right to left for Arabic and Farsi, so fpdf2's bidi algorithm lays the line out
right to left and HarfBuzz joins the letters.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import qrcode
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.faq import facts as facts_store
from bot.flyer.content import FlyerContent, FlyerError, LanguageCode, build_content
from bot.flyer.fonts import FlyerFonts, find_fonts
from bot.local_facts import LocalFacts, LocalFactsError
from storage.db import release

__all__ = ["Flyer", "FlyerError", "association_name", "make_flyer", "qr_matrix", "render_pdf", "render_png"]

PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
MARGIN = 10.0
GAP = 4.0
COLUMNS = 2
FOOTER_H = 38.0
QUIET_MODULES = 4  # white border around a QR code, in modules (the standard asks for 4)
PT = 25.4 / 72  # one point in mm
LINE = 1.3  # line height / font size
ARABIC_SCALE = 1.12  # Arabic letters look smaller than Latin ones at the same size: set them larger
TITLE_SIZES = (24.0, 22.0, 20.0, 18.0, 16.0)
NAME_SIZES = (15.0,)
TEXT_SIZES = (13.0, 12.5, 12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0)
TEXT_LINES = 3
LABEL_SIZES = (15.0, 14.0, 13.0, 12.0)
PNG_DPI = 150
_PDFIUM_LOCK = threading.Lock()  # pdfium is not thread-safe; the bot renders in worker threads


@dataclass(frozen=True)
class Flyer:
    content: FlyerContent
    pdf: bytes
    png: bytes | None  # None when pypdfium2 is not installed

    @property
    def basename(self) -> str:
        return f"qr-flyer-{self.content.username}"


# --- text -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    text: str
    lang: str
    rtl: bool
    bold: bool = False


def _use(pdf: FPDF, item: _Text, size: float) -> float:
    """Font and shaping for `item` at nominal `size`; returns the line height in mm."""
    own, other = ("arabic", "latin") if item.rtl else ("latin", "arabic")
    actual = size * (ARABIC_SCALE if item.rtl else 1.0)
    pdf.set_font(own, "B" if item.bold else "", actual)
    pdf.set_fallback_fonts([other], exact_match=False)
    pdf.set_text_shaping(True, direction="rtl" if item.rtl else "ltr", language=item.lang)
    return actual * PT * LINE


def _fit(pdf: FPDF, item: _Text, width: float, sizes: Sequence[float], max_lines: int) -> tuple[float, int]:
    """The largest size at which `item` takes at most `max_lines` lines (else the smallest), and its lines."""
    lines = 0
    for size in sizes:
        line_h = _use(pdf, item, size)
        lines = len(pdf.multi_cell(width, line_h, item.text, align="C", dry_run=True, output="LINES"))
        if lines <= max_lines:
            return size, lines
    return sizes[-1], lines


def _height(pdf: FPDF, item: _Text, width: float, sizes: Sequence[float], max_lines: int) -> float:
    size, lines = _fit(pdf, item, width, sizes, max_lines)
    return lines * _use(pdf, item, size)


def _write(
    pdf: FPDF,
    item: _Text,
    x: float,
    y: float,
    width: float,
    sizes: Sequence[float],
    max_lines: int,
    *,
    align: str = "C",
    link: str | None = None,
) -> float:
    """Write `item` fitted into `width` at (x, y); returns the y below it."""
    size, _lines = _fit(pdf, item, width, sizes, max_lines)
    line_h = _use(pdf, item, size)
    pdf.set_xy(x, y)
    pdf.multi_cell(width, line_h, item.text, align=align, link=link)
    return pdf.get_y()


# --- QR codes -------------------------------------------------------------------------------------------


def qr_matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """A QR code as filled squares in a `size` x `size` box that includes the white quiet zone."""
    matrix = qr_matrix(url)
    count = len(matrix)
    module = size / (count + 2 * QUIET_MODULES)
    left, top = x + QUIET_MODULES * module, y + QUIET_MODULES * module
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(matrix):
        col = 0
        while col < count:
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < count and cells[col]:
                col += 1
            # a hair of overlap, so no light seams show between neighbouring squares when rasterised
            pdf.rect(
                left + start * module, top + row * module, (col - start) * module + 0.01, module + 0.01, "F"
            )
    pdf.link(x, y, size, size, url)


# --- the page -------------------------------------------------------------------------------------------


def _frame(
    pdf: FPDF, x: float, y: float, w: float, h: float, fill: tuple[int, int, int] | None = None
) -> None:
    pdf.set_draw_color(160, 170, 180)
    pdf.set_line_width(0.3)
    if fill:
        pdf.set_fill_color(*fill)
    pdf.rect(x, y, w, h, style="DF" if fill else "D", round_corners=True, corner_radius=3)


def _cards(pdf: FPDF, codes: Sequence[LanguageCode], top: float, bottom: float) -> None:
    inner_w = PAGE_W - 2 * MARGIN
    rows = math.ceil(len(codes) / COLUMNS)
    card_w = (inner_w - (COLUMNS - 1) * GAP) / COLUMNS
    card_h = (bottom - top - (rows - 1) * GAP) / rows
    names = [_Text(c.name, c.lang, c.rtl, bold=True) for c in codes]
    lines = [_Text(c.text, c.lang, c.rtl) for c in codes]
    name_h = max(_height(pdf, t, card_w - 4, NAME_SIZES, 1) for t in names)
    text_h = max(_height(pdf, t, card_w - 6, TEXT_SIZES, TEXT_LINES) for t in lines)
    # the codes as big as the card allows once the longest text fits under them
    qr_size = max(28.0, min(card_w - 8, card_h - name_h - text_h - 3))
    for index, code in enumerate(codes):
        row, col = divmod(index, COLUMNS)
        x, y = MARGIN + col * (card_w + GAP), top + row * (card_h + GAP)
        _frame(pdf, x, y, card_w, card_h)
        _qr(pdf, code.url, x + (card_w - qr_size) / 2, y + 1, qr_size)
        below = _write(pdf, names[index], x + 2, y + 1 + qr_size, card_w - 4, NAME_SIZES, 1)
        _write(pdf, lines[index], x + 3, below + 0.5, card_w - 6, TEXT_SIZES, TEXT_LINES)


def _footer(pdf: FPDF, content: FlyerContent, y: float) -> None:
    x, w, h = MARGIN, PAGE_W - 2 * MARGIN, FOOTER_H
    _frame(pdf, x, y, w, h, fill=(236, 242, 248))
    qr_size = h - 2
    text_w = w - qr_size - 8
    if content.rtl:  # the code sits where the reader starts: on the right in Arabic and Farsi
        qr_x, text_x, align = x + w - qr_size - 1, x + 4, "R"
    else:
        qr_x, text_x, align = x + 1, x + qr_size + 4, "L"
    _qr(pdf, content.generic_url, qr_x, y + 1, qr_size)
    label = _Text(content.generic_label, content.lang, content.rtl, bold=True)
    link = _Text(
        content.generic_url.removeprefix("https://") + (" (SAMPLE)" if content.sample_note else ""),
        content.lang,
        rtl=False,
        bold=True,
    )
    label_h = _height(pdf, label, text_w, LABEL_SIZES, 2)
    link_h = _height(pdf, link, text_w, (16.0, 14.0, 12.0), 1)
    below = _write(
        pdf, label, text_x, y + (h - label_h - link_h - 2) / 2, text_w, LABEL_SIZES, 2, align=align
    )
    pdf.set_text_color(30, 100, 160)
    _write(pdf, link, text_x, below + 2, text_w, (16.0, 14.0, 12.0), 1, align=align, link=content.generic_url)
    pdf.set_text_color(0, 0, 0)


def render_pdf(content: FlyerContent, fonts: FlyerFonts) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(f"{content.title} - Telegram @{content.username}")
    pdf.set_creator("helfernetz-bot")
    pdf.set_lang(content.lang)
    pdf.add_font("latin", "", fonts.latin.regular)
    pdf.add_font("latin", "B", fonts.latin.bold)
    pdf.add_font("arabic", "", fonts.arabic.regular)
    pdf.add_font("arabic", "B", fonts.arabic.bold)
    pdf.add_page()
    inner_w = PAGE_W - 2 * MARGIN
    y = MARGIN
    if content.sample_note:
        note = _Text(content.sample_note, content.lang, content.rtl)
        line_h = _use(pdf, note, 10.0)
        pdf.set_fill_color(253, 228, 226)
        pdf.set_text_color(150, 30, 25)
        pdf.set_xy(MARGIN, y)
        pdf.multi_cell(inner_w, line_h, note.text, align="C", fill=True, padding=1.5)
        pdf.set_text_color(0, 0, 0)
        y = pdf.get_y() + 3
    title = _Text(content.title, content.lang, content.rtl, bold=True)
    y = _write(pdf, title, MARGIN, y, inner_w, TITLE_SIZES, 2) + GAP
    footer_y = PAGE_H - MARGIN - FOOTER_H
    _cards(pdf, content.codes, y, footer_y - GAP)
    _footer(pdf, content, footer_y)
    return bytes(pdf.output())


def render_png(pdf: bytes, dpi: int = PNG_DPI) -> bytes | None:
    """The first page as PNG; None when pypdfium2 (the PDF renderer) is not installed."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return None
    with _PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            page = document[0]
            image = page.render(scale=dpi / 72).to_pil()
            page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- from settings --------------------------------------------------------------------------------------


def association_name(settings: Settings) -> str:
    """The association's name from the local facts file (`association_name`), in the default language."""
    try:
        facts = LocalFacts.load(settings.local_facts_file)
    except LocalFactsError as exc:
        raise FlyerError(f"flyer: {exc}") from exc
    name = facts.get("association_name", settings.default_language)
    if not name:
        raise FlyerError(f"flyer: {settings.local_facts_file}: the fact 'association_name' is missing")
    return name


async def association_name_now(session: AsyncSession, settings: Settings) -> str:
    """The association's name as organizers last saved it (the database: bot/faq/facts.py), else from the
    facts file. The session's transaction ends here: nothing waits on it while the flyer is drawn."""
    facts = await facts_store.load(session)
    await release(session)
    name = facts.get("association_name", settings.default_language) if facts is not None else None
    return name or association_name(settings)


def make_flyer(
    username: str,
    settings: Settings,
    *,
    sample: bool = False,
    fonts: FlyerFonts | None = None,
    fonts_dirs: Sequence[str | Path] = (),
    png: bool = True,
    title: str | None = None,
) -> Flyer:
    """PDF and PNG of the flyer for the bot `username` (CPU work: run it in a thread from async code);
    `title`: the association's name (default: from the facts file)."""
    content = build_content(
        username, title=title or association_name(settings), lang=settings.default_language, sample=sample
    )
    pdf = render_pdf(content, fonts or find_fonts(fonts_dirs))
    return Flyer(content=content, pdf=pdf, png=render_png(pdf) if png else None)
