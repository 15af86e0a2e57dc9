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
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import InquiringError
from .index import Index
from .search import METHODS, Searcher
from .write import Draft, Sentence

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


# A sentence that opens by pointing back at something it does not name (docs/lines.md).
# Kept apart from the planner's filter (plan.ANAPHORIC): this is the yardstick the writers'
# output is measured with, so tuning the filter cannot move it.
REFERS_BACK = re.compile(
    r"^(?:(?:from|in|on|by|with|for|of|to|at|after|unlike|like|despite) )?"
    r"(?:this|these|those|that|they|them|it|its|their|such|both|here|"
    r"the (?:second|third|latter|former|authors?|paper|study|same)|"
    r"however|thus|hence|therefore|instead|moreover|furthermore|similarly|likewise|"
    r"in contrast|on the other hand)(?=[\s,;:.])",
    re.IGNORECASE,
)
# Markdown or HTML a reader should never see in a line's prose; " - " before a capital is a
# bullet run into the sentence before it.
RESIDUE = re.compile(
    r"\[\[|\]\]|\*\*|__|`|^#|\||^- | - (?=[A-Z])|</?[A-Za-z][^<>]*>|&(?:[A-Za-z]+|#\d+);|\$"
)


def missing_antecedent(sentence: Sentence, previous: Sentence | None) -> bool:
    """Whether a claim opens by referring back without the sentence it refers to.

    The antecedent counts as present only when the sentence just before it in the same
    paragraph cites a note this one cites.
    """
    if sentence.connective or not REFERS_BACK.match(sentence.text.strip()):
        return False
    return previous is None or not set(previous.citations) & set(sentence.citations)


def residue(sentence: Sentence, headings: dict[str, list[str]]) -> bool:
    """Markdown left over, or a heading of a cited note glued to the front of the sentence."""
    text = sentence.text.strip()
    if RESIDUE.search(text):
        return True
    for path in sentence.citations:
        for heading in headings.get(path, []):
            rest = text[len(heading) :]
            if text.lower().startswith(heading.lower()) and rest[:1] == " " and rest[1:2].isupper():
                return True
    return False


def has_takeaway(draft: Draft) -> bool:
    """Whether the line closes on a takeaway: a claim in its last paragraph that cites two
    notes or more, a conclusion drawn across notes. The writer's own `role` is not trusted
    here: one note's sentence quoted last is not a takeaway, whatever it is called."""
    if not draft.paragraphs:
        return False
    return any(not s.connective and len(set(s.citations)) >= 2 for s in draft.paragraphs[-1])


def absent_handled(question: str, draft: Draft) -> bool:
    """No line for a question the vault does not cover, or a thin one that names what is missing.

    "Names what is missing": the line's first sentence is the writer's own (it cites nothing)
    and uses a word of four letters or more from the question.
    """
    if not draft.paragraphs:
        return True
    first = draft.paragraphs[0][0]
    asked = {w for w in re.findall(r"\w{4,}", question.lower())}
    said = set(re.findall(r"\w{4,}", first.text.lower()))
    return draft.coverage == "thin" and not first.citations and bool(asked & said)


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
    claims: int = 0  # sentences that cite a note
    missing_antecedent: int = 0  # claims that refer back to nothing (REFERS_BACK)
    residue: int = 0  # sentences with Markdown left over or a glued heading
    takeaway: bool = False
    repeated: int = 0  # claims whose text also stands in another line of the set
    absent_handled: float = math.nan  # absent questions: 1 if handled (see absent_handled)
    texts: list[str] = field(default_factory=list, repr=False)  # the claims, for `repeated`
    notes: int = 0  # notes the line cites


def measure_line(index: Index, q: Question, draft: Draft, precision: float) -> LineRow:
    """Every measure of one line that needs only the line and its cited notes."""
    sentences = [s for p in draft.paragraphs for s in p]
    cited = set(draft.cited())
    headings = {path: index.sections(path) for path in cited}
    gold = set(q.gold)
    missing = 0
    for paragraph in draft.paragraphs:
        for i, sentence in enumerate(paragraph):
            missing += missing_antecedent(sentence, paragraph[i - 1] if i else None)
    claims = [s.text for s in sentences if s.citations and not s.connective]
    return LineRow(
        q.id,
        q.kind,
        q.half,
        draft.coverage,
        len(cited & gold) / len(gold) if gold and q.kind != "absent" else math.nan,
        precision if draft.paragraphs else math.nan,
        len(sentences),
        sum(len(s.text.split()) for s in sentences),
        bool(draft.paragraphs),
        len(claims),
        missing,
        sum(residue(s, headings) for s in sentences),
        has_takeaway(draft),
        0,
        float(absent_handled(q.question, draft)) if q.kind == "absent" else math.nan,
        claims,
        len(cited),
    )


def count_repeats(rows: list[LineRow]) -> None:
    """Set each row's `repeated`: its claims whose text also stands in another line."""
    lines_with: dict[str, int] = {}
    for row in rows:
        for key in {_key(t) for t in row.texts}:
            lines_with[key] = lines_with.get(key, 0) + 1
    for row in rows:
        row.repeated = sum(lines_with[_key(t)] > 1 for t in row.texts)


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def evaluate_lines(searcher: Searcher, questions: list[Question]) -> list[LineRow]:
    """Write a line for every question (nothing saved) and measure it."""
    from .ask import ask

    rows = []
    for q in questions:
        answer = ask(searcher, q.question, save=False, new=True)
        rows.append(measure_line(searcher.index, q, answer.draft, answer.support[0]))
    count_repeats(rows)
    return rows


@dataclass
class LineSummary:
    """One half's lines, measured as the targets in docs/lines.md state them."""

    half: str
    questions: int
    lines: int
    missing_antecedent: float  # share of claims
    residue: float  # share of sentences
    takeaway: float  # share of the lines written that cite two notes or more
    repeated: float  # share of claims
    gold_cited: float  # mean over answerable questions
    absent_handled: float  # share of absent questions
    precision: float  # mean over lines written


TARGETS = {
    "missing_antecedent": ("<=", 0.05),
    "takeaway": (">=", 1.0),
    "gold_cited": (">=", 0.75),
    "absent_handled": (">=", 0.90),
    "precision": (">=", 0.95),
}


def summarise_lines(rows: list[LineRow]) -> list[LineSummary]:
    """The measures per half (tune, test) and over all questions."""
    out = []
    for half in HALVES:
        mine = [r for r in rows if half in (r.half, "all")]
        written = [r for r in mine if r.essay]
        across = [r for r in written if r.notes >= 2]  # a one-note line has nothing to join
        claims = sum(r.claims for r in written)
        sentences = sum(r.sentences for r in written)
        out.append(
            LineSummary(
                half,
                len(mine),
                len(written),
                _share(sum(r.missing_antecedent for r in written), claims),
                _share(sum(r.residue for r in written), sentences),
                _share(sum(r.takeaway for r in across), len(across)),
                _share(sum(r.repeated for r in written), claims),
                mean([r.gold_cited for r in mine]),
                mean([r.absent_handled for r in mine]),
                mean([r.precision for r in written]),
            )
        )
    return out


def meets(name: str, value: float) -> bool | None:
    """Whether a summary figure meets its target (None when it has none or is unmeasured)."""
    if name not in TARGETS or math.isnan(value):
        return None
    op, target = TARGETS[name]
    return value <= target if op == "<=" else value >= target


def _share(part: float, whole: float) -> float:
    return part / whole if whole else math.nan
