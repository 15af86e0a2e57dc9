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


# Function words of other languages written in the Latin script (French, German, Spanish,
# Italian, Portuguese, Dutch) that are no English words, nor parts of English writing
# ("et al.", "per cent", "non-linear", "von Neumann", "x and y"). Telling these languages
# apart is not needed: a sentence only has to be known for English or not.
FOREIGN_FUNCTION_WORDS = frozenset(
    (
        "de la le les des du une un est dans pour avec sur pas qui cette sont être au aux ne "
        "nous vous ils elle ont mais leur qu ou vos votre même ces sa ses peut pouvez très "
        "tout tous toutes aussi plusieurs "
        "der die das den und ist nicht ein eine einen einem einer mit zu dem auf für sich auch "
        "wird werden sind wir ich oder aber wie bei nach zur zum im vom du dein deine deinen "
        "deiner über unsere unseren kannst kann dann wenn eines dieser diese dieses "
        "el los las del que es en por para una su lo como más pero sus ya este sí esta se con "
        "entre cuando muy sobre también desde hacia tu tus otra otros puedes cómo qué "
        "nuestra nuestro "
        "il di che della dei delle nel nella sono è anche più questo questa gli degli alla "
        "dalla dal sul ma tra fra puoi vuoi tuo tua tuoi suo nostra nostro oltre ogni può "
        "essere viene "
        "não os das dos da em um na mais mas ao ele são também uma pode seu seus suas pelo "
        "pela nos nas às já muito foi "
        "het een voor maar ook naar zijn niet dat wordt kun je te bij om aan uit deze hun "
        "hebben heeft worden jouw onze"
    ).split()
)
# English function words that are function words of those languages too ("a", "in", "no",
# "do"…), so they count for neither.
SHARED_FUNCTION_WORDS = frozenset("a also am an as do i in is me no on over so was".split())
# A Latin-script text is taken for another language than English when its foreign function
# words outnumber its English ones and are at least this many. Words in capitals are left
# out: "IL", "NE" and "MIT" are names, not function words.
MIN_FOREIGN_WORDS = 2
# A Chinese or Japanese character, or a Korean syllable, says about as much as a word, which
# takes several Latin letters: counted this many times in telling which script a text is in.
DENSE_SCRIPT_WEIGHT = 4
DENSE_SCRIPTS = ("CJK", "HANGUL")


@lru_cache(maxsize=4096)
def _script(char: str) -> str:
    """The writing system of a letter, by its Unicode name ("LATIN", "CYRILLIC", "CJK", …);
    Japanese kana go with Chinese characters, as the two are written together."""
    name = unicodedata.name(char, "")
    script = name.split(" ", 1)[0]
    return "CJK" if script in ("HIRAGANA", "KATAKANA", "CJK") else script


@lru_cache(maxsize=1024)  # the question's language is asked once per sentence weighed
def language(text: str) -> str:
    """The language a text is written in, as far as telling it apart from another matters:
    "en" for English, "latin" for another language in the Latin script, or the name of
    another script ("CYRILLIC", "CJK", "HANGUL", …); "" when it cannot be told.

    The script with the most letters wins (a Chinese character counting as a few), so an
    English sentence with a gloss in Chinese ("… appearing smaller (近大远小).") is still
    English. Among Latin-script texts, function words decide: English unless those of other
    languages outnumber its English ones.
    """
    if text.isascii():
        script = "LATIN" if any(c.isalpha() for c in text) else ""
    else:
        counts: dict[str, int] = {}
        for char in text:
            if char.isalpha():
                script = _script(char)
                weight = DENSE_SCRIPT_WEIGHT if script in DENSE_SCRIPTS else 1
                counts[script] = counts.get(script, 0) + weight
        script = max(counts, key=lambda s: counts[s]) if counts else ""
    if script != "LATIN":
        return script
    words = [w.lower() for w in re.findall(r"\w+", text) if not (len(w) > 1 and w.isupper())]
    english = sum(w in STOPWORDS and w not in SHARED_FUNCTION_WORDS for w in words)
    foreign = sum(w in FOREIGN_FUNCTION_WORDS for w in words)
    return "latin" if foreign >= MIN_FOREIGN_WORDS and foreign > english else "en"


def same_language(sentence: str, question: str) -> bool:
    """Whether a sentence is written in the question's language, so it may be quoted in the
    question's answer. A text whose language cannot be told (no letters) passes."""
    mine, theirs = language(sentence), language(question)
    return not mine or not theirs or mine == theirs
