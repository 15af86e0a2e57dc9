"""An ordinary Obsidian vault looks right: titles, same-named files, callouts, embeds, tags.

The vault is written in each test as Obsidian keeps one: a `.obsidian/` folder, notes titled
by their file names, the same name in two folders, callouts, note embeds and tags.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from inquiring import doctor
from inquiring.cli import app
from inquiring.doctor import diagnose

VAULT = {
    ".obsidian/app.json": "{}",
    "Home.md": "Start at [[Note]], [[Templates]], [[Settings]] and [[Plugins/Templates]].\n",
    "Plugins/Templates.md": "The core plugin inserts [[Settings#Hotkeys|hotkeys]] text.\n",
    "Clipper/Templates.md": "Clipper templates: see [[Templates]] and [[Clipper/Templates]].\n",
    "Settings.md": "Open settings.\n\n## Hotkeys\n\nSee [[Settings#Hotkeys]] above.\n",
    "Clipper/Settings.md": "Clipper settings, beside [[Templates]] and [[Settings]].\n",
    "a/b/Note.md": "A note deep down.\n",
    "zzzz/Note.md": "A note with a long folder name; see [[Note]].\n",
}

runner = CliRunner()


def run(root: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--vault", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.output


def resolved(index, path: str) -> dict[str, str | None]:
    return {lk.target: lk.resolved for lk in index.links_from(path)}


def test_one_name_in_two_folders_resolves_as_obsidian_does(write_vault, open_index):
    index = open_index(write_vault(VAULT))
    index.update()
    # From the root: no file beside it, so the shortest path wins.
    assert resolved(index, "Home.md") == {
        "Note": "a/b/Note.md",  # the shortest path string, not the fewest folders
        "Templates": "Clipper/Templates.md",
        "Settings": "Settings.md",
        "Plugins/Templates": "Plugins/Templates.md",
    }
    # A file in the linking note's own folder wins over a shorter path elsewhere...
    assert resolved(index, "Clipper/Settings.md")["Templates"] == "Clipper/Templates.md"
    assert resolved(index, "zzzz/Note.md")["Note"] == "zzzz/Note.md"
    # ...but a path from the vault root wins over the file beside the note.
    assert resolved(index, "Clipper/Settings.md")["Settings"] == "Settings.md"
    codes = {(p.path, p.code) for p in diagnose(index)}
    assert not {c for _, c in codes} & {"duplicate-title", "unresolved-link", "no-title"}
    # A link to a heading of the note itself is how Obsidian links within a page.
    assert ("Settings.md", "self-link") not in codes


def test_titles_are_asked_for_only_where_the_vault_says_so(write_vault, open_index):
    root = write_vault({**VAULT, "Titled.md": "# A heading title\n\ntext\n"})
    index = open_index(root)
    index.update()
    assert index.document("Plugins/Templates.md").title == "Templates"
    assert not [p for p in diagnose(index) if p.code == "no-title"]
    # The Front Matter Title plugin shows a front matter key in place of the file name.
    plugins = root / ".obsidian" / "community-plugins.json"
    plugins.write_text(json.dumps(["obsidian-front-matter-title-plugin"]))
    missing = sorted(p.path for p in diagnose(index) if p.code == "no-title")
    assert missing == sorted([p for p in VAULT if p.endswith(".md")] + ["Titled.md"])
    plugins.write_text(json.dumps(["dataview"]))
    assert not [p for p in diagnose(index) if p.code == "no-title"]


BROKEN = {
    "notes/a.md": "---\ntitle: Same\n---\nLinks to [[nowhere]] and [[a]].\n",
    "notes/b.md": "---\ntitle: same\n---\nText.\n",
    "notes/empty.md": "",
    "notes/yaml.md": "---\ntitle: [oops\n---\nBody.\n",
    "notes/untitled.md": "just text\n",
    "notes/self.md": "---\ntitle: Self\n---\nSee [[self]] and [[nowhere else]].\n",
}


def figures(text: str) -> tuple[int, int]:
    match = re.search(r"(\d+) errors? and (\d+) warnings?", text)
    assert match, text
    return int(match.group(1)), int(match.group(2))


def test_index_stats_and_doctor_give_the_same_counts(write_vault, open_index):
    root = write_vault(BROKEN)
    code, indexed = run(root, "index")
    assert code == 0
    problems = diagnose(open_index(root))
    counts = doctor.count(problems)
    kinds = {p.code for p in problems}
    assert {"unresolved-link", "duplicate-title", "empty-note", "front-matter-yaml"} <= kinds
    assert {"self-link", "no-title"} <= kinds
    assert counts == {"errors": 5, "warnings": 4}
    assert figures(indexed) == (5, 4)
    assert figures(run(root, "doctor")[1]) == (5, 4)
    code, stats = run(root, "stats", "--json")
    assert {k: json.loads(stats)[k] for k in counts} == counts
    code, stats = run(root, "stats")
    assert re.search(r"errors\s+5\b", stats) and re.search(r"warnings\s+4\b", stats)
    (root / "notes" / "c.md").write_text("Links to [[gone]].\n")
    code, indexed = run(root, "index", "--json")
    assert {k: json.loads(indexed)["stats"][k] for k in counts} == {"errors": 6, "warnings": 5}
