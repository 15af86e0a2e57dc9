"""Faithful sentences kept and overreaching sentences dropped, in lines a model wrote.

Run: PYTHONPATH=src .venv/bin/python bench/eval_model_lines.py [--show]

The replies are the parser's fixtures (tests/fixtures/replies/), written to the tool's own
prompt for four demo-vault questions. Each cited sentence is labelled in
tests/fixtures/replies-truth.yaml, by reading the notes it cites: `faithful` (what the note
says, in any words) or `overreach` (more than the note says: a number, direction, scope or
attribution it does not give, or a claim from memory). Each reply is parsed as the model
writer parses it, the real citation checker drops what it finds unsupported (as `ask` does
before any repair round), and a labelled sentence counts as kept if it is still in the line.

With --oracle-judge, `--judge` is simulated by a judge that knows the labels: it decides each
doubtful citation as the labels say, so the figures are the most a model judge can add, and
the count of its calls is what it costs.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.plan import Outline, plan
from inquiring.search import Searcher
from inquiring.vault import Vault
from inquiring.verify import SupportChecker
from inquiring.write import Draft
from inquiring.write.llm import fit_prompt, load_template, parse_reply, reply_coverage

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "llm-training"
REPLIES = ROOT / "tests" / "fixtures" / "replies"
TRUTH = ROOT / "tests" / "fixtures" / "replies-truth.yaml"
CONTEXT = 4096  # the [llm] context the fixture prompts were sized for
TARGETS = {"faithful": 0.85, "overreach": 0.90}


def fixtures() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted(REPLIES.glob("*.yaml"))}


def outline_for(searcher: Searcher, question: str) -> Outline:
    """The outline the prompt numbers, as the writer sizes it for CONTEXT."""
    outline = plan(searcher, searcher.search(question, limit=15))
    return fit_prompt(outline, load_template(), CONTEXT)[1]


class Oracle:
    """A judge that answers from the labels: it reads the CLAIM of the checker's real prompt
    and says yes if the labelled sentence holding it is faithful. It counts its calls."""

    def __init__(self) -> None:
        self.truth: dict[str, str] = {}  # this reply's cited sentences → label
        self.calls = 0

    def __call__(self, prompt: str) -> str | None:
        self.calls += 1
        clause = prompt.rpartition("CLAIM: ")[2].strip()
        labels = [label for text, label in self.truth.items() if clause in text]
        return ("yes" if labels[0] == "faithful" else "no") if labels else None


def verdicts(
    checker: SupportChecker,
    outline: Outline,
    reply: str,
    labels: list[list[str]],
    oracle: Oracle | None = None,
) -> list[tuple[str, bool, bool]]:
    """(text, kept in the line?, backed by its notes?) for each cited sentence of the reply,
    in order: a backed sentence still goes if it leans on one that was dropped."""
    paragraphs, _ = parse_reply(reply, outline)
    draft = Draft(outline.question, "", reply_coverage(paragraphs, outline), "llm", paragraphs, [])
    cited = [s for p in paragraphs for s in p if s.citations]
    if oracle is not None:
        oracle.truth = {s.text: label for s, (label, _) in zip(cited, labels, strict=False)}
    checker.check(draft, drop=True, judge=oracle)
    left = {id(s) for p in draft.paragraphs for s in p}
    return [(s.text, id(s) in left, s.supported) for s in cited]


def measure(
    searcher: Searcher, chosen: dict[str, list[str]] | None = None, oracle: bool = False
) -> list[dict]:
    """One row per labelled sentence: fixture, reply, style, truth, kept. `chosen` limits the
    replies measured ({fixture: [reply names]}); `oracle` judges doubtful citations by the
    labels."""
    truth = yaml.safe_load(TRUTH.read_text("utf-8"))
    checker = SupportChecker(searcher.index, searcher.embedder)
    judge = Oracle() if oracle else None
    replies = 0
    rows = []
    for stem, data in fixtures().items():
        outline = outline_for(searcher, data["question"])
        assert [n.doc.path for n in outline.notes] == data["notes"], stem
        for case in data["replies"]:
            if chosen is not None and case["name"] not in chosen.get(stem, []):
                continue
            labels = truth[stem][case["name"]] or []  # a reply may cite nothing
            replies += 1
            found = verdicts(checker, outline, case["reply"], labels, judge)
            assert len(found) == len(labels), (stem, case["name"], [f[0] for f in found])
            for (text, kept, backed), (label, start) in zip(found, labels, strict=True):
                assert text.startswith(start), (stem, case["name"], text, start)
                row = {"fixture": stem, "reply": case["name"], "style": case["style"]}
                rows.append(row | {"text": text, "truth": label, "kept": kept, "backed": backed})
    if judge is not None:
        print(f"judge calls: {judge.calls} over {replies} replies")
    return rows


def shares(rows: list[dict]) -> dict[str, tuple[int, int]]:
    """(faithful kept, faithful total) and (overreach dropped, overreach total)."""
    faithful = [r for r in rows if r["truth"] == "faithful"]
    overreach = [r for r in rows if r["truth"] == "overreach"]
    return {
        "faithful": (sum(r["kept"] for r in faithful), len(faithful)),
        "overreach": (sum(not r["kept"] for r in overreach), len(overreach)),
    }


def _cell(done: int, total: int) -> str:
    return f"{done}/{total} ({done / total:.0%})" if total else "-"


def report(rows: list[dict], show: bool) -> None:
    by_style: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_style[row["style"]].append(row)
    print(f"{'style':<24} {'faithful kept':>16} {'overreach dropped':>18}")
    for style, group in sorted(by_style.items()):
        s = shares(group)
        print(f"{style:<24} {_cell(*s['faithful']):>16} {_cell(*s['overreach']):>18}")
    s = shares(rows)
    print(f"{'all':<24} {_cell(*s['faithful']):>16} {_cell(*s['overreach']):>18}")
    leaning = sum(r["truth"] == "faithful" and r["backed"] and not r["kept"] for r in rows)
    print(
        f"faithful sentences the checker backed but dropped as leaning on a dropped one: {leaning}"
    )
    print(
        f"targets: faithful kept >= {TARGETS['faithful']:.0%}, "
        f"overreach dropped >= {TARGETS['overreach']:.0%}"
    )
    if show:
        for row in rows:
            wrong = row["kept"] != (row["truth"] == "faithful")
            if wrong:
                what = (
                    "kept" if row["kept"] else "dropped" if not row["backed"] else "dropped (leans)"
                )
                print(f"\n{row['truth']} {what} ({row['style']}): {row['text']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="store_true", help="print each sentence misjudged")
    parser.add_argument(
        "--oracle-judge", action="store_true", help="judge doubtful citations by the labels"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"  # a copy: the demo vault's own index is left alone
        shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
        embedder = get_embedder()
        with Index(Vault(root)) as index:
            index.update(embedder=embedder)
            rows = measure(Searcher(index, embedder), oracle=args.oracle_judge)
            report(rows, args.show)


if __name__ == "__main__":
    main()
