"""Small talk: "danke", "شكرا كتير", "mamnoon", "ok", "tschüss", 👍 are no questions for the FAQ.

`recognise(text)` says which kind of small talk a whole message is, or None for anything else. The
phrases are data (`locales/smalltalk.yaml`, plus the greetings of bot/faq/matcher.py); the rules:

- the whole message must be made of known phrases (at least one), at most MAX_FILLERS filler words
  ("so", "ya", "خیلی"), punctuation and emoji: "danke, wo ist das Jobcenter?" is a question;
- text is normalised like a question (bot/faq/normalize.py), and a letter typed several times counts once
  ("dankeeee", "شكراااا", "спасибооо"); a word of FUZZY_MIN letters or more may be one letter off
  ("spasiba", "tschüs");
- a message of emoji only is small talk of the emoji's kind (👍 → LIKE), or EMOJI for any other emoji;
- when phrases of several kinds meet ("ok danke"), the kind listed first in the file wins.

The FAQ service asks this after its danger check (danger always comes first) and before matching.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.faq.greetings import GREETINGS
from bot.faq.normalize import FIRST_GROUP, tokenize
from bot.yamlfile import read_yaml

DEFAULT_FILE = Path(__file__).resolve().parent.parent.parent / "locales" / "smalltalk.yaml"
MAX_FILLERS = 2  # "thank you so much" (so, much) is small talk; a third extra word makes it a message
MAX_WORDS = 10  # longer messages are never small talk
MAX_CHARS = 120
FUZZY_MIN = 6  # words this long may be one letter off


class Talk(StrEnum):
    THANKS = "thanks"
    GOODBYE = "goodbye"
    GREETING = "greeting"
    NO = "no"
    YES = "yes"
    OK = "ok"
    LIKE = "like"  # 👍 and the like: no answer needed
    EMOJI = "emoji"  # other emoji only


_REPEATS = re.compile(r"(.)\1+")
# Parts of an emoji that change its look, not its meaning: variation selectors, skin tones, the joiner.
_EMOJI_PARTS = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")


def squeeze(token: str) -> str:
    """One letter for a run of the same letter: "dankeee" → "danke", "mamnoon" → "mamnon"."""
    return _REPEATS.sub(FIRST_GROUP, token)


def words(text: str) -> tuple[str, ...]:
    return tuple(squeeze(t) for t in tokenize(text))


def is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So"


def emoji_in(text: str) -> list[str]:
    return [ch for ch in _EMOJI_PARTS.sub("", unicodedata.normalize("NFC", text)) if is_emoji(ch)]


@dataclass(frozen=True)
class Table:
    """The phrases (normalised word tuples) of each kind, the fillers and the emoji, read-only."""

    phrases: dict[tuple[str, ...], Talk]  # each phrase with its first (strongest) kind
    fillers: frozenset[str]
    emoji: dict[str, Talk]
    order: tuple[Talk, ...]  # the kinds, strongest first
    longest: int  # words in the longest phrase
    vocabulary: frozenset[str]  # every word of every phrase

    def canonical(self, word: str) -> str:
        """The word as the table spells it: itself, or the one known word it is one letter off (the first
        in alphabetical order when several are)."""
        if word in self.vocabulary or word in self.fillers or len(word) < FUZZY_MIN:
            return word
        close = self._near.get(word)
        return min(close) if close else word

    @functools.cached_property
    def _near(self) -> _OneEdit:
        return _OneEdit(w for w in self.vocabulary if len(w) >= FUZZY_MIN - 1)

    def recognise(self, text: str) -> Talk | None:
        if len(text) > MAX_CHARS:
            return None
        found_words = words(text)
        if len(found_words) > MAX_WORDS:
            return None
        tokens: list[str] = []
        for word in found_words:
            token = self.canonical(word)
            if token not in self.vocabulary and token not in self.fillers:
                return None  # a word of no phrase and no filler: a message, not small talk (cheap exit)
            tokens.append(token)
        found = {self.emoji.get(ch, Talk.EMOJI) for ch in emoji_in(text)}
        if tokens:
            kinds = self._segment(tokens)
            if not kinds:
                return None
            found = kinds | (found - {Talk.EMOJI})  # an unknown emoji beside words adds nothing
        if not found:
            return None  # punctuation or digits only: not ours to judge
        return min(found, key=self.order.index)

    def _segment(self, tokens: Sequence[str]) -> set[Talk]:
        """The kinds of the phrases that make up `tokens` (at most MAX_FILLERS other words), or an empty
        set when the words are not all small talk. Best split: fewest fillers, then fewest (so longest)
        phrases ("nein danke" is one phrase, a "no"), then the strongest kind."""
        n = len(tokens)
        # best[i]: the best split of tokens[i:] as (fillers, phrases, kinds), or None when there is none
        best: list[tuple[int, int, frozenset[Talk]] | None] = [None] * (n + 1)
        best[n] = (0, 0, frozenset())
        for i in range(n - 1, -1, -1):
            options: list[tuple[int, int, frozenset[Talk]]] = []
            for size in range(min(self.longest, n - i), 0, -1):
                kind = self.phrases.get(tuple(tokens[i : i + size]))
                rest = best[i + size]
                if kind is not None and rest is not None:
                    options.append((rest[0], rest[1] + 1, rest[2] | {kind}))
            rest = best[i + 1]
            if tokens[i] in self.fillers and rest is not None and rest[0] < MAX_FILLERS:
                options.append((rest[0] + 1, rest[1], rest[2]))
            if options:
                best[i] = min(options, key=self._rank)
        result = best[0]
        return set(result[2]) if result is not None and result[1] else set()

    def _rank(self, option: tuple[int, int, frozenset[Talk]]) -> tuple[int, int, int]:
        fillers, phrases, kinds = option
        return fillers, phrases, min((self.order.index(k) for k in kinds), default=len(self.order))


WILDCARD = "\x00"  # stands for the changed letter in _OneEdit's keys (no word has it)


class _OneEdit:
    """The words of a list one letter off a given word (changed, added or left out: `within_one_edit`),
    found by lookups instead of comparing with every word: small talk is checked for every question."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words: set[str] = set(words)
        # (Strings as keys and tuples as values: a set per key held ~1.2 MiB for the few thousand words.)
        changed: dict[str, list[str]] = {}  # the word with one letter replaced by WILDCARD -> words
        shorter: dict[str, list[str]] = {}  # a word with one letter left out -> words
        for word in self.words:
            for i in range(len(word)):
                changed.setdefault(word[:i] + WILDCARD + word[i + 1 :], []).append(word)
                shorter.setdefault(word[:i] + word[i + 1 :], []).append(word)
        self.changed = {k: tuple(v) for k, v in changed.items()}
        self.shorter = {k: tuple(v) for k, v in shorter.items()}

    def get(self, word: str) -> set[str]:
        found = set(self.shorter.get(word, ()))  # a letter added to `word`
        for i in range(len(word)):
            found.update(self.changed.get(word[:i] + WILDCARD + word[i + 1 :], ()))  # a letter changed
            rest = word[:i] + word[i + 1 :]
            if rest in self.words:  # a letter of `word` left out
                found.add(rest)
        found.discard(word)
        return found


def _items(value: object) -> Iterable[str]:
    if isinstance(value, dict):
        for items in value.values():
            yield from _items(items)
    elif isinstance(value, list):
        for item in value:
            yield str(item)


def build(raw: dict[str, object]) -> Table:
    kinds = raw.get("kinds")
    if not isinstance(kinds, dict):
        raise ValueError("smalltalk: no 'kinds'")
    order = tuple(Talk(str(name)) for name in kinds)
    order += tuple(kind for kind in Talk if kind not in order)  # e.g. EMOJI: the weakest
    phrases: dict[tuple[str, ...], Talk] = {}
    emoji: dict[str, Talk] = {}
    for name, by_lang in kinds.items():
        kind = Talk(str(name))
        found = dict(by_lang or {})
        for item in _items(found.pop("emoji", [])):
            for ch in emoji_in(item):
                emoji.setdefault(ch, kind)
        for item in _items(found):
            phrase = words(item)
            if phrase:
                phrases.setdefault(phrase, kind)
    # The matcher's greetings count as greetings (written with "_" between the words of a phrase).
    for item in _items({lang: text.split() for lang, text in GREETINGS.items()}):
        phrase = words(item.replace("_", " "))
        if phrase and Talk.GREETING in order:
            phrases.setdefault(phrase, Talk.GREETING)
    fillers = frozenset(w for item in _items(raw.get("fillers") or {}) for w in words(item))
    longest = max((len(p) for p in phrases), default=1)
    vocabulary = frozenset(w for phrase in phrases for w in phrase)
    return Table(phrases, fillers, emoji, order, longest, vocabulary)


def load(path: Path = DEFAULT_FILE) -> Table:
    return build(read_yaml(path) or {})


@functools.lru_cache(maxsize=1)
def table() -> Table:
    """The table of locales/smalltalk.yaml, read once per process."""
    return load()


def recognise(text: str) -> Talk | None:
    """The kind of small talk the whole message is, or None (a question, or anything else)."""
    return table().recognise(text)


def check(path: Path = DEFAULT_FILE) -> list[str]:
    """Problems of the data file: unknown kinds, phrases that normalise to nothing or stand in two kinds,
    fillers that are phrases."""
    raw = read_yaml(path) or {}
    problems: list[str] = []
    seen: dict[tuple[str, ...], str] = {}
    for name, by_lang in (raw.get("kinds") or {}).items():
        if name not in Talk.__members__.values():
            problems.append(f"unknown kind {name!r}")
            continue
        for lang, items in (by_lang or {}).items():
            for item in items or []:
                text = str(item)
                if lang == "emoji":
                    if not emoji_in(text):
                        problems.append(f"{name}/emoji: {text!r} is no emoji")
                    continue
                phrase = words(text)
                if not phrase:
                    problems.append(f"{name}/{lang}: {text!r} has no words")
                elif phrase in seen and seen[phrase] != name:
                    problems.append(f"{name}/{lang}: {text!r} is also in {seen[phrase]}")
                seen.setdefault(phrase, str(name))
    fillers = {w for item in _items(raw.get("fillers") or {}) for w in words(item)}
    problems += [f"filler {' '.join(p)!r} is also a phrase" for p in seen if len(p) == 1 and p[0] in fillers]
    return problems
