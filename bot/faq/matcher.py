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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.faq.content import FaqContent, FaqEntry
from bot.faq.detect import SUPPORTED, LanguageDetector
from bot.faq.normalize import STOPWORDS, content_tokens, fold, stem, tokenize

EMERGENCY_SLUG = "emergency"

# --- tunables (chosen on the content's own example questions, leave-one-out; see bench) -------------
NGRAM_SIZES = (3, 4, 5)
ANSWER_WEIGHT = 0.25  # the answer text explains, the questions ask: answers count a quarter
W_CHAR = 0.35  # cosine with the whole entry, character n-grams
W_WORD = 0.25  # cosine with the whole entry, word stems
W_BEST = 0.40  # cosine with the best single example (question, keyword or title), character n-grams
RERANK = 8  # candidates re-ranked with their best example
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
    "notfall* notarzt* krankenwagen* rettungswagen* lebensgefahr* feuer brennt* brand* herzinfarkt* "
    "atmet_nicht ertrunken vergiftet* angst_um_mein_leben notruf* uberfall* angegriffen* angriff",
    "en": "violence violent* hits_me hit_me beats_me beating* beaten threat* rape* raped abuse* abusive "
    "suicide* kill* murder* knife* bleeding* unconscious emergency* ambulance* danger* fire burning "
    "heart_attack not_breathing overdose* poisoned attacked* assault* stabbed",
    "ar": "عنف* يضرب* بيضرب* ضربني* يضربني* تهديد* يهدد* بيهدد* هددني* اغتصاب* اغتصب* تحرش* انتحار* انتحر* "
    "اقتل* يقتل* قتل* بيقتل* سكين* نزيف* ينزف* حريق* نار اسعاف* إسعاف* طوارئ* طوارى* خطر* اعتداء* "
    "اعتدى* مغمى* جلطه* يتنفس",
    "fa": "خشونت* کتک* میزنه_منو منو_میزنه تهدید* تجاوز* خودکشی* بکشم* میکشم* بکشه* میکشه* قتل* چاقو* "
    "خونریزی* آتش* آتیش* حریق* اورژانس* آمبولانس* آمبولانس* خطر* حمله* بیهوش* سکته*",
    "uk": "насильств* насилля б'є бє б'ють побив* побила* бити погрож* погроза* зґвалтув* ґвалт* самогубств* "
    "вбити вб'є вбє вбив* убити убє ніж ножем кровотеч* пожеж* горить небезпек* швидк_допомог* "
    "швидку* екстрен* напад* непритомн* інфаркт* не_дихає",
    "ru": "насили* бьет* избил* избива* угрож* угроза* изнасил* самоубийств* суицид* убить убьет* убил* "
    "нож ножом кровотеч* пожар* горит опасн* скорая* скорую* экстрен* напал* нападени* без_сознания "
    "инфаркт* не_дышит",
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
    "*": "salam salaam salom marhaba merhaba privet pryvit hallo hello hi hey 👋 🙋 🙂 😊 bot",
}
# Words that may stand next to a greeting without making it a question.
_GREETING_FILLERS = frozenset(
    tokenize(
        "und and dear lieber liebe you all ihr alle zusammen there everyone team bot admin bitte please "
        "ya يا جان جون عزيز عزيزم друзі друзья всім всем вам всем"
    )
)


def _compile_lexicon(raw: dict[str, str]) -> tuple[frozenset[str], tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """(whole words, prefixes, phrases) from 'word stem* two_words' lists, normalised like questions."""
    words: set[str] = set()
    prefixes: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    for text in raw.values():
        for item in text.split():
            is_prefix = item.endswith("*")
            parts = tuple(tokenize(item.rstrip("*").replace("_", " ")))
            if not parts:
                continue
            if len(parts) > 1:
                phrases.add(parts)
            elif is_prefix:
                prefixes.add(parts[0])
            else:
                words.add(parts[0])
    return frozenset(words), tuple(sorted(prefixes)), tuple(sorted(phrases))


_DANGER = _compile_lexicon(DANGER_WORDS)
_GREETING_WORDS: frozenset[str] = frozenset(
    t for text in GREETINGS.values() for item in text.split() for t in tokenize(item.replace("_", " "))
) | frozenset(item for item in GREETINGS["*"].split() if not any(ch.isalnum() for ch in item))


def is_danger(tokens: Sequence[str]) -> bool:
    words, prefixes, phrases = _DANGER
    for i, tok in enumerate(tokens):
        if tok in words or (len(tok) >= 3 and tok.startswith(prefixes)):
            return True
        for phrase in phrases:
            if tuple(tokens[i : i + len(phrase)]) == phrase:
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


def _trigrams(token: str) -> frozenset[str]:
    padded = f" {token} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2.0 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _sublinear(tf: float) -> float:
    return 1.0 + math.log(tf) if tf > 1.0 else tf


def _normalise(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    if norm == 0:
        return {}
    return {k: v / norm for k, v in vec.items()}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


@dataclass
class _Space:
    """One TF-IDF space (character n-grams or word stems) over the entries of one language."""

    idf: dict[str, float] = field(default_factory=dict)
    postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    @classmethod
    def build(cls, docs: Sequence[dict[str, float]]) -> _Space:
        n = len(docs)
        df: dict[str, int] = {}
        for doc in docs:
            for f in doc:
                df[f] = df.get(f, 0) + 1
        # BM25's idf: features in (almost) every entry weigh (almost) nothing.
        idf = {f: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for f, d in df.items()}
        space = cls(idf=idf)
        for i, doc in enumerate(docs):
            for f, w in space.weigh(doc).items():
                space.postings.setdefault(f, []).append((i, w))
        return space

    def weigh(self, counts: dict[str, float], unknown_idf: float | None = None) -> dict[str, float]:
        vec: dict[str, float] = {}
        for f, tf in counts.items():
            idf = self.idf.get(f, unknown_idf)
            if idf:
                vec[f] = _sublinear(tf) * idf
        return _normalise(vec)

    def max_idf(self) -> float:
        return max(self.idf.values(), default=1.0)

    def scores(self, query: dict[str, float]) -> dict[int, float]:
        acc: dict[int, float] = {}
        get = acc.get
        for f, qw in query.items():
            for i, w in self.postings.get(f, ()):
                acc[i] = get(i, 0.0) + qw * w
        return acc


@dataclass
class _LanguageIndex:
    lang: str
    slugs: list[str]
    chars: _Space
    words: _Space
    examples: list[list[dict[str, float]]]  # per entry: normalised char vectors of its examples
    stopwords: frozenset[str]
    anchors: list[frozenset[str]]  # per entry: words of its keywords and title
    anchor_stems: list[frozenset[str]]
    anchor_grams: list[list[tuple[str, frozenset[str]]]]

    @classmethod
    def build(cls, lang: str, entries: Sequence[FaqEntry]) -> _LanguageIndex:
        stop = STOPWORDS.get(lang, frozenset())
        char_docs: list[dict[str, float]] = []
        word_docs: list[dict[str, float]] = []
        example_counts: list[list[dict[str, float]]] = []
        anchors: list[frozenset[str]] = []
        for e in entries:
            anchor = {t for text in (e.title, *e.keywords) for t in content_tokens(tokenize(text), stop)}
            anchors.append(frozenset(t for t in anchor if len(t) >= 3 or any(ch.isdigit() for ch in t)))
            texts = [e.title, *e.questions, *e.keywords]
            cd: dict[str, float] = {}
            wd: dict[str, float] = {}
            ex: list[dict[str, float]] = []
            for text in texts:
                toks = content_tokens(tokenize(text), stop)
                c = char_ngrams(toks)
                ex.append(c)
                for k, v in c.items():
                    cd[k] = cd.get(k, 0.0) + v
                for k, v in word_stems(toks).items():
                    wd[k] = wd.get(k, 0.0) + v
            answer_toks = content_tokens(tokenize(e.answer_template), stop)
            for k, v in char_ngrams(answer_toks).items():
                cd[k] = cd.get(k, 0.0) + ANSWER_WEIGHT * v
            for k, v in word_stems(answer_toks).items():
                wd[k] = wd.get(k, 0.0) + ANSWER_WEIGHT * v
            char_docs.append(cd)
            word_docs.append(wd)
            example_counts.append(ex)
        chars = _Space.build(char_docs)
        words = _Space.build(word_docs)
        examples = [[chars.weigh(c) for c in ex if c] for ex in example_counts]
        anchor_stems = [frozenset(stem(t) for t in a) for a in anchors]
        anchor_grams = [[(t, _trigrams(t)) for t in a if len(t) >= 4] for a in anchors]
        return cls(lang, [e.slug for e in entries], chars, words, examples, stop, anchors, anchor_stems, anchor_grams)

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
            for a, a_grams in self.anchor_grams[i]:
                if a in tok or (len(tok) >= 5 and tok in a) or _dice(grams, a_grams) >= ANCHOR_SIMILARITY:
                    return True
        return False

    def rank(self, tokens: Sequence[str]) -> list[tuple[str, float]]:
        """(slug, score) best first, for the entries that share anything with the question."""
        toks = content_tokens(tokens, self.stopwords)
        # Unknown features still count in the question's norm: a question about something else entirely
        # ("weather tomorrow") must not look like a perfect match of its one known word.
        qc = self.chars.weigh(char_ngrams(toks), unknown_idf=self.chars.max_idf())
        qw = self.words.weigh(word_stems(toks), unknown_idf=self.words.max_idf())
        sc = self.chars.scores(qc)
        sw = self.words.scores(qw)
        coarse = {i: W_CHAR * s + W_WORD * sw.get(i, 0.0) for i, s in sc.items()}
        for i, s in sw.items():
            if i not in coarse:
                coarse[i] = W_WORD * s
        best = sorted(coarse.items(), key=lambda kv: kv[1], reverse=True)[:RERANK]
        ranked: list[tuple[str, float]] = []
        for i, s in best:
            best_example = max((_dot(qc, ex) for ex in self.examples[i]), default=0.0)
            ranked.append((self.slugs[i], s + W_BEST * best_example))
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
        }


class FaqMatcher:
    """Built once from the content; `match` is thread-safe and allocation-light."""

    def __init__(
        self,
        content: FaqContent,
        detector: LanguageDetector | None = None,
        default_lang: str = "de",
    ) -> None:
        self.content = content
        self.detector = detector or LanguageDetector()
        self.default_lang = default_lang
        self.indexes: dict[str, _LanguageIndex] = {
            lang: _LanguageIndex.build(lang, list(entries.values()))
            for lang, entries in content.entries.items()
            if entries
        }

    @property
    def languages(self) -> list[str]:
        return list(self.indexes)

    def entry(self, slug: str, lang: str) -> FaqEntry | None:
        return self.content.entry(slug, lang, fallback=self.default_lang)

    def _rank_languages(
        self, tokens: Sequence[str], langs: Iterable[str], factor: float, into: dict[str, tuple[float, str]]
    ) -> dict[str, tuple[float, str]]:
        """Merge the ranking of each language into `into`: slug -> (best score, language it came from)."""
        for lang in langs:
            index = self.indexes.get(lang)
            if index is None:
                continue
            for slug, score in index.rank(tokens):
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
        if tokens and not greeting:
            primary = q_lang if q_lang in self.indexes and lang_conf >= 0.5 else None
            scores: dict[str, tuple[float, str]] = {}
            if primary is not None:
                self._rank_languages(tokens, [primary], 1.0, scores)
                ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)
            if primary is None or not self._confident(ranked, tokens):
                # No good hit in the question's language: the other languages' entries may know its
                # words (German terms, a Russian word in a Ukrainian sentence).
                others = [lang for lang in self.indexes if lang != primary]
                factor = OTHER_LANGUAGE_FACTOR if primary is not None else 1.0
                self._rank_languages(tokens, others, factor, scores)
                ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)

        confident = self._confident(ranked, tokens)
        top = [(slug, round(v[0], 4)) for slug, v in ranked[:top_k]]
        slug = ranked[0][0] if confident else None
        score = ranked[0][1][0] if ranked else 0.0
        matched_lang = ranked[0][1][1] if ranked else None
        if emergency:
            # Safety first: the emergency numbers lead, whatever else the question matched.
            top = [(EMERGENCY_SLUG, max(score, 1.0))] + [t for t in top if t[0] != EMERGENCY_SLUG][: max(top_k - 1, 0)]
            slug, score, confident = EMERGENCY_SLUG, max(score, 1.0), True
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
