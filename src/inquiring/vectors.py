"""Note vectors: what each note's embedding covers, kept in the index, searched exactly.

A note is embedded as its *head* (title, dek and summary in one passage). Measured on the
demo vault's questions, adding passages of the body lowered dense recall (see
docs/retrieval.md), so the body is left to BM25. Vectors are stored in SQLite with the
documents, so they follow every incremental update, and are searched by exact cosine over
one float32 matrix held in memory; `VectorIndex` is the seam where an approximate index
could go.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .embed import Embedder
from .parse import Problem
from .text import plain_text, split_sentences

if TYPE_CHECKING:
    from .database import Database
    from .vault import Document

EMBEDDED_KINDS = ("note", "line")
DEFAULT_POLICY = "auto"  # head+body for notes without a written summary, else head
CHUNK_WORDS = 90
# Body passages embedded per note, at most: a huge note (a pasted log, a whole book) would
# otherwise take thousands of vectors, slow every update and crowd dense search. Notes of the
# demo and systems vaults have at most 5, so this changes nothing there (docs/retrieval.md).
MAX_PASSAGES = 32
BODY_CHARS = 40 * CHUNK_WORDS * MAX_PASSAGES  # raw text read for them: ample for any markup
CONTEXT_LINKS = 4  # titles of linked notes added to a note's head
BATCH_DOCS = 256  # notes whose texts are made and compared with their stored hash at a time
# Notes are embedded, then committed, in groups of about this many tokens (a second or two on
# two cores), so an interrupted run keeps nearly all it did and progress moves steadily.
EMBED_GROUP_TOKENS = 4096
MAX_TOKENS = 256  # MiniLM reads at most this many tokens of a passage
CHARS_PER_TOKEN = 4  # to estimate tokens without the tokenizer (obsidian-help: 4.4)
TOKENS_PER_SECOND = 2500  # a cautious embedding rate on two cores (docs/benchmarks.md)
# What a search (or another quick command) may spend embedding notes before it answers; with
# more waiting, it answers from what it has and says so.
QUICK_SECONDS = 2.0


class VectorStore(Protocol):
    """What embedding needs of the index: its vector table's named queries
    (`inquiring.index.vector_table`). `Index` is one; naming it here instead would make
    the index and this module import each other, since updating the index embeds notes."""

    store: Database

    def generation(self) -> int: ...
    def restamp_vectors(self, stamp: str) -> None: ...
    def vectors_current(self) -> bool: ...
    def mark_vectors_current(self) -> None: ...
    def to_embed(self, kinds: tuple[str, ...], only_new: bool) -> list[int]: ...
    def vector_counts(self, kinds: tuple[str, ...]) -> tuple[int, int]: ...
    def embedding_sources(
        self, ids: list[int], body_chars: int
    ) -> list[tuple[int, str, str, str, str, str, bool]]: ...
    def vector_hashes(self, ids: list[int]) -> dict[int, str]: ...
    def hub_sections(self, ids: list[int]) -> list[tuple[int, str, str]]: ...
    def linked_titles(self, ids: list[int]) -> list[tuple[int, str]]: ...
    def categories_and_aliases(self, ids: list[int]) -> list[tuple[int, str, str]]: ...
    def replace_vectors(self, docs: list[int], rows: list[tuple[int, int, bytes, str]]) -> None: ...
    def vector_count(self) -> int: ...
    def vector_rows(self) -> Iterator[tuple[int, int, bytes, str]]: ...


def head_text(title: str, dek: str, summary: str) -> str:
    parts = [title, dek, summary if summary != dek else ""]
    return " ".join(p.strip() for p in parts if p and p.strip())


def body_chunks(body: str, words: int = CHUNK_WORDS) -> list[str]:
    """The body as passages of about `words` words, cut at sentence ends."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in split_sentences(plain_text(body)):
        n = len(sentence.split())
        if current and size + n > words:
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += n
    if current:
        chunks.append(" ".join(current))
    return chunks


def passages(
    title: str, dek: str, summary: str, body: str, policy: str, written: bool = True
) -> list[str]:
    """What one note's vectors cover: row 0 is the head, then body passages if asked.

    `written` says whether the dek or summary was written by the note's author; under the
    `auto` policy, notes without one also get their body embedded.
    """
    head = head_text(title, dek, summary) or plain_text(body)[:2000]
    return [head] + (body_chunks(body)[:MAX_PASSAGES] if _with_body(policy, written) else [])


def _with_body(policy: str, written: bool) -> bool:
    return policy == "head+body" or (policy == "auto" and not written)


def embedding_problems(doc: Document, policy: str = DEFAULT_POLICY) -> list[Problem]:
    """A warning when only the start of a long note is embedded (MAX_PASSAGES)."""
    meta = doc.parsed.meta
    written = meta.get("summary") is not None or meta.get("dek") is not None
    if doc.kind != "note" or not _with_body(policy, written):
        return []
    body = doc.parsed.body
    # Two passages in a row hold more than CHUNK_WORDS words, of two characters at least:
    # a body this short cannot make more passages than the cap, and need not be cut up.
    if len(body) < (MAX_PASSAGES - 1) * CHUNK_WORDS:
        return []
    if len(body) <= BODY_CHARS and len(body_chunks(body)) <= MAX_PASSAGES:
        return []
    message = (
        f"is long: only its beginning (at most {MAX_PASSAGES} passages, about "
        f"{MAX_PASSAGES * CHUNK_WORDS:,} words) is used to search it by meaning; search by "
        "words still covers all of it. A written 'summary:' helps it be found"
    )
    return [Problem(doc.path, 1, "warning", "long-note", message)]


def contexts(index: VectorStore, ids: list[int]) -> dict[int, str]:
    """What else a note is called and where it sits in the vault, in words: its aliases,
    the hub sections that list it, its categories and the titles of the notes it links to.

    Measured on the demo vault, adding this to the head raised hybrid recall@10 on the tune
    half from 0.708 to 0.746 (docs/retrieval.md): a note's neighbours say what it is about.
    """
    out: dict[int, list[str]] = {i: [] for i in ids}
    topics: dict[int, list[str]] = {}
    for doc, hub, section in index.hub_sections(ids):
        topics.setdefault(doc, []).append(f"{hub} ({section})" if section else hub)
    related: dict[int, list[str]] = {}
    for doc, title in index.linked_titles(ids):
        if title not in related.setdefault(doc, []) and len(related[doc]) < CONTEXT_LINKS:
            related[doc].append(title)
    for doc, categories, aliases in index.categories_and_aliases(ids):
        if aliases != "[]":
            out[doc].append("Also called: " + "; ".join(json.loads(aliases)) + ".")
        if doc in topics:
            out[doc].append("Topics: " + "; ".join(dict.fromkeys(topics[doc])) + ".")
        if doc in related:
            out[doc].append("Related: " + "; ".join(related[doc]))
        if categories != "[]":
            out[doc].append("Categories: " + ", ".join(json.loads(categories)) + ".")
    return {doc: " ".join(parts) for doc, parts in out.items()}


@dataclass
class Pending:
    """A note whose vectors are missing or out of date, and the texts to embed for it (made
    again just before it is embedded, so that a large vault's texts are never all in
    memory at once)."""

    doc: int
    digest: str  # of all its texts, stored with the head vector
    stored: bool  # it has vectors already, of an older text
    tokens: int  # about how many tokens embedding it takes
    texts: list[str] = field(default_factory=list)


@dataclass
class VectorReport:
    """What one pass of `update_vectors` did, in notes."""

    embedded: int = 0
    resumed: int = 0  # notes found waiting since an earlier run (stopped, or left by a search)
    left: int = 0  # notes still waiting: more work than allowed, or stopped


def pending_vectors(
    index: VectorStore, embedder: Embedder, policy: str = DEFAULT_POLICY
) -> list[Pending]:
    """The notes whose text to embed is new or differs from what their vectors were made of.

    What a note's head says depends on other notes too (its hubs, the titles it links to),
    so after any change to the vault every head is recomputed and compared by hash.
    """
    index.restamp_vectors(f"{embedder.name}/{embedder.dim}/{policy}")
    # Nothing changed since the last pass: only new documents can be missing vectors.
    candidates = index.to_embed(EMBEDDED_KINDS, only_new=index.vectors_current())
    pending: list[Pending] = []
    for start in range(0, len(candidates), BATCH_DOCS):
        for p in _pending(index, candidates[start : start + BATCH_DOCS], policy):
            p.texts = []
            pending.append(p)
    return pending


def update_vectors(
    index: VectorStore,
    embedder: Embedder,
    policy: str = DEFAULT_POLICY,
    progress: Callable[[int, int], None] | None = None,
    limit: float | None = None,
    stop: Callable[[], bool] | None = None,
    fresh: Collection[int] = (),
) -> VectorReport:
    """Embed the notes whose vectors are missing or out of date, a group at a time.

    Each group is committed as soon as it is embedded, so an interrupted run keeps what it
    did and the next one embeds only the rest. With `limit` (seconds), nothing is embedded
    when the work would take longer than that: a quick command stays quick and says what is
    missing instead. `stop` is asked between groups whether to leave the rest for later.
    `fresh` are the documents read by this update; the others found waiting are `resumed`.
    """
    pending = pending_vectors(index, embedder, policy)
    report = VectorReport(left=len(pending))
    fresh = set(fresh)
    report.resumed = sum(not p.stored and p.doc not in fresh for p in pending)
    if limit is not None and sum(p.tokens for p in pending) > limit * TOKENS_PER_SECOND:
        return report
    if progress and pending:
        progress(0, len(pending))
    for group in _groups(pending):
        if stop is not None and stop():
            return report
        made = _pending(index, [p.doc for p in group], policy)  # the same, under the lock
        if made:
            _store(index, made, embedder.embed([t for p in made for t in p.texts]))
        report.embedded += len(made)
        report.left -= len(group)
        if progress:
            progress(len(pending) - report.left, len(pending))
    index.mark_vectors_current()
    return report


def fill_vectors(
    index: VectorStore, embedder: Embedder, stop: Callable[[], bool] | None = None
) -> VectorReport:
    """`update_vectors` under the index's writer lock, without reading the files: a server
    fills in missing vectors a slice at a time (`stop`), letting other writers in between."""
    with index.store.writing():
        return update_vectors(index, embedder, stop=stop)


def vector_counts(index: VectorStore) -> tuple[int, int]:
    """(notes with vectors, notes that should have them): what search by meaning covers."""
    return index.vector_counts(EMBEDDED_KINDS)


def _pending(index: VectorStore, ids: list[int], policy: str) -> list[Pending]:
    """Of these documents, those whose texts to embed differ from their stored vectors'."""
    body_chars = 4000 if policy == "head" else BODY_CHARS  # a head needs only the start
    batch = index.embedding_sources(ids, body_chars)
    stored = index.vector_hashes(ids)
    context = contexts(index, ids)
    out = []
    for doc_id, kind, title, dek, summary, body, written in batch:
        # A line is found again by its question alone (near-duplicate questions).
        if kind == "line":
            parts = [title]
        else:
            parts = passages(title, dek, summary, body, policy, written)
            parts[0] = f"{parts[0]} {context.get(doc_id, '')}".strip()
        digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=12).hexdigest()
        if stored.get(doc_id) != digest:
            tokens = sum(min(MAX_TOKENS, len(t) // CHARS_PER_TOKEN + 2) for t in parts)
            out.append(Pending(doc_id, digest, doc_id in stored, tokens, parts))
    return out


def _groups(pending: list[Pending]) -> Iterator[list[Pending]]:
    """The notes in groups of about EMBED_GROUP_TOKENS: each is embedded, then committed."""
    group: list[Pending] = []
    size = 0
    for p in pending:
        group.append(p)
        size += p.tokens
        if size >= EMBED_GROUP_TOKENS:
            yield group
            group, size = [], 0
    if group:
        yield group


def _store(index: VectorStore, group: list[Pending], vectors: np.ndarray) -> None:
    """Replace the group's vectors in one transaction (a note's vectors change together)."""
    rows = []
    vecs = iter(vectors)
    for p in group:
        rows += [
            (p.doc, part, next(vecs).tobytes(), p.digest if part == 0 else "")
            for part in range(len(p.texts))
        ]
    index.replace_vectors([p.doc for p in group], rows)


class VectorIndex:
    """Exact cosine search over all note vectors (unit length, so a dot product)."""

    def __init__(self, index: VectorStore, dim: int) -> None:
        count = index.vector_count()
        # Filled row by row from the cursor: no second copy of every vector in memory.
        self.matrix = np.empty((count, dim), dtype=np.float32)
        doc_ids, parts, kinds = [], [], []
        for i, (doc, part, vec, kind) in enumerate(index.vector_rows()):
            self.matrix[i] = np.frombuffer(vec, dtype=np.float32)
            doc_ids.append(doc)
            parts.append(part)
            kinds.append(kind)
        self.matrix = self.matrix[: len(doc_ids)]
        self.doc_ids = np.array(doc_ids, dtype=np.int64)
        self.parts = np.array(parts, dtype=np.int32)
        self.kinds = np.array(kinds)
        self.head_rows = {
            doc: row
            for row, (doc, part) in enumerate(zip(doc_ids, parts, strict=True))
            if part == 0
        }
        self.rows_of: dict[int, list[int]] = {}
        for row, doc in enumerate(self.doc_ids.tolist()):
            self.rows_of.setdefault(doc, []).append(row)
        self._masks: dict[tuple[str, ...], np.ndarray] = {}
        self._others: dict[tuple[str, ...], np.ndarray] = {}
        self.covered, self.total = vector_counts(index)  # notes embedded, of all to embed
        self._heads: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.most_parts = int(self.parts.max()) + 1 if len(self.parts) else 1
        self.generation = index.generation()

    def __len__(self) -> int:
        return len(self.head_rows)

    def _mask(self, kinds: tuple[str, ...]) -> np.ndarray:
        if kinds not in self._masks:
            self._masks[kinds] = np.isin(self.kinds, kinds)
        return self._masks[kinds]

    def _other_rows(self, kinds: tuple[str, ...]) -> np.ndarray:
        """Rows of documents not of these kinds (usually none, or a few lines)."""
        if kinds not in self._others:
            self._others[kinds] = np.flatnonzero(~self._mask(kinds))
        return self._others[kinds]

    def search(
        self, query: np.ndarray, k: int, kinds: tuple[str, ...] = ("note",)
    ) -> list[tuple[int, float]]:
        """The `k` best documents of these kinds for a unit query vector.

        A document with several passages is scored by its best one. One matrix product,
        then work on the few best rows only: nothing else is proportional to the vault.
        """
        if not len(self.doc_ids) or k <= 0:
            return []
        sims = self.matrix @ query.astype(np.float32, copy=False)
        sims[self._other_rows(kinds)] = -np.inf
        # Enough rows to hold k distinct documents even if each has several passages.
        take = min(len(sims), k * self.most_parts)
        top = np.argpartition(-sims, take - 1)[:take]
        order = top[np.argsort(-sims[top])]
        best: dict[int, float] = {}
        for doc, sim in zip(self.doc_ids[order].tolist(), sims[order].tolist(), strict=True):
            if sim == -np.inf:
                break
            if doc not in best:
                best[doc] = sim
                if len(best) == k:
                    break
        return list(best.items())

    def head_vectors(self, doc_ids: Sequence[int]) -> np.ndarray:
        return self.matrix[[self.head_rows[d] for d in doc_ids]]

    def similarity(self, query: np.ndarray, doc_ids: Sequence[int]) -> dict[int, float]:
        """Cosine of the query with each given document's best passage."""
        rows = [(d, r) for d in doc_ids for r in self.rows_of.get(d, ())]
        if not rows:
            return {}
        sims = self.matrix[[r for _, r in rows]] @ query.astype(np.float32)
        out: dict[int, float] = {}
        for (doc, _), sim in zip(rows, sims, strict=True):
            out[doc] = max(out.get(doc, -1.0), float(sim))
        return out

    def neighbours(
        self, doc_ids: Sequence[int], k: int, kinds: tuple[str, ...] = ("note",)
    ) -> dict[int, list[tuple[int, float]]]:
        """The `k` documents nearest to each given one, head to head, itself left out.

        Computed in blocks, so a site build over every note costs a few matrix products.
        """
        known = [d for d in doc_ids if d in self.head_rows]
        out: dict[int, list[tuple[int, float]]] = {d: [] for d in doc_ids}
        if kinds not in self._heads:
            rows = np.flatnonzero((self.parts == 0) & self._mask(kinds))
            self._heads[kinds] = (self.matrix[rows], self.doc_ids[rows])
        candidates, candidate_docs = self._heads[kinds]
        if not len(candidate_docs) or k <= 0:
            return out
        take = min(k + 1, len(candidate_docs))
        for start in range(0, len(known), 256):
            block = known[start : start + 256]
            sims = self.head_vectors(block) @ candidates.T
            top = np.argpartition(-sims, take - 1, axis=1)[:, :take]
            for row, doc in enumerate(block):
                order = top[row][np.argsort(-sims[row, top[row]])]
                near = [(int(candidate_docs[i]), float(sims[row, i])) for i in order]
                out[doc] = [(d, s) for d, s in near if d != doc][:k]
        return out
