"""Index benchmark: full index, re-index after one change, and a cold `inquiring search`.

Run: make bench   (or: .venv/bin/python bench/bench_index.py --sizes 1000 10000)
Targets on a 2-core machine (issue 2): full index of 10,000 notes <= 20 s; re-index after
one changed note <= 1 s; `inquiring search` as a cold command <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import make_vault

from inquiring.index import Index
from inquiring.vault import Vault


def cold_search(root: Path, runs: int = 5) -> float:
    """Median wall time of `inquiring search` as a fresh process."""
    exe = Path(sys.executable).parent / "inquiring"
    env = {**os.environ, "INQUIRING_VAULT": str(root)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [str(exe), "search", "--method", "bm25", "pretraining data scaling"],
            env=env,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(n: int, workdir: Path) -> dict[str, float]:
    root = make_vault(workdir / f"vault-{n}", n)
    start = time.perf_counter()
    with Index(Vault(root)) as index:
        index.update()
        full = time.perf_counter() - start
        target = root / "notes" / f"note-{n // 2:06d}.md"
        target.write_text(target.read_text() + "\nOne more sentence about [[note-000001]].\n")
        start = time.perf_counter()
        report = index.update()
        one = time.perf_counter() - start
        assert report.changed == 1, report
        start = time.perf_counter()
        assert not index.update().touched
        nothing = time.perf_counter() - start
    return {
        "notes": n,
        "full_index_s": full,
        "reindex_one_change_s": one,
        "reindex_no_change_s": nothing,
        "cold_search_s": cold_search(root),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="inquiring-bench-"))
    try:
        print(
            "| notes | full index (s) | re-index, 1 changed (s) | re-index, none (s) "
            "| cold search, bm25 (s) | peak RSS (MB) |"
        )
        print("|---:|---:|---:|---:|---:|---:|")
        for n in args.sizes:
            r = bench(n, workdir)
            print(
                f"| {n:,} | {r['full_index_s']:.2f} | {r['reindex_one_change_s']:.3f} | "
                f"{r['reindex_no_change_s']:.3f} | {r['cold_search_s']:.3f} | "
                f"{r['peak_rss_mb']:.0f} |",
                flush=True,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
