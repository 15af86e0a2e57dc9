"""A paper as every reader of papers sees it (BibTeX, CSL-JSON, Zotero, a PDF, arXiv, Crossref).

Each reader fills what it knows; `merged` lays one reading over another field by field, so a
bibliography entry's title beats what a PDF's first page suggests, and an online look-up fills
only the gaps.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ..source_ids import normalise_source_id
from ..text import slugify


@dataclass(frozen=True)
class Paper:
    origin: str  # where it was read, "refs.bib:12" or "paper.pdf", for messages
    key: str = ""  # a citekey (Better BibTeX, CSL-JSON id, Zotero): the source id when known
    arxiv: str = ""  # bare id, e.g. 2106.09685
    doi: str = ""  # bare, lower case, e.g. 10.18653/v1/p16-1162
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: str = ""  # YYYY-MM-DD, YYYY-MM or YYYY
    venue: str = ""
    url: str = ""
    abstract: str = ""
    pdf: Path | None = None  # a PDF file of it, inside or outside the vault
    file_hint: str = ""  # a PDF file name the bibliography names (Zotero's `file` field)

    @property
    def source_id(self) -> str:
        """The id its source page gets: the citekey, else arXiv, else DOI, else a title slug."""
        if self.key:
            return self.key
        if self.arxiv:
            return f"arxiv:{self.arxiv}"
        if self.doi:
            return f"doi:{self.doi}"
        return slugify(self.title) or slugify(Path(self.origin.split(":", 1)[0]).stem)

    def ids(self) -> set[str]:
        """Every normalised id it is known by, for finding it among the vault's sources."""
        found = {normalise_source_id(self.source_id)}
        if self.arxiv:
            found.add(f"arxiv:{self.arxiv.lower()}")
        if self.doi:
            found.add(f"doi:{self.doi}")
        return found


def merged(base: Paper, over: Paper) -> Paper:
    """`base` with each field `over` knows and `base` does not."""
    changes = {
        f.name: getattr(over, f.name)
        for f in fields(Paper)
        if f.name != "origin" and not getattr(base, f.name) and getattr(over, f.name)
    }
    return replace(base, **changes) if changes else base


def title_key(title: str) -> str:
    """A title folded for matching: accents, case, punctuation and spacing don't count."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]+", "", text)


def clean_doi(raw: str) -> str:
    found = normalise_source_id(raw.strip()) if raw.strip() else ""
    return found.removeprefix("doi:") if found.startswith("doi:") else ""


def clean_arxiv(raw: str) -> str:
    """A bare arXiv id from 'arXiv:2106.09685v2', a URL, arXiv's DOI or a bare id; '' if none."""
    found = normalise_source_id(raw.strip()) if raw.strip() else ""
    return found.removeprefix("arxiv:") if found.startswith("arxiv:") else ""


def arxiv_in(*texts: str) -> str:
    """The first arXiv id among `texts`, each a field such as Zotero's Extra ('arXiv:
    2106.09685' on a line of its own), a URL, a DOI or a bare id; '' if none."""
    for text in texts:
        mentioned = re.search(r"arXiv:\s*(\S+)", text, re.IGNORECASE)
        found = clean_arxiv(mentioned.group(1) if mentioned else text)
        if found:
            return found
    return ""
