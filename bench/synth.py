"""Synthetic vaults for benchmarks: N notes of realistic length, front matter, ~5 links each."""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training" / "notes"


def _demo_words() -> list[str]:
    """Every word of the demo vault's notes, repeats kept: a real vocabulary and frequency."""
    words: list[str] = []
    for path in sorted(DEMO.glob("*.md")):
        words += re.findall(r"[A-Za-z][A-Za-z\-]+", path.read_text(encoding="utf-8").lower())
    return words


WORDS = _demo_words()
CATEGORIES = ["Pretraining", "Finetuning", "Reasoning", "Evaluation", "Retrieval", "Scaling"]


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def make_vault(root: Path, n: int, seed: int = 0) -> Path:
    """Write `n` notes (and n/20 hubs) under `root`; returns root."""
    rng = random.Random(seed)
    notes = root / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    (root / "hubs").mkdir(exist_ok=True)
    for i in range(n):
        links = [f"[[note-{rng.randrange(n):06d}]]" for _ in range(5)]
        paragraphs = []
        for p in range(4):
            body = " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(4))
            paragraphs.append(f"{body} See {links[p]}." if p < 4 else body)
        paragraphs.append(f"Related: {links[4]}.")
        text = (
            "---\n"
            f'title: "Does {rng.choice(WORDS)} {rng.choice(WORDS)} change {rng.choice(WORDS)} '
            f'{i}?"\n'
            f'dek: "{sentence(rng, 14)}"\n'
            f'summary: "{sentence(rng, 40)}"\n'
            f"date: 2024-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            "collection: Synthetic\n"
            f"categories: [{rng.choice(CATEGORIES)}]\n"
            f"hubs: [hub-{i % max(1, n // 20):04d}]\n"
            f"sources: [arxiv:2401.{i % 99999:05d}]\n"
            "---\n\n" + "\n\n".join(paragraphs) + "\n"
        )
        (notes / f"note-{i:06d}.md").write_text(text, encoding="utf-8")
    for h in range(max(1, n // 20)):
        members = "\n".join(f"- [[note-{rng.randrange(n):06d}]]" for _ in range(10))
        (root / "hubs" / f"hub-{h:04d}.md").write_text(
            f"---\ntitle: Hub {h}\n---\n## Main\n{members}\n", encoding="utf-8"
        )
    return root


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("-n", type=int, default=1000)
    args = parser.parse_args()
    make_vault(args.folder, args.n)
