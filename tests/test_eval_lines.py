"""`inquiring eval lines`: each measure of a line on small inputs whose answer is plain."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from inquiring.cli import app
from inquiring.evaluate import (
    Question,
    absent_handled,
    count_repeats,
    has_takeaway,
    measure_line,
    missing_antecedent,
    residue,
)
from inquiring.index import Index
from inquiring.vault import Vault
from inquiring.write import Draft, Sentence

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"
LIMA = "notes/superficial-alignment-lima.md"
BPE = "notes/bpe-subword-tokenisation.md"
URIAL = "notes/urial-alignment-without-tuning.md"
LIMA_FINDING = "LIMA's answer was judged equivalent to or better than GPT-4's in 43% of cases."
BPE_FINDING = (
    "Byte-pair encoding builds a vocabulary by merging the most frequent pairs of symbols."
)
# A paper note as people write them: its sections open with short headings.
PAPER_NOTE = """# Pseudo-LiDAR from Visual Depth Estimation

## Overall impression
This paper achieves a large gain in image-based 3D detection by changing how depth is stored.

## Key ideas
Depth maps are converted into point clouds and fed to a LiDAR detector.
"""


def _draft(*paragraphs: list[Sentence], coverage: str = "partial") -> Draft:
    return Draft(
        "How much data does alignment need?", "", coverage, "extractive", list(paragraphs), []
    )


def test_a_sentence_that_refers_back_after_another_notes_sentence_has_no_antecedent():
    this = Sentence("This shows that style can be learned from very little data.", [LIMA])
    assert missing_antecedent(this, Sentence(BPE_FINDING, [BPE]))
    assert missing_antecedent(this, None)  # first in its paragraph
    assert not missing_antecedent(this, Sentence(LIMA_FINDING, [LIMA]))
    authors = Sentence("The authors conclude that alignment mainly teaches a style.", [LIMA])
    assert missing_antecedent(authors, Sentence(BPE_FINDING, [BPE]))
    assert not missing_antecedent(Sentence(LIMA_FINDING, [LIMA]), Sentence(BPE_FINDING, [BPE]))
    second = Sentence("The second is how varied its outputs are.", [LIMA])
    assert missing_antecedent(second, Sentence(BPE_FINDING, [BPE]))
    # "Thistle" and "Items" are not "This" and "It".
    assert not missing_antecedent(Sentence("Items in the set were curated by hand.", [LIMA]), None)


def test_markdown_left_in_a_sentence_is_residue():
    assert residue(Sentence("Later work by [[urial-alignment-without-tuning]] agrees.", [LIMA]), {})
    assert residue(Sentence("The **1,000** examples were curated.", [LIMA]), {})
    assert residue(Sentence("Scores rose from 3 &gt; 2 on the benchmark.", [LIMA]), {})
    bullets = "The main challenges for TFL - Adverse conditions - Early recognition."
    assert residue(Sentence(bullets, [LIMA]), {})
    assert residue(Sentence("Features seen at least $n$ times are kept.", [LIMA]), {})
    assert not residue(Sentence(LIMA_FINDING, [LIMA]), {})


def test_a_heading_of_the_cited_note_glued_to_its_text_is_residue(write_vault):
    root = write_vault({"papers/pseudo-lidar.md": PAPER_NOTE})
    with Index(Vault(root)) as index:
        index.update()
        headings = {"papers/pseudo-lidar.md": index.sections("papers/pseudo-lidar.md")}
    assert headings["papers/pseudo-lidar.md"] == ["Overall impression", "Key ideas"]
    glued = "Overall impression This paper achieves a large gain in image-based 3D detection."
    assert residue(Sentence(glued, ["papers/pseudo-lidar.md"]), headings)
    whole = "Overall impressions of the method were positive among reviewers."
    assert not residue(Sentence(whole, ["papers/pseudo-lidar.md"]), headings)
    # The heading only counts for the note that has it.
    assert not residue(Sentence(glued, [LIMA]), headings)


def test_a_sentence_in_two_lines_is_repeated_in_both(write_vault):
    root = write_vault({"notes/lima.md": (DEMO / LIMA).read_text(encoding="utf-8")})
    with Index(Vault(root)) as index:
        index.update()
        ask = Question("q1", "How much data does alignment need?", "synthesis", (LIMA,), "tune")
        other = Question("q2", "What does a preference study reward?", "synthesis", (), "test")
        first = _draft([Sentence(LIMA_FINDING, [LIMA]), Sentence(BPE_FINDING, [BPE])])
        second = _draft([Sentence(LIMA_FINDING.upper(), [LIMA])])
        rows = [measure_line(index, ask, first, 1.0), measure_line(index, other, second, 1.0)]
    count_repeats(rows)
    assert [r.repeated for r in rows] == [1, 1]
    assert rows[0].gold_cited == 1.0 and rows[0].claims == 2


def test_a_line_closing_on_one_quoted_sentence_has_no_takeaway():
    quoted = _draft([Sentence(BPE_FINDING, [BPE])], [Sentence(LIMA_FINDING, [LIMA])])
    assert not has_takeaway(quoted)
    drawn = Sentence("Alignment data teaches style more than knowledge.", [LIMA, URIAL])
    assert has_takeaway(_draft([Sentence(BPE_FINDING, [BPE])], [drawn]))
    assert not has_takeaway(_draft())


def test_a_single_quoted_sentence_called_a_takeaway_is_not_one():
    quoted = Sentence(LIMA_FINDING, [LIMA], role="takeaway")
    assert not has_takeaway(_draft([quoted]))


def test_an_uncovered_question_is_handled_by_no_line_or_a_thin_line_naming_the_gap():
    question = "Which retailers recommend products with language models?"
    assert absent_handled(question, _draft(coverage="none"))
    gap = "The vault is thin on this question, and no note mentions “retailers”."
    thin = _draft([Sentence(gap, connective=True), Sentence(BPE_FINDING, [BPE])], coverage="thin")
    assert absent_handled(question, thin)
    vague = "The vault is thin on this question, so what follows is partial."
    assert not absent_handled(question, _draft([Sentence(vague, connective=True)], coverage="thin"))
    assert not absent_handled(question, _draft([Sentence(BPE_FINDING, [BPE])]))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("eval-lines") / "vault"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring"))
    questions = yaml.safe_load((DEMO / "questions.yaml").read_text(encoding="utf-8"))
    chosen = [q for q in questions if q["id"] in ("q01", "q02", "q03", "q04", "q10")]
    (root / "few.yaml").write_text(yaml.safe_dump(chosen), encoding="utf-8")
    return root


def test_eval_lines_reports_every_measure_per_half(demo):
    runner = CliRunner()
    command = ["--vault", str(demo), "eval", "lines", str(demo / "few.yaml")]
    result = runner.invoke(app, [*command, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["half"] for s in data["summary"]] == ["tune", "test", "all"]
    whole = data["summary"][2]
    assert whole["questions"] == 5
    for name in ("missing_antecedent", "residue", "takeaway", "repeated", "gold_cited"):
        assert 0.0 <= whole[name] <= 1.0, name
    assert 0.0 <= whole["absent_handled"] <= 1.0
    assert 0.9 <= whole["precision"] <= 1.0
    row = data["questions"][0]
    assert {"missing_antecedent", "residue", "takeaway", "repeated", "absent_handled"} <= set(row)
    assert "texts" not in row
    table = runner.invoke(app, command)
    assert table.exit_code == 0, table.output
    for label in ("missing antecedent", "glued heading", "takeaway", "uncovered questions"):
        assert label in table.output
    assert not math.isnan(whole["gold_cited"])
