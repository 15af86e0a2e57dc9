"""A hostile vault: links out of it, link loops, empty and huge notes, link dumps, crash leftovers.

Each probe is named by `index` and by `doctor` with file and line, and none of them leaks a
file from outside the vault or dominates search.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import note, run

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.vault import Vault
from inquiring.vectors import MAX_PASSAGES

SECRET = "root:x:0:0:root:/root:/bin/bash\n"


@pytest.fixture
def hostile(write_vault, tmp_path) -> Path:
    """A vault with symbolic links out of it, inside it, in a loop and to nothing."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET, encoding="utf-8")
    (outside / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n" + SECRET.encode())
    root = write_vault(
        {
            "notes/a.md": note("Attention", "See [[inside]], ![[pic.png]] and ![[secret.png]]."),
            "library/shared.md": note("Shared note", "Kept in another folder of the vault."),
            "notes/pic.png": b"\x89PNG\r\n\x1a\n a real picture",
            "notes/empty.md": "",
        }
    )
    links = {
        "notes/etc-passwd.md": outside / "passwd",
        "notes/secret.png": outside / "secret.png",
        "notes/inside.md": Path("../library/shared.md"),
        "notes/loop-a.md": Path("loop-b.md"),
        "notes/loop-b.md": Path("loop-a.md"),
        "notes/dangling.md": Path("no-such-note.md"),
    }
    for link, target in links.items():
        os.symlink(target, root / link)
    return root


def problem_lines(output: str) -> str:
    return " ".join(output.split())  # Rich wraps long lines


def test_symlinks_out_of_the_vault_are_never_indexed_or_published(hostile, tmp_path):
    code, output = run(hostile, "index")
    assert code == 0
    said = problem_lines(output)
    for path in ("notes/etc-passwd.md", "notes/secret.png"):
        assert f"warning {path}:1: is a symbolic link to {tmp_path / 'outside'}" in said
    assert "outside the vault; it is skipped" in said
    with Index(Vault(hostile)) as index:
        paths = {row.path for row in index.documents()}
        assert "notes/etc-passwd.md" not in paths
        assert "notes/inside.md" in paths  # a link that stays inside the vault is fine
        assert {lk.target: lk.resolved for lk in index.links_from("notes/a.md")} == {
            "inside": "notes/inside.md",
            "pic.png": "notes/pic.png",
            "secret.png": None,  # an attachment out of the vault is refused too
        }
    code, output = run(hostile, "site", "build", str(tmp_path / "site"))
    assert code == 0
    published = [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert (tmp_path / "site" / "files" / "notes" / "pic.png") in published
    assert not any(b"root:x:0:0" in p.read_bytes() for p in published)


def test_loops_dangling_links_and_empty_notes_are_reported_by_index_and_doctor(hostile):
    (hostile / "inquiring.toml").write_text("", encoding="utf-8")  # a vault that wants titles
    expected = [
        "error notes/dangling.md:1: is a symbolic link to no-such-note.md, which does not exist",
        "error notes/empty.md:1: is empty: no text and no summary",
        "error notes/loop-a.md:1: is a symbolic link that leads round in a loop",
        "error notes/loop-b.md:1: is a symbolic link that leads round in a loop",
        "warning notes/etc-passwd.md:1: is a symbolic link to",
    ]
    code, output = run(hostile, "index")
    assert code == 0
    for line in expected:
        assert line in problem_lines(output)
    code, output = run(hostile, "doctor")
    for line in expected:
        assert line in problem_lines(output)
    assert problem_lines(output).count("notes/empty.md:1:") == 1  # not also "has no title"
    code, output = run(hostile, "index")  # nothing changed: nothing to say again
    assert "problems in the files read" not in output
    code, output = run(hostile, "doctor", "--json")
    assert '"code": "symlink-loop"' in output


def test_a_link_that_changes_target_moves_between_refused_and_indexed(hostile, tmp_path):
    with Index(Vault(hostile)) as index:
        index.update()
        (hostile / "notes/etc-passwd.md").unlink()
        os.symlink("../library/shared.md", hostile / "notes/etc-passwd.md")
        os.utime(hostile / "notes/etc-passwd.md", follow_symlinks=False)
        report = index.update()
        assert index.document("notes/etc-passwd.md") is not None
        assert "notes/etc-passwd.md" not in {p.path for p in index.problems()}
        assert report.added == 1
        (hostile / "notes/etc-passwd.md").unlink()
        os.symlink(tmp_path / "outside" / "passwd", hostile / "notes/etc-passwd.md")
        report = index.update()
        assert index.document("notes/etc-passwd.md") is None
        assert [p.code for p in report.problems] == ["outside-vault"]
        assert report.removed == 1


def test_leftovers_of_a_crashed_line_write_are_removed_once_old(write_vault):
    root = write_vault({"notes/a.md": note("A", "text"), "lines/.hidden-but-mine.md": "keep"})
    old, fresh = root / "lines/.k2j4x9_a.tmp", root / "lines/.q8w7e6r5.tmp"
    elsewhere = root / "notes/.z1x2c3v4.tmp"
    for path in (old, fresh, elsewhere):
        path.write_text("half a line", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    for path in (old, elsewhere):
        os.utime(path, (an_hour_ago, an_hour_ago))
    code, output = run(root, "index")
    assert code == 0
    assert "Removed 1 temporary file left in lines/ by a write that was interrupted." in output
    assert not old.exists()
    assert fresh.exists()  # may be a write under way right now
    assert elsewhere.exists() and (root / "lines/.hidden-but-mine.md").exists()


SENTENCE = "Passage {i} of the log records that the loader retried batch {i} after a timeout."


def test_a_huge_note_is_embedded_by_its_first_passages_only(write_vault):
    body = " ".join(SENTENCE.format(i=i) for i in range(900))  # about 130 passages
    root = write_vault({"notes/huge.md": f"# Huge log\n\n{body}\n", "notes/b.md": "# B\n\nShort."})
    code, output = run(root, "index")
    assert code == 0
    said = problem_lines(output)
    assert "warning notes/huge.md:1: is long: only its beginning" in said
    assert f"(at most {MAX_PASSAGES} passages, about 2,880 words) is used" in said
    with Index(Vault(root)) as index:
        parts = index.db.execute(
            "SELECT count(*) FROM vectors v JOIN documents d ON d.id = v.doc "
            "WHERE d.path = 'notes/huge.md'"
        ).fetchone()[0]
        assert parts == 1 + MAX_PASSAGES
    code, output = run(root, "doctor")
    assert "notes/huge.md:1: is long" in problem_lines(output)


TOPICS = {
    "photosynthesis": "chlorophyll absorbs light leaves convert carbon dioxide glucose plants",
    "volcanoes": "magma erupts lava tectonic plates crater ash eruption mountains",
    "sourdough": "flour water wild yeast starter fermentation crust loaf bread baking",
    "chess": "openings endgame pawn structure bishop knight checkmate tactics board",
    "tides": "moon gravity ocean water rises falls coast sea high low tide",
}


@pytest.fixture
def link_dump(write_vault) -> Path:
    files: dict[str, str | bytes] = {}
    for topic, words in TOPICS.items():
        vocab = words.split()
        for i in range(6):
            picked = " ".join(vocab[(i + j) % len(vocab)] for j in range(6))
            files[f"notes/{topic}-{i}.md"] = note(
                f"How do {vocab[i % len(vocab)]} and {vocab[(i + 3) % len(vocab)]} relate in "
                f"{topic}?",
                f"A note on {topic}: {picked}. See [[{topic}-{(i + 1) % 6}]].",
            )
    real = [f"[[{p.removeprefix('notes/').removesuffix('.md')}]]" for p in files]
    made_up = [f"[[bookmark {n:04d}]]" for n in range(5000 - len(real))]
    files["notes/everything.md"] = note(
        "Everything I have read", "Links to all of it: " + " ".join(real + made_up)
    )
    return write_vault(files)


def test_a_note_linking_to_everything_does_not_rise_in_every_search(link_dump):
    with Index(Vault(link_dump)) as index:
        report = index.update(embedder=get_embedder())
        assert [p.code for p in report.problems if p.path == "notes/everything.md"] == [
            "many-links"
        ]
        assert "each of its links counts for 1.0% of a link" in report.problems[0].message
        searcher = Searcher(index, get_embedder())
        for topic, words in TOPICS.items():
            query = f"what happens with {words.split()[1]} and {words.split()[4]}"
            top = [hit.doc.path for hit in searcher.search(query, limit=3).hits]
            assert "notes/everything.md" not in top, (topic, top)
            assert all(path.startswith(f"notes/{topic}-") for path in top), (topic, top)
