"""Inquiring lines as files in the vault's `lines/` folder: written atomically, found again.

A line records the question, who wrote it, what it cites, how well its citations were
supported, and the content hash of every note it consulted, so that later edits to those
notes mark it stale; and the hash of its own text, so that a rewrite never loses a hand edit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import EditedByHand
from .index import Index
from .parse import parse_document
from .search import Searcher
from .text import slugify
from .vault import LINES_DIR, write_atomically
from .write import Draft, too_few_kept, with_mark

DUPLICATE_COSINE = 0.92  # a question this close to an existing line's shows that line
# What `to_markdown` writes around the essay: its label, question and dek, and its Sources.
_LINE_HEAD = re.compile(r"\A\s*(\*Inquiring line\*\s*\n)?\s*(# [^\n]*\n)?\s*(\*[^\n]*\*\s*\n)?")
_SOURCES = re.compile(r"^## Sources\b.*\Z", re.MULTILINE | re.DOTALL)


def to_markdown(draft: Draft, support: tuple[float, float], corpus: dict[str, str]) -> str:
    """The line as an Obsidian-compatible Markdown file with its front matter."""
    front = {
        "type": "line",
        "title": draft.question,
        "question": draft.question,
        "dek": draft.dek,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "writer": draft.writer,
        "coverage": draft.coverage,
        "cited": draft.cited(),
        "support": support_record(draft, support),
        "corpus": corpus,
    }
    parts = ["*Inquiring line*", "", f"# {draft.question}", "", f"*{draft.dek}*", ""]
    paths = [d.path for d in draft.sources]
    for paragraph, marks in zip(draft.paragraphs, draft.marks(), strict=True):
        text = []
        for sentence, numbers in zip(paragraph, marks, strict=True):
            doubt = "" if sentence.supported else " ==(not supported by its citation)=="
            links = ", ".join(f"[[{_link(paths[n - 1])}|{n}]]" for n in numbers)
            # Escaped brackets: "[1]" reads as a citation, and "[[[" would confuse link parsers.
            text.append(with_mark(sentence.text, f"\\[{links}\\]" if links else "") + doubt)
        parts += [" ".join(text), ""]
    parts += [f"## Sources {len(draft.sources)} notes", ""]
    for number, doc in enumerate(draft.sources, start=1):
        parts.append(f"{number}. {wikilink(doc.path, doc.title)}: {doc.summary}")
    body = "\n".join(parts).rstrip() + "\n"
    front["written_sha256"] = text_digest(body)
    meta = yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip()
    return f"---\n{meta}\n---\n\n{body}"


def text_digest(body: str) -> str:
    """The sha256 of a line's text below its front matter, line endings and outer blank
    lines aside, as recorded when the line was written."""
    return hashlib.sha256(body.replace("\r\n", "\n").strip().encode("utf-8")).hexdigest()


def check_unedited(path: Path, root: Path) -> None:
    """Refuse to overwrite a saved line whose text was changed since inquiring wrote it.
    A line written before the hash was recorded cannot tell, and is rewritten as before."""
    doc = parse_document(path.read_text(encoding="utf-8"), path.name)
    written = doc.meta.get("written_sha256")
    if written and written != text_digest(doc.body):
        name = path.relative_to(root).as_posix()
        raise EditedByHand(
            f"{name} was edited by hand since inquiring wrote it, so it was not rewritten; to "
            f"rewrite it and lose the edit, run: inquiring refresh --force {name}"
        )


def essay(body: str, with_sources: bool = False) -> str:
    """A saved line's essay, as Markdown: its body without the head (label, question, dek)
    that the app shows from the front matter, and without its Sources unless asked."""
    text = _LINE_HEAD.sub("", body, count=1)
    return (text if with_sources else _SOURCES.sub("", text)).strip()


def support_record(draft: Draft, support: tuple[float, float]) -> dict[str, float | int]:
    """The line's measured support, as its front matter and `--json` record it."""
    record: dict[str, float | int] = {
        "precision": round(support[0], 3),
        "recall": round(support[1], 3),
    }
    if draft.checked is not None:
        record.update(vars(draft.checked))
    return record


def support_summary(support: dict) -> str:
    """What the citation check measured, in words: quotes are found, paraphrases scored."""
    quoted, found = support.get("quoted"), support.get("quoted_found", 0)
    paraphrased, scored = support.get("paraphrased", 0), support.get("paraphrased_supported", 0)
    if quoted is None:  # a line saved before the counts were recorded
        return f"citations supported {support.get('precision', 0):.0%}"
    parts = []
    if quoted:
        parts.append(f"{found} of {quoted} found word for word in the cited notes (quoted)")
    if paraphrased:
        parts.append(f"{scored} of {paraphrased} paraphrases scored as supported by their notes")
    if support.get("judged"):
        parts.append(f"{support['judged']} doubtful citations decided by the model")
    shortfall = too_few_kept(support.get("claims", 0), support.get("claims_backed", 0))
    return (
        "citations checked: "
        + ("; ".join(parts) or "none")
        + (f" ({shortfall})" if shortfall else "")
    )


def _link(path: str) -> str:
    return path.removesuffix(".md")


def wikilink(path: str, shown: str) -> str:
    """`[[notes/x|shown]]`: a link by path, which Obsidian resolves as inquiring does, showing
    words that cannot end it early."""
    return f"[[{_link(path)}|{shown.replace('|', '/').replace(']]', '] ]')}]]"


def save_line(
    index: Index,
    draft: Draft,
    support: tuple[float, float],
    corpus: dict[str, str],
    path: Path | None = None,
) -> Path:
    """Write the line into `lines/` (or over `path`) and return where it went."""
    if path is None:
        folder = index.vault.root / LINES_DIR
        slug = slugify(draft.question) or "line"
        path = folder / f"{slug}.md"
        n = 2
        while path.exists():
            path = folder / f"{slug}-{n}.md"
            n += 1
    write_atomically(path, to_markdown(draft, support, corpus))
    return path


def corpus_hashes(index: Index, paths: list[str]) -> dict[str, str]:
    """Each consulted note's content hash, in the order given."""
    hashes = index.hashes(paths)
    return {p: hashes[p] for p in paths if p in hashes}


def near_duplicate(searcher: Searcher, question: str) -> tuple[str, float] | None:
    """An existing line whose question is close to this one: (path, cosine)."""
    vectors = searcher.vectors()
    qvec = searcher.embedder.embed([question])[0]
    best = vectors.search(qvec, 1, kinds=("line",))
    if not best or best[0][1] < DUPLICATE_COSINE:
        return None
    doc = searcher.index.documents_by_id([best[0][0]])
    return (doc[0].path, best[0][1]) if doc else None


@dataclass(frozen=True)
class Staleness:
    line: str
    changed: list[str]  # consulted notes whose content changed
    deleted: list[str]  # consulted notes that are gone
    new: list[str]  # notes that would now be among those consulted

    @property
    def stale(self) -> bool:
        return bool(self.changed or self.deleted or self.new)


def staleness(searcher: Searcher, line_path: str) -> Staleness:
    """What changed in the vault since the line was written."""
    index = searcher.index
    meta = index.front_matter(line_path)
    corpus: dict[str, str] = meta.get("corpus") or {}
    current = corpus_hashes(index, list(corpus))
    changed = [p for p, h in corpus.items() if p in current and current[p] != h]
    deleted = [p for p in corpus if p not in current]
    result = searcher.search(str(meta.get("question", "")), limit=8)
    new = [h.doc.path for h in result.hits[:6] if h.doc.path not in corpus]
    return Staleness(line_path, changed, deleted, new)
