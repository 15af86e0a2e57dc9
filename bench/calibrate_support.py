"""Calibrate the citation checker on labelled (sentence, note, supported?) pairs.

Run: .venv/bin/python bench/calibrate_support.py [PAIRS.yaml ...] [--vault VAULT]
(default: examples/llm-training/support-pairs.yaml and support-pairs-models.yaml on the
demo vault)

The pairs are split by note, not by pair, so that no note is in both halves: sorted by
path, alternate notes go to the tune half (weights and threshold chosen there) and the
held-out half, on which the checker's own figures are reported. A sentence is scored clause
by clause (`verify.parts`) and judged supported only if every clause is. The weights are
chosen to keep as many faithful paraphrases as possible while dropping as many unsupported
sentences as possible: the larger of the two shares' minimum, then F1.

It then measures what `--judge` can add: a judge decides the pairs whose score is within a band
of the threshold, and is right with a given probability (1.0 is a perfect judge; a seeded
coin flips the rest). For each band it reports the share of held-out pairs sent to the judge,
which is the cost in model calls, and the held-out figures that follow.
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.vault import Vault
from inquiring.verify import SupportChecker, SupportParams, parts

DEMO = Path("examples/llm-training")
PAIRS = [DEMO / "support-pairs.yaml", DEMO / "support-pairs-models.yaml"]
GRID = {
    "lexical_weight": [0.0, 0.25, 0.5, 0.75, 1.0, 1.5],
    "number_penalty": [0.0, 0.2, 0.4, 0.6, 1.0],
    "name_penalty": [0.0, 0.1, 0.2, 0.4, 0.6],
}
THRESHOLDS = np.round(np.arange(0.5, 1.8, 0.0125), 4)
BANDS = [0.1, 0.2, 0.3]
JUDGE_ACCURACY = [1.0, 0.9, 0.8]


def scores(features: list[np.ndarray], params: SupportParams) -> np.ndarray:
    """Each pair's score: that of its weakest clause."""
    weights = np.array([1.0, params.lexical_weight, -params.number_penalty, -params.name_penalty])
    return np.array([float((f @ weights).min()) for f in features])


def figures(said: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Shares kept and dropped, precision, recall and F1 of `said` (judged supported)."""
    tp = int((said & labels).sum())
    fp = int((said & ~labels).sum())
    kept = tp / labels.sum() if labels.any() else 1.0
    dropped = 1 - fp / (~labels).sum() if (~labels).any() else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    f1 = 2 * precision * kept / (precision + kept) if precision + kept else 0.0
    return {"kept": kept, "dropped": dropped, "precision": precision, "recall": kept, "f1": f1}


def choose(features: list[np.ndarray], labels: np.ndarray) -> SupportParams:
    """The weights and threshold that do best on these pairs (see the module's docstring)."""
    best, best_key = SupportParams(), (-1.0, -1.0)
    for values in itertools.product(*GRID.values()):
        params = SupportParams(*values)
        pair_scores = scores(features, params)
        for threshold in THRESHOLDS:
            f = figures(pair_scores >= threshold, labels)
            key = (min(f["kept"], f["dropped"]), f["f1"])
            if key > best_key:
                best_key = key
                best = SupportParams(*values, threshold=float(threshold))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pairs", nargs="*", type=Path, default=PAIRS)
    parser.add_argument("--vault", type=Path, default=DEMO)
    args = parser.parse_args()
    pairs = [p for path in args.pairs for p in yaml.safe_load(path.read_text(encoding="utf-8"))]
    index = Index(Vault(args.vault))
    index.update()
    checker = SupportChecker(index, get_embedder())
    features = [
        np.array([checker.features(part, p["note"]) for part in parts(p["sentence"])])
        for p in pairs
    ]
    labels = np.array([bool(p["supported"]) for p in pairs])
    notes = sorted({p["note"] for p in pairs})
    held_notes = set(notes[1::2])
    held = np.array([p["note"] in held_notes for p in pairs])
    tune = ~held

    def half(mask: np.ndarray) -> list[np.ndarray]:
        return [f for f, m in zip(features, mask, strict=True) if m]

    best = choose(half(tune), labels[tune])
    print(
        f"{len(pairs)} pairs over {len(notes)} notes ({labels.sum()} supported); "
        f"split by note: {len(notes) - len(held_notes)} tune, {len(held_notes)} held out"
    )
    print(f"chosen on the tune half: {best}")
    pair_scores = scores(features, best)
    said = pair_scores >= best.threshold
    for name, mask in (("tune", tune), ("held-out", held)):
        f = figures(said[mask], labels[mask])
        print(
            f"{name:>8}: faithful kept {f['kept']:.3f}  unsupported dropped {f['dropped']:.3f}  "
            f"precision {f['precision']:.3f}  recall {f['recall']:.3f}  F1 {f['f1']:.3f}  "
            f"({mask.sum()} pairs)"
        )
    kinds = Counter(p["kind"] for p in pairs)
    for kind in sorted(kinds):
        rows = [i for i, p in enumerate(pairs) if p["kind"] == kind and held[i]]
        print(f"  held-out {kind:>13}: {said[rows].sum()}/{len(rows)} judged supported")
    hows = sorted({p["how"] for p in pairs if "how" in p})
    for how in hows:
        rows = [i for i, p in enumerate(pairs) if p.get("how") == how and held[i]]
        print(f"  held-out  distorted {how:>11}: {said[rows].sum()}/{len(rows)} judged supported")

    print("with a judge on the pairs within a band of the threshold (held-out):")
    for band in BANDS:
        doubtful = np.abs(pair_scores - best.threshold) < band
        for accuracy in JUDGE_ACCURACY:
            right = np.random.default_rng(0).random(len(pairs)) < accuracy
            verdicts = np.where(right, labels, ~labels)
            judged = np.where(doubtful, verdicts, said)
            f = figures(judged[held], labels[held])
            print(
                f"  band ±{band}: {doubtful[held].mean():.0%} of pairs judged; judge right "
                f"{accuracy:.0%}: faithful kept {f['kept']:.3f}  unsupported dropped "
                f"{f['dropped']:.3f}"
            )


if __name__ == "__main__":
    main()
