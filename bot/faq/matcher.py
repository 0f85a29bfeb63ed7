"""Match a free-text question to an FAQ topic.

Method (no heavy dependencies; what is learned is counted from the example questions as the matcher is built):
- one index per language over that language's entries (bot/faq/index.py); an entry is represented by
  its example questions (with those organizers filed), keywords and title (full weight) and its answer
  (low weight);
- Arabic, Farsi, Ukrainian and Russian have a second index over the same entries as keys
  (bot/faq/translit.py): a question in Latin letters (Arabizi, Finglish, Latin Ukrainian/Russian) that the
  detector gives to one of them is matched there, and so is Ukrainian typed on a Russian layout;
- two TF-IDF spaces: character n-grams (3-5, inside words, with word boundaries: robust to typos,
  inflection, transliteration and missing spaces) and light word stems (precise on content words);
- an inverted index, so a question touches only the entries that share a feature with it;
- a long German word the FAQ does not know also counts as its known last part ("Kühlschrank" as
  "Schrank": bot/faq/normalize.with_compound_heads);
- candidates are re-ranked with their best single example (a near-paraphrase of one example question
  is strong evidence even when the entry as a whole is broad); the asked questions of
  locales/faq/examples.yaml count only here, one by one: hundreds of them in the entry as a whole would
  dilute it ("Wie komme ich mit dem Auto zu euch?" fell below the threshold); a close topic the question
  names goes before one it does not name, and a runner-up it does not name is no rival for the margin;
- confidence from the score and its margin to the next topic (below a high score the question must also
  name the topic, or nearly repeat one of its example questions; at a modest score it must use mostly
  words the FAQ knows; a question about the weather, shopping, sport or the day's news, bot/faq/offtopic.py,
  is never answered by a topic that does not speak of it; nor is one closer to a question filed as one no
  topic answers, `not-ours` in examples.yaml, than to the topic's examples, or reading like them: a naive
  Bayes model, bot/faq/offtopic.py); then all these signs weighed together (bot/faq/doubt.py). Otherwise
  the caller gets the closest topics to offer. Another topic the question names in words of its own, close
  to the best, is offered too (`also`: "Arzt und Dolmetscher"). A question with no confident hit in its own
  language is tried against the others (German terms like Jobcenter or Kita are in every language's entries);
- an emergency (bot/faq/emergency.py) puts `emergency` first whatever the score; a message made only
  of greetings (bot/faq/greetings.py) is flagged so the caller shows the menu.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.faq.content import NOT_OURS, PLACEHOLDER, FaqContent, FaqEntry, not_ours_entries, with_asked
from bot.faq.detect import SCRIPT_OF, SUPPORTED, LanguageDetector, tells_language
from bot.faq.doubt import DOUBT_MAX, Evidence, doubt
from bot.faq.emergency import EMERGENCY_SLUG, is_emergency
from bot.faq.filed import filed_topics
from bot.faq.greetings import is_greeting
from bot.faq.index import LanguageIndex
from bot.faq.index_store import IndexStore
from bot.faq.normalize import (
    ALL_STOPWORDS,
    HEAD_MIN,
    content_tokens,
    fold,
    script_of_token,
    tokenize,
    with_compound_heads,
)
from bot.faq.offtopic import (
    KEY_NOT_OURS_LANGUAGES,
    NOT_OURS_LANGUAGES,
    not_ours_key_model_for,
    not_ours_key_odds,
    not_ours_model_for,
    not_ours_odds,
    off_topic,
    reads_not_ours,
)
from bot.faq.translit import (
    GROUP,
    TRANSLIT_LANGUAGES,
    keys,
    latin_tokens,
    query_keys,
    without_present_prefix,
)
from bot.faq.views import LATIN, NATIVE, language_index

# --- tunables -------------------------------------------------------------------------------------
# Chosen on the content's own example questions (each third held out in turn), a hand-written list of
# out-of-scope questions and tests/data/faq_devset.yaml; tests/data/faq_testset.yaml and faq_heldout.yaml
# only measure them (tests, bench). The index's own tunables are in bot/faq/index.py.
# THRESHOLD 0.15 -> 0.16 and MARGIN 0.03 -> 0.01 (5 Dec 2026), measured on the 10th to 22nd blind sets, each
# with its own asked and `not-ours` questions left out: top-1 93.9% -> 94.8% (3,370 -> 3,403 of 3,588; every
# way the same or better but Dari, 161 -> 160 of 169), out of scope answered 113 -> 110 of 793; on the 23rd
# set, never read, 95.7% -> 96.4%, out of scope 6 of 61 before and after. A threshold of 0.20-0.22 halved the
# out-of-scope answers there (58-82 of 793) but cost the second readers' in-scope questions near an
# off-topic subject (tests/test_faq_translit.py) and Ukrainian typed on a Russian keyboard (90.4% -> 82.7%).
THRESHOLD = 0.16  # below: not confident ...
ANCHORED_ONLY = 0.35  # ... and below this, the question must also name the topic (see `anchoring`)
KNOWN_SHARE = 0.6  # ... and at least this share of its content words must be known to the entries
MARGIN = 0.01  # the best must lead the next topic by this much ...
SURE = 0.50  # ... unless it is this high anyway
ANCHOR_ALWAYS = 0.6  # below this even a good score needs a word that names the topic (see `_confident`) ...
EXAMPLE_SURE = 0.9  # ... or a near-copy of one of its example questions (cosine of character n-grams)
DETECT_SURE = 0.75  # language detection confidence that lets the answer follow the question's language
OTHER_LANGUAGE_FACTOR = 0.9  # a hit in another language counts a little less than one in the detected one
LATIN_FACTOR = 1.0  # a hit through the Latin spellings of the question's own language (Russian layout)
# Two topics in one question: further topics within this share of the best score are offered as well.
ALSO_RATIO = 0.4
ALSO_CLOSE = 0.6
ALSO_CANDIDATES = 4
ALSO_MAX = 2
# A topic the question names, within this share of a best topic it does not name, is put first (and then
# competes only with the other topics the question names): short Latin keys ("xn" = خانه) weigh little
# beside everyday verbs shared with some example question ("peyda nemikonam").
NAMED_RATIO = 0.75


def _one_key_held_down(tokens: list[str]) -> bool:
    """Every word is one letter over and over ("ششششش", "ааааа"): nothing to match. (Its Latin key, "s",
    came close to a topic whose keys hold that letter: the demo offered the Ukrainians' meeting place.)"""
    return all(len(set(token)) == 1 for token in tokens)


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
    also: list[str] = field(default_factory=list)  # further topics the question names (offer them too)
    written: str = NATIVE  # how the best hit was found: NATIVE script or LATIN spellings (translit.py)
    evidence: Evidence | None = None  # for a best topic that passed every rule (bot/faq/doubt.py) ...
    doubt: float = (
        0.0  # ... and the chance that no topic answers the question (above DOUBT_MAX: not confident)
    )

    def to_json(self, question: str) -> dict[str, object]:
        return {
            "question": question,
            "lang": self.question_lang,
            "slug": self.slug,
            "score": round(self.score, 4),
            "top": [{"slug": s, "score": round(v, 4)} for s, v in self.top],
            "also": self.also,
            "answer_lang": self.answer_lang,
            "written": self.written,
            "doubt": round(self.doubt, 4),
            "emergency": self.is_emergency,
            "greeting": self.is_greeting,
            "lang_confidence": round(self.lang_confidence, 4),
        }


_Hit = tuple[float, str, str]  # (score, language of the entries, NATIVE or LATIN)


class _Query:
    """One question's tokens for each index: normalised words for the native ones, keys per language for
    the Latin spellings (computed once, on first use)."""

    def __init__(self, text: str, tokens: list[str]) -> None:
        self.text = text
        self.tokens = tokens
        self.scripts = {script_of_token(t) for t in tokens}
        self._keys: dict[str, list[str]] = {}
        self.named: dict[tuple[str, str, str], frozenset[str]] = {}  # (view, lang, slug) -> anchoring
        self.shares: dict[tuple[str, str], float] = {}  # (view, lang) -> known share
        self.declined = False  # closer to a question no topic answers than to its best topic (no more tries)

    def keys(self, lang: str) -> list[str]:
        if lang not in self._keys:
            # Latin words as typed (digits inside: "a7jez"); other words (Russian letters) romanised.
            latin = latin_tokens(self.text)
            other = [t for t in self.tokens if script_of_token(t) not in ("latin", "digits")]
            self._keys[lang] = query_keys([*latin, *other], lang)
        return self._keys[lang]

    def for_view(self, view: str, lang: str) -> list[str]:
        return self.tokens if view == NATIVE else self.keys(lang)


class FaqMatcher:
    """Built once from the content (about a second for the real FAQ, less where its languages' indexes
    are built already); `match` only reads, so one matcher serves every update and thread."""

    def __init__(
        self,
        content: FaqContent,
        detector: LanguageDetector | None = None,
        default_lang: str = "de",
        store: IndexStore | None = None,
    ) -> None:
        # The asked questions (locales/faq/examples.yaml) join their entries as single examples (index.py);
        # those no topic answers join an entry of their own in each language, which nothing ever answers.
        not_ours = not_ours_entries(content)
        content = with_asked(content) if content.asked else content
        self.content = content
        self.filed = filed_topics(content)  # the decision for a question asked again word for word
        self.detector = detector or LanguageDetector()
        # The FAQ's texts are clean text in their language: let the detector know their words.
        self.detector.learn_vocabulary(
            {
                lang: [
                    " ".join(
                        (PLACEHOLDER.sub(" ", e.answer_plain), e.title, *e.questions, *e.keywords, *e.asked)
                    )
                    for e in entries.values()
                ]
                for lang, entries in content.entries.items()
            }
        )
        self.default_lang = default_lang
        self.store = store  # built indexes on disk (bot/faq/index_store.py), for the next process
        self.indexes: dict[str, LanguageIndex] = {
            lang: language_index(NATIVE, lang, (*entries.values(), *not_ours.get(lang, ())), store)
            for lang, entries in content.entries.items()
            if entries
        }
        # The same entries as keys, for questions typed in Latin letters (or Ukrainian on a Russian layout).
        self.latin: dict[str, LanguageIndex] = {
            lang: language_index(LATIN, lang, (*entries.values(), *not_ours.get(lang, ())), store)
            for lang, entries in content.entries.items()
            if entries and lang in TRANSLIT_LANGUAGES
        }
        # How much a question reads like the questions no topic answers, per language (`_reads_not_ours`).
        # (None for a language without questions of both kinds)
        self.not_ours_models = {
            lang: not_ours_model_for(
                self.indexes[lang], content.entries[lang].values(), not_ours.get(lang, ())
            )
            for lang in NOT_OURS_LANGUAGES
            if lang in self.indexes
        }
        self.not_ours_key_models = {  # the same on Latin keys, for Arabizi and Finglish
            lang: not_ours_key_model_for(
                self.latin[lang], content.entries[lang].values(), not_ours.get(lang, ())
            )
            for lang in KEY_NOT_OURS_LANGUAGES
            if lang in self.latin
        }
        # Latin-script entries' words: known last parts of compounds (normalize.with_compound_heads)
        self.heads = frozenset(
            t
            for lang, entries in content.entries.items()
            if lang in self.indexes and self.indexes[lang].script == "latin"
            for e in entries.values()
            for text in (e.title, *e.questions, *e.keywords)
            for t in tokenize(text)
            if len(t) >= HEAD_MIN and t not in ALL_STOPWORDS
        )

    @property
    def languages(self) -> list[str]:
        return list(self.indexes)

    def entry(self, slug: str, lang: str) -> FaqEntry | None:
        return self.content.entry(slug, lang, fallback=self.default_lang)

    def _index(self, view: str, lang: str) -> LanguageIndex:
        return self.indexes[lang] if view == NATIVE else self.latin[lang]

    def _rank(
        self,
        query: _Query,
        views: Iterable[tuple[str, str]],
        factor: float,
        into: dict[str, _Hit],
        effort: float = 1.0,
    ) -> list[tuple[str, _Hit]]:
        """Merge the ranking of each (view, language) into `into`: slug -> best hit; all hits, best first
        (a close topic the question names before one it does not, `_named_first`). A native index is
        asked only about questions with words in its script ("112" anywhere); a Latin one reads keys of
        any script."""
        only_digits = query.scripts == {"digits"}
        for view, lang in views:
            index = (self.indexes if view == NATIVE else self.latin).get(lang)
            if index is None or (view == NATIVE and index.script not in query.scripts and not only_digits):
                continue
            for slug, score in index.rank(query.for_view(view, lang), effort):
                score *= factor
                if score > into.get(slug, (0.0, "", ""))[0]:
                    into[slug] = (score, lang, view)
        return self._named_first(sorted(into.items(), key=lambda kv: kv[1][0], reverse=True), query)

    def _anchoring(self, slug: str, view: str, lang: str, query: _Query) -> frozenset[str]:
        """The words of the question that name the topic in one view (asked several times per question)."""
        found = query.named.get((view, lang, slug))
        if found is None:
            typed_latin = view == LATIN and "latin" in query.scripts and query.scripts <= {"latin", "digits"}
            found = self._index(view, lang).anchoring(slug, query.for_view(view, lang), typed_latin)
            query.named[view, lang, slug] = found
        return found

    def _known_share(self, view: str, lang: str, query: _Query) -> float:
        """The index's known share of the question's words in one view (asked up to three times)."""
        share = query.shares.get((view, lang))
        if share is None:
            share = query.shares[view, lang] = self._index(view, lang).known_share(query.for_view(view, lang))
        return share

    def _named(self, slug: str, hit: _Hit, query: _Query) -> bool:
        return bool(self._anchoring(slug, hit[2], hit[1], query))

    def _named_first(self, ranked: list[tuple[str, _Hit]], query: _Query) -> list[tuple[str, _Hit]]:
        """The ranking with the best topic the question names first, when the best topic is not named,
        scores below ANCHOR_ALWAYS and the named one is within NAMED_RATIO of it (and reaches THRESHOLD:
        below it nothing is answered anyway). Not when the question nearly repeats one of the best topic's
        example questions: an organizer filed it there ("kasi mitune ba man biad jobcenter?" is someone to
        come along, though "jobcenter" names the job search)."""
        if len(ranked) < 2 or not THRESHOLD <= ranked[0][1][0] < ANCHOR_ALWAYS:
            return ranked
        floor = max(NAMED_RATIO * ranked[0][1][0], THRESHOLD)
        best, (_, lang, view) = ranked[0]
        if (
            ranked[1][1][0] < floor
            or self._named(*ranked[0], query)
            or self._near_copy(best, view, lang, query)
        ):
            return ranked
        for i, (slug, hit) in enumerate(ranked[1:ALSO_CANDIDATES], start=1):
            if hit[0] < floor:
                break
            if self._named(slug, hit, query):
                return [ranked[i], *ranked[:i], *ranked[i + 1 :]]
        return ranked

    def _confident(self, ranked: list[tuple[str, _Hit]], query: _Query, primary: str | None) -> bool:
        if not ranked:
            return False
        slug, (s1, lang, view) = ranked[0]
        if s1 < THRESHOLD:
            return False
        s2 = ranked[1][1][0] if len(ranked) > 1 else 0.0
        if s1 - s2 < MARGIN and s1 < SURE:
            # A close runner-up the question does not name is no rival (nor one put behind by `_named_first`).
            if not self._named(slug, ranked[0][1], query):
                return False
            rivals = [hit[0] for s, hit in ranked[1:ALSO_CANDIDATES] if self._named(s, hit, query)]
            if s1 - max(rivals, default=0.0) < MARGIN:
                return False
        if off_topic(query.tokens, slug, self._knows(slug, lang, query), query.text):
            return False
        # A question closer to one that people asked and no topic answers than to the topic's own examples
        # ("Wo kann ich meinen Laptop reparieren lassen?" is none for the sewing group): the topics are offered.
        # Or one that reads like them (`_reads_not_ours`).
        if self._index(view, lang).declines(
            slug, query.for_view(view, lang), NOT_OURS
        ) or self._reads_not_ours(slug, s1, (view, lang), query, primary):
            query.declined = True
            return False
        # At a modest score the question must name the topic. The best score may come from another
        # language's entries, so the question's own language may name it too.
        views = [(view, lang)]
        own = self.indexes.get(primary) if primary is not None else None
        if (
            own is not None
            and own.script in query.scripts
            and slug in own.number
            and (NATIVE, primary) != (view, lang)
        ):
            views.append((NATIVE, str(primary)))
        if primary in self.latin and "latin" in query.scripts and (LATIN, primary) != (view, lang):
            views.append((LATIN, str(primary)))
        if (
            view == LATIN
            and GROUP.get(str(primary)) != "cyrillic"  # (Ukrainian typed with Russian letters needs the keys)
            and "latin" not in query.scripts
            and own is not None
            and own.script in query.scripts
        ):
            # Written in Arabic script, the question names a topic with its own words: a Latin sound key
            # alone is too loose ("لاک پشت", turtle, sounds like "پشتو", Pashto, and is no interpreter).
            views = [(v, lg) for v, lg in views if v != LATIN]
        if s1 >= ANCHORED_ONLY:
            # A good score still needs one word that names the topic, unless it is very high: everyday
            # words shared with an example question ("tomorrow", "how") are no answer ("weather tomorrow").
            # A near-copy of one example question is strong evidence as well (and a question an organizer
            # just filed under the topic, bot/faq/examples.py, is one).
            return (
                s1 >= ANCHOR_ALWAYS
                or any(self._anchoring(slug, v, lg, query) for v, lg in views)
                or self._near_copy(slug, view, lang, query)
            )
        # A question in its own script made mostly of words the FAQ never uses: one shared word is no
        # answer ("курс євро"). (Not for Latin spellings: their keys are often unknown only because they
        # are misspelt.)
        if own is not None and own.script in query.scripts and self._known(query, str(primary)) < KNOWN_SHARE:
            return False
        for v, lg in views:
            if v == NATIVE and self._known_share(v, lg, query) < KNOWN_SHARE:
                continue
            if self._anchoring(slug, v, lg, query):
                return True
        return False

    def _reads_not_ours(
        self, slug: str, score: float, hit: tuple[str, str], query: _Query, primary: str | None
    ) -> bool:
        """Below ANCHOR_ALWAYS: the question's words read like those of the questions no topic answers, in
        its own language (bot/faq/offtopic.py, NOT_OURS_ODDS), and it is no near-copy of one of the topic's
        example questions."""
        if score >= ANCHOR_ALWAYS:
            return False
        odds = self._not_ours_odds(*hit, query, primary)
        reads = odds is not None and reads_not_ours(odds, in_keys=hit[0] == LATIN)
        return reads and not self._near_copy(slug, *hit, query)

    def _not_ours_odds(self, view: str, lang: str, query: _Query, primary: str | None) -> float | None:
        """The log-odds that the question is one no topic answers (offtopic.py), of its Latin keys for a hit
        through the Latin spellings; None without a model for the language."""
        if view == LATIN:
            key_model = self.not_ours_key_models.get(lang)
            return (
                None
                if key_model is None
                else not_ours_key_odds(key_model, self.latin[lang], query.keys(lang))
            )
        model = self.not_ours_models.get(str(primary))
        return None if model is None else not_ours_odds(model, self.indexes[str(primary)], query.text)

    def _evidence(self, ranked: list[tuple[str, _Hit]], query: _Query, primary: str | None) -> Evidence:
        """What the best topic's hit rests on, for bot/faq/doubt.py."""
        slug, (s1, lang, view) = ranked[0]
        words, knows = (
            content_tokens(query.tokens, self.indexes[lang].stopwords),
            self._knows(slug, lang, query, asked=True),
        )
        odds = self._not_ours_odds(view, lang, query, primary)
        return Evidence(
            margin=s1 - (ranked[1][1][0] if len(ranked) > 1 else 0.0),
            not_ours_odds=odds or 0.0,
            no_model=float(odds is None),
            topic_words=sum(map(knows, words)) / len(words) if words else 0.0,
            known_words=self._known(query, primary) if primary in self.indexes else 0.0,
            best_example=self._index(view, lang).best_example(slug, query.for_view(view, lang)),
            length=math.log1p(len(words)),
        )

    def _near_copy(self, slug: str, view: str, lang: str, query: _Query) -> bool:
        """A near-copy of one of the topic's example questions. A question of one letter in this view is no
        copy of anything: "ب" (or "بببب") has the Latin key "b", and so has the example "B1"."""
        tokens = query.for_view(view, lang)
        if len("".join(tokens)) < 2:
            return False
        return self._index(view, lang).best_example(slug, tokens) >= EXAMPLE_SURE

    def _knows(self, slug: str, lang: str, query: _Query, asked: bool = False) -> Callable[[str], bool]:
        """Whether the topic's own texts (in the language of the hit, as words or as Latin keys) use a
        word of the question; with `asked`, the questions filed under it too."""
        native = self.indexes.get(lang)
        latin = self.latin.get(lang)

        def knows(token: str) -> bool:
            if native is not None and any(
                native.knows(slug, t) or (asked and native.asked_use(slug, t))
                for t in without_present_prefix(token, lang)
            ):
                return True
            # (A key of one or two letters is shared by too many words to tell.)
            return latin is not None and any(
                len(k) >= 3 and (latin.knows(slug, k) or (asked and latin.asked_use(slug, k)))
                for key in keys([token], lang)
                for k in without_present_prefix(key, lang)
            )

        return knows

    def _known(self, query: _Query, lang: str) -> float:
        """The share of the question's words the language's entries know. Ukrainian or Russian words
        typed with the other's letters ("дытыны") are known by their keys."""
        share = self._known_share(NATIVE, lang, query)
        if GROUP.get(lang) == "cyrillic" and lang in self.latin:
            share = max(share, self._known_share(LATIN, lang, query))
        return share

    def _also(self, ranked: list[tuple[str, _Hit]], query: _Query) -> list[str]:
        """Other topics the question names in words of their own ("Arzt und Dolmetscher"): close to the
        best score and anchored by a word that does not anchor the best topic (or, closer still, by other
        words than the best topic)."""
        slug, (s1, lang, view) = ranked[0]
        named = self._anchoring(slug, view, lang, query)
        found: list[str] = []
        for other, (score, lang2, view2) in ranked[1:ALSO_CANDIDATES]:
            if score < max(ALSO_RATIO * s1, THRESHOLD) or len(found) >= ALSO_MAX:
                break
            own = self._anchoring(other, view2, lang2, query)
            # A word of its own; or, close to the best, other words than the best one's.
            if own - named or (own and own != named and score >= ALSO_CLOSE * s1):
                found.append(other)
        return found

    def _has_words_of(self, query: _Query, lang: str, reader: str | None) -> bool:
        """Latin letters tell their language only with a word the FAQ knows in it, as written or in its
        Latin spellings ("nuzhen vrach"): the letters alone say "xyz qwrt" is German, and a Farsi reader who
        types them is answered in Farsi. So do the reader's own letters: a Ukrainian reader's "ыыыыы" has
        Russian letters and no Russian word, and is answered in Ukrainian. Another script tells its language
        on its own (tells_language)."""
        other_script = SCRIPT_OF.get(lang) != SCRIPT_OF.get(str(reader))
        if lang not in self.indexes or (query.scripts & {"arabic", "cyrillic"} and other_script):
            return True
        if self._known_share(NATIVE, lang, query) > 0:
            return True
        return lang in self.latin and self._known_share(LATIN, lang, query) > 0

    def match(
        self,
        text: str,
        user_lang: str | None = None,
        forced_lang: str | None = None,
        top_k: int = 3,
    ) -> MatchResult:
        tokens = tokenize(text)
        query = _Query(text, with_compound_heads(tokens, self.heads))
        if forced_lang:
            q_lang: str | None = forced_lang
            lang_conf = 1.0
        else:
            q_lang, lang_conf = self.detector.detect(text)
        if (
            q_lang is not None
            and lang_conf >= DETECT_SURE
            and q_lang in SUPPORTED
            and (
                forced_lang is not None
                or (tells_language(text) and self._has_words_of(query, q_lang, user_lang))
            )
        ):
            answer_lang = q_lang
        elif user_lang in SUPPORTED:
            answer_lang = str(user_lang)
        else:
            answer_lang = q_lang or self.default_lang

        emergency = is_emergency(text)
        greeting = not emergency and is_greeting(fold(text), tokens)

        ranked: list[tuple[str, _Hit]] = []
        confident = False
        evidence, chance = None, 0.0
        if tokens and not greeting and not _one_key_held_down(tokens):
            primary = q_lang if q_lang in self.indexes and lang_conf >= 0.5 else None
            scores: dict[str, _Hit] = {}
            if primary is not None:
                # A language of another script written in Latin letters: its Latin spellings.
                latin = self.indexes[primary].script not in query.scripts and primary in self.latin
                ranked = self._rank(query, [(LATIN if latin else NATIVE, primary)], 1.0, scores)
                confident = self._confident(ranked, query, primary)
                if not confident and not query.declined and not latin and primary in self.latin:
                    # Its own script, not a clear hit: Ukrainian on a Russian layout, odd spellings.
                    ranked = self._rank(query, [(LATIN, primary)], LATIN_FACTOR, scores)
                    confident = self._confident(ranked, query, primary)
            if not confident and not query.declined:
                # No good hit in the question's language: the other languages' entries may know its
                # words (German terms, a Russian word in a Ukrainian sentence), and Latin letters may
                # spell any language.
                views = [(NATIVE, lang) for lang in self.indexes if lang != primary]
                # Latin letters may spell any language, unless they are surely German or English.
                if "latin" in query.scripts and not (q_lang in ("de", "en") and lang_conf >= DETECT_SURE):
                    views += [(LATIN, lang) for lang in self.latin if lang != primary]
                factor = OTHER_LANGUAGE_FACTOR if primary is not None else 1.0
                # Half the postings budget per other language: the fallback looks for a clear hit.
                ranked = self._rank(query, views, factor, scores, effort=0.5 if primary else 1.0)
                if primary is not None:
                    # The emergency topic only in the question's own language: danger in any language is the
                    # detector's (checked first); through another's keys, a Ukrainian "kotyk" (a kitten) read
                    # as Farsi "kotak" (a beating) got the emergency numbers.
                    ranked = [hit for hit in ranked if hit[0] != EMERGENCY_SLUG or hit[1][1] == primary]
                confident = self._confident(ranked, query, primary)
            if confident:  # every rule passed: how far to doubt it, all signs weighed together
                evidence = self._evidence(ranked, query, primary)
                chance = doubt(evidence)
                confident = chance <= DOUBT_MAX
            also = self._also(ranked, query) if confident else []
        else:
            also = []

        top = [(slug, round(v[0], 4)) for slug, v in ranked[:top_k]]
        slug = ranked[0][0] if confident else None
        score = round(ranked[0][1][0], 4) if ranked else 0.0
        matched_lang = ranked[0][1][1] if ranked else None
        written = ranked[0][1][2] if ranked else NATIVE
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
            also=also,
            written=written,
            evidence=evidence,
            doubt=chance,
        )
