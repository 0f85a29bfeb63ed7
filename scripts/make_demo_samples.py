"""Make the demo page's two sample files (emulator/static/samples/): a photo of a letter and a voice note.

The page sends them as the chosen persona ("📷 photo of a letter", "🎤 voice note"), so a conversation with
a photo and a voice note can be shown without a camera or a microphone. Both are made here from nothing:
no copyrighted content, no real person, nothing that looks like a real authority's letter.

- letter.jpg: a plain white sheet with a few lines of German text marked MUSTER / SAMPLE (Pillow, which
  the test extra brings with it; DejaVu Sans from Debian's fonts-dejavu-core when present);
- voice.ogg: about three seconds of a murmur-like tone (vowel-like sounds on a falling pitch, not
  speech), Ogg Opus at 16 kHz through libsndfile (Debian's libsndfile1, loaded with ctypes).

Run `python scripts/make_demo_samples.py` after changing this file; the results are committed.
"""

from __future__ import annotations

import array
import ctypes
import ctypes.util
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "emulator" / "static" / "samples"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

LETTER_LINES = [
    ("MUSTER · SAMPLE", True),
    ("", False),
    ("Behörde (Beispiel)", True),
    ("Musterstraße 1 · 00000 Musterstadt", False),
    ("", False),
    ("Sehr geehrte Damen und Herren,", False),
    ("", False),
    ("bitte reichen Sie die fehlenden", False),
    ("Unterlagen innerhalb von 14 Tagen ein.", False),
    ("Ohne diese Unterlagen können wir", False),
    ("Ihren Antrag nicht bearbeiten.", False),
    ("", False),
    ("Mit freundlichen Grüßen", False),
    ("Ihre Behörde (Beispiel)", False),
]


def make_letter(path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    width, height = 360, 480
    sheet = Image.new("L", (width, height), 236)  # the table under the sheet
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((18, 14, width - 18, height - 14), fill=255, outline=200)
    size = 15
    regular = ImageFont.truetype(str(FONT), size) if FONT.is_file() else ImageFont.load_default()
    bold_path = FONT.with_name("DejaVuSans-Bold.ttf")
    bold = ImageFont.truetype(str(bold_path), size) if bold_path.is_file() else regular
    y = 36
    for text, strong in LETTER_LINES:
        if text:
            draw.text((36, y), text, fill=30, font=bold if strong else regular)
        y += size + 9
    # a signature-like stroke and a fold line, so it reads as a letter at a glance
    draw.line([(40, y + 14), (80, y + 4), (110, y + 18), (150, y + 6)], fill=60, width=2)
    draw.line([(18, height // 3), (width - 18, height // 3)], fill=228, width=1)
    sheet.save(path, "JPEG", quality=45, optimize=True, progressive=True)


class _SfInfo(ctypes.Structure):
    _fields_ = (
        ("frames", ctypes.c_int64),
        ("samplerate", ctypes.c_int),
        ("channels", ctypes.c_int),
        ("format", ctypes.c_int),
        ("sections", ctypes.c_int),
        ("seekable", ctypes.c_int),
    )


_SF_FORMAT_OGG, _SF_FORMAT_OPUS, _SFM_WRITE = 0x200000, 0x0064, 0x20
_SFC_SET_COMPRESSION_LEVEL = 0x1301
RATE = 16_000


def murmur(seconds: float = 3.0) -> array.array[int]:
    """Vowel-like sounds (two formants over a pitch that falls in each "syllable"), with short pauses."""
    samples = array.array("h")
    syllables = [(0.28, 700, 1200), (0.22, 400, 2000), (0.34, 600, 1000), (0.26, 300, 2300)]
    t_total = 0.0
    index = 0
    while t_total < seconds - 0.35:
        length, f1, f2 = syllables[index % len(syllables)]
        n = int(length * RATE)
        for i in range(n):
            t = i / RATE
            pitch = 190 - 40 * (i / n)  # falls like a voice at the end of a syllable
            envelope = math.sin(math.pi * i / n) ** 2
            phase = 2 * math.pi * pitch * t
            value = sum(
                math.sin(k * phase)
                * (1.0 / k)
                * (1.6 if abs(k * pitch - f1) < 160 else 1.0)
                * (1.3 if abs(k * pitch - f2) < 220 else 1.0)
                for k in range(1, 14)
            )
            samples.append(int(5200 * envelope * value / 3))
        pause = int((0.08 if index % 3 != 2 else 0.22) * RATE)
        samples.extend([0] * pause)
        t_total += length + pause / RATE
        index += 1
    samples.extend([0] * int(0.2 * RATE))
    return samples


def make_voice(path: Path) -> None:
    lib = ctypes.CDLL(ctypes.util.find_library("sndfile") or "libsndfile.so.1")
    lib.sf_open.restype = ctypes.c_void_p
    lib.sf_open.argtypes = (ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_SfInfo))
    lib.sf_command.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
    lib.sf_write_short.restype = ctypes.c_int64
    lib.sf_write_short.argtypes = (ctypes.c_void_p, ctypes.POINTER(ctypes.c_short), ctypes.c_int64)
    lib.sf_close.argtypes = (ctypes.c_void_p,)
    lib.sf_strerror.restype = ctypes.c_char_p
    info = _SfInfo(0, RATE, 1, _SF_FORMAT_OGG | _SF_FORMAT_OPUS, 0, 0)
    handle = lib.sf_open(str(path).encode(), _SFM_WRITE, ctypes.byref(info))
    if not handle:
        raise RuntimeError(f"libsndfile: {lib.sf_strerror(None).decode()}")
    level = ctypes.c_double(0.9)  # high compression: a low bit rate, a small file
    lib.sf_command(handle, _SFC_SET_COMPRESSION_LEVEL, ctypes.byref(level), ctypes.sizeof(level))
    samples = murmur()
    buffer = (ctypes.c_short * len(samples)).from_buffer(samples)
    written = lib.sf_write_short(handle, buffer, len(samples))
    lib.sf_close(handle)
    if written != len(samples):
        raise RuntimeError(f"libsndfile wrote {written} of {len(samples)} samples")


def main() -> None:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    make_letter(SAMPLES / "letter.jpg")
    make_voice(SAMPLES / "voice.ogg")
    for name in ("letter.jpg", "voice.ogg"):
        print(f"{SAMPLES / name}: {(SAMPLES / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
