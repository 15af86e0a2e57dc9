"""Tune hybrid-search parameters on the *tune* half of a vault's questions.

Run: .venv/bin/python bench/tune_retrieval.py [VAULT]   (default: the demo vault)
Prints the best settings found on the tune half with their scores on both halves, so the
test-half number is not fitted. The chosen values are copied into `SearchParams` by hand.
The coverage label is fitted over every evaluation vault by bench/fit_coverage.py.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

from inquiring.embed import get_embedder
from inquiring.evaluate import load_questions, ndcg_at, recall_at
from inquiring.index import Index
from inquiring.search import Searcher, SearchParams
from inquiring.vault import Vault

GRID = {
    "weight_semantic": [0.8, 1.0, 1.3, 1.6],
    "rrf_k": [10, 30, 60],
    "graph_boost": [0.0, 0.15, 0.3, 0.6],
    "mmr_lambda": [1.0, 0.85],
}


class CachedEmbedder:
    """The real embedder, remembering query vectors across the grid."""

    def __init__(self) -> None:
        self.inner = get_embedder()
        self.name, self.dim = self.inner.name, self.inner.dim

    def embed(self, texts):
        return np.stack([self._one(t) for t in texts])

    @cache  # noqa: B019 - lives as long as the script
    def _one(self, text: str) -> np.ndarray:
        return self.inner.embed([text])[0]


def score(searcher: Searcher, questions) -> float:
    """Mean of recall@10 and nDCG@10: find the notes, and put the best ones first."""
    values = []
    for q in questions:
        ranked = [h.doc.path for h in searcher.search(q.question, limit=10).hits]
        gold = set(q.gold)
        values.append((recall_at(ranked, gold, 10) + ndcg_at(ranked, gold, 10)) / 2)
    return sum(values) / len(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("vault", nargs="?", default="examples/llm-training", type=Path)
    args = parser.parse_args()
    everything = load_questions(args.vault / "questions.yaml")
    questions = [q for q in everything if q.kind != "absent"]
    tune = [q for q in questions if q.half == "tune"]
    test = [q for q in questions if q.half == "test"]
    embedder = CachedEmbedder()
    index = Index(Vault(args.vault))
    index.update(embedder=embedder)
    results = []
    keys = list(GRID)
    for values in itertools.product(*GRID.values()):
        params = replace(SearchParams(), **dict(zip(keys, values, strict=True)))
        searcher = Searcher(index, embedder, params)
        results.append((score(searcher, tune), values, searcher))
    results.sort(key=lambda r: -r[0])
    print("(recall@10 + nDCG@10) / 2 on tune | on test | " + " ".join(keys))
    for tuned, values, searcher in results[:10]:
        print(f"{tuned:.3f} | {score(searcher, test):.3f} | {values}", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
