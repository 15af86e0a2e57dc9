from __future__ import annotations

import pytest

from inquiring.source_ids import arxiv_ids_in, normalise_source_id


@pytest.mark.parametrize(
    "raw",
    [
        "arxiv:2310.12962",
        "arXiv:2310.12962v2",
        "ARXIV: 2310.12962",
        "https://arxiv.org/abs/2310.12962",
        "http://arxiv.org/pdf/2310.12962v1.pdf",
        "arxiv.org/abs/2310.12962v3",
        "2310.12962",
        "10.48550/arXiv.2310.12962",  # arXiv's own DOI names the same paper
        "doi:10.48550/ARXIV.2310.12962",
        "https://doi.org/10.48550/arXiv.2310.12962",
    ],
)
def test_arxiv_spellings_are_one_source(raw: str):
    assert normalise_source_id(raw) == "arxiv:2310.12962"


def test_old_style_arxiv_doi_and_slug():
    assert normalise_source_id("arXiv:hep-th/9901001v1") == "arxiv:hep-th/9901001"
    assert normalise_source_id("https://doi.org/10.1000/ABC.1") == "doi:10.1000/abc.1"
    assert normalise_source_id("doi:10.1000/abc.1") == "doi:10.1000/abc.1"
    assert normalise_source_id("10.1000/abc.1") == "doi:10.1000/abc.1"
    assert normalise_source_id("Venhoff2025-Base") == "venhoff2025-base"


def test_arxiv_urls_found_in_text_once_each_in_order():
    text = "see https://arxiv.org/abs/2005.14165v4 and arxiv.org/pdf/1706.03762 and again "
    text += "https://arxiv.org/abs/2005.14165"
    assert arxiv_ids_in(text) == ["arxiv:2005.14165", "arxiv:1706.03762"]
