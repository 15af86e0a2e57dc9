"""Papers in: PDF extraction speed, a 1,000-entry .bib added, and what PDFs alone get right.

Run: .venv/bin/python bench/bench_ingest.py [--papers ../shared/fixtures/papers]
Targets (issue 16): a 20-page paper extracted in <= 1 s; a 1,000-entry .bib added (source
pages written and indexed) in <= 5 s. On the real papers it also reports the share of pages
with usable text and the share of titles and authors read from the PDF alone that agree with
the Zotero export (`zotero.bib` beside them), which is what `add` falls back on without one.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import inquiring
from inquiring.ingest.bibtex import read_bibtex
from inquiring.ingest.paper import title_key
from inquiring.ingest.pdf import extract

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from paperpdf import write_paper  # noqa: E402  (the tests' own paper-like PDFs)

PAPERS = ROOT.parent / "shared" / "fixtures" / "papers"


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def extraction(papers: Path, work: Path) -> None:
    print("## PDF extraction (best of 5; text of every page, metadata, first-page title)\n")
    print("| PDF | pages | seconds | seconds per 20 pages |")
    print("|---|---|---|---|")
    pdfs = sorted(papers.glob("*.pdf")) if papers.is_dir() else []
    pdfs.append(write_paper(work / "generated.pdf", repeat=85))
    for pdf in pdfs:
        pages = len(extract(pdf).pages)
        seconds = best_of(5, lambda pdf=pdf: extract(pdf))
        print(f"| {pdf.name} | {pages} | {seconds:.3f} | {seconds / pages * 20:.3f} |")
    print()


def bibliography(entries: int, work: Path) -> None:
    """`entries` entries shaped like a Zotero export (accents, macros, abstracts), added to a
    fresh vault with one note: parse, match, write and index the pages."""
    lines = ["@string{acl = {Association for Computational Linguistics}}\n"]
    for n in range(entries):
        lines.append(
            f"@inproceedings{{author{n}2024topic{n},\n"
            f"  title = {{Study {n} of {{BERT}} Caf\\'{{e}} Menus and "
            f"M{{\\\"u}}ller's Rule {n}}},\n"
            f"  author = {{M{{\\\"u}}ller, J{{\\\"o}}rg and Gonz{{\\'a}}lez, Jos{{\\'e}} and "
            f"Author{n}, Ann}},\n"
            f"  booktitle = {{Proceedings of }} # acl,\n  date = {{2024-0{1 + n % 9}}},\n"
            f"  doi = {{10.5555/bench.{n}}},\n"
            f"  abstract = {{{'We measure the thing and find it grows. ' * 20}}},\n}}\n"
        )
    bib = work / "library.bib"
    bib.write_text("\n".join(lines), encoding="utf-8")
    times = []
    for _ in range(3):
        vault = work / "vault"
        shutil.rmtree(vault, ignore_errors=True)
        (vault / "notes").mkdir(parents=True)
        (vault / "notes/a.md").write_text("# A note\n\nIt cites nothing.\n", encoding="utf-8")
        with inquiring.open(vault) as opened:
            start = time.perf_counter()
            report = opened.add([str(bib)])
            times.append(time.perf_counter() - start)
        assert report.count("added") == entries, report.problems[:3]
    print(f"## A {entries:,}-entry .bib added to a fresh vault (best of 3)\n")
    print(
        f"{min(times):.2f} s (median {statistics.median(times):.2f} s): parse, match, write "
        f"{entries:,} source pages, index them.\n"
    )


def accuracy(papers: Path) -> None:
    if not (papers / "zotero.bib").is_file():
        print(f"(the real papers are not at {papers}: accuracy not measured)")
        return
    entries, _ = read_bibtex(papers / "zotero.bib")
    by_file = {Path(p.file_hint).name: p for p in entries if p.file_hint}
    print("## What the PDF alone gives, against the Zotero export\n")
    print("| PDF | pages with text | title | authors | title read from |")
    print("|---|---|---|---|---|")
    usable = total = titles = authors = 0
    pdfs = sorted(papers.glob("*.pdf"))
    for pdf in pdfs:
        text = extract(pdf)
        entry = by_file[pdf.name]
        good = sum(len(page.split()) >= 50 for page in text.pages)
        usable += good
        total += len(text.pages)
        title_ok = title_key(text.meta.title) == title_key(entry.title)
        ours = [a.split()[-1].casefold() for a in text.meta.authors]
        theirs = [a.split()[-1].casefold() for a in entry.authors]
        authors_ok = ours == theirs
        titles += title_ok
        authors += authors_ok
        print(
            f"| {pdf.name} | {good}/{len(text.pages)} | {'right' if title_ok else 'wrong'} | "
            f"{'right' if authors_ok else 'none' if not ours else 'wrong'} | "
            f"{text.meta.title_from} |"
        )
    n = len(pdfs)
    print(
        f"\nPages with usable text (50 words or more): {usable}/{total} ({usable / total:.0%}). "
        f"Titles right: {titles}/{n}. Authors right (family names, in order): {authors}/{n}.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=Path, default=PAPERS)
    parser.add_argument("--entries", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        extraction(args.papers, work)
        bibliography(args.entries, work)
        accuracy(args.papers)


if __name__ == "__main__":
    main()
