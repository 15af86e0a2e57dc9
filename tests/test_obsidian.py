"""An ordinary Obsidian vault looks right: titles, same-named files, callouts, embeds, tags.

The vault is written in each test as Obsidian keeps one: a `.obsidian/` folder, notes titled
by their file names, the same name in two folders, callouts, note embeds and tags.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run
from fastapi.testclient import TestClient
from webvault import LOCAL

from inquiring import doctor
from inquiring.doctor import diagnose
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.parse import parse_document
from inquiring.search import Searcher
from inquiring.text import plain_text, section_of, sentences_of
from inquiring.vault import Vault
from inquiring.web.app import create_app
from inquiring.web.pages import Pages

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


def test_only_an_inquiring_vault_asks_for_titles_outside_obsidian(write_vault, open_index):
    root = write_vault({"a.md": "text\n", "b.md": "# Heading\n\ntext\n"})
    index = open_index(root)
    index.update()
    assert not [p for p in diagnose(index) if p.code == "no-title"]  # a folder of Markdown
    (root / "inquiring.toml").write_text("")
    assert [p.path for p in diagnose(index) if p.code == "no-title"] == ["a.md"]


BROKEN = {
    "inquiring.toml": "",
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


RICH = {
    ".obsidian/app.json": "{}",
    "Daily/Palette.md": (
        "---\ntags: [workflow, '#Method/RL']\n---\n"
        "Open the palette with a shortcut. #keyboard #topic/sub/deep\n\n"
        "`#not-a-tag` in code, a heading anchor in [x](#here) and issue #1 are no tags.\n\n"
        "> [!tip]- Use the palette\n"
        "> The palette finds every command by name.\n\n"
        "> [!warning] Mind the **hotkeys**\n"
        "> Hotkeys clash with the browser's own.\n\n"
        "> [!note]\n"
        "> A bare callout still reads as prose.\n\n"
        "> An ordinary quote.\n\n"
        "## Setup\n\nSet it up once. ^setup-step\n\n## Later\n\nNot in the section.\n"
    ),
    "Embeds.md": (
        "Embeds the palette's setup:\n\n![[Palette#Setup]]\n\n"
        "And a block: ![[Palette#^setup-step]]\n\n![[Loop A]]\n\n![[Hostile]]\n\n![[pixel.png]]\n"
    ),
    "Loop A.md": "A embeds B:\n\n![[Loop B]]\n",
    "Loop B.md": "B embeds A back:\n\n![[Loop A]]\n",
    "Hostile.md": "Harmless text <script>window.x=1</script> <img src=x onerror=alert(1)>\n\n"
    "> [!tip] <img src=y onerror=alert(2)>\n> body\n",
    "pixel.png": bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6300010000050001"
        "0d0a2db40000000049454e44ae426082"
    ),
}


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> Iterator[tuple[Path, TestClient]]:
    root = tmp_path_factory.mktemp("obsidian") / "vault"
    for rel, content in RICH.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with Index(Vault(root)) as index:
        index.update(embedder=get_embedder())
        with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as client:
            yield root, client


def test_tags_from_front_matter_and_text_are_stored_once(rich):
    root, _ = rich
    with Index(Vault(root)) as index:
        row = index.document("Daily/Palette.md")
        assert row.tags == ["workflow", "Method/RL", "keyboard", "topic/sub/deep"]
        assert [r.path for r in index.select(tag="topic")] == ["Daily/Palette.md"]
        assert [r.path for r in index.select(tag="#method")] == ["Daily/Palette.md"]
        assert index.select(tag="topic/su") == []
        assert index.select(tag="not-a-tag") == []


def test_notes_by_tag_and_show_lists_tags(rich):
    root, _ = rich
    code, output = run(root, "notes", "--tag", "topic/sub", "--json")
    assert code == 0 and [r["path"] for r in json.loads(output)] == ["Daily/Palette.md"]
    code, output = run(root, "notes", "--tag", "nothing-here")
    assert code == 0 and "0 notes" in output
    code, output = run(root, "show", "Palette")
    assert "Tags: #workflow #Method/RL #keyboard #topic/sub/deep" in output


def test_note_page_links_each_tag_to_its_tag_page(rich):
    _, client = rich
    page = client.get("/Daily/Palette.html").text
    assert '<a class="tag-chip" rel="tag" href="../tags/method/rl.html">#Method/RL</a>' in page
    assert 'href="../tags/topic/sub/deep.html">#topic/sub/deep</a>' in page
    body = page.split('<div class="body">', 1)[1]
    assert '<a class="tag" href="../tags/keyboard.html">#keyboard</a>' in body
    assert "<code>#not-a-tag</code>" in body and "issue #1 are no tags" in body


def test_callouts_render_as_boxes_and_read_as_prose(rich):
    root, client = rich
    page = client.get("/Daily/Palette.html").text
    assert (
        '<details class="callout callout-tip"><summary class="callout-title">Use the palette'
        "</summary><p>The palette finds every command by name.</p>"
    ) in page.replace("\n", "")
    assert (
        '<div class="callout callout-warning"><p class="callout-title">Mind the '
        "<strong>hotkeys</strong></p>"
    ) in page
    assert '<p class="callout-title">Note</p><p>A bare callout still reads as prose.</p>' in (
        page.replace("\n", "")
    )
    assert "<blockquote>\n<p>An ordinary quote.</p>" in page
    assert "[!" not in page
    with Index(Vault(root)) as index:
        body = index.body("Daily/Palette.md")
    assert "The palette finds every command by name." in sentences_of(body)
    assert "[!" not in plain_text(body) and "Use the palette The palette finds" in plain_text(body)


def test_note_embeds_render_inline_with_a_depth_limit_and_no_loop(rich):
    _, client = rich
    page = client.get("/Embeds.html").text
    page = page.split('<div class="body">', 1)[1].split("</article>", 1)[0]
    flat = page.replace("\n", "")
    setup = '<h2 id="setup">Setup</h2><p>Set it up once.</p></div>'
    assert setup in flat  # the section, up to the next heading of its level
    assert "Not in the section" not in page
    assert (
        '<p class="embed-source"><a class="wikilink" href="Daily/Palette.html#setup-step">' in page
    )
    assert flat.count("Set it up once.") == 2  # the section, and the block on its own
    # Loop A embeds Loop B, which embeds Loop A again: that one stays a link.
    assert flat.count("A embeds B:") == 1 and flat.count("B embeds A back:") == 1
    assert '<p><a class="wikilink" href="Loop%20A.html">Loop A</a></p>' in page
    assert '<img src="files/pixel.png" alt="pixel.png">' in page  # an image stays an image
    assert "<script" not in page
    assert "onerror" not in page and "Harmless text" in page


def test_embeds_nest_at_most_three_deep(write_vault, open_index):
    chain = {f"N{i}.md": f"Note {i} says hello.\n\n![[N{i + 1}]]\n" for i in range(6)}
    root = write_vault({".obsidian/app.json": "{}", **chain})
    index = open_index(root)
    index.update()
    pages = Pages(Searcher(index, get_embedder()))
    with pages.reading():
        html = pages._body("N0.md")
    assert [f"Note {i} says hello" in html for i in range(6)] == [True] * 4 + [False] * 2
    assert '<a class="wikilink" href="N4.html">N4</a>' in html


def test_section_of_finds_headings_and_blocks():
    text = "# Top\n\nintro\n\n## A\n\na text ^blk\n\n```\n## not\n```\n\n### A1\n\nx\n\n## B\n\nb\n"
    assert section_of(text, "a") == "## A\n\na text ^blk\n\n```\n## not\n```\n\n### A1\n\nx"
    assert section_of(text, "Top#B") == "## B\n\nb"
    assert section_of(text, "^blk") == "a text"
    assert section_of(text, "not") is None
    quote = "Intro.\n\n> [!tip] Callout\n> Its text.\n^tip-id\n\n- one\n- two\n\n^list-id\n"
    assert section_of(quote, "^tip-id") == "> [!tip] Callout\n> Its text."
    assert section_of(quote, "^LIST-ID") == "- one\n- two"


def test_a_note_opening_with_a_callout_is_summed_up_by_its_text():
    doc = parse_document("> [!info] About\n> The palette runs every command by name.\n", "x.md")
    assert doc.summary == "The palette runs every command by name."


def test_code_inside_a_wikilink_is_part_of_its_target():
    doc = parse_document("Not `[[x]]`, but [[Filters#`wikilink`|wikilink]] links.\n", "a.md")
    assert [(lk.target, lk.fragment, lk.text) for lk in doc.links] == [
        ("Filters", "`wikilink`", "wikilink")
    ]
