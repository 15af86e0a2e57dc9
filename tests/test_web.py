"""The web app through HTTP (Starlette's test client), on a real index with the real embedder."""

# ruff: noqa: F811 (tests name the shared `vault` and `client` fixtures)

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from typer.testing import CliRunner
from webvault import LOCAL, QUESTION, client, make_web_vault, vault  # noqa: F401 (shared fixtures)

from inquiring.cli import app as cli_app
from inquiring.embed import get_embedder
from inquiring.errors import InquiringError
from inquiring.search import Searcher
from inquiring.settings import load_settings
from inquiring.site import build_site
from inquiring.vault import Vault
from inquiring.web.app import create_app
from inquiring.web.conceptmap import MapNode, concept_map
from inquiring.web.pages import Pages


def page_of(path: str) -> str:
    return "/" + path.removesuffix(".md") + ".html"


def test_home_shows_counts_hubs_and_lines(client, vault):
    _, line = vault
    html = client.get("/").text
    assert "Notes on training language models" in html  # the vault's own title
    assert re.search(r"114 notes · 145 sources · 12 hubs · 1 inquiring lines", html)
    assert "How does instruction and preference tuning shape behaviour?" in html
    assert f'href="{line.removesuffix(".md")}.html"' in html
    assert 'action="ask"' in html and 'action="search.html"' in html


def test_note_page_has_everything_a_reader_follows(client):
    html = client.get(page_of("notes/alibi-length-extrapolation.md")).text
    assert "<h1>Can position encodings let a model extrapolate" in html
    assert "ALiBi replaced position embeddings" in html  # the dek
    assert "sourced from <em>Retrieval and Context</em>" in html
    assert '<span class="chip">Architecture</span>' in html
    assert "Which architectural choices change what a model can do?" in html  # a hub
    # Body links resolve to pages, relative to this page.
    assert '<a class="wikilink" href="../notes/ruler-effective-context.html">RULER</a>' in html
    # Its source, with authors, links to the source page.
    assert 'href="../sources/arxiv-2108.12409.html"' in html and "Ofir Press" in html
    assert "Inquiring lines that use this note (0)" in html
    assert "<svg" in html and "within two links" in html


def test_a_cited_note_lists_the_line_that_uses_it(client, vault):
    index, line = vault
    cited = index.front_matter(line)["cited"]
    html = client.get(page_of(cited[0])).text
    assert "Inquiring lines that use this note (1)" in html
    assert "../" + line.removesuffix(".md") + ".html" in html


def test_line_page_cites_notes_by_title_and_lists_sources(client, vault):
    index, line = vault
    fm = index.front_matter(line)
    html = client.get(page_of(line)).text
    assert f"<h1>{QUESTION}</h1>" in html
    assert "This explores" in html
    assert "written by extractive" in html and "claims backed" in html
    quoted = fm["support"]["quoted"]
    assert f"citations checked: {quoted} of {quoted} found word for word" in html
    sources = unescape(html.split('<ol class="sources">')[1])
    for path in fm["cited"]:
        title = index.document(path).title
        assert f'href="../{path.removesuffix(".md")}.html">{title}</a>' in sources
    assert f"{len(fm['cited'])} notes</span>" in html
    assert "stale" not in re.sub(r"<[^>]+>", "", html.split("<main>")[1]).lower()


def test_line_page_marks_each_citation_with_its_sources_number(client, vault):
    """ "[1]" in the essay links to the first note of the Sources list and names it on hover."""
    index, line = vault
    cited = index.front_matter(line)["cited"]
    essay = client.get(page_of(line)).text.split('class="body essay">')[1].split("</div>")[0]
    anchor = r'<a class="wikilink" href="\.\./([^"]+)\.html" title="([^"]+)">(\d+)</a>'
    groups = re.findall(rf"\[((?:{anchor}(?:, )?)+)\]", essay)  # "[3]" or "[12, 6]"
    marks = [m for group in groups for m in re.findall(anchor, group[0])]
    assert any(", " in group[0] for group in groups)  # the takeaway cites two notes
    assert {int(n) for _, _, n in marks} == set(range(1, len(cited) + 1))
    for page, title, number in marks:
        assert f"{page}.md" == cited[int(number) - 1]
        assert unescape(title) == index.document(cited[int(number) - 1]).title
    prose = unescape(re.sub(r"<[^>]+>", "", essay))
    for path in cited:  # no note's title is written into the prose
        assert index.document(path).title not in prose


def test_a_changed_note_marks_the_line_stale(tmp_path):
    index, line_path = make_web_vault(tmp_path / "vault")
    try:
        line = line_path.relative_to(index.vault.root).as_posix()
        cited = index.front_matter(line)["cited"][0]
        target = index.vault.root / cited
        target.write_text(target.read_text() + "\nOne more sentence.\n")
        index.update(embedder=get_embedder())
        with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
            html = c.get(page_of(line)).text
        assert 'class="stale"' in html and "1 note it used changed" in html
    finally:
        index.close()


def test_hub_page_lists_sections_with_titles_and_deks(client):
    html = client.get("/hubs/alignment-tuning.html").text
    assert "<h1>How does instruction and preference tuning shape behaviour?</h1>" in html
    assert "What instruction tuning teaches" in html
    assert "Does instruction tuning teach the task or just the output format?" in html
    assert re.search(r"Topic hub · \d+ notes", html)


def test_source_page_links_out_and_back_to_notes(client):
    html = client.get("/sources/arxiv-2108.12409.html").text
    assert "Train Short, Test Long" in html
    assert 'href="https://arxiv.org/abs/2108.12409"' in html
    assert "Notes that use this source (1)" in html
    assert 'href="../notes/alibi-length-extrapolation.html"' in html


def test_search_page_shows_hybrid_hits_with_coverage(client):
    html = client.get("/search.html", params={"q": "does finetuning add new knowledge"}).text
    assert "Coverage: <strong>" in html
    assert html.count('class="why"') >= 5


@pytest.mark.parametrize(
    "query", ["", "AND", '"unbalanced', "(", "NEAR(", "col:on -x *", "🙂🙂", "a" * 900]
)
def test_odd_searches_answer_a_page(client, query):
    response = client.get("/search.html", params={"q": query})
    assert response.status_code == 200
    assert "Traceback" not in response.text


def test_a_huge_search_is_refused_readably(client):
    response = client.get("/search.html", params={"q": "word " * 2000})
    assert response.status_code == 400
    assert "characters long" in response.text and "<h1>" in response.text
    api = client.get("/api/search", params={"q": "word " * 2000})
    assert api.status_code == 400 and "error" in api.json()


def test_unsafe_html_in_a_note_is_neutralised(client):
    html = client.get("/notes/zz-unsafe-html.html").text
    body = html.split('<div class="body">')[1].split("</article>")[0]
    assert "Plain text first." in body
    assert "<script" not in body and "window.__xss = 1" not in body
    assert "onerror" not in body and "onclick" not in body
    assert "[sneaky link](javascript:" in body  # left as inert text, never an href
    assert 'href="javascript' not in body


def test_links_in_a_body_resolve_or_are_marked(client):
    html = client.get("/notes/zz-unsafe-html.html").text
    assert 'href="../notes/alibi-length-extrapolation.html#the-catch">a heading</a>' in html
    assert '<span class="unresolved"' in html and "A note nobody wrote" in html
    assert 'class="unresolved"' in html.split("a missing file")[0].rsplit("<a", 1)[1]
    assert 'href="../notes/alibi-length-extrapolation.html">in a table</a>' in html
    assert '<img src="../files/notes/figure.png"' in html
    assert client.get("/files/notes/figure.png").content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "url",
    [
        "/files/private.txt",  # in the vault, but no note links to it
        "/files/questions.yaml",
        "/files/../../../etc/passwd",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/notes/../../etc/passwd.html",
        "/notes/alibi-length-extrapolation.md",  # the raw file: pages only
        "/.inquiring/index.db",
        "/no/such/page.html",
        "/api/documents/../../etc/passwd",
    ],
)
def test_nothing_outside_the_pages_can_be_read(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "root:" not in response.text and "SQLite" not in response.text


def test_unknown_pages_answer_a_readable_404(client):
    response = client.get("/notes/deeper/nothing-here.html")
    assert response.status_code == 404
    assert "Not in this vault" in response.text and "Back to the home page" in response.text
    # Its links are written for where it answers, so it keeps its style at any depth.
    assert 'href="../../static/style.css"' in response.text


def test_an_empty_question_through_the_api_is_refused(client):
    response = client.post("/api/ask", json={"question": "   "})
    assert response.status_code == 400 and response.json() == {"error": "the question is empty"}


def test_api_search_documents_lines_stats_and_schema(client, vault):
    _, line = vault
    found = client.get("/api/search", params={"q": "position encodings longer inputs"}).json()
    assert found["coverage"] in {"strong", "partial", "thin", "none"}
    assert found["results"][0]["path"] == "notes/alibi-length-extrapolation.md"
    assert found["results"][0]["why"]
    doc = client.get("/api/documents/notes/alibi-length-extrapolation.md").json()
    assert doc["title"].startswith("Can position encodings")
    assert any(x["resolved"] == "notes/ruler-effective-context.md" for x in doc["links"])
    assert [x["path"] for x in client.get("/api/lines").json()] == [line]
    assert client.get("/api/stats").json()["hubs"] == 12
    schema = client.get("/api/openapi.json").json()
    assert {"/api/search", "/api/ask", "/api/documents/{path}", "/api/lines"} <= set(
        schema["paths"]
    )


def _poll_job(client: TestClient, response, until: Callable[[Response], bool]) -> Response:
    """Poll the progress page the POST sent us to until `until(page)`; return that page."""
    assert response.status_code == 303
    url = urlsplit(str(response.headers["location"])).path
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(url, follow_redirects=False)
        if until(page):
            return page
        assert page.status_code == 200 and "Ask the notes" in page.text
        time.sleep(0.05)
    raise AssertionError("the question was never answered")


def _follow_job(client: TestClient, response) -> str:
    """Poll the progress page until it sends us on; return where we landed."""
    page = _poll_job(client, response, lambda p: p.status_code == 303)
    return (
        urlsplit(str(page.url)).path.rsplit("/", 2)[0]
        + "/"
        + page.headers["location"].removeprefix("../")
    )


def test_asking_lands_on_a_new_line_then_on_the_same_one(tmp_path):
    index, _ = make_web_vault(tmp_path / "vault")
    question = "Does RL teach models new reasoning or surface what pretraining put there?"
    try:
        with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
            landed = _follow_job(
                c, c.post("/ask", data={"question": question}, follow_redirects=False)
            )
            assert landed.startswith("/lines/") and landed.endswith(".html")
            html = c.get(landed).text
            assert f"<h1>{question}</h1>" in html
            assert (index.vault.root / unquote(landed[1:]).replace(".html", ".md")).exists()
            again = _follow_job(
                c, c.post("/ask", data={"question": question}, follow_redirects=False)
            )
            assert again == landed  # the near-duplicate line, not a second one
            assert len(list((index.vault.root / "lines").glob("*.md"))) == 2
    finally:
        index.close()


def test_an_empty_question_is_refused(client):
    response = client.post("/ask", data={"question": "   "})
    assert response.status_code == 400 and "The question is empty" in response.text


def test_writing_needs_the_token_when_one_is_set(vault):
    index, _ = vault
    with TestClient(create_app(index, get_embedder(), token="s3cret"), base_url=LOCAL) as c:
        refused = c.post("/ask", data={"question": QUESTION}, follow_redirects=False)
        assert refused.status_code == 403 and "access token" in refused.text
        assert c.post("/api/ask", json={"question": QUESTION}).status_code == 403
        wrong = c.post("/ask", data={"question": QUESTION, "token": "nope"}, follow_redirects=False)
        assert wrong.status_code == 403
        c.get("/", params={"token": "s3cret"})  # sets the cookie
        accepted = c.post("/ask", data={"question": QUESTION}, follow_redirects=False)
        assert accepted.status_code == 303
        _follow_job(c, accepted)
        c.cookies.clear()
        headers = {"x-inquiring-token": "s3cret"}
        duplicate = c.post("/api/ask", json={"question": QUESTION}, headers=headers).json()
        assert duplicate["existing_line"]["path"].startswith("lines/")


def test_another_site_cannot_make_the_browser_ask(client):
    response = client.post(
        "/ask", data={"question": QUESTION}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403


def test_concept_map_escapes_titles():
    svg = concept_map("<script>x</script>", [MapNode('a "quoted" <b>', "x.html", "linked", 2)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg and svg.count("<circle") == 1 + 1 + 2


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def test_site_build_writes_every_page_with_working_relative_links(vault, tmp_path):
    index, line = vault
    pages = Pages(Searcher(index, get_embedder()), "Test site")
    out = tmp_path / "public" / "site"
    report = build_site(pages, out, base_url="https://example.org/wiki/")
    htmls = list(out.rglob("*.html"))
    lists = [p for p in htmls if p.relative_to(out).parts[0] in ("notes.html", "browse", "tags")]
    assert len(lists) == 1 + 16 + 11 + 3  # every note; its categories, collections and years
    assert report.pages == len(htmls) == len(index.documents()) + 3 + len(lists)
    broken = []
    for page in htmls:
        parser = _Links()
        parser.feed(page.read_text())
        for link in parser.found:
            if re.match(r"^[a-z]+:", link) or link.startswith("#"):
                continue
            target = (page.parent / unquote(link.split("#")[0].split("?")[0])).resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(out)} → {link}")
    # Only the raw HTML image the hostile note points at a file that does not exist.
    assert broken == ["notes/zz-unsafe-html.html → nowhere.png"]
    assert (out / "files" / "notes" / "figure.png").exists()
    assert not (out / "files" / "private.txt").exists()
    script = (out / "search-index.js").read_text()
    assert script.startswith("window.INQUIRING_SEARCH = ") and "</script" not in script
    feed = ET.fromstring((out / "feed.xml").read_text())
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert entries and entries[0].find(f"{atom}title").text.startswith("Inquiring line: ")
    assert entries[0].find(f"{atom}link").get("href").startswith("https://example.org/wiki/")
    locs = ET.fromstring((out / "sitemap.xml").read_text())
    assert len(locs) == len(index.documents()) + 3
    static_line = (out / line.replace(".md", ".html")).read_text()
    assert 'action="ask"' not in static_line  # nothing to post to on a static host


def test_site_build_never_overwrites_a_folder_it_did_not_make(vault, tmp_path):
    index, _ = vault
    pages = Pages(Searcher(index, get_embedder()))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(InquiringError, match="did not build"):
        build_site(pages, mine)
    assert (mine / "thesis.tex").read_text() == "precious"
    out = tmp_path / "site"
    build_site(pages, out)
    (out / "stray.html").write_text("old")
    build_site(pages, out)  # a rebuild replaces its own earlier build
    assert not (out / "stray.html").exists() and (out / "index.html").exists()
    with pytest.raises(InquiringError, match="inside the vault"):
        build_site(pages, index.vault.root / "public")
    assert not Path(index.vault.root / "public").exists()


def test_asking_what_the_vault_lacks_shows_the_nearest_notes_not_a_line(client, vault):
    index, _ = vault
    before = sorted((index.vault.root / "lines").glob("*.md"))
    response = client.post(
        "/ask",
        data={"question": "How do diffusion models turn random noise into photorealistic images?"},
        follow_redirects=False,
    )
    page = _poll_job(client, response, lambda p: "Nearest notes" in p.text)
    assert page.status_code == 200
    assert "nothing" in page.text.lower()
    assert sorted((index.vault.root / "lines").glob("*.md")) == before


def test_refreshing_a_stale_line_rewrites_it_in_place(tmp_path):
    index, line_path = make_web_vault(tmp_path / "vault")
    try:
        line = line_path.relative_to(index.vault.root).as_posix()
        cited = index.vault.root / index.front_matter(line)["cited"][0]
        cited.write_text(cited.read_text() + "\nAn added remark.\n")
        index.update(embedder=get_embedder())
        with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
            assert 'class="stale"' in c.get(page_of(line)).text
            landed = _follow_job(c, c.post("/refresh", data={"line": line}, follow_redirects=False))
            assert landed == page_of(line)
            assert 'class="stale"' not in c.get(landed).text
        assert sorted(p.name for p in (index.vault.root / "lines").glob("*.md")) == [line_path.name]
    finally:
        index.close()


def test_highlights_and_headings_render_as_obsidian_shows_them(vault):
    index, _ = vault
    pages = Pages(Searcher(index, get_embedder()))
    pages.paths()  # loads the renderer
    html = pages.renderer.render(
        "## The catch\n\nA claim ==(not supported by its citation)==, and a == b == c.",
        "notes/x.md",
        "../",
    )
    assert '<h2 id="the-catch">The catch</h2>' in html
    assert "<mark>(not supported by its citation)</mark>" in html and "a == b == c" in html


def test_a_symlink_out_of_the_vault_is_not_served(tmp_path, write_vault, open_index):
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"\x89PNG secret")
    root = write_vault(
        {"notes/a.md": "# A\n\n![[leak.png]] and ![[fine.png]]\n", "notes/fine.png": b"\x89PNG ok"}
    )
    (root / "notes" / "leak.png").symlink_to(outside)
    index = open_index(root)
    index.update(embedder=get_embedder())
    with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
        assert c.get("/files/notes/fine.png").status_code == 200
        assert c.get("/files/notes/leak.png").status_code == 404
    out = tmp_path / "site"
    build_site(Pages(Searcher(index, get_embedder())), out)
    assert (out / "files/notes/fine.png").exists() and not (out / "files/notes/leak.png").exists()


def test_a_configured_model_writes_and_its_failure_is_said_not_hidden(tmp_path, scripted_llm):
    index, _ = make_web_vault(tmp_path / "vault")
    (index.vault.root / "inquiring.toml").write_text('[llm]\nmodel = "scripted"\n')
    question = "Does instruction tuning teach the task or only the output format?"
    scripted_llm.replies = ["Tuning teaches format [99].", "I'm sorry, I cannot help with that."]
    try:
        with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
            response = c.post("/ask", data={"question": question}, follow_redirects=False)
            page = _poll_job(c, response, lambda p: "Read the line" in p.text)
            assert page.status_code == 200  # stays, so the warning is read
            assert "did not produce a usable line" in page.text
            assert len(scripted_llm.prompts) == 2  # the model was asked, and asked again
            line = re.search(r'href="\.\./(lines/[^"]+\.html)">Read the line', page.text)[1]
            assert "written by extractive" in c.get("/" + line).text
    finally:
        index.close()


def test_file_names_with_spaces_and_accents_get_working_pages(tmp_path, write_vault, open_index):
    root = write_vault(
        {
            "notes/Über die Sache.md": "# Was ist die Sache?\n\nSiehe [[a b#Zweitens]].\n",
            "notes/a b.md": "# A and B?\n\n## Zweitens\n\n[Back](Über%20die%20Sache.md).\n",
            "index.md": "# A note that would collide with the home page\n",
        }
    )
    index = open_index(root)
    index.update(embedder=get_embedder())
    with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
        page = c.get("/notes/%C3%9Cber%20die%20Sache.html")
        assert page.status_code == 200 and "Was ist die Sache?" in page.text
        assert 'href="../notes/a%20b.html#zweitens"' in page.text
        assert 'id="zweitens"' in c.get("/notes/a%20b.html").text
        assert "A note that would collide" in c.get("/_index.html").text
        assert "Search the notes" in c.get("/index.html").text  # the home page is still home
    out = tmp_path / "site"
    build_site(Pages(Searcher(index, get_embedder())), out)
    assert (out / "notes" / "Über die Sache.html").exists() and (out / "_index.html").exists()
    other = (out / "notes" / "a b.html").read_text()
    assert 'href="../notes/%C3%9Cber%20die%20Sache.html"' in other


# -- every note reachable: the list of all notes, tag pages, the footer, Obsidian -----------------


def _listed(html: str) -> list[str]:
    """The note pages a list links to, in order."""
    return re.findall(r'<li><a href="(?:\.\./)*(notes/[^"]+\.html)"', html)


def test_the_list_of_all_notes_reaches_every_note_a_page_at_a_time(client, vault):
    index, _ = vault
    notes = {page_of(r.path)[1:] for r in index.documents("note")}
    home = client.get("/").text
    assert '<a href="notes.html">All notes</a>' in home  # in the header of every page
    assert f'<a href="notes.html">All {len(notes)} notes, by category' in home
    first = client.get("/notes.html").text
    assert "<h1>All notes</h1>" in first and f"{len(notes)} notes, by title · page 1 of 2" in first
    assert '<a rel="next" href="notes.html?page=2">' in first
    second = client.get("/notes.html", params={"page": 2}).text
    assert len(_listed(first)) == 100 and set(_listed(first) + _listed(second)) == notes
    assert client.get("/notes.html", params={"page": 99}).text == second  # the last page


def test_the_list_narrows_by_category_collection_and_year_without_script(client):
    # Any spelling of a value finds it; each filter is a plain query parameter.
    html = client.get(
        "/notes.html", params={"collection": "Retrieval and Context", "year": "2024"}
    ).text
    assert "<h1>Notes</h1>" in html and "<script" not in html
    assert "notes/alibi-length-extrapolation.html" in _listed(html)
    assert all("2024-" in line for line in re.findall(r'<span class="extra">([^<]*)', html)[:3])
    assert '<option value="retrieval-and-context" selected>Retrieval and Context (' in html
    assert '<option value="2024" selected>2024 (' in html
    # Each chosen value can be taken off again.
    assert 'href="notes.html?year=2024" title="Show notes of any collection"' in html
    one = client.get("/notes.html", params={"category": "architecture"}).text
    assert "<h1>Notes in Architecture</h1>" in one
    nothing = client.get("/notes.html", params={"category": "no such thing"}).text
    assert "No note has all of these" in nothing and not _listed(nothing)


TAGGED = {
    ".obsidian/app.json": "{}",
    "notes/ppo.md": "---\ntags: [method/rl/ppo, survey]\n---\n# Does PPO need a critic?\n\nYes.\n",
    "notes/dpo.md": "---\ntags: [Method/RL]\n---\n# Is DPO reinforcement learning?\n\nNo.\n",
    "notes/sft.md": "---\ntags: method/sft\n---\n# What does finetuning change?\n\nStyle.\n",
    "notes/alone.md": "# A note nothing links to\n\nStill reachable.\n",
    "tags/a folder named tags.md": "# A vault folder named like the tag pages\n\nIt moves aside.\n",
    "notes.md": "# A note named like the list of notes\n\nIt moves aside too.\n",
}


def test_a_tag_page_lists_its_notes_and_those_of_nested_tags(tmp_path, write_vault, open_index):
    index = open_index(write_vault(TAGGED))
    index.update(embedder=get_embedder())
    with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
        method = c.get("/tags/method.html").text
        assert "<h1>Notes tagged #method</h1>" in method  # as first written in the vault
        assert _listed(method) == ["notes/ppo.html", "notes/dpo.html", "notes/sft.html"]  # by title
        assert '<a class="tag" href="../tags/method/rl.html">#method/rl</a>' in method
        assert '<a class="tag" href="../tags/method/sft.html">#method/sft</a>' in method
        rl = c.get("/tags/Method/RL").text  # any spelling, with or without .html
        assert _listed(rl) == ["notes/ppo.html", "notes/dpo.html"]
        assert 'Part of <a class="tag" href="../../tags/method.html">#method</a>' in rl
        assert c.get("/tags/nothing.html").status_code == 404
        everything = c.get("/notes.html").text
        assert "notes/alone.html" in _listed(everything)
        assert '<option value="method/rl">#method/rl (2)</option>' in everything
        folder = c.get("/_tags/a%20folder%20named%20tags.html").text
        assert "A vault folder named like the tag pages" in folder
        assert "A note named like the list of notes" in c.get("/_notes.html").text
        assert '<li><a href="_notes.html">A note named like the list of notes</a>' in everything
    out = tmp_path / "site"
    build_site(Pages(Searcher(index, get_embedder())), out)
    assert _listed((out / "tags" / "method" / "rl.html").read_text()) == [
        "notes/ppo.html",
        "notes/dpo.html",
    ]
    listing = (out / "notes.html").read_text()
    assert '<a href="tags/method/rl/ppo.html">#method/rl/ppo</a>' in listing
    assert "<form" not in listing.split("<main>")[1]  # nothing to ask on a static host
    assert (out / "_tags" / "a folder named tags.html").exists()


def test_note_pages_open_the_note_in_obsidian_only_for_an_obsidian_vault(
    client, tmp_path, write_vault, open_index
):
    assert "obsidian://" not in client.get(page_of("notes/alibi-length-extrapolation.md")).text
    index = open_index(write_vault({**TAGGED, "notes/a b/Ünï & co.md": "# Odd name?\n\nYes.\n"}))
    index.update(embedder=get_embedder())
    with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
        html = c.get("/notes/a%20b/%C3%9Cn%C3%AF%20&%20co.html").text
    link = "obsidian://open?vault=vault&amp;file=notes%2Fa%20b%2F%C3%9Cn%C3%AF%20%26%20co"
    assert f'<a href="{link}">Open in Obsidian</a>' in html
    out = tmp_path / "site"  # readers of a published site do not have the vault
    build_site(Pages(Searcher(index, get_embedder())), out)
    assert "obsidian://" not in (out / "notes" / "a b" / "Ünï & co.html").read_text()


def test_the_footer_is_the_vaults_own_line(tmp_path, write_vault, open_index):
    footer = "Notes by *A. Reader* · [CC BY](https://creativecommons.org/licenses/by/4.0/)"
    root = write_vault(
        {"inquiring.toml": f'[site]\nfooter = "{footer}"\n', "notes/a.md": "# A note?\n\nA.\n"}
    )
    index = open_index(root)
    index.update(embedder=get_embedder())
    shown = (
        'Notes by <em>A. Reader</em> · <a href="https://creativecommons.org/licenses/by/4.0/">'
        "CC BY</a> ·"
    )
    with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
        assert shown in c.get("/notes/a.html").text
    result = CliRunner().invoke(
        cli_app, ["--vault", str(root), "site", "build", str(tmp_path / "site")]
    )
    assert result.exit_code == 0, result.output
    assert shown in (tmp_path / "site" / "notes" / "a.html").read_text()
    assert "Made with" not in (tmp_path / "site" / "index.html").read_text()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('site = "x"', r"\[site\] must be a table"),
        ("[site]\nfooter = 3", r"\[site\] footer must be one line of text"),
        ('[site]\nfooter = """one\ntwo"""', r"\[site\] footer must be one line of text"),
    ],
)
def test_a_wrong_footer_setting_says_how_to_write_it(tmp_path, write_vault, toml, message):
    root = write_vault({"inquiring.toml": toml + "\n"})
    with pytest.raises(InquiringError, match=message):
        load_settings(Vault(root))
