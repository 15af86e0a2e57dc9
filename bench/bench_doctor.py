"""What checking drafts' quotes costs `doctor`: the demo vault, which has no drafts, and a vault
of the four fixture papers with one draft each (five quotes taken from the paper's text).

Run: .venv/bin/python bench/bench_doctor.py [--papers ../shared/fixtures/papers]
Prints, for each, the median time of `inquiring doctor` (a new process, the page store already
filled by `index`) and of `diagnose` (the list `doctor`, `index` and `stats` count) called again
in a warm process.
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

from inquiring.doctor import diagnose
from inquiring.index import Index
from inquiring.ingest.pdf import extract
from inquiring.quotes import normalise
from inquiring.vault import Vault

ROOT = Path(__file__).resolve().parents[1]
PAPERS = ROOT.parent / "shared" / "fixtures" / "papers"
NAMES = ["2101.03961", "2020.acl-main.207", "2023.eacl-main.121", "N18-3011"]


def drafts_vault(root: Path, papers: Path) -> Path:
    """One source page and one draft per paper; quotes from the first three pages with text,
    the middle one and the last one."""
    (root / "sources" / "files").mkdir(parents=True)
    (root / "notes").mkdir()
    for i, name in enumerate(NAMES):
        pdf = root / "sources" / "files" / f"p{i}.pdf"
        shutil.copy(papers / f"{name}.pdf", pdf)
        (root / "sources" / f"p{i}.md").write_text(
            f"---\nid: p{i}\ntitle: Paper {i}\npdf: sources/files/p{i}.pdf\n---\nAbstract.\n"
        )
        pages = extract(pdf).pages
        head = ["---", f'title: "What does paper {i} find?"', "status: draft", f"sources: [p{i}]"]
        body, notes = [*head, "---"], []
        full = [n for n, page in enumerate(pages, 1) if len(normalise(page).split()) >= 60]
        picked = [*full[:3], full[len(full) // 2], full[-1]]
        for k, n in enumerate(picked, start=1):
            quote = " ".join(normalise(pages[n - 1]).split()[40:60]).replace('"', "'")
            body.append(f"Claim {k}.[^{k}]")
            notes.append(f'[^{k}]: "{quote}" (p. {n})')
        (root / "notes" / f"d{i}.md").write_text("\n".join([*body, "", *notes]) + "\n")
    return root


def measure(root: Path, label: str, rounds: int = 5) -> None:
    """`inquiring doctor` end to end (a new process each time: the PDF reader and the quote
    checker load, each page is normalised once), and `diagnose` again in a warm process."""
    command = [sys.executable, "-m", "inquiring", "--vault", str(root)]
    subprocess.run([*command, "index"], check=True, capture_output=True)  # fills the store
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([*command, "doctor"], check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    with Index(Vault(root)) as index:
        problems = diagnose(index)
        warm = []
        for _ in range(rounds):
            start = time.perf_counter()
            diagnose(index)
            warm.append(time.perf_counter() - start)
    quotes = sum(p.code.startswith("quote-") for p in problems)
    print(
        f"{label:<30} doctor {statistics.median(runs):5.2f} s   diagnose warm "
        f"{statistics.median(warm) * 1000:5.1f} ms   quote problems {quotes}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=Path, default=PAPERS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        shutil.copytree(
            ROOT / "examples" / "llm-training",
            demo,
            ignore=shutil.ignore_patterns(".inquiring", "lines"),
        )
        measure(demo, "demo vault (no drafts)")
        measure(drafts_vault(Path(tmp) / "drafts", args.papers), "4 papers, 4 drafts x 5 quotes")


if __name__ == "__main__":
    main()
