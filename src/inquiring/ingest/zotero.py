"""A Zotero library read straight from its database, `zotero.sqlite`, read-only.

Zotero holds the database with an exclusive lock while it runs, so it is copied first (with
its write-ahead log, if any) and the copy is read: Zotero's own file is never opened. Items
in the trash, notes and attachments themselves are skipped; an item's stored PDF is found
under `storage/<attachment key>/`. The citekey is Zotero 7's `citationKey` field, else Better
BibTeX's own database beside it, else a "Citation Key:" line in Extra.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from pathlib import Path

from ..parse import Problem
from .paper import Paper, arxiv_in, clean_doi

SKIPPED_TYPES = ("note", "attachment", "annotation")
VENUE_FIELDS = ("publicationTitle", "proceedingsTitle", "conferenceName", "bookTitle",
                "websiteTitle", "repository", "publisher")  # fmt: skip


def read_zotero(path: Path) -> tuple[list[Paper], list[Problem]]:
    """Every regular item of the library at `path` (zotero.sqlite, or the folder holding it)."""
    database = path / "zotero.sqlite" if path.is_dir() else path
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "zotero.sqlite"
        for suffix in ("", "-wal"):
            if Path(f"{database}{suffix}").is_file():
                shutil.copyfile(f"{database}{suffix}", f"{copy}{suffix}")
        try:
            db = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            try:
                papers = _papers(db, database.parent, _citekeys(database.parent))
            finally:
                db.close()
        except sqlite3.DatabaseError as error:
            why = f"is not a Zotero database Zotero's tables could be read from ({error})"
            return [], [Problem(str(database), 0, "error", "zotero", why)]
    return papers, []


def _papers(db: sqlite3.Connection, home: Path, citekeys: dict[str, str]) -> list[Paper]:
    items = db.execute(
        "SELECT i.itemID, i.key FROM items i JOIN itemTypes t USING (itemTypeID) "
        f"WHERE t.typeName NOT IN ({','.join('?' * len(SKIPPED_TYPES))}) "
        "AND i.itemID NOT IN (SELECT itemID FROM deletedItems) ORDER BY i.itemID",
        SKIPPED_TYPES,
    ).fetchall()
    fields: dict[int, dict[str, str]] = defaultdict(dict)
    for item, name, value in db.execute(
        "SELECT d.itemID, f.fieldName, v.value FROM itemData d "
        "JOIN fields f USING (fieldID) JOIN itemDataValues v USING (valueID)"
    ):
        fields[item][name] = str(value)
    creators: dict[int, list[str]] = defaultdict(list)
    for item, first, last in db.execute(
        "SELECT ic.itemID, c.firstName, c.lastName FROM itemCreators ic "
        "JOIN creators c USING (creatorID) ORDER BY ic.itemID, ic.orderIndex"
    ):
        creators[item].append(" ".join(p for p in (first, last) if p))
    pdfs = _stored_pdfs(db, home)
    return [
        _paper(key, fields[item], creators[item], pdfs.get(item), citekeys.get(key, ""))
        for item, key in items
    ]


def _paper(key: str, f: dict[str, str], authors: list[str], pdf: Path | None, cite: str) -> Paper:
    extra = f.get("extra", "")
    found = re.search(r"^\s*Citation Key:\s*(\S+)", extra, re.MULTILINE | re.IGNORECASE)
    citekey = f.get("citationKey") or cite or (found.group(1) if found else "")
    fields = ("archiveID", "url", "number", "DOI")
    arxiv = arxiv_in(extra, *(f.get(name, "") for name in fields))
    doi = clean_doi(f.get("DOI", ""))
    date = re.match(r"(\d{4})-(\d{2})-(\d{2})", f.get("date", ""))
    published = "-".join(p for p in date.groups() if p != "00") if date else ""
    return Paper(
        origin=f"zotero.sqlite: item {key}",
        key=citekey,
        arxiv=arxiv,
        doi=doi,
        title=f.get("title", ""),
        authors=authors,
        published=published,
        venue=next((f[v] for v in VENUE_FIELDS if f.get(v)), ""),
        url=f.get("url", ""),
        abstract=f.get("abstractNote", ""),
        file_hint=str(pdf or ""),  # read and matched with the other PDFs, like a .bib's
    )


def _stored_pdfs(db: sqlite3.Connection, home: Path) -> dict[int, Path]:
    """Parent item → its first PDF that is on disk: stored ('storage:x.pdf') or linked."""
    found: dict[int, Path] = {}
    for parent, key, path in db.execute(
        "SELECT a.parentItemID, i.key, a.path FROM itemAttachments a JOIN items i USING (itemID) "
        "WHERE a.contentType = 'application/pdf' AND a.parentItemID IS NOT NULL "
        "ORDER BY a.itemID"
    ):
        if not path or parent in found:
            continue
        if path.startswith("storage:"):
            file = home / "storage" / key / path.removeprefix("storage:")
        else:
            file = Path(path)
        if file.is_file():
            found[parent] = file
    return found


def _citekeys(home: Path) -> dict[str, str]:
    """Better BibTeX's citekeys by item key, from its own database beside Zotero's."""
    bbt = home / "better-bibtex.sqlite"
    if not bbt.is_file():
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / bbt.name
        shutil.copyfile(bbt, copy)
        try:
            db = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            try:
                rows = db.execute("SELECT itemKey, citationKey FROM citationkey").fetchall()
            finally:
                db.close()
        except sqlite3.DatabaseError:
            return {}
    return {key: cite for key, cite in rows if cite}
