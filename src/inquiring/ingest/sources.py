"""The vault's source pages, as `add` finds, writes and updates them.

A paper already in the vault is found by any id it is known by (source id, DOI, arXiv id)
or by its title folded. It is then updated field by field: a field the page lacks is added,
a field the page has is kept as written (a different value is reported, not applied), and
the body, which holds the user's summary, is touched only when empty. New lines go at the end
of the front matter, so the user's order, quoting and comments stay as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..lines import write_atomically
from ..parse import split_front_matter
from ..source_ids import normalise_source_id, other_ids
from ..vault import write_new
from .paper import Paper, title_key

FILES_DIR = "sources/files"  # where PDFs from outside the vault are copied


@dataclass
class Written:
    """What happened to one paper's source page."""

    path: str  # vault-relative
    action: str  # "added", "updated" or "unchanged"
    origin: str  # where the paper was read
    fields: list[str] = field(default_factory=list)  # the fields written
    kept: list[str] = field(default_factory=list)  # "title: the page says X, the .bib Y"


@dataclass
class Page:
    """A source page already in the vault, as the index read it."""

    path: str
    meta: dict  # its front matter
    title: str = ""  # its title, wherever it came from (front matter, heading)


class Shelf:
    """The source pages of one vault, found by every id and title, kept current as `add` writes."""

    def __init__(self, root: Path, pages: list[Page]) -> None:
        self.root = root
        self.by_key: dict[str, str] = {}
        for page in pages:
            self._remember(page.path, page.meta, page.title)

    def _remember(self, path: str, meta: dict, title: str = "") -> None:
        keys = {normalise_source_id(meta.get("id") or Path(path).stem), *other_ids(meta)}
        if title:
            keys.add("title:" + title_key(title))
        if meta.get("title"):
            keys.add("title:" + title_key(str(meta["title"])))
        for key in keys:
            self.by_key.setdefault(key, path)

    def find(self, paper: Paper) -> str | None:
        keys = [*paper.ids()]
        if paper.title and len(title_key(paper.title)) >= 12:  # "Introduction" is not a match
            keys.append("title:" + title_key(paper.title))
        return next((self.by_key[k] for k in keys if k in self.by_key), None)

    def put(self, paper: Paper) -> Written:
        """Add the paper's page, or update the page it already has."""
        found = self.find(paper)
        if found is None:
            return self._add(paper)
        return self._update(found, paper)

    def _add(self, paper: Paper) -> Written:
        stem = re.sub(r"[^\w.-]+", "-", paper.source_id.replace(":", "-")).strip("-.")
        stem = stem or "source"
        values = _values(paper, self._pdf(paper, stem))
        meta = {"id": paper.source_id, **values}
        text = "---\n" + "".join(_yaml_line(k, v) for k, v in meta.items()) + "---\n"
        if paper.abstract:
            text += "\n" + paper.abstract.strip() + "\n"
        path = write_new(self.root / "sources", stem, text).relative_to(self.root).as_posix()
        self._remember(path, {k: str(v) if k != "authors" else v for k, v in meta.items()})
        return Written(path, "added", paper.origin, list(values))

    def _update(self, path: str, paper: Paper) -> Written:
        full = self.root / path
        text = full.read_text(encoding="utf-8")
        meta, body, body_line = split_front_matter(text, path, [])
        head = _closing_line_start(text, body_line)
        values = _values(paper, None)
        missing = {k: v for k, v in values.items() if _blank(meta.get(k))}
        kept = [
            f"{k}: the page says {meta[k]!r}, {paper.origin} says {v!r}"
            for k, v in values.items()
            if k in ("title", "doi") and not _blank(meta.get(k)) and _differs(meta[k], v)
        ]
        if paper.pdf and _blank(meta.get("pdf")):
            missing["pdf"] = self._pdf(paper, full.stem)
        added_body = paper.abstract.strip() if paper.abstract and not body.strip() else ""
        if not missing and not added_body:
            return Written(path, "unchanged", paper.origin, kept=kept)
        lines = "".join(_yaml_line(k, v) for k, v in missing.items())
        if head is None:
            new = "---\n" + lines + "---\n" + text
        else:
            new = text[:head] + lines + text[head:]
        if added_body:
            new = new.rstrip("\n") + "\n\n" + added_body + "\n"
        write_atomically(full, new)
        self._remember(path, {**meta, **{k: str(v) for k, v in missing.items()}})
        written = [*missing] + ["abstract"] * bool(added_body)
        return Written(path, "updated", paper.origin, written, kept)

    def _pdf(self, paper: Paper, stem: str) -> str | None:
        """The paper's PDF as a vault path, copied into sources/files/ if it is outside."""
        if paper.pdf is None:
            return None
        source = paper.pdf.resolve()
        root = self.root.resolve()
        if source.is_relative_to(root):
            return source.relative_to(root).as_posix()
        for existing in sorted((root / FILES_DIR).glob(f"{stem}*.pdf")):
            if existing.read_bytes() == source.read_bytes():
                return existing.relative_to(root).as_posix()
        target = _free(root, f"{FILES_DIR}/{stem}", ".pdf")
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, root / target)
        return target


def _closing_line_start(text: str, body_line: int) -> int | None:
    """Where the front matter's closing '---' starts in `text`, given the body's first line
    as `parse.split_front_matter` counts it (1: the file has no front matter)."""
    if body_line <= 1:
        return None
    line_ends = [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    return line_ends[body_line - 3]  # the end of the line before the closing one


def _values(paper: Paper, pdf: str | None) -> dict[str, object]:
    values: dict[str, object] = {
        "title": paper.title,
        "authors": paper.authors,
        "published": _date(paper.published),
        "venue": paper.venue,
        "url": paper.url or (f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else ""),
        "doi": paper.doi,
        "pdf": pdf,
    }
    return {k: v for k, v in values.items() if v}


def _date(text: str) -> object:
    """A full date as a YAML date, a year as a number, as hand-written pages have them."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return int(text) if text.isdigit() else text


def _yaml_line(key: str, value: object) -> str:
    """`key: value` as the demo vault writes it: strings and lists in JSON's quoting (which
    is YAML too), dates and years bare."""
    if isinstance(value, dt.date | int):
        return f"{key}: {value}\n"
    return f"{key}: {json.dumps(value, ensure_ascii=False)}\n"


def _blank(value: object) -> bool:
    return value is None or value == "" or value == []


def _differs(ours: object, theirs: object) -> bool:
    if isinstance(ours, str) and isinstance(theirs, str):
        return title_key(ours) != title_key(theirs)
    return str(ours) != str(theirs)


def _free(root: Path, stem: str, suffix: str) -> str:
    """`stem + suffix`, or with -2, -3 … so that no existing file is ever overwritten."""
    candidate, n = stem + suffix, 1
    while (root / candidate).exists():
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    return candidate
