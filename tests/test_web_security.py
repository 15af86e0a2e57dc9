"""The server and the site probed as an attacker would: through HTTP, on a real index."""

# ruff: noqa: F811 (tests name the shared `vault` and `client` fixtures)

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webvault import ACTIVE, LOCAL, QUESTION, client, make_web_vault, vault  # noqa: F401 (shared fixtures)

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.site import MARKER, build_site
from inquiring.vault import Vault
from inquiring.web.app import create_app
from inquiring.web.pages import Pages

SECURITY_HEADERS = (
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
)


def lines_in(index: Index) -> list[str]:
    return sorted(p.name for p in (index.vault.root / "lines").glob("*.md"))


# -- attachments --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACTIVE))
def test_files_a_browser_could_run_are_sandboxed_downloads(client, name):
    response = client.get(f"/files/notes/{name}")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f"attachment; filename*=utf-8''{name}"
    assert "sandbox" in response.headers["content-security-policy"].split("; ")
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_images_show_in_place_but_sandboxed(client):
    response = client.get("/files/notes/figure.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert "content-disposition" not in response.headers
    assert "sandbox" in response.headers["content-security-policy"].split("; ")
    assert response.headers["x-content-type-options"] == "nosniff"


# -- the Host header (DNS rebinding) ------------------------------------------------------------


def test_a_foreign_host_is_refused_on_loopback(client, vault):
    index, _ = vault
    before = lines_in(index)
    foreign = {"host": "evil.example:8000"}
    page = client.get("/", headers=foreign)
    assert page.status_code == 400 and "does not answer to that name" in page.text
    assert client.get("/api/lines", headers=foreign).status_code == 400
    asked = client.post(
        "/api/ask",
        json={"question": QUESTION, "new": True},
        headers={**foreign, "origin": "http://evil.example:8000"},
    )
    assert asked.status_code == 400 and "evil.example" in asked.json()["error"]
    assert lines_in(index) == before


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST"])
def test_loopback_names_are_answered(client, host):
    assert client.get("/", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    ("bound", "host", "status"),
    [
        ("0.0.0.0", "notes.example:8000", 200),  # every interface: the token guards writing
        ("::", "[fe80::1]:8000", 200),
        ("192.168.1.5", "192.168.1.5:8000", 200),
        ("192.168.1.5", "evil.example:8000", 400),
        ("192.168.1.5", "localhost:8000", 400),  # not listening on loopback at all
    ],
)
def test_a_network_address_answers_to_its_own_name(vault, bound, host, status):
    index, _ = vault
    app = create_app(index, get_embedder(), token="s3cret", host=bound)
    with TestClient(app, base_url=LOCAL) as c:
        assert c.get("/api/stats", headers={"host": host}).status_code == status


# -- headers on every response ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status"),
    [
        ("GET", "/", {}, 200),
        ("GET", "/notes/alibi-length-extrapolation.html", {}, 200),
        ("GET", "/static/style.css", {}, 200),
        ("GET", "/feed.xml", {}, 200),
        ("GET", "/api/stats", {}, 200),
        ("GET", "/files/notes/figure.png", {}, 200),
        ("GET", "/notes.html", {"params": {"tag": "<script>", "page": "2"}}, 200),
        ("GET", "/notes.html", {"params": {"page": "0"}}, 400),
        ("GET", "/no/such/page.html", {}, 404),
        ("GET", "/api/documents/no/such.md", {}, 404),
        ("GET", "/search.html", {"params": {"q": "word " * 300}}, 400),
        ("GET", "/", {"params": {"token": "wrong"}}, 303),
        ("POST", "/ask", {"data": {"question": "x"}, "headers": {"origin": "https://e.xa"}}, 403),
        ("GET", "/", {"headers": {"host": "evil.example"}}, 400),
        ("POST", "/api/ask", {"content": b"{" + b" " * 100_000 + b"}"}, 413),
    ],
)
def test_every_response_carries_the_security_headers(client, method, url, kwargs, status):
    response = client.request(method, url, follow_redirects=False, **kwargs)
    assert response.status_code == status
    assert all(name in response.headers for name in SECURITY_HEADERS), response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy


def test_an_unexpected_failure_also_carries_them(vault):
    index, _ = vault
    broken = Index(Vault(index.vault.root))  # a connection that is gone by the first request
    app = create_app(broken, get_embedder())
    broken.close()
    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as c:
        for url in ("/notes/alibi-length-extrapolation.html", "/api/stats"):
            response = c.get(url)
            assert response.status_code == 500 and "Traceback" not in response.text
            assert all(name in response.headers for name in SECURITY_HEADERS), url


def test_pages_run_no_script_by_policy(client):
    policy = client.get("/").headers["content-security-policy"]
    assert "script-src" not in policy  # default-src 'none' covers scripts
    assert client.get("/").headers["x-frame-options"] == "DENY"


# -- the token link -----------------------------------------------------------------------------


def test_the_token_link_sets_the_cookie_and_leaves_the_address_bar(vault):
    index, _ = vault
    with TestClient(create_app(index, get_embedder(), token="s3cret"), base_url=LOCAL) as c:
        wrong = c.get("/", params={"token": "nope"}, follow_redirects=False)
        assert wrong.status_code == 303 and "set-cookie" not in wrong.headers
        landed = c.get("/index.html", params={"token": "s3cret"}, follow_redirects=False)
        assert landed.status_code == 303 and landed.headers["location"] == "index.html"
        cookie = landed.headers["set-cookie"]
        assert cookie.startswith("inquiring_token=s3cret;")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        home = c.get("/", params={"token": "s3cret"}, follow_redirects=False)
        assert home.headers["location"] == "./"


# -- refusals that say the right thing ------------------------------------------------------------


def test_a_foreign_origin_is_told_so_not_about_tokens(client, vault):
    index, _ = vault
    before = lines_in(index)
    form = client.post(
        "/ask", data={"question": QUESTION}, headers={"origin": "https://evil.example"}
    )
    assert form.status_code == 403 and "another site" in form.text
    assert "network address" not in form.text and "token" not in form.text
    api = client.post(
        "/api/ask", json={"question": QUESTION}, headers={"origin": "https://evil.example"}
    )
    assert api.status_code == 403 and "another site" in api.json()["error"]
    assert lines_in(index) == before


def test_a_missing_token_is_told_so(vault):
    index, _ = vault
    with TestClient(create_app(index, get_embedder(), token="s3cret"), base_url=LOCAL) as c:
        form = c.post("/ask", data={"question": QUESTION}, headers={"origin": LOCAL})
        assert form.status_code == 403 and "access token" in form.text
        assert "another site" not in form.text
        api = c.post("/api/ask", json={"question": QUESTION})
        assert api.status_code == 403 and "X-Inquiring-Token" in api.json()["error"]


def test_unknown_fields_and_huge_bodies_are_refused(client, vault):
    index, _ = vault
    before = lines_in(index)
    extra = client.post("/api/ask", json={"question": QUESTION, "colour": "teal"})
    assert extra.status_code == 400
    assert extra.json()["error"] == "colour: Extra inputs are not permitted"
    huge = client.post("/api/ask", json={"question": QUESTION, "pad": "x" * 1_000_000})
    assert huge.status_code == 413 and "KB" in huge.json()["error"]

    def chunks():  # no Content-Length: the size is only known by reading
        yield b'{"question": "' + b"x" * 40_000
        yield b"x" * 40_000 + b'"}'

    chunked = client.post(
        "/api/ask", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413
    form = client.post("/ask", data={"question": QUESTION, "pad": "x" * 100_000})
    assert form.status_code == 413 and "too large" in form.text
    assert lines_in(index) == before


def test_an_over_long_question_on_the_ask_page_is_refused(client):
    response = client.get("/ask.html", params={"q": "x" * 20_000})
    assert response.status_code == 400
    assert "That question is 20,000 characters long" in response.text
    assert client.get("/ask.html", params={"q": "Why?"}).status_code == 200


# -- pages stay whole while lines are written -----------------------------------------------------


def test_pages_render_while_another_connection_writes_lines(tmp_path):
    """The issue's 500: a page built from rows of one index state and links of the next."""
    index, line_path = make_web_vault(tmp_path / "vault")
    root = index.vault.root
    line = line_path.relative_to(root).as_posix()
    text = line_path.read_text(encoding="utf-8")
    cited = index.front_matter(line)["cited"][0]
    stop = threading.Event()
    writes = []

    def write_lines() -> None:  # as `inquiring ask` in a terminal would, beside the server
        other = Index(Vault(root))
        try:
            copy = root / "lines" / "copy.md"
            while not stop.is_set():
                copy.unlink() if copy.exists() else copy.write_text(text, encoding="utf-8")
                writes.append(other.update().touched)
        finally:
            other.close()

    writer = threading.Thread(target=write_lines)
    statuses = []
    try:
        app = create_app(index, get_embedder())
        with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as c:
            writer.start()
            for _ in range(150):
                statuses.append(c.get("/" + cited.removesuffix(".md") + ".html").status_code)
                statuses.append(c.get("/lines/copy.html").status_code)
    finally:
        stop.set()
        writer.join(timeout=60)
        index.close()
    assert len(writes) > 10 and all(writes)
    assert set(statuses[::2]) == {200}
    assert set(statuses[1::2]) <= {200, 404}


def test_a_snapshot_does_not_see_what_others_commit_meanwhile(tmp_path, write_vault):
    root = write_vault({"notes/a.md": "# A?\n\nText.\n"})
    with Index(Vault(root)) as index, Index(Vault(root)) as other:
        index.update()
        with index.snapshot():
            (root / "notes" / "b.md").write_text("# B?\n\nLinks [[a]].\n")
            other.update()
            assert [d.path for d in index.documents()] == ["notes/a.md"]
            assert index.links_to("notes/a.md") == []
        assert [d.path for d in index.documents()] == ["notes/a.md", "notes/b.md"]


# -- the published site -------------------------------------------------------------------------


def test_the_site_leaves_out_files_a_browser_could_run(vault, tmp_path):
    index, _ = vault
    out = tmp_path / "site"
    report = build_site(Pages(Searcher(index, get_embedder())), out)
    assert report.withheld == [f"notes/{name}" for name in sorted(ACTIVE)]
    assert sorted(p.name for p in (out / "files" / "notes").iterdir()) == ["figure.png"]
    html = (out / "notes" / "zz-unsafe-html.html").read_text()
    # The diagram the note shows is inside the page, where a browser never runs its script.
    assert re.search(
        r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="diagram.svg"', html
    )
    withheld = 'href="#" class="unresolved" title="Left out of the published site'
    for label in ("a page", "some XML", "a script", "the diagram"):
        assert re.search(f'{withheld}[^"]*">{label}</a>', html), label
    assert "evil." not in html
    assert '<meta http-equiv="Content-Security-Policy"' in html
    assert '<meta name="referrer" content="same-origin">' in html


def test_a_killed_build_leaves_nothing_behind_after_the_next(vault, tmp_path):
    index, _ = vault
    out = tmp_path / "site"
    command = [sys.executable, "-m", "inquiring", "--vault", str(index.vault.root)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    build = subprocess.Popen([*command, "site", "build", str(out)], env=env)
    deadline = time.monotonic() + 60
    try:
        while not list(tmp_path.glob(".site-*/notes")) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
    assert [p.name for p in tmp_path.iterdir()] != ["site"], "the build was not caught halfway"
    build_site(Pages(Searcher(index, get_embedder())), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert (out / MARKER).exists()


def test_file_types_are_shown_or_downloaded_by_what_a_browser_would_do(write_vault, open_index):
    files = {"paper.pdf": b"%PDF-1.4\n", "log.txt": "a log\n", "page.xhtml": "<p/>", "blob": "?"}
    links = " ".join(f"[{name}]({name})" for name in files)
    index = open_index(
        write_vault(
            {"notes/a.md": f"# A?\n\n{links}\n", **{f"notes/{n}": c for n, c in files.items()}}
        )
    )
    index.update()
    with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
        shown = {n: "content-disposition" not in c.get(f"/files/notes/{n}").headers for n in files}
        pdf = c.get("/files/notes/paper.pdf").headers["content-security-policy"]
    assert shown == {"paper.pdf": True, "log.txt": True, "page.xhtml": False, "blob": False}
    # A sandbox would stop the browser's PDF viewer; the policy still forbids everything else.
    assert "default-src 'none'" in pdf and "sandbox" not in pdf


HOSTILE_TAGS = {
    "notes/a.md": (
        '---\ntitle: "<img src=x onerror=alert(1)>"\ncategories: ["<b>bold</b>"]\n'
        'collection: "\\"><script>alert(2)</script>"\n'
        'tags: ["<script>alert(3)</script>", "../../../outside", "a&b=c?d#e"]\n---\nText.\n'
    ),
}


def test_hostile_titles_and_tags_are_text_on_the_lists_and_stay_in_the_site(
    tmp_path, write_vault, open_index
):
    index = open_index(write_vault(HOSTILE_TAGS))
    index.update(embedder=get_embedder())
    with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
        pages = [
            c.get("/notes.html"),
            c.get("/notes.html", params={"tag": "<script>alert(3)</script>"}),
            c.get("/tags/outside.html"),
            c.get("/tags/a-b-c-d-e.html"),
            c.get("/notes.html", params={"category": '"><x>'}),  # matches no note
        ]
    for i, page in enumerate(pages):
        assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
        html = page.text
        assert "<script>alert" not in html and "<img src=x" not in html and "<x>" not in html
        assert ("&lt;img src=x onerror=alert(1)&gt;" in html) == (i < 4)
    assert "#&lt;script&gt;alert(3)&lt;" in pages[0].text
    # A tag's page address keeps letters, digits, '-', '_' and its nesting: nothing else.
    assert 'href="tags/a-b-c-d-e.html"' not in pages[0].text  # live: filters, not pages
    out = tmp_path / "public" / "site"
    build_site(Pages(Searcher(index, get_embedder())), out)
    assert not (tmp_path / "public" / "outside.html").exists()
    written = sorted(p.relative_to(out).as_posix() for p in (out / "tags").rglob("*.html"))
    assert written == [
        "tags/a-b-c-d-e.html",
        "tags/outside.html",
        "tags/script-alert-3.html",
        "tags/script-alert-3/script.html",
    ]
    for page in (out / "notes.html", out / "tags" / "outside.html"):
        html = page.read_text()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert '<meta http-equiv="Content-Security-Policy"' in html


def test_a_hostile_footer_setting_runs_nothing(write_vault, open_index):
    footer = "[x](javascript:alert(1)) <img src=x onerror=alert(1)> <script>alert(2)</script>"
    root = write_vault(
        {"inquiring.toml": f"[site]\nfooter = '{footer}'\n", "notes/a.md": "# A note?\n\nA.\n"}
    )
    index = open_index(root)
    index.update(embedder=get_embedder())
    with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
        html = c.get("/notes.html").text
    shown = html.split('<footer class="site">')[1]
    assert "<a" not in shown.split("·")[0] and "<img" not in shown and "<script" not in shown
    # Written as text, as typed.
    assert "[x](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt; &lt;script&gt;" in shown
