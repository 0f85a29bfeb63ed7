"""No missed emergency: does a message speak of danger, violence, threats, stalking, suicide or self-harm,
a medical emergency, a child in danger or fire, in any of the six languages or in Latin letters?

Checked first, before small talk and before FAQ matching (bot/faq/service.py): a hit gets the `emergency`
answer, which gives the national numbers first (the local facts NUMBERS) and then offers a person.

The words are data (`locales/emergency.yaml`, explained at its top); the rules:
- every language's list is tried on every message: a German word in an Arabic sentence counts too;
- words are normalised like questions (bot/faq/normalize.py) and a letter typed three times or more counts
  once;
  Cyrillic is compared without the letters Ukrainian and Russian keyboards disagree on, so Ukrainian typed
  on a Russian layout is found; Arabic words are tried with and without the article and prepositions
  written onto them; Persian "می" written apart is joined to its verb;
- Latin-letter Arabic, Farsi, Ukrainian and Russian (`latin`) are compared by a rough sound key (vowels are
  one, Arabizi digits are letters), because each word is spelt a dozen ways;
- long German and English stems may be one letter off (typos), never short words ("geschlafen" is not
  "geschlagen") nor Arabic-script or Cyrillic ones ("انتظار" waiting is not "انتحار" suicide);
- a cry for help ("hilfe!!!", "sa3dooni", "помогите", 🆘) counts only when the whole message is cries and
  fillers, so "help me find a flat" stays a question;
- `not` patterns ("kill time", "Notfallbetreuung", "طول میکشه") are taken out before the check.
A miss costs a lot and a false alarm little (the other topics are still offered below the numbers), but the
test set (tests/data/emergency_set.yaml) holds ordinary questions that must not be flagged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from bot.faq.normalize import FIRST_GROUP, script_of_token, tokenize, within_one_edit
from bot.local_facts import DEFAULT_FACTS_FILE, LocalFacts
from bot.yamlfile import read_yaml

DEFAULT_FILE = Path(__file__).resolve().parent.parent.parent / "locales" / "emergency.yaml"
EMERGENCY_SLUG = "emergency"
LATIN = "latin"  # the list of transliterated words, compared by sound
LANGUAGES = ("de", "en", "ar", "fa", "uk", "ru", LATIN)
GAP = 3  # "a ~ b": at most this many words between a and b
WIDE_GAP = 6  # "a ~~ b": a child and "verschwunden" in one sentence ("sohn ist seit 5 stunden verschwunden")
# German and English stems this long may be one letter off. Not Arabic script or Cyrillic: there one letter
# turns a word into an everyday one ("انتظار" waiting / "انتحار" suicide, "отправлен" / "отравлен").
FUZZY_MIN = 7
SOS_EMOJI = frozenset("🆘🚨")

# The national numbers the emergency answer shows first, as names of local facts (one configurable place:
# the local facts file, see `with_numbers`). Real, national and free of charge, not samples.
NUMBERS = (
    "police_phone",
    "emergency_phone",
    "medical_on_call_phone",
    "violence_women_phone",
    "crisis_phone",
    "crisis_phone_2",
    "children_phone",
)


class Kind(StrEnum):
    VIOLENCE = "violence"
    THREAT = "threat"
    STALKING = "stalking"
    SUICIDE = "suicide"
    MEDICAL = "medical"
    CHILD = "child"
    FIRE = "fire"
    CALL = "call"  # "call the police", "Notruf": someone asks for the numbers
    CRY = "cry"  # only when the whole message is cries and fillers


NOT = "not"  # the key of the exceptions in the data file


@dataclass(frozen=True)
class Hit:
    kind: Kind
    lang: str  # the list it came from: de en ar fa uk ru, or latin
    pattern: str  # as written in the data file ("" for an emoji)


# --- comparing words ---------------------------------------------------------------------------------

_REPEATS = re.compile(r"(.)\1+")
_RUNS = re.compile(r"(.)\1{2,}")  # three or more: "هدد" and "kill" keep their double letter
_CYRILLIC_ONE = str.maketrans(
    {"і": "и", "ї": "и", "ы": "и", "й": "и", "є": "е", "э": "е", "ь": None, "ъ": None}
)
_SOUND_GROUPS = re.compile("sch|sh|zh|kh|gh|ph|th|ck")
_SOUND_GROUP_MAP = {"sch": "s", "sh": "s", "zh": "z", "kh": "h", "gh": "g", "ph": "f", "th": "t", "ck": "k"}
# Arabizi digits are letters (2 hamza, 3 ain, 5 kha, 6 ta, 7 ha, 8 ghain, 9 qaf/sad); all vowels are one.
_SOUND_CHARS: dict[int, str | None] = {ord(c): v for c, v in zip("356789qxw", "ahthgkkhv", strict=True)}
_SOUND_CHARS.update({ord("2"): None, **{ord(v): "a" for v in "eiouy"}})
_ARABIC_PROCLITICS = re.compile("^(?:وال|فال|بال|كال|لل|ال|و|ب|ف|ل)(?=[\u0600-\u06ff]{3})")
_PERSIAN_PREVERBS = frozenset({"مي", "نمي"})  # normalised ("می" and "نمی" written apart from the verb)


def squeeze(token: str) -> str:
    """One letter for a run of the same letter typed three times or more: "hilfeee" → "hilfe",
    "ساعدونييي" → "ساعدوني" (a double letter stays: "هدد", "kill")."""
    return _RUNS.sub(FIRST_GROUP, token)


def script(token: str) -> str:
    """'arabic', 'cyrillic' or 'latin' (digits count as Latin here: "112", "3" of Arabizi)."""
    kind = script_of_token(token)
    return "latin" if kind == "digits" else kind


def native_key(token: str, kind: str | None = None) -> str:
    """A normalised word as the native lists compare it (`kind`: its script, when known)."""
    if (kind or script(token)) == "cyrillic":
        token = token.translate(_CYRILLIC_ONE)
    return squeeze(token)


def sound_key(token: str) -> str:
    """A Latin word as the transliteration list compares it: "sa3dooni", "saadouni", "sa3duni" → "sadana"."""
    if token.isdigit():
        return token
    token = _SOUND_GROUPS.sub(lambda m: _SOUND_GROUP_MAP[m.group(0)], token)
    return _REPEATS.sub(FIRST_GROUP, token.translate(_SOUND_CHARS))


def _forms(token: str) -> tuple[str, ...]:
    """The native keys a normalised token is tried as (Arabic: also without the article etc.)."""
    kind = script(token)
    key = native_key(token, kind)
    if kind == "arabic" and len(token) > 4:
        bare = squeeze(_ARABIC_PROCLITICS.sub("", token))
        if bare != key:
            return (key, bare)
    return (key,)


# --- patterns ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Alt:
    key: str
    prefix: bool

    def fits(self, keys: Sequence[str]) -> bool:
        if self.prefix:
            return any(k.startswith(self.key) for k in keys)
        return self.key in keys


@dataclass(frozen=True, slots=True)
class _Slot:
    alts: tuple[_Alt, ...]
    gap: int  # words allowed between the previous slot and this one

    def fits(self, keys: Sequence[str]) -> bool:
        return any(a.fits(keys) for a in self.alts)


@dataclass(frozen=True, slots=True)
class _Pattern:
    slots: tuple[_Slot, ...]
    at_end: bool
    kind: Kind | None  # None: an exception (`not`)
    lang: str
    text: str


class PatternError(ValueError):
    """A pattern of the data file cannot be read (the message says which and why)."""


def _parse(text: str, lang: str, kind: Kind | None) -> _Pattern:
    keyer = sound_key if lang == LATIN else native_key
    parts = text.split()
    at_end = bool(parts) and parts[-1] == "$"
    if at_end:
        parts = parts[:-1]
    slots: list[_Slot] = []
    gap = 0
    for part in parts:
        if part in ("~", "~~"):
            if not slots or gap:
                raise PatternError(f"{lang}: {text!r}: '{part}' must stand between two words")
            gap = GAP if part == "~" else WIDE_GAP
            continue
        alts: list[_Alt] = []
        for alt in part.split("|"):
            prefix = alt.endswith("*")
            toks = tokenize(alt.rstrip("*"))
            if len(toks) != 1:
                raise PatternError(f"{lang}: {text!r}: {alt!r} is not one word after normalising ({toks})")
            alts.append(_Alt(keyer(toks[0]), prefix))
        slots.append(_Slot(tuple(alts), gap))
        gap = 0
    if not slots or gap:
        raise PatternError(f"{lang}: {text!r}: no word, or '~' at the end")
    return _Pattern(tuple(slots), at_end, kind, lang, text.strip())


@dataclass
class _Lexicon:
    """The patterns of one comparison (native words, or Latin sound keys), indexed by their first word."""

    sound: bool
    patterns: list[_Pattern] = field(default_factory=list)
    exact: dict[str, list[int]] = field(default_factory=dict)
    prefixes: dict[str, list[int]] = field(default_factory=dict)
    prefix_lengths: tuple[int, ...] = ()  # ascending
    prefix_heads: set[str] = field(default_factory=set)  # the prefixes' first prefix_lengths[0] letters
    fuzzy: dict[str, list[int]] = field(default_factory=dict)  # one-letter deletions of long stems
    fuzzy_lengths: set[int] = field(default_factory=set)
    fuzzy_starts: set[str] = field(default_factory=set)  # their first two letters (typos are not there)

    def add(self, pattern: _Pattern) -> None:
        number = len(self.patterns)
        self.patterns.append(pattern)
        for alt in pattern.slots[0].alts:
            if not alt.prefix:
                self.exact.setdefault(alt.key, []).append(number)
                continue
            self.prefixes.setdefault(alt.key, []).append(number)
            before = self.prefix_lengths[:1]
            self.prefix_lengths = tuple(sorted({*self.prefix_lengths, len(alt.key)}))
            shortest = self.prefix_lengths[0]
            if self.prefix_lengths[:1] == before:
                self.prefix_heads.add(alt.key[:shortest])
            else:  # a shorter prefix than all before: their heads are shorter now
                self.prefix_heads = {p[:shortest] for p in self.prefixes}
            if (
                not self.sound
                and len(pattern.slots) == 1
                and len(alt.key) >= FUZZY_MIN
                and script(alt.key) == "latin"
            ):
                for variant in (alt.key, *_deletions(alt.key)):
                    self.fuzzy.setdefault(variant, []).append(number)
                self.fuzzy_lengths.add(len(alt.key))
                self.fuzzy_starts.add(alt.key[:2])

    def candidates(self, keys: Sequence[str]) -> set[int]:
        found: set[int] = set()
        for key in keys:
            found.update(self.exact.get(key, ()))
            # (most words begin no prefix: one look-up tells)
            if self.prefix_lengths and key[: self.prefix_lengths[0]] in self.prefix_heads:
                for n in self.prefix_lengths:
                    if n > len(key):
                        break
                    found.update(self.prefixes.get(key[:n], ()))
            if key[:2] in self.fuzzy_starts and len(key) >= FUZZY_MIN - 1:
                found.update(self._fuzzy(key))
        return found

    def _fuzzy(self, key: str) -> set[int]:
        """Long stems one letter off: a letter changed, left out or added within the stem's length."""
        found: set[int] = set()
        # (each start of the word once: the stems' lengths are neighbours, and so are their heads)
        heads = {key[:m] for n in self.fuzzy_lengths if len(key) >= n - 1 for m in (n - 1, n, n + 1)}
        for head in heads:
            for variant in (head, *_deletions(head)):
                for number in self.fuzzy.get(variant, ()):
                    alt = self.patterns[number].slots[0].alts
                    if any(a.prefix and _typo_of(head, a.key) for a in alt):
                        found.add(number)
        return found


def _typo_of(head: str, stem: str) -> bool:
    """Is `head` (the start of a word) the stem with one typo? The first two letters must be right (typos
    are rarely there: "помогает" is not "домогает"), and a head one letter short must end like the stem
    ("nachste" is not "nachstel…")."""
    if head[:2] != stem[:2] or (len(head) < len(stem) and head[-1:] != stem[-1:]):
        return False
    return within_one_edit(head, stem)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _match_at(
    pattern: _Pattern, keys: Sequence[Sequence[str]], blank: Sequence[bool], i: int
) -> list[int] | None:
    """Positions of the pattern's words when its first word is at `i` (already known to fit), or None."""
    tail = _match_rest(pattern, keys, blank, 1, i)
    return None if tail is None else [i, *tail]


def _match_rest(
    pattern: _Pattern, keys: Sequence[Sequence[str]], blank: Sequence[bool], slot: int, at: int
) -> list[int] | None:
    """Positions of the pattern's words from `slot` on, after the word at `at`. (A function of its own, not
    a closure calling itself: that made a reference cycle per question for the garbage collector.)"""
    n = len(keys)
    if slot == len(pattern.slots):
        if pattern.at_end and any(not blank[j] for j in range(at + 1, n)):
            return None
        return []
    spec = pattern.slots[slot]
    for j in range(at + 1, min(n, at + 2 + spec.gap)):
        if not blank[j] and spec.fits(keys[j]):
            tail = _match_rest(pattern, keys, blank, slot + 1, j)
            if tail is not None:
                return [j, *tail]
    return None


class Detector:
    """The compiled data file: read-only, shared by every update and thread."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.native = _Lexicon(sound=False)
        self.latin = _Lexicon(sound=True)
        self.problems: list[str] = []
        languages = raw.get("languages")
        if not isinstance(languages, dict):
            raise PatternError("emergency: no 'languages'")
        for lang, kinds in languages.items():
            if lang not in LANGUAGES:
                self.problems.append(f"unknown language {lang!r}")
                continue
            lexicon = self.latin if lang == LATIN else self.native
            for name, block in (kinds or {}).items():
                kind = None if name == NOT else Kind(name) if name in Kind.__members__.values() else None
                if kind is None and name != NOT:
                    self.problems.append(f"{lang}: unknown kind {name!r}")
                    continue
                for line in str(block or "").splitlines():
                    if not line.strip() or line.lstrip().startswith("#"):
                        continue
                    try:
                        lexicon.add(_parse(line, lang, kind))
                    except PatternError as exc:
                        self.problems.append(str(exc))
        fillers = str(raw.get("fillers") or "").split()
        self.fillers = frozenset(native_key(t) for w in fillers for t in tokenize(w))
        self.sound_fillers = frozenset(
            sound_key(t) for w in fillers for t in tokenize(w) if script(t) == "latin"
        )

    def find(self, text: str) -> Hit | None:
        sos = not SOS_EMOJI.isdisjoint(text)
        return self.find_in_tokens(tokenize(text), sos=sos)

    def find_in_tokens(self, tokens: Sequence[str], sos: bool = False) -> Hit | None:
        tokens = _join_preverbs(tokens)
        if not tokens:
            return Hit(Kind.CRY, "", "") if sos else None
        native = [_forms(t) for t in tokens]
        latin = [(sound_key(t),) if script(t) == "latin" else () for t in tokens]
        blank = [False] * len(tokens)
        views = [
            (lexicon, keys, [lexicon.candidates(forms) if forms else set() for forms in keys])
            for lexicon, keys in ((self.native, native), (self.latin, latin))
        ]  # the patterns each word may begin, looked up once for both passes
        for lexicon, keys, starts in views:
            for _pattern, where in self._matches(lexicon, keys, starts, blank, exceptions=True):
                for j in where:
                    blank[j] = True
        cries: set[int] = set()
        cry_hit: Hit | None = None
        for lexicon, keys, starts in views:
            for pattern, where in self._matches(lexicon, keys, starts, blank, exceptions=False):
                assert pattern.kind is not None
                if pattern.kind != Kind.CRY:
                    return Hit(pattern.kind, pattern.lang, pattern.text)
                cries.update(where)
                cry_hit = cry_hit or Hit(Kind.CRY, pattern.lang, pattern.text)
        if not cries and not sos:
            return None
        for j in range(len(tokens)):
            if j in cries:
                continue
            if blank[j] or not (
                native[j][0] in self.fillers or (latin[j] and latin[j][0] in self.sound_fillers)
            ):
                return None
        return cry_hit or Hit(Kind.CRY, "", "")

    @staticmethod
    def _matches(
        lexicon: _Lexicon,
        keys: Sequence[Sequence[str]],
        starts: Sequence[set[int]],
        blank: Sequence[bool],
        *,
        exceptions: bool,
    ) -> Iterable[tuple[_Pattern, list[int]]]:
        for i, numbers in enumerate(starts):
            if blank[i]:
                continue
            for number in sorted(numbers):
                pattern = lexicon.patterns[number]
                if (pattern.kind is None) != exceptions:
                    continue
                where = _match_at(pattern, keys, blank, i)
                if where is not None:
                    yield pattern, where


def _join_preverbs(tokens: Sequence[str]) -> list[str]:
    """Persian "می زنه" (written apart) → "میزنه", as most people write it."""
    out: list[str] = []
    for tok in tokens:
        if out and out[-1] in _PERSIAN_PREVERBS and script(tok) == "arabic":
            out[-1] += tok
        else:
            out.append(tok)
    return out


def load(path: Path = DEFAULT_FILE) -> Detector:
    return Detector(read_yaml(path) or {})


@functools.lru_cache(maxsize=1)
def detector() -> Detector:
    """The detector of locales/emergency.yaml, built once per process."""
    return load()


@functools.lru_cache(maxsize=64)
def find(text: str) -> Hit | None:
    """What kind of emergency the message speaks of, or None. Kept for the last messages: a question is
    checked by the service and again by the matcher (about 0.06 ms each, bench/bench_load.py)."""
    return detector().find(text)


def is_emergency(text: str) -> bool:
    return find(text) is not None


def is_danger(tokens: Sequence[str]) -> bool:
    """The same check on normalised tokens (bot/faq/normalize.py `tokenize`)."""
    return detector().find_in_tokens(tokens) is not None


def check(path: Path = DEFAULT_FILE) -> list[str]:
    """Problems of the data file: patterns that cannot be read, unknown languages or kinds."""
    return load(path).problems


# --- the numbers --------------------------------------------------------------------------------------


def with_numbers(facts: LocalFacts, shipped: Path = DEFAULT_FACTS_FILE) -> LocalFacts:
    """`facts` with every national number it lacks taken from the facts file shipped with the bot, so an
    emergency answer never shows a bare placeholder when a deployment's own facts file is older."""
    missing = [name for name in NUMBERS if name not in facts]
    if not missing or facts.path == shipped:
        return facts
    defaults = LocalFacts.load(shipped)
    return facts.with_facts(defaults.facts[name] for name in missing if name in defaults.facts)
