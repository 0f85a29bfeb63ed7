"""Questions already filed: each example and asked question of a topic, and each question filed as one no
topic answers, by its words. The very same question again gets that decision, whatever the ranking says:
an organizer who filed "emta dars el almani?" under the German courses (a Latin key of "dars", lesson, is
also one of "dirasa", study) or a vet under "no topic answers this" sees it so from then on, in every
process (bot/faq/examples.py). Only the same words count (`tokenize`: case, diacritics, punctuation and
letter forms aside); anything else is ranked as before."""

from __future__ import annotations

from array import array
from bisect import bisect_left

from bot.faq.content import NOT_OURS, FaqContent
from bot.faq.normalize import tokenize


def filed_key(text: str) -> int:
    """A question's words as a number (a hash: some thousand questions, no text kept twice in memory)."""
    return hash(" ".join(tokenize(text)))


class FiledTopics:
    """`filed_key` -> a topic (NOT_OURS for a question no topic answers), in two flat arrays sorted by key:
    some thousand questions in 50 KB where a dict took 0.4 MiB of the bot's memory budget (issue 18)."""

    def __init__(self, found: dict[int, str]) -> None:
        self.slugs = sorted(set(found.values()))
        number = {slug: i for i, slug in enumerate(self.slugs)}
        ordered = sorted(found.items())
        self.keys = array("q", (key for key, _ in ordered))
        self.topics = array("H", (number[slug] for _, slug in ordered))

    def get(self, key: int) -> str | None:
        i = bisect_left(self.keys, key)
        return self.slugs[self.topics[i]] if i < len(self.keys) and self.keys[i] == key else None

    def __len__(self) -> int:
        return len(self.keys)


def filed_topics(content: FaqContent) -> FiledTopics:
    """The topic of each of the entries' example and asked questions and NOT_OURS for each of the content's
    questions no topic answers. Words filed under two different decisions decide nothing."""
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
    return FiledTopics(found)
