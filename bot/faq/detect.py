"""Language of a question (or a broadcast text): script first, then cues within the script.

The supported languages come in script pairs (Arabic script: ar/fa; Cyrillic: uk/ru; Latin: de/en), so
the script decides the pair almost for free and the hard part is telling the two apart. Letters that
exist in only one language of a pair (Persian پ ژ ی ک against Arabic ة ى; Ukrainian і ї є ґ against
Russian ы э ъ ё; German umlauts) are strong evidence; frequent function words and the words of the
FAQ's own answers (`learn_vocabulary`) help short texts. For a question these cues decide alone; for an
organizer's broadcast text lingua's statistical model weighs in too (`TEXT_LINGUA_SCRIPTS`).

lingua runs in low-accuracy mode. Measured (bench/bench_faq.py): a process with aiogram, SQLAlchemy, the
detector and the matcher was about 230 MB resident in low-accuracy mode and about 410 MB in high-accuracy
mode (its six models take about 200 MB), and with the cues above both modes detected the same share of the
test questions correctly. Within Arabic script
and Cyrillic the cues decide a question alone: without lingua there, the development, held-out and thirteen
blind sets had the same questions identified and answered (5 December 2026), its Ukrainian and Russian
models cost ~7 MiB and it took 0.1–0.2 ms of CPU per question (two calls for Arabic script, one per
keyboard's spelling). Between German and English neither (5 December 2026, evening): on the development,
held-out, seventeen blind sets and the test set, top-1 and out of scope stayed the same (5,733 of 5,843, 40
of 1,193) and 3 of 7,036 questions fewer were identified (one-word ones: "Kita?", "Kindergarten", typed
nonsense: the answer is in the reader's own language then), for 16 MiB of memory (lingua's library and
models are never loaded for questions) and 0.17 ms of CPU per question in Latin letters (0.96 -> 0.79).
A broadcast text is checked against its label with lingua's Latin and Cyrillic models (bot/broadcast/
texts.py): a Russian text in the Ukrainian box is told by lingua, not by the cues; they are loaded when an
organizer first writes one.
"""

from __future__ import annotations

import functools
import math
import operator
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, ClassVar

from bot.faq.normalize import fold, script_of_token, tokenize, without_addresses
from bot.faq.translit import FUNCTION_WORDS, GROUP, TRANSLIT_LANGUAGES, has_arabizi_digit, key, romanize

if TYPE_CHECKING:
    from lingua import LanguageDetector as LinguaDetector

SUPPORTED: tuple[str, ...] = ("de", "ar", "fa", "uk", "en", "ru")
# Which languages share a script; the first of a pair wins ties.
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "arabic": ("ar", "fa"),
    "cyrillic": ("uk", "ru"),
    "latin": ("de", "en"),
}
SCRIPT_OF: dict[str, str] = {lang: script for script, pair in SCRIPT_LANGUAGES.items() for lang in pair}
# Where lingua's model weighs in beside the cues (see above): for questions nowhere, for longer texts in
# Latin letters and Cyrillic.
QUESTION_LINGUA_SCRIPTS: frozenset[str] = frozenset()
TEXT_LINGUA_SCRIPTS = frozenset({"latin", "cyrillic"})

# Letters that one language of a pair uses and the other does not, with a weight in log-odds. Counted on
# the raw text (before normalisation folds them together). Persian is also typed on Arabic keyboards
# (ي ك instead of ی ک), so the Arabic letters weigh less than the Persian ones.
_LETTER_CUES: dict[str, dict[str, float]] = {
    # گ چ also occur in Iraqi/Gulf Arabic, so they weigh less. Yeh and kaf are counted once, below.
    "fa": {"پ": 2.5, "ژ": 2.5, "گ": 1.0, "چ": 1.0, "ۀ": 2.0},
    "ar": {"ة": 2.5, "ى": 1.5, "إ": 1.5, "ؤ": 0.5, "ڤ": 1.0},
    "uk": {"і": 4.0, "ї": 4.0, "є": 4.0, "ґ": 4.0},
    "ru": {"ы": 4.0, "э": 4.0, "ъ": 4.0, "ё": 4.0},
    "de": {"ä": 3.0, "ö": 3.0, "ü": 3.0, "ß": 4.0},
    "en": {},
}
# Frequent words that belong to one language of a pair only. Compared after folding (so Persian typed
# with Arabic letters still counts as Persian); words both languages use ("ممکن", "یا") are left out.
_WORD_CUES_RAW: dict[str, str] = {
    "de": "ich ist wo wie wann der die das und nicht ein eine mein meine kann gibt es für mit auf zum zur "
    "bitte brauche habe bei wir sie ihr muss möchte welche wer warum kein keine gibts hallo",
    "en": "the is where how what when my can do does you for with need have get please there which who "
    "why i im an of and at are any hello",
    "uk": "де як що чи та але коли куди хто треба можна також якщо немає нема щоб тут скільки який яка яку "
    "які ласка мене мені ваш наш вже шо шось шоб тіки",
    "ru": "где как что и или когда куда кто нужно надо можно тоже если нет чтобы здесь сколько какой какая "
    "какие пожалуйста меня мне уже это",
    # Standard Arabic plus the Levantine, Iraqi, Gulf and Egyptian question words and verbs.
    "ar": "في الى إلى على عن هل ماذا لماذا وين شو شنو ايش إيش وش شلون اشلون ليش كيف متى امتى مين فين ازاي "
    "قديش بدي بدك اريد أريد ابي ابغى عايز عاوز عندي عندكم هذا هذه هاد هيك هذول لي انا أنا اللي الي فيه "
    "فيها مو مش كتير شي يلي",
    # Iranian Farsi and Dari.
    "fa": "از در با که را رو این اون چی چه چرا کجا کجاست چطور چطوری چگونه چند چقدر است هست نیست هستم "
    "استم میخوام میخواهم میشه نمیشه میشود برای برایم باید یه یک دارم ندارم دارید دارین کنم کنید "
    "کردم بکنم شده شما منو مرا بله خیلی لطفا ممنون مرسی کدام",
}
_WORD_CUES: dict[str, frozenset[str]] = {
    lang: frozenset(fold(w) for w in words.split()) for lang, words in _WORD_CUES_RAW.items()
}
# Yeh/kaf tell the keyboard, not the language: once per text, and an Arabic keyboard proves less (Persian
# is often typed on one) than a Persian keyboard does.
_PERSIAN_KEYBOARD = frozenset("یک")
_ARABIC_KEYBOARD = frozenset("يك")
_PERSIAN_KEYBOARD_WEIGHT = 4.0
_ARABIC_KEYBOARD_WEIGHT = 1.0
# Persian verbs carry the prefix می/نمی ("میخوام", "نمیدونم"); few Arabic words begin so.
_PERSIAN_VERB_PREFIXES = ("مي", "نمي")
_PERSIAN_VERB_WEIGHT = 0.8
_WORD_CUE_WEIGHT = 1.2
# The Arabic article marks Arabic; Persian has only a few loanwords with it.
_ARABIC_ARTICLE_WEIGHT = 0.6
# Words of the FAQ's own answers and titles (see `learn_vocabulary`): per word at most this much, in all
# at most `_VOCAB_CAP`, times `_VOCAB_WEIGHT`. They tell an English question with German terms
# ("how to buy deutschlandticket") from a German one: the terms occur in both languages' answers.
_VOCAB_WORD_CAP = 1.5
_VOCAB_CAP = 4.0
# Arabic and Persian share many words with other meanings (ما "what/not" and "we"), so less there.
_VOCAB_WEIGHT: dict[str, float] = {"latin": 0.7, "cyrillic": 0.7, "arabic": 0.4}
_CUE_CAP = 8.0
_LINGUA_CAP = 4.0
_LINGUA_WEIGHT = 0.5
# Latin text in another language (bot/faq/translit.py): per word, a function word of the language, a word
# whose key is in the language's FAQ vocabulary, or a digit used as a letter (Arabizi) is evidence; German
# and English words (cues, FAQ vocabulary) are evidence against. Keys shorter than these say too little.
_TRANSLIT_FUNCTION = 1.0
_TRANSLIT_KEY = 0.7
_TRANSLIT_SHORT_KEY = 0.3  # a key of two letters (many words share it)
_TRANSLIT_DIGIT = 1.5
_TRANSLIT_MIN_KEY = {"abjad": 3, "cyrillic": 4}
_TRANSLIT_NATIVE = 1.0  # a German or English word
_TRANSLIT_MIN = 1.5  # evidence a transliterated language needs at least ...
_TRANSLIT_LEAD = 1.0  # ... and its lead over German and English
# Ukrainian on a Russian layout ("дытыны"): the words' keys, more frequent in Ukrainian than Russian.
_RU_LAYOUT_LETTERS = frozenset("ыэъ")
_RU_LAYOUT_WEIGHT = 1.0
_CYRILLIC_KEY_WEIGHT = 0.5
# Ukrainian words that Russian does not have, in the letters both share ("де", "шо", "робота", "прийом"):
# Ukrainians write Russian words all the time (surzhyk), Russians do not write these, so one of them
# outweighs a sentence of Russian words.
_UK_ONLY = frozenset(
    "де шо шоб шось чи коли треба тре нема робота роботу роботи прийом прийому шукаю шукати дитина "
    "дитини дитину дитячий дитячу допомога допомогу допомоги житло мене його яка який яку якщо щоб ще "
    "вже можна хто що як але або чому куди ласка дякую маю тиждень".split()
)
_UK_ONLY_WEIGHT = 3.5
# Spellings Russian never uses and Ukrainian typed on a Russian layout does: "чы", "жы", "кы" (Russian
# writes и after these) and э inside a word ("рэпэтытор", "вэлосыпэд"; Russian: е).
_RU_LAYOUT_SPELLING = re.compile(r"[гкхжчшщ]ы|(?<=[а-яё])э")
_RU_LAYOUT_SPELLING_WEIGHT = 2.0
_RU_LAYOUT_SPELLING_CAP = 4.0
_TRANSLIT_RATIO = 0.5  # weight of the word frequencies between ar/fa and uk/ru in Latin letters
_WORD = re.compile(r"[\w'’ʼ]+")
_FORMAT_CHARS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def script_of(ch: str) -> str | None:
    """'arabic', 'cyrillic', 'latin' for letters of those scripts, 'other' for other letters, else None."""
    if not ch.isalpha():
        return None
    code = ord(ch)
    if (
        0x0600 <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    ):
        return "arabic"
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if code < 0x0250 or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    return "other"


_ASCII_LETTER = re.compile("[A-Za-z]")


class _ScriptLetters(dict[int, str | None]):
    """A str.translate table: each letter as the first letter of its script (script_of), other characters
    dropped. Filled as characters are met, below U+2000 only (Latin, Cyrillic and Arabic letters are
    there): a text of many rare characters must not grow it."""

    def __missing__(self, code: int) -> str | None:
        kind = script_of(chr(code))
        letter = kind[0] if kind else None
        if code < 0x2000:
            self[code] = letter
        return letter


_SCRIPT_LETTERS = _ScriptLetters()
_SCRIPT_NAMES = {"a": "arabic", "c": "cyrillic", "l": "latin", "o": "other"}


def _word_script(word: str) -> str | None:
    if word.isascii():  # (most Latin words: their letters are all Latin)
        return "latin" if _ASCII_LETTER.search(word) else None
    letters = word.translate(_SCRIPT_LETTERS)
    if not letters:
        return None
    if letters.count(letters[0]) == len(letters):  # (most words: one script)
        return _SCRIPT_NAMES[letters[0]]
    counts: dict[str, int] = {}
    for letter in letters:  # the most frequent; of equals, the first met
        counts[letter] = counts.get(letter, 0) + 1
    return _SCRIPT_NAMES[max(counts, key=lambda k: counts[k])]


def dominant_script(words: Sequence[str]) -> str | None:
    """The script of the question. A non-Latin script wins when it holds a fair share of the words:
    Arabic or Ukrainian sentences often carry German terms (Jobcenter, Kita), never the other way."""
    return _dominant(list(map(_word_script, words)))


def _dominant(scripts: Sequence[str | None]) -> str | None:
    """dominant_script of the words' scripts."""
    counts: dict[str, int] = {}
    for s in scripts:
        if s:
            counts[s] = counts.get(s, 0) + 1
    if not counts:
        return None
    total = sum(counts.values())
    non_latin = {k: v for k, v in counts.items() if k != "latin"}
    if non_latin:
        best = max(non_latin, key=lambda k: non_latin[k])
        if non_latin[best] * 3 >= total:
            return best
    return max(counts, key=lambda k: counts[k])


_ANY_FUNCTION_WORD = frozenset().union(*FUNCTION_WORDS.values())


def _claimed_elsewhere(word: str, pair: tuple[frozenset[str], ...]) -> bool:
    """Whether a Latin word is a function word of a language outside `pair` (and of none in it)."""
    return word in _ANY_FUNCTION_WORD and not any(word in words for words in pair)


@functools.cache
def _letter_difference(a: str, b: str) -> dict[str, float]:
    """Each cue letter's weight for `a` less its weight for `b` (one pair per script)."""
    return {
        ch: _LETTER_CUES[a].get(ch, 0.0) - _LETTER_CUES[b].get(ch, 0.0)
        for ch in {*_LETTER_CUES[a], *_LETTER_CUES[b]}
    }


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _pair_probabilities(a: str, b: str, log_odds: float) -> dict[str, float]:
    p_a = 1.0 / (1.0 + math.exp(-log_odds))
    return {a: p_a, b: 1.0 - p_a}


class LanguageDetector:
    """detect(text) -> (language code or None, confidence 0..1). Thread-safe; lingua is built once."""

    # lingua's detectors by their languages and accuracy: one model of each in memory, however many detectors
    _shared_lingua: ClassVar[dict[tuple[tuple[str, ...], bool], LinguaDetector]] = {}
    _lock = threading.Lock()

    def __init__(
        self,
        languages: Sequence[str] = SUPPORTED,
        high_accuracy: bool = False,
        lingua_scripts: frozenset[str] = QUESTION_LINGUA_SCRIPTS,
    ) -> None:
        self.languages = tuple(languages)
        self.high_accuracy = high_accuracy
        self.lingua_scripts = lingua_scripts
        self._lingua: LinguaDetector | None = None
        self._vocab: dict[str, tuple[dict[str, int], int]] = {}
        self._keys: dict[str, tuple[dict[str, int], int]] = {}

    def learn_vocabulary(self, texts: Mapping[str, Iterable[str]]) -> None:
        """Word counts per language from clean text in that language (the FAQ's answers and titles)."""
        vocab: dict[str, tuple[dict[str, int], int]] = {}
        for lang, chunks in texts.items():
            counts: dict[str, int] = {}
            for chunk in chunks:
                for w in _WORD.findall(chunk):
                    wf = fold(w)
                    counts[wf] = counts.get(wf, 0) + 1
            vocab[lang] = (counts, max(1, sum(counts.values())))
        self._vocab = vocab
        # The same words as keys (bot/faq/translit.py), to recognise them typed in Latin letters.
        keyed: dict[str, tuple[dict[str, int], int]] = {}
        for lang in TRANSLIT_LANGUAGES:
            if lang in vocab:
                counts = {}
                for w, n in vocab[lang][0].items():
                    k = key(romanize(w, lang), lang)
                    if k:
                        counts[k] = counts.get(k, 0) + n
                keyed[lang] = (counts, vocab[lang][1])
        self._keys = keyed

    def _key_ratio(self, folded: Sequence[str], a: str, b: str) -> float:
        """Log-odds that keyed words are `a` rather than `b` (each by its own spelling rules: Arabic drops
        the article "al", Persian keeps it), from how often each language's FAQ uses them: the Russian
        entries know a few Ukrainian words too, but rarely. `folded`: the words, folded."""
        (ca, na), (cb, nb) = self._keys[a], self._keys[b]
        total = 0.0
        alike = "fa" not in (a, b)  # (only Persian romanises its letters otherwise)
        for wf in folded:
            ra = wf if wf.isascii() else romanize(wf, a)  # (Latin letters stay as they are)
            ka, kb = key(ra, a), key(ra if alike else romanize(wf, b), b)
            if len(ka) < _TRANSLIT_MIN_KEY[GROUP[a]] - 1:
                continue
            x, y = ca.get(ka, 0), cb.get(kb, 0)
            if x or y:
                ev = math.log((x + 0.5) / na) - math.log((y + 0.5) / nb)
                total += max(-_VOCAB_WORD_CAP, min(_VOCAB_WORD_CAP, ev))
        return total

    def _translit_scores(self, words: Sequence[str], folded: Sequence[str]) -> dict[str, float] | None:
        """Probabilities when Latin words are a transliterated language (Arabizi, Finglish, Ukrainian or
        Russian in Latin letters), else None (German or English). `folded`: the words, folded."""
        evidence = {lang: 0.0 for lang in self._keys if lang in self.languages}
        if not evidence:
            return None
        native = {lang: 0.0 for lang in ("de", "en")}
        umlauts = 0.0  # German words unknown to the FAQ, told by an umlaut (folding made "fürs" "furs")
        for raw, w in zip(words, folded, strict=True):
            if not w.isascii():
                continue
            for lang in native:
                if w in _WORD_CUES[lang] or (len(w) >= 3 and w in self._vocab.get(lang, ({}, 0))[0]):
                    native[lang] += _TRANSLIT_NATIVE
                elif lang == "de" and not _LETTER_CUES["de"].keys().isdisjoint(raw.casefold()):
                    umlauts += _TRANSLIT_NATIVE
            # A function word of one language ("yak" = як) is no evidence for another whose key it
            # happens to share ("yk" = یک): function words are chosen, key matches are loose.
            claimed = [lang for lang in evidence if w in FUNCTION_WORDS[lang]]
            for lang in claimed:
                evidence[lang] += _TRANSLIT_FUNCTION
            for lang in evidence if not claimed else ():
                k = key(w, lang)
                if k in self._keys[lang][0]:
                    short = len(k) < _TRANSLIT_MIN_KEY[GROUP[lang]]
                    evidence[lang] += (
                        _TRANSLIT_SHORT_KEY if short and len(k) >= 2 else 0.0 if short else _TRANSLIT_KEY
                    )
            if "ar" in evidence and has_arabizi_digit(w):
                evidence["ar"] += _TRANSLIT_DIGIT
        # They back two or more other German words ("Wo kriege ich Karten fürs Konzert in der ZAG Arena?" was
        # Finglish by its words' keys), not a German term in Arabizi ("wen el Führerschein": wen is وين too).
        if native.get("de", 0.0) >= 2 * _TRANSLIT_NATIVE:
            native["de"] += umlauts
        # The two languages of one script share many words: how often each uses them tells them apart.
        for a, b in (("ar", "fa"), ("uk", "ru")):
            if a in evidence and b in evidence and (evidence[a] or evidence[b]):
                pair = (FUNCTION_WORDS[a], FUNCTION_WORDS[b])
                own = [w for w in folded if not _claimed_elsewhere(w, pair)]
                ratio = _TRANSLIT_RATIO * self._key_ratio(own, a, b)
                # It tells which language of the pair, not whether the pair: at most the pair's own evidence.
                evidence[a if ratio > 0 else b] += min(abs(ratio), max(evidence[a], evidence[b]))
        best = max(evidence, key=lambda k: evidence[k])
        if evidence[best] < _TRANSLIT_MIN or evidence[best] < max(native.values()) + _TRANSLIT_LEAD:
            return None
        # A softmax over all the evidence: the runner-up (often the other Cyrillic language) sets the
        # confidence, so an unclear case lets the answer follow the reader's own language.
        # Languages without any evidence take no share.
        everything = {**evidence, **{k: v for k, v in native.items() if k in self.languages}}
        top = max(everything.values())
        weights = {k: math.exp(v - top) if v > 0 else 0.0 for k, v in everything.items()}
        total = sum(weights.values())
        return {k: v / total for k, v in weights.items()}

    def _russian_layout(self, folded: Sequence[str]) -> float:
        """Evidence (log-odds for Ukrainian) that Russian letters spell Ukrainian words ("дытыны"): how
        often the Ukrainian and the Russian FAQ use the words, compared as keys (и ы і are one letter)."""
        if "uk" not in self._keys or "ru" not in self._keys:
            return 0.0
        return _RU_LAYOUT_WEIGHT * self._key_ratio(folded, "uk", "ru")

    def _vocab_evidence(self, folded: Sequence[str], a: str, b: str, script: str) -> float:
        if a not in self._vocab or b not in self._vocab:
            return 0.0
        (ca, na), (cb, nb) = self._vocab[a], self._vocab[b]
        total = 0.0
        for wf in folded:
            x, y = ca.get(wf, 0), cb.get(wf, 0)
            if x or y:
                ev = math.log((x + 0.5) / na) - math.log((y + 0.5) / nb)
                total += max(-_VOCAB_WORD_CAP, min(_VOCAB_WORD_CAP, ev))
        return _VOCAB_WEIGHT.get(script, 0.5) * max(-_VOCAB_CAP, min(_VOCAB_CAP, total))

    def _get_lingua(self) -> LinguaDetector:
        if self._lingua is not None:
            return self._lingua
        key = (tuple(self._lingua_codes()), self.high_accuracy)
        with LanguageDetector._lock:
            detector = LanguageDetector._shared_lingua.get(key)
            if detector is None:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

                langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in key[0]]
                builder = LanguageDetectorBuilder.from_languages(*langs)
                if not self.high_accuracy:
                    builder = builder.with_low_accuracy_mode()
                detector = builder.with_preloaded_language_models().build()
                LanguageDetector._shared_lingua[key] = detector
            self._lingua = detector
        return detector

    def _lingua_codes(self) -> list[str]:
        return [c for c in self.languages if any(c in SCRIPT_LANGUAGES[s] for s in self.lingua_scripts)]

    def warm_up(self) -> None:
        """Load the models now (at start-up) rather than on the first question."""
        if self._lingua_codes():
            self._get_lingua()

    def _lingua_probs(self, text: str, pair: tuple[str, ...]) -> dict[str, float]:
        values = self._get_lingua().compute_language_confidence_values(text)
        probs = {v.language.iso_code_639_1.name.lower(): v.value for v in values}
        sub = {lang: probs.get(lang, 0.0) for lang in pair}
        total = sum(sub.values())
        if total <= 0:
            return {lang: 1.0 / len(pair) for lang in pair}
        return {lang: p / total for lang, p in sub.items()}

    def scores(self, text: str) -> dict[str, float]:
        """Probability per supported language (0 for the languages of other scripts)."""
        text = _FORMAT_CHARS.sub("", unicodedata.normalize("NFC", without_addresses(text)))
        words = _WORD.findall(text)
        scripts = list(map(_word_script, words))
        script = _dominant(scripts)
        if script is None or script == "other":
            return {}
        pair = tuple(lang for lang in SCRIPT_LANGUAGES[script] if lang in self.languages)
        if not pair:
            return {}
        # Only the words of the chosen script: German terms must not pull an Arabic sentence to German.
        own = [w for w, s in zip(words, scripts, strict=True) if s == script]
        folded = [fold(w) for w in own]
        if script == "latin":
            translit = self._translit_scores(own, folded)
            if translit is not None:
                return translit
        if len(pair) == 1:
            return {pair[0]: 1.0}
        own_text = " ".join(own)
        a, b = pair
        cue = 0.0
        letters = own_text.casefold()
        if script == "cyrillic":
            layout = self._russian_layout(folded)
            spelling = len(_RU_LAYOUT_SPELLING.findall(letters))
            if spelling:
                cue += min(_RU_LAYOUT_SPELLING_CAP, _RU_LAYOUT_SPELLING_WEIGHT * spelling)
                layout = max(layout, 0.0)
            cue += _UK_ONLY_WEIGHT * sum(wf in _UK_ONLY for wf in folded)
            if (layout > 0 or spelling) and _RU_LAYOUT_LETTERS & set(letters):
                # Ukrainian words in Russian letters: the letters tell the keyboard only
                letters = "".join(ch for ch in letters if ch not in _RU_LAYOUT_LETTERS)
                cue += layout
            else:  # surzhyk and the like: how often each FAQ uses the words, at a lower weight
                cue += _CYRILLIC_KEY_WEIGHT * layout
        # cue + each letter's difference in turn (the same sums as a loop, at C speed)
        cue = functools.reduce(operator.add, map(_letter_difference(a, b).get, letters, repeat(0.0)), cue)
        if script == "arabic":
            letters = set(own_text)
            if letters & _PERSIAN_KEYBOARD and not letters & _ARABIC_KEYBOARD:
                cue -= _PERSIAN_KEYBOARD_WEIGHT
            elif letters & _ARABIC_KEYBOARD and not letters & _PERSIAN_KEYBOARD:
                cue += _ARABIC_KEYBOARD_WEIGHT
        for wf in folded:
            if wf in _WORD_CUES[a]:
                cue += _WORD_CUE_WEIGHT
            if wf in _WORD_CUES[b]:
                cue -= _WORD_CUE_WEIGHT
            if script == "arabic" and len(wf) > 4:
                if wf.startswith("ال"):
                    cue += _ARABIC_ARTICLE_WEIGHT
                elif wf.startswith(_PERSIAN_VERB_PREFIXES):
                    cue -= _PERSIAN_VERB_WEIGHT
        cue += self._vocab_evidence(folded, a, b, script)
        cue = max(-_CUE_CAP, min(_CUE_CAP, cue))
        if script not in self.lingua_scripts:
            return _pair_probabilities(a, b, cue)
        lingua_logit = _logit(self._lingua_probs(own_text, pair)[a])
        lingua_logit = max(-_LINGUA_CAP, min(_LINGUA_CAP, lingua_logit))
        # lingua's low-accuracy confidences on a few words are overconfident: damp them.
        return _pair_probabilities(a, b, _LINGUA_WEIGHT * lingua_logit + cue)

    def detect(self, text: str) -> tuple[str | None, float]:
        scores = self.scores(text)
        if not scores:
            return None, 0.0
        lang = max(scores, key=lambda k: scores[k])
        return lang, round(scores[lang], 4)


def tells_language(text: str) -> bool:
    """Whether a text says enough to answer in its language rather than the reader's own. One word in
    Latin letters does not: "asdfghjkl", "hmm", "Kita" are no sign that an Arabic reader wants English or
    German (lingua is sure of many of them), and neither do addresses ("https://example.com"). Another
    script is a sign on its own."""
    words = [t for t in tokenize(without_addresses(text)) if script_of_token(t) != "digits"]
    return len(words) >= 2 or any(script_of_token(w) in ("arabic", "cyrillic") for w in words)
