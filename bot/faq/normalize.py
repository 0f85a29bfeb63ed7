"""Text normalisation for matching (never for display).

Users type the same word in many ways: with or without Arabic diacritics and tatweel, with Arabic or
Persian yeh/kaf, with or without the zero-width non-joiner, with "ue" for "ü", with curly or straight
apostrophes, with Latin homoglyphs inside Cyrillic words. Matching sees one canonical form.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from collections.abc import Callable, Container, Iterable

# --- Arabic script -------------------------------------------------------------------------------

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, tatweel
_CHAR_MAP: dict[int, str] = {}


def _map(chars: str, target: str) -> None:
    for ch in chars:
        _CHAR_MAP[ord(ch)] = target


# One alef, one yeh, one kaf, heh for teh marbuta: Arabic and Persian keyboards differ exactly here.
_map("أإآٱٲٳ", "ا")
_map("ىیيئېۍ", "ي")
_map("کكګ", "ك")
_map("ةۀەۃ", "ه")
_map("ؤ", "و")
_map("ء", "")
# Arabic-Indic and Persian digits -> ASCII, so "۱۱۲" matches "112".
for _i, (_a, _p) in enumerate(zip("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", strict=True)):
    _map(_a + _p, str(_i))
# Invisible format characters: ZWNJ/ZWJ (Persian half-space), direction marks, isolates, BOM.
_map("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad", "")
# Apostrophe variants (Ukrainian uses one inside words: п'ять, пʼять, п’ять) -> dropped.
_map("'’‘ʼ`´′ʹ‛", "")
# German letters: ä -> a etc. (umlaut-less keyboards); "ae"/"oe"/"ue" are folded below.
_map("äàáâ", "a")
_map("öòóô", "o")
_map("üùúû", "u")
_map("éèê", "e")
_map("ß", "ss")
# Cyrillic variants that people omit.
_map("ё", "е")
_map("ґ", "г")

# Latin letters that look like Cyrillic ones, for words typed with a mixed keyboard ("кiта").
_HOMOGLYPHS = str.maketrans("aeopcxyikmthb", "аеорсхуікмтнв")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[a-z]")
# ae/oe/ue after a consonant or at the start of a word stand for ä/ö/ü ("Buergeramt", "Aerztin").
# A regex's first group as its replacement, by a function: the template r"\1" costs a call into Python's re
# module for every word, whether it matches or not.
FIRST_GROUP = operator.methodcaller("group", 1)
_UMLAUT_DIGRAPH = re.compile(r"(?:(?<=[bcdfghjklmnpqrstvwxz])|(?<![a-z]))([aou])e")
_TOKEN = re.compile(r"\w+")
# Web and e-mail addresses and @names are no words of a language: a link pasted by an Arabic reader is no
# sign that they want an English answer. (Matching still sees their words: "jobcenter" in a link helps.)
# The look-behinds start an address only where its run of characters starts: tried from every position
# inside a run, a 5,000-character word took 70 ms and "a.a.a…" 600 ms (each start scanned to the run's end).
_ADDRESS = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|@\w+"
    r"|(?<![\w-])(?<![\w-]\.)[\w-]+(?:\.[\w-]+)*\.(?:de|com|org|net|eu|info|io|gov|ua|ru|ir|af|iq|sy)\b"
    r"(?:/\S*)?",
    re.IGNORECASE,
)


def _combining_marks() -> re.Pattern[str]:
    """The characters of the Basic Multilingual Plane with a combining class (20 ms, once per process)."""
    ranges: list[str] = []
    start = None
    for code in range(0x300, 0x10001):
        if code < 0x10000 and unicodedata.combining(chr(code)):
            start = code if start is None else start
        elif start is not None:
            ranges.append(f"{chr(start)}-{chr(code - 1)}")
            start = None
    return re.compile(f"[{''.join(ranges)}]")


_COMBINING = _combining_marks()
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


def fold(text: str) -> str:
    """Canonical form of a text: case, compatibility forms, script variants, marks. Keeps word breaks."""
    return _fold_word(text) if len(text) <= _WORD_LENGTH else _fold(text)


def _fold(text: str) -> str:
    if text.isascii():  # (NFKC and casefold change nothing in ASCII but the case, and it has no marks)
        return text.lower().translate(_CHAR_MAP)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_MARKS.sub("", text)
    text = text.translate(_CHAR_MAP)
    # NFKC+casefold may leave combining marks (e.g. decomposed umlauts): drop them. (A regex finds them
    # at C speed; beyond the BMP, emoji mostly, each character is asked.)
    if _COMBINING.search(text) or (
        _BEYOND_BMP.search(text) and any(unicodedata.combining(ch) for ch in text)
    ):
        text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return text


# A question's words are folded again and again (language detection, keys, the doubt's words: about 30 times
# for 8 words), non-Latin ones at about 2 µs each: the last 256 words are kept (tens of KB; 5 % of `decide`).
_WORD_LENGTH = 24
_fold_word = functools.lru_cache(maxsize=256)(_fold)


_HOMOGLYPH_LATIN = frozenset("aeopcxyikmthb")


def _fix_token(token: str) -> str:
    latin = _LATIN.findall(token)
    if not latin:
        return token
    cyrillic = len(_CYRILLIC.findall(token))
    if not cyrillic:
        return _UMLAUT_DIGRAPH.sub(FIRST_GROUP, token)
    # A Cyrillic word with a few look-alike Latin letters; otherwise two words run together.
    if cyrillic >= len(latin) and set(latin) <= _HOMOGLYPH_LATIN:
        return token.translate(_HOMOGLYPHS)
    return token


# Runs of one script inside a token: "الjobcenter" is the Arabic article and a German word.
_SCRIPT_RUNS = re.compile(
    "[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+|[\u0400-\u052f]+"
    "|[^\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff\u0400-\u052f]+"
)


def tokenize(text: str) -> list[str]:
    """Normalised word tokens (underscores, punctuation and changes of script split words)."""
    return list(_tokens(text))


# A question is tokenized four times in a row (emergency, small talk, language, matching): the last texts'
# tokens are kept (measured: 3% of the matcher's CPU per question).
@functools.lru_cache(maxsize=16)
def _tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for raw in _TOKEN.findall(fold(text).replace("_", " ")):
        fixed = _fix_token(raw)
        if fixed.isascii():
            tokens.append(fixed)
        else:
            tokens.extend(_SCRIPT_RUNS.findall(fixed))
    return tuple(tokens)


# (bot/text.py cuts long messages at sentence ends too, keeping every separator so that the pieces join back
# into the text exactly; a question needs only its sentences, and a line end ends one too.)
_SENTENCE_END = re.compile(r"(?<=[.!?؟…])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The text cut after each . ! ? ؟ … followed by a space, and at line ends."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


def without_addresses(text: str) -> str:
    """`text` without web and e-mail addresses, domains and @names, for telling its language."""
    return _ADDRESS.sub(" ", text)


def normalize(text: str) -> str:
    """Normalised text: tokens joined by one space."""
    return " ".join(tokenize(text))


# --- light stemming ------------------------------------------------------------------------------
# Deliberately crude: strip frequent clitics and endings so that inflected forms share a stem. Character
# n-grams do the fine work; the stem only has to be right most of the time.

_AR_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال", "نمي", "مي")
_AR_SUFFIXES = tuple(
    sorted(
        (
            "هايي",
            "هاي",
            "ها",
            "ات",
            "ان",
            "ون",
            "ين",
            "يه",
            "هم",
            "كم",
            "نا",
            "مان",
            "تان",
            "شان",
            "ه",
            "ي",
            "م",
            "ت",
            "ش",
        ),
        key=len,
        reverse=True,
    )
)
_LATIN_SUFFIXES = ("ungen", "ern", "ung", "en", "er", "es", "em", "e", "n", "s")
_CYR_SUFFIXES = (
    "ями", "ами", "ого", "ому", "ему", "ими", "ах", "ях", "ою", "ею", "ів", "ов", "ев", "ий", "ій", "ый",
    "ой", "ая", "яя", "ое", "ее", "ую", "юю", "ти", "ть", "ся", "сь", "а", "я", "у", "ю", "і", "и", "ы",
    "е", "о", "ь", "й",
)  # fmt: skip


def _is_arabic_script(token: str) -> bool:
    return "\u0600" <= token[0] <= "\u06ff"


# Colloquial Persian writes "your", "our" and "their" onto the word ("آدرستون", "کلاسمون", "وقتشون"): taken
# off before the common endings, for Persian only (Arabic verbs end so too: "يعلمون").
_FA_CLITICS = ("تون", "مون", "شون")


def stem_fa(token: str) -> str:
    """`stem` for Persian: a colloquial possessive ending goes first."""
    if len(token) >= 6 and token.endswith(_FA_CLITICS) and _is_arabic_script(token):
        token = token[:-3]
    return stem(token)


def native_stemmer(lang: str) -> Callable[[str], str]:
    """The stem function of a language's own script (bot/faq/translit.py `key_stemmer`: its Latin keys)."""
    return _NATIVE_STEMMERS.get(lang, stem)


# (A question's words are stemmed several times over, by ranking, anchors, the doubt, ...: ~50 calls a
# question, 1 µs each. A bounded few are kept, for the words of the questions in hand.)
@functools.lru_cache(maxsize=1024)
def stem(token: str) -> str:
    """Light, script-aware stem of a normalised token."""
    if len(token) <= 3 or token.isdigit():
        return token
    if _is_arabic_script(token):
        for p in _AR_PREFIXES:
            if token.startswith(p) and len(token) - len(p) >= 3:
                token = token[len(p) :]
                break
        if token.startswith("و") and len(token) >= 5:  # conjunction "and"
            token = token[1:]
        for s in _AR_SUFFIXES:
            if token.endswith(s) and len(token) - len(s) >= 3:
                token = token[: -len(s)]
                break
        else:
            # The seat of the accusative ending, with its tanween ("سكناً") or, as most type it, without.
            if token.endswith("ا") and len(token) >= 4:
                token = token[:-1]
        return token
    if _CYRILLIC.match(token):
        for s in _CYR_SUFFIXES:
            if token.endswith(s) and len(token) - len(s) >= 3:
                token = token[: -len(s)]
                break
        return token[:7]
    for s in _LATIN_SUFFIXES:
        if token.endswith(s) and len(token) - len(s) >= 3:
            token = token[: -len(s)]
            break
    return token[:8]


_NATIVE_STEMMERS: dict[str, Callable[[str], str]] = {"fa": stem_fa}


# --- tiny stopword lists ---------------------------------------------------------------------------
# Only question words and glue; words that carry a topic ("wo" for places, "wann" for times) stay in the
# n-grams anyway. Stored folded, so they compare against normalised tokens.

_STOPWORDS_RAW: dict[str, str] = {
    "de": "ich du sie er es wir ihr mein meine meinen meiner mich mir uns der die das den dem des ein eine "
    "einen einem einer und oder aber ist sind bin bist war hat habe hast haben kann konnen muss mussen "
    "will mochte wie was wer mit von zu zum zur fur auf an in im am bei nach aus auch noch nicht kein "
    "keine bitte hallo gibt es da man so sehr mal denn ja nein nich nix ne",
    "en": "i you he she it we they me my mine our your the a an and or but is are am was be been do does "
    "did have has can could would should will how what who with of to for on at in by from also not no "
    "please hello there this that any some get me",
    "ar": "ال انا أنا انت انتي هو هي نحن في من الى إلى على عن و او أو هل ما ماذا شو ايش هذا هذه ذلك لي لو يا "
    "ممكن بدي اريد أريد عندي كيف اللي الي مع بس كمان "
    # Levantine, Iraqi, Gulf, Egyptian and Sudanese glue words (want, what, where, now, this, of).
    "بدك بدنا عايز عاوز عايزة ابغى ابغي ابي داير دايرة شنو شلون وين فين ازاي ليش ليه هسه هسي هلق الحين "
    "دا دي ده كدا كده هيك اكو ماكو تبع بتاع",
    "fa": "من تو او ما شما آنها از به در با که را رو این آن اون هم یا و هست است هستم بود برای تا اگر "
    "چی چه یک یه می خیلی لطفا سلام "
    "مه ره استم اس",  # Dari: "I", the object marker, "I am", "is"
    "uk": "я ти він вона ми ви вони мене мені мій моя мої в у на з із зі до від за по для та і й а але чи "
    "що це як є бути будь ласка це ж же би б дуже ще вже шо шоб",
    "ru": "я ты он она мы вы они меня мне мой моя мои в во на с со к ко до от за по для и а но или ли что "
    "это как есть быть пожалуйста ж же бы б очень еще уже",
}
STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(tokenize(words)) for lang, words in _STOPWORDS_RAW.items()
}
ALL_STOPWORDS: frozenset[str] = frozenset().union(*STOPWORDS.values())


def content_tokens(tokens: Iterable[str], stopwords: frozenset[str] = ALL_STOPWORDS) -> list[str]:
    """Tokens without stopwords; all tokens when nothing else is left ("wo?" stays a query)."""
    tokens = list(tokens)
    kept = [t for t in tokens if t not in stopwords]
    return kept or tokens


def within_one_edit(a: str, b: str) -> bool:
    """Edit distance at most 1 (one letter changed, added or left out): a typo of a long word."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


COMPOUND_MIN = 7  # letters of a word worth splitting ...
HEAD_MIN = 4  # ... of its last part ...
MODIFIER_MIN = 3  # ... and of what comes before


def with_compound_heads(tokens: Iterable[str], known: Container[str]) -> list[str]:
    """The tokens, each long Latin word the FAQ does not know followed by its longest known last part:
    a German compound names its kind last ("Kühlschrank" is a Schrank, "Frauenarzt" an Arzt)."""
    out: list[str] = []
    for tok in tokens:
        out.append(tok)
        if len(tok) < COMPOUND_MIN or tok in known or not (tok.isascii() and tok.isalpha()):
            continue
        for i in range(MODIFIER_MIN, len(tok) - HEAD_MIN + 1):
            if tok[i:] in known:
                out.append(tok[i:])
                break
    return out


def script_of_token(token: str) -> str:
    """Rough script class of a normalised token: 'arabic', 'cyrillic', 'latin' or 'digits'."""
    for ch in token:
        if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f":
            return "arabic"
        if "\u0400" <= ch <= "\u052f":
            return "cyrillic"
        if ch.isalpha():
            return "latin"
    return "digits"
