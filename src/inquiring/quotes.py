"""Quotes from a paper, checked against its page text, and the footnotes that carry them.

A draft note's every factual sentence ends in a footnote holding a verbatim quote and its
page, which Obsidian renders natively:

    Fine-tuning on a thousand examples sufficed.[^1]

    [^1]: "we fine-tune on only 1,000 carefully curated prompts" (p. 2)

A quote is checked mechanically. PDF text differs from what a reader copies in ways that do
not change a word: ligature glyphs (ﬁ), words hyphenated at a line end, curly quotes and
dashes, runs of spaces. After normalising those away the quote must appear exactly; failing
that, a contiguous span of the page must match it with a rapidfuzz partial ratio of at least
FUZZY_THRESHOLD, and word for word, each differing word one edit from the page's (a
mis-read glyph, a dropped accent) and none of them holding a digit. So no paraphrase, no
changed number and no dropped "not" passes (docs/ingest.md has the measurements). A quote
shorter than MIN_QUOTE characters proves nothing, so it does not count.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .text import FOOTNOTE_DEF, join_broken_words

MIN_QUOTE = 12  # characters, after normalising
FUZZY_THRESHOLD = 90.0  # rapidfuzz partial_ratio of the best contiguous span, 0 to 100

_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00ad": None,  # a soft hyphen marks where a word may break, nothing more
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The text as a reader would copy it: ligatures spelled out (NFKC), plain quotes and
    dashes, words joined across a hyphenated line end, one space between words."""
    text = join_broken_words(unicodedata.normalize("NFKC", text))
    text = text.translate(_PUNCTUATION)
    return _SPACE.sub(" ", text).strip()


@functools.lru_cache(maxsize=1024)
def _folded_page(text: str) -> str:
    """A page normalised and case-folded once for all its quotes: `doctor` checks every quote
    of every draft, and normalising a 40-page paper costs about 20 ms a quote."""
    return normalise(text).casefold()


@dataclass(frozen=True)
class QuoteCheck:
    ok: bool
    page: int | None  # where the quote was found (1-based), or None
    score: float  # 100 for an exact match
    why: str = ""  # when not ok, or found elsewhere than claimed: one line for the reader


def check(quote: str, pages: list[str], page: int | None = None) -> QuoteCheck:
    """Whether `quote` stands in the page text; the claimed `page` is tried first."""
    wanted = normalise(quote).strip("\"' ").casefold()
    if len(wanted) < MIN_QUOTE:
        return QuoteCheck(False, None, 0.0, f"the quote is shorter than {MIN_QUOTE} characters")
    if not pages:
        return QuoteCheck(False, None, 0.0, "the source has no page text to check against")
    order = list(range(1, len(pages) + 1))
    if page and 1 <= page <= len(pages):
        order.remove(page)
        order.insert(0, page)
    texts = {n: _folded_page(pages[n - 1]) for n in order}
    for n in order:
        if wanted in texts[n]:
            return _found(n, 100.0, page)
    # A quote may run over a page break; then join each page with the next.
    best_n, best, span = 0, 0.0, ""
    for n in order:
        joined = texts[n] + (" " + texts[n + 1] if n < len(pages) else "")
        found = fuzz.partial_ratio_alignment(wanted, joined)
        if found is not None and found.score > best:
            best_n, best = n, found.score
            span = _whole_words(joined, found.dest_start, found.dest_end)
    if best >= FUZZY_THRESHOLD and _same_words(wanted, span):
        return _found(best_n, best, page)
    return QuoteCheck(False, None, best, "the quote is not in the paper's text")


_WORD = re.compile(r"\w+(?:[.,'%-]\w+)*%?")


def _whole_words(text: str, start: int, end: int) -> str:
    """The span widened to the word boundaries on either side."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end]


def _same_words(quote: str, span: str) -> bool:
    """A near match may differ only by mis-read glyphs: word for word, each differing word
    one edit away, and not a word with a digit in it. So "shw" passes for "show", but not
    "underperforms" for "outperforms", "float16" for "bfloat16", or a dropped "not"."""
    ours, theirs = _WORD.findall(quote), _WORD.findall(span)
    matcher = difflib.SequenceMatcher(a=ours, b=theirs, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "replace" or a1 - a0 != b1 - b0:
            return False  # a word added or dropped
        for mine, found in zip(ours[a0:a1], theirs[b0:b1], strict=True):
            if any(c.isdigit() for c in mine + found) or Levenshtein.distance(mine, found) > 1:
                return False
    return True


def _found(n: int, score: float, claimed: int | None) -> QuoteCheck:
    why = "" if claimed in (None, n) else f"the quote is on page {n}, not page {claimed}"
    return QuoteCheck(True, n, score, why)


ABSTRACT = 0  # the `page` of a quote taken from the source page's abstract (no PDF text)


@dataclass(frozen=True)
class Evidence:
    quote: str
    page: int  # 1-based; ABSTRACT for a quote from the source page's abstract
    line: int = 0  # the footnote's line in the body, 1-based (0: not read from a body)


def place(page: int) -> str:
    """Where a quote stands, as a footnote and a page say it: 'p. 4', or 'abstract'."""
    return "abstract" if page == ABSTRACT else f"p. {page}"


def footnote(label: str, ev: Evidence) -> str:
    """The footnote line that carries a sentence's evidence: '(p. 4)', or '(abstract)'."""
    quote = _SPACE.sub(" ", ev.quote).strip().replace('"', "'")
    return f'[^{label}]: "{quote}" ({place(ev.page)})'


_EVIDENCE = re.compile(r'"(?P<quote>.*)"\s*\((?:p\.\s*(?P<page>\d+)|(?P<abstract>abstract))\)')


def evidence(text: str, line: int = 0) -> Evidence | None:
    """The quote and page a footnote's text holds ('"…" (p. 4)'), or None if it holds none."""
    match = _EVIDENCE.fullmatch(text.strip())
    if match is None:
        return None
    page = ABSTRACT if match["abstract"] else int(match["page"])
    return Evidence(match["quote"], page, line)


def evidence_in(body: str) -> dict[str, Evidence]:
    """Footnote label → its quote and page, for every evidence footnote in a note's body."""
    found: dict[str, Evidence] = {}
    for number, line in enumerate(body.splitlines(), 1):
        definition = FOOTNOTE_DEF.match(line.strip())
        if definition and (ev := evidence(definition.group(2), number)) is not None:
            found[definition.group(1)] = ev
    return found
