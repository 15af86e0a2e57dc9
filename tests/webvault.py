"""A copy of the demo vault with a few hostile and awkward files, indexed and with one line."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

from inquiring.ask import ask
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.vault import Vault

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

| left | right |
|---|---|
| [[alibi-length-extrapolation\\|in a table]] | ok |
"""


def make_web_vault(root: Path) -> tuple[Index, Path]:
    """Copy the demo vault to `root`, add the awkward files, index it and write one line."""
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
    (root / "notes" / "zz-unsafe-html.md").write_text(HOSTILE, encoding="utf-8")
    (root / "notes" / "figure.png").write_bytes(PIXEL)
    (root / "private.txt").write_text("not linked from anything\n", encoding="utf-8")
    index = Index(Vault(root))
    embedder = get_embedder()
    index.update(embedder=embedder)
    answer = ask(Searcher(index, embedder), QUESTION)
    assert answer.path is not None
    index.update(embedder=embedder)
    return index, answer.path
