"""Bad input: each problem is named with file and line, and everything else still indexes."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from conftest import note

from inquiring.doctor import diagnose, has_errors
from inquiring.index import Index
from inquiring.vault import Vault

BAD = {
    "inquiring.toml": "# an inquiring vault: its notes should have titles\n",
    "notes/good.md": note("Good note", "Links to [[bad-yaml]] and [[good]] and [[nowhere]]."),
    "notes/bad-yaml.md": "---\ntitle: Bad yaml\ndek: [oops\n---\nBody still here.\n",
    "notes/binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00binary",
    "notes/latin1.md": "# Café crème\n\nUn résumé.\n".encode("latin-1"),
    "notes/empty.md": "",
    "notes/dup1.md": note("Same title", "one"),
    "notes/dup2.md": note("same TITLE", "two"),
    "notes/self.md": note("Self", "I cite [[self]] and [[#Local]]."),
    "notes/with spaces ünïcode.md": note("Ünïcode title", "Links [[good]]."),
    "notes/no-title.md": "just text, no heading\n",
    "hubs/h1.md": "---\ntitle: H1\n---\n## Sub\n- [[h2]]\n",
    "hubs/h2.md": "---\ntitle: H2\n---\n## Back\n- [[h1]]\n",
}


def fingerprint(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and ".inquiring" not in p.parts
    }


@pytest.fixture
def bad_vault(write_vault) -> Path:
    root = write_vault(BAD)
    big = root / "notes" / "huge.md"
    line = b"The same long line of a pasted log, repeated many times over. " * 4 + b"\n"
    big.write_bytes(b"# Huge\n\n" + line * (20 * 1024 * 1024 // len(line)))
    return root


def codes(problems) -> set[tuple[str, str]]:
    return {(p.path, p.code) for p in problems}


def test_bad_files_are_reported_and_the_rest_indexes(bad_vault, open_index):
    before = fingerprint(bad_vault)
    index = open_index(bad_vault)
    report = index.update()
    assert report.skipped == 1
    paths = {row.path for row in index.documents()}
    assert "notes/binary.md" not in paths
    assert len(paths) == len(BAD) - 2 + 1  # every other note (not the settings), plus a huge one
    assert index.document("notes/bad-yaml.md").title == "bad-yaml"  # from the file name
    assert index.document("notes/latin1.md").title == "Café crème"
    assert index.document("notes/with spaces ünïcode.md").title == "Ünïcode title"
    assert index.document("notes/huge.md").words > 100_000
    problems = diagnose(index)
    expected = {
        ("notes/bad-yaml.md", "front-matter-yaml"),
        ("notes/binary.md", "binary"),
        ("notes/latin1.md", "not-utf8"),
        ("notes/huge.md", "too-large"),
        ("notes/empty.md", "empty-note"),
        ("notes/dup2.md", "duplicate-title"),
        ("notes/self.md", "self-link"),
        ("notes/good.md", "unresolved-link"),
        ("notes/no-title.md", "no-title"),
        ("hubs/h1.md", "hub-cycle"),
    }
    assert expected <= codes(problems)
    by_code = {p.code: p for p in problems}
    assert by_code["front-matter-yaml"].line in (3, 4)
    assert by_code["not-utf8"].line == 1
    assert by_code["unresolved-link"].line == 4
    assert "nowhere" in by_code["unresolved-link"].message
    assert by_code["hub-cycle"].line == 5
    assert "hubs/h1.md → hubs/h2.md → hubs/h1.md" in by_code["hub-cycle"].message
    assert sum(p.code == "hub-cycle" for p in problems) == 1
    self_links = sorted(p.path for p in problems if p.code == "self-link")
    assert self_links == ["notes/good.md", "notes/self.md"]  # [[#Local]] is fine
    assert has_errors(problems)
    assert fingerprint(bad_vault) == before


def test_non_utf8_line_points_at_the_first_bad_byte(write_vault, open_index):
    root = write_vault({"notes/x.md": b"line one\nline two\nbad \xff byte\n"})
    index = open_index(root)
    index.update()
    [problem] = [p for p in diagnose(index) if p.code == "not-utf8"]
    assert (problem.path, problem.line) == ("notes/x.md", 3)


def test_unreadable_file_is_reported_not_fatal(write_vault, open_index):
    root = write_vault({"notes/a.md": "fine", "notes/dir.md/inner.md": "nested"})
    index = open_index(root)
    index.update()
    assert {r.path for r in index.documents()} == {"notes/a.md", "notes/dir.md/inner.md"}


@pytest.fixture
def read_only_vault(write_vault, tmp_path):
    """The vault bind-mounted read-only: a real read-only file system."""
    src = write_vault({"notes/a.md": note("A", "text [[b]]"), "notes/b.md": note("B", "b")})
    mount = tmp_path / "ro"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a read-only file system needs root")
    ok = subprocess.run(["mount", "--bind", str(src), str(mount)], capture_output=True)
    if ok.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {ok.stderr.decode().strip()}")
    subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_read_only_vault_indexes_into_the_user_cache(read_only_vault, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(OSError):
        (read_only_vault / "probe").write_text("x")
    with Index(Vault(read_only_vault)) as index:
        assert index.location_note and "read-only" in index.location_note
        assert str(index.path).startswith(str(tmp_path / "cache"))
        index.update()
        assert index.stats()["notes"] == 2
        assert [lk.resolved for lk in index.links_from("notes/a.md")] == ["notes/b.md"]
    assert not (read_only_vault / ".inquiring").exists()


def test_hub_cycles_are_found_once_and_related_sections_do_not_nest(write_vault, open_index):
    hub = "---\ntitle: {t}\n{fm}---\n## {section}\n- [[{dst}]]\n"
    root = write_vault(
        {
            "hubs/a.md": hub.format(t="A", fm="", section="Parts", dst="b"),
            "hubs/b.md": hub.format(t="B", fm="", section="Parts", dst="c"),
            "hubs/c.md": hub.format(t="C", fm="", section="Parts", dst="a"),
            "hubs/x.md": hub.format(t="X", fm="", section="Related hubs", dst="y"),
            "hubs/y.md": hub.format(t="Y", fm="", section="See also", dst="x"),
            # p lists q; q2 names q as its parent hub; p names q2 as its parent hub.
            "hubs/p.md": hub.format(t="P", fm="hubs: [q2]\n", section="Parts", dst="q"),
            "hubs/q.md": hub.format(t="Q", fm="", section="Notes", dst="nothing"),
            "hubs/q2.md": hub.format(t="Q2", fm="hubs: [q]\n", section="Notes", dst="nothing"),
        }
    )
    index = open_index(root)
    index.update()
    cycles = [(p.path, p.line, p.message) for p in diagnose(index) if p.code == "hub-cycle"]
    assert cycles == [
        (
            "hubs/a.md",
            5,
            "hubs list each other in a circle: hubs/a.md → hubs/b.md → hubs/c.md → hubs/a.md",
        ),
        (
            "hubs/p.md",
            6,
            "hubs list each other in a circle: hubs/p.md → hubs/q.md → hubs/q2.md → hubs/p.md",
        ),
    ]
