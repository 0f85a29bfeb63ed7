"""Letter reading benchmark: accuracy and time per photo. Prints figures; passes or fails nothing.

    .venv/bin/python bench/bench_letters.py [--variants 4] [--seed 7] [--set samples|heldout] [--wrong]

--set heldout reads tests/letter_heldout.py instead: letters written apart from the reader's rules, to
measure it on wording they were not written for. --wrong lists every photo read wrong (sender or dates).

On sample letters made here (tests/letter_samples.py: every sender kind, rendered with real fonts, a
letterhead, an info block and tables, then damaged like phone photos: rotation up to 10°, perspective,
blur, noise, shadow, JPEG), read with Tesseract as the bot reads them (bot/letters/):
- sender kind right, per kind and in all;
- deadline or appointment dates exactly right (the set of dates found equals the letter's);
- dates invented on letters that have none;
- photos that are no letter (blank, dark, noise) said to be unreadable;
- seconds per photo (wall clock, this machine), p50, p95 and the slowest.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bot.letters import ocr  # noqa: E402
from bot.letters.dates import DateKind  # noqa: E402
from bot.letters.reading import read_text  # noqa: E402
from tests.letter_heldout import heldout_set  # noqa: E402
from tests.letter_samples import sample_set  # noqa: E402

TODAY = date(2026, 12, 3)
WRITTEN = date(2026, 12, 1)


def not_letters(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    photos = []
    for colour in [(250, 250, 250), (20, 20, 25)]:
        image = Image.new("RGB", (1200, 1600), colour)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=70)
        photos.append(out.getvalue())
    noise = Image.effect_noise((1200, 1600), 60).convert("RGB")
    out = io.BytesIO()
    noise.rotate(rng.uniform(-10, 10)).save(out, "JPEG", quality=60)
    photos.append(out.getvalue())
    return photos


def shown(dates: set[tuple[DateKind, date]]) -> list[str]:
    return sorted(f"{kind.value} {day:%d.%m.%Y}" for kind, day in dates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=4, help="damaged photos per letter template")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--set", choices=["samples", "heldout"], default="samples", dest="which")
    parser.add_argument("--wrong", action="store_true", help="list the photos read wrong")
    args = parser.parse_args()
    status = ocr.available()
    if not status.ok:
        print(f"letter reading is off: {status.reason}")
        return
    make = heldout_set if args.which == "heldout" else sample_set
    samples = make(WRITTEN, variants=args.variants, seed=args.seed)
    per_kind: dict[str, list[bool]] = defaultdict(list)
    dates_right: list[bool] = []
    invented = without_dates = scams_flagged = false_flags = 0
    wrong: list[str] = []
    seconds: list[float] = []
    for sample in samples:
        started = time.perf_counter()
        reading = read_text(ocr.recognise(sample.photo), TODAY)
        seconds.append(time.perf_counter() - started)
        per_kind[sample.letter.kind.value].append(reading.sender == sample.letter.kind)
        found = {(f.kind, f.day) for f in reading.dates}
        dates_right.append(found == sample.letter.expected)
        if not sample.letter.expected:
            without_dates += 1
            invented += bool(found)
        scams_flagged += reading.scam and sample.letter.scam
        false_flags += reading.scam and not sample.letter.scam
        if reading.sender != sample.letter.kind or found != sample.letter.expected:
            wrong.append(
                f"  {sample.name} ({sample.letter.head[0]}): sender {reading.sender} "
                f"dates {shown(found)}, expected {shown(sample.letter.expected)}"
            )
    unreadable = [not read_text(ocr.recognise(photo), TODAY).readable for photo in not_letters(args.seed)]
    all_kinds = [ok for oks in per_kind.values() for ok in oks]
    print(f"{len(samples)} photos: {len(per_kind)} sender kinds, {args.variants} damaged photos per template")
    for kind, oks in sorted(per_kind.items()):
        print(f"  {kind:18} sender right {sum(oks)}/{len(oks)}")
    print(
        f"sender kind right: {100 * sum(all_kinds) / len(all_kinds):.1f}% ({sum(all_kinds)}/{len(all_kinds)})"
    )
    print(
        f"deadline/appointment dates exactly right: {100 * sum(dates_right) / len(dates_right):.1f}% "
        f"({sum(dates_right)}/{len(dates_right)})"
    )
    print(f"dates invented on letters without one: {invented} of {without_dates} photos")
    scams = sum(sample.letter.scam for sample in samples)
    print(f"scams flagged: {scams_flagged}/{scams}, honest letters flagged as scam: {false_flags}")
    print(f"photos that are no letter said to be unreadable: {sum(unreadable)}/{len(unreadable)}")
    ordered = sorted(seconds)
    print(
        f"seconds per photo: p50 {statistics.median(ordered):.2f}, "
        f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.2f}, slowest {ordered[-1]:.2f}"
    )
    if args.wrong:
        print(f"read wrong ({len(wrong)}):", *wrong, sep="\n")


if __name__ == "__main__":
    main()
