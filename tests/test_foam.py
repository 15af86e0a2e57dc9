"""A real-world vault: Foam's documentation (MIT), vendored in tests/fixtures/foam-docs."""

from __future__ import annotations

import hashlib

import pytest
from conftest import FOAM

from inquiring.index import Index
from inquiring.vault import Vault


@pytest.fixture(scope="module")
def foam(tmp_path_factory) -> Index:
    assert FOAM.is_dir(), f"the Foam fixture is missing at {FOAM}"
    db = tmp_path_factory.mktemp("foam") / "index.db"
    index = Index(Vault(FOAM), db)  # never write into the fixture itself
    index.update()
    yield index
    index.close()


def links(index: Index, path: str) -> list[tuple[int, str, str | None]]:
    return [(lk.line, lk.target, lk.resolved) for lk in index.links_from(path)]


def test_all_notes_index(foam):
    assert foam.stats()["notes"] == 86
    assert foam.stats()["skipped_files"] == 0


def test_real_wikilinks_resolve_and_code_examples_do_not_count(foam):
    # Lines 3-83 of this page show wikilink syntax inside code spans and a table of code
    # examples; only the links on lines 12, 33, 70 and 87-89 are real.
    base = "docs/user/features/"
    assert links(foam, base + "wikilinks.md") == [
        (12, "graph-view", base + "graph-view.md"),
        (33, "block-anchors", base + "block-anchors.md"),
        (70, "link-reference-definitions", base + "link-reference-definitions.md"),
        (87, "footnotes", base + "footnotes.md"),
        (88, "block-anchors", base + "block-anchors.md"),
        (89, "templates", base + "templates.md"),
    ]
    user_index = links(foam, "docs/user/index.md")
    assert (
        5,
        "frequently-asked-questions",
        "docs/user/frequently-asked-questions.md",
    ) in user_index
    assert not [t for _, t, _ in user_index if t in ("double bracket", "note", "note#^id")]


def test_code_span_targets_never_appear_as_links(foam):
    examples = {"double bracket", "note-name", "filename", "folder/filename", "./file", "todo"}
    targets = {row[0] for row in foam.db.execute("SELECT target FROM links")}
    assert not examples & targets


def test_backlinks_come_from_many_pages(foam):
    backlinks = foam.links_to("docs/user/features/wikilinks.md")
    assert len({lk.path for lk in backlinks}) >= 5


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(FOAM.rglob("*")):
        if path.is_file():
            digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def test_fixture_is_left_untouched(foam):
    before = fingerprint()
    foam.update(rebuild=True)
    assert fingerprint() == before
    assert not (FOAM / ".inquiring").exists()
