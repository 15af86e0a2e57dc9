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
        # what is left of "isn't", "wasn't", "don't"… once split at the apostrophe
        "aren couldn didn doesn don hadn hasn haven isn mustn needn shouldn wasn weren won "
        "wouldn "
    ).split()
)

# Words about the notes themselves, not about the question's topic.
META_WORDS = frozenset(("note", "notes", "vault", "corpus", "several", "converge", "converges"))


def content_words(text: str) -> list[str]:
    """Lower-cased words of three letters or more that are not common function words.

    Numbers are left out, except those of four digits: a year says what a question is about.
    """
    seen: dict[str, None] = {}
    for word in re.findall(r"\w+", text.lower()):
        if len(word) > 2 and word not in STOPWORDS and not (word.isdigit() and len(word) != 4):
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


# British ↔ American endings: a question in one spelling should find a vault written in the
# other ("randomised" and "randomized" even stem differently). Each row is (the stem before,
# British, American, what may follow) and is applied both ways, except -og → -ogue: too many
# words end in -og.
_ALTERNATIVES = (
    (".*", "is", "iz", "e|es|ed|ing|ation|ations|er|ers"),
    (".*", "ys", "yz", "e|es|ed|ing"),
    (".*[a-z]{3}", "our", "or", "|s|ed|ing|ful|ite|ites|able"),
    ("lic|def|off|pret", "ence", "ense", "|s"),
    (".{3,}", "tre", "ter", "|s"),
    (".*[aeiou]", "ll", "l", "ed|ing|er|ers"),
)
_SPELLINGS = [
    (re.compile(f"^({stem}){old}({endings})$"), rf"\g<1>{new}\g<2>")
    for stem, british, american, endings in _ALTERNATIVES
    for old, new in ((british, american), (american, british))
] + [(re.compile(r"^(.*)ogue(|s)$"), r"\g<1>og\g<2>")]


def other_spellings(word: str) -> list[str]:
    """The word as the other main English spelling would write it (may be none)."""
    return [v for pattern, repl in _SPELLINGS if (v := pattern.sub(repl, word)) != word]
