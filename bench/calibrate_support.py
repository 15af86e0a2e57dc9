"""Calibrate the citation checker on labelled (sentence, note, supported?) pairs.

Run: .venv/bin/python bench/calibrate_support.py [PAIRS.yaml] [VAULT]
(default: examples/llm-training/support-pairs.yaml on the demo vault)

Pairs alternate between a tune half (weights and threshold chosen there, maximising F1)
and a held-out half, on which the checker's own precision and recall are reported.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import yaml

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.vault import Vault
from inquiring.verify import SupportChecker, SupportParams

GRID = {
    "lexical_weight": [0.0, 0.25, 0.5, 0.75, 1.0, 1.5],
    "number_penalty": [0.0, 0.2, 0.4, 0.6, 1.0],
    "threshold": [round(0.5 + 0.025 * i, 3) for i in range(41)],
}


def metrics(rows, params: SupportParams) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for (cosine, overlap, missing), label in rows:
        score = cosine + params.lexical_weight * overlap - params.number_penalty * missing
        said = score >= params.threshold
        tp += said and label
        fp += said and not label
        fn += (not said) and label
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "pairs", nargs="?", type=Path, default=Path("examples/llm-training/support-pairs.yaml")
    )
    parser.add_argument("vault", nargs="?", type=Path, default=Path("examples/llm-training"))
    args = parser.parse_args()
    pairs = yaml.safe_load(args.pairs.read_text(encoding="utf-8"))
    index = Index(Vault(args.vault))
    index.update()
    checker = SupportChecker(index, get_embedder())
    rows = [(checker.features(p["sentence"], p["note"]), bool(p["supported"])) for p in pairs]
    tune, test = rows[0::2], rows[1::2]
    best = max(
        (SupportParams(*values) for values in itertools.product(*GRID.values())),
        key=lambda params: (metrics(tune, params)[2], metrics(tune, params)[0]),
    )
    print(
        f"{len(pairs)} pairs ({sum(r[1] for r in rows)} supported); chosen on the tune half: {best}"
    )
    for name, half in (("tune", tune), ("held-out", test)):
        precision, recall, f1 = metrics(half, best)
        print(
            f"{name:>8}: precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
            f"({len(half)} pairs)"
        )
    kinds = sorted({p["kind"] for p in pairs})
    for kind in kinds:
        held = [r for r, p in zip(rows, pairs, strict=True) if p["kind"] == kind][1::2]
        accepted = sum(
            (c + best.lexical_weight * o - best.number_penalty * m) >= best.threshold
            for (c, o, m), _ in held
        )
        print(f"  held-out {kind:>13}: {accepted}/{len(held)} judged supported")


if __name__ == "__main__":
    main()
