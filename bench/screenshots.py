"""Screenshots of the main pages, served live from the demo vault, for docs/screenshots/.

    .venv/bin/python bench/screenshots.py [--vault examples/llm-training] [--out docs/screenshots]

Uses Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.vault import Vault
from inquiring.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
QUESTION = (
    "How do finetuning and pretraining improvements differ in their effects on model capabilities?"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vault", default="examples/llm-training")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        vault = Path(tmp) / Path(args.vault).name
        shutil.copytree(args.vault, vault, ignore=shutil.ignore_patterns(".inquiring", "lines"))
        embedder = get_embedder()
        index = Index(Vault(vault))
        index.update(embedder=embedder)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(index, embedder), port=port, log_level="warning")
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}/"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, width in (("desktop", 1280), ("mobile", 390)):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(base)
                page.screenshot(path=out / f"home-{name}.png", full_page=True)
                page.goto(base + "notes/alibi-length-extrapolation.html")
                page.screenshot(path=out / f"note-{name}.png", full_page=True)
                page.goto(base + "hubs/alignment-tuning.html")
                page.screenshot(path=out / f"hub-{name}.png", full_page=True)
                page.goto(base + "sources/arxiv-2108.12409.html")
                page.screenshot(path=out / f"source-{name}.png", full_page=True)
                page.goto(base + "notes.html?collection=scaling-laws")
                page.screenshot(path=out / f"notes-{name}.png", full_page=True)
                page.goto(base + "search.html?q=does+finetuning+add+new+knowledge")
                page.screenshot(path=out / f"search-{name}.png", full_page=True)
                if name == "desktop":
                    page.goto(base)
                    page.fill("#home-ask", QUESTION)
                    page.click("form.ask button")
                    page.wait_for_url("**/lines/*.html", timeout=30_000)
                    line_url = page.url
                page.goto(line_url)
                page.screenshot(path=out / f"line-{name}.png", full_page=True)
            browser.close()
        server.should_exit = True
        index.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
