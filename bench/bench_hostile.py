"""Hostile-vault benchmark (issue 10): one huge note, and one note that links to everything.

Run: .venv/bin/python bench/bench_hostile.py [--vault examples/llm-training]

Prints the full index time (embedding included) of the vault alone and with a 20 MB note,
the vectors that note gets, and in how many of five unrelated searches a note with 5,000
links comes in the top three.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.vault import Vault

QUESTIONS = (  # five topics of the demo vault, none of them about the link dump
    "Does RL post-training create new reasoning?",
    "How does tokenisation affect multilingual models?",
    "Do mixture-of-experts models need load balancing?",
    "Why do long-context models lose information in the middle?",
    "Can a small set of examples align a model?",
)
LOG_LINE = "{i:07d} worker-{w} retried batch {i} after a timeout of {t} ms; queue depth {q}.\n"


def huge_note(path: Path, megabytes: int = 20) -> None:
    with path.open("w", encoding="utf-8") as out:
        i = 0
        while out.tell() < megabytes * 1024 * 1024:
            out.write(LOG_LINE.format(i=i, w=i % 7, t=100 + i % 900, q=i % 31))
            i += 1


def link_dump(root: Path, links: int = 5000) -> None:
    real = [f"[[{p.stem}]]" for p in sorted((root / "notes").glob("*.md"))]
    made_up = [f"[[bookmark {n:04d}]]" for n in range(links - len(real))]
    text = "---\ntitle: Everything I have read\n---\n\n" + " ".join(real + made_up) + "\n"
    (root / "notes" / "everything.md").write_text(text, encoding="utf-8")


def timed_index(root: Path) -> tuple[float, Index]:
    index = Index(Vault(root))
    start = time.perf_counter()
    index.update(embedder=get_embedder())
    return time.perf_counter() - start, index


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vault", type=Path, default=Path("examples/llm-training"))
    args = parser.parse_args()
    get_embedder()  # loaded once, outside the timings
    with tempfile.TemporaryDirectory(prefix="inquiring-hostile-") as tmp:
        root = Path(tmp) / "vault"
        shutil.copytree(args.vault, root, ignore=shutil.ignore_patterns(".inquiring"))
        alone, index = timed_index(root)
        index.close()
        shutil.rmtree(root / ".inquiring")
        huge_note(root / "notes" / "huge-log.md")
        with_huge, index = timed_index(root)
        vectors = index.db.execute(
            "SELECT count(*) FROM vectors v JOIN documents d ON d.id = v.doc "
            "WHERE d.path = 'notes/huge-log.md'"
        ).fetchone()[0]
        print(f"full index, vault alone: {alone:.1f} s")
        print(f"full index, with a 20 MB note: {with_huge:.1f} s ({with_huge / alone:.1f}x)")
        print(f"vectors of the 20 MB note: {vectors}")
        link_dump(root)
        index.update(embedder=get_embedder())
        searcher = Searcher(index, get_embedder())
        top3 = sum(
            "notes/everything.md" in [h.doc.path for h in searcher.search(q, limit=3).hits]
            for q in QUESTIONS
        )
        print(f"searches with the 5,000-link note in the top 3: {top3} of {len(QUESTIONS)}")
        index.close()


if __name__ == "__main__":
    main()
