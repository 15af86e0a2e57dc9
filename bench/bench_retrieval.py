"""Retrieval benchmark on synthetic vaults: embedding, indexing, query latency, memory.

Run: .venv/bin/python bench/bench_retrieval.py --sizes 1000 10000 100000
Each size runs in its own process so that peak memory is measured per vault. Targets:
>= 250 short texts/s embedded (issue 4); warm hybrid query p50 <= 15 ms at 100,000 notes
(issue 11); peak memory <= 1 GB at 100,000 notes. With --random-vectors the vectors table
is filled with random unit vectors, one per passage the model would embed, instead of
embedding every note (36 minutes at 100,000 notes); each question is still embedded by the
real model, inside the timing. Cold `inquiring search` on the demo vault is timed by
`bench/bench_cold.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import numpy as np
from synth import WORDS, make_vault

from inquiring.embed import MiniLM, get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.vault import Vault
from inquiring.vectors import BODY_CHARS, DEFAULT_POLICY, EMBEDDED_KINDS, VectorIndex, passages


def fill_random_vectors(index: Index, seed: int = 0) -> int:
    """Fill the vectors table as the model would, but with random unit vectors: one for each
    passage the model would embed (`vectors.passages`), one for a line's question.

    The text hashes are left empty, so a later real update embeds every note.
    """
    rng = np.random.default_rng(seed)
    db = index.db
    marks = ",".join("?" * len(EMBEDDED_KINDS))
    notes = db.execute(
        "SELECT id, kind, title, dek, summary, substr(body, 1, ?), "
        "json_extract(meta, '$.summary') IS NOT NULL OR json_extract(meta, '$.dek') IS NOT NULL "
        f"FROM documents WHERE kind IN ({marks})",
        (BODY_CHARS, *EMBEDDED_KINDS),
    ).fetchall()
    with db:
        db.execute("DELETE FROM vectors")
        for doc, kind, title, dek, summary, body, written in notes:
            texts = passages(title, dek, summary, body, DEFAULT_POLICY, written)
            parts = 1 if kind == "line" else len(texts)
            vectors = rng.standard_normal((parts, MiniLM.dim), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            db.executemany(
                "INSERT INTO vectors (doc, part, vec, text_hash) VALUES (?, ?, ?, '')",
                [(doc, part, vector.tobytes()) for part, vector in enumerate(vectors)],
            )
        index.set_meta("vectors", f"{MiniLM.name}/{MiniLM.dim}/{DEFAULT_POLICY}")
        index.bump_generation()
        index.set_meta("vectors_generation", str(index.generation()))
    return len(notes)


def queries(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [
        f"How does {rng.choice(WORDS)} {rng.choice(WORDS)} affect {rng.choice(WORDS)} "
        f"and {rng.choice(WORDS)} in {rng.choice(WORDS)} models?"
        for _ in range(n)
    ]


def embed_throughput(texts: int = 2000) -> float:
    rng = random.Random(0)
    sample = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))) for _ in range(texts)]
    embedder = get_embedder()
    embedder.embed(sample[:64])
    start = time.perf_counter()
    embedder.embed(sample)
    return texts / (time.perf_counter() - start)


# What a warm query's time goes to: (name, class, method), each timed around every call.
STAGES = (
    ("embed", MiniLM, "embed"),  # the question, by the real model
    ("vectors", VectorIndex, "search"),  # one product with every passage vector, top k
    ("bm25", Index, "ranked_ids"),  # on a second thread, alongside the two above
)


@contextmanager
def stage_times() -> Iterator[dict[str, list[float]]]:
    """Milliseconds per call of each of STAGES while the block runs."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in STAGES}
    originals = [(cls, method, getattr(cls, method)) for _, cls, method in STAGES]

    def timed(name: str, fn: Callable) -> Callable:
        def run(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[name].append((time.perf_counter() - start) * 1000)

        return run

    for (name, cls, method), (_, _, fn) in zip(STAGES, originals, strict=True):
        setattr(cls, method, timed(name, fn))
    try:
        yield times
    finally:
        for cls, method, fn in originals:
            setattr(cls, method, fn)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def one(n: int, workdir: Path, random_vectors: bool) -> dict[str, float]:
    root = workdir / f"vault-{n}"
    if not (root / "notes").is_dir():
        make_vault(root, n)
    embedder = get_embedder()
    with Index(Vault(root)) as index:
        start = time.perf_counter()
        index.update()
        parse_s = time.perf_counter() - start
        start = time.perf_counter()
        if random_vectors:
            embedded = fill_random_vectors(index)
        else:
            embedded = index.update(embedder=embedder).embedded
        embed_s = time.perf_counter() - start
        rows = index.db.execute("SELECT count(*) FROM vectors").fetchone()[0]
        searcher = Searcher(index, embedder)
        searcher.search("warm up the caches")
        times = []
        with stage_times() as stages:
            for q in queries(100):
                start = time.perf_counter()
                searcher.search(q)
                times.append((time.perf_counter() - start) * 1000)
    cold = []
    exe = Path(sys.executable).parent / "inquiring"
    for q in queries(5, seed=2):
        start = time.perf_counter()
        subprocess.run(
            [str(exe), "--vault", str(root), "search", q], check=True, capture_output=True
        )
        cold.append(time.perf_counter() - start)
    return {
        "notes": n,
        "index_s": parse_s,
        "embed_s": embed_s,
        "notes_embedded_per_s": embedded / embed_s,
        "vectors": rows,
        "warm_p50_ms": statistics.median(times),
        "warm_p95_ms": percentile(times, 95),
        "cold_search_s": statistics.median(cold),
        **{f"{name}_ms": statistics.median(ms) for name, ms in stages.items()},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--keep", type=Path, help="Build the vaults here and keep them (indexes included)."
    )
    parser.add_argument(
        "--random-vectors",
        action="store_true",
        help="Fill the vectors with random unit vectors instead of embedding every note.",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        workdir = args.keep or Path(tempfile.mkdtemp(prefix="inquiring-bench-"))
        try:
            print(json.dumps(one(args.one, workdir, args.random_vectors)))
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        return
    print(f"Embedding throughput: {embed_throughput():.0f} short texts/s (6-16 words each)\n")
    print(
        "| notes | vectors | index, no vectors (s) | embed (s) | notes embedded/s "
        "| warm p50 (ms) | warm p95 (ms) | cold search (s) | peak RSS (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for n in args.sizes:
        keep = ["--keep", str(args.keep)] if args.keep else []
        keep += ["--random-vectors"] if args.random_vectors else []
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), *keep],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        embed = "random" if args.random_vectors else f"{r['embed_s']:.1f}"
        rate = "-" if args.random_vectors else f"{r['notes_embedded_per_s']:.0f}"
        print(
            f"| {n:,} | {r['vectors']:,} | {r['index_s']:.1f} | {embed} | {rate} | "
            f"{r['warm_p50_ms']:.1f} | "
            f"{r['warm_p95_ms']:.1f} | {r['cold_search_s']:.2f} | {r['peak_rss_mb']:.0f} |",
            flush=True,
        )
        rows.append(r)
    print("\nWarm query, median of each part (ms; BM25 runs alongside the first two)\n")
    print("| notes | question embedded | vector search | BM25 | the rest |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        rest = r["warm_p50_ms"] - r["embed_ms"] - r["vectors_ms"]
        print(
            f"| {r['notes']:,} | {r['embed_ms']:.1f} | {r['vectors_ms']:.1f} | "
            f"{r['bm25_ms']:.1f} | {rest:.1f} |"
        )


if __name__ == "__main__":
    main()
