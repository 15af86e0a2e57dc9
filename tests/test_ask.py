"""Asking questions of a copy of the demo vault: planning, writing, checking, saving."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner
from webvault import indexed_demo_copy

from inquiring.ask import ask
from inquiring.cli import app
from inquiring.embed import get_embedder
from inquiring.errors import InquiringError
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.settings import load_settings
from inquiring.vault import Vault
from inquiring.verify import parts
from inquiring.write import dek_for
from inquiring.write.llm import ModelWriter, load_template, write_llm

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"
ROOT = Path(__file__).resolve().parents[1]
CORE = (
    "How do finetuning and pretraining improvements differ in their effects on model capabilities?"
)


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    return indexed_demo_copy(tmp_path_factory.mktemp("ask") / "vault")


@pytest.fixture
def searcher(vault):
    index = Index(Vault(vault))
    yield Searcher(index, get_embedder())
    index.close()


def test_extractive_line_cites_every_claim_once(searcher):
    answer = ask(searcher, CORE, save=False, new=True)
    draft = answer.draft
    assert draft.writer == "extractive" and draft.coverage == "strong"
    assert draft.dek.startswith("This explores how finetuning and pretraining improvements")
    claims = [s for p in draft.paragraphs[:-1] for s in p if not s.connective]
    assert len(claims) >= 6 and all(s.citations for s in claims)
    texts = [s.text for p in draft.paragraphs for s in p]
    assert len(texts) == len(set(texts))
    assert 6 <= len(draft.sources) <= 15
    assert [d.path for d in draft.sources] == draft.cited()
    assert "notes/eft-pretraining-vs-finetuning-scale.md" in draft.cited()
    # Every claim is a sentence of the note it cites.
    for sentence in claims:
        note = (searcher.index.vault.root / sentence.citations[0]).read_text(encoding="utf-8")
        flat = " ".join(re.sub(r"\[\[[^|\]]*\|([^\]]*)\]\]", r"\1", note).split())
        assert sentence.text.rstrip(".")[:60] in flat
    assert answer.support[0] >= 0.9


def test_an_extractive_line_answers_first_and_closes_on_a_takeaway(searcher):
    """The opening is the sentence that answers the question; the closing joins the claim
    the notes echo most with the main limit, each part the words of a note it cites."""
    draft = ask(searcher, CORE, save=False, new=True).draft
    opening = draft.paragraphs[0][0]
    assert opening.citations == ["notes/eft-pretraining-vs-finetuning-scale.md"]
    assert "pretraining mainly raised factuality" in opening.text
    closing = draft.paragraphs[-1]
    assert len(closing) == 1 and closing[0].role == "takeaway"
    takeaway = closing[0]
    assert takeaway.text.startswith("The takeaway: ") and len(takeaway.citations) == 2
    root = searcher.index.vault.root
    notes = [" ".join((root / p).read_text(encoding="utf-8").split()) for p in takeaway.citations]
    for part in parts(takeaway.text):  # each clause is the words of a note it cites
        assert any(part.rstrip(".")[:60] in note for note in notes)
    earlier = {s.text.rstrip(".") for p in draft.paragraphs[:-1] for s in p}
    assert not any(part.rstrip(".") in earlier for part in parts(takeaway.text))


def test_absent_topic_gets_no_essay(searcher):
    answer = ask(searcher, "How do diffusion models denoise images of cats?", save=False)
    assert answer.draft.paragraphs == [] and "nothing on this question" in answer.draft.message
    assert answer.outline.nearest


def test_a_thin_line_says_what_is_missing_in_measured_terms(searcher):
    """Not how many notes were shown (a cap), but which of the question's words none of them
    uses, out of how many."""
    question = "Who is legally responsible when an AI assistant's advice causes harm?"
    answer = ask(searcher, question, save=False, new=True)
    assert answer.draft.coverage == "thin"
    opening = answer.draft.paragraphs[0][0].text
    assert "come near" not in opening
    assert re.search(r"“legally”.*\(\d of the question's 6 key words\)", opening), opening


def test_dek_phrasing():
    assert dek_for("How do X and Y differ?", 3).startswith("This explores how X and Y differ,")
    assert dek_for("Why is the sky blue?", 1).startswith("This explores the question “Why is")
    assert dek_for("What happens when data runs out?", 2).startswith(
        "This explores what happens when data runs out,"
    )
    assert dek_for("How do I embed part of another note?", 3).startswith(
        "This explores how to embed part of another note,"
    )


def test_saved_line_is_indexed_and_found_again(vault, searcher):
    answer = ask(searcher, CORE, new=True)
    path = answer.path
    assert path.parent == vault / "lines" and path.exists()
    text = path.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---")[1])
    assert front["type"] == "line" and front["question"] == CORE
    assert front["writer"] == "extractive"
    assert front["cited"] == answer.draft.cited()
    assert set(front["support"]) == {
        "precision",
        "recall",
        "quoted",
        "quoted_found",
        "paraphrased",
        "paraphrased_supported",
        "claims",
        "claims_backed",
        "judged",
    }
    assert set(front["corpus"]) >= set(front["cited"])
    assert "## Sources" in text and "[[notes/eft-pretraining-vs-finetuning-scale|" in text
    assert not list(vault.glob("lines/.*.tmp"))
    searcher.index.update(embedder=searcher.embedder)
    again = ask(
        searcher,
        "How do improvements in finetuning and in pretraining differ in their effects on "
        "model capabilities?",
    )
    assert again.duplicate and again.duplicate[0] == str(path.relative_to(vault))
    users = searcher.index.links_to("notes/eft-pretraining-vs-finetuning-scale.md")
    assert any(link.path == str(path.relative_to(vault)) for link in users)
    lines = searcher.index.lines_using("notes/eft-pretraining-vs-finetuning-scale.md")
    assert str(path.relative_to(vault)) in [line.path for line in lines]
    assert all(line.kind == "line" for line in lines)


def test_cli_ask_json_and_show(vault):
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["--vault", str(vault), "ask", CORE, "--json", "--no-save", "--new"],
        catch_exceptions=False,
    )
    data = json.loads(result.output)
    assert set(data) >= {
        "question",
        "dek",
        "coverage",
        "writer",
        "paragraphs",
        "sources",
        "support",
    }
    assert all(p["citations"] for p in data["paragraphs"] if "[" not in p["text"])
    assert all(s["path"].startswith("notes/") for s in data["sources"])
    runner.invoke(app, ["--vault", str(vault), "ask", CORE, "--new"], catch_exceptions=False)
    shown = runner.invoke(
        app, ["--vault", str(vault), "show", "eft-pretraining-vs-finetuning-scale"]
    )
    assert re.search(r"Inquiring lines that use this note \([1-9]\d*\)", shown.output)


REPLY = (
    "The notes frame the question as a division of labour: scaling pretraining mostly raised "
    "factuality while scaling finetuning mostly raised helpfulness [1].\n\n"
    "Several notes converge on this [2]. Finetuning follows a multiplicative law [3].\n\n"
    "A curious reader might not expect that a bigger base helps more than more finetuning data [3]."
)


def scripted_writer(outline):
    return write_llm(outline, "scripted", load_template())


def test_llm_writer_turns_markers_into_citations(searcher, scripted_llm):
    scripted_llm.replies = [REPLY]
    answer = ask(searcher, CORE, save=False, new=True, writer=scripted_writer)
    draft = answer.draft
    assert draft.writer == "llm:scripted" and len(scripted_llm.prompts) == 1
    assert "[1]" in scripted_llm.prompts[0] and CORE in scripted_llm.prompts[0]
    first = draft.paragraphs[0][0]
    assert first.citations == [answer.outline.notes[0].doc.path]
    assert "[1]" not in first.text


def test_llm_bad_reply_is_retried_then_falls_back(searcher, scripted_llm):
    scripted_llm.replies = ["Finetuning matters [42].", "I'm sorry, I cannot help with that."]
    answer = ask(searcher, CORE, save=False, new=True, writer=scripted_writer)
    assert len(scripted_llm.prompts) == 2
    assert "cites notes that do not exist: [42]" in scripted_llm.prompts[1]
    assert answer.draft.writer == "extractive"
    assert any("did not produce a usable line" in w for w in answer.warnings)


def test_no_model_configured_sends_nothing(vault, scripted_llm):
    runner = CliRunner()
    runner.invoke(
        app, ["--vault", str(vault), "ask", CORE, "--no-save", "--new"], catch_exceptions=False
    )
    assert scripted_llm.prompts == []
    result = runner.invoke(
        app,
        ["--vault", str(vault), "ask", CORE, "--no-save", "--new", "--model", "nope-model"],
    )
    assert result.exit_code == 1 and "no model called 'nope-model'" in result.output
    result = runner.invoke(app, ["--vault", str(vault), "ask", "  "])
    assert result.exit_code == 1 and "the question is empty" in result.output


def test_status_and_refresh_follow_note_changes(tmp_path):
    root = tmp_path / "vault"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["--vault", str(root), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("ask", "Does RL post-training create new reasoning abilities?")
    assert "0 of 1 lines are stale." in run("status")
    note = root / "notes" / "rl-deploys-latent-reasoning.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    report = json.loads(run("status", "--json"))
    assert report[0]["stale"] and report[0]["changed"] == ["notes/rl-deploys-latent-reasoning.md"]
    assert "Rewrote lines/" in run("refresh", "--all")
    assert "0 of 1 lines are stale." in run("status")
    assert len(list((root / "lines").glob("*.md"))) == 1


def test_refresh_keeps_a_line_edited_by_hand_unless_forced(tmp_path):
    root = tmp_path / "vault"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["--vault", str(root), *args])
        assert result.exit_code == code, result.output
        return " ".join(result.output.split())

    run("ask", "Does RL post-training create new reasoning abilities?")
    (line,) = (root / "lines").glob("*.md")
    edit = "My own reading: the two studies measure different things."
    line.write_text(line.read_text(encoding="utf-8") + f"\n{edit}\n", encoding="utf-8")
    note = root / "notes" / "rl-deploys-latent-reasoning.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    said = run("refresh", "--all")
    name = f"lines/{line.name}"
    assert f"Kept: {name} was edited by hand since inquiring wrote it" in said
    assert "Rewrote" not in said and edit in line.read_text(encoding="utf-8")
    said = run("refresh", name, code=1)
    assert f"Error: {name} was edited by hand" in said
    assert f"run: inquiring refresh --force {name}" in said
    assert f"Rewrote {name}" in run("refresh", "--all", "--force")
    assert edit not in line.read_text(encoding="utf-8")
    note.write_text(note.read_text(encoding="utf-8") + "\nAnother.\n", encoding="utf-8")
    assert f"Rewrote {name}" in run("refresh", "--all")  # a line as written is rewritten


def test_the_judge_is_not_asked_about_the_notes_own_words(searcher, scripted_llm):
    """The extractive writer quotes its notes, so no citation is in doubt."""
    scripted_llm.replies = ["no"] * 40
    judge = ModelWriter("scripted", load_template()).answer
    answer = ask(searcher, CORE, save=False, new=True, judge=judge)
    assert scripted_llm.prompts == [] and answer.draft.checked.judged == 0
    assert answer.support[0] == 1.0


def test_a_writing_model_judges_the_citations_the_checker_doubts(vault, scripted_llm):
    """A strong model's faithful paraphrase, with a judge that agrees with every claim: the
    doubtful sentences the checker alone drops are kept, unless judging is turned off."""
    fixture = yaml.safe_load(
        (ROOT / "tests/fixtures/replies/deepseek-pure-rl.yaml").read_text(encoding="utf-8")
    )
    reply = next(r["reply"] for r in fixture["replies"] if r["name"] == "[Note n] and bold")
    rescued = "Its AIME 2024 pass@1 went from 15.6% to 71.0%"

    def model(prompt: str) -> str:
        if "CLAIM:" in prompt:
            return "Yes — the note says this."
        return "" if "not supported by the notes" in prompt else reply  # no rewrite

    def run(*flags: str) -> str:
        scripted_llm.replies = [model] * 40
        scripted_llm.prompts.clear()
        command = ["--vault", str(vault), "ask", "--model", "scripted", "--no-save", "--new"]
        result = CliRunner().invoke(app, [*command, *flags, fixture["question"]])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    judged = run()
    asked = [p for p in scripted_llm.prompts if "CLAIM:" in p]
    assert 1 <= len(asked) <= 4 and rescued in judged
    assert "doubtful citations decided by the model" in judged
    alone = run("--no-judge")
    assert not any("CLAIM:" in p for p in scripted_llm.prompts) and rescued not in alone


def test_judge_setting(tmp_path):
    (tmp_path / "inquiring.toml").write_text("[llm]\njudge = false\n", encoding="utf-8")
    assert load_settings(Vault(tmp_path)).judging() is False
    assert load_settings(Vault(tmp_path)).judging(True) is True
    (tmp_path / "inquiring.toml").write_text("[llm]\njudge = 'sometimes'\n", encoding="utf-8")
    with pytest.raises(InquiringError, match=r"\[llm\] judge must be true or false"):
        load_settings(Vault(tmp_path))
