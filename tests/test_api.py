"""The library's front door, `inquiring.open`, on copies of the demo vault."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import bump_mtime

import inquiring

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "How do finetuning and pretraining improvements differ?"


def test_import_loads_nothing_heavy_until_asked():
    """`import inquiring` and opening a vault load neither the model nor the writers."""
    code = (
        "import sys, inquiring\n"
        "v = inquiring.__version__\n"
        "heavy = ['numpy', 'onnxruntime', 'llm', 'inquiring.search', 'inquiring.ask']\n"
        "print(v, *[m for m in heavy if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == [inquiring.__version__]
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", inquiring.__version__)


def test_search_note_hub_and_a_path_outside_the_vault(demo_copy):
    with inquiring.open(demo_copy) as vault:
        result = vault.search("does RL teach new reasoning", limit=3)
        assert result.coverage == "strong"
        assert result.hits[0].doc.path == "notes/rl-deploys-latent-reasoning.md"
        note = vault.note("Which parameters does RL fine-tuning actually change?")
        assert note.doc.path == "notes/rl-sparse-subnetworks.md"
        assert "notes/rl-deploys-latent-reasoning.md" in {b.path for b in note.backlinks}
        hub = vault.hub("rl-post-training")
        assert note.doc.path in {m.path for m in hub.members}
        section = vault.note(hub.doc.path).section("rl recipes for reasoning")
        assert section.startswith("## RL recipes for reasoning")
        assert "## Narrowing" not in section
        with pytest.raises(inquiring.InquiringError, match="no section 'Nothing'"):
            vault.note(hub.doc.path).section("Nothing")
        for outside in ("../../etc/passwd", "/etc/passwd", "notes/../../secret.md"):
            with pytest.raises(inquiring.OutsideVault, match="outside the vault"):
                vault.note(outside)


def test_ask_saves_and_indexes_a_line_once(demo_copy):
    with inquiring.open(demo_copy) as vault:
        steps: list[str] = []
        answer = vault.ask(QUESTION, progress=steps.append)
        assert answer.path is not None and answer.path.parent == demo_copy / "lines"
        assert steps[-1] == "Adding the line to the index"
        saved = answer.path.relative_to(demo_copy).as_posix()
        line = vault.line(saved)
        assert line.question == QUESTION and line.coverage == "strong"
        assert line.cited == [d.path for d in answer.draft.sources]
        assert [x.doc.path for x in vault.lines()] == [saved]
        again = vault.ask(QUESTION.replace("differ", "differ in effect"))
        assert again.duplicate is not None and again.duplicate[0] == saved
        assert again.path is None and len(list((demo_copy / "lines").iterdir())) == 1
        draft = vault.ask("What limits long-context retrieval?", save=False)
        assert draft.draft.paragraphs and draft.path is None
        assert len(list((demo_copy / "lines").iterdir())) == 1


def test_an_edited_note_makes_its_line_stale_and_refresh_rewrites_it(demo_copy):
    with inquiring.open(demo_copy) as vault:
        answer = vault.ask(QUESTION)
        assert answer.path is not None and vault.stale() == []
        cited = demo_copy / answer.draft.sources[0].path
        cited.write_text(cited.read_text(encoding="utf-8") + "\nOne more sentence.\n", "utf-8")
        bump_mtime(cited)
        saved = answer.path.relative_to(demo_copy).as_posix()
        [stale] = vault.stale()
        assert stale.line == saved and stale.changed == [answer.draft.sources[0].path]
        assert vault.refresh().rewritten == [saved]
        assert vault.stale() == []
        answer.path.write_text(answer.path.read_text(encoding="utf-8") + "Mine.\n", "utf-8")
        with pytest.raises(inquiring.InquiringError, match="edited by hand"):
            vault.refresh(saved)


def test_the_examples_in_docs_api_md_run(demo_copy, monkeypatch, capsys):
    """Every ```python block of docs/api.md, in order, on a copy named as the docs name it."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 3
    demo_copy.rename(demo_copy.parent / "my-vault")
    shutil.copytree(ROOT / "examples" / "papers", demo_copy.parent / "examples" / "papers")
    monkeypatch.chdir(demo_copy.parent)  # as the repository's root is for a reader
    scope: dict = {}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), scope)
    said = capsys.readouterr().out
    assert "strong" in said and "is outside the vault" in said
    assert "lines/how-do-finetuning-and-pretraining-improvements-differ.md" in said
    assert "sources/cohan2020specter.md from zotero.bib:21" in said
    assert "12 already in the vault" in said
