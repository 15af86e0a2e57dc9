"""Cold start: `inquiring search` on the demo vault as a new process, and what its time is made of.

Run: .venv/bin/python bench/bench_cold.py [--runs 5]

Each row is a fresh process, timed from start to exit: the median and the fastest of
`--runs`. The first rows are the floor a search pays before doing anything (the interpreter,
the CLI module, the libraries; each row adds to the one before); then the search itself, by
words only (`--method bm25`) and by default (hybrid, which loads the embedding model), and
hybrid again without the model's saved optimised copy, as every start was before it
(`embed.load_session`). One untimed run first brings the index up to date and saves that
copy. Bytecode is compiled first, as installing a package does. Target (issue 11): hybrid
search ≤ 0.6 s on two cores. With `--before OTHER/src` it times the two searches of an older
checkout and of this one instead, alternating, so that both meet the same load.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import inquiring.cli

DEMO = Path(__file__).resolve().parent.parent / "examples" / "llm-training"
QUESTION = "how does quantisation affect model quality"


def timed(command: list[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return times


def compare(before: Path, vault: Path, runs: int) -> None:
    """Both searches by an older checkout and by this one, one process of each in turn.

    Each version searches its own copy of the vault: an older index format would otherwise be
    rebuilt by every other process.
    """
    compileall.compile_dir(before, quiet=1)
    sources = {"before": str(before), "after": str(Path(inquiring.cli.__file__).parents[1])}
    envs = {name: {**os.environ, "PYTHONPATH": path} for name, path in sources.items()}
    with tempfile.TemporaryDirectory() as scratch:
        copies = {}
        for name in envs:
            copies[name] = Path(scratch) / name
            shutil.copytree(vault, copies[name], ignore=shutil.ignore_patterns(".inquiring"))
        searches = {
            name: [sys.executable, "-m", "inquiring", "--vault", str(copy), "search", QUESTION]
            for name, copy in copies.items()
        }
        for name, env in envs.items():
            subprocess.run(searches[name], check=True, capture_output=True, env=env)  # index
        print(f"Cold searches on {vault.name}, {runs} runs each, before and after in turn\n")
        print("| command | before: median (fastest) | after: median (fastest) |")
        print("|---|---:|---:|")
        for label, extra in (("hybrid", []), ("--method bm25", ["--method", "bm25"])):
            times: dict[str, list[float]] = {name: [] for name in envs}
            for _ in range(runs):
                for name, env in envs.items():
                    times[name] += timed([*searches[name], *extra], 1, env)
            cells = [f"{statistics.median(t):.2f} s ({min(t):.2f})" for t in times.values()]
            print(f"| search ({label}) | {cells[0]} | {cells[1]} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--vault", type=Path, default=DEMO)
    parser.add_argument(
        "--before",
        type=Path,
        help="Another checkout's src/ folder: time its searches too, alternating with these.",
    )
    args = parser.parse_args()
    compileall.compile_dir(Path(inquiring.cli.__file__).parent, quiet=1)
    if args.before:
        compare(args.before, args.vault, args.runs)
        return
    python = [sys.executable]
    search = [*python, "-m", "inquiring", "--vault", str(args.vault), "search", QUESTION]
    subprocess.run(search, check=True, stdout=subprocess.DEVNULL)  # index, model copy
    # A cache folder that cannot be made: the model is optimised at every start.
    no_copy = {**os.environ, "XDG_CACHE_HOME": "/dev/null/inquiring-bench"}
    cli = "import inquiring.cli"
    typer_checks = f"{cli}; from pydantic import TypeAdapter"  # typer checks options with it
    hybrid = f"{typer_checks}; import inquiring.search, onnxruntime, tokenizers"
    rows = [
        ("Python itself", [*python, "-c", "pass"], None),
        ("import inquiring.cli (typer, rich, the index)", [*python, "-c", cli], None),
        ("… and pydantic, which typer checks options with", [*python, "-c", typer_checks], None),
        ("… and numpy, onnxruntime, tokenizers", [*python, "-c", hybrid], None),
        ("search --method bm25", [*search, "--method", "bm25"], None),
        ("search (hybrid)", search, None),
        ("search (hybrid), no saved model copy", search, no_copy),
    ]
    print(f"Cold processes on {args.vault.name}, {args.runs} runs each\n")
    print("| process | median (s) | fastest (s) |")
    print("|---|---:|---:|")
    for label, command, env in rows:
        times = timed(command, args.runs, env)
        print(f"| {label} | {statistics.median(times):.3f} | {min(times):.3f} |", flush=True)


if __name__ == "__main__":
    main()
