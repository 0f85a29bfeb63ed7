"""Questions grouped by similarity, for the organizers' inbox: the same question asked by many people (in
other words, with typos folded away by the FAQ's normalisation) is one group to answer once.

The method, deliberately simple (bench/bench_inbox.py times it: about 20 ms for 3,000 open questions and
under 200 ms for 10,000 on a busy 2-core machine; the inbox keeps the result until the open questions
change):
- a question's features are the light stems of its content words (bot/faq/normalize.py: the matcher's own
  folding of scripts, Persian/Arabic letters, umlauts, stopwords and endings);
- two questions are alike when the IDF-weighted Jaccard similarity of their features reaches THRESHOLD
  (a word most questions share weighs little; a rare one, like "schildkröten", decides);
- leader clustering, newest first: a question joins the group whose first (newest) question it is most
  alike, else it starts a new group; so groups come out newest first. Candidates come from an inverted
  index of the leaders' features, looked up by the question's RARE rarest features (at most POSTINGS
  groups each: a word in every question does not make the work quadratic).

Questions in different languages share stems only when they share words (Jobcenter, Kita, Termin): such
questions land in one group, which then lists both languages.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from bot.faq.normalize import content_tokens, normalize, stem, tokenize

THRESHOLD = 0.45
ZWNJ = "\u200c"
RARE = 3  # a question's rarest features find its candidate groups (alike questions share a rare word)
POSTINGS = 200  # groups looked at per feature of a question (the newest ones)


@lru_cache(maxsize=50_000)
def features(text: str) -> frozenset[str]:
    """The stems of a text's content words (the folded text itself for a text without any). A Persian
    half-space (ZWNJ) counts as a space here: people type "لاک‌پشت" and "لاک پشت" for the same word (the
    matcher's folding joins the first into one word, which would part the two)."""
    stems = frozenset(stem(token) for token in content_tokens(tokenize(text.replace(ZWNJ, " "))))
    return stems or frozenset({normalize(text) or text})


def group_texts(texts: Sequence[str], threshold: float = THRESHOLD) -> list[list[int]]:
    """Groups of alike texts as lists of their positions; `texts` newest first, groups in that order and
    each group's members in it too."""
    feats = [features(text) for text in texts]
    df = Counter(f for fs in feats for f in fs)
    weight = {f: math.log(1.0 + len(texts) / count) for f, count in df.items()}
    groups: list[list[int]] = []
    leaders: list[tuple[frozenset[str], float]] = []  # each group's first question: features, their weight
    index: dict[str, list[int]] = {}  # feature -> the groups whose leader has it
    for position, fs in enumerate(feats):
        own = sum(weight[f] for f in fs)
        candidates: set[int] = set()
        for f in sorted(fs, key=df.__getitem__)[:RARE]:
            candidates.update(index.get(f, ())[:POSTINGS])
        best, best_score = -1, threshold
        for g in sorted(candidates):  # the newer group wins a tie
            leader, leader_weight = leaders[g]
            shared = sum(weight[f] for f in fs & leader)
            score = shared / (own + leader_weight - shared)
            if score > best_score or (best < 0 and score >= threshold):
                best, best_score = g, score
        if best >= 0:
            groups[best].append(position)
            continue
        for f in fs:
            index.setdefault(f, []).append(len(groups))
        groups.append([position])
        leaders.append((fs, own))
    return groups
