"""Reading the text of a letter's photo with Tesseract, on this server, in memory.

The photo is never written to disk by us and never kept: pytesseract hands the prepared image to the
`tesseract` program through a temporary file that it deletes at once. Preparation, because phone photos
are skewed, shadowed and soft:
- grey, the long side scaled to about 2,000 pixels (Tesseract reads body text best at 25–35 px per line);
- uneven light (a shadow, a lamp) divided out by a heavily blurred copy of the page;
- the skew (up to ±10°) found on a small copy by the rotation that makes the text lines sharpest.
Without the `tesseract` program the feature is off (`available()` says why, once, at start-up).
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow is loaded with the first photo: most processes never read one (issue 18)
    from PIL import Image

LANGUAGE = "deu"
_LANGUAGE = re.compile(r"[a-z_]+")  # a line of --list-langs that names one (chi_sim, deu, osd)
TARGET_LONG_SIDE = 2000
MAX_PIXELS = 40_000_000  # a larger "photo" is refused before it is decoded (decompression bombs)
SKEW_LIMIT = 10.0
# Tesseract's OpenMP threads fight over two cores with the bot and each other: one thread is two to three
# times faster here (measured, bench/bench_letters.py). Only tesseract, which we start, reads this.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


class UnreadableImage(Exception):
    """Not an image we can open (broken, not an image, far too large)."""


@dataclass(frozen=True)
class OcrStatus:
    ok: bool
    reason: str = ""


def available() -> OcrStatus:
    program = shutil.which("tesseract")
    if program is None:
        return OcrStatus(False, "the tesseract program is not installed (Debian: tesseract-ocr)")
    try:
        languages = _languages(program)
    except Exception as exc:  # a broken install: the feature stays off, the bot runs
        return OcrStatus(False, f"tesseract does not run: {type(exc).__name__}")
    if LANGUAGE not in languages:
        return OcrStatus(False, "German for tesseract is not installed (Debian: tesseract-ocr-deu)")
    return OcrStatus(True)


@functools.cache
def _languages(program: str) -> tuple[str, ...]:
    """The languages the tesseract program at this path has, asked once per process (it is a program run:
    every bot a test process builds would otherwise start it again). A failure is not kept. Asked directly,
    not through pytesseract, which loads Pillow: a bot that never reads a photo does not hold it."""
    # (as pytesseract asks: older versions answer on stderr and with exit status 1; the answer is a header line
    # "List of available languages in ...", then one language per line)
    done = subprocess.run(
        [program, "--list-langs"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"tesseract --list-langs: exit status {done.returncode}")
    return tuple(line.strip() for line in done.stdout.splitlines() if _LANGUAGE.fullmatch(line.strip()))


def open_image(data: bytes) -> Image.Image:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise UnreadableImage("too large")
            image = ImageOps.exif_transpose(probe)
            image.load()
    except UnreadableImage:
        raise
    except Exception as exc:
        raise UnreadableImage(type(exc).__name__) from exc
    return image


def _even_light(grey: Image.Image) -> Image.Image:
    from PIL import ImageFilter, ImageMath, ImageOps

    background = grey.filter(ImageFilter.BoxBlur(max(grey.size) // 40 or 1))
    # page / background: paper becomes white everywhere, ink stays dark, whatever the shadow
    flat = ImageMath.lambda_eval(
        lambda a: a["convert"](a["min"](a["page"] * 255 / (a["light"] + 1), 255), "L"),
        page=grey,
        light=background,
    )
    return ImageOps.autocontrast(flat, cutoff=1)


def _sharpness(binary: Image.Image) -> float:
    # Text lines that run straight make some rows all ink and some all paper: a high variance of row sums.
    width, height = binary.size
    data = binary.tobytes()
    rows = [data[y * width : (y + 1) * width].count(0) for y in range(height)]
    mean = sum(rows) / height
    return sum((r - mean) ** 2 for r in rows) / height


def find_skew(grey: Image.Image) -> float:
    from PIL import Image

    small = grey.copy()
    small.thumbnail((700, 700))
    binary = small.point(lambda v: 0 if v < 140 else 255, mode="L")

    def score(angle: float) -> float:
        turned = binary.rotate(angle, resample=Image.Resampling.NEAREST, expand=False, fillcolor=255)
        return _sharpness(turned)

    best = max((a / 1.0 for a in range(-int(SKEW_LIMIT), int(SKEW_LIMIT) + 1)), key=score)
    return max((best + step / 4 for step in range(-3, 4)), key=score)


def prepare(image: Image.Image) -> Image.Image:
    from PIL import Image, ImageOps

    grey = ImageOps.grayscale(image)
    scale = TARGET_LONG_SIDE / max(grey.size)
    if abs(scale - 1) > 0.1:
        grey = grey.resize((round(grey.width * scale), round(grey.height * scale)), Image.Resampling.LANCZOS)
    grey = _even_light(grey)
    angle = find_skew(grey)
    if abs(angle) >= 0.5:
        grey = grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return grey


def recognise(data: bytes) -> str:
    """The letter's text (may be empty). Blocking and CPU-bound: call it in a worker thread."""
    import pytesseract

    prepared = prepare(open_image(data))
    return str(pytesseract.image_to_string(prepared, lang=LANGUAGE, config="--oem 1 --psm 3"))
