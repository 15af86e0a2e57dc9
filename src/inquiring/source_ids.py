"""Source identifiers: one spelling per paper, whatever form the user wrote it in.

`arxiv:2310.12962`, `arXiv:2310.12962v2` and `https://arxiv.org/abs/2310.12962` name the same
paper, so they must become the same key before notes and sources can be joined.
"""

from __future__ import annotations

import re

_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z\-]+(?:\.[A-Za-z]{2})?/\d{7}"
_ARXIV_ID = rf"(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?"

_ARXIV_PREFIXED = re.compile(rf"^arxiv\s*:\s*{_ARXIV_ID}$", re.IGNORECASE)
_ARXIV_URL = re.compile(
    rf"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/{_ARXIV_ID}(?:\.pdf)?",
    re.IGNORECASE,
)
_DOI_URL = re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/(?P<doi>10\.\S+)$", re.IGNORECASE)
_DOI_PREFIXED = re.compile(r"^doi\s*:\s*(?P<doi>10\.\S+)$", re.IGNORECASE)
_BARE_DOI = re.compile(r"^(?P<doi>10\.\d{4,9}/\S+)$")
_BARE_ARXIV = re.compile(rf"^{_ARXIV_ID}$")
# arXiv's own DOI, 10.48550/arXiv.2106.09685, names the arXiv paper.
_ARXIV_DOI = re.compile(
    rf"^(?:doi\s*:\s*|(?:https?://)?(?:dx\.)?doi\.org/)?10\.48550/arxiv\.{_ARXIV_ID}$",
    re.IGNORECASE,
)


def normalise_source_id(raw: object) -> str:
    """Return the canonical id (`arxiv:NNNN.NNNNN`, `doi:10.…`, or a lower-case slug)."""
    text = str(raw).strip()
    for pattern in (_ARXIV_PREFIXED, _BARE_ARXIV, _ARXIV_DOI):
        match = pattern.match(text)
        if match:
            return f"arxiv:{match.group('id').lower()}"
    match = _ARXIV_URL.fullmatch(text)
    if match:
        return f"arxiv:{match.group('id').lower()}"
    for pattern in (_DOI_PREFIXED, _DOI_URL, _BARE_DOI):
        match = pattern.match(text)
        if match:
            return f"doi:{match.group('doi').lower().rstrip('.')}"
    return text.lower()


def arxiv_ids_in(text: str) -> list[str]:
    """Every arXiv paper linked by URL in `text`, canonical and in order of first mention."""
    seen: dict[str, None] = {}
    for match in _ARXIV_URL.finditer(text):
        seen.setdefault(f"arxiv:{match.group('id').lower()}", None)
    return list(seen)


def other_ids(meta: dict) -> list[str]:
    """A source page's ids besides its own `id`: its DOI and the arXiv paper its URL names,
    so a note citing `doi:…` finds a page whose id is a citekey."""
    found = [normalise_source_id(f"doi:{meta['doi']}")] if meta.get("doi") else []
    return found + arxiv_ids_in(str(meta.get("url") or ""))
