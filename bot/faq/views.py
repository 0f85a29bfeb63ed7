"""The two views of a language's entries, each with its index (bot/faq/index.py): NATIVE script, and LATIN
spellings as keys (bot/faq/translit.py) for questions typed in Latin letters or on another layout. Each
index is built once per process for the same entries, or read from the store on disk (index_store.py)."""

from __future__ import annotations

import weakref
from collections.abc import Callable

from bot.faq.content import FaqEntry
from bot.faq.index import LanguageIndex
from bot.faq.index_store import IndexStore
from bot.faq.normalize import native_stemmer, tokenize
from bot.faq.translit import GROUP, key_stemmer, key_stopwords, keys

NATIVE, LATIN = "native", "latin"


def _key_tokenizer(lang: str) -> Callable[[str], list[str]]:
    def tokenizer(text: str) -> list[str]:
        return keys(tokenize(text), lang)

    return tokenizer


# The indexes built so far, by what each is built from (an index only reads once built). A matcher built
# again for a new example question builds only that language's two indexes again and shares the others; so
# do matchers built from the same content (the tests build many). Weak: an index no matcher holds is gone.
_INDEXES: weakref.WeakValueDictionary[tuple[str, str, tuple[FaqEntry, ...]], LanguageIndex] = (
    weakref.WeakValueDictionary()
)


def language_index(
    view: str, lang: str, entries: tuple[FaqEntry, ...], store: IndexStore | None = None
) -> LanguageIndex:
    """The index of one language's entries in one view: NATIVE script, or LATIN spellings as keys."""
    key = (view, lang, entries)
    index = _INDEXES.get(key)
    if index is not None:
        return index
    if view == NATIVE:
        stemmer = native_stemmer(lang)

        def build() -> LanguageIndex:
            return LanguageIndex(lang, entries, stemmer=stemmer)
    else:
        stemmer = key_stemmer(lang)

        def build() -> LanguageIndex:
            return LanguageIndex(
                lang,
                entries,
                tokenizer=_key_tokenizer(lang),
                stopwords=key_stopwords(lang),
                script="latin",
                anchor_min=2,
                substring_min=4 if GROUP.get(lang) == "abjad" else 3,
                stemmer=stemmer,
            )

    index = store.get(key, build) if store is not None else build()
    index.stem = stemmer  # (a stored index is kept without it)
    _INDEXES[key] = index
    return index
