"""`inquiring eval`: measure retrieval against questions with known answers.

A questions file is YAML: a list of {id, question, kind, gold}, where `kind` is `known` (a
known-item lookup: a title, alias or distinctive term; MRR is its figure), `specific`,
`synthesis` or `absent` and `gold` lists the notes (vault-relative paths) a good answer
must draw on. Questions alternate between a *tune* half (odd positions: 1st, 3rd, …), used
to choose parameters, and a *test* half, reported separately so the numbers are not fitted
to the questions they are judged on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import InquiringError
from .search import METHODS, Searcher

KINDS = ("known", "specific", "synthesis", "absent")
HALVES = ("tune", "test", "all")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    kind: str
    gold: tuple[str, ...]
    half: str


def load_questions(path: Path) -> list[Question]:
    """Read and check a questions file; problems name the file and the question."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InquiringError(f"cannot read {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InquiringError(f"{where}: not valid YAML") from error
    if not isinstance(data, list):
        raise InquiringError(f"{path}: expected a list of questions")
    questions = []
    for position, item in enumerate(data):
        if not isinstance(item, dict) or not item.get("question"):
            raise InquiringError(f"{path}: entry {position + 1} has no 'question'")
        kind = item.get("kind", "synthesis")
        if kind not in KINDS:
            raise InquiringError(f"{path}: question {item.get('id')} has unknown kind '{kind}'")
        gold = tuple(item.get("gold") or ())
        half = "tune" if position % 2 == 0 else "test"
        qid = str(item.get("id", position + 1))
        questions.append(Question(qid, str(item["question"]), kind, gold, half))
    return questions


def recall_at(ranked: list[str], gold: set[str], k: int) -> float:
    return len(set(ranked[:k]) & gold) / len(gold)


def ndcg_at(ranked: list[str], gold: set[str], k: int) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, path in enumerate(ranked[:k]) if path in gold)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(gold), k)))
    return dcg / ideal


def reciprocal_rank(ranked: list[str], gold: set[str]) -> float:
    return next((1 / (i + 1) for i, path in enumerate(ranked) if path in gold), 0.0)


@dataclass
class Row:
    """Averages for one (half, method, kind) cell."""

    half: str
    method: str
    kind: str
    questions: int
    recall5: float
    recall10: float
    ndcg10: float
    mrr: float
    coverage_ok: float  # absent: share labelled thin/none; others: share not labelled none


def evaluate_retrieval(searcher: Searcher, questions: list[Question]) -> list[Row]:
    """Every method on every question; averages by half, method and kind."""
    per: dict[tuple[str, str, str], list[tuple[float, ...]]] = {}
    for q in questions:
        for method in METHODS:
            result = searcher.search(q.question, limit=10, method=method)
            ranked = [hit.doc.path for hit in result.hits]
            if q.kind == "absent":
                ok = float(result.coverage in ("thin", "none"))
                scores: tuple[float, ...] = (math.nan,) * 4 + (ok,)
            else:
                gold = set(q.gold)
                scores = (
                    recall_at(ranked, gold, 5),
                    recall_at(ranked, gold, 10),
                    ndcg_at(ranked, gold, 10),
                    reciprocal_rank(ranked, gold),
                    float(result.coverage != "none"),
                )
            for half in (q.half, "all"):
                for kind in (q.kind, "answerable" if q.kind != "absent" else None):
                    if kind:
                        per.setdefault((half, method, kind), []).append(scores)
    rows = []
    for (half, method, kind), values in sorted(per.items()):
        means = [mean([v[i] for v in values]) for i in range(5)]
        rows.append(Row(half, method, kind, len(values), *means))
    return rows


def mean(values: list[float]) -> float:
    """The mean of the values that are not NaN (NaN when none are)."""
    kept = [v for v in values if not math.isnan(v)]
    return sum(kept) / len(kept) if kept else math.nan


@dataclass
class LineRow:
    """One question's line, measured."""

    id: str
    kind: str
    half: str
    coverage: str
    gold_cited: float  # share of gold notes the line cites (nan for absent questions)
    precision: float  # citations the checker finds supported
    sentences: int
    words: int
    essay: bool  # whether a line was written at all


def evaluate_lines(searcher: Searcher, questions: list[Question]) -> list[LineRow]:
    """Write a line for every question (nothing saved) and measure it."""
    from .ask import ask

    rows = []
    for q in questions:
        answer = ask(searcher, q.question, save=False, new=True)
        draft = answer.draft
        cited = set(draft.cited())
        texts = [s.text for p in draft.paragraphs for s in p]
        gold = set(q.gold)
        rows.append(
            LineRow(
                q.id,
                q.kind,
                q.half,
                draft.coverage,
                len(cited & gold) / len(gold) if gold else math.nan,
                answer.support[0] if draft.paragraphs else math.nan,
                len(texts),
                sum(len(t.split()) for t in texts),
                bool(draft.paragraphs),
            )
        )
    return rows
