"""The held-out letter set (tests/letter_heldout.py) is well formed: every sender kind twice, letters with
and without dates, scams, expected dates that the text really states, and pages that fit on A4.
The reader's accuracy on it is a figure, not a test: bench/bench_letters.py --set heldout."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date

import pytest
from PIL import Image

from bot.letters.senders import Sender
from tests import letter_heldout
from tests.letter_heldout import heldout_letters, heldout_set, long
from tests.letter_samples import Letter, d, font, wrap

WRITTEN = date(2026, 12, 1)
RELATIVE = re.compile(r"\b(innerhalb|binnen)\b")


def text_of(letter: Letter) -> str:
    return " ".join([*letter.head, letter.subject, *letter.body, *(f"{a} {b}" for a, b in letter.table)])


def test_every_kind_twice_and_a_mix_of_letters() -> None:
    letters = heldout_letters(WRITTEN)
    kinds = Counter(letter.kind for letter in letters)
    assert len(letters) >= 26
    assert all(kinds[kind] >= 2 for kind in Sender)
    assert 4 <= sum(not letter.expected for letter in letters) <= 8
    assert sum(letter.scam for letter in letters) >= 1
    assert all(letter.written == WRITTEN for letter in letters)


def test_expected_dates_are_stated_in_the_letter() -> None:
    """A dated deadline or appointment is written out; an undated one is a period after the letter."""
    for letter in heldout_letters(WRITTEN):
        text = text_of(letter)
        for _, day in letter.expected:
            written_out = {d(day), long(day), f"{day:%d.%m.%y}"}
            assert any(form in text for form in written_out) or RELATIVE.search(text), (letter.subject, day)
            assert day > WRITTEN


def test_dates_follow_the_letter_date() -> None:
    later = date(2027, 3, 15)
    for before, after in zip(heldout_letters(WRITTEN), heldout_letters(later), strict=True):
        moved = {(kind, day + (later - WRITTEN)) for kind, day in before.expected}
        month_based = any("Monats" in paragraph for paragraph in before.body)
        assert month_based or after.expected == moved, before.subject


def test_pages_fit_on_a4() -> None:
    """The same layout as render(): body from y=690, 44 px a line, the greeting must end above the footer."""
    for style in ("sans", "serif"):
        text, bold = font(style, 27), font(f"{style}-bold", 40)
        for letter in heldout_letters(WRITTEN):
            y = 690 + sum(44 * len(wrap(paragraph, text, 1000)) for paragraph in letter.body)
            if letter.table:
                y += 16 + 44 * len(letter.table) + 30
                assert all(text.getlength(label) < 630 for label, _ in letter.table), letter.subject
            assert y + 74 + 27 < 1640, letter.subject
            assert 170 + bold.getlength(letter.head[0]) < 1230, letter.head[0]
            assert 110 + text.getlength(letter.subject) < 1200, letter.subject


def test_heldout_set_makes_damaged_photos(monkeypatch: pytest.MonkeyPatch) -> None:
    few = heldout_letters(WRITTEN)[:2]  # damaging all 28 pages takes 20 s; the bench does that
    monkeypatch.setattr(letter_heldout, "heldout_letters", lambda written: few)
    samples = heldout_set(WRITTEN, variants=2, seed=3)
    assert [sample.letter for sample in samples] == [few[0], few[0], few[1], few[1]]
    assert len({sample.name for sample in samples}) == len(samples)
    photo = Image.open(io.BytesIO(samples[0].photo))
    assert photo.format == "JPEG" and photo.width > 1000
