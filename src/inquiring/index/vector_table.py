"""The index's SQL for note vectors: which notes to embed, their texts' sources and hashes,
and the stored vectors themselves.

`VectorTable` is mixed into `Index`, which owns the connection and the meta table; the
embedding itself (what a note's texts are, the model, the matrix) is `inquiring.vectors`,
which reaches the database only through these methods.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator


class VectorTable:
    """Reads and writes of the `vectors` table, and of the documents it is made from."""

    db: sqlite3.Connection
    meta: Callable[[str], str | None]
    set_meta: Callable[[str, str], None]
    generation: Callable[[], int]
    bump_generation: Callable[[], None]

    def restamp_vectors(self, stamp: str) -> None:
        """Drop every vector if they were made by another model or policy than `stamp`."""
        if self.meta("vectors") != stamp:
            with self.db:
                self.db.execute("DELETE FROM vectors")
                self.set_meta("vectors", stamp)

    def vectors_current(self) -> bool:
        """Whether no document changed since vectors were last brought up to date."""
        return self.meta("vectors_generation") == str(self.generation())

    def mark_vectors_current(self) -> None:
        with self.db:
            self.set_meta("vectors_generation", str(self.generation()))

    def to_embed(self, kinds: tuple[str, ...], only_new: bool) -> list[int]:
        """Ids of the documents of these kinds; with `only_new`, of those without vectors."""
        marks = ",".join("?" * len(kinds))
        where = "AND id NOT IN (SELECT doc FROM vectors WHERE part = 0)" if only_new else ""
        return [
            row[0]
            for row in self.db.execute(
                f"SELECT id FROM documents WHERE kind IN ({marks}) {where} ORDER BY id", kinds
            )
        ]

    def vector_counts(self, kinds: tuple[str, ...]) -> tuple[int, int]:
        """(documents of these kinds with vectors, all documents of these kinds)."""
        marks = ",".join("?" * len(kinds))
        total, missing = self.db.execute(
            "SELECT count(*), coalesce(sum(id NOT IN (SELECT doc FROM vectors WHERE part = 0)), 0) "
            f"FROM documents WHERE kind IN ({marks})",
            kinds,
        ).fetchone()
        return total - missing, total

    def embedding_sources(
        self, ids: list[int], body_chars: int
    ) -> list[tuple[int, str, str, str, str, str, bool]]:
        """(id, kind, title, dek, summary, start of body, whether a dek or summary was
        written) of these documents: what their texts to embed are made of."""
        marks = ",".join("?" * len(ids))
        return self.db.execute(
            "SELECT id, kind, title, dek, summary, substr(body, 1, ?), "
            "json_extract(meta, '$.summary') IS NOT NULL "
            f"OR json_extract(meta, '$.dek') IS NOT NULL FROM documents WHERE id IN ({marks}) "
            "ORDER BY id",
            (body_chars, *ids),
        ).fetchall()

    def vector_hashes(self, ids: list[int]) -> dict[int, str]:
        """The hash of the texts each of these documents' stored vectors were made from."""
        marks = ",".join("?" * len(ids))
        return dict(
            self.db.execute(
                f"SELECT doc, text_hash FROM vectors WHERE part = 0 AND doc IN ({marks})", ids
            )
        )

    def hub_sections(self, ids: list[int]) -> list[tuple[int, str, str]]:
        """(note, hub title, section) for each hub section that lists one of these notes."""
        marks = ",".join("?" * len(ids))
        return self.db.execute(
            "SELECT n.id, h.title, l.section FROM links l JOIN documents h ON h.id = l.doc "
            "JOIN documents n ON n.path = l.resolved WHERE h.kind = 'hub' "
            f"AND l.style IN ('wiki', 'markdown') AND n.id IN ({marks}) ORDER BY n.id, h.path",
            ids,
        ).fetchall()

    def linked_titles(self, ids: list[int]) -> list[tuple[int, str]]:
        """(note, title) of the other notes each of these notes links to, in link order."""
        marks = ",".join("?" * len(ids))
        return self.db.execute(
            "SELECT l.doc, dst.title FROM links l JOIN documents dst ON dst.path = l.resolved "
            f"WHERE l.doc IN ({marks}) AND l.style IN ('wiki', 'markdown') AND dst.kind = 'note' "
            "AND dst.id != l.doc ORDER BY l.doc, l.line",
            ids,
        ).fetchall()

    def categories_and_aliases(self, ids: list[int]) -> list[tuple[int, str, str]]:
        """(id, categories, aliases) of these documents, the lists as stored (JSON)."""
        marks = ",".join("?" * len(ids))
        return self.db.execute(
            f"SELECT id, categories, aliases FROM documents WHERE id IN ({marks})", ids
        ).fetchall()

    def replace_vectors(self, docs: list[int], rows: list[tuple[int, int, bytes, str]]) -> None:
        """Replace these documents' vectors by `rows` (doc, part, vector, text hash) in one
        transaction: a note's vectors change together."""
        with self.db:
            self.db.execute(f"DELETE FROM vectors WHERE doc IN ({','.join('?' * len(docs))})", docs)
            self.db.executemany(
                "INSERT INTO vectors (doc, part, vec, text_hash) VALUES (?, ?, ?, ?)", rows
            )
            self.bump_generation()

    def vector_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM vectors").fetchone()[0]

    def vector_rows(self) -> Iterator[tuple[int, int, bytes, str]]:
        """(doc, part, vector, kind) of every stored vector, document by document."""
        yield from self.db.execute(
            "SELECT v.doc, v.part, v.vec, d.kind FROM vectors v JOIN documents d ON d.id = v.doc "
            "ORDER BY v.doc, v.part"
        )
