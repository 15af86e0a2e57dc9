"""Draft notes where a researcher meets them: `notes --drafts`, `doctor` checking every quote
again against the paper's page text, and the web and site pages (a Draft chip, each claim's
quote and page behind its footnote mark, a hostile quote shown as text)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import bump_mtime, run
from fastapi.testclient import TestClient
from paperpdf import write_pages
from test_mcp import call, session
from webvault import LOCAL

import inquiring
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.site import build_site
from inquiring.vault import Vault
from inquiring.web.app import create_app
from inquiring.web.pages import Pages

# The abstract of the LIMA paper (Zhou et al. 2023, arXiv:2305.11206), set on three pages.
PAGES = [
    [
        "Large language models are trained in two stages: (1) unsupervised pretraining",
        "from raw text, to learn general-purpose representations, and (2) large scale",
        "instruction tuning and reinforcement learning, to better align to end tasks.",
    ],
    [
        "We measure the relative importance of these two stages by training LIMA,",
        "a 65B parameter LLaMa language model fine-tuned with the standard supervised",
        "loss on only 1,000 carefully curated prompts and responses.",
    ],
    [
        "Taken together, these results strongly suggest that almost all knowledge in",
        "large language models is learned during pretraining.",
    ],
]
GOOD = "fine-tuned with the standard supervised loss on only 1,000 carefully curated prompts"
ELSEWHERE = "unsupervised pretraining from raw text"  # on page 1
ABSENT = "reinforcement learning from human feedback is necessary"

SOURCE = """---
id: arxiv:2305.11206
title: "LIMA: Less Is More for Alignment"
authors: [Chunting Zhou, Pengfei Liu]
published: 2023-05-18
pdf: sources/files/lima.pdf
---
Large language models are trained in two stages.
"""
DRAFT = f"""---
title: "Can a thousand curated examples align a language model?"
dek: "LIMA fine-tunes a 65B model on 1,000 examples."
status: draft
sources: [arxiv:2305.11206]
---
LIMA was fine-tuned on a thousand curated examples.[^1]
Pretraining learns from raw text without labels.[^2]
Preference learning was needed as well.[^3] Its data are described elsewhere.[^4]

[^1]: "{GOOD}" (p. 2)
[^2]: "{ELSEWHERE}" (p. 3)
[^3]: "{ABSENT}" (p. 2)
[^4]: See the *appendix*.
"""
PLAIN = """---
title: "What does pretraining teach?"
---
Almost everything a model knows.[^lima]

[^lima]: As LIMA argues.
"""


@pytest.fixture
def drafts_vault(write_vault) -> Path:
    root = write_vault(
        {
            "sources/arxiv-2305.11206.md": SOURCE,
            "notes/lima-draft.md": DRAFT,
            "notes/pretraining.md": PLAIN,
        }
    )
    (root / "sources" / "files").mkdir()
    write_pages(root / "sources" / "files" / "lima.pdf", PAGES)
    return root


def line_of(path: Path, start: str) -> int:
    """The file line (1-based) that starts with `start`."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))


def doctor(root: Path) -> list[dict]:
    code, output = run(root, "doctor", "--json")
    assert code == 0
    return [p for p in json.loads(output) if p["code"].startswith("quote-")]


def test_notes_drafts_lists_only_the_drafts(drafts_vault):
    code, output = run(drafts_vault, "notes", "--drafts")
    assert code == 0
    assert "Can a thousand curated examples align" in output
    assert "What does pretraining teach?" not in output
    assert output.rstrip().endswith("1 draft note")
    code, output = run(drafts_vault, "notes", "--drafts", "--json")
    rows = json.loads(output)
    assert [r["path"] for r in rows] == ["notes/lima-draft.md"] and rows[0]["status"] == "draft"
    code, output = run(drafts_vault, "notes")
    assert output.rstrip().endswith("2 notes")
    with inquiring.open(drafts_vault) as vault:
        assert [d.path for d in vault.drafts()] == ["notes/lima-draft.md"]
    _, output = run(drafts_vault, "show", "lima-draft")
    assert output.startswith("DRAFT NOTE  Can a thousand curated examples align")
    _, output = run(drafts_vault, "search", "curated examples align", "--limit", "2")
    assert "align a language model? (draft)  notes/lima-draft.md" in output


def test_doctor_checks_each_quote_at_its_footnote_line(drafts_vault):
    # Without drafts, doctor opens no PDF and no page store.
    draft = drafts_vault / "notes" / "lima-draft.md"
    draft.unlink()
    assert doctor(drafts_vault) == []
    assert not (drafts_vault / ".inquiring" / "pages.db").exists()

    draft.write_text(DRAFT, encoding="utf-8")
    found = doctor(drafts_vault)
    assert [(p["line"], p["severity"], p["code"]) for p in found] == [
        (line_of(draft, "[^2]:"), "warning", "quote-wrong-page"),
        (line_of(draft, "[^3]:"), "error", "quote-not-found"),
        (line_of(draft, "[^4]:"), "warning", "quote-unreadable"),
    ]
    assert "the quote is on page 1, not page 3" in found[0]["message"]
    assert "[^3]" in found[1]["message"] and "not in the paper's text" in found[1]["message"]
    _, output = run(drafts_vault, "doctor")
    assert f"notes/lima-draft.md:{line_of(draft, '[^3]:')}" in output

    # The note edited: the first quote no longer says what the paper says.
    draft.write_text(DRAFT.replace("only 1,000 carefully", "only 10,000 randomly"), "utf-8")
    bump_mtime(draft)
    assert (line_of(draft, "[^1]:"), "quote-not-found") in {
        (p["line"], p["code"]) for p in doctor(drafts_vault)
    }

    # The note as drafted, and the PDF replaced by another version of the paper, without its
    # first page: the first quote moved to page 1, the second is gone.
    draft.write_text(DRAFT, "utf-8")
    bump_mtime(draft)
    pdf = drafts_vault / "sources" / "files" / "lima.pdf"
    write_pages(pdf, PAGES[1:])
    bump_mtime(pdf)
    found = doctor(drafts_vault)
    assert [(p["line"], p["code"]) for p in found] == [
        (line_of(draft, "[^1]:"), "quote-wrong-page"),
        (line_of(draft, "[^2]:"), "quote-not-found"),
        (line_of(draft, "[^3]:"), "quote-not-found"),
        (line_of(draft, "[^4]:"), "quote-unreadable"),
    ]


ABSTRACT_DRAFT = """---
title: "How is a language model trained?"
status: draft
sources: [arxiv:2305.11206]
---
In two stages.[^1] The second is the larger.[^2]

[^1]: "Large language models are trained in two stages." (abstract)
[^2]: "Most of the compute goes to instruction tuning." (abstract)
"""


def test_doctor_says_when_a_quote_cannot_be_checked(drafts_vault):
    (drafts_vault / "sources" / "files" / "lima.pdf").unlink()
    found = doctor(drafts_vault)
    assert [p["code"] for p in found] == ["quote-unchecked"] * 3 + ["quote-unreadable"]
    assert "its PDF sources/files/lima.pdf is not in the vault" in found[0]["message"]

    # A quote from the abstract (a source without PDF text) is checked against the abstract.
    draft = drafts_vault / "notes" / "abstract-draft.md"
    draft.write_text(ABSTRACT_DRAFT, encoding="utf-8")
    found = [p for p in doctor(drafts_vault) if p["path"] == "notes/abstract-draft.md"]
    assert [(p["line"], p["code"]) for p in found] == [(line_of(draft, "[^2]:"), "quote-not-found")]
    assert "the quote is not in the abstract" in found[0]["message"]


HOSTILE = DRAFT.replace(
    f'"{ABSENT}" (p. 2)', "\"<script>alert('quote')</script><img src=x onerror=alert(1)>\" (p. 2)"
)


def test_draft_page_shows_the_chip_and_each_quote_with_its_page(drafts_vault):
    (drafts_vault / "notes" / "lima-draft.md").write_text(HOSTILE, encoding="utf-8")
    near = ABSTRACT_DRAFT.replace("status: draft", "status: draft\nnear: notes/pretraining.md")
    (drafts_vault / "notes" / "abstract-draft.md").write_text(near, encoding="utf-8")
    with Index(Vault(drafts_vault)) as index:
        index.update()
        with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as client:
            page = client.get("/notes/lima-draft.html").text
            abstract_page = client.get("/notes/abstract-draft.html").text
            listing = client.get("/notes.html").text
    assert '<span class="chip chip-draft"' in page and ">Draft</span>" in page
    # The mark links to its footnote, and names the quote on hover; no script needed.
    assert '<sup class="footnote-ref" id="fnref-1"><a href="#fn-1" title="' in page
    assert '<li id="fn-1"><a class="footnote-back" href="#fnref-1"' in page
    assert f'<q class="evidence">{GOOD}</q> <span class="evidence-page">p. 2</span>' in page
    assert '<span class="evidence-page">abstract</span>' in abstract_page
    # The note a draft nearly repeats (front matter `near:`, as `inquiring draft` writes it).
    assert (
        'This draft nearly repeats <a href="../notes/pretraining.html">What does pretraining '
        "teach?</a>" in abstract_page
    )
    assert "nearly repeats" not in page
    # Any other footnote is the note's own Markdown.
    assert '<li id="fn-4"><a class="footnote-back" href="#fnref-4"' in page
    assert "See the <em>appendix</em>." in page
    # A hostile quote is the paper's words, shown as text.
    assert (
        "&lt;script&gt;alert('quote')&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</q>" in page
    )
    assert "<script>alert" not in page and "<img src" not in page
    # Lists mark the drafts, and only the drafts.
    assert listing.count("chip-draft") == 2


def test_published_site_shows_drafts_the_same_way(drafts_vault, tmp_path):
    with Index(Vault(drafts_vault)) as index:
        index.update(embedder=get_embedder())
        build_site(Pages(Searcher(index, get_embedder()), published=True), tmp_path / "site")
    page = (tmp_path / "site" / "notes" / "lima-draft.html").read_text(encoding="utf-8")
    assert ">Draft</span>" in page and 'href="#fn-2"' in page
    assert f'<q class="evidence">{ELSEWHERE}</q> <span class="evidence-page">p. 3</span>' in page
    plain = (tmp_path / "site" / "notes" / "pretraining.html").read_text(encoding="utf-8")
    assert '<p class="label">Note <span class="chip' not in plain  # not a draft itself
    # A named footnote shows as a number, as Obsidian shows it.
    assert '<a href="#fn-lima" title="As LIMA argues.">1</a></sup>' in plain
    assert 'align a language model?</a> <span class="chip chip-draft"' in plain  # its neighbour


def test_in_a_browser_the_mark_opens_the_quote_and_nothing_runs(drafts_vault, tmp_path):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():  # pragma: no cover - `make test` installs it
        pytest.skip("the browser check needs Chromium; `make test` installs it")
    sync_api = pytest.importorskip("playwright.sync_api")
    (drafts_vault / "notes" / "lima-draft.md").write_text(HOSTILE, encoding="utf-8")
    with Index(Vault(drafts_vault)) as index:
        index.update(embedder=get_embedder())
        build_site(Pages(Searcher(index, get_embedder()), published=True), tmp_path / "site")
    dialogs: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1000, "height": 420})  # the list off screen
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.goto((tmp_path / "site" / "notes" / "lima-draft.html").as_uri())
        assert tab.locator("p.label .chip-draft").inner_text() == "Draft"
        mark = tab.locator("sup.footnote-ref a").first
        assert GOOD in (mark.get_attribute("title") or "")  # the quote on hover
        mark.click()
        assert tab.url.endswith("#fn-1")
        assert tab.locator("li:target q.evidence").inner_text() == GOOD
        assert tab.locator("li:target .evidence-page").inner_text() == "p. 2"
        header, shown = (tab.locator(at).bounding_box() for at in ("header.site", "li:target"))
        assert header and shown and shown["y"] >= header["y"] + header["height"]  # not under it
        tab.locator("li:target a.footnote-back").click()
        assert tab.url.endswith("#fnref-1")
        hostile = tab.locator("#fn-3 q.evidence").inner_text()
        assert hostile.startswith("<script>alert('quote')</script>")  # shown, not run
        # The published site's search marks the draft among its results.
        tab.goto((tmp_path / "site" / "search.html").as_uri() + "?q=curated+examples+align")
        first = tab.locator("#search-hits li").first
        assert "align a language model?" in first.locator("a").inner_text()
        assert first.locator(".chip-draft").inner_text() == "Draft"
        browser.close()
    assert dialogs == []


SPECTER_SOURCE = """---
id: cohan2020specter
title: "SPECTER: Document-level Representation Learning using Citation-informed Transformers"
authors: [Arman Cohan, Sergey Feldman, Iz Beltagy, Doug Downey, Daniel S. Weld]
published: 2020
pdf: sources/files/specter.pdf
---
"""
# Quotes as the fixtures' README gives them, checked there against the text layer.
SPECTER_1 = (
    "Representation learning is a critical ingredient for natural language processing systems."
)
SPECTER_2 = (
    "Unlike existing pretrained language models, SPECTER can be easily applied to downstream "
    "applications without task-specific fine-tuning."
)
SPECTER_DRAFT = f"""---
title: "Can citations teach document embeddings without fine-tuning?"
status: draft
sources: [cohan2020specter]
---
Representations matter.[^1] SPECTER needs no task-specific training.[^2]

[^1]: "{SPECTER_1}" (p. 1)
[^2]: "{SPECTER_2}" (p. 1)
"""


def test_doctor_on_a_real_paper_with_ligatures_and_hyphenation(write_vault, papers):
    root = write_vault(
        {"sources/specter.md": SPECTER_SOURCE, "notes/specter-draft.md": SPECTER_DRAFT}
    )
    (root / "sources" / "files").mkdir()
    (root / "sources" / "files" / "specter.pdf").write_bytes(
        (papers / "2020.acl-main.207.pdf").read_bytes()
    )
    assert doctor(root) == []  # "ingre-⏎dient" and "ﬁne-tuning" in the PDF still match

    draft = root / "notes" / "specter-draft.md"
    draft.write_text(
        SPECTER_DRAFT.replace("without task-specific", "with task-specific").replace(
            'systems." (p. 1)', 'systems." (p. 2)'
        ),
        encoding="utf-8",
    )
    bump_mtime(draft)
    assert [(p["line"], p["code"]) for p in doctor(root)] == [
        (line_of(draft, "[^1]:"), "quote-wrong-page"),
        (line_of(draft, "[^2]:"), "quote-not-found"),
    ]


def test_an_agent_is_told_which_notes_are_drafts(drafts_vault):
    async def body(client) -> None:
        drafts = await call(client, "list_drafts")
        assert [(d["path"], d["draft"]) for d in drafts] == [("notes/lima-draft.md", True)]
        assert (await call(client, "get_note", ref="lima-draft"))["draft"] is True
        assert "draft" not in await call(client, "get_note", ref="pretraining")

    session(drafts_vault)(body)
