"""Embedding rate: inquiring's whole path against raw onnxruntime on the same texts (issue 11).

Run: PYTHONPATH=src .venv/bin/python bench/bench_embed.py --vault build/vaults/obsidian-help

The vault is copied to a temporary folder and its text indexed once. The texts are exactly
those `update_vectors` embeds (`pending_vectors`), in its groups. *Raw* is the model's
onnxruntime session run on the very batches `MiniLM.batches` makes of them, padded before the
clock starts: the model's time alone. *Inquiring* is `update_vectors` on that index with its
vectors deleted: making each note's texts (with its context), tokenising, padding, pooling,
and writing and committing every group. Both count the same real (unpadded) tokens. Runs
alternate, since the machine may be shared; medians are reported, wall time and CPU time.
Target: inquiring at least 80% of raw. `--command` also times `inquiring index` of a fresh
copy as a user runs it (target: obsidian-help in 30 s on two cores).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from inquiring import embed
from inquiring.embed import MiniLM, get_embedder
from inquiring.index import Index
from inquiring.vault import Vault
from inquiring.vectors import (
    DEFAULT_POLICY,
    MAX_TOKENS,
    _groups,
    _pending,
    pending_vectors,
    update_vectors,
)


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def raw_feeds(model: MiniLM, index: Index) -> tuple[list[dict], int, int, int]:
    """The model inputs `update_vectors` would make, batch by batch; with the counts of
    passages, real tokens and tokens including padding."""
    feeds = []
    passages = tokens = padded = 0
    for group in _groups(pending_vectors(index, model)):
        group = _pending(index, [p.doc for p in group], DEFAULT_POLICY)
        texts = [t or " " for p in group for t in p.texts]
        ids = [e.ids for e in model.tokenizer.encode_batch(texts)]
        for chunk in model.batches([len(t) for t in ids]):
            feed = model.inputs([ids[i] for i in chunk])
            feeds.append(feed)
            tokens += int(feed["attention_mask"].sum())
            padded += feed["input_ids"].size
        passages += len(texts)
    return feeds, passages, tokens, padded


def raw_run(model: MiniLM, feeds: list[dict]) -> tuple[float, float]:
    start = clock()
    for feed in feeds:
        model.session.run(None, feed)
    return since(start)


def inquiring_run(model: MiniLM, index: Index) -> tuple[float, float]:
    with index.db:
        index.db.execute("DELETE FROM vectors")
        index.db.execute("DELETE FROM meta WHERE key = 'vectors_generation'")
    start = clock()
    update_vectors(index, model)
    return since(start)


def profile(model: MiniLM, index: Index) -> None:
    """Where inquiring's time goes, by the functions worth knowing about."""
    with index.db:
        index.db.execute("DELETE FROM vectors")
        index.db.execute("DELETE FROM meta WHERE key = 'vectors_generation'")
    profiler = cProfile.Profile()
    profiler.runcall(update_vectors, index, model)
    stats = pstats.Stats(profiler)
    total = max(row[3] for row in stats.stats.values())  # type: ignore[attr-defined]
    print(f"\nprofile of update_vectors ({total:.1f} s, cumulative):")
    wanted = {
        "run": "onnxruntime session.run",
        "encode_batch": "tokenising",
        "inputs": "padding",
        "mean_pool": "pooling",
        "pending_vectors": "texts to embed (heads, context, passages)",
        "_store": "SQLite writes and commits",
    }
    for (_, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if name in wanted:
            print(f"  {wanted[name]:<45} {row[3]:7.2f} s  {row[3] / total:6.1%}")


def command_run(vault: Path, workdir: Path) -> float:
    """Wall time of `inquiring index` on a fresh copy, as a user runs it."""
    copy = workdir / f"command-{time.monotonic_ns()}"
    shutil.copytree(vault, copy, ignore=shutil.ignore_patterns(".inquiring"))
    exe = Path(sys.executable).parent / "inquiring"
    start = time.perf_counter()
    subprocess.run([str(exe), "--vault", str(copy), "index"], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vault", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--token-budget", type=int, help="override embed.TOKEN_BUDGET")
    parser.add_argument("--command", type=int, default=0, help="times to run `inquiring index`")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.token_budget:
        embed.TOKEN_BUDGET = args.token_budget
    workdir = Path(tempfile.mkdtemp(prefix="inquiring-embed-"))
    try:
        root = workdir / "vault"
        shutil.copytree(args.vault, root, ignore=shutil.ignore_patterns(".inquiring"))
        model = get_embedder()
        assert isinstance(model, MiniLM)
        with Index(Vault(root)) as index:
            start = time.perf_counter()
            index.update()
            read = time.perf_counter() - start
            feeds, passages, tokens, padded = raw_feeds(model, index)
            notes = len(index.documents("note"))
            cut = sum(int((f["attention_mask"].sum(1) == MAX_TOKENS).sum()) for f in feeds)
            print(
                f"{args.vault.name}: {notes} notes read in {read:.1f} s; {passages:,} passages "
                f"({cut} cut at {MAX_TOKENS} tokens), {tokens:,} tokens "
                f"(+{padded / tokens - 1:.1%} padding), {len(feeds)} model runs, "
                f"token budget {embed.TOKEN_BUDGET}, {os.cpu_count()} cores"
            )
            model.session.run(None, feeds[0])  # warm up
            raw, full = [], []
            for _ in range(args.runs):
                raw.append(raw_run(model, feeds))
                full.append(inquiring_run(model, index))
            for label, runs in (("raw onnxruntime", raw), ("inquiring", full)):
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                print(
                    f"  {label:<16} {wall:6.1f} s wall {tokens / wall:7,.0f} tokens/s   "
                    f"{cpu:6.1f} s CPU {tokens / cpu:7,.0f} tokens/CPU-s"
                )
            wall_share = statistics.median(r[0] for r in raw) / statistics.median(
                r[0] for r in full
            )
            cpu_share = statistics.median(r[1] for r in raw) / statistics.median(r[1] for r in full)
            print(f"  inquiring / raw: {wall_share:.0%} (wall), {cpu_share:.0%} (CPU)")
            if args.profile:
                profile(model, index)
        for _ in range(args.command):
            print(f"  inquiring index (fresh copy): {command_run(args.vault, workdir):.1f} s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
