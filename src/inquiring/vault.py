"""The vault on disk: which files it has, what kind each is, and reading them safely.

The user's files are the source of truth and are never modified here. Anything odd about a
file (binary, not UTF-8, huge, unreadable) becomes a `Problem` naming the file and line; the
rest of the vault is still read.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .parse import Link, ParsedDocument, Problem, parse_document
from .source_ids import arxiv_ids_in, normalise_source_id

FOLDER_KINDS = {"notes": "note", "sources": "source", "hubs": "hub", "lines": "line"}
KINDS = ("note", "source", "hub", "line")
MAX_INDEXED_BYTES = 2 * 1024 * 1024
SETTINGS_FILE = "inquiring.toml"
INDEX_DIR = ".inquiring"


@dataclass(frozen=True)
class VaultFile:
    path: str  # vault-relative, '/'-separated
    size: int
    mtime: float


@dataclass
class Document:
    """A parsed file with its kind and the references it makes, ready to index."""

    path: str
    kind: str
    hash: str
    parsed: ParsedDocument
    doc_id: str  # normalised source id for sources, front matter `id` otherwise ('' if none)
    refs: list[Link] = field(default_factory=list)  # links, plus front matter hubs and sources
    problems: list[Problem] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.parsed.title


class Vault:
    """A folder of Markdown notes."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()

    def __repr__(self) -> str:
        return f"Vault({str(self.root)!r})"

    def scan(self) -> tuple[list[VaultFile], list[VaultFile]]:
        """(Markdown files, attachments), skipping hidden folders such as `.inquiring`."""
        markdown: list[VaultFile] = []
        attachments: list[VaultFile] = []
        for dirpath, dirnames, filenames in os.walk(self.root, onerror=None):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "node_modules")))
            rel_dir = os.path.relpath(dirpath, self.root)
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = os.path.join(dirpath, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
                entry = VaultFile(unicodedata.normalize("NFC", rel), st.st_size, st.st_mtime)
                if name.lower().endswith(".md") and os.path.isfile(full):
                    markdown.append(entry)
                elif os.path.isfile(full) and name != SETTINGS_FILE:
                    attachments.append(entry)
        return markdown, attachments

    def read_bytes(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def load(self, path: str, data: bytes | None = None) -> tuple[Document | None, str, list]:
        """Parse one Markdown file. Returns (document or None when unreadable, hash, problems)."""
        try:
            data = self.read_bytes(path) if data is None else data
        except OSError as err:
            reason = err.strerror or str(err)
            return None, "", [Problem(path, 1, "error", "unreadable", f"cannot be read: {reason}")]
        digest = content_hash(data)
        text, problems = decode(path, data)
        if text is None:
            return None, digest, problems
        parsed = parse_document(text, path)
        kind = _kind(path, parsed.meta.get("type", ""))
        doc_id = parsed.meta.get("id", "")
        if kind == "source":
            doc_id = normalise_source_id(doc_id or path.rsplit("/", 1)[-1].removesuffix(".md"))
        doc = Document(path, kind, digest, parsed, doc_id)
        doc.refs = list(parsed.links) + _meta_refs(doc)
        doc.problems = problems + parsed.problems
        return doc, digest, doc.problems


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def decode(path: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """Bytes → text, or None for a binary file. Oversized and non-UTF-8 files still give text."""
    problems: list[Problem] = []
    if b"\x00" in data[:8192]:
        msg = "looks like a binary file, not Markdown; it is skipped"
        return None, [Problem(path, 1, "error", "binary", msg)]
    if len(data) > MAX_INDEXED_BYTES:
        size_mb = len(data) / (1024 * 1024)
        cut = data.rfind(b"\n", 0, MAX_INDEXED_BYTES)
        data = data[: cut if cut > 0 else MAX_INDEXED_BYTES]
        problems.append(
            Problem(
                path,
                data.count(b"\n") + 1,
                "warning",
                "too-large",
                f"is {size_mb:.1f} MB; only the first "
                f"{MAX_INDEXED_BYTES // (1024 * 1024)} MB, up to this line, are indexed",
            )
        )
    try:
        return data.decode("utf-8"), problems
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problems.append(
            Problem(
                path,
                line,
                "warning",
                "not-utf8",
                "is not UTF-8 (first bad byte on this line); read as Latin-1. "
                "Re-save the file as UTF-8 to fix it",
            )
        )
        return data.decode("latin-1"), problems


def _kind(path: str, declared: str) -> str:
    declared = declared.strip().lower()
    if declared in KINDS:
        return declared
    top = path.split("/", 1)[0] if "/" in path else ""
    return FOLDER_KINDS.get(top, "note")


def _meta_refs(doc: Document) -> list[Link]:
    """Front matter hubs and sources, and arXiv URLs in the title or body, as references."""
    parsed = doc.parsed
    refs = [
        Link(h, "", "", parsed.meta_lines.get("hubs", 1), False, "hub") for h in parsed.meta["hubs"]
    ]
    if doc.kind == "source":
        return refs
    line = parsed.meta_lines.get("sources", 1)
    seen: set[str] = set()
    for raw in parsed.meta["sources"]:
        sid = normalise_source_id(raw)
        if sid not in seen:
            seen.add(sid)
            refs.append(Link(sid, "", raw, line, False, "source"))
    for sid in arxiv_ids_in(parsed.title):
        if sid not in seen:
            seen.add(sid)
            refs.append(Link(sid, "", "", parsed.meta_lines.get("title", 1), False, "source"))
    lines = parsed.body.split("\n") if "arxiv.org" in parsed.body.lower() else []
    for offset, body_line in enumerate(lines):
        for sid in arxiv_ids_in(body_line):
            if sid not in seen:
                seen.add(sid)
                refs.append(Link(sid, "", "", parsed.body_line + offset, False, "source"))
    return refs


def fold(text: str) -> str:
    """Case- and Unicode-insensitive key for matching names, titles and aliases."""
    return unicodedata.normalize("NFC", text).casefold().strip()


@dataclass(frozen=True)
class Target:
    """What a link can point at: a document or an attachment."""

    path: str
    title: str = ""
    aliases: tuple[str, ...] = ()
    doc_id: str = ""


class Resolver:
    """Resolve link targets: relative path, then file name, then title, then alias."""

    def __init__(self, targets: Iterable[Target]) -> None:
        self.by_path: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.by_title: dict[str, str] = {}
        self.by_alias: dict[str, str] = {}
        self.by_source_id: dict[str, str] = {}
        # Shortest path first, so an ambiguous file name resolves the same way every time.
        for t in sorted(targets, key=lambda t: (t.path.count("/"), t.path)):
            folded = fold(t.path)
            name = folded.rsplit("/", 1)[-1]
            keys = [folded]
            names = [name]
            if folded.endswith(".md"):
                keys.append(folded[:-3])
                names.append(name[:-3])
            for key in keys:
                self.by_path.setdefault(key, t.path)
            for key in names:
                self.by_name.setdefault(key, t.path)
            if t.title:
                self.by_title.setdefault(fold(t.title), t.path)
            for alias in t.aliases:
                self.by_alias.setdefault(fold(alias), t.path)
            if t.doc_id:
                self.by_source_id.setdefault(t.doc_id, t.path)

    def resolve(self, link: Link, from_path: str) -> str | None:
        if link.style == "source":
            return self.by_source_id.get(link.target) or self._lookup(link.target, from_path)
        if not link.target:
            return from_path  # [[#Heading]] points into the same file
        return self._lookup(link.target, from_path)

    def _lookup(self, target: str, from_path: str) -> str | None:
        key = fold(target).replace("\\", "/")
        for candidate in _path_candidates(key, fold(from_path)):
            if candidate in self.by_path:
                return self.by_path[candidate]
        name = key.rstrip("/").rsplit("/", 1)[-1]
        for table, k in ((self.by_name, name), (self.by_title, key), (self.by_alias, key)):
            if k in table:
                return table[k]
        return None


def _path_candidates(key: str, from_path: str) -> Iterator[str]:
    here = posixpath.dirname(from_path)
    for base in (here, ""):
        joined = posixpath.normpath(posixpath.join(base, key.lstrip("/")))
        if not joined.startswith("../") and joined != "..":
            yield joined
