"""Messy model replies: only the writer's own `[n]` markers may become links in a saved line.

Real models wrap their answer in preambles and code fences, add headings, HTML, wikilinks and
links of their own, footnotes and a "Sources:" list, and write markers as `[1, 3]` or `[1-3]`.
Whatever they write, the saved line passes `doctor --strict` and cites only mapped notes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from typer.testing import CliRunner
from webvault import LOCAL, indexed_demo_copy
from webvault import QUESTION as CORE

from inquiring.ask import ask
from inquiring.cli import app
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.plan import Outline, plan
from inquiring.search import Searcher
from inquiring.vault import Vault
from inquiring.web.app import create_app
from inquiring.web.urls import page_for
from inquiring.write.llm import load_template, parse_reply, write_llm


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    return indexed_demo_copy(tmp_path_factory.mktemp("replies") / "vault")


@pytest.fixture
def searcher(vault):
    index = Index(Vault(vault))
    yield Searcher(index, get_embedder())
    for line in (vault / "lines").glob("*.md"):  # each test starts with no line
        line.unlink()
    index.update(embedder=get_embedder())
    index.close()


def notes_in(prompt: str) -> dict[int, tuple[str, str]]:
    """The prompt's numbered notes: {n: (title, first summary sentence without its stop)}."""
    found = {}
    blocks = re.findall(r"^\[(\d+)\] (.*) \([^()]*\)\nSummary: (.*)$", prompt, re.M)
    for n, title, key in blocks:
        first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", key)[0]
        found[int(n)] = (title, first.rstrip(".!? "))
    return found


def reply(template: str):
    """A scripted reply quoting the first summary sentence of notes 1-3 as {s1}, {s2}, {s3}."""

    def write(prompt: str) -> str:
        notes = notes_in(prompt)
        values = {f"s{n}": notes[n][1] for n in (1, 2, 3)} | {"t1": notes[1][0]}
        return template.format(**values)

    return write


MESSY = {
    "invented links": (
        "{s1} [1]. The notes agree with [[Nonexistent Note]] and [this](notes/made-up-note.md).\n\n"
        "{s2} [2].\n\n{s3} [3]."
    ),
    "embeds and a tracking pixel": (
        "![[Nonexistent Note]]\n\n{s1} [1]. ![](http://tracker.example/pixel.gif?id=7)\n\n"
        "{s2} [2] ![[figure.png]] ![chart][fig].\n\n{s3} [3].\n\n[fig]: http://tracker.example/c.png"
    ),
    "reference links and footnotes": (
        "{s1} [1], as [the original study][ref] shows.[^a]\n\n{s2} [2].\n\n{s3} [3][^b].\n\n"
        "[ref]: https://arxiv.org/abs/2301.00001\n[^a]: A footnote citing [[Made Up Note]].\n"
        "[^b]: <https://example.com/b>"
    ),
    "raw html": (
        "<p>{s1} [1].</p>\n<!-- cite [[Hidden Note]]\nacross lines -->\n"
        "<script>alert('x')</script>\n\n<b>{s2}</b> [2].<br>\n\n"
        '<a href="notes/made-up-note.md">{s3}</a> [3]. <img src=x onerror=alert(1)>'
    ),
    "preamble, fence, headings and a sources list": (
        "Sure! Here is the inquiring line you asked for:\n\n```markdown\n# An inquiring line\n\n"
        "## The frame\n\n{s1} [1].\n\n---\n\n{s2}. [2]\n\n- {s3} [3].\n```\n\n**Sources:**\n"
        "1. [[{t1}]]\n2. [Note two](notes/two.md)\n3. <https://example.com>\n\n"
        "Let me know if you would like any changes!"
    ),
    "urls, highlights, tags and setext": (
        "==Important:== {s1} [1]. More at <https://example.com/paper> and "
        "https://example.org/x?a=1.\n\n{s2} [2] #finetuning %%hidden%%.\n=====\n\n"
        "{s3} [3] ==(not supported by its citation)==.\n\n> {s1} [1].\n\n| {s2} [2]. |\n|---|"
    ),
    "marker forms": (
        "{s1} [1, 2].\n\n{s2} [2][3].\n\n{s3} [1-3].\n\n{s1}. [note 1]\n\n"
        "References: [1] [[{t1}]], [2] https://example.com/two"
    ),
}


def scripted_writer(outline):
    return write_llm(outline, "scripted", load_template(), timeout=30)


@pytest.mark.parametrize("case", list(MESSY))
def test_saved_line_cites_only_mapped_notes(case, vault, searcher, scripted_llm):
    scripted_llm.replies = [reply(MESSY[case])]
    answer = ask(searcher, CORE, new=True, writer=scripted_writer)
    assert len(scripted_llm.prompts) == 1 and answer.draft.writer == "llm:scripted"
    assert answer.path is not None, answer.warnings
    mapped = {n.doc.path for n in answer.outline.notes[:3]}
    text = answer.path.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["cited"] and set(front["cited"]) <= mapped
    body = text.split("---\n", 2)[2]
    for sign in ("<", "http", "](", "[^", "==", "%%", "Sure", "Let me know", "Sources:", "#fine"):
        assert sign not in body, f"{sign!r} in {body}"
    headings = re.findall(r"^#+ .*", body, re.M)
    assert headings == [f"# {CORE}", f"## Sources {len(front['cited'])} notes"]
    line = answer.path.relative_to(vault).as_posix()
    searcher.index.update(embedder=searcher.embedder)
    links = searcher.index.links_from(line)
    assert {link.resolved for link in links} == set(front["cited"])
    assert not any(link.embed for link in links)
    doctor = CliRunner().invoke(app, ["--vault", str(vault), "doctor", "--strict"])
    assert doctor.exit_code == 0 and "No problems found." in doctor.output, doctor.output
    client = TestClient(create_app(searcher.index, searcher.embedder), base_url=LOCAL)
    page = client.get(page_for(line))
    assert page.status_code == 200
    article = page.text.split("<main", 1)[1]
    for sign in ("<img", "<script", "<mark", "unresolved", "example.", "tracker", "onerror"):
        assert sign not in article


def test_marker_forms_become_citations(searcher, scripted_llm):
    outline = plan(searcher, searcher.search(CORE, limit=15))
    paths = [n.doc.path for n in outline.notes]
    text = (
        "Scaling pretraining raised factuality [1, 3]. Finetuning raised helpfulness [2][4]. "
        "Both matter [1-3]. The base model counts [note 2; note 4]. It is [1](notes/x.md) clear."
    )
    paragraphs, problems = parse_reply(text, outline)
    assert problems == []
    assert [s.citations for s in paragraphs[0]] == [
        [paths[0], paths[2]],
        [paths[1], paths[3]],
        paths[:3],
        [paths[1], paths[3]],
        [paths[0]],
    ]
    assert paragraphs[0][4].text == "It is clear."


def test_out_of_range_marker_is_retried(searcher, scripted_llm):
    first = "{s1} [1]. {s2} [14].\n\n{s3} [1-40]."
    scripted_llm.replies = [reply(first), reply("{s1} [1].\n\n{s2} [2].\n\n{s3} [3].")]
    answer = ask(searcher, CORE, save=False, new=True, writer=scripted_writer)
    assert len(scripted_llm.prompts) == 2
    retry = scripted_llm.prompts[1].rsplit("Your previous answer", 1)[1]
    assert "cites notes that do not exist: [14]" in retry
    assert "do not exist: [40]" in retry  # "[1-40]" is too wide to be a range of notes
    assert answer.draft.writer == "llm:scripted"


PIECES = [*"ab1 .!:/#=-*_`|^%~<>()[]\n", "[[", "]]", "http://", "<b>", "<!--", "[2]", "Sure"]
MARKDOWNISH = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@given(MARKDOWNISH)
@example("a ://")  # once left "A ://." (a scheme-less URL mark)
@settings(max_examples=300, deadline=None)
def test_any_reply_leaves_only_plain_prose(demo_outline, text):
    paths = [n.doc.path for n in demo_outline.outline.notes]
    paragraphs, _ = parse_reply(text, demo_outline.outline)
    for sentence in (s for p in paragraphs for s in p):
        assert not re.search(r"[\[\]]|<[A-Za-z/!?]|==|://|^[#>*+|=~-]", sentence.text), sentence
        assert set(sentence.citations) <= set(paths)


class DemoOutline:
    """The demo vault's outline for CORE, with a short repr for Hypothesis's reports."""

    def __init__(self, outline: Outline) -> None:
        self.outline = outline

    def __repr__(self) -> str:
        return "DemoOutline()"


@pytest.fixture(scope="module")
def demo_outline(vault):
    with Index(Vault(vault)) as index:
        searcher = Searcher(index, get_embedder())
        yield DemoOutline(plan(searcher, searcher.search(CORE)))
