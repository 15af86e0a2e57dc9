"""Retrieval benchmark on synthetic vaults: embedding, indexing, query latency, memory.

Run: .venv/bin/python bench/bench_retrieval.py --sizes 1000 10000 100000
Each size runs in its own process so that peak memory is measured per vault. Targets
(issue 4): >= 250 short texts/s embedded; warm query p50 <= 50 ms at 100,000 notes;
peak memory <= 1 GB at 100,000 notes. Cold `inquiring search` on the demo vault is timed
by `bench/bench_cold.sh`.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import WORDS, make_vault

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.vault import Vault


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


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def one(n: int, workdir: Path) -> dict[str, float]:
    root = workdir / f"vault-{n}"
    if not (root / "notes").is_dir():
        make_vault(root, n)
    embedder = get_embedder()
    with Index(Vault(root)) as index:
        start = time.perf_counter()
        index.update()
        parse_s = time.perf_counter() - start
        start = time.perf_counter()
        report = index.update(embedder=embedder)
        embed_s = time.perf_counter() - start
        searcher = Searcher(index, embedder)
        searcher.search("warm up the caches")
        times = []
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
        "notes_embedded_per_s": report.embedded / embed_s,
        "warm_p50_ms": statistics.median(times),
        "warm_p95_ms": percentile(times, 95),
        "cold_search_s": statistics.median(cold),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--keep", type=Path, help="Build the vaults here and keep them (indexes included)."
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        workdir = args.keep or Path(tempfile.mkdtemp(prefix="inquiring-bench-"))
        try:
            print(json.dumps(one(args.one, workdir)))
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        return
    print(f"Embedding throughput: {embed_throughput():.0f} short texts/s (6-16 words each)\n")
    print(
        "| notes | index, no vectors (s) | embed (s) | notes embedded/s | warm p50 (ms) "
        "| warm p95 (ms) | cold search (s) | peak RSS (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        keep = ["--keep", str(args.keep)] if args.keep else []
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), *keep],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {n:,} | {r['index_s']:.1f} | {r['embed_s']:.1f} | "
            f"{r['notes_embedded_per_s']:.0f} | {r['warm_p50_ms']:.1f} | "
            f"{r['warm_p95_ms']:.1f} | {r['cold_search_s']:.2f} | {r['peak_rss_mb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
