"""The SQLite index: incremental updates, rebuild equivalence, ranking, schema versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import bump_mtime, note

from inquiring import index as index_module
from inquiring.index import Index, fts_query
from inquiring.vault import Vault

BASE = {
    "notes/a.md": note("Does alpha help?", "Alpha links [[b]] and [[Gamma title]].", dek="A."),
    "notes/b.md": note("Beta?", "Beta text about transformers. See [c](c.md)."),
    "notes/c.md": note("Gamma title", "Gamma body mentions alpha once.", aliases="[G]"),
    "hubs/h.md": "---\ntitle: Hub\n---\n## Section one\n- [[a]]\n- [[Beta?]]\n",
    "sources/arxiv-2310.12962.md": "---\nid: arXiv:2310.12962v2\ntitle: EFT\n---\nA paper.\n",
}


def resolved(index: Index, path: str) -> list[tuple[str, str | None]]:
    return [(lk.target, lk.resolved) for lk in index.links_from(path)]


def test_full_index_of_a_small_vault(write_vault, open_index):
    index = open_index(write_vault(BASE))
    report = index.update()
    assert (report.added, report.changed, report.removed) == (5, 0, 0)
    assert index.stats()["notes"] == 3
    assert index.stats()["hubs"] == 1
    assert index.stats()["sources"] == 1
    assert resolved(index, "notes/a.md") == [("b", "notes/b.md"), ("Gamma title", "notes/c.md")]
    assert resolved(index, "notes/b.md") == [("c.md", "notes/c.md")]
    assert [d.path for d in index.hub_members("hubs/h.md")] == ["notes/a.md", "notes/b.md"]
    assert index.find("G").path == "notes/c.md"
    assert index.find("arxiv:2310.12962").path == "sources/arxiv-2310.12962.md"


def test_wal_mode_and_schema_version(write_vault, open_index):
    root = write_vault(BASE)
    index = open_index(root)
    assert index.path == root / ".inquiring" / "index.db"
    assert index.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    version = index.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert version == (str(index_module.SCHEMA_VERSION),)


def test_schema_mismatch_rebuilds_cleanly(write_vault, open_index):
    root = write_vault(BASE)
    first = open_index(root)
    first.update()
    first.db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    first.db.execute("CREATE TABLE leftover (x)")
    first.db.commit()
    first.close()
    second = open_index(root)
    tables = {r[0] for r in second.db.execute("SELECT name FROM sqlite_master")}
    assert "leftover" not in tables
    assert second.stats()["notes"] == 0
    assert second.update().added == 5


def test_only_changed_files_are_parsed_again(write_vault, open_index):
    root = write_vault(BASE)
    index = open_index(root)
    index.update()
    assert index.update().touched is False
    bump_mtime(root / "notes/b.md")  # touched, same content
    report = index.update()
    assert (report.changed, report.unchanged) == (0, 5)
    (root / "notes/b.md").write_text(note("Beta?", "Now about [[a]] only."), encoding="utf-8")
    bump_mtime(root / "notes/b.md")
    report = index.update()
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 1, 0, 4)
    assert resolved(index, "notes/b.md") == [("a", "notes/a.md")]


def test_add_delete_and_rename_leave_nothing_stale(write_vault, open_index):
    root = write_vault(BASE)
    index = open_index(root)
    index.update()
    (root / "notes/c.md").unlink()
    index.update()
    assert index.document("notes/c.md") is None
    assert resolved(index, "notes/a.md") == [("b", "notes/b.md"), ("Gamma title", None)]
    assert "notes/c.md" not in [row.path for row, _ in index.search("gamma")]
    (root / "notes/d.md").write_text(note("Gamma title", "Back again."), encoding="utf-8")
    index.update()
    assert resolved(index, "notes/a.md") == [("b", "notes/b.md"), ("Gamma title", "notes/d.md")]
    (root / "notes/b.md").rename(root / "notes/renamed.md")
    report = index.update()
    assert (report.added, report.removed) == (1, 1)
    assert index.document("notes/b.md") is None
    assert resolved(index, "notes/a.md") == [("b", None), ("Gamma title", "notes/d.md")]
    assert [d.path for d in index.hub_members("hubs/h.md")] == ["notes/a.md", "notes/renamed.md"]
    paths = {r[0] for r in index.db.execute("SELECT path FROM files")}
    assert "notes/b.md" not in paths and "notes/c.md" not in paths


def test_rebuild_from_scratch_equals_incremental_updates(write_vault, open_index, tmp_path):
    root = write_vault(BASE)
    incremental = open_index(root)
    incremental.update()
    (root / "notes/c.md").rename(root / "notes/c2.md")
    (root / "notes/e.md").write_text(note("E", "links [[c2]] and [[missing]]"), encoding="utf-8")
    (root / "notes/a.md").write_text(note("Does alpha help?", "Changed [[G]]."), encoding="utf-8")
    bump_mtime(root / "notes/a.md")
    (root / "img.png").write_bytes(b"\x89PNG")
    (root / "notes/f.md").write_text("![[img.png]]", encoding="utf-8")
    incremental.update()
    fresh = Index(Vault(root), tmp_path / "fresh.db")
    fresh.update()
    assert list(incremental.dump()) == list(fresh.dump())
    rebuilt = open_index(root)
    rebuilt.update(rebuild=True)
    assert list(rebuilt.dump()) == list(fresh.dump())
    fresh.close()


def test_attachment_added_later_resolves_existing_link(write_vault, open_index):
    root = write_vault({"notes/a.md": "![[figure.png]] and [pdf](../papers/p.pdf)"})
    index = open_index(root)
    index.update()
    assert [lk.resolved for lk in index.links_from("notes/a.md")] == [None, None]
    (root / "figure.png").write_bytes(b"png")
    (root / "papers").mkdir()
    (root / "papers/p.pdf").write_bytes(b"%PDF")
    index.update()
    links = index.links_from("notes/a.md")
    assert [(lk.resolved, lk.embed) for lk in links] == [
        ("figure.png", True),
        ("papers/p.pdf", False),
    ]


def test_bm25_ranks_title_above_summary_above_body(write_vault, open_index):
    index = open_index(
        write_vault(
            {
                "notes/body.md": note("Unrelated", "the word tokenizer appears here in the body"),
                "notes/summary.md": note("Other", "nothing", summary="about the tokenizer"),
                "notes/title.md": note("What does the tokenizer do?", "nothing here"),
            }
        )
    )
    index.update()
    ranked = [row.path for row, _ in index.search("tokenizer")]
    assert ranked == ["notes/title.md", "notes/summary.md", "notes/body.md"]


def test_any_user_text_is_a_safe_query(write_vault, open_index):
    index = open_index(write_vault(BASE))
    index.update()
    for query in ['"unbalanced', "a AND OR NOT", "NEAR(x y)", "*", "-:()", "🙂", "x" * 10000, ""]:
        index.search(query)
    assert fts_query('alpha "beta" -gamma*') == '"alpha" OR "beta" OR "gamma"'
    assert next(r.path for r, _ in index.search('"Alpha" AND (helps')) == "notes/a.md"


def test_sources_are_joined_by_normalised_id_and_arxiv_urls(write_vault, open_index):
    index = open_index(
        write_vault(
            {
                **BASE,
                "notes/x.md": note(
                    "X",
                    "As shown in https://arxiv.org/abs/2310.12962v1 ...",
                    sources="[arxiv:2310.12962, doi:10.1/zz]",
                ),
                "notes/y.md": note("Y", "Read https://arxiv.org/pdf/2310.12962.pdf."),
            }
        )
    )
    index.update()
    refs = index.links_to("sources/arxiv-2310.12962.md", ("source",))
    assert [(lk.path, lk.line) for lk in refs] == [("notes/x.md", 3), ("notes/y.md", 4)]
    unresolved = [(lk.path, lk.target) for lk in index.unresolved_links()]
    assert unresolved == [("notes/x.md", "doi:10.1/zz")]


def test_index_db_is_plain_sqlite(write_vault, open_index):
    root = write_vault(BASE)
    open_index(root).update()
    with sqlite3.connect(root / ".inquiring" / "index.db") as db:
        assert db.execute("SELECT count(*) FROM documents").fetchone() == (5,)


def test_vault_files_are_never_modified(write_vault, open_index):
    root = write_vault(BASE)
    before = {p: p.read_bytes() for p in Path(root).rglob("*.md")}
    index = open_index(root)
    index.update()
    index.update(rebuild=True)
    assert {p: p.read_bytes() for p in Path(root).rglob("*.md")} == before


def test_an_edit_that_changes_a_title_re_resolves_links_elsewhere(write_vault, open_index):
    root = write_vault(
        {
            "notes/a.md": note("A", "Points at [[Fresh title]] and [[b]]."),
            "notes/b.md": note("Old title", "Body."),
        }
    )
    index = open_index(root)
    index.update()
    assert resolved(index, "notes/a.md") == [("Fresh title", None), ("b", "notes/b.md")]
    (root / "notes/b.md").write_text(note("Fresh title", "Body."), encoding="utf-8")
    bump_mtime(root / "notes/b.md")
    assert index.update().changed == 1
    assert resolved(index, "notes/a.md") == [("Fresh title", "notes/b.md"), ("b", "notes/b.md")]
    (root / "notes/a.md").write_text(note("A", "Now [[Old title]]."), encoding="utf-8")
    bump_mtime(root / "notes/a.md")
    index.update()
    assert resolved(index, "notes/a.md") == [("Old title", None)]
