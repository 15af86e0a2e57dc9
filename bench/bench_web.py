"""Web timings: note and line pages on the demo vault, and a static site build at 10,000 notes.

Run: .venv/bin/python bench/bench_web.py [--keep DIR] [--sizes 10000]
Targets (issue 6): note and line pages render in <= 50 ms p50 on the demo vault;
`site build` of a 10,000-note vault in <= 60 s. Also times a page of the list of all notes.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from fastapi.testclient import TestClient
from synth import CATEGORIES, make_vault

from inquiring.ask import ask
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.site import build_site
from inquiring.vault import Vault
from inquiring.web.app import create_app
from inquiring.web.pages import Pages
from inquiring.web.render import Renderer
from inquiring.web.urls import page_for

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"
QUESTIONS = [
    "How do finetuning and pretraining improvements differ in their effects on model capabilities?",
    "Does RL post-training create new reasoning abilities?",
    "How much does data quality matter compared with quantity?",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def demo_pages(workdir: Path) -> None:
    root = workdir / "demo"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
    embedder = get_embedder()
    index = Index(Vault(root))
    index.update(embedder=embedder)
    for question in QUESTIONS:
        ask(Searcher(index, embedder), question, new=True)
    index.update(embedder=embedder)
    notes = [r.path for r in index.documents("note")]
    lines = [r.path for r in index.documents("line")]
    with TestClient(create_app(index, embedder), base_url="http://127.0.0.1") as client:
        for kind, paths, rounds in (("note", notes, 1), ("line", lines, 20)):
            client.get("/" + page_for(paths[0]))  # warm: templates compiled, caches filled
            times = []
            for _ in range(rounds):
                for path in paths:
                    start = time.perf_counter()
                    response = client.get("/" + page_for(path))
                    times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200
            print(
                f"demo {kind} pages over HTTP: n={len(times)} "
                f"p50 {statistics.median(times):.1f} ms, p95 {pct(times, 0.95):.1f} ms"
            )
        start = time.perf_counter()
        client.get("/search.html", params={"q": QUESTIONS[0]})
        print(f"demo search page: {(time.perf_counter() - start) * 1000:.1f} ms")
    index.close()


def site_at(workdir: Path, n: int) -> None:
    root = workdir / f"vault-{n}"
    if not (root / "notes").is_dir():
        make_vault(root, n)
    embedder = get_embedder()
    index = Index(Vault(root))
    start = time.perf_counter()
    index.update(embedder=embedder)
    print(f"{n} notes: index brought up to date in {time.perf_counter() - start:.1f} s")
    pages = Pages(Searcher(index, embedder), "bench")
    renderer = Renderer("bench", live=True)
    start = time.perf_counter()
    renderer.render(pages.home())
    print(f"{n} notes: home page (first, loads the vault) {time.perf_counter() - start:.2f} s")
    times = []
    for path in [p for p in pages.paths() if p.startswith("notes/")][:200]:
        start = time.perf_counter()
        renderer.render(pages.document(path))
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"{n} notes: note pages in-process p50 {statistics.median(times):.1f} ms, "
        f"p95 {pct(times, 0.95):.1f} ms"
    )
    for chosen in ({}, {"category": CATEGORIES[0], "year": "2024"}):
        times = []
        for number in (1, 2, 3, 1, 2, 3):
            start = time.perf_counter()
            renderer.render(pages.notes(chosen, number))
            times.append((time.perf_counter() - start) * 1000)
        median = statistics.median(times)
        print(f"{n} notes: list of notes {chosen or 'unfiltered'} p50 {median:.1f} ms")
    out = workdir / f"site-{n}"
    start = time.perf_counter()
    report = build_site(pages, out)
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
    print(f"{n} notes: site build {seconds:.1f} s, {report.pages} pages, {size:.0f} MB")
    index.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="reuse and keep synthetic vaults here")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="inquiring-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        demo_pages(workdir)
        for n in args.sizes:
            site_at(workdir, n)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
