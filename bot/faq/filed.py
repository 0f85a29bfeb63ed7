"""Questions already filed: each example and asked question of a topic, and each question filed as one no
topic answers, by its words. The very same question again gets that decision, whatever the ranking says:
an organizer who filed "emta dars el almani?" under the German courses (a Latin key of "dars", lesson, is
also one of "dirasa", study) or a vet under "no topic answers this" sees it so from then on, in every
process (bot/faq/examples.py). Only the same words count (`tokenize`: case, diacritics, punctuation and
letter forms aside); anything else is ranked as before."""

from __future__ import annotations

from bot.faq.content import NOT_OURS, FaqContent
from bot.faq.normalize import tokenize


def filed_key(text: str) -> int:
    """A question's words as a number (a hash: some thousand questions, no text kept twice in memory)."""
    return hash(" ".join(tokenize(text)))


def filed_topics(content: FaqContent) -> dict[int, str]:
    """`filed_key` -> the topic of the question (NOT_OURS for one no topic answers), from the entries'
    example and asked questions and the content's questions no topic answers. Words filed under two
    different decisions decide nothing."""
    found: dict[int, str] = {}
    clashes: set[int] = set()
    pairs = [
        (e.slug, text)
        for by_slug in content.entries.values()
        for e in by_slug.values()
        for text in (*e.questions, *e.asked)
    ]
    pairs += [(NOT_OURS, text) for _lang, _slug, text in content.not_ours]
    for slug, text in pairs:
        key = filed_key(text)
        if found.setdefault(key, slug) != slug:
            clashes.add(key)
    for key in clashes:
        del found[key]
    return found
