"""The pages in a real browser: Playwright driving Debian's Chromium (installed by `make test`)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from webvault import QUESTION, make_web_vault

from inquiring.embed import get_embedder
from inquiring.search import Searcher
from inquiring.site import build_site
from inquiring.web.app import create_app
from inquiring.web.pages import Pages

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

if not Path(CHROMIUM).exists():  # pragma: no cover - `make test` installs it
    if os.environ.get("INQUIRING_BROWSER_TESTS") == "required":  # as `make test` runs them
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; run `make test`", pytrace=False)
    pytest.skip(
        f"the browser tests need Chromium at {CHROMIUM}; `make test` installs it",
        allow_module_level=True,
    )

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo vault (plus awkward notes) served on a free local port."""
    root = tmp_path_factory.mktemp("browser") / "vault"
    index, line = make_web_vault(root)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(index, get_embedder()), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}/", index, line.relative_to(root).as_posix()
    server.should_exit = True
    thread.join(timeout=5)
    index.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def watch(tab) -> list[str]:
    """Script errors and Content-Security-Policy violations on the tab, as they happen."""
    problems: list[str] = []
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return problems


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    problems = watch(tab)
    yield tab
    context.close()
    assert problems == [], f"script errors or policy violations on the page: {problems}"


def test_search_from_home_then_open_a_note(served, page):
    base, _, _ = served
    page.goto(base)
    assert page.locator("h1").inner_text() == "Notes on training language models"
    page.fill("header input[name=q]", "position encodings for longer inputs")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    assert "Coverage:" in page.locator("p.coverage").inner_text()
    page.locator("ol.hits li a").first.click()
    page.wait_for_url(re.compile(r"/notes/.+\.html$"))
    assert page.locator("h1").inner_text().startswith("Can position encodings")
    assert page.locator("svg.concept-map a").count() >= 4


def test_follow_a_citation_to_its_note_and_back_to_the_line(served, page):
    base, _, line = served
    page.goto(base)
    page.locator("ul.lines a").first.click()
    page.wait_for_url(re.compile(r"/lines/.+\.html$"))
    assert page.locator("h1").inner_text() == QUESTION
    citation = page.locator(".essay a.wikilink").first
    assert citation.inner_text() == "1"  # the mark "[1]", tied to the first source
    title = citation.get_attribute("title")
    assert page.locator("ol.sources a").first.inner_text() == title
    citation.click()
    page.wait_for_url(re.compile(r"/notes/.+\.html$"))
    assert page.locator("h1").inner_text() == title
    back = page.locator("#lines a")
    assert back.count() == 1
    back.click()
    page.wait_for_url(re.compile(r"/lines/.+\.html$"))
    assert page.url.endswith(line.removesuffix(".md") + ".html")


def test_ask_a_question_and_land_on_its_line(served, page):
    base, _, _ = served
    question = "Why do long-context models miss information in the middle of their input?"
    page.goto(base)
    page.fill("#home-ask", question)
    page.click("form.ask button")
    page.wait_for_url(re.compile(r"/lines/.+\.html$"), timeout=30_000)
    assert page.locator("h1").inner_text() == question
    assert page.locator("ol.sources li").count() >= 3
    assert page.locator("p.label").inner_text().upper().startswith("INQUIRING LINE")


def test_html_in_a_note_runs_nothing(served, page):
    base, _, _ = served
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "notes/zz-unsafe-html.html")
    page.locator("a", has_text="a click").click()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss === undefined")
    assert dialogs == []
    assert page.locator(".body span.unresolved", has_text="A note nobody wrote").is_visible()


def test_pages_fit_a_phone_screen(served, browser):
    base, _, line = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = context.new_page()
    problems = watch(tab)
    for path in ("", "notes/alibi-length-extrapolation.html", line.replace(".md", ".html")):
        tab.goto(base + path)
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390, path
    context.close()
    assert problems == []


def test_the_built_site_opens_from_disk_and_searches(served, page, tmp_path):
    _, index, _ = served
    out = tmp_path / "deep" / "sub path" / "site"
    build_site(Pages(Searcher(index, get_embedder()), "Published notes"), out)
    page.goto((out / "index.html").as_uri())
    assert page.locator("h1").inner_text() == "Published notes"
    page.fill("header input[name=q]", "alibi extrapolation")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    hits = page.locator("#search-hits li a")
    hits.first.wait_for()
    assert hits.first.inner_text().startswith("Can position encodings let a model extrapolate")
    hits.first.click()
    page.wait_for_url(re.compile(r"notes/alibi-length-extrapolation\.html$"))
    page.locator("a.wikilink", has_text="RULER").click()
    assert page.url.startswith("file://") and page.url.endswith("ruler-effective-context.html")
    assert "stylesheet" in page.evaluate("[...document.styleSheets].length ? 'stylesheet' : 'none'")
    # Images still show: the PNG as a file, the SVG (which holds a script) inside the page.
    page.goto((out / "notes" / "zz-unsafe-html.html").as_uri())
    assert shown(page, "figure.png") == 1 and shown(page, "diagram.svg") == 40
    assert page.title() != "pwned"


def shown(page, alt: str) -> int:
    """The width the browser decoded an image of the note's body at (0: it did not show)."""
    return page.locator(f".body img[alt='{alt}']").evaluate("i => i.complete && i.naturalWidth")


@pytest.mark.parametrize("label", ["a page", "some XML", "a script", "the diagram"])
def test_attachments_that_could_run_are_downloaded_not_run(served, page, label):
    base, index, _ = served
    note = base + "notes/zz-unsafe-html.html"
    page.goto(note)
    assert shown(page, "diagram.svg") == 40  # in an <img> it shows, and its script never runs
    with page.expect_download(timeout=15_000) as download:
        page.locator(".body a", has_text=label).click()
    href = page.locator(".body a", has_text=label).get_attribute("href")
    assert download.value.suggested_filename == href.rsplit("/", 1)[-1]
    typed = pytest.raises(sync_api.Error, match="Download is starting")
    with page.expect_download(timeout=15_000), typed:  # typed into the address bar: the same
        page.goto(base + "notes/" + href)
    assert page.url == note and page.title() != "pwned"
    assert all(line.title != "pwned" for line in index.documents("line"))


def test_every_note_is_reachable_from_the_header_without_script(served, page, tmp_path):
    base, index, _ = served
    page.goto(base + "notes/alibi-length-extrapolation.html")
    page.locator("header a", has_text="All notes").click()
    page.wait_for_url(re.compile(r"/notes\.html$"))
    page.select_option("select[name=collection]", "scaling-laws")
    page.select_option("select[name=year]", "2024")
    page.locator("form.filters button").click()
    page.wait_for_url(re.compile(r"collection=scaling-laws"))
    assert page.locator("h1").inner_text() == "Notes"
    titles = page.locator("ul.refs li > a").all_inner_texts()
    assert "How should a fixed compute budget be split between parameters and tokens?" in titles
    assert all(d.startswith("2024-") for d in page.locator("ul.refs .extra").all_inner_texts())
    # The published site, from disk: a page per value, reached through a fold-out list.
    out = tmp_path / "site"
    build_site(Pages(Searcher(index, get_embedder())), out)
    page.goto((out / "notes" / "alibi-length-extrapolation.html").as_uri())
    page.locator("header a", has_text="All notes").click()
    page.locator("summary", has_text="By category").click()
    page.get_by_role("link", name="Architecture", exact=True).click()
    assert page.url.endswith("/browse/category/architecture.html")
    assert page.locator("h1").inner_text() == "Notes in Architecture"
    page.locator("ul.refs li > a", has_text="Can position encodings").click()
    assert page.url.endswith("notes/alibi-length-extrapolation.html")
