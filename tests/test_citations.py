"""Citations as a reader meets them: numbered marks tied to the Sources, per-sentence JSON,
and a footer that says what the citation check measured. Real asks on a copy of the demo vault.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner
from webvault import indexed_demo_copy

from inquiring.cli import app
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.text import WIKILINK, plain_text, wikilink_parts
from inquiring.vault import Vault
from inquiring.write import SENTENCE_ROLES

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"
CORE = (
    "How do finetuning and pretraining improvements differ in their effects on model capabilities?"
)
MARK = re.compile(r"\[(\d+(?:, \d+)*)\]")


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    return indexed_demo_copy(tmp_path_factory.mktemp("cite") / "vault")


def run(vault: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--vault", str(vault), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def line_json(vault) -> dict:
    return json.loads(run(vault, "ask", CORE, "--json", "--no-save", "--new"))


def test_terminal_cites_by_numbered_marks_never_by_a_title_in_the_prose(vault, line_json):
    out = run(vault, "ask", CORE, "--no-save", "--new")
    essay, _, sources = out.partition("\nSources ")
    titles = [s["title"] for s in line_json["sources"]]
    assert len(titles) >= 6
    for title in titles:  # "…helpfulness. Does emulated fine-tuning show…?" read as prose
        assert title not in essay
    listed = re.findall(r"^\s+\[(\d+)\] (.+?) (notes/\S+\.md)$", sources, re.MULTILINE)
    assert [int(n) for n, _, _ in listed] == list(range(1, len(titles) + 1))
    assert [(t, p) for _, t, p in listed] == [(s["title"], s["path"]) for s in line_json["sources"]]
    used = {int(n) for m in MARK.findall(essay) for n in m.split(", ")}
    assert used == set(range(1, len(titles) + 1))  # every mark is a listed source, each cited
    # A mark sits inside its sentence, before the full stop, never as a sentence of its own.
    assert re.search(r"\w \[\d+(?:, \d+)*\]\.", essay)
    assert not re.search(r"[.!?] \[\d", essay)


def test_marks_follow_the_sentences_that_cite(vault, line_json):
    """Each sentence's mark names its notes' numbers; the same note twice in a row shows once."""
    number = {s["path"]: i for i, s in enumerate(line_json["sources"], start=1)}
    out = run(vault, "ask", CORE, "--no-save", "--new")
    essay = out.partition("\nSources ")[0]
    repeated = 0
    for paragraph in line_json["paragraphs"]:
        sentences = paragraph["sentences"]
        for this, after in zip(sentences, [*sentences[1:], None], strict=True):
            numbers = ", ".join(str(number[p]) for p in this["citations"])
            if after and this["citations"] and after["citations"] == this["citations"]:
                repeated += 1
                assert this["text"] in essay  # shown without a mark
                assert f"{this['text'].rstrip('.')} [{numbers}]." not in essay
            elif this["citations"]:
                assert f"{this['text'].rstrip('.')} [{numbers}]." in essay
    assert repeated >= 1  # the frame note gives the opening two sentences


def test_json_gives_each_sentence_its_citations_role_and_support(line_json):
    paths = {s["path"] for s in line_json["sources"]}
    roles = []
    for paragraph in line_json["paragraphs"]:
        sentences = paragraph["sentences"]
        assert " ".join(s["text"] for s in sentences) == paragraph["text"]
        cited = list(dict.fromkeys(p for s in sentences for p in s["citations"]))
        assert paragraph["citations"] == cited
        for sentence in sentences:
            assert set(sentence) >= {"text", "citations", "role", "supported"}
            assert sentence["role"] in SENTENCE_ROLES
            assert set(sentence["citations"]) <= paths
            assert (sentence["role"] == "connective") == (not sentence["citations"])
            assert sentence["supported"] is True
            roles.append(sentence["role"])
    first_claim = next(r for r in roles if r != "connective")
    assert first_claim == "frame" and roles[-1] == "takeaway"
    assert {"evidence", "takeaway"} <= set(roles)
    support = line_json["support"]
    claims = sum(len(s["citations"]) for p in line_json["paragraphs"] for s in p["sentences"])
    assert support["quoted"] == support["quoted_found"] == claims  # the notes' own words
    assert support["paraphrased"] == 0


def test_footer_says_what_was_measured(vault):
    out = run(vault, "ask", CORE, "--no-save", "--new")
    footer = out.strip().splitlines()[-1]
    assert "citations supported" not in footer  # "100%" for sentences that could not fail
    found = re.search(r"citations checked: (\d+) of (\d+) found word for word", footer)
    assert found and found[1] == found[2] and int(found[1]) >= 6


REPLY = (
    "The notes frame the question as a division of labour: scaling pretraining mostly raised "
    "factuality while scaling finetuning mostly raised helpfulness [1].\n\n"
    "Several notes converge on this [2]. Finetuning follows a multiplicative law [3].\n\n"
    "A curious reader might not expect that a bigger base helps more than more finetuning data [3]."
)


def test_a_model_written_line_reports_paraphrases_scored(vault, scripted_llm):
    scripted_llm.replies = [REPLY]
    out = run(vault, "ask", CORE, "--no-save", "--new", "--model", "scripted")
    footer = out.strip().splitlines()[-1]
    assert "llm:scripted writer" in footer
    assert re.search(r"citations checked: \d+ of 4 paraphrases scored as supported", footer)
    assert "word for word" not in footer
    scripted_llm.replies = [REPLY]
    args = ("--json", "--no-save", "--new", "--show-unsupported", "--model", "scripted")
    data = json.loads(run(vault, "ask", CORE, *args))
    sentences = [s for p in data["paragraphs"] for s in p["sentences"]]
    roles = [s["role"] for s in sentences]
    assert len(roles) == 4 and all(r in SENTENCE_ROLES for r in roles)
    assert roles[0] == "frame" and roles[-1] == "takeaway"  # the note's role; the closing
    assert sentences[0]["supported"] and not all(s["supported"] for s in sentences)
    assert not any(s["quoted"] for s in sentences)


def test_saved_line_parses_back_with_each_mark_linking_its_note(vault):
    out = run(vault, "ask", CORE, "--new")
    saved = vault / re.search(r"Saved to (lines/\S+\.md)", out)[1]
    text = saved.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---")[1])
    cited = front["cited"]
    assert front["support"]["quoted"] >= len(cited)
    essay, _, sources = text.split("---", 2)[2].partition("## Sources")
    marks = [wikilink_parts(m[2]) for m in WIKILINK.finditer(essay)]
    assert marks and all(shown.isdigit() for _, _, shown in marks)
    assert {f"{target}.md" for target, _, _ in marks} == set(cited)
    for target, _, shown in marks:
        assert cited[int(shown) - 1] == f"{target}.md"
    assert re.search(r" \\\[\[\[notes/[^|\]]+\|\d+\]\]\\\]\.", essay)
    listed = re.findall(r"^(\d+)\. \[\[([^|\]]+)\|", sources, re.MULTILINE)
    assert listed == [(str(i), p.removesuffix(".md")) for i, p in enumerate(cited, start=1)]
    with Index(Vault(vault)) as index:
        index.update(embedder=get_embedder())
        line = saved.relative_to(vault).as_posix()
        links = index.links_from(line)
        assert {link.resolved for link in links} == set(cited)
        assert all(link.resolved for link in links)
        text = plain_text(index.body(line))  # what the line's passages are embedded from
        assert "\\" not in text and re.search(r"\w \[\d+(?:, \d+)*\]\.", text)
