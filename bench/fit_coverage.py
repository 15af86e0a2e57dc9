"""Fit the coverage label's weights and thresholds on the tune halves of every evaluation vault.

Run: .venv/bin/python bench/fit_coverage.py   (after python3 bench/fetch_vaults.py)

The labelled data are the questions of bench/eval_vaults.py: each one is answerable (kind
known, specific or synthesis, with gold notes) or absent (the vault does not cover it). For
every question the hybrid search gives three signals (`search.Coverage`): the best cosine,
the share of the question's words no note uses (`unknown`), and the rarity-weighted share of
its words the top notes lack (`uncovered`). A logistic regression of answerable against
absent on the tune halves gives the weights; the thresholds on evidence = best -
unknown_weight * unknown - uncovered_weight * uncovered are then set on the tune halves:

- `none_below`: at most 3% of answerable questions fall below it (no essay is written);
- `thin_below`: at least 95% of absent questions fall below it (labelled thin or none);
- `strong_from`: above every absent question (none is labelled strong).

It prints the values to copy into `SearchParams` and the labels they give on the test halves.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from eval_vaults import searchers

from inquiring.evaluate import load_questions

ANSWER_NONE_AT_MOST = 0.03
ABSENT_THIN_AT_LEAST = 0.95


@dataclass
class Case:
    vault: str
    question: str
    kind: str
    half: str
    first_is_gold: bool
    signals: np.ndarray  # best, unknown, uncovered

    @property
    def answerable(self) -> bool:
        return self.kind != "absent"


def collect() -> list[Case]:
    cases = []
    for name, searcher, questions in searchers():
        for q in load_questions(questions):
            result = searcher.search(q.question, limit=10)
            c = result.signals
            first = bool(result.hits) and result.hits[0].doc.path in q.gold
            row = np.array([c.best, c.unknown, c.uncovered])
            cases.append(Case(name, q.question, q.kind, q.half, first, row))
    return cases


def logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 4000) -> np.ndarray:
    """Weights (then the intercept) of a ridge-penalised logistic regression, by gradient
    descent on standardised signals."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= 0.5 * (z.T @ (p - y) / len(y) + l2 * w)
        b -= 0.5 * float((p - y).mean())
    return np.append(w / sd, b - (w / sd) @ mu)


def label(evidence: float, none: float, thin: float, strong: float) -> str:
    if evidence < none:
        return "none"
    return "thin" if evidence < thin else "partial" if evidence < strong else "strong"


def main() -> None:
    cases = collect()
    tune = [c for c in cases if c.half == "tune"]
    x = np.array([c.signals for c in tune])
    y = np.array([float(c.answerable) for c in tune])
    w = logistic(x, y)
    unknown_weight, uncovered_weight = -w[1] / w[0], -w[2] / w[0]

    def evidence(c: Case) -> float:
        best, unknown, uncovered = c.signals
        return best - unknown_weight * unknown - uncovered_weight * uncovered

    answerable = sorted(evidence(c) for c in tune if c.answerable)
    absent = sorted(evidence(c) for c in tune if not c.answerable)
    none = answerable[math.floor(ANSWER_NONE_AT_MOST * len(answerable))] - 1e-3
    thin = max(absent[math.ceil(ABSENT_THIN_AT_LEAST * len(absent)) - 1] + 1e-3, none)
    strong = absent[-1] + 1e-3
    print(
        f"unknown_weight={unknown_weight:.3f} uncovered_weight={uncovered_weight:.3f} "
        f"none_below={none:.4f} thin_below={thin:.4f} strong_from={strong:.4f}\n"
    )
    header = ("vault", "half", "absent thin/none", "answerable none", "gold-first strong")
    print(f"{header[0]:15} {header[1]:5} " + " ".join(f"{h:>18}" for h in header[2:]))
    for half in ("tune", "test"):
        for vault in [*dict.fromkeys(c.vault for c in cases), "all"]:
            mine = [c for c in cases if c.half == half and vault in (c.vault, "all")]
            labels = {id(c): label(evidence(c), none, thin, strong) for c in mine}
            ab = [labels[id(c)] in ("none", "thin") for c in mine if not c.answerable]
            an = [labels[id(c)] == "none" for c in mine if c.answerable]
            first = [
                labels[id(c)] == "strong"
                for c in mine
                if c.kind in ("known", "specific") and c.first_is_gold
            ]
            cells = [f"{np.mean(v):.3f} ({len(v):2})" if v else "-" for v in (ab, an, first)]
            print(f"{vault:15} {half:5} " + " ".join(f"{cell:>18}" for cell in cells))
        counts = Counter(label(evidence(c), none, thin, strong) for c in cases if c.half == half)
        print(f"{'labels':15} {half:5} {dict(counts)}\n")


if __name__ == "__main__":
    main()
