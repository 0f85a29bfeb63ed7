"""Fit the weights of bot/faq/doubt.py and print what they do, measured honestly.

    .venv/bin/python bench/fit_doubt.py            # about four minutes on a 2-core machine

1. Each blind question set of FITTED (tests/data) is decided by a matcher built without that set's asked and
   not-ours rows (locales/faq/examples.yaml); each answer that passed every rule gives its evidence, labelled
   "no topic answers it" (the set says so) or "right" (the topic the set names). Wrong topics are left out:
   doubting them costs nothing.
2. Leave one set out: each set's answers are doubted by a model fitted on the other sets only. Printed: out
   of scope answered, right answers lost, and top-1 per language and way of writing against the targets
   (tests/faq_quality.py), for DOUBT_MAX and thresholds beside it.
3. The weights fitted on all of FITTED, to copy into bot/faq/doubt.py, and what they do on NEWEST, a set
   nobody has read or fitted on (with the examples as they are).

Logistic regression with an L2 penalty of 1 on the weights (not the intercept), by Newton's method: seven
numbers, so no library is needed."""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.faq import matcher
from bot.faq.content import load_content
from bot.faq.doubt import DOUBT_MAX, Evidence
from bot.faq.service import FaqReply, FaqService, ReplyKind
from bot.local_facts import LocalFacts
from tests import faq_quality

FITTED = range(2, 59)  # blind sets 2 to 58
NEWEST = 59
L2 = 1.0
THRESHOLDS = sorted({0.3, 0.35, 0.4, 0.45, 0.5, DOUBT_MAX})


@dataclasses.dataclass
class Row:
    set: int
    lang: str
    way: str
    right: bool  # answered right without doubt (for in-scope rows)
    out_of_scope: bool
    answered: bool  # answered (by a topic) without doubt
    evidence: Evidence | None  # when answered by a topic and not an emergency
    label: int | None  # 1: no topic answers it, 0: right, None: a wrong topic (not fitted on)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def decided(n: int, *, leave_out: bool) -> list[Row]:
    """Blind set `n`, decided by a matcher built without its rows (`leave_out`) or with the examples as
    they are."""
    rows = faq_quality.load(getattr(faq_quality, f"BLIND{n}"))
    content = load_content()
    if leave_out:
        texts = {_fold(str(r["text"])) for r in rows}
        content = dataclasses.replace(
            content,
            asked=tuple(e for e in content.asked if _fold(e[2]) not in texts),
            not_ours=tuple(e for e in content.not_ours if _fold(e[2]) not in texts),
        )
    service = FaqService(content, LocalFacts.load())
    out = []
    for r in rows:
        reply = service.decide(str(r["text"]), user_lang=None)
        slug, topic = r["slug"], _topic(reply)
        wanted = set(slug) if isinstance(slug, list) else {slug}
        offered = {topic, *(e.slug for e in reply.suggestions)}
        right = slug is not None and (wanted <= offered if isinstance(slug, list) else topic == slug)
        label = (
            None
            if topic is None or reply.emergency
            else 1
            if slug is None
            else 0
            if topic in wanted
            else None
        )
        evidence = reply.match.evidence if reply.match is not None and not reply.emergency else None
        out.append(
            Row(n, str(r["lang"]), str(r["way"]), right, slug is None, topic is not None, evidence, label)
        )
    return out


def _topic(reply: FaqReply) -> str | None:
    return reply.entry.slug if reply.kind == ReplyKind.ANSWER and reply.entry is not None else None


def fit(xs: Sequence[tuple[float, ...]], ys: Sequence[int]) -> tuple[tuple[float, ...], float]:
    """Weights and intercept minimising the log-loss plus L2/2 times the squared weights."""
    k = len(xs[0]) + 1
    beta = [0.0] * k  # intercept first
    for _ in range(50):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, y in zip(xs, ys, strict=True):
            v = (1.0, *x)
            p = _sigmoid(sum(b * xi for b, xi in zip(beta, v, strict=True)))
            w = p * (1 - p)
            for i in range(k):
                grad[i] += (p - y) * v[i]
                for j in range(i, k):
                    hess[i][j] += w * v[i] * v[j]
        for i in range(1, k):
            grad[i] += L2 * beta[i]
            hess[i][i] += L2
        for i in range(k):
            for j in range(i):
                hess[i][j] = hess[j][i]
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-8:
            break
    return tuple(beta[1:]), beta[0]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a is small and positive definite)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        pivot = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[pivot] = m[pivot], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for j in range(c, n + 1):
                m[r][j] -= f * m[c][j]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][j] * x[j] for j in range(r + 1, n))) / m[r][r]
    return x


def chance(row: Row, weights: tuple[float, ...], intercept: float) -> float:
    assert row.evidence is not None
    return _sigmoid(intercept + sum(w * x for w, x in zip(weights, row.evidence.vector(), strict=True)))


def summary(rows: Sequence[Row], doubts: dict[int, float], threshold: float) -> str:
    """Out of scope answered, right answers lost, and the top-1 cells that miss their targets."""
    cells: dict[tuple[str, str], list[int]] = {}
    answered = lost = 0
    for i, row in enumerate(rows):
        doubted = doubts.get(i, 0.0) > threshold
        if row.out_of_scope:
            answered += row.answered and not doubted
            continue
        right = row.right and not (doubted and row.label == 0)
        lost += row.right and not right
        cell = cells.setdefault((row.lang, row.way), [0, 0])
        cell[0] += 1
        cell[1] += right
    out_of_scope = sum(r.out_of_scope for r in rows)
    missed = [
        f"{lang} {way} {ok / n:.1%}"
        for (lang, way), (n, ok) in sorted(cells.items())
        if lang in faq_quality.MAIN_LANGUAGES and ok / n < faq_quality.TOP1_TARGETS.get(way, 0.0)
    ]
    return (
        f"out of scope answered {answered} of {out_of_scope} ({answered / out_of_scope:.1%}), "
        f"right answers lost {lost} of {sum(r.right for r in rows)}; "
        f"top-1 targets missed: {', '.join(missed) or 'none'}"
    )


def main() -> None:
    matcher.DOUBT_MAX = 1.0  # decide without doubt: every answer that passed the rules, with its evidence
    rows = [row for n in FITTED for row in decided(n, leave_out=True)]
    fitted = [(i, r) for i, r in enumerate(rows) if r.label is not None and r.evidence is not None]
    doubts: dict[int, float] = {}  # row number -> the chance, for answered rows
    for n in FITTED:
        train = [r for _, r in fitted if r.set != n]
        weights, intercept = fit(
            [r.evidence.vector() for r in train if r.evidence], [int(r.label or 0) for r in train]
        )
        for i, r in enumerate(rows):
            if r.set == n and r.evidence is not None:
                doubts[i] = chance(r, weights, intercept)
    print(
        f"blind sets {FITTED.start}-{FITTED.stop - 1}, each without its rows, doubted by a model fitted on the others:"
    )
    print(f"  no doubt: {summary(rows, {}, 1.0)}")
    for t in THRESHOLDS:
        print(f"  doubt above {t}{' (DOUBT_MAX)' if t == DOUBT_MAX else ''}: {summary(rows, doubts, t)}")
    weights, intercept = fit(
        [r.evidence.vector() for _, r in fitted if r.evidence], [int(r.label or 0) for _, r in fitted]
    )
    names = [f.name for f in dataclasses.fields(Evidence)]
    print(f"fitted on all {len(fitted)} answers ({sum(r.label == 1 for _, r in fitted)} out of scope):")
    print(f"  WEIGHTS = ({', '.join(f'{w:.3f}' for w in weights)},)  # {', '.join(names)}")
    print(f"  INTERCEPT = {intercept:.3f}")
    newest = decided(NEWEST, leave_out=False)
    at = {i: chance(r, weights, intercept) for i, r in enumerate(newest) if r.evidence is not None}
    print(f"blind set {NEWEST} (never read, not fitted on), with these weights:")
    print(f"  no doubt: {summary(newest, {}, 1.0)}")
    for t in THRESHOLDS:
        print(f"  doubt above {t}{' (DOUBT_MAX)' if t == DOUBT_MAX else ''}: {summary(newest, at, t)}")


if __name__ == "__main__":
    main()
