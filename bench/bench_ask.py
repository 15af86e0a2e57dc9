"""`inquiring ask` timing: as a cold command on the demo vault, and in-process at 10,000 notes.

Run: .venv/bin/python bench/bench_ask.py [--keep DIR]
Targets (issue 5): cold `inquiring ask` <= 2 s on the demo vault with the extractive writer;
<= 300 ms in-process at 10,000 notes.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_retrieval import queries
from synth import make_vault

from inquiring.ask import ask
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.vault import Vault

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"
QUESTIONS = [
    "How do finetuning and pretraining improvements differ in their effects on model capabilities?",
    "Does RL post-training create new reasoning abilities?",
    "Why would a model trained on wrong instructions still do fine?",
    "How much does data quality matter compared with quantity?",
    "Can a smaller model with more inference compute beat a larger one?",
]


def cold_demo(workdir: Path) -> list[float]:
    root = workdir / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring"))
    exe = Path(sys.executable).parent / "inquiring"
    subprocess.run([str(exe), "--vault", str(root), "index"], check=True, capture_output=True)
    times = []
    for question in QUESTIONS:
        start = time.perf_counter()
        subprocess.run(
            [str(exe), "--vault", str(root), "ask", "--no-save", "--new", question],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return times


def warm_10k(workdir: Path) -> list[float]:
    root = workdir / "vault-10000"
    if not (root / "notes").is_dir():
        make_vault(root, 10_000)
    embedder = get_embedder()
    with Index(Vault(root)) as index:
        index.update(embedder=embedder)
        searcher = Searcher(index, embedder)
        ask(searcher, "warm up", save=False, new=True)
        times = []
        for question in queries(20, seed=3):
            start = time.perf_counter()
            ask(searcher, question, save=False, new=True)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="Keep the synthetic vault here between runs.")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="inquiring-ask-"))
    try:
        cold = cold_demo(workdir)
        print(
            f"cold `inquiring ask` on the demo vault: median {statistics.median(cold):.2f} s, "
            f"max {max(cold):.2f} s ({len(cold)} questions)"
        )
        warm = warm_10k(args.keep or workdir)
        print(
            f"in-process ask at 10,000 notes: p50 {statistics.median(warm) * 1000:.0f} ms, "
            f"max {max(warm) * 1000:.0f} ms ({len(warm)} questions)"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
