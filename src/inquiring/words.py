"""Words of a query that carry meaning, for full-text search and for coverage."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import Stemmer

STEMMER = Stemmer.Stemmer("porter")  # the algorithm of FTS5's porter tokenizer

STOPWORDS = frozenset(
    (
        "a about above after again against all also am an and any are as at be because been "
        "before being below between both but by can could did do does doing done down during "
        "each even ever few for from further get gets got had has have having he her here hers "
        "him his how i if in into is it its itself just me more most much my no nor not now of "
        "off on once only or other our ours out over own really same she should so some such "
        "than that the their theirs them then there these they this those through to too under "
        "until up us very was we were what when where which while who whom why will with would "
        "you your yours "
    ).split()
)


def content_words(text: str) -> list[str]:
    """Lower-cased words of three letters or more that are not common function words."""
    seen: dict[str, None] = {}
    for word in re.findall(r"\w+", text.lower()):
        if len(word) > 2 and word not in STOPWORDS and not word.isdigit():
            seen.setdefault(word, None)
    return list(seen)[:64]


_TOKEN = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1 << 16)  # a search reads every candidate's title: the same words recur
def vocabulary_key(word: str) -> str:
    """A word as the full-text index stores it: accents removed, then Porter-stemmed."""
    if not word.isascii():  # ASCII has no accents to remove
        nfkd = unicodedata.normalize("NFKD", word)
        word = "".join(c for c in nfkd if not unicodedata.combining(c))
    return STEMMER.stemWord(word.lower())


def fts_query(text: str, choose: Callable[[list[str]], list[str]] | None = None) -> str:
    """Any user text → a safe FTS5 query: each word quoted, any of them may match.

    Function words are left out when the text has other words; `choose` may narrow the
    words further.
    """
    tokens = list(dict.fromkeys(t.lower() for t in _TOKEN.findall(text)))[:64]
    words = [t for t in tokens if t not in STOPWORDS] or tokens
    if choose and len(words) > 1:
        words = choose(words) or words
    return " OR ".join(f'"{w}"' for w in words)
