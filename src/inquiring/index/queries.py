"""The index's read queries: documents, links, problems and full-text search.

`Queries` is mixed into `Index`, which owns the connection (`db`), resolves links
(`resolver`) and counts changes (`generation`); kept apart from the updating code so each
module stays one job and a readable size.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator

from ..errors import InquiringError, NotFound
from ..parse import Link, Problem
from ..source_ids import normalise_source_id, other_ids
from ..vault import BODY_LINK_STYLES, LINKS_AT_FULL_WEIGHT, Resolver, Target, fold
from ..words import fts_query, other_spellings, vocabulary_key
from .rows import DOC_COLUMNS, DRAFT, DocRow, LinkRow, doc_row, has_tag

BM25_WEIGHTS = (10.0, 4.0, 4.0, 1.0)  # title, dek, summary, body
MATCH_BUDGET = 10_000  # documents matched per query, at most, once there is a choice
SCAN_VOCABULARY_FROM = 20_000  # documents; below this, words are looked up one by one


class Queries:
    """Read-only questions to the index, answered in `DocRow`s, `LinkRow`s and counts."""

    db: sqlite3.Connection
    _frequencies: tuple[int, dict[str, int]] | None
    _documents: int
    _scanned: bool

    generation: Callable[[], int]

    def resolver(self) -> Resolver:
        targets = [
            Target(
                path,
                title,
                tuple(json.loads(aliases)),
                doc_id,
                tuple(other_ids(json.loads(meta))) if meta else (),
            )
            for path, title, aliases, doc_id, meta in self.db.execute(
                "SELECT path, title, aliases, doc_id, "
                "CASE WHEN kind = 'source' THEN meta END FROM documents"
            )
        ]
        targets += [
            Target(row[0])
            for row in self.db.execute("SELECT path FROM files WHERE status = 'attachment'")
        ]
        return Resolver(targets)

    def documents(self, kind: str | None = None, status: str | None = None) -> list[DocRow]:
        """Every document, or those of one kind and one `status` (folded, e.g. 'draft')."""
        where = [(column, value) for column, value in (("kind", kind), ("status", status)) if value]
        sql = f"SELECT {DOC_COLUMNS} FROM documents"
        if where:
            sql += " WHERE " + " AND ".join(f"{column} = ?" for column, _ in where)
        rows = self.db.execute(sql + " ORDER BY path", [value for _, value in where])
        return [doc_row(r) for r in rows]

    def document(self, path: str) -> DocRow | None:
        row = self.db.execute(
            f"SELECT {DOC_COLUMNS} FROM documents WHERE path = ?", (path,)
        ).fetchone()
        return doc_row(row) if row else None

    def front_matter(self, path: str) -> dict:
        """The document's front matter as written (authors, support, corpus, …)."""
        row = self.db.execute("SELECT meta FROM documents WHERE path = ?", (path,)).fetchone()
        return json.loads(row[0]) if row else {}

    def hashes(self, paths: list[str]) -> dict[str, str]:
        """The content hash of each document at `paths` that is indexed."""
        marks = ",".join("?" * len(paths))
        rows = self.db.execute(f"SELECT path, hash FROM documents WHERE path IN ({marks})", paths)
        return dict(rows)

    def body(self, path: str) -> str:
        row = self.db.execute("SELECT body FROM documents WHERE path = ?", (path,)).fetchone()
        return row[0] if row else ""

    def sections(self, path: str) -> list[str]:
        """The note's '## ' section headings, in order."""
        row = self.db.execute("SELECT sections FROM documents WHERE path = ?", (path,)).fetchone()
        return [heading for heading, _line in json.loads(row[0])] if row else []

    def links_from(self, path: str, styles: tuple[str, ...] = BODY_LINK_STYLES) -> list[LinkRow]:
        return self._link_rows("src.path = ?", path, styles)

    def links_to(self, path: str, styles: tuple[str, ...] = BODY_LINK_STYLES) -> list[LinkRow]:
        """Links from other documents that resolve to `path` (backlinks)."""
        return self._link_rows("l.resolved = ? AND src.path != l.resolved", path, styles)

    def _link_rows(self, where: str, path: str, styles: tuple[str, ...]) -> list[LinkRow]:
        marks = ",".join("?" * len(styles))
        rows = self.db.execute(
            "SELECT src.path, l.line, l.style, l.target, l.text, l.embed, l.resolved, "
            "coalesce(dst.title, ''), l.section FROM links l JOIN documents src ON src.id = l.doc "
            f"LEFT JOIN documents dst ON dst.path = l.resolved WHERE {where} "
            f"AND l.style IN ({marks}) ORDER BY src.path, l.line",
            (path, *styles),
        )
        return [
            LinkRow(p, ln, st, t, tx, bool(e), r, ti, se) for p, ln, st, t, tx, e, r, ti, se in rows
        ]

    def lines_using(self, path: str) -> list[DocRow]:
        """The inquiring lines that link to (cite) the document at `path`."""
        rows = self.db.execute(
            f"SELECT {DOC_COLUMNS} FROM documents WHERE kind = 'line' AND id IN ("
            "  SELECT l.doc FROM links l WHERE l.resolved = ? AND l.style IN ('wiki', 'markdown')"
            ") ORDER BY path",
            (path,),
        )
        return [doc_row(r) for r in rows]

    def unresolved_links(self) -> list[LinkRow]:
        rows = self.db.execute(
            "SELECT src.path, l.line, l.style, l.target, l.text, l.embed FROM links l "
            "JOIN documents src ON src.id = l.doc WHERE l.resolved IS NULL "
            "ORDER BY src.path, l.line"
        )
        return [LinkRow(p, ln, st, t, tx, bool(e), None, "") for p, ln, st, t, tx, e in rows]

    def hub_members(self, hub_path: str) -> list[DocRow]:
        """Documents listed in the hub's sections or naming the hub in their front matter."""
        rows = self.db.execute(
            f"SELECT {DOC_COLUMNS} FROM documents WHERE path IN ("
            "  SELECT l.resolved FROM links l JOIN documents h ON h.id = l.doc"
            "  WHERE h.path = ? AND l.section != '' AND l.style IN ('wiki', 'markdown')"
            "  UNION SELECT src.path FROM links l JOIN documents src ON src.id = l.doc"
            "  WHERE l.style = 'hub' AND l.resolved = ?"
            ") AND path != ? ORDER BY path",
            (hub_path, hub_path, hub_path),
        )
        return [doc_row(r) for r in rows]

    def naming_rows(self) -> list[tuple[str, str, str, str, str]]:
        """(path, kind, title, title source, id) of every document: what names it."""
        return self.db.execute(
            "SELECT path, kind, title, title_source, doc_id FROM documents ORDER BY path"
        ).fetchall()

    def self_links(self) -> list[tuple[str, int, str]]:
        """(path, line, target) of body links that point back at their own note."""
        return self.db.execute(
            "SELECT d.path, l.line, l.target FROM links l JOIN documents d ON d.id = l.doc "
            "WHERE l.resolved = d.path AND l.target != '' AND l.fragment = '' "
            "AND l.style IN ('wiki', 'markdown')"
        ).fetchall()

    def title_sources(self) -> list[tuple[str, str, str]]:
        """(path, kind, where the title came from) of every document not reported empty."""
        return self.db.execute(
            "SELECT path, kind, title_source FROM documents WHERE path NOT IN "
            "(SELECT path FROM problems WHERE code = 'empty-note') ORDER BY path"
        ).fetchall()

    def hub_links(self) -> list[tuple[str, str | None, int, str, str]]:
        """(hub, target, line, section, style) of the links written in hubs, hub by hub."""
        return self.db.execute(
            "SELECT d.path, l.resolved, l.line, l.section, l.style FROM links l "
            "JOIN documents d ON d.id = l.doc WHERE d.kind = 'hub' "
            "AND l.style IN ('wiki', 'markdown', 'hub') ORDER BY d.path, l.line"
        ).fetchall()

    def resolved_body_links(self) -> list[tuple[str, str]]:
        """(from, to) paths of every body link that resolves: the vault's link graph."""
        return self.db.execute(
            "SELECT src.path, l.resolved FROM links l JOIN documents src ON src.id = l.doc "
            "WHERE l.resolved IS NOT NULL AND l.style IN ('wiki', 'markdown')"
        ).fetchall()

    def linked_attachments(self, unless: tuple[str, ...] = ()) -> set[str]:
        """The attachments some document links to (the rest of the folder stays private),
        except those linked only in the `unless` styles."""
        marks = ",".join("?" * len(unless))
        return {
            path
            for (path,) in self.db.execute(
                "SELECT path FROM files WHERE status = 'attachment' AND path IN "
                f"(SELECT resolved FROM links WHERE style NOT IN ({marks}))",
                unless,
            )
        }

    def find(self, ref: str) -> DocRow:
        """A document by path, file name, title, alias or source id, case-insensitively."""
        resolver = self.resolver()
        path = resolver.by_source_id.get(normalise_source_id(ref))
        path = path or resolver.resolve(Link(ref.strip(), "", "", 0, False, "wiki"), "")
        row = self.document(path) if path else None
        if row is None:
            raise NotFound(f"no note matches '{ref}'; try: inquiring search \"{ref}\"")
        return row

    def select(
        self,
        kind: str | None = "note",
        hub: str | None = None,
        category: str | None = None,
        collection: str | None = None,
        tag: str | None = None,
        drafts: bool = False,
    ) -> list[DocRow]:
        """Documents of one kind, narrowed to a hub, a category, a collection or a tag, and
        with `drafts` to the draft notes (`status: draft`)."""
        rows = self.documents(kind, DRAFT if drafts else None)
        if hub:
            hub_row = self.find(hub)
            if hub_row.kind != "hub":
                raise InquiringError(f"'{hub}' is {hub_row.path}, which is not a hub")
            members = {r.path for r in self.hub_members(hub_row.path)}
            rows = [r for r in rows if r.path in members]
        if category:
            rows = [r for r in rows if fold(category) in {fold(c) for c in r.categories}]
        if collection:
            rows = [r for r in rows if fold(r.collection) == fold(collection)]
        if tag:
            rows = [r for r in rows if has_tag(r.tags, tag)]
        return rows

    def problems(self) -> list[Problem]:
        rows = self.db.execute(
            "SELECT path, line, severity, code, message FROM problems ORDER BY path, line"
        )
        return [Problem(*r) for r in rows]

    def search(
        self, query: str, limit: int = 10, kinds: tuple[str, ...] | None = None
    ) -> list[tuple[DocRow, float]]:
        """Full-text search ranked by BM25 (title above dek and summary above body)."""
        ranked = self.ranked_ids(query, limit, kinds)
        docs = {d.id: d for d in self.documents_by_id([i for i, _ in ranked])}
        return [(docs[i], score) for i, score in ranked]

    def ranked_ids(
        self, query: str, limit: int = 10, kinds: tuple[str, ...] | None = None
    ) -> list[tuple[int, float]]:
        """(document id, BM25 score) of the best matches, best first."""
        match = fts_query(query, self._match_words)
        if not match:
            return []
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        # Rank inside FTS first and look documents up after: joining before the ranking
        # would cost a lookup for every match, not only for the few that are kept.
        ranked = self.db.execute(
            f"SELECT rowid, bm25(documents_fts, {weights}) AS score FROM documents_fts "
            "WHERE documents_fts MATCH ? ORDER BY score LIMIT ?",
            (match, limit if not kinds else limit * 3 + 20),
        ).fetchall()
        if kinds:
            ids = [r[0] for r in ranked]
            keep = {
                row[0]
                for row in self.db.execute(
                    f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(ids))}) "
                    f"AND kind IN ({','.join('?' * len(kinds))})",
                    (*ids, *kinds),
                )
            }
            ranked = [r for r in ranked if r[0] in keep]
        return [(i, -score) for i, score in ranked[:limit]]

    def _match_words(self, words: list[str]) -> list[str]:
        """The query words worth matching: the rarest first, within a budget of postings.

        Words found in more than half of all documents are dropped, since BM25 gives them no
        weight (their IDF is below zero and FTS5 clamps it). On a large vault, common words
        are dropped until the rest match at most `MATCH_BUDGET` documents: ranking by the
        rare words is nearly the same, and scoring every document is not needed. At least
        one word is always kept.
        """
        words = self.vault_spellings(words)
        frequency = self.frequencies(words)
        total = self.document_count()
        kept: list[str] = []
        spent = 0
        for word in sorted(words, key=lambda w: frequency[w]):
            common = frequency[word] > total / 2 or spent + frequency[word] > MATCH_BUDGET
            if kept and common and total >= 100:
                continue
            kept.append(word)
            spent += frequency[word]
        return [w for w in words if w in kept]

    def document_count(self) -> int:
        """How many documents the index holds (counted once per change of the index)."""
        self.frequencies([])
        return self._documents

    def vault_spellings(self, words: list[str]) -> list[str]:
        """The words, each one the vault never uses replaced by its other English spelling
        when the vault uses that one ("licence" in a vault that writes "license")."""
        frequency = self.frequencies(words)
        out = []
        for word in words:
            if not frequency[word]:
                counts = self.frequencies(other_spellings(word))
                word = max(counts, key=counts.__getitem__) if any(counts.values()) else word
            out.append(word)
        return out

    def frequencies(self, words: list[str]) -> dict[str, int]:
        """How many documents use each word (matched as the full-text index stores it).

        A small vault looks each word up; a large one reads the whole vocabulary once per
        change of the index, since single lookups there cost milliseconds each.
        """
        generation = self.generation()
        if self._frequencies is None or self._frequencies[0] != generation:
            total = self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
            self._documents = total  # first: whoever finds this generation finds its count
            self._frequencies = (generation, {})
            if total >= SCAN_VOCABULARY_FROM:
                rows = self.db.execute("SELECT term, doc FROM documents_vocab")
                self._frequencies = (generation, dict(rows))
                self._scanned = True
            else:
                self._scanned = False
        known = self._frequencies[1]
        out = {}
        for word in words:
            key = vocabulary_key(word)
            if key not in known and not self._scanned:
                row = self.db.execute(
                    "SELECT doc FROM documents_vocab WHERE term = ?", (key,)
                ).fetchone()
                known[key] = row[0] if row else 0
            out[word] = known.get(key, 0)
        return out

    def words_in(self, words: list[str], ids: list[int]) -> dict[str, set[int]]:
        """Which of the documents use each word (matched as the full-text index stores it)."""
        marks = ",".join("?" * len(ids))
        return {
            word: {
                row[0]
                for row in self.db.execute(
                    f"SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? "
                    f"AND rowid IN ({marks})",
                    (f'"{word}"', *ids),
                )
            }
            for word in words
        }

    def documents_by_id(self, ids: list[int]) -> list[DocRow]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"SELECT {DOC_COLUMNS} FROM documents WHERE id IN ({marks})", ids)
        return [doc_row(r) for r in rows]

    def link_pairs(self, ids: list[int]) -> dict[tuple[int, int], float]:
        """(from, to) document ids of the body links among the given documents, each with the
        weight of a link: 1, or less from a note that links to more than LINKS_AT_FULL_WEIGHT
        documents, whose links together weigh as much as that many."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        # `+dst.id`: a target found by its path, then kept or not (as an index term, the ids were
        # probed once per link: 30 ms at 100,000 notes); a source's row read only for a match.
        rows = self.db.execute(
            "SELECT l.doc, dst.id, (SELECT link_targets FROM documents WHERE id = l.doc) "
            "FROM links l JOIN documents dst ON dst.path = l.resolved "
            f"WHERE l.doc IN ({marks}) AND +dst.id IN ({marks}) "
            "AND l.style IN ('wiki', 'markdown')",
            (*ids, *ids),
        )
        return {(a, b): min(1.0, LINKS_AT_FULL_WEIGHT / max(n, 1)) for a, b, n in rows if a != b}

    def stats(self) -> dict[str, int]:
        counts = dict(self.db.execute("SELECT kind, count(*) FROM documents GROUP BY kind"))
        marks = ",".join("?" * len(BODY_LINK_STYLES))
        links, unresolved = self.db.execute(
            f"SELECT count(*), count(*) - count(resolved) FROM links WHERE style IN ({marks})",
            BODY_LINK_STYLES,
        ).fetchone()
        one = self.db.execute
        return {
            "notes": counts.get("note", 0),
            "sources": counts.get("source", 0),
            "hubs": counts.get("hub", 0),
            "lines": counts.get("line", 0),
            "links": links,
            "unresolved_links": unresolved,
            "attachments": one("SELECT count(*) FROM files WHERE status = 'attachment'").fetchone()[
                0
            ],
            "skipped_files": one("SELECT count(*) FROM files WHERE status = 'skipped'").fetchone()[
                0
            ],
            "words": one("SELECT coalesce(sum(words), 0) FROM documents").fetchone()[0],
        }

    def dump(self) -> Iterator[tuple]:
        """Every row keyed by path rather than row id, to compare two indexes of one vault."""
        yield from self.db.execute(
            "SELECT path, kind, hash, title, title_source, dek, summary, body, doc_id, date, "
            "collection, categories, hubs, aliases, tags, sections, meta, words, status "
            "FROM documents ORDER BY path"
        )
        yield from self.db.execute(
            "SELECT d.path, l.line, l.style, l.target, l.fragment, l.text, l.embed, l.section, "
            "l.resolved FROM links l JOIN documents d ON d.id = l.doc ORDER BY 1, 2, 3, 4, 5, 6"
        )
        yield from self.db.execute("SELECT * FROM problems ORDER BY 1, 2, 3, 4, 5")
        yield from self.db.execute("SELECT path, hash, size, status FROM files ORDER BY path")
        yield from self.db.execute(
            "SELECT d.path, f.title, f.dek, f.summary, f.body FROM documents_fts f "
            "JOIN documents d ON d.id = f.rowid ORDER BY d.path"
        )
