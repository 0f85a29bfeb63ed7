"""The FAQ index's inner loops: compiled (bot/faq/_postings.c) where a C compiler was at hand, else in
Python (bot/faq/index.py `_char_ngrams`, `_add_postings`, `_weigh_query`, `_near_anchor`, `_best_of`, and
bot/faq/feature_table.py's lookup). Both must give the same figures to the last bit, and the compiled ones
must refuse what they cannot read instead of reading past an array."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from array import array
from collections.abc import Callable

import pytest

from bot.faq import feature_table
from bot.faq import index as faq_index
from bot.faq.content import load_content
from bot.faq.feature_table import FeatureTable
from bot.faq.index import (
    ANCHOR_SIMILARITY,
    LanguageIndex,
    _add_postings,
    _best_of,
    _char_ngrams,
    _near_anchor,
    _trigrams,
    _weigh_query,
    char_ngrams,
    word_stems,
)
from bot.faq.matcher import FaqMatcher
from bot.faq.normalize import content_tokens, tokenize
from bot.yamlfile import read_yaml
from tests.faq_quality import DATA

ROOT = DATA.parent.parent

COMPILED = all(
    compiled is not python
    for compiled, python in (
        (faq_index.add_postings, _add_postings),
        (faq_index.best_of, _best_of),
        (faq_index.weigh_query, _weigh_query),
        (faq_index.near_anchor, _near_anchor),
        (faq_index.count_ngrams, _char_ngrams),
    )
)
needs_compiled = pytest.mark.skipif(not COMPILED, reason="bot/faq/_postings.c was not built here")


@pytest.fixture(scope="module")
def matcher() -> FaqMatcher:
    return FaqMatcher(load_content())


def test_the_loop_is_compiled_where_a_compiler_is() -> None:
    """`pip install -e .` builds it (setup.py) when it finds a C compiler; one that failed would only show as
    a slower bot, so the test environment, which has a compiler, checks that it was built."""
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler here: the Python loop is used")
    assert COMPILED, "bot/faq/_postings.c was not built: run scripts/bootstrap.sh (pip install -e .)"


def _sums(
    loop: Callable[..., None],
    postings: faq_index._Postings,
    query: list[tuple[int, float]],
    budget: int,
    size: int,
) -> tuple[list[float], set[int]]:
    acc, touched = array("d", bytes(8 * size)), set[int]()
    loop(acc, postings.start, postings.ids, postings.weights, query, budget, touched)
    return list(acc), touched


@needs_compiled
@pytest.mark.parametrize("budget", [1, 50, 600, 2000, 10**9])
def test_compiled_and_python_give_the_same_figures(matcher: FaqMatcher, budget: int) -> None:
    """Every index (native and Latin spellings), the test set's questions, every kind of postings, budgets
    that stop early and budgets that never do: the question's weighed features and the sums."""
    questions = [q["text"] for q in read_yaml(DATA / "faq_testset.yaml")["questions"]]
    indexes: list[LanguageIndex] = [*matcher.indexes.values(), *matcher.latin.values()]
    compared = 0
    for index in indexes:
        for text in questions[::3]:
            toks = content_tokens(tokenize(text), index.stopwords)
            for postings, counts, prefix, size in (
                (index.chars, char_ngrams(toks), "", len(index.slugs)),
                (index.words, word_stems(toks, index.stem), "\x00", len(index.slugs)),
                (index.examples, char_ngrams(toks), "", len(index.example_entry)),
            ):
                unknown = index.max_word_idf if prefix else index.max_char_idf
                query = faq_index.weigh_query(counts, prefix, index.table, index.idf, unknown)
                assert query == _weigh_query(counts, prefix, index.table, index.idf, unknown)
                if not query:
                    continue
                assert _sums(faq_index.add_postings, postings, query, budget, size) == _sums(
                    _add_postings, postings, query, budget, size
                )
                compared += 1
    assert compared > 1000


@needs_compiled
def test_compiled_and_python_find_the_same_best_example(matcher: FaqMatcher) -> None:
    """The closest example of every topic (and of the questions no topic answers) for the test set's
    questions, in every index: the same position, the first of equals; and the figures of a tie."""
    questions = [q["text"] for q in read_yaml(DATA / "faq_testset.yaml")["questions"]]
    compared = 0
    for index in [*matcher.indexes.values(), *matcher.latin.values()]:
        for text in questions[::5]:
            sims = index._example_sims(tokenize(text), 2000)
            for lo, hi in index.example_range:
                if hi > lo:
                    assert faq_index.best_of(sims, lo, hi) == _best_of(sims, lo, hi)
                    compared += 1
    assert compared > 10_000
    tie = array("d", [0.5, 0.25, 0.75, 0.75, 0.1])
    assert faq_index.best_of(tie, 0, 5) == _best_of(tie, 0, 5) == 2
    assert faq_index.best_of(tie, 3, 5) == 3 and faq_index.best_of(tie, 4, 5) == 4


@pytest.mark.parametrize("compiled", [True, False])
def test_best_of_refuses_an_empty_or_outside_range(compiled: bool) -> None:
    if compiled and not COMPILED:
        pytest.skip("bot/faq/_postings.c was not built here")
    best = faq_index.best_of if compiled else _best_of
    sims = array("d", [0.5, 0.25])
    for lo, hi in ((1, 1), (2, 1), (-1, 2), (0, 3)):
        with pytest.raises(IndexError):
            best(sims, lo, hi)
    if compiled:
        with pytest.raises(TypeError):  # sims: doubles, as the sums are
            best(array("f", [0.5]), 0, 1)


@needs_compiled
def test_compiled_and_python_count_the_same_ngrams() -> None:
    """The same counts in the same order (the order the weights are summed in) for the test set's
    questions in every script, and for words shorter than the n-grams."""
    questions = [q["text"] for q in read_yaml(DATA / "faq_testset.yaml")["questions"]]
    for tokens in [tokenize(text) for text in questions] + [[], [""], ["a"], ["ab", "abc"], ["😂ß"]]:
        compiled = faq_index.char_ngrams(tokens)
        assert list(compiled.items()) == list(_char_ngrams(tokens).items()), tokens


@needs_compiled
def test_compiled_and_python_find_the_same_anchors(matcher: FaqMatcher) -> None:
    """Every word of the test set's questions (and of their Latin keys) against every topic's anchors, in
    every index: the same verdict, and both ways of being near an anchor (inside it, or alike) occur."""
    questions = [q["text"] for q in read_yaml(DATA / "faq_testset.yaml")["questions"]]
    verdicts: set[bool] = set()
    compared = 0
    for index in [*matcher.indexes.values(), *matcher.latin.values()]:
        words = sorted({t for text in questions[::2] for t in tokenize(text) if len(t) >= index.partial_min})
        for anchors in index.anchor_grams[::3]:
            for word in words[::5]:
                grams = _trigrams(word)
                args = (word, grams, anchors, index.substring_min, ANCHOR_SIMILARITY)
                verdict = faq_index.near_anchor(*args)
                assert verdict == _near_anchor(*args), (word, anchors)
                verdicts.add(verdict)
                compared += 1
    assert compared > 10_000 and verdicts == {True, False}
    # a word inside a longer anchor, an anchor inside a longer word, a typo: near; another word: not
    anchors = tuple((a, tuple(sorted(_trigrams(a)))) for a in ("kindergarten", "arzt"))
    for word, near in (("garten", True), ("kinderarzt", True), ("kindergartn", True), ("fahrrad", False)):
        args = (word, _trigrams(word), anchors, 3, ANCHOR_SIMILARITY)
        assert faq_index.near_anchor(*args) is near and _near_anchor(*args) is near, word


@needs_compiled
def test_compiled_refuses_what_it_cannot_read() -> None:
    start, ids, weights = array("I", [0, 2, 3]), array("H", [0, 1, 5]), array("f", [0.5, 0.25, 1.0])
    acc = array("d", bytes(8 * 2))
    add = faq_index.add_postings
    with pytest.raises(IndexError):  # a feature the index does not have
        add(acc, start, ids, weights, [(2, 1.0)], 100, None)
    with pytest.raises(IndexError):  # a document beyond the sums (ids[2] is 5, there are 2)
        add(acc, start, ids, weights, [(1, 1.0)], 100, None)
    with pytest.raises(TypeError):  # sums of another type
        add(array("f", bytes(8)), start, ids, weights, [(0, 1.0)], 100, None)
    with pytest.raises(TypeError):  # not (feature, weight) pairs
        add(acc, start, ids, weights, [0], 100, None)
    with pytest.raises(TypeError):
        add(acc, start, ids, weights, [(0, 1.0)], 100, [])  # touched: a set or None
    touched: set[int] = set()
    add(acc, start, ids, weights, [(0, 2.0)], 100, touched)
    assert list(acc) == [1.0, 0.5] and touched == {0, 1}


@needs_compiled
def test_compiled_weighing_refuses_what_it_cannot_read() -> None:
    table, idf = FeatureTable(["abc", "bcd", "\x00ab"]), array("f", [2.0, 0.0, 1.0])
    weigh = faq_index.weigh_query
    assert weigh({}, "", table, idf, 3.0) == []
    # an unknown feature counts in the norm only; one of idf 0 (in every entry) is not read
    assert weigh({"abc": 1.0, "xyz": 1.0, "bcd": 4.0}, "", table, idf, 2.0) == [(0, 2.0 / 8**0.5)]
    assert weigh({"ab": 2.0}, "\x00", table, idf, 1.0) == _weigh_query({"ab": 2.0}, "\x00", table, idf, 1.0)
    # a lone surrogate (JSON may carry one) has no UTF-8: unknown, not an error
    assert weigh({"\ud800": 1.0, "abc": 1.0}, "", table, idf, 2.0) == [(0, 2.0 / 8**0.5)]
    with pytest.raises(IndexError):  # a feature beyond the idf array
        weigh({"abc": 1.0}, "", FeatureTable([*map(str, range(7)), "abc"]), idf, 1.0)
    with pytest.raises(TypeError):
        weigh({"abc": "1"}, "", table, idf, 1.0)  # counts: numbers
    with pytest.raises(TypeError):
        weigh({"abc": 1.0}, "", table, array("d", [1.0]), 1.0)  # idf: single precision, as the index keeps it
    with pytest.raises(AttributeError):
        weigh({"abc": 1.0}, "", {"abc": 0}, idf, 1.0)  # table: a FeatureTable


def _table_of(names: list[str]) -> dict[str, int]:
    return {name: number for number, name in enumerate(names)}


@pytest.mark.parametrize("compiled", [True, False])
def test_the_feature_table_finds_what_a_dict_finds(
    matcher: FaqMatcher, compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every seventh feature of every index, in every script, and names it lacks (a part of a feature, a
    feature with a letter more or with the word stems' prefix, a lone surrogate, the empty string), compiled
    and in Python, as built and as loaded from a pickle (bot/faq/index_store.py)."""
    if compiled and not COMPILED:
        pytest.skip("bot/faq/_postings.c was not built here")
    monkeypatch.setattr(feature_table, "COMPILED", compiled)
    compared = 0
    for index in [*matcher.indexes.values(), *matcher.latin.values()]:
        blob, offsets = index.table.blob, index.table.offsets
        names = [blob[offsets[f] : offsets[f + 1]].decode() for f in range(len(index.table))]
        expected = _table_of(names)
        for table in (FeatureTable(names), pickle.loads(pickle.dumps(FeatureTable(names)))):
            assert (len(table.slots) > 0) is compiled and len(table) == len(names)
            for name in names[::7]:
                for probe in (name, name[:-1], name + "ß", "\x00" + name):
                    assert table.get(probe) == expected.get(probe), probe
                    assert (probe in table) is (probe in expected)
                    compared += 1
            assert table.get("\ud800") is None and "" not in table
    assert compared > 50_000
    # long names (over 256 bytes), and letters of two and four bytes
    odd = ["ß" * 200, "a" * 300, "😂", "\x00ü", "ع" * 127, "ع" * 128]
    table, expected = FeatureTable(odd), _table_of(odd)
    for name in odd:
        for probe in (name, name + "x", name[1:]):
            assert table.get(probe) == expected.get(probe), probe


@needs_compiled
def test_the_compiled_feature_table_refuses_what_it_cannot_read() -> None:
    """Its arrays may come from a file: a slot or an offset that points outside is an error, not a read."""
    table = FeatureTable(["abc", "bcd"])
    find = feature_table.find_feature
    assert find(table.blob, table.offsets, table.slots, "bcd") == 1
    assert find(table.blob, table.offsets, table.slots, "bc") is None
    with pytest.raises(ValueError):  # slots: a power of two, at least twice the features
        find(table.blob, table.offsets, array("I", bytes(12)), "abc")
    with pytest.raises(TypeError):  # offsets: unsigned ints
        find(table.blob, array("l", table.offsets), table.slots, "abc")
    broken = array("I", [9 if place else 0 for place in table.slots])  # feature 8 of 2
    with pytest.raises(IndexError):
        find(table.blob, table.offsets, broken, "abc")
    with pytest.raises(IndexError):  # offsets beyond the bytes
        find(b"ab", table.offsets, table.slots, "abc")
    full = array("I", [1] * len(table.slots))  # slots given taken: the filling stops, with an error
    with pytest.raises(ValueError):
        feature_table.fill_feature_slots(table.blob, table.offsets, full)


@needs_compiled
def test_compiled_ngrams_refuse_what_they_cannot_read() -> None:
    count = faq_index.count_ngrams
    with pytest.raises(TypeError):  # tokens: strings
        count(["arzt", 7], (3, 4))
    with pytest.raises(TypeError):  # sizes: a tuple
        count(["arzt"], [3, 4])
    with pytest.raises(ValueError):
        count(["arzt"], (0,))
    assert count(iter(["ab"]), (3, 5)) == {" ab": 1.0, "ab ": 1.0}


@needs_compiled
def test_compiled_anchor_loop_refuses_what_it_cannot_read() -> None:
    near = faq_index.near_anchor
    with pytest.raises(TypeError):  # the word's trigrams: a set
        near("arzt", [" ar"], (("arzt", (" ar",)),), 3, 0.6)
    with pytest.raises(TypeError):  # anchors: (anchor, trigrams) pairs
        near("arzt", {" ar"}, ("arzt",), 3, 0.6)
    with pytest.raises(TypeError):
        near("arzt", {" ar"}, (("arzt", [" ar"]),), 3, 0.6)
    assert near("arzt", frozenset(), (), 3, 0.6) is False


def test_without_the_compiled_loops_the_python_ones_answer() -> None:
    """As on a machine where no C compiler built them: the import fails and the same answers come."""
    script = (
        "import sys; sys.modules['bot.faq._postings'] = None\n"
        "from bot.faq import index\n"
        "assert index.add_postings is index._add_postings and index.weigh_query is index._weigh_query\n"
        "assert index.near_anchor is index._near_anchor and index.best_of is index._best_of\n"
        "assert index.count_ngrams is index._char_ngrams\n"
        "from bot.faq.content import load_content\n"
        "from bot.faq.matcher import FaqMatcher\n"
        "result = FaqMatcher(load_content()).match('Wo finde ich einen Deutschkurs?', user_lang='de')\n"
        "print(result.slug)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "german-courses"
