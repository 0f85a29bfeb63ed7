"""Questions grouped by similarity, for the organizers' inbox: the same question asked by many people (in
other words, with typos folded away by the FAQ's normalisation) is one group to answer once.

The method, deliberately simple (bench/bench_inbox.py times it: grouping 10,000 open questions takes about
0.4 s, done once when a process starts; placing a new question into the kept groups a few milliseconds):
- a question's features are the light stems of its content words (bot/faq/normalize.py: the matcher's own
  folding of scripts, Persian/Arabic letters, umlauts, stopwords and endings);
- two questions are alike when the IDF-weighted Jaccard similarity of their features reaches THRESHOLD
  (a word most questions share weighs little; a rare one, like "schildkröten", decides);
- leader clustering, newest first: a question joins the group whose first (newest) question it is most
  alike, else it starts a new group; so groups come out newest first. Candidates come from an inverted
  index of the leaders' features, looked up by the question's RARE rarest features (at most POSTINGS
  groups each: a word in every question does not make the work quadratic);
- a question that comes in later is placed the same way into the groups kept (Grouper.add), so a new
  question costs a few lookups, not a new grouping of all.

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


class Grouper:
    """Leader clustering that can go on: built over a batch of texts (newest first), it places texts that
    come later into its groups, or starts new ones, without looking at the others again. Groups are numbered
    in the order they were started; a group's leader is its first text."""

    def __init__(self, feats: Sequence[frozenset[str]], threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.df: Counter[str] = Counter(f for fs in feats for f in fs)
        self.total = len(feats)
        self.weight = {f: math.log(1.0 + self.total / count) for f, count in self.df.items()}
        self.leaders: list[tuple[frozenset[str], float]] = []  # each group's leader: features, their weight
        self.index: dict[str, list[int]] = {}  # feature -> the groups whose leader has it, in order
        self.batch = 0  # groups started by the batch (the later ones come from texts added one by one)

    def _best(self, fs: frozenset[str], own: float, candidates: set[int]) -> int:
        best, best_score = -1, self.threshold
        for g in sorted(candidates):  # the first group wins a tie
            leader, leader_weight = self.leaders[g]
            shared = sum(self.weight[f] for f in fs & leader)
            score = shared / (own + leader_weight - shared)
            if score > best_score or (best < 0 and score >= self.threshold):
                best, best_score = g, score
        return best

    def _start(self, fs: frozenset[str], own: float) -> int:
        for f in fs:
            self.index.setdefault(f, []).append(len(self.leaders))
        self.leaders.append((fs, own))
        return len(self.leaders) - 1

    def group_batch(self, feats: Sequence[frozenset[str]]) -> list[list[int]]:
        """The batch the grouper was made with, grouped: lists of positions, in the order of `feats`."""
        members: list[list[int]] = []
        for position, fs in enumerate(feats):
            own = sum(self.weight[f] for f in fs)
            candidates: set[int] = set()
            for f in sorted(fs, key=self.df.__getitem__)[:RARE]:
                candidates.update(self.index.get(f, ())[:POSTINGS])
            best = self._best(fs, own, candidates)
            if best >= 0:
                members[best].append(position)
            else:
                self._start(fs, own)
                members.append([position])
        self.batch = len(self.leaders)
        return members

    def add(self, fs: frozenset[str]) -> tuple[int, bool]:
        """Place one more text: the number of its group, and whether it started that group. Its words count
        from now on; the weights of words already known stay as the batch made them (one text more moves
        them by a hair)."""
        self.total += 1
        for f in fs:
            self.df[f] += 1
            if self.df[f] == 1:
                self.weight[f] = math.log(1.0 + self.total)
        own = sum(self.weight[f] for f in fs)
        candidates: set[int] = set()
        for f in sorted(fs, key=self.df.__getitem__)[:RARE]:
            postings = self.index.get(f, ())
            # the batch's newest groups come first in a posting list, groups added since at its end
            candidates.update(postings[:POSTINGS])
            candidates.update(g for g in postings[-POSTINGS:] if g >= self.batch)
        best = self._best(fs, own, candidates)
        if best >= 0:
            return best, False
        return self._start(fs, own), True


def group_texts(texts: Sequence[str], threshold: float = THRESHOLD) -> list[list[int]]:
    """Groups of alike texts as lists of their positions; `texts` newest first, groups in that order and
    each group's members in it too."""
    feats = [features(text) for text in texts]
    return Grouper(feats, threshold).group_batch(feats)
