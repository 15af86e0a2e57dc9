"""The vault on disk: which files it has, what kind each is, and reading them safely.

The user's files are the source of truth and are never modified here. Anything odd about a
file (binary, not UTF-8, huge, empty, unreadable, a symbolic link out of the vault) becomes a
`Problem` naming the file and line; the rest of the vault is still read.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import posixpath
import re
import stat
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import VaultNotFound
from .parse import Link, ParsedDocument, Problem, parse_document
from .source_ids import arxiv_ids_in, normalise_source_id

LINES_DIR = "lines"
FOLDER_KINDS = {"notes": "note", "sources": "source", "hubs": "hub", LINES_DIR: "line"}
KINDS = ("note", "source", "hub", "line")
BODY_LINK_STYLES = ("wiki", "markdown")
MAX_INDEXED_BYTES = 2 * 1024 * 1024
# A note that links to more notes than this (an index page, a pasted link dump) says little
# about each: in search its links together weigh as much as this many links (search.py).
LINKS_AT_FULL_WEIGHT = 50
SETTINGS_FILE = "inquiring.toml"
INDEX_DIR = ".inquiring"
OBSIDIAN_DIR = ".obsidian"  # Obsidian's settings: its presence makes a folder an Obsidian vault
# The community plugin that shows a front matter key in place of the file name: with it on,
# the vault asks each note for a front matter title. Obsidian itself has no such setting; in
# Obsidian the file name is the title (app.json, appearance.json and types.json hold none).
FRONT_MATTER_TITLE_PLUGIN = "obsidian-front-matter-title-plugin"
# What marks a folder as a vault when none is named: settings, ours or Obsidian's, declare one;
# an index only shows that inquiring once ran there (`find_vault`).
DECLARED_VAULT = (SETTINGS_FILE, OBSIDIAN_DIR)
# Half-written files of an interrupted atomic write (`write_atomically`): hidden, in
# LINES_DIR, named by `tempfile`. Removed once they are older than any write could take.
TEMP_PREFIX, TEMP_SUFFIX = ".", ".tmp"
_LEFTOVER = re.compile(rf"{re.escape(TEMP_PREFIX)}[a-z0-9_]{{8}}{re.escape(TEMP_SUFFIX)}")
LEFTOVER_AGE = 600.0  # seconds


def cache_home() -> Path:
    """Where inquiring keeps what it derives outside any vault: the index of a read-only
    vault, the embedding model made ready to load. Read on each call, so tests can set it."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "inquiring"


def find_vault(start: str | os.PathLike[str]) -> Path:
    """The nearest folder at or above `start` that is a vault, as git finds its repository:
    a command run inside `notes/` works on the whole vault, and one run elsewhere never
    indexes an unrelated folder by accident."""
    here = Path(start).expanduser().resolve()
    # A declared vault above wins over a nearer index: older versions, run inside `notes/`,
    # left a stray `notes/.inquiring/` there.
    for markers in (DECLARED_VAULT, (INDEX_DIR,)):
        for folder in (here, *here.parents):
            if any((folder / marker).exists() for marker in markers):
                return folder
    raise VaultNotFound(
        f"no vault here: neither {here} nor any folder above it holds inquiring.toml, "
        ".inquiring/ or .obsidian/. Run 'inquiring init' to make this folder a vault, "
        "or name one with --vault DIR"
    )


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

    @property
    def link_targets(self) -> int:
        """How many different documents the body links to, as the links are written."""
        links = self.parsed.links
        return len({fold(r.target) for r in links if r.target and r.style in BODY_LINK_STYLES})


@dataclass
class Scan:
    """What a walk through the vault found."""

    markdown: list[VaultFile] = field(default_factory=list)
    attachments: list[VaultFile] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)  # symbolic links that are skipped
    leftovers: list[Path] = field(default_factory=list)  # temporary files of a crashed write


class Vault:
    """A folder of Markdown notes."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()

    def __repr__(self) -> str:
        return f"Vault({str(self.root)!r})"

    def scan(self) -> Scan:
        """Markdown files, attachments and refused links, skipping hidden folders (`.inquiring`).

        A symbolic link counts as the file it points to when that file is inside the vault;
        one that leads outside, nowhere, or round in a loop is refused with the reason.
        """
        found = Scan()
        now = time.time()
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "node_modules")))
            rel_dir = os.path.relpath(dirpath, self.root)
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
                rel = unicodedata.normalize("NFC", rel)
                if name.startswith("."):
                    if _is_leftover(rel, full, now):
                        found.leftovers.append(Path(full))
                    continue
                try:
                    st = os.lstat(full)
                    link = stat.S_ISLNK(st.st_mode)  # folders walked are never links
                    if link:
                        st = os.stat(full)
                except OSError as err:
                    found.refused.append(_broken_link(rel, full, err))
                    continue
                if not stat.S_ISREG(st.st_mode):
                    continue
                if link and not self.contains(full):
                    found.refused.append(_outside(rel, full))
                    continue
                entry = VaultFile(rel, st.st_size, st.st_mtime)
                if name.lower().endswith(".md"):
                    found.markdown.append(entry)
                elif name != SETTINGS_FILE:
                    found.attachments.append(entry)
        return found

    @property
    def is_obsidian(self) -> bool:
        return (self.root / OBSIDIAN_DIR).is_dir()

    def wants_titles(self) -> bool:
        """Whether the vault's own settings ask each note for a title of its own.

        An inquiring vault (one with `inquiring.toml`) titles its notes, as questions
        ideally. In Obsidian the file name is the title: an Obsidian vault asks for more only
        when it turns on a plugin that shows a front matter title instead. Any other folder
        of Markdown asks nothing, and its file names are titles as good as any.
        """
        if not self.is_obsidian:
            return (self.root / SETTINGS_FILE).is_file()
        try:
            enabled = json.loads((self.root / OBSIDIAN_DIR / "community-plugins.json").read_text())
        except (OSError, ValueError):
            return False
        return isinstance(enabled, list) and FRONT_MATTER_TITLE_PLUGIN in enabled

    def contains(self, full: str | os.PathLike[str]) -> bool:
        """Whether a path, once every symbolic link in it is followed, is inside the vault."""
        return Path(os.path.realpath(full)).is_relative_to(self.root)

    def file(self, path: str) -> Path | None:
        """The file at a vault path, or None when there is none or a link leads out of the vault.

        The one rule for documents and attachments alike: what is read or published from the
        vault never comes from outside it.
        """
        full = self.root / path
        return full if full.is_file() and self.contains(full) else None

    def read_bytes(self, path: str) -> bytes:
        full = self.root / path
        if full.is_symlink() and not self.contains(full):  # it may have changed since the scan
            raise OSError(errno.EACCES, "it is a symbolic link that leads out of the vault")
        return full.read_bytes()

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
        doc.problems = problems + parsed.problems + _content_problems(doc)
        return doc, digest, doc.problems


def _content_problems(doc: Document) -> list[Problem]:
    """What is wrong with a document as a whole: empty, or linking to too many notes."""
    found = []
    parsed = doc.parsed
    if doc.kind == "note" and not parsed.body.split() and not parsed.summary:
        message = "is empty: no text and no summary"
        found.append(Problem(doc.path, 1, "error", "empty-note", message))
    targets = doc.link_targets
    if doc.kind == "note" and targets > LINKS_AT_FULL_WEIGHT:
        share = LINKS_AT_FULL_WEIGHT / targets
        message = (
            f"links to {targets:,} different notes; so that it cannot lift itself or them in "
            f"every search, each of its links counts for {share:.1%} of a link"
        )
        found.append(Problem(doc.path, 1, "warning", "many-links", message))
    return found


def _is_leftover(rel: str, full: str, now: float) -> bool:
    """A temporary file left in `lines/` by a write that crashed, long enough ago to be sure."""
    folder, _, name = rel.rpartition("/")
    if folder != LINES_DIR or not _LEFTOVER.fullmatch(name):
        return False
    try:
        st = os.lstat(full)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and now - st.st_mtime > LEFTOVER_AGE


def _outside(rel: str, full: str) -> Problem:
    target = os.path.realpath(full)
    message = (
        f"is a symbolic link to {target}, outside the vault; it is skipped so that nothing "
        "from outside the vault is indexed or published. Copy the file into the vault to use it"
    )
    return Problem(rel, 1, "warning", "outside-vault", message)


def _broken_link(rel: str, full: str, err: OSError) -> Problem:
    if err.errno == errno.ELOOP:
        message = (
            "is a symbolic link that leads round in a loop back to itself; it is skipped. "
            "Point it at a real file or delete it"
        )
        return Problem(rel, 1, "error", "symlink-loop", message)
    if err.errno == errno.ENOENT:
        message = (
            f"is a symbolic link to {os.readlink(full)}, which does not exist; it is skipped. "
            "Point it at a real file or delete it"
        )
        return Problem(rel, 1, "error", "broken-symlink", message)
    reason = err.strerror or str(err)
    return Problem(rel, 1, "error", "unreadable", f"cannot be read: {reason}")


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
        pdf = str(parsed.meta.get("pdf") or "").strip()
        if pdf:  # the paper's PDF, which `inquiring add` keeps in the vault
            refs.append(Link(pdf, "", "", parsed.meta_lines.get("pdf", 1), False, "pdf"))
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
    other_ids: tuple[str, ...] = ()  # a source's DOI and arXiv id, when its id is a citekey


class Resolver:
    """Resolve link targets: path, then file name, then title, then alias, as Obsidian does.

    Several files may share a name in different folders, as Obsidian allows. A name then
    resolves as Obsidian resolves it (observed on Obsidian 1.13 through
    `getFirstLinkpathDest`): the file in the linking note's own folder, else the shortest
    path, then the first in alphabetical order; so every link has one answer, every run.
    """

    def __init__(self, targets: Iterable[Target]) -> None:
        self.by_path: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        self.by_title: dict[str, str] = {}
        self.by_alias: dict[str, str] = {}
        self.by_source_id: dict[str, str] = {}
        for t in sorted(targets, key=lambda t: (len(t.path), t.path)):
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
                self.by_name.setdefault(key, []).append(t.path)
            if t.title:
                self.by_title.setdefault(fold(t.title), t.path)
            for alias in t.aliases:
                self.by_alias.setdefault(fold(alias), t.path)
            if t.doc_id:
                self.by_source_id.setdefault(t.doc_id, t.path)
        for t in targets:  # a page's own id first, then the ids it is also known by
            for other in t.other_ids:
                self.by_source_id.setdefault(other, t.path)

    def resolve(self, link: Link, from_path: str) -> str | None:
        if link.style == "source":
            return self.by_source_id.get(link.target) or self._lookup(link.target, from_path)
        if not link.target:
            return from_path  # [[#Heading]] points into the same file
        return self._lookup(link.target, from_path, link.style == "wiki")

    def _lookup(self, target: str, from_path: str, wiki: bool = False) -> str | None:
        key = fold(target).replace("\\", "/")
        candidates = list(_path_candidates(key, fold(from_path)))
        if wiki:  # Obsidian: a path from the vault root wins over one beside the note
            candidates.reverse()
        for candidate in candidates:
            if candidate in self.by_path:
                return self.by_path[candidate]
        name = key.rstrip("/").rsplit("/", 1)[-1]
        if name in self.by_name:
            return self._nearest(self.by_name[name], key, from_path)
        for table in (self.by_title, self.by_alias):
            if key in table:
                return table[key]
        return None

    @staticmethod
    def _nearest(paths: list[str], key: str, from_path: str) -> str:
        """Of the files with one name (shortest path first), the one a link means.

        A link written with folders (`[[sub/Note]]`) prefers files whose path ends so; then
        the file in the linking note's own folder wins, else the shortest path.
        """
        if "/" in key.strip("/"):
            tail = "/" + key.strip("/").removesuffix(".md")
            paths = [p for p in paths if fold(p).removesuffix(".md").endswith(tail)] or paths
        here = fold(posixpath.dirname(from_path))
        return next((p for p in paths if fold(posixpath.dirname(p)) == here), paths[0])


def _path_candidates(key: str, from_path: str) -> Iterator[str]:
    here = posixpath.dirname(from_path)
    for base in (here, ""):
        joined = posixpath.normpath(posixpath.join(base, key.lstrip("/")))
        if not joined.startswith("../") and joined != "..":
            yield joined


def write_new(folder: Path, stem: str, text: str) -> Path:
    """Write `text` to `folder/stem.md`, or `stem-2.md`, … : the first name not taken.

    The file appears whole (written beside it, then linked into place, which fails rather
    than replace a file), so a draft never overwrites a note, even one made meanwhile.
    """
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        n = 1
        while True:
            path = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
            try:
                os.link(temp, path)
                return path
            except FileExistsError:
                n += 1
    finally:
        Path(temp).unlink(missing_ok=True)


def write_atomically(path: Path, text: str) -> None:
    """Write the whole file or nothing: a crash never leaves half a line behind.

    A crash can leave the hidden temporary file; the next index update removes it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
