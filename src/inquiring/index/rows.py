"""What the index's queries return: one document or one link, as plain values."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..vault import fold


@dataclass(frozen=True)
class DocRow:
    """One indexed document, as the query functions return it."""

    id: int
    path: str
    kind: str
    title: str
    dek: str
    summary: str
    doc_id: str
    date: str
    collection: str
    categories: list[str]
    hubs: list[str]
    aliases: list[str]
    tags: list[str]  # from front matter and #tags in the text
    words: int
    status: str = ""  # front matter `status`, folded ('draft': written by `inquiring draft`)

    @property
    def draft(self) -> bool:
        """A draft note: its claims still wait for the researcher's reading."""
        return self.status == DRAFT

    @property
    def snippet(self) -> str:
        """What to show under the title in a list: the dek, else the summary found for it."""
        return self.dek or self.summary

    @property
    def slug(self) -> str:
        return self.path.rsplit("/", 1)[-1].removesuffix(".md")


@dataclass(frozen=True)
class LinkRow:
    """A link with both ends named, for listings."""

    path: str  # the file the link is written in
    line: int
    style: str
    target: str
    text: str
    embed: bool
    resolved: str | None
    title: str  # title of the other end ('' when unresolved or an attachment)
    section: str = ""  # the '## ' section it is listed under


DOC_COLUMNS = (
    "id, path, kind, title, dek, summary, doc_id, date, collection, categories, hubs, "
    "aliases, tags, words, status"
)
DRAFT = "draft"  # the `status` of a draft note


def tag_and_parents(tag: str) -> list[str]:
    """'a/b/c' → 'a', 'a/b', 'a/b/c': as in Obsidian, a nested tag counts under its parents."""
    parts = tag.strip().lstrip("#").split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]


def has_tag(tags: list[str], wanted: str) -> bool:
    """Whether a document tagged `tags` is under the tag `wanted`, whatever the case."""
    key = fold(wanted.lstrip("#")).strip("/")
    return any(fold(t) == key for tag in tags for t in tag_and_parents(tag))


def doc_row(row: sqlite3.Row | tuple) -> DocRow:
    values = list(row)
    for i in (9, 10, 11, 12):
        values[i] = json.loads(values[i])
    return DocRow(*values)
