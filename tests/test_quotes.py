"""Quotes checked against page text: what a reader copies passes, an altered fact does not."""

from __future__ import annotations

import pytest

from inquiring.quotes import MIN_QUOTE, check

# Page text as PDF readers give it: a ligature glyph, a word broken at a line end (pypdf's
# "-\n", PDFium's U+FFFE), a compound broken at its own hyphen, curly quotes.
PAGES = [
    "Our \ufb01ndings show that the model out-\nperforms the baseline by 12.5 points on\n"
    "all tasks, and we do not use dropout.",
    "We train with lower precision (bfloat16) formats, a state-\nof-the-art setup, and call "
    "it \u201cstable\u201d when the ingre\ufffedient list is fixed.",
]


@pytest.mark.parametrize(
    ("quote", "page"),
    [
        ("Our findings show that the model outperforms the baseline", 1),
        ("we do not use dropout", 1),
        ("a state-of-the-art setup", 2),
        ('call it "stable" when the ingredient list is fixed', 2),
        ("Our findings shw that the model outperforms the baseline", 1),  # a typo, fuzzily
    ],
)
def test_what_a_reader_copies_is_found_on_its_page(quote: str, page: int) -> None:
    found = check(quote, PAGES, page)
    assert found.ok and found.page == page and not found.why


@pytest.mark.parametrize(
    "quote",
    [
        "the model outperforms the baseline by 13.5 points on all tasks",  # a number changed
        "We train with lower precision (float16) formats",  # a word with a number in it
        "and we do use dropout at all",  # a negation dropped
        "the model underperforms the baseline by 12.5 points",  # a paraphrase
    ],
)
def test_an_altered_fact_is_not_found(quote: str) -> None:
    assert not check(quote, PAGES).ok


def test_a_quote_on_another_page_says_where_it_is() -> None:
    found = check("lower precision (bfloat16) formats", PAGES, 1)
    assert found.ok and found.page == 2 and found.why == "the quote is on page 2, not page 1"


def test_a_short_quote_proves_nothing() -> None:
    assert len("12.5 points") < MIN_QUOTE
    assert not check("12.5 points", PAGES, 1).ok


def test_the_real_papers_known_quotes_are_found(papers) -> None:
    from inquiring.ingest.pdf import extract

    known = [
        ("2020.acl-main.207.pdf", 6, "we evaluate against state-of-the-art baselines from each"),
        ("2020.acl-main.207.pdf", 1, "Representation learning is a critical ingredient for"),
        ("2101.03961.pdf", 7, "Empirically we find ensuring lower rates of dropped tokens are"),
        ("2023.eacl-main.121.pdf", 1, "We find that 73% of these papers do not perform any"),
        ("N18-3011.pdf", 1, "The resulting literature graph consists of more than 280M nodes"),
    ]
    for name, page, quote in known:
        found = check(quote, extract(papers / name).pages, page)
        assert (found.ok, found.page) == (True, page), (name, quote, found)
