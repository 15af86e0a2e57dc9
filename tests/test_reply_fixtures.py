"""The parser on replies written the way real models answer the tool's own prompt.

Each file in fixtures/replies/ holds one question, the notes its prompt numbers, and replies
in the styles of several model families and sizes, each with what `parse_reply` must make
of it: the sentences with their citation numbers (or `{connective}`, `{gap}` for "the notes
do not cover …", `{claim}` for an uncited claim the checker will drop), the line's coverage,
and the problems that send the model a retry.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from webvault import indexed_demo_copy

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.plan import plan
from inquiring.search import Searcher
from inquiring.vault import Vault
from inquiring.write import Sentence
from inquiring.write.llm import (
    fit_prompt,
    load_template,
    parse_reply,
    reply_coverage,
    says_not_covered,
)

REPLIES = Path(__file__).parent / "fixtures" / "replies"
CONTEXT = 4096  # the default [llm] context the prompts were sized for
PROBLEMS = {  # a problem's first words → its short name in the fixtures
    "the model declined": "refusal",
    "the reply stops": "truncated",
    "it cites notes that": "invented marker",
    "it cites no note": "no citation",
}
FIXTURES = {path.stem: yaml.safe_load(path.read_text("utf-8")) for path in REPLIES.glob("*.yaml")}
CASES = [(stem, i) for stem, data in sorted(FIXTURES.items()) for i in range(len(data["replies"]))]


@pytest.fixture(scope="module")
def outlines(tmp_path_factory):
    """Each fixture question's outline, as the prompt sized to CONTEXT numbers its notes."""
    root = indexed_demo_copy(tmp_path_factory.mktemp("fixture-replies") / "vault")
    with Index(Vault(root)) as index:
        searcher = Searcher(index, get_embedder())
        found = {}
        for stem, data in FIXTURES.items():
            outline = plan(searcher, searcher.search(data["question"], limit=15))
            found[stem] = fit_prompt(outline, load_template(), CONTEXT)[1]
        yield found


def shown(sentence: Sentence, paths: list[str]) -> str:
    if sentence.citations:
        return f"{sentence.text} [{', '.join(str(paths.index(p) + 1) for p in sentence.citations)}]"
    if not sentence.connective:
        return f"{sentence.text} {{claim}}"
    return f"{sentence.text} {{{'gap' if says_not_covered(sentence.text) else 'connective'}}}"


def read(reply: str, outline) -> dict:
    """What the parser made of a reply, in the fixtures' terms."""
    paths = [n.doc.path for n in outline.notes]
    paragraphs, problems = parse_reply(reply, outline)
    named = [name for start, name in PROBLEMS.items() for p in problems if p.startswith(start)]
    return {
        "coverage": reply_coverage(paragraphs, outline),
        "problems": named,
        "paragraphs": [[shown(s, paths) for s in p] for p in paragraphs],
    }


def test_there_are_forty_replies_in_many_styles():
    replies = [r for data in FIXTURES.values() for r in data["replies"]]
    assert len(replies) >= 40
    assert len({r["style"] for r in replies}) >= 20


@pytest.mark.parametrize(("stem", "number"), CASES, ids=[f"{s}-{i}" for s, i in CASES])
def test_reply_parses_as_expected(stem, number, outlines):
    data = FIXTURES[stem]
    outline = outlines[stem]
    assert [n.doc.path for n in outline.notes] == data["notes"], "the prompt numbers other notes"
    case = data["replies"][number]
    assert read(case["reply"], outline) == case["expect"], case["name"]
