"""CSL-JSON, as Zotero (and Better CSL JSON) export it, read into papers.

A Zotero item keeps an arXiv id in `note` ("arXiv: 2106.09685") or its URL; Better CSL JSON's
`id` is the citekey.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..parse import Problem
from .paper import Paper, arxiv_in, clean_doi


def read_csl_json(path: Path) -> tuple[list[Paper], list[Problem]]:
    """Every item of a CSL-JSON file (a list of items, or {"items": [...]}) as a Paper."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", 1)
        return [], [Problem(str(path), line, "error", "csl-json", f"not valid JSON ({error})")]
    items = data.get("items", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        return [], [Problem(str(path), 1, "error", "csl-json", "expected a list of CSL items")]
    papers, problems = [], []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not (item.get("title") or item.get("DOI")):
            problems.append(
                Problem(str(path), 1, "warning", "csl-json", f"item {number} has no title or DOI")
            )
            continue
        papers.append(_paper(path, number, item))
    return papers, problems


def _paper(path: Path, number: int, item: dict) -> Paper:
    def get(name: str) -> str:
        value = item.get(name, "")
        return re.sub(r"\s+", " ", str(value)).strip() if value else ""

    arxiv = arxiv_in(get("note"), get("number"), get("URL"), get("archive_location"), get("DOI"))
    doi = clean_doi(get("DOI"))
    return Paper(
        origin=f"{path.name}: item {number}",
        key=get("citation-key") or (get("id") if not get("id").isdigit() else ""),
        arxiv=arxiv,
        doi=doi,
        title=get("title"),
        authors=[_name(a) for a in item.get("author") or [] if isinstance(a, dict)],
        published=issued_date(item.get("issued")),
        venue=get("container-title") or get("event-title") or get("publisher"),
        url=get("URL"),
        abstract=get("abstract"),
    )


def _name(author: dict) -> str:
    if author.get("literal"):
        return str(author["literal"]).strip()
    parts = [author.get("given", ""), author.get("non-dropping-particle", ""), author.get("family")]
    return " ".join(str(p).strip() for p in parts if p)


def issued_date(issued: object) -> str:
    """'date-parts' [[2021, 10, 16]] (or a 'raw' date) as YYYY[-MM[-DD]]."""
    if not isinstance(issued, dict):
        return ""
    parts = (issued.get("date-parts") or [[]])[0]
    if parts and str(parts[0]).isdigit():
        numbers = [int(p) for p in parts[:3] if str(p).isdigit()]
        return "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:])])
    raw = re.match(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", str(issued.get("raw", "")))
    return raw.group(0) if raw else ""
