"""Metadata from arXiv's API and Crossref, fetched only when the user asks (`add --online`).

Nothing here runs unless called: offline, `add` says what it could not fill. The endpoints
can be pointed elsewhere (a mirror, a proxy, or the tests' recorded responses) with
INQUIRING_ARXIV_API and INQUIRING_CROSSREF_API.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from .. import __version__
from ..errors import InquiringError
from .csl import issued_date
from .paper import Paper, clean_doi

ARXIV_API = "https://export.arxiv.org/api/query"
CROSSREF_API = "https://api.crossref.org/works/"
TIMEOUT = 20.0  # seconds per request
_ATOM = {
    "a": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
}


class LookupFailed(InquiringError):
    """An online look-up that did not answer; the message says which and why."""


def _get(url: str) -> bytes:
    request = urllib.request.Request(
        url, headers={"User-Agent": f"inquiring/{__version__} (research notes tool)"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            return reply.read()
    except urllib.error.HTTPError as error:
        raise LookupFailed(f"{url} answered {error.code} {error.reason}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LookupFailed(f"could not reach {url.split('?')[0]} ({reason})") from error


def arxiv(ids: Iterable[str]) -> dict[str, Paper]:
    """Bare arXiv id → what arXiv's API says of the paper, 50 ids a request."""
    wanted = list(dict.fromkeys(ids))
    base = os.environ.get("INQUIRING_ARXIV_API", ARXIV_API)
    found: dict[str, Paper] = {}
    for start in range(0, len(wanted), 50):
        batch = wanted[start : start + 50]
        query = urllib.parse.urlencode({"id_list": ",".join(batch), "max_results": len(batch)})
        found.update(parse_arxiv(_get(f"{base}?{query}")))
    return found


def parse_arxiv(atom: bytes) -> dict[str, Paper]:
    """arXiv's Atom feed, one Paper per entry, keyed by the bare id without its version."""
    try:
        root = ET.fromstring(atom)
    except ET.ParseError as error:
        raise LookupFailed(
            f"arXiv answered something that is not its Atom feed ({error})"
        ) from error
    papers: dict[str, Paper] = {}
    for entry in root.iterfind("a:entry", _ATOM):
        link = (entry.findtext("a:id", "", _ATOM) or "").strip()
        found = re.search(r"abs/(.+?)(?:v\d+)?$", link)
        title = _one_line(entry.findtext("a:title", "", _ATOM))
        if not found or not title or title == "Error":
            continue
        bare = found.group(1)
        doi = clean_doi(entry.findtext("arxiv:doi", "", _ATOM) or "")
        papers[bare] = Paper(
            origin=f"arXiv API ({bare})",
            arxiv=bare,
            doi=doi,
            title=title,
            authors=[
                _one_line(a.findtext("a:name", "", _ATOM))
                for a in entry.iterfind("a:author", _ATOM)
            ],
            published=(entry.findtext("a:published", "", _ATOM) or "")[:10],
            venue=_one_line(entry.findtext("arxiv:journal_ref", "", _ATOM) or ""),
            url=f"https://arxiv.org/abs/{bare}",
            abstract=_one_line(entry.findtext("a:summary", "", _ATOM)),
        )
    return papers


def crossref(doi: str) -> Paper:
    """What Crossref records of the work with this DOI."""
    base = os.environ.get("INQUIRING_CROSSREF_API", CROSSREF_API)
    return parse_crossref(_get(base + urllib.parse.quote(doi, safe="/")), doi)


def parse_crossref(body: bytes, doi: str) -> Paper:
    try:
        message = json.loads(body)["message"]
    except (ValueError, KeyError, TypeError) as error:
        raise LookupFailed(f"Crossref's answer for {doi} is not a work record") from error
    published = issued_date(message.get("issued") or message.get("published"))
    authors = [
        " ".join(str(a[k]) for k in ("given", "family") if a.get(k)) or str(a.get("name", ""))
        for a in message.get("author") or []
    ]
    return Paper(
        origin=f"Crossref ({doi})",
        doi=clean_doi(message.get("DOI") or doi),
        title=_one_line(" ".join(message.get("title") or [])),
        authors=[a for a in authors if a],
        published=published,
        venue=_one_line(" ".join(message.get("container-title") or [])),
        url=str(message.get("URL") or f"https://doi.org/{doi}"),
        abstract=_one_line(re.sub(r"<[^>]+>", " ", message.get("abstract") or "")).removeprefix(
            "Abstract "
        ),
    )


def _one_line(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()
