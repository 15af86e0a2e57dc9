"""Retrieval on every evaluation vault: the bundled two and the public ones fetched into build/.

Run: .venv/bin/python bench/eval_vaults.py [--half test] [--set name=value ...]

For each vault and method (bm25, dense, hybrid) it prints recall@10 over the answerable
questions, known-item MRR, synthesis recall@10, and how the coverage label did: the share of
absent questions labelled none or thin, and the share of answerable ones labelled none.
The public vaults come from `python3 bench/fetch_vaults.py` (see bench/vaults.toml); a vault
not fetched is skipped with a note. `--set` overrides a search parameter (for tuning on the
tune half: `--half tune --set rrf_k=30`).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from collections.abc import Iterator
from pathlib import Path

from inquiring.embed import get_embedder
from inquiring.evaluate import Row, evaluate_retrieval, load_questions, mean
from inquiring.index import Index
from inquiring.search import METHODS, Searcher, SearchParams
from inquiring.vault import Vault

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ("obsidian-help", "econ-zettel", "papers-i-read", "homebrew-docs")
VAULTS = {
    "demo": (ROOT / "examples/llm-training", ROOT / "examples/llm-training/questions.yaml"),
    "systems": (
        ROOT / "examples/systems-reading-notes",
        ROOT / "examples/systems-reading-notes/questions.yaml",
    ),
} | {name: (ROOT / "build/vaults" / name, ROOT / f"bench/questions/{name}.yaml") for name in PUBLIC}
COLUMNS = ("recall@10", "known MRR", "synth r@10", "absent ok", "answerable none")


def params_from(pairs: list[str]) -> SearchParams:
    fields = {f.name: f.type for f in dataclasses.fields(SearchParams)}
    values = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in fields:
            sys.exit(f"no search parameter '{name}'; known: {', '.join(fields)}")
        values[name] = int(value) if fields[name] in ("int", int) else float(value)
    return SearchParams(**values)


def figures(rows: list[Row], half: str, method: str) -> list[float]:
    cell = {r.kind: r for r in rows if r.half == half and r.method == method}
    nan = math.nan

    def get(kind: str, attr: str) -> float:
        return getattr(cell[kind], attr) if kind in cell else nan

    return [
        get("answerable", "recall10"),
        get("known", "mrr"),
        get("synthesis", "recall10"),
        get("absent", "coverage_ok"),
        1 - get("answerable", "coverage_ok"),
    ]


def searchers(params: SearchParams | None = None) -> Iterator[tuple[str, Searcher, Path]]:
    """Each fetched vault's name, a searcher over its up-to-date index, and its questions."""
    embedder = get_embedder()
    for name, (root, questions) in VAULTS.items():
        if not root.is_dir():
            print(f"({name}: not fetched; run python3 bench/fetch_vaults.py)", file=sys.stderr)
            continue
        with Index(Vault(root)) as index:
            index.update(embedder=embedder)
            yield name, Searcher(index, embedder, params), questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--half", default="test", choices=("tune", "test", "all"))
    parser.add_argument("--set", dest="pairs", action="append", default=[])
    args = parser.parse_args()
    params = params_from(args.pairs)
    table: dict[tuple[str, str], list[float]] = {}
    for name, searcher, questions in searchers(params):
        rows = evaluate_retrieval(searcher, load_questions(questions))
        for method in METHODS:
            table[name, method] = figures(rows, args.half, method)
    print(f"{args.half} half" + (f", {' '.join(args.pairs)}" if args.pairs else ""))
    print(f"{'vault':15} {'method':7} " + " ".join(f"{c:>15}" for c in COLUMNS))
    for (name, method), values in table.items():
        cells = " ".join(f"{'-' if math.isnan(v) else f'{v:.3f}':>15}" for v in values)
        print(f"{name:15} {method:7} {cells}")
    for method in METHODS:
        means = [mean([v[i] for (_, m), v in table.items() if m == method]) for i in range(5)]
        cells = " ".join(f"{'-' if math.isnan(v) else f'{v:.3f}':>15}" for v in means)
        print(f"{'mean':15} {method:7} {cells}")


if __name__ == "__main__":
    main()
