"""A copy of the demo vault with a few hostile and awkward files, indexed and with one line."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from inquiring.ask import ask
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.vault import Vault
from inquiring.web.app import create_app

LOCAL = "http://127.0.0.1"  # what a browser on this machine sends as Host
DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"
QUESTION = (
    "How do finetuning and pretraining improvements differ in their effects on model capabilities?"
)
# A one-pixel PNG.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
HOSTILE = """---
title: "What happens to unsafe HTML in a note?"
dek: "A note written to test that nothing in it can run in the browser."
---

Plain text first. <script>window.__xss = 1</script>

<img src="nowhere.png" onerror="window.__xss = 2">

A [sneaky link](javascript:window.__xss=3) and <a href="#" onclick="window.__xss=4">a click</a>.

It links to [[alibi-length-extrapolation]], to [[alibi-length-extrapolation#The catch|a heading]],
and to [[A note nobody wrote]] and [a missing file](missing.md).

![[figure.png]]

It links files a browser would run: [a page](evil.html), [some XML](evil.xml),
[a script](evil.js) and [the diagram](diagram.svg), which it also shows: ![[diagram.svg]]

| left | right |
|---|---|
| [[alibi-length-extrapolation\\|in a table]] | ok |
"""


# Attachments that would run on the server's origin if a browser rendered them: each tries
# what the probe did (write a line, read the documents) and marks the page it ran in.
_ATTACK = (
    'document.title = "pwned"; fetch("/api/ask", {method: "POST", '
    'headers: {"content-type": "application/json"}, body: \'{"question": "pwned"}\'}); '
    'fetch("/api/documents/notes/figure.png");'
)
ACTIVE = {
    "evil.html": f"<!doctype html><title>evil</title><p>Hello</p><script>{_ATTACK}</script>\n",
    "evil.xml": '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
    f"<body><script>{_ATTACK}</script></body></html>\n",
    "evil.js": _ATTACK + "\n",
    "diagram.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    f'<rect width="40" height="20" fill="teal"/><script>{_ATTACK}</script></svg>\n',
}


def indexed_demo_copy(root: Path) -> Path:
    """A copy of the demo vault at `root` (no index, no lines), indexed and embedded."""
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
    with Index(Vault(root)) as index:
        index.update(embedder=get_embedder())
    return root


def make_web_vault(root: Path) -> tuple[Index, Path]:
    """Copy the demo vault to `root`, add the awkward files, index it and write one line."""
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
    (root / "notes" / "zz-unsafe-html.md").write_text(HOSTILE, encoding="utf-8")
    (root / "notes" / "figure.png").write_bytes(PIXEL)
    for name, text in ACTIVE.items():
        (root / "notes" / name).write_text(text, encoding="utf-8")
    (root / "private.txt").write_text("not linked from anything\n", encoding="utf-8")
    index = Index(Vault(root))
    embedder = get_embedder()
    index.update(embedder=embedder)
    answer = ask(Searcher(index, embedder), QUESTION)
    assert answer.path is not None
    index.update(embedder=embedder)
    return index, answer.path


# Module-scoped: each test module that imports them gets its own served copy.
@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Iterator[tuple[Index, str]]:
    """A web vault (`make_web_vault`) and its line's vault path."""
    root = tmp_path_factory.mktemp("web") / "vault"
    index, line = make_web_vault(root)
    yield index, line.relative_to(root).as_posix()
    index.close()


@pytest.fixture(scope="module")
def client(vault) -> Iterator[TestClient]:
    """The app over that vault, reached at a loopback address as the Host check requires."""
    index, _ = vault
    with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as c:
        yield c
