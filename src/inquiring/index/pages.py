"""The derived store of PDF page text, keyed by the file's sha256.

Extracting a paper takes a tenth of a second, but drafting and `doctor` read its pages again
and again, so each PDF's text is kept once per content. It lives in its own database beside
the index: a schema change or a rebuild of the index does not throw the pages away, and a
damaged store is replaced like the index (the PDFs in the vault can always be read again).
"""

from __future__ import annotations

import sqlite3

from ..database import Database
from ..vault import Vault
from . import index_location

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pages (
    sha256 TEXT NOT NULL, page INTEGER NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (sha256, page)
) WITHOUT ROWID;
"""


class PageStore:
    """Page text by PDF content: `get` what was stored, `put` what was just extracted."""

    def __init__(self, vault: Vault) -> None:
        path = index_location(vault)[0].with_name("pages.db")
        self.store = Database(path, SCHEMA, SCHEMA_VERSION)

    def close(self) -> None:
        self.store.close()

    def get(self, sha256: str) -> list[str] | None:
        """The PDF's pages in order, or None if it was never stored."""
        try:
            rows = self.store.db.execute(
                "SELECT text FROM pages WHERE sha256 = ? ORDER BY page", (sha256,)
            ).fetchall()
        except sqlite3.DatabaseError as error:
            if self.store.recover(error):
                return None
            raise
        return [text for (text,) in rows] or None

    def put(self, sha256: str, pages: list[str]) -> None:
        rows = [(sha256, number, text) for number, text in enumerate(pages, 1)]
        with self.store.writing():
            try:
                with self.store.db:
                    self.store.db.execute("DELETE FROM pages WHERE sha256 = ?", (sha256,))
                    self.store.db.executemany("INSERT INTO pages VALUES (?, ?, ?)", rows)
            except sqlite3.DatabaseError as error:
                if not self.store.damaged(error):
                    raise
                self.store.start_anew(damaged=True)
                with self.store.db:
                    self.store.db.executemany("INSERT INTO pages VALUES (?, ?, ?)", rows)
