"""Arabic, Farsi, Ukrainian and Russian typed in Latin letters (or Ukrainian on a Russian layout), folded
to one comparable form: a *key*.

People without the keyboard of their language write it the way it sounds: Arabizi with digits for the
letters Latin lacks ("bdi a7jez maw3ed": 7 = ح, 3 = ع, 5 = خ, 2 = ء, 6 = ط, 9 = ق/ص), Finglish ("mikham
vaght begiram"), Ukrainian and Russian in Latin letters ("kursy nimetskoi movy", "nuzhen vrach"), or
Ukrainian with Russian letters ("потрибен ликар для дытыны": и ы э for і и е). There is no single
spelling to convert back to, so both sides are folded instead: the native example questions are
romanised (`romanize`) and every Latin spelling is reduced to a key (`key`) in which the usual variants
coincide. The matcher indexes the keys of each language's entries beside the native ones.

- Arabic and Farsi (`abjad`): the native script writes no short vowels, so the key keeps consonants only;
  vowels, alef and hamza are dropped on both sides, and و ي too unless a written vowel follows them
  ("keraye" = کرایه keeps its y, "peyda" = پیدا does not). Letters that the Latin spellings do not tell
  apart share one class (ت ط t; س ص s; د ض d; ز ظ ذ z; ح ه h; ق غ q; Arabic ث t, Persian ث s and ض ظ z),
  doubled letters count once, and the Arabic article is dropped. Arabic keeps ع as "3" (Arabizi writes
  it); Farsi drops it (Finglish does not). A lone Latin "c" is k or s ("doctor", "police"), "ph" is f.
  Digraphs are read in one pass, and native letters never join into one ("س ه" is not "sh").
  tests/data/translit_pairs.yaml (spellings people type, per native word) measures the rules.
- Ukrainian and Russian (`cyrillic`): all i-like letters (і и ы ї й, i y j) become "i", е э become "e",
  г х g h kh x become "h", ш щ sh sch shch become "S", ж zh "J", ч ch "C", ц ts c "c", soft signs and
  apostrophes go, doubled letters count once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import _lru_cache_wrapper, lru_cache

from bot.faq.normalize import FIRST_GROUP, STOPWORDS, fold, script_of_token, stem

TRANSLIT_LANGUAGES: tuple[str, ...] = ("ar", "fa", "uk", "ru")
GROUP: dict[str, str] = {"ar": "abjad", "fa": "abjad", "uk": "cyrillic", "ru": "cyrillic"}

# --- native script -> Latin -------------------------------------------------------------------------
# Applied to text folded by bot.faq.normalize (one yeh ي, one kaf ك, ة -> ه, no hamza seat, no marks).
_ARABIC_LATIN: dict[str, str] = {
    "ا": "a", "ب": "b", "پ": "p", "ت": "t", "ث": "th", "ج": "j", "چ": "ch", "ح": "7", "خ": "kh",
    "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "ژ": "zh", "س": "s", "ش": "sh", "ص": "s", "ض": "d",
    "ط": "t", "ظ": "z", "ع": "3", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "گ": "g", "ل": "l",
    "م": "m", "ن": "n", "ه": "h", "و": "w", "ي": "y", "ء": "",
}  # fmt: skip
# Letters Persian speaks otherwise: ث س ص are "s", ذ ز ض ظ are "z" ("sabt", "mariz"). Arabic dialects say
# ذ as "z" too ("tazkara", "ustaz").
_PERSIAN_LATIN: dict[str, str] = {**_ARABIC_LATIN, "ث": "s", "ذ": "z", "ض": "z", "ظ": "z"}
_ARABIC_LATIN["ذ"] = "z"
# A letter spelt with two Latin letters must not join the next letter into another spelling: س ه is "s-h",
# not "sh" = ش (the key drops "-").
_JOINS = frozenset("sctkdgz")
_CYRILLIC_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ё": "e", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ь": "", "ъ": "", "ы": "y", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip


class _CyrillicTable(dict[int, str | None]):
    """_CYRILLIC_LATIN as a str.translate table: other letters kept when ASCII, else dropped."""

    def __missing__(self, code: int) -> str | None:
        if code < 128:
            raise LookupError  # (translate keeps the character)
        return None


_CYRILLIC_TABLE = _CyrillicTable({ord(ch): latin for ch, latin in _CYRILLIC_LATIN.items()})
_ARABIC_ARTICLE = re.compile("^(?:وال|فال|بال|كال|لل|ال)(?=..)")


def romanize(token: str, lang: str | None = None) -> str:
    """A normalised native token in Latin letters ("" for other scripts' letters), as close as the letters
    allow to what people type: `lang` picks Persian readings (no article: آلمانی is "almani"; ض is "z")."""
    if script_of_token(token) == "arabic":
        if lang != "fa":
            token = _ARABIC_ARTICLE.sub("", token)
        else:
            token = token.replace("خوا", "خا")  # the silent و of خواستن, خواهر: "mikham", "khahar"
        # Final heh: the vowel -e/-a (Persian), ta marbuta (Arabic). ("-gah" keeps no h either: the key
        # drops a final h after a vowel, as "madraseh" is typed.)
        vowel = len(token) > 2 and token.endswith("ه")
        letters = _PERSIAN_LATIN if lang == "fa" else _ARABIC_LATIN
        parts: list[str] = []
        for ch in token[: -1 if vowel else None]:
            part = letters.get(ch, ch if ch.isascii() else "")
            if part[:1] == "h" and parts and parts[-1][-1:] in _JOINS:
                parts.append("-")
            parts.append(part)
        latin = "".join(parts) + ("e" if vowel else "")
        if lang == "fa" and latin[-2:] in ("ay", "wy"):
            latin += "e"  # "برای", "روی" are written "baraye", "ruye": the ezafe makes ی a consonant
        # A word-initial ي (and in Persian و) is a consonant, followed by a vowel the script leaves out.
        if latin[:1] == "y" or (latin[:1] == "w" and lang == "fa"):
            latin = latin[0] + "a" + latin[1:]
        return latin
    if script_of_token(token) == "cyrillic":
        return token.translate(_CYRILLIC_TABLE)
    return token


# --- Latin -> key ---------------------------------------------------------------------------------------
# Spellings of one letter, read in one pass (the longest first, see `_one_pass`).
_ABJAD_RULES: tuple[tuple[str, str], ...] = (
    ("3'", "q"), ("9'", "d"), ("6'", "z"), ("sh", "c"), ("ch", "c"), ("kh", "x"), ("gh", "q"), ("th", "t"),
    ("dh", "z"), ("dj", "j"), ("zh", "j"), ("ph", "f"), ("ck", "k"), ("ou", "u"), ("ee", "i"), ("oo", "u"),
    # a "c" of its own is English or German: "k" ("doctor", "camp"), "s" before e and i ("police")
    ("ce", "se"), ("ci", "si"), ("c", "k"),
)  # fmt: skip
# Single letters and Arabizi digits. Vowels, glides, alef and hamza map to "" (dropped).
_ABJAD_LETTERS: dict[str, str] = {
    "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "w": "", "v": "", "2": "",
    "b": "b", "p": "b", "t": "t", "6": "t", "j": "j", "h": "h", "7": "h", "x": "x", "5": "x",
    "d": "d", "r": "r", "z": "z", "s": "s", "9": "s", "c": "c", "q": "q", "8": "q", "f": "f",
    "k": "k", "g": "g", "l": "l", "m": "m", "n": "n", "3": "3",
}  # fmt: skip
_CYRILLIC_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "S"), ("sch", "S"), ("shh", "S"), ("sh", "S"), ("zh", "J"), ("tch", "C"), ("ch", "C"),
    ("kh", "h"), ("ts", "c"), ("tz", "c"),
)  # fmt: skip
_CYRILLIC_LETTERS: dict[str, str] = {
    "y": "i", "j": "i", "g": "h", "x": "h", "w": "v", "q": "k",
    "š": "S", "ž": "J", "č": "C", "ï": "i", "é": "e",
}  # fmt: skip


def _one_pass(rules: tuple[tuple[str, str], ...]) -> Callable[[str], str]:
    """All the rules' spellings replaced in one left-to-right pass: a replacement never joins the next
    letter into another spelling (ش "sh" before ه "h" is "c" and "h", not "ch" = چ)."""
    table = dict(rules)
    pattern = re.compile("|".join(re.escape(a) for a in sorted(table, key=len, reverse=True)))
    return lambda token: pattern.sub(lambda m: table[m.group()], token)


_ABJAD_DIGRAPHS = _one_pass(_ABJAD_RULES)
_CYRILLIC_DIGRAPHS = _one_pass(_CYRILLIC_RULES)
_ARTICLES = frozenset({"el", "al", "il", "l"})
_LATIN_ARTICLE = re.compile(r"^(?:el|al|il)(?=[a-z0-9']{3})")
_REPEATS = re.compile(r"(.)\1+")
_FINAL_VOWEL_H = re.compile(r"(?<=[aeiou])h$")


_VOWELS = frozenset("aeiou")
_GLIDES = {"y": "y", "w": "w", "v": "w", "i": "y", "u": "w", "o": "w"}


def _abjad_consonants(token: str, initial_w: bool) -> str:
    """The consonants of a token (digraphs replaced). و and ي are consonants before a vowel the native
    script writes too, alef or the final -e (ـه): "keraye", "sayara", "biad" = بیاد, "mawad"; otherwise
    vowels ("peyda", "beit", "khune", and "tayeb": the short vowel after ي is not written). So are i u o
    of a Latin spelling. A hamza ("2") between does not count. A word-initial w is dropped in Arabic: it is
    often the conjunction "and", written on the word."""
    out: list[str] = []
    last = len(token) - 1
    for i, ch in enumerate(token):
        glide = _GLIDES.get(ch)
        if glide is not None:
            if (ch in "iuo" and i == 0) or (i == 0 and glide == "w" and not initial_w):
                continue
            j = i + 1
            while j <= last and token[j] == "2":
                j += 1
            # Before a vowel the script writes: alef, or the final -e (ـه); a short vowel would not show.
            if (
                j <= last
                and (token[j] == "a" or (token[j] == "e" and j == last) or (i == 0 and token[j] in _VOWELS))
                and (ch in "ywv" or token[i - 1] not in _VOWELS)
            ):
                out.append(glide)
            continue
        out.append(_ABJAD_LETTERS.get(ch, ""))
    return "".join(out)


# (Caches hold the words people type most: a bounded few, so that a running bot does not keep every word it
# was ever sent; the indexes are built once and loaded from disk after.)
@lru_cache(maxsize=8192)
def key(token: str, lang: str) -> str:
    """The key of a Latin (or romanised) token for `lang`'s spelling rules."""
    token = token.lower()
    if GROUP.get(lang) == "abjad":
        if lang == "ar":
            if token in _ARTICLES:  # the article written apart: "el iqame"
                return ""
            token = _LATIN_ARTICLE.sub("", token)
        token = _FINAL_VOWEL_H.sub("", token)  # "madraseh", "khaneh": the final vowel
        if lang == "fa":
            token = token.replace("khw", "kh")  # the silent و of خواستن
        out = _abjad_consonants(_ABJAD_DIGRAPHS(token), initial_w=lang == "fa")
        if lang == "fa":
            out = out.replace("3", "")  # Finglish writes no ع
        else:
            out = out.replace("g", "q")  # Gulf/Iraqi "g" for ق; غ and ق share "q" anyway
        # Doubled letters count once, also across a short vowel the script does not write ("mutatawe3").
        return _REPEATS.sub(FIRST_GROUP, out)
    token = _CYRILLIC_DIGRAPHS(token)
    token = "".join(_CYRILLIC_LETTERS.get(ch, ch) for ch in token if ch.isalpha())
    # After y/j -> i: "ye", "ie" and є are one "e"; "yi", ї are one "i" (the repeat below).
    return _REPEATS.sub(FIRST_GROUP, token.replace("ie", "e"))


_WORD = re.compile(r"[\w']+")


def latin_tokens(text: str) -> list[str]:
    """Latin words of a text, folded (case, accents) but otherwise as typed: digits stay inside words
    ("a7jez") and the apostrophe of "3'" is kept."""
    out: list[str] = []
    for raw in _WORD.findall(text.replace("’", "'").replace("_", " ")):
        word = fold(raw.replace("'", "\x00")).replace("\x00", "'")
        if word.isascii() and any(ch.isalpha() for ch in word) and not _CODE.search(word):
            out.append(word.strip("'"))
    return out


# A code or a number with a letter, not a word: "Q41061", "AZ1234567" (a case number), "30159". Arabizi
# writes a letter as one digit, rarely two side by side ("a7jez", "hal2", "3a2le").
_CODE = re.compile(r"\d{3}")


def keys(tokens: Iterable[str], lang: str) -> list[str]:
    """Keys of tokens in any script (native tokens are romanised first); empty keys are left out."""
    out: list[str] = []
    for tok in tokens:
        k = key(romanize(tok, lang), lang)
        if k:
            out.append(k)
    return out


# --- stems of keys ------------------------------------------------------------------------------------
# Endings, as keys, that inflect a word without changing what it is about: possessive and plural endings
# of Arabic and Persian ("komakam", "shahadti", "khunehamun": my help, my certificate, our houses; the
# consonant that is left of them) and the case and verb endings of Ukrainian and Russian. Crude, like
# bot.faq.normalize.stem: stems only have to agree most of the time.
_KEY_SUFFIXES: dict[str, tuple[str, ...]] = {
    "ar": ("km", "kn", "hm", "hn", "tk", "th", "tn", "k", "h", "n", "t"),
    "fa": ("mn", "tn", "cn", "hm", "m", "t", "c", "h"),
    "uk": ("iami", "ami", "oho", "omu", "emu", "imi", "iah", "ah", "oiu", "eiu", "iv", "ov", "ev", "ti",
           "sia", "s", "t", "a", "ia", "u", "iu", "i", "e", "o"),
}  # fmt: skip
_KEY_SUFFIXES["ru"] = _KEY_SUFFIXES["uk"]
_KEY_STEM_MIN = 3
_KEY_STEM_MAX = {"abjad": 6, "cyrillic": 7}  # like bot.faq.normalize.stem, which keeps 7 or 8 letters
# An ending that a key of three letters may drop to meet a keyword's key of two, typed in Latin letters: the
# ة of an Arabic noun is written t before "my" ("i2amti", "eqamti": إقامتي, of إقامة, key "qm").
SHORT_KEY_ENDINGS: dict[str, tuple[str, ...]] = {"ar": ("t",)}


def key_stemmer(lang: str) -> Callable[[str], str]:
    """The stem of a key of `lang` (one ending taken off, the rest at least three letters); one per language,
    shared by the indexes built for it."""
    made = _KEY_STEMMERS.get(lang)
    if made is not None:
        return made
    suffixes = _KEY_SUFFIXES.get(lang, ())
    least, most = _KEY_STEM_MIN, _KEY_STEM_MAX[GROUP.get(lang, "cyrillic")]

    @lru_cache(maxsize=8192)
    def stem_key(k: str) -> str:
        for s in suffixes:
            if k.endswith(s) and len(k) - len(s) >= least:
                return k[: -len(s)][:most]
        return k[:most]

    return _KEY_STEMMERS.setdefault(lang, stem_key)


_KEY_STEMMERS: dict[str, _lru_cache_wrapper[str]] = {}


def forget_words() -> None:
    """Empty the caches of keys, key stems and stems. Building the FAQ's indexes and the language detector's
    vocabulary fills them with the content's words (`key`'s 8,192 at every start); the questions' words
    are another set, and the memory freed here is what they reuse: 2.2 MiB less resident after 1,000
    questions (bench/bench_load.py, issue 18)."""
    key.cache_clear()
    stem.cache_clear()
    for stem_key in _KEY_STEMMERS.values():
        stem_key.cache_clear()


# Arabizi letters with two readings across dialects: "2" is hamza, or ق spoken as hamza (Levantine and
# Egyptian "sha2a" = شقة, "2etar" = قطار); "g" is ق (Gulf, Iraqi, Sudanese) or ج (Egyptian "gamb" = جنب);
# "9" is ص, or ق (North Africa).
_ARABIZI_READINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<=[a-z])2|2(?=[a-z])"), "q"),
    (re.compile(r"(?<![3'])g(?!h)"), "j"),
    (re.compile(r"9(?!')"), "q"),
)
_INNER = re.compile(r"(?<=[a-z])2|2(?=[a-z])|(?<![3'])g(?!h)|9(?!')")


def query_keys(tokens: Iterable[str], lang: str) -> list[str]:
    """Keys of a question's tokens; for Arabic, a word whose letters have a second dialect reading adds
    that reading's key as well (the index holds one spelling, the question may mean either)."""
    out: list[str] = []
    for tok in tokens:
        k = key(romanize(tok, lang), lang)
        if k:
            out.append(k)
        if lang == "ar" and tok.isascii() and _INNER.search(tok):
            variant = tok
            for pattern, letter in _ARABIZI_READINGS:
                variant = pattern.sub(letter, variant)
            other = key(variant, lang)
            if other and other != k:
                out.append(other)
    return out


# --- function words of the transliterated languages --------------------------------------------------
# Frequent words that mark a language in Latin letters (the way people type them, several spellings).
# They tell the detector the language; as keys they are the stopwords of the Latin index.
FUNCTION_WORDS_RAW: dict[str, str] = {
    "ar": "ana enta enti inta inti ente bdi badi baddi bidi biddi bde bady shu sho shou chou esh eish aish "
    "shlon shlonak shloon wen wein wayn weyn fen fein feen kif keef kaif keif kef leh lesh laish leish lish "
    "ezay izay ezzay 3ayez 3ayz 3ayza 3ayzah 3awez 3awz 3awza abi abgha abga ab8a abgha fi fe fih fiha mish "
    "msh mesh mu mo 3ndi 3andi 3ndy 3indi 3ndk 3andak ma3 ma3i ma3ak ma3kon ma3kom 3la 3ala 3al 3a el il "
    "hal hay hada hadi hatha hedha hek hik kteer ktir kter kthir shi shy shay mumkin momken mumken mn min "
    "lal lel bel bil bl wl wel wa ya3ni inshallah yalla hon hun hena hina hnak hal2 hala2 halla hlq lissa "
    "ba3d ba3den bas kaman kamen 3shan 3ashan law lw akeed tayeb eih shno shinu shino aku maku akoo makoo "
    "shgad gedesh adesh 2desh amta emta imta meta mata mtan wenak feen bta3 taba3 tab3 tb3 tabi3 mal mali "
    "7ag 7agi dayer dayir dair zol zoul hasa hesi wallah wallahi ejani ejatni jani 2lghi 2dar b2dar b2dr "
    "bade 2olli 7ada 7ad wa7ed sho3'l sheghl shoghl shughul la lil",
    "fa": "man to ma shoma oon un in ye yek yeki che chi chie chiye chera chetor chetori chejoori chand "
    "chande cheghadr koja kojast kojas key kei ki kodam kodom kodum kodoom ba az be bara baraye baray "
    "barayeh dar tu too ro ra ham hamin ya va ke ast hast hastam hastim nist nistam bud shod mishe mishod "
    "nemishe mitunam mitoonam mitoonim mitavanam mikham mikhaam mikhastam mikhay mikhaym mikhaid mikhaham "
    "mikhahim mikhahad mikhad darid daram darin nadaram nadarim konam konid konin kon kardam bekonam "
    "begiram migiram begirim bedam bedid bayad bayd lotfan mamnoon mamnun merci mersi kheili kheyli khaili "
    "khayli khob khub khoob chizi kasi inja unja oonja alan emrooz emruz farda mekhayum mekhaum mekhaim "
    "kuja kujas chitor chitur mitanam metanam mitana nemifahmam nemidonam nemidunam midonam bokonam "
    "mikhastim mikhaim mitonam mituni mitoonid komakam dare omade mikonam nemikonam mikonid mikonim mikone "
    "mikonan konim",
    "uk": "ya ty vin vona vony mene meni mii moia moya moi de yak iak jak shcho scho chy ale koly kudy khto "
    "hto treba potribno potriben potribna potribni mozhna mozhu takozh yakshcho nemaie nemaye nema shchob "
    "tut skilky yakyi yakyy yaka yaku yaki buty bud laska dyakuyu dyakuiu diakuiu dlia dlya vid pro tse "
    "tsei tsia vzhe shche chomu choho chogo yakyj mistse robyty otrymaty mozhe khochu chy ye vy vas vam "
    "zi iz",
    "ru": "ya ty on ona oni menya mne moy moi moya gde kak chto shto chtoby kogda kuda kto nuzhno nuzhen "
    "nuzhna nado mozhno mogu tozhe esli net zdes skolko kakoy kakoi kakaya kakie pozhaluysta pozhaluista "
    "spasibo dlya ot eto uzhe eshe esche eshche rebenka rebenok detey hochu hotim mozhet vy vas vam so",
}
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split()) for lang, words in FUNCTION_WORDS_RAW.items()
}
# Arabizi: a digit used as a letter, inside a word ("a7jez", "3ndi", "5alas"), not a level like "B1".
ARABIZI_DIGIT = re.compile(r"(?:[a-z][235679]|[235679][a-z])")
LEVEL = re.compile(r"^[abc][12]$")


def has_arabizi_digit(word: str) -> bool:
    return bool(ARABIZI_DIGIT.search(word)) and not LEVEL.match(word)


# Glue words, per language: the stopwords of the Latin index (as keys, with the native stopwords' keys).
_STOPWORDS_RAW: dict[str, str] = {
    "ar": "ana enta inta bdi badi baddi biddi shu sho esh wen wein kif keef leh lesh ezay fi fe mish msh "
    "ma3 3la 3ala 3al el il hal hay hada hek shi mumkin momken mn min lal lel bel bil w wa ya3ni hon hena "
    "bas kaman 3shan law eih shno shinu aku maku amta emta imta meta mata bta3 taba3 mal 7ag abi abgha "
    "3ayez 3awez",
    "fa": "man to ma shoma in ye yek che chi koja ba az be bara baraye dar ro ra ham ya va ke ast hast "
    "hastam nist mishe mikham mikhaham daram darid konam konid bayad lotfan kheili inja",
    "uk": "ya ty mene meni moia de yak shcho chy ta ale koly khto treba potribno potriben potribna mozhna "
    "tut yaki yakyi dlia vid pro tse vzhe shche i u v z na do zi iz ne",
    "ru": "ya mne menya gde kak chto shto kogda kto nuzhno nuzhen nado mozhno zdes dlya ot eto uzhe i v na "
    "s k u iz ne",
}


def key_stopwords(lang: str) -> frozenset[str]:
    """Stopwords of `lang`'s Latin index: keys of its native stopwords and of its Latin glue words."""
    native = keys(STOPWORDS.get(lang, frozenset()), lang)
    return frozenset(native) | frozenset(keys(_STOPWORDS_RAW.get(lang, "").split(), lang))


def without_present_prefix(word: str, lang: str) -> tuple[str, ...]:
    """An Arabic word (or its key), and the same without the spoken present's "b" (Levantine and Egyptian
    "بشتري", "bashtri": I buy) put back to the written form ("اشتري", key "ctr"): a topic that knows buying a
    ticket knows "bashtri" too. Other languages: the word alone."""
    if lang != "ar" or len(word) < 4 or word[0] not in "بb":
        return (word,)
    return (word, word[1:], "ا" + word[1:]) if word[0] == "ب" else (word, word[1:])
