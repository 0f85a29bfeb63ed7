"""QR flyer: the PDF renders, its codes decode to exactly the bot's links, Arabic and Farsi are set right to
left with joined letters; the CLI and the organizers' /flyer command.

What the right-to-left tests prove, and what they do not:
- order: pdfium's text extraction (which applies the bidi algorithm to what is on the page) gives each
  Arabic/Farsi line back in logical order, and the glyph boxes of consecutive letters move leftwards. A
  line written left to right would come back reversed (the unshaped control shows that).
- joining: on the rendered page, the ink of the line forms at most as many separate horizontal runs as the
  text has letter groups by the Unicode joining rules (a joined word is one connected stroke), while the
  same text set without shaping (isolated letter forms) shows about one run per letter. This proves the
  letters are connected; it does not prove that every contextual form is typographically right.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import itertools
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import ROOT, SUPPORTED_LANGUAGES, Settings, load_settings
from bot.flyer import (
    SAMPLE_BOT_USERNAME,
    Flyer,
    FlyerError,
    FlyerFontError,
    build_content,
    deep_link,
    find_fonts,
    make_flyer,
    normalize_username,
    render_png,
)
from bot.flyer.cli import fetch_username, resolve_username
from bot.flyer.content import ALL_LANGUAGES, SCAN_ME
from bot.flyer.fonts import FlyerFonts
from bot.i18n import catalogs, is_rtl
from emulator.server import BotAPIEmulator

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")

BOT = "isernhagen_hilfe_bot"
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "docs" / "screenshots")
RTL = [lang for lang in SUPPORTED_LANGUAGES if is_rtl(lang)]
LTR = [lang for lang in SUPPORTED_LANGUAGES if not is_rtl(lang)]


def expected_links(username: str) -> set[str]:
    return {f"https://t.me/{username}?start=lang-{lang}" for lang in SUPPORTED_LANGUAGES} | {
        f"https://t.me/{username}"
    }


def settings(**overrides: Any) -> Settings:
    return load_settings(bot_token="", **overrides)


@pytest.fixture(scope="module")
def fonts() -> FlyerFonts:
    try:
        return find_fonts()
    except FlyerFontError as exc:  # test.sh installs them; elsewhere say what is missing
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def flyer(fonts: FlyerFonts) -> Flyer:
    return make_flyer(BOT, settings(), fonts=fonts)


@pytest.fixture(scope="module")
def page(flyer: Flyer) -> Iterator[Any]:
    document = pdfium.PdfDocument(flyer.pdf)
    yield document[0]
    document.close()


# --- names and links ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        "isernhagen_hilfe_bot",
        "@isernhagen_hilfe_bot",
        "https://t.me/isernhagen_hilfe_bot",
        " t.me/isernhagen_hilfe_bot/ ",
    ],
)
def test_username_forms(given: str) -> None:
    assert normalize_username(given) == "isernhagen_hilfe_bot"


@pytest.mark.parametrize(
    "given", ["", "@", "abot", "1helfer_bot", "helfer bot", "isernhagen_hilfe", "x" * 40 + "bot"]
)
def test_bad_usernames_are_refused(given: str) -> None:
    with pytest.raises(FlyerError):
        normalize_username(given)


def test_deep_links() -> None:
    assert deep_link(BOT, "ar") == f"https://t.me/{BOT}?start=lang-ar"
    assert deep_link(BOT) == f"https://t.me/{BOT}"
    content = build_content(BOT, title="Verein")
    assert set(content.urls) == expected_links(BOT) and len(content.urls) == 7


def test_sample_name_is_the_demo_emulators_bot() -> None:
    default = inspect.signature(BotAPIEmulator).parameters["bot_username"].default
    assert default == SAMPLE_BOT_USERNAME


def test_texts_come_from_the_catalogs_in_every_language() -> None:
    content = build_content(BOT, title="Verein", lang="de", sample=True)
    by_lang = {code.lang: code for code in content.codes}
    assert list(by_lang) == list(SUPPORTED_LANGUAGES)
    texts = {code.text for code in content.codes}
    assert len(texts) == len(SUPPORTED_LANGUAGES)  # translated, not the English id six times
    for lang, code in by_lang.items():
        assert code.text == catalogs().gettext(lang, SCAN_ME)
        assert code.rtl == is_rtl(lang)
        if code.rtl:  # begins with Arabic script
            assert re.match(r"[\u0600-\u06ff]", code.text)
    assert "ی" in by_lang["fa"].text and "ي" not in by_lang["fa"].text  # Persian yeh, not Arabic
    assert content.generic_label == catalogs().gettext("de", ALL_LANGUAGES)
    assert content.sample_note and "SAMPLE" in content.sample_note and BOT in content.sample_note
    assert build_content(BOT, title="Verein").sample_note is None


# --- the PDF --------------------------------------------------------------------------------------------


def test_pdf_is_one_a4_page_with_ink(flyer: Flyer, page: Any) -> None:
    assert flyer.pdf.startswith(b"%PDF-")
    width, height = page.get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    image = page.render(scale=100 / 72).to_pil().convert("L")
    dark = sum(image.histogram()[:128]) / (image.width * image.height)
    assert 0.03 < dark < 0.5, f"{dark:.1%} of the page is dark"


def test_qr_codes_are_exactly_the_language_links_and_the_generic_one(page: Any) -> None:
    image = page.render(scale=200 / 72).to_pil()
    found = [result.text for result in zxingcpp.read_barcodes(image)]
    assert sorted(found) == sorted(expected_links(BOT))  # seven codes, each once


def test_png_is_the_same_page_and_its_codes_decode(flyer: Flyer) -> None:
    from PIL import Image

    assert flyer.png is not None
    image = Image.open(io.BytesIO(flyer.png))
    assert image.format == "PNG" and image.height > image.width > 1000
    found = [result.text for result in zxingcpp.read_barcodes(image)]
    assert sorted(found) == sorted(expected_links(BOT))


def test_every_line_is_on_the_page(page: Any) -> None:
    text = page.get_textpage().get_text_range()
    flat = re.sub(r"\s+", " ", text)
    assert "Helfernetzwerk Musterstadt (SAMPLE)" in flat  # association_name from the local facts
    for lang in LTR:
        assert catalogs().gettext(lang, SCAN_ME) in flat
    assert f"t.me/{BOT}" in flat
    assert "SAMPLE:" not in flat  # a real bot name: no sample banner


# --- right to left --------------------------------------------------------------------------------------

_LAM_ALEF = re.compile("ل([اأإآ])")
_TRANSPARENT = re.compile("[\u064b-\u065f\u0670]")  # harakat: no effect on joining
_RIGHT_JOINING = set("آأؤإاةدذرزوٱژۀ")  # join to the letter before only
_NON_JOINING = set("ء")


def _is_arabic_letter(char: str) -> bool:
    return "\u0620" <= char <= "\u064a" or "\u066e" <= char <= "\u06d3"


def letter_groups(text: str) -> tuple[int, int]:
    """(visual groups, letters) by the Unicode joining rules: a letter joins the one before when that one
    joins on both sides; punctuation is a group of its own."""
    groups = letters = 0
    joins_next = False
    for char in _TRANSPARENT.sub("", text):
        if char.isspace():
            joins_next = False
        elif _is_arabic_letter(char):
            letters += 1
            groups += 0 if joins_next else 1
            joins_next = char not in _RIGHT_JOINING and char not in _NON_JOINING
        else:
            groups += 1
            joins_next = False
    return groups, letters


def _as_extracted(text: str) -> str:
    # A lam-alef ligature is one glyph for two letters; pdfium gives its two letters in visual order.
    return _LAM_ALEF.sub(lambda m: m.group(1) + "ل", text)


def _find_lines(textpage: Any, text: str) -> list[list[int]]:
    """Char indexes of `text` on the page, one list per printed line (line breaks replace spaces)."""
    full = textpage.get_text_range()
    assert textpage.count_chars() == len(full)
    pattern = r"(?: |\r\n)".join(map(re.escape, _as_extracted(text).split(" ")))
    match = re.search(pattern, full)
    assert match, f"{text!r} is not on the page in logical order; page text: {full!r}"
    lines: list[list[int]] = [[]]
    for index in range(*match.span()):
        if full[index] in "\r\n":
            if lines[-1]:
                lines.append([])
        elif not full[index].isspace():
            lines[-1].append(index)
    return lines


def _ink_runs(image: Any, box: tuple[float, float, float, float], page_height: float, scale: float) -> int:
    """Separate stretches of columns with ink in `box` (PDF points, origin bottom left)."""
    left, bottom, right, top = box
    crop = image.crop(
        (
            int(left * scale) - 2,
            int((page_height - top) * scale) - 2,
            int(right * scale) + 3,
            int((page_height - bottom) * scale) + 3,
        )
    )
    pixels = crop.load()
    inked = [any(pixels[x, y] < 128 for y in range(crop.height)) for x in range(crop.width)]
    return sum(1 for x, ink in enumerate(inked) if ink and (x == 0 or not inked[x - 1]))


def _runs_of_lines(page: Any, lines: list[list[int]], scale: float = 300 / 72) -> int:
    textpage = page.get_textpage()
    image = page.render(scale=scale).to_pil().convert("L")
    total = 0
    for line in lines:
        boxes = [textpage.get_charbox(i) for i in line]
        box = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        total += _ink_runs(image, box, page.get_height(), scale)
    return total


def _unshaped_control(fonts: FlyerFonts, text: str) -> int:
    """The same text with the same font, shaping off: isolated letters, as a broken flyer would show."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("arabic", "", fonts.arabic.regular)
    pdf.set_font("arabic", size=14)
    pdf.set_xy(5, 20)
    pdf.cell(text=text)
    document = pdfium.PdfDocument(bytes(pdf.output()))
    try:
        page = document[0]
        textpage = page.get_textpage()
        line = [i for i in range(textpage.count_chars()) if not textpage.get_text_range(i, 1).isspace()]
        return _runs_of_lines(page, [line])
    finally:
        document.close()


@pytest.mark.parametrize("lang", RTL)
def test_rtl_line_reads_right_to_left(page: Any, lang: str) -> None:
    text = catalogs().gettext(lang, SCAN_ME)
    textpage = page.get_textpage()
    lines = _find_lines(textpage, text)  # found in logical order: laid out right to left
    ligatures = len(_LAM_ALEF.findall(text))
    for line in lines:
        boxes = [textpage.get_charbox(i) for i in line]
        xs = [(left + right) / 2 for left, _bottom, right, _top in boxes]
        rightwards = sum(1 for a, b in itertools.pairwise(xs) if b > a + 0.01)
        # first character rightmost, last leftmost (also trailing punctuation, which a left-to-right
        # paragraph would put at the right end)
        assert xs[0] >= max(xs) - 0.01 and xs[-1] <= min(xs) + 0.01, xs
        assert rightwards <= ligatures, f"{rightwards} letters stand right of the one before"


@pytest.mark.parametrize("lang", RTL)
def test_rtl_letters_are_joined(page: Any, fonts: FlyerFonts, lang: str) -> None:
    text = catalogs().gettext(lang, SCAN_ME)
    groups, letters = letter_groups(text)
    assert groups < letters * 0.75  # the check below means something for this text
    runs = _runs_of_lines(page, _find_lines(page.get_textpage(), text))
    isolated = _unshaped_control(fonts, text)
    assert isolated >= letters * 0.9, f"control: {isolated} runs for {letters} isolated letters"
    assert runs <= groups, f"{runs} separate pieces of ink, but only {groups} letter groups in {text!r}"


def test_sample_flyer_is_marked(fonts: FlyerFonts) -> None:
    flyer = make_flyer(SAMPLE_BOT_USERNAME, settings(), sample=True, fonts=fonts, png=False)
    preview = render_png(flyer.pdf, dpi=80)  # for the README, beside the demo's screenshots
    assert preview is not None
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    (SCREENSHOT_DIR / "flyer-sample.png").write_bytes(preview)
    document = pdfium.PdfDocument(flyer.pdf)
    try:
        text = re.sub(r"\s+", " ", document[0].get_textpage().get_text_range())
    finally:
        document.close()
    assert text.count("SAMPLE") >= 3  # banner, the facts' sample name, the link
    assert f"@{SAMPLE_BOT_USERNAME}" in text


def test_missing_fonts_say_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.flyer.fonts as font_module

    monkeypatch.setattr(font_module, "SYSTEM_FONT_DIRS", (tmp_path,))
    with pytest.raises(FlyerFontError, match="fonts-noto-core"):
        find_fonts()


def test_missing_association_name_is_a_clear_error(tmp_path: Path, fonts: FlyerFonts) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text("sample: false\nfacts:\n  contact_phone: '+49 1'\n", encoding="utf-8")
    with pytest.raises(FlyerError, match="association_name"):
        make_flyer(BOT, settings(local_facts_file=facts), fonts=fonts)


# --- where the bot's name comes from -------------------------------------------------------------------


def test_username_falls_back_to_the_sample_without_a_token() -> None:
    assert resolve_username(None, settings()) == SAMPLE_BOT_USERNAME
    assert resolve_username("@other_bot", settings()) == "other_bot"


async def test_username_from_get_me() -> None:
    async with BotAPIEmulator(bot_username="isernhagen_hilfe_bot") as emu:
        assert await fetch_username(emu.base_url, emu.token) == "isernhagen_hilfe_bot"
        with pytest.raises(FlyerError) as refused:
            await fetch_username(emu.base_url, "123:not-a-known-token-but-valid-form?")
        assert "not-a-known" not in str(refused.value)  # the token never shows
    with pytest.raises(FlyerError, match="--bot-username"):
        await fetch_username("http://127.0.0.1:9", "123:ABC", timeout=2)


async def test_cli_asks_telegram_when_a_token_is_set(tmp_path: Path) -> None:
    async with BotAPIEmulator(bot_username="isernhagen_hilfe_bot") as emu:
        env = {**os.environ, "BOT_TOKEN": emu.token, "TELEGRAM_API_URL": emu.base_url}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "flyer",
            "--out",
            str(tmp_path),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    assert (tmp_path / "qr-flyer-isernhagen_hilfe_bot.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "qr-flyer-isernhagen_hilfe_bot.png").exists()
    assert "https://t.me/isernhagen_hilfe_bot?start=lang-fa" in out.decode()
    assert "SAMPLE" not in err.decode()


def test_cli_without_token_writes_a_sample(
    tmp_path: Path, fonts: FlyerFonts, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("BOT_TOKEN", "")
    assert main(["flyer", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert (tmp_path / f"qr-flyer-{SAMPLE_BOT_USERNAME}.pdf").exists()
    assert "SAMPLE" in captured.err
    assert main(["flyer", "--out", str(tmp_path), "--bot-username", "not a name"]) == 2
    assert "not a Telegram username" in capsys.readouterr().err


# --- /flyer in the bot ------------------------------------------------------------------------------------


@pytest.mark.parametrize("db_kind", ["sqlite"])  # no database work beyond the role check
async def test_organizer_gets_pdf_and_png_from_the_bot(
    db_kind: str, tmp_path: Path, fonts: FlyerFonts
) -> None:
    from tests.e2e.harness import ORGANIZER_ID, running_bot, text_of

    emu = BotAPIEmulator(bot_username="isernhagen_hilfe_bot")
    async with running_bot(db_kind, tmp_path, emulator=emu) as bot:
        bot.user(ORGANIZER_ID, language_code="de")
        bot.user(61, language_code="ar")
        refused = await bot.say(61, "/flyer")
        assert text_of(refused) == catalogs().gettext(
            "ar", "Sorry, this is only for helpers and organizers of the association."
        )
        assert all("document" not in m for m in bot.emu.bot_messages(61))

        document = await bot.say(ORGANIZER_ID, "/flyer", timeout=30)
        await bot.settle(0.5)
        sent = [m for m in bot.emu.bot_messages(ORGANIZER_ID) if "document" in m or "photo" in m]
        assert (
            "document" in document
            and document["document"]["file_name"] == "qr-flyer-isernhagen_hilfe_bot.pdf"
        )
        assert [("document" in m, "photo" in m) for m in sent] == [(True, False), (False, True)]
        pdf = bot.emu.file_bytes(document["document"]["file_id"])
        pdf_doc = pdfium.PdfDocument(pdf)
        try:
            image = pdf_doc[0].render(scale=150 / 72).to_pil()
        finally:
            pdf_doc.close()
        found = sorted(result.text for result in zxingcpp.read_barcodes(image))
        assert found == sorted(expected_links("isernhagen_hilfe_bot"))  # the bot's own name from getMe
        assert bot.emu.violations == []
