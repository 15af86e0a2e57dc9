"""The SQLite index of a vault: documents, links, problems and full-text search.

The index is derived from the files and can be deleted at any time. Updates are incremental:
a file is re-parsed only when its content hash changes, and links are re-resolved against
the whole vault whenever the set of documents changes, so nothing stale survives a rename.
One process changes the index at a time (a lock file beside the database); a database found
damaged is replaced and filled again from the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..database import Database
from ..errors import VaultNotFound
from ..parse import Link, Problem
from ..vault import (
    INDEX_DIR,
    Document,
    Vault,
    VaultFile,
    cache_home,
    content_hash,
    fold,
)
from ..words import fts_query
from .queries import Queries
from .rows import DRAFT, DocRow, LinkRow, has_tag, tag_and_parents
from .vector_table import VectorTable

if TYPE_CHECKING:
    from ..embed import Embedder

SCHEMA_VERSION = 12  # also bumped when parsing changes what is stored, so every file is read again
READ_COMMIT_SECONDS = 0.5  # files read are committed this often, at least

__all__ = [
    "DRAFT",
    "DocRow",
    "Index",
    "LinkRow",
    "Progress",
    "UpdateReport",
    "fold",
    "fts_query",
    "has_tag",
    "index_location",
    "tag_and_parents",
]

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    path TEXT PRIMARY KEY, hash TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL,
    status TEXT NOT NULL  -- document | attachment | skipped
);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, hash TEXT NOT NULL,
    title TEXT NOT NULL, title_source TEXT NOT NULL, dek TEXT NOT NULL, summary TEXT NOT NULL,
    body TEXT NOT NULL, doc_id TEXT NOT NULL, date TEXT NOT NULL, collection TEXT NOT NULL,
    categories TEXT NOT NULL, hubs TEXT NOT NULL, aliases TEXT NOT NULL, tags TEXT NOT NULL,
    sections TEXT NOT NULL, meta TEXT NOT NULL, words INTEGER NOT NULL,
    link_targets INTEGER NOT NULL,  -- different documents its body links to, as written
    status TEXT NOT NULL  -- front matter `status`, folded: 'draft' for a draft note
);
CREATE INDEX documents_kind ON documents (kind);
CREATE INDEX documents_status ON documents (status);  -- drafts are found without a scan
CREATE TABLE links (
    doc INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    line INTEGER NOT NULL, style TEXT NOT NULL, target TEXT NOT NULL, fragment TEXT NOT NULL,
    text TEXT NOT NULL, embed INTEGER NOT NULL, section TEXT NOT NULL,
    resolved TEXT  -- vault-relative path of the target, NULL when unresolved
);
CREATE INDEX links_doc ON links (doc);
CREATE INDEX links_resolved ON links (resolved);
CREATE TABLE problems (  -- a path with no row in `files` is a refused symbolic link
    path TEXT NOT NULL, line INTEGER NOT NULL, severity TEXT NOT NULL, code TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX problems_path ON problems (path);
CREATE TABLE vectors (
    doc INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    part INTEGER NOT NULL,  -- 0: title, dek and summary; 1…: passages of the body
    vec BLOB NOT NULL,  -- float32, unit length
    text_hash TEXT NOT NULL,  -- of everything embedded for the document (on part 0)
    PRIMARY KEY (doc, part)
);
CREATE VIRTUAL TABLE documents_fts USING fts5 (
    title, dek, summary, body, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE documents_vocab USING fts5vocab (documents_fts, row);
"""

Progress = Callable[[int, int], None]


@dataclass
class UpdateReport:
    """What one `update` did."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    embedded: int = 0  # notes embedded for search by meaning
    resumed: int = 0  # … of which an earlier, stopped run had left without vectors
    vectors_left: int = 0  # notes still waiting for vectors (a quick update leaves them)
    leftovers: int = 0  # temporary files of a crashed write, removed
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def index_location(vault: Vault) -> tuple[Path, str | None]:
    """Where the index lives: inside the vault, or in the user cache when the vault is read-only."""
    inside = vault.root / INDEX_DIR
    try:
        inside.mkdir(exist_ok=True)
        if os.access(inside, os.W_OK):
            return inside / "index.db", None
    except OSError:
        pass
    key = hashlib.sha1(str(vault.root).encode()).hexdigest()[:16]
    folder = cache_home() / key
    folder.mkdir(parents=True, exist_ok=True)
    note = f"the vault folder is read-only, so its index is kept in {folder}"
    return folder / "index.db", note


class Index(Queries, VectorTable):
    """A vault's index. Pass it to whatever needs to query the vault."""

    def __init__(
        self,
        vault: Vault,
        path: Path | None = None,
        waiting: Callable[[], None] | None = None,
    ) -> None:
        """`waiting` is called once when another process is updating the index first."""
        if not vault.root.is_dir():
            raise VaultNotFound(
                f"no vault folder at {vault.root}; pass --vault DIR or run 'inquiring init DIR'"
            )
        self.vault = vault
        self.location_note: str | None = None
        if path is None:
            path, self.location_note = index_location(vault)
        self.path = path
        self.store = Database(path, SCHEMA, SCHEMA_VERSION, waiting)
        self._edited: list[int] = []  # documents re-read during the current update
        self._renamed_targets = False  # an edit changed a title, an alias or an id
        self._frequencies: tuple[int, dict[str, int]] | None = None
        self._documents = 0  # how many, when the frequencies were last read
        self._scanned = False

    @property
    def db(self) -> sqlite3.Connection:
        return self.store.db

    @property
    def notices(self) -> list[str]:
        """What the user should hear once, e.g. that a damaged index was rebuilt."""
        return self.store.notices

    def recover(self, error: Exception) -> bool:
        """If `error` came from a damaged database, replace it with an empty one: True if so.

        The next update reads every file again.
        """
        return self.store.recover(error)

    def check(self) -> None:
        """Read the whole database for damage no query has met yet; replace it if damaged."""
        self.store.check()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def snapshot(self) -> Iterator[Index]:
        """Read one state of the index throughout, whatever other connections commit meanwhile.

        Holds a read transaction (WAL readers never block writers); nested uses share it.
        """
        if self.db.in_transaction:
            yield self
            return
        self.db.execute("BEGIN")
        try:
            self.db.execute("SELECT 1 FROM meta LIMIT 1")  # a deferred BEGIN reads from here on
            yield self
        except BaseException:
            self.db.rollback()
            raise
        else:
            self.db.commit()

    # -- updating ---------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """A number that changes whenever documents or vectors change (for caches).

        A long-lived reader (`serve`) asks before each page, so this is where it moves to a
        database another process has replaced (after damage).
        """
        self.store.follow()
        return int(self.meta("generation") or 0)

    def bump_generation(self) -> None:
        self.set_meta("generation", str(self.generation() + 1))

    def update(
        self,
        rebuild: bool = False,
        progress: Progress | None = None,
        embedder: Embedder | None = None,
        embed_progress: Progress | None = None,
        embed_limit: float | None = None,
    ) -> UpdateReport:
        """Bring the index in line with the files; only changed files are parsed again.

        With an embedder, notes without vectors (new or changed ones) are embedded too; with
        `embed_limit` (seconds), only if that is quick (`update_vectors`). Work is committed
        as it goes: an interrupted update keeps what it did, and the next one finishes it.
        The writer lock is held throughout, and what changed is read only once it is held,
        so work another process has just done is not done again. A damaged database is
        replaced and every file read again.
        """
        start = time.perf_counter()
        embed = (embedder, embed_progress, embed_limit)
        with self.store.writing():
            try:
                if rebuild:
                    self._clear()
                report = self._update(progress, *embed)
            except Exception as error:
                if not self.store.damaged(error):
                    raise
                self.store.start_anew(damaged=True)
                report = self._update(progress, *embed)
        report.seconds = time.perf_counter() - start
        return report

    def _update(
        self,
        progress: Progress | None,
        embedder: Embedder | None,
        embed_progress: Progress | None,
        embed_limit: float | None,
    ) -> UpdateReport:
        """Files are committed as they are read (`_read`); links are resolved and the
        generation moved at the end. `unfinished` marks a run stopped before then, so the
        next one resolves every link again."""
        report = UpdateReport()
        self._edited, self._renamed_targets = [], False
        found = self.vault.scan()
        known = {
            path: (digest, size, mtime)
            for path, digest, size, mtime in self.db.execute(
                "SELECT path, hash, size, mtime FROM files WHERE status != 'attachment'"
            )
        }
        on_disk = {f.path for f in found.markdown}
        stale = [p for p in known if p not in on_disk]
        todo = [
            f
            for f in found.markdown
            if known.get(f.path, (None, None, None))[1:] != (f.size, f.mtime)
        ]
        report.unchanged = len(found.markdown) - len(todo)
        unfinished = self.meta("unfinished") is not None
        with self.db:
            if stale or todo:
                self.set_meta("unfinished", "1")
            for path in stale:
                self._remove(path)
            report.removed = len(stale)
            report.problems += self._sync_refused(found.refused)
        self._read(todo, known, report, progress)
        with self.db:
            attachments_changed = self._sync_attachments(found.attachments)
            renamed = report.added or report.removed or self._renamed_targets
            if unfinished or renamed or attachments_changed:
                self._resolve_links()  # what a link can point at has changed
            elif report.changed:
                self._resolve_links(only=self._edited)  # only the edited notes' own links
            if report.touched or attachments_changed or unfinished:
                self.bump_generation()
            self.db.execute("DELETE FROM meta WHERE key = 'unfinished'")
        report.leftovers = _remove_files(found.leftovers)
        if embedder is not None:
            from ..vectors import update_vectors  # numpy: not for a words-only command

            vectors = update_vectors(
                self, embedder, progress=embed_progress, limit=embed_limit, fresh=self._edited
            )
            report.embedded, report.resumed = vectors.embedded, vectors.resumed
            report.vectors_left = vectors.left
        return report

    def _read(
        self,
        todo: list[VaultFile],
        known: dict[str, tuple[str, int, float]],
        report: UpdateReport,
        progress: Progress | None,
    ) -> None:
        """Read these files, committing every READ_COMMIT_SECONDS: what is read is searchable
        by words at once, and kept if the update is interrupted."""
        committed = time.perf_counter()
        try:
            for done, vf in enumerate(todo, start=1):
                self._refresh(vf, known.get(vf.path, (None,))[0], report)
                if time.perf_counter() - committed > READ_COMMIT_SECONDS:
                    self.bump_generation()  # what is read so far is searchable now
                    self.db.commit()
                    committed = time.perf_counter()
                if progress:
                    progress(done, len(todo))
        except BaseException:
            self.db.rollback()
            raise

    def _clear(self) -> None:
        """Empty the index for a rebuild: in place when the file is sound, so that a running
        server keeps reading it; otherwise by starting a new file."""
        if not self.store.intact():
            self.store.start_anew(damaged=True)
            return
        with self.db:
            for table in ("files", "documents", "links", "problems", "documents_fts", "vectors"):
                self.db.execute(f"DELETE FROM {table}")
            self.bump_generation()

    def _sync_refused(self, refused: list[Problem]) -> list[Problem]:
        """Store why each refused symbolic link is skipped; returns the newly refused ones.

        Their problems are the only ones with no row in `files`. Run after stale documents
        are removed (which drops their problems) and before files are read again.
        """
        orphans = "SELECT * FROM problems WHERE path NOT IN (SELECT path FROM files)"
        before = set(self.db.execute(orphans))
        now = {astuple(p) for p in refused}
        if now != before:
            self.db.execute("DELETE FROM problems WHERE path NOT IN (SELECT path FROM files)")
            self.db.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, ?)", sorted(now))
        return [p for p in refused if astuple(p) not in before]

    def _refresh(self, vf: VaultFile, old_hash: str | None, report: UpdateReport) -> None:
        try:
            data = self.vault.read_bytes(vf.path)
        except OSError:
            data = None
        if data is not None and old_hash is not None and content_hash(data) == old_hash:
            self.db.execute(
                "UPDATE files SET size = ?, mtime = ? WHERE path = ?",
                (vf.size, vf.mtime, vf.path),
            )
            report.unchanged += 1
            return
        doc, digest, problems = self.vault.load(vf.path, data)
        if doc is not None:
            from ..vectors import embedding_problems  # numpy: not for a words-only command

            problems = problems + embedding_problems(doc)
        if old_hash is None:
            report.added += 1
        else:
            report.changed += 1
            before = self.db.execute(
                "SELECT title, aliases, doc_id FROM documents WHERE path = ?", (vf.path,)
            ).fetchone()
            after = (doc.title, json.dumps(doc.parsed.meta["aliases"]), doc.doc_id) if doc else None
            # A source's DOI or URL may be what notes cite it by, so any edit to one counts.
            self._renamed_targets |= before != after or (doc is not None and doc.kind == "source")
        self._remove(vf.path)
        status = "document" if doc else "skipped"
        report.skipped += doc is None
        self.db.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?)", (vf.path, digest, vf.size, vf.mtime, status)
        )
        self.db.executemany(
            "INSERT INTO problems VALUES (?, ?, ?, ?, ?)",
            [(p.path, p.line, p.severity, p.code, p.message) for p in problems],
        )
        report.problems.extend(problems)
        if doc is not None:
            self._edited.append(self._insert(doc))

    def _insert(self, doc: Document) -> int:
        p, meta = doc.parsed, doc.parsed.meta
        cur = self.db.execute(
            "INSERT INTO documents (path, kind, hash, title, title_source, dek, summary, body, "
            "doc_id, date, collection, categories, hubs, aliases, tags, sections, meta, words, "
            f"link_targets, status) VALUES ({', '.join('?' * 20)})",
            (
                doc.path,
                doc.kind,
                doc.hash,
                p.title,
                p.title_source,
                p.dek,
                p.summary,
                p.body,
                doc.doc_id,
                str(meta.get("date", meta.get("published", meta.get("created", "")))),
                meta.get("collection", ""),
                json.dumps(meta["categories"]),
                json.dumps(meta["hubs"]),
                json.dumps(meta["aliases"]),
                json.dumps(p.tags),
                json.dumps(p.sections),
                json.dumps(meta, ensure_ascii=False),
                len(p.body.split()),
                doc.link_targets,
                fold(meta.get("status", "")),
            ),
        )
        rowid = cur.lastrowid
        assert rowid is not None
        self.db.execute(
            "INSERT INTO documents_fts (rowid, title, dek, summary, body) VALUES (?, ?, ?, ?, ?)",
            (rowid, " ".join([p.title, *meta["aliases"]]), p.dek, p.summary, p.body),
        )  # a note is found by its aliases as by its title
        self.db.executemany(
            "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                (rowid, r.line, r.style, r.target, r.fragment, r.text, int(r.embed), r.section)
                for r in doc.refs
            ],
        )
        return rowid

    def _remove(self, path: str) -> None:
        row = self.db.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
        if row:
            self.db.execute("DELETE FROM documents_fts WHERE rowid = ?", row)
            self.db.execute("DELETE FROM links WHERE doc = ?", row)
            self.db.execute("DELETE FROM vectors WHERE doc = ?", row)
            self.db.execute("DELETE FROM documents WHERE id = ?", row)
        self.db.execute("DELETE FROM problems WHERE path = ?", (path,))
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))

    def _sync_attachments(self, attachments: list[VaultFile]) -> bool:
        stored = {
            row[0] for row in self.db.execute("SELECT path FROM files WHERE status = 'attachment'")
        }
        current = {a.path: a for a in attachments}
        if stored == set(current):
            return False
        self.db.execute("DELETE FROM files WHERE status = 'attachment'")
        self.db.executemany(
            "INSERT INTO files VALUES (?, '', ?, ?, 'attachment')",
            [(a.path, a.size, a.mtime) for a in current.values()],
        )
        return True

    def _resolve_links(self, only: list[int] | None = None) -> None:
        """Resolve every link again, or only the links written in the documents `only`."""
        resolver = self.resolver()
        changes = []
        sql = (
            "SELECT links.rowid, d.path, links.style, links.target, links.resolved "
            "FROM links JOIN documents d ON d.id = links.doc"
        )
        if only is not None:
            sql += f" WHERE links.doc IN ({','.join('?' * len(only))})"
        rows = self.db.execute(sql, only or ()).fetchall()
        for rowid, src, style, target, old in rows:
            new = resolver.resolve(Link(target, "", "", 0, False, style), src)
            if new != old:
                changes.append((new, rowid))
        self.db.executemany("UPDATE links SET resolved = ? WHERE rowid = ?", changes)


def _remove_files(paths: list[Path]) -> int:
    """Delete these files (leftovers of a crashed write); returns how many went."""
    removed = 0
    for path in paths:
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass  # gone already, or not ours to delete: it is tried again next time
    return removed
