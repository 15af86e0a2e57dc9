"""Hybrid retrieval: BM25 and dense ranks fused, named notes lifted, a link boost, coverage.

For a question, rank the notes a careful reader would pull out of the vault, including
notes worded differently from the question, and say how well the vault covers it
(`strong`, `partial`, `thin` or `none`) so that an answer can admit when the corpus is thin.
The ranking's parameters and the coverage label's weights and thresholds were chosen on the
tune halves of the demo vault, the systems vault and four public vaults written by other
people (docs/retrieval.md).
"""

from __future__ import annotations

import math
from collections.abc import Container
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .embed import Embedder
from .index import DocRow, Index
from .vectors import VectorIndex
from .words import content_words, vocabulary_key

METHODS = ("hybrid", "bm25", "dense")
COVERAGE_TEXT = {
    "strong": "The notes found bear directly on this.",
    "partial": "Notes bear on this, but none answers it squarely.",
    "thin": "The vault only touches on this; read the results with care.",
    "none": "The vault has nothing on this; these are merely the nearest notes.",
}
MAX_QUERY_CHARS = 4000


@dataclass(frozen=True)
class SearchParams:
    candidates: int = 50  # nearest notes by meaning taken into fusion
    lexical_candidates: int = 20  # best BM25 matches taken into fusion (deeper ones share a word)
    rrf_k: float = 5.0
    weight_lexical: float = 1.0
    weight_semantic: float = 2.5
    title_boost: float = 1.0  # a title (or alias, or file name) the question names, in RRF units
    graph_boost: float = 0.3  # per link to one of the top `graph_top` notes, in RRF units
    graph_top: int = 10
    mmr_lambda: float = 1.0  # 1.0 ranks by relevance alone (MMR lowered recall on every vault)
    # Coverage: evidence = best cosine - unknown_weight * unknown - uncovered_weight *
    # uncovered (see `Coverage`), fitted on the tune halves of every evaluation vault by
    # bench/fit_coverage.py (docs/retrieval.md).
    unknown_weight: float = 0.961
    uncovered_weight: float = 1.027
    covered_by: int = 3  # the top notes whose words count as covering the question
    none_below: float = -0.3941  # evidence below this: the vault has nothing (no essay)
    thin_below: float = 0.0300
    strong_from: float = 0.1291


@dataclass(frozen=True)
class Hit:
    """One note in the answer set, with the evidence for why it is there."""

    doc: DocRow
    score: float
    lexical_rank: int | None  # rank among BM25 matches, 1-based
    semantic_rank: int | None  # rank among the nearest notes by embedding, 1-based
    semantic: float | None  # cosine of the question with the note
    linked: tuple[str, ...] = ()  # top results this note links to or from

    @property
    def why(self) -> list[str]:
        """Which signals put the note here: words, meaning, links from other top notes."""
        reasons = []
        if self.lexical_rank is not None:
            reasons.append("lexical")
        if self.semantic_rank is not None:
            reasons.append("semantic")
        if self.linked:
            reasons.append("linked")
        return reasons


@dataclass(frozen=True)
class Coverage:
    """How well the vault covers a question, and the three signals the label comes from.

    `best` is the highest cosine of the question with any note; `unknown` the share of the
    question's content words that no note uses (a question on orchids in an economics
    vault); `uncovered` the share, weighted by rarity, of its words that none of the top
    notes uses (the vault knows the words, but not together in the notes found).
    """

    label: str = "none"
    best: float = 0.0
    unknown: float = 0.0
    uncovered: float = 0.0
    evidence: float = 0.0


@dataclass
class SearchResult:
    query: str
    method: str
    hits: list[Hit]
    coverage: str
    message: str = ""
    signals: Coverage = Coverage()
    vectors_missing: int = 0  # notes not yet embedded: found by their words alone
    vectors_total: int = 0


class Searcher:
    """Searches one index; keeps the vector matrix in memory between queries."""

    def __init__(
        self, index: Index, embedder: Embedder, params: SearchParams | None = None
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.params = params or SearchParams()
        self._vectors: VectorIndex | None = None
        self._pool = ThreadPoolExecutor(max_workers=1)

    def vectors(self) -> VectorIndex:
        if self._vectors is None or self._vectors.generation != self.index.generation():
            self._vectors = VectorIndex(self.index, self.embedder.dim)
        return self._vectors

    def search(self, query: str, limit: int = 10, method: str = "hybrid") -> SearchResult:
        """The best `limit` notes for `query`, which may be any text at all."""
        p = self.params
        text = " ".join(query.split())[:MAX_QUERY_CHARS]
        if not text:
            return SearchResult(query, method, [], "none", "The query is empty.")
        vectors = self.vectors()
        # Full-text ranking runs in SQLite while the question is embedded and compared:
        # both release the interpreter lock, so on two cores the slower one hides the other.
        depth = p.candidates if method == "bm25" else p.lexical_candidates
        lexical_job = self._pool.submit(self.index.ranked_ids, text, depth, ("note",))
        qvec = self.embedder.embed([text])[0]
        semantic = vectors.search(qvec, p.candidates)
        lexical = [i for i, _ in lexical_job.result()]
        lex_rank = {d: r for r, d in enumerate(lexical, start=1)}
        # Every candidate's row, read once for the names, the links and the hits.
        docs = {d.id: d for d in self.index.documents_by_id([*lex_rank, *dict(semantic)])}
        if method == "bm25":
            order = {d: 1.0 / r for d, r in lex_rank.items()}
        elif method == "dense":
            order = dict(semantic)
        else:
            fused = self._fuse(lex_rank, [d for d, _ in semantic], vectors.head_rows)
            order = self._named(text, fused, docs)
        links, votes = self._graph(order, docs) if method == "hybrid" else ({}, {})
        if links and p.graph_boost:
            unit = p.graph_boost / (p.rrf_k + 1)
            order = {d: s + unit * votes.get(d, 0.0) for d, s in order.items()}
        cosines = vectors.similarity(qvec, list(order))
        # A signal explains a hit when that signal alone would have shown it.
        shown = max(limit, 10)
        sem_rank = {d: r for r, (d, _) in enumerate(semantic[:shown], start=1)}
        ranked = self._mmr(order, vectors) if method == "hybrid" else _sorted(order)
        if method == "hybrid" and lexical and semantic and lexical[0] == semantic[0][0]:
            ranked.remove(lexical[0])  # both methods put it first: so does their fusion
            ranked.insert(0, lexical[0])
        hits = [
            Hit(
                docs[d],
                order[d],
                lex_rank[d] if lex_rank.get(d, shown + 1) <= shown else None,
                sem_rank.get(d),
                cosines.get(d),
                tuple(links.get(d, ())),
            )
            for d in ranked[:limit]
            if d in docs
        ]
        message = "" if hits else "Nothing in the vault matches."
        signals = self.coverage(text, semantic[0][1] if semantic else 0.0, ranked)
        missing = vectors.total - vectors.covered
        return SearchResult(
            query, method, hits, signals.label, message, signals, missing, vectors.total
        )

    def _fuse(
        self, lex_rank: dict[int, int], semantic: list[int], embedded: Container[int]
    ) -> dict[int, float]:
        """Reciprocal rank fusion of the two rankings.

        A note not embedded yet (an interrupted index) is judged by its words alone, at the
        weight of both methods, rather than ranked below every note that has a vector.
        """
        p = self.params
        alone = p.weight_lexical + p.weight_semantic
        fused: dict[int, float] = {}
        for d, r in lex_rank.items():
            fused[d] = (p.weight_lexical if d in embedded else alone) / (p.rrf_k + r)
        for r, d in enumerate(semantic, start=1):
            fused[d] = fused.get(d, 0.0) + p.weight_semantic / (p.rrf_k + r)
        return fused

    def _named(
        self, text: str, scores: dict[int, float], docs: dict[int, DocRow]
    ) -> dict[int, float]:
        """Lift the notes whose title, alias or file name the question names (known items).

        A title all of whose words are in the question ("tabs" in "keyboard shortcuts for
        tabs"), or a question all of whose words are in a title ("lottery ticket hypothesis"),
        adds `title_boost` at rank one's weight, times the share of the longer side it covers.
        """
        asked = {vocabulary_key(w) for w in content_words(text)}
        if not asked or not self.params.title_boost:
            return scores
        unit = self.params.title_boost / (self.params.rrf_k + 1)
        boosted = dict(scores)
        for doc in (docs[d] for d in sorted(scores) if d in docs):
            names = (doc.title, doc.slug, *doc.aliases)
            share = max(_named_share(asked, name) for name in names)
            boosted[doc.id] += unit * share
        return boosted

    def _graph(
        self, scores: dict[int, float], docs: dict[int, DocRow]
    ) -> tuple[dict[int, list[str]], dict[int, float]]:
        """For each candidate, the top-ranked notes it links to or is linked from, and how
        many links' worth that is: a note that links to very many notes (an index page, a
        link dump) adds a small share of a link for each (`Index.link_pairs`), and no note
        counts more than one link's worth, so an index page that links to every top note
        does not rise above them (docs/retrieval.md)."""
        top = _sorted(scores)[: self.params.graph_top]
        paths = {d: docs[d].path for d in sorted(top) if d in docs}
        strength: dict[tuple[int, int], float] = {}  # (candidate, top note): the stronger way
        for (a, b), weight in self.index.link_pairs(list(scores)).items():
            for here, there in ((a, b), (b, a)):
                if there in paths:
                    strength[here, there] = max(strength.get((here, there), 0.0), weight)
        linked: dict[int, list[str]] = {}
        votes: dict[int, float] = {}
        for (here, there), weight in strength.items():
            linked.setdefault(here, []).append(paths[there])
            votes[here] = min(1.0, votes.get(here, 0.0) + weight)
        return linked, votes

    def _mmr(self, scores: dict[int, float], vectors: VectorIndex) -> list[int]:
        """Maximal marginal relevance: trade a little relevance for less repetition."""
        ranked = _sorted(scores)
        lam = self.params.mmr_lambda
        if lam >= 1.0 or len(ranked) < 3:
            return ranked
        pool = [d for d in ranked if d in vectors.head_rows]
        heads = vectors.head_vectors(pool)
        top = max(scores.values())
        relevance = np.array([scores[d] / top for d in pool])
        chosen: list[int] = []
        max_sim = np.full(len(pool), -1.0)
        left = np.ones(len(pool), dtype=bool)
        while left.any():
            value = lam * relevance - (1 - lam) * (max_sim if chosen else 0.0)
            value[~left] = -np.inf
            i = int(np.argmax(value))
            chosen.append(i)
            left[i] = False
            max_sim = np.maximum(max_sim, heads @ heads[i])
        return [pool[i] for i in chosen] + [d for d in ranked if d not in vectors.head_rows]

    def coverage(self, text: str, best: float, ranked: list[int]) -> Coverage:
        """How well the vault covers the question, from the meaning and the words of the
        notes found: the same evidence on every vault, however its notes are written
        (bench/fit_coverage.py fits the weights and thresholds; docs/retrieval.md)."""
        p = self.params
        words = self.index.vault_spellings(content_words(text))
        top = ranked[: p.covered_by]
        if not words or not top:
            return Coverage(best=best)
        counts = self.index.frequencies(words)
        total = self.index.document_count()
        rarity = {w: math.log((total + 1) / (counts[w] + 0.5)) for w in words}
        using = self.index.words_in([w for w in words if counts[w]], top)
        unknown = sum(not counts[w] for w in words) / len(words)
        uncovered = sum(r for w, r in rarity.items() if not using.get(w)) / sum(rarity.values())
        evidence = best - p.unknown_weight * unknown - p.uncovered_weight * uncovered
        if evidence < p.none_below:
            label = "none"
        elif evidence < p.thin_below:
            label = "thin"
        elif evidence < p.strong_from:
            label = "partial"
        else:
            label = "strong"
        return Coverage(label, best, unknown, uncovered, evidence)


def _named_share(asked: set[str], name: str) -> float:
    """How much of the question a name covers when one holds all the other's words, else 0."""
    words = {vocabulary_key(w) for w in content_words(name)}
    if not words:
        return 0.0
    if words <= asked:
        return len(words) / len(asked)
    if asked <= words:
        return len(asked) / len(words)
    return 0.0


def _sorted(scores: dict[int, float]) -> list[int]:
    return sorted(scores, key=lambda d: (-scores[d], d))
