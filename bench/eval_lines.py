"""Lines on every evaluation vault, measured against the targets of issue 12.

Run: .venv/bin/python bench/eval_lines.py [--json]

For each vault (the bundled two and the public ones fetched into build/vaults) it writes a
line for every question, saving nothing, and prints the figures of `inquiring eval lines`
by half (tune, test, all) beside their targets; a miss is marked ✗. The rules behind each
figure are in docs/lines.md.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict

from eval_vaults import searchers

from inquiring.evaluate import TARGETS, evaluate_lines, load_questions, meets, summarise_lines

NAMES = (
    "missing_antecedent",
    "residue",
    "takeaway",
    "repeated",
    "gold_cited",
    "absent_handled",
    "precision",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    everything = {}
    for name, searcher, questions in searchers():
        summary = summarise_lines(evaluate_lines(searcher, load_questions(questions)))
        everything[name] = [asdict(s) for s in summary]
        if args.json:
            continue
        print(f"\n{name}")
        print(f"{'measure':20}" + "".join(f"{s.half:>12}" for s in summary) + f"{'target':>10}")
        print(
            f"{'lines written':20}" + "".join(f"{f'{s.lines}/{s.questions}':>12}" for s in summary)
        )
        for measure in NAMES:
            cells = ""
            for s in summary:
                value = getattr(s, measure)
                shown = "-" if math.isnan(value) else f"{value:.3f}"
                cells += f"{shown + (' ✗' if meets(measure, value) is False else ''):>12}"
            op, target = TARGETS.get(measure, ("", ""))
            print(f"{measure:20}{cells}{f'{op} {target}':>10}")
    if args.json:
        print(json.dumps(everything, indent=2, default=str))


if __name__ == "__main__":
    main()
