"""Match a free-text question to an FAQ topic.

Method (no training, no heavy dependencies):
- one index per language over that language's entries; an entry is represented by its example
  questions, keywords and title (full weight) and its answer (low weight);
- two TF-IDF spaces: character n-grams (3-5, inside words, with word boundaries: robust to typos,
  inflection, transliteration and missing spaces) and light word stems (precise on content words);
- an inverted index, so a question touches only the entries that share a feature with it;
- candidates are re-ranked with their best single example (a near-paraphrase of one example question
  is strong evidence even when the entry as a whole is broad);
- confidence from the score and its margin to the next topic; below it the caller gets the closest
  topics to offer. A question with no confident hit in its own language is tried against the other
  languages (German terms like Jobcenter or Kita are written in every language's entries);
- danger words (per language, normalised) put `emergency` first whatever the score; a message made only
  of greetings is flagged so the caller shows the menu.
"""

from __future__ import annotations

import heapq
import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add, mul

from bot.faq.content import PLACEHOLDER, FaqContent, FaqEntry
from bot.faq.detect import SUPPORTED, LanguageDetector
from bot.faq.normalize import STOPWORDS, content_tokens, fold, stem, tokenize

EMERGENCY_SLUG = "emergency"

# --- tunables -------------------------------------------------------------------------------------
# Chosen on the content's own example questions (each third held out in turn) and a hand-written list of
# out-of-scope questions; tests/data/faq_testset.yaml only measures them (tests, bench).
NGRAM_SIZES = (3, 4, 5)
ANSWER_WEIGHT = 0.25  # the answer text explains, the questions ask: answers count a quarter
W_CHAR = 0.35  # cosine with the whole entry, character n-grams
W_WORD = 0.25  # cosine with the whole entry, word stems
W_BEST = 0.40  # cosine with the best single example (question, keyword or title), character n-grams
RERANK = 8  # candidates re-ranked with their best example
# Postings read per question and index, rarest features first: bounds the latency on a large FAQ and
# hardly bites on a small one (the real FAQ stays below them for 99% of questions).
CHAR_BUDGET = 1500
WORD_BUDGET = 600
EXAMPLE_BUDGET = 2000
THRESHOLD = 0.15  # below: not confident ...
ANCHORED_ONLY = 0.35  # ... and below this, the question must also name the topic (see `anchored`)
MARGIN = 0.03  # the best must lead the next topic by this much ...
SURE = 0.50  # ... unless it is this high anyway
ANCHOR_SIMILARITY = 0.6  # Dice similarity of character trigrams for a misspelt keyword
DETECT_SURE = 0.75  # language detection confidence that lets the answer follow the question's language
OTHER_LANGUAGE_FACTOR = 0.9  # a hit in another language counts a little less than one in the detected one


# --- danger words and greetings --------------------------------------------------------------------
# Curated and short: a hit shows the emergency numbers first, so a false alarm costs little but a miss
# costs a lot. "stem*" matches every word that begins with the stem; phrases match consecutive words.
DANGER_WORDS: dict[str, str] = {
    "de": "gewalt* schlagt* schlagen geschlagen verprugel* bedroh* droht* vergewaltig* missbrauch* "
    "selbstmord* suizid* umbringen* toten totet getotet ermord* messer* blutet* blutung* bewusstlos* "
    "notfall* notarzt* krankenwagen* rettungswagen* lebensgefahr* feuer brennt* brand herzinfarkt* "
    "atmet_nicht ertrunken vergiftet* angst_um_mein_leben notruf* uberfall* angegriffen* angriff "
    "nicht_mehr_leben will_sterben lebensmude* feuerwehr*",
    "en": "violence violent* hits_me hit_me beats_me beating* beaten threat* rape* raped abuse* abusive "
    "suicide* kill* murder* knife* bleeding* unconscious emergency* ambulance* danger* fire burning "
    "heart_attack not_breathing cant_breathe overdose* poisoned attacked* assault* stabbed want_to_die "
    "end_my_life to_live_anymore hurt_myself self_harm",
    "ar": "عنف* يضرب* بيضرب* ضربني* يضربني* تهديد* يهدد* بيهدد* هددني* اغتصاب* اغتصب* تحرش* انتحار* انتحر* "
    "اقتل* يقتل* قتل* بيقتل* سكين* نزيف* ينزف* حريق* نار اسعاف* إسعاف* طوارئ* طوارى* خطر* اعتداء* "
    "اعتدى* مغمى* جلطه* طاري* يتنفس بيتنفس تتنفس بتتنفس بدي_اموت بدي_موت اريد_ان_اموت ما_بدي_عيش انهي_حياتي",
    "fa": "خشونت* کتک* میزنه_منو منو_میزنه تهدید* تجاوز* خودکشی* بکشم* میکشم* بکشه* میکشه* قتل* چاقو* "
    "خونریزی* آتش* آتیش* حریق* اورژانس* آمبولانس* خطر* حمله* بیهوش* سکته* اضطرار* لت لتم لت_و_کوب "
    "نفس_نمیکشه نفس_نمیکشد نمیخوام_زنده* نمیخواهم_زنده* میخوام_بمیرم میخواهم_بمیرم",
    # Not "швидку"/"екстрено"/"горить" alone: "швидку відповідь", "екстрено потрібна довідка", "горить термін".
    "uk": "насильств* насилля б'є б'ють побив* побила* бити погрож* погроза* зґвалтув* ґвалт* самогубств* "
    "вбити вб'є вбив* убити уб'є ножем кровотеч* пожеж* небезпек* швидк*_допомог* швидку_викликати "
    "екстрен*_допомог* екстрен*_служб* напад* непритомн* інфаркт* не_дихає задиха* нотруф* не_хочу_жити "
    "хочу_померти",
    "ru": "насили* бьет* избил* избива* угрож* угроза* изнасил* самоубийств* суицид* убить убьет* убил* "
    "нож ножом кровотеч* пожар* опасн* скорая* скорую* экстренн*_помощ* экстренн*_служб* напал* "
    "нападени* без_сознания инфаркт* не_дышит задыха* нотруф* не_хочу_жить хочу_умереть покончить_с_собой",
}
GREETINGS: dict[str, str] = {
    "de": "hallo hi hey huhu moin servus gruss grusse gruss_gott guten_tag guten_morgen guten_abend "
    "gute_nacht tag morgen abend mahlzeit na wie_gehts wie_geht_es_dir wie_geht_es_ihnen",
    "en": "hi hello hey hiya yo good_morning good_afternoon good_evening good_day greetings "
    "how_are_you whats_up sup",
    "ar": "مرحبا مرحبتين مرحبه اهلا أهلا اهلين هلا هلو هاي سلام السلام_عليكم سلام_عليكم عليكم_السلام "
    "صباح_الخير صباح_النور مساء_الخير مساء_النور كيفك كيف_الحال شلونك شلونكم كيفكم تحياتي",
    "fa": "سلام درود سلام_علیکم صبح_بخیر صبح_به_خیر عصر_بخیر شب_بخیر روز_بخیر وقت_بخیر وقت_به_خیر "
    "خسته_نباشید خسته_نباشی چطوری خوبی خوبین حالت_خوبه سلامتی",
    "uk": "привіт привіти вітаю здрастуйте здрастє добрий_день добрий_вечір доброго_ранку доброго_дня "
    "доброго_вечора добридень доброго_здоровя слава_україні як_справи хай",
    "ru": "привет приветик здравствуйте здрасте здорово добрый_день доброе_утро добрый_вечер "
    "доброго_дня доброго_утра как_дела салют хай",
    "*": "salam salaam salom assalam assalamu aleikum alaikum aleykum alejkum marhaba merhaba privet pryvit "
    "hallo hello hi hey 👋 🙋 🙂 😊 bot",
}
# Words that may stand next to a greeting without making it a question.
_GREETING_FILLERS = frozenset(
    tokenize(
        "und and dear lieber liebe you all ihr alle zusammen there everyone team bot admin bitte please "
        "ya يا جان جون عزيز عزيزم друзі друзья всім всем вам всем"
    )
)


_Phrase = tuple[tuple[str, bool], ...]  # (normalised word, is a prefix)


def _compile_lexicon(raw: dict[str, str]) -> tuple[frozenset[str], tuple[str, ...], tuple[_Phrase, ...]]:
    """(whole words, prefixes, phrases) from 'word stem* two_words' lists, normalised like questions."""
    words: set[str] = set()
    prefixes: set[str] = set()
    phrases: set[_Phrase] = set()
    for text in raw.values():
        for item in text.split():
            parts: list[tuple[str, bool]] = []
            for part in item.split("_"):
                toks = tokenize(part.rstrip("*"))
                parts.extend((t, part.endswith("*") and k == len(toks) - 1) for k, t in enumerate(toks))
            if len(parts) > 1:
                phrases.add(tuple(parts))
            elif parts and parts[0][1]:
                prefixes.add(parts[0][0])
            elif parts:
                words.add(parts[0][0])
    return frozenset(words), tuple(sorted(prefixes)), tuple(sorted(phrases))


_DANGER = _compile_lexicon(DANGER_WORDS)
_GREETING_WORDS: frozenset[str] = frozenset(
    t for text in GREETINGS.values() for item in text.split() for t in tokenize(item.replace("_", " "))
) | frozenset(item for item in GREETINGS["*"].split() if not any(ch.isalnum() for ch in item))


_ARABIC_PROCLITICS = re.compile("^(?:وال|فال|بال|كال|لل|ال|و|ب)(?=[\u0600-\u06ff]{3})")
_PHRASE_STARTS: frozenset[str] = frozenset(p[0][0] for p in _DANGER[2] if not p[0][1])
_PHRASE_START_PREFIXES: tuple[str, ...] = tuple(p[0][0] for p in _DANGER[2] if p[0][1])


def is_danger(tokens: Sequence[str]) -> bool:
    """Does the message speak of danger or violence (any language's list)?"""
    words, prefixes, phrases = _DANGER
    for i, tok in enumerate(tokens):
        # Arabic writes the article and some prepositions onto the word: "الاسعاف", "بالسكين".
        bare = _ARABIC_PROCLITICS.sub("", tok) if len(tok) > 4 else tok
        for t in (tok, bare) if bare != tok else (tok,):
            if t in words or (len(t) >= 3 and t.startswith(prefixes)):
                return True
        if tok not in _PHRASE_STARTS and not tok.startswith(_PHRASE_START_PREFIXES):
            continue
        for phrase in phrases:
            window = tokens[i : i + len(phrase)]
            if len(window) == len(phrase) and all(
                t.startswith(p) if is_prefix else t == p
                for t, (p, is_prefix) in zip(window, phrase, strict=True)
            ):
                return True
    return False


def is_greeting(text: str, tokens: Sequence[str]) -> bool:
    """Only greetings (and a few fillers): "hallo", "Salam aleikum!", "Доброго дня 👋"."""
    if not tokens:
        return any(item in text for item in GREETINGS["*"].split() if not item.isalnum())
    if len(tokens) > 6:
        return False
    has_greeting = any(t in _GREETING_WORDS for t in tokens)
    return has_greeting and all(t in _GREETING_WORDS or t in _GREETING_FILLERS for t in tokens)


# --- features ------------------------------------------------------------------------------------


def char_ngrams(tokens: Iterable[str]) -> dict[str, float]:
    counts: dict[str, float] = {}
    for tok in tokens:
        padded = f" {tok} "
        size = len(padded)
        for n in NGRAM_SIZES:
            if n > size:
                break
            for i in range(size - n + 1):
                g = padded[i : i + n]
                counts[g] = counts.get(g, 0.0) + 1.0
    return counts


def word_stems(tokens: Iterable[str]) -> dict[str, float]:
    counts: dict[str, float] = {}
    for tok in tokens:
        s = stem(tok)
        counts[s] = counts.get(s, 0.0) + 1.0
    return counts


def _script(token: str) -> str:
    """Rough script class of a normalised token: 'arabic', 'cyrillic', 'latin' or 'digits'."""
    for ch in token:
        if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f":
            return "arabic"
        if "\u0400" <= ch <= "\u052f":
            return "cyrillic"
        if ch.isalpha():
            return "latin"
    return "digits"


def _trigrams(token: str) -> frozenset[str]:
    padded = f" {token} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2.0 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _sublinear(tf: float) -> float:
    return 1.0 + math.log(tf) if tf > 1.0 else tf


def _idf(n_docs: int, df: int) -> float:
    # BM25's idf: features in (almost) every entry weigh (almost) nothing.
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


class _Postings:
    """Inverted index in flat arrays: feature id -> (document numbers, weights). Compact (8 bytes per
    posting, no Python object per posting) so that a large FAQ does not cost the bot its memory budget."""

    __slots__ = ("count", "ids", "start", "weights")

    def __init__(self, n_features: int, docs: Sequence[dict[int, float]]) -> None:
        lists: dict[int, list[tuple[int, float]]] = {}
        for d, vec in enumerate(docs):
            for fid, w in vec.items():
                lists.setdefault(fid, []).append((d, w))
        self.start = array("I", bytes(4 * n_features))
        self.count = array("I", bytes(4 * n_features))
        self.ids = array("I")
        self.weights = array("f")
        for fid in sorted(lists):
            pairs = lists[fid]
            self.start[fid] = len(self.ids)
            self.count[fid] = len(pairs)
            self.ids.extend(d for d, _ in pairs)
            self.weights.extend(w for _, w in pairs)

    def accumulate(
        self, query: list[tuple[int, float]], budget: int, size: int, touched: set[int] | None = None
    ) -> list[float]:
        """Dot products of the query with all `size` documents (0.0 where nothing is shared); the numbers
        of the documents touched are added to `touched`. `query` is sorted by idf, rarest first; once
        `budget` postings are read the remaining (common, low-weight) features are skipped, which bounds
        the time on a large FAQ and changes nothing on a small one."""
        acc = [0.0] * size
        read = 0
        count, start, ids, weights = self.count, self.start, self.ids, self.weights
        for fid, qw in query:
            n = count[fid]
            if not n:
                continue
            if read + n > budget and read:
                break
            s = start[fid]
            docs = ids[s : s + n]
            for d, w in zip(docs, weights[s : s + n], strict=True):
                acc[d] += qw * w
            if touched is not None:
                touched.update(docs)
            read += n
        return acc


def _weigh(counts: dict[int, float], idf: array[float]) -> dict[int, float]:
    vec = {fid: _sublinear(tf) * idf[fid] for fid, tf in counts.items() if idf[fid] > 0.0}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {fid: v / norm for fid, v in vec.items()} if norm else {}


class _LanguageIndex:
    """Everything needed to rank the entries of one language."""

    def __init__(self, lang: str, entries: Sequence[FaqEntry]) -> None:
        self.lang = lang
        self.slugs = [e.slug for e in entries]
        self.stopwords = STOPWORDS.get(lang, frozenset())
        stop = self.stopwords
        # One id per feature string; word stems are kept apart from n-grams by a prefix.
        table: dict[str, int] = {}
        intern = table.setdefault

        def ids(counts: dict[str, float], prefix: str = "") -> dict[int, float]:
            return {intern(prefix + f, len(table)): tf for f, tf in counts.items()}

        char_docs: list[dict[int, float]] = []
        word_docs: list[dict[int, float]] = []
        example_docs: list[dict[int, float]] = []
        example_entry: list[int] = []
        anchors: list[frozenset[str]] = []
        for number, e in enumerate(entries):
            cd: dict[int, float] = {}
            wd: dict[int, float] = {}
            for text in (e.title, *e.questions, *e.keywords):
                toks = content_tokens(tokenize(text), stop)
                c = ids(char_ngrams(toks))
                if c:
                    example_docs.append(c)
                    example_entry.append(number)
                for k, v in c.items():
                    cd[k] = cd.get(k, 0.0) + v
                for k, v in ids(word_stems(toks), "\x00").items():
                    wd[k] = wd.get(k, 0.0) + v
            answer_toks = content_tokens(tokenize(e.answer_template), stop)
            for k, v in ids(char_ngrams(answer_toks)).items():
                cd[k] = cd.get(k, 0.0) + ANSWER_WEIGHT * v
            for k, v in ids(word_stems(answer_toks), "\x00").items():
                wd[k] = wd.get(k, 0.0) + ANSWER_WEIGHT * v
            char_docs.append(cd)
            word_docs.append(wd)
            anchor = {t for text in (e.title, *e.keywords) for t in content_tokens(tokenize(text), stop)}
            anchors.append(frozenset(t for t in anchor if len(t) >= 3 or any(ch.isdigit() for ch in t)))

        n_features = len(table)
        df = array("I", bytes(4 * n_features))
        for doc in (*char_docs, *word_docs):
            for fid in doc:
                df[fid] += 1
        n = len(entries)
        self.idf = array("f", (_idf(n, d) if d else 0.0 for d in df))
        self.max_char_idf = max((self.idf[i] for f, i in table.items() if f[:1] != "\x00"), default=1.0)
        self.max_word_idf = max((self.idf[i] for f, i in table.items() if f[:1] == "\x00"), default=1.0)
        self.table = table
        self.chars = _Postings(n_features, [_weigh(d, self.idf) for d in char_docs])
        self.words = _Postings(n_features, [_weigh(d, self.idf) for d in word_docs])
        self.examples = _Postings(n_features, [_weigh(d, self.idf) for d in example_docs])
        self.example_entry = array("I", example_entry)
        self.example_range: list[tuple[int, int]] = [(0, 0)] * n
        for x, number in enumerate(example_entry):
            lo, hi = self.example_range[number]
            self.example_range[number] = (lo if hi else x, x + 1)
        self.anchors = anchors
        self.anchor_stems = [frozenset(stem(t) for t in a) for a in anchors]
        # The script this language is written in: another language's question is looked up here only
        # when it contains words in this script (German terms are in every language's keywords, but the
        # German entries know them as well).
        written = Counter(_script(t) for e in entries for t in tokenize(" ".join(e.questions)))
        written.pop("digits", None)
        self.script = written.most_common(1)[0][0] if written else "latin"

    def _query(self, counts: dict[str, float], prefix: str, unknown_idf: float) -> list[tuple[int, float]]:
        """(feature id, weight) of the question, rarest first. Features unknown here still count in the
        norm: a question about something else entirely ("weather tomorrow") must not look like a perfect
        match of its one known word."""
        known: list[tuple[float, int, float]] = []
        norm = 0.0
        for f, tf in counts.items():
            fid = self.table.get(prefix + f)
            idf = self.idf[fid] if fid is not None else unknown_idf
            w = _sublinear(tf) * idf
            norm += w * w
            if fid is not None and idf > 0.0:
                known.append((idf, fid, w))
        if not norm:
            return []
        norm = math.sqrt(norm)
        known.sort(reverse=True)
        return [(fid, w / norm) for _, fid, w in known]

    def anchored(self, slug: str, tokens: Sequence[str]) -> bool:
        """Does the question name the topic: a word of the entry's keywords or title, allowing for typos,
        inflection and compounds? A question that shares only everyday words with an example question
        ("morgen", "heute") is not enough for a confident answer at a modest score."""
        i = self.slugs.index(slug)
        anchors, stems = self.anchors[i], self.anchor_stems[i]
        for tok in content_tokens(tokens, self.stopwords):
            if tok in anchors or stem(tok) in stems:
                return True
            if len(tok) < 4:
                continue
            grams = _trigrams(tok)
            for a in anchors:
                if len(a) >= 4 and (
                    a in tok
                    or (len(tok) >= 5 and tok in a)
                    or _dice(grams, _trigrams(a)) >= ANCHOR_SIMILARITY
                ):
                    return True
        return False

    def rank(self, tokens: Sequence[str], effort: float = 1.0) -> list[tuple[str, float]]:
        """(slug, score) best first, for the best entries that share anything with the question."""
        toks = content_tokens(tokens, self.stopwords)
        qc = self._query(char_ngrams(toks), "", self.max_char_idf)
        qw = self._query(word_stems(toks), "\x00", self.max_word_idf)
        if not qc and not qw:
            return []
        n = len(self.slugs)
        touched: set[int] = set()
        sc = self.chars.accumulate(qc, int(CHAR_BUDGET * effort), n, touched)
        sw = self.words.accumulate(qw, int(WORD_BUDGET * effort), n, touched)
        if not touched:
            return []
        # Element-wise W_CHAR * sc + W_WORD * sw without a Python-level loop; candidates among the touched.
        coarse = list(map(add, map(mul, sc, repeat(W_CHAR)), map(mul, sw, repeat(W_WORD))))
        best = heapq.nlargest(RERANK, touched, key=coarse.__getitem__)
        # The best single example of each candidate: a near-paraphrase of one example question is strong
        # evidence even when the entry as a whole is broad. An entry's examples are numbered contiguously.
        sims = self.examples.accumulate(qc, int(EXAMPLE_BUDGET * effort), len(self.example_entry))
        ranked: list[tuple[str, float]] = []
        for i in best:
            if coarse[i] <= 0.0:
                break
            lo, hi = self.example_range[i]
            ranked.append((self.slugs[i], coarse[i] + W_BEST * (max(sims[lo:hi]) if hi > lo else 0.0)))
        ranked.sort(key=lambda kv: kv[1], reverse=True)
        return ranked


@dataclass
class MatchResult:
    question_lang: str | None  # detected (or forced) language of the question
    answer_lang: str  # the language to answer in
    slug: str | None  # the answer, None when nothing is confident
    score: float  # score of the best topic (0..1)
    top: list[tuple[str, float]]  # closest topics, best first (offer them when slug is None)
    is_emergency: bool = False
    is_greeting: bool = False
    confident: bool = False
    lang_confidence: float = 0.0
    matched_lang: str | None = None  # the language whose entries gave the best hit

    def to_json(self, question: str) -> dict[str, object]:
        return {
            "question": question,
            "lang": self.question_lang,
            "slug": self.slug,
            "score": round(self.score, 4),
            "top": [{"slug": s, "score": round(v, 4)} for s, v in self.top],
            "answer_lang": self.answer_lang,
            "emergency": self.is_emergency,
            "greeting": self.is_greeting,
            "lang_confidence": round(self.lang_confidence, 4),
        }


class FaqMatcher:
    """Built once from the content (about a second for the real FAQ); `match` only reads, so one matcher
    serves every update and thread."""

    def __init__(
        self,
        content: FaqContent,
        detector: LanguageDetector | None = None,
        default_lang: str = "de",
    ) -> None:
        self.content = content
        self.detector = detector or LanguageDetector()
        # The answers are clean text in their language: let the detector know the FAQ's words.
        self.detector.learn_vocabulary(
            {
                lang: [PLACEHOLDER.sub(" ", e.answer_template) + " " + e.title for e in entries.values()]
                for lang, entries in content.entries.items()
            }
        )
        self.default_lang = default_lang
        self.indexes: dict[str, _LanguageIndex] = {
            lang: _LanguageIndex(lang, list(entries.values()))
            for lang, entries in content.entries.items()
            if entries
        }

    @property
    def languages(self) -> list[str]:
        return list(self.indexes)

    def entry(self, slug: str, lang: str) -> FaqEntry | None:
        return self.content.entry(slug, lang, fallback=self.default_lang)

    def _rank_languages(
        self,
        tokens: Sequence[str],
        langs: Iterable[str],
        factor: float,
        into: dict[str, tuple[float, str]],
        effort: float = 1.0,
    ) -> dict[str, tuple[float, str]]:
        """Merge the ranking of each language into `into`: slug -> (best score, language it came from)."""
        scripts = {_script(t) for t in tokens}
        only_digits = scripts == {"digits"}  # "112" may be looked up anywhere
        for lang in langs:
            index = self.indexes.get(lang)
            if index is None or (index.script not in scripts and not only_digits):
                continue
            for slug, score in index.rank(tokens, effort):
                score *= factor
                if score > into.get(slug, (0.0, ""))[0]:
                    into[slug] = (score, lang)
        return into

    def _confident(self, ranked: list[tuple[str, tuple[float, str]]], tokens: Sequence[str]) -> bool:
        if not ranked:
            return False
        slug, (s1, lang) = ranked[0]
        s2 = ranked[1][1][0] if len(ranked) > 1 else 0.0
        if s1 < THRESHOLD or (s1 - s2 < MARGIN and s1 < SURE):
            return False
        return s1 >= ANCHORED_ONLY or self.indexes[lang].anchored(slug, tokens)

    def match(
        self,
        text: str,
        user_lang: str | None = None,
        forced_lang: str | None = None,
        top_k: int = 3,
    ) -> MatchResult:
        tokens = tokenize(text)
        if forced_lang:
            q_lang: str | None = forced_lang
            lang_conf = 1.0
        else:
            q_lang, lang_conf = self.detector.detect(text)
        if q_lang is not None and lang_conf >= DETECT_SURE and q_lang in SUPPORTED:
            answer_lang = q_lang
        elif user_lang in SUPPORTED:
            answer_lang = str(user_lang)
        else:
            answer_lang = q_lang or self.default_lang

        emergency = is_danger(tokens)
        greeting = not emergency and is_greeting(fold(text), tokens)

        ranked: list[tuple[str, tuple[float, str]]] = []
        confident = False
        if tokens and not greeting:
            primary = q_lang if q_lang in self.indexes and lang_conf >= 0.5 else None
            scores: dict[str, tuple[float, str]] = {}
            if primary is not None:
                self._rank_languages(tokens, [primary], 1.0, scores)
                ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)
                confident = self._confident(ranked, tokens)
            if not confident:
                # No good hit in the question's language: the other languages' entries may know its
                # words (German terms, a Russian word in a Ukrainian sentence).
                others = [lang for lang in self.indexes if lang != primary]
                factor = OTHER_LANGUAGE_FACTOR if primary is not None else 1.0
                # Half the postings budget per other language: the fallback looks for a clear hit.
                self._rank_languages(tokens, others, factor, scores, effort=0.5 if primary else 1.0)
                ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)
                confident = self._confident(ranked, tokens)

        top = [(slug, round(v[0], 4)) for slug, v in ranked[:top_k]]
        slug = ranked[0][0] if confident else None
        score = round(ranked[0][1][0], 4) if ranked else 0.0
        matched_lang = ranked[0][1][1] if ranked else None
        if emergency:
            # Safety first: the emergency numbers lead, whatever else the question matched.
            rest = [t for t in top if t[0] != EMERGENCY_SLUG][: max(top_k - 1, 0)]
            top = [(EMERGENCY_SLUG, 1.0), *rest]
            slug, score, confident = EMERGENCY_SLUG, 1.0, True
        return MatchResult(
            question_lang=q_lang,
            answer_lang=answer_lang,
            slug=slug,
            score=score,
            top=top,
            is_emergency=emergency,
            is_greeting=greeting,
            confident=confident,
            lang_confidence=lang_conf,
            matched_lang=matched_lang,
        )
