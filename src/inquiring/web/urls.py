"""One URL scheme for the server and the static site: relative links that work from any sub-path.

Every page lives at a root-relative path without a leading slash (`notes/x.html`), and every
link is written relative to the page it sits on, so a site copied under `/wiki/` or opened
from `file://` works unchanged.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Root pages of the site itself; a vault file at the top level with one of these names moves aside.
RESERVED = {
    "index", "search", "ask", "feed", "sitemap", "404", "api", "static", "files", "jobs", "notes"
}  # fmt: skip
# Folders of pages the site makes itself; a vault folder of the same name moves aside.
FOLDERS = {"static", "files", "jobs", "tags", "browse"}
FILES = "files/"  # attachments (images, PDFs) are served under this prefix
ALL_NOTES = "notes.html"  # every note, with its filters
_UNSAFE = re.compile(r"[^\w-]+")


def page_for(path: str) -> str:
    """The page of the document at vault path `path`: 'notes/x.md' → 'notes/x.html'."""
    stem = path.removesuffix(".md")
    first, _, rest = stem.partition("/")
    if first.lower() in (FOLDERS if rest else RESERVED):
        stem = "_" + stem
    return stem + ".html"


def slug(value: str) -> str:
    """A facet value as it appears in addresses and file names: 'Retrieval and Context' →
    'retrieval-and-context'. Tags keep their nesting ('#Method/RL' → 'method/rl'); nothing else
    survives, so no value can reach outside its folder."""
    parts = (_UNSAFE.sub("-", part).strip("-") for part in value.lower().lstrip("#").split("/"))
    return "/".join(part for part in parts if part)


def tag_page(tag: str) -> str:
    """The page of the notes with a tag (or a tag nested under it): '#a/b' → 'tags/a/b.html'."""
    return f"tags/{slug(tag)}.html"


def facet_page(facet: str, value: str) -> str:
    """The published site's page of the notes with one category, collection or year (a slug)."""
    return f"browse/{facet}/{value}.html"


def obsidian_url(vault_name: str, path: str) -> str:
    """The address that opens the note at vault path `path` in Obsidian."""
    name = quote(vault_name, safe="")
    return f"obsidian://open?vault={name}&file={quote(path.removesuffix('.md'), safe='')}"


def file_url(path: str) -> str:
    return FILES + path


def prefix_for(page: str) -> str:
    """What leads from `page` back to the site root ('notes/x.html' → '../')."""
    return "../" * page.count("/")


def href(prefix: str, target: str) -> str:
    """A link from a page with `prefix` to the root-relative `target`, safely quoted."""
    return prefix + quote(target, safe="/#?=&")
