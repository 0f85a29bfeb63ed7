"""Small bar charts as inline SVG, rendered on the server: no JavaScript, no library, a few kilobytes.

Accessible: each chart is `role="img"` with a <title> and a <desc> (what it shows and the largest value),
each bar has its own <title> (label and value, read by screen readers and shown on hover), colours are the
Okabe–Ito palette (distinguishable with the common colour-vision deficiencies) with a legend in words, and
the page shows the same numbers as a table below the chart. The SVG scales to the width of a phone
(viewBox, width 100%). Every text is escaped here; callers pass plain strings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7F7F7F", "#F0E442")
INK = "#1f1f1f"  # text and axes: contrast above 15:1 on white
GRID = "#d0d0d0"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _ticks(top: float, count: int = 4) -> list[float]:
    """Round steps (1, 2, 5 × 10^k) from 0 to at least `top`."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1) if top >= 1 else step
    return [i * step for i in range(math.ceil(top / step) + 1)]


def plain_number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else str(int(value))


def _head(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="chart" {FONT}>',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


def bars(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 720,
    height: int = 260,
    number: Callable[[float], str] | None = None,
) -> str:
    """Vertical bars, one per label, the series stacked (bottom to top in their order), a legend on top.
    `number` writes a value as the reader writes numbers (1.234,5 in German)."""
    number = number or plain_number
    left, right, top, bottom = 44, 8, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    ticks = _ticks(max(totals, default=0))
    scale = plot_h / ticks[-1]
    out = _head(chart_id, title, desc, width, height)
    x = left
    for index, one in enumerate(series):  # the legend, in words
        colour = PALETTE[index % len(PALETTE)]
        out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="16" fill="{INK}">{escape(one.name)}</text>')
        x += 24 + 7 * len(one.name)
    for tick in ticks:
        y = top + plot_h - tick * scale
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{escape(number(tick))}</text>'
        )
    slot = plot_w / max(len(labels), 1)
    bar_w = max(slot * 0.7, 1)
    every = max(1, math.ceil(len(labels) / max(plot_w // 64, 1)))  # as many labels as fit
    for i, label in enumerate(labels):
        x0 = left + i * slot + (slot - bar_w) / 2
        base = top + plot_h
        for index, one in enumerate(series):
            value = one.values[i]
            if value <= 0:
                continue
            h = value * scale
            base -= h
            colour = PALETTE[index % len(PALETTE)]
            out.append(
                f'<rect x="{x0:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(label)} · {escape(one.name)}: {escape(number(value))}</title></rect>"
            )
        if i % every == 0:
            out.append(
                f'<text x="{x0 + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'fill="{INK}">{escape(label)}</text>'
            )
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{INK}"/>'
    )
    out.append("</svg>")
    return "\n".join(out)


def hbars(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    unit: str = "",
    width: int = 720,
    row: int = 24,
    number: Callable[[float], str] | None = None,
) -> str:
    """Horizontal bars, one row per label, each with its value written beside it (by `number`)."""
    number = number or plain_number
    label_w, right = 220, 64
    height = 8 + row * max(len(labels), 1)
    top_value = max(values, default=0) or 1
    plot_w = width - label_w - right
    out = _head(chart_id, title, desc, width, height)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 4 + i * row
        w = plot_w * value / top_value
        shown = f"{number(value)}{unit}"
        out.append(
            f'<text x="{label_w - 8}" y="{y + row * 0.65:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(_clip(label, 32))}</text>"
        )
        out.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 0):.1f}" height="{row - 8}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
        )
        out.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + row * 0.65:.1f}" fill="{INK}">{escape(shown)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
