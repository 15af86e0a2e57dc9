"""The bundled demo vault: counts, fields, links and evaluation questions hold together."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from inquiring.doctor import diagnose
from inquiring.index import Index
from inquiring.parse import parse_document
from inquiring.vault import Vault

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Index:
    """A copy of the demo vault as shipped: lines a user saved while trying it are left out."""
    root = tmp_path_factory.mktemp("demo") / "vault"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
    index = Index(Vault(root))
    index.update()
    yield index
    index.close()


def notes() -> list[tuple[Path, object]]:
    paths = sorted((DEMO / "notes").glob("*.md"))
    return [(p, parse_document(p.read_text(encoding="utf-8"), p.name)) for p in paths]


def test_counts(demo):
    stats = demo.stats()
    assert stats["notes"] >= 100
    assert stats["hubs"] >= 8
    assert stats["sources"] >= 60
    assert stats["unresolved_links"] == 0


def test_doctor_strict_is_clean(demo):
    assert [str(p) for p in diagnose(demo) if p.severity == "error"] == []


@pytest.mark.parametrize(("path", "doc"), notes(), ids=lambda v: getattr(v, "name", ""))
def test_every_note_is_complete(path, doc):
    meta = doc.meta
    assert doc.title_source == "front matter" and doc.title.endswith("?")
    for field in ("dek", "summary", "date", "collection"):
        assert meta.get(field), f"{path.name} has no {field}"
    assert meta["categories"] and meta["hubs"] and meta["sources"]
    words = len(doc.body.split())
    assert 150 <= words <= 450, f"{path.name} body has {words} words"
    targets = {link.target for link in doc.links if link.style == "wiki"}
    assert 2 <= len(targets) <= 6, f"{path.name} links to {len(targets)} notes"


def test_every_source_names_a_real_paper(demo):
    for row in demo.documents("source"):
        meta = parse_document((DEMO / row.path).read_text(encoding="utf-8"), row.path).meta
        assert meta.get("id") and meta.get("title"), row.path
        assert meta.get("authors") and str(meta.get("published", ""))[:2] in ("19", "20"), row.path
        assert demo.links_to(row.path, ("source",)), f"no note cites {row.path}"


def test_questions_are_well_formed_and_gold_notes_exist(demo):
    questions = yaml.safe_load((DEMO / "questions.yaml").read_text(encoding="utf-8"))
    kinds = {"specific": 0, "synthesis": 0, "absent": 0}
    ids = set()
    note_paths = {row.path for row in demo.documents("note")}
    for q in questions:
        assert q["id"] not in ids
        ids.add(q["id"])
        kinds[q["kind"]] += 1
        assert set(q["gold"]) <= note_paths, q["id"]
        size = len(q["gold"])
        assert {"specific": 1 <= size <= 2, "synthesis": 4 <= size <= 12, "absent": size == 0}[
            q["kind"]
        ], q["id"]
    assert kinds["specific"] >= 12 and kinds["synthesis"] >= 25 and kinds["absent"] >= 6
    asked = [q["question"] for q in questions]
    assert (
        "How do finetuning and pretraining improvements differ in their effects on model "
        "capabilities?" in asked
    )
