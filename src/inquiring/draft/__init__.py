"""Draft notes from a paper: each factual sentence carries the paper's words and their page.

A drafter (the extractive one, offline, or a configured `llm` model) proposes notes; nothing
it proposes is trusted. Every sentence's quote is checked against the paper's page text
(`quotes.check`) before anything is written: a sentence whose quote is not in the paper is
dropped and named, a note left with no checked sentence is not written, and a draft whose
question nearly repeats an existing note says which one. Drafts go to `notes/` with
`status: draft`, each in a new file: an existing file is never written over.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ..lines import wikilink
from ..quotes import ABSTRACT, Evidence, QuoteCheck, check, footnote
from ..text import FOOTNOTE, HTML, WIKILINK, slugify
from ..vault import write_new

if TYPE_CHECKING:
    from ..index import DocRow
    from ..search import Searcher

NOTES_DIR = "notes"
MAX_NOTES = 5  # a paper gives one to five atomic notes; more are cut, and the cut is said
# A draft whose question is this close in meaning to an existing note's title (cosine of
# their MiniLM embeddings) is flagged as near it; for a note that cites the same paper,
# NEAR_SAME_SOURCE is enough. Measured on the demo vault, the extractive question of each of
# its 145 papers against every note's title: no note on another paper reaches 0.70 (the
# highest is 0.69), while notes on the same paper reach 0.55 for a third of the papers
# (docs/ingest.md, "Draft notes"; bench/bench_draft.py).
NEAR_COSINE = 0.70
NEAR_SAME_SOURCE = 0.55
NEAR_CANDIDATES = 8  # the notes search finds for a draft's question, compared with it
MAX_CATEGORIES = 3


@dataclass(frozen=True)
class Reading:
    """What a drafter reads: the source, its text, and what the vault already has."""

    source_id: str
    title: str
    authors: list[str]
    year: str
    abstract: str  # the source page's body
    pages: list[str]  # the PDF's text, page n at n-1; [] when it has none
    related: list[DocRow]  # existing notes search finds for the paper
    citing: list[DocRow]  # existing notes that cite the paper
    categories: list[str]  # the vault's categories, most used first

    @property
    def evidence(self) -> list[str]:
        """The text quotes are checked against: the pages, else the abstract alone."""
        return self.pages or [self.abstract]

    def cite(self) -> str:
        """'Mukherjee et al. (2025)': the paper as a sentence names it ('the paper' when its
        authors are not known; its title is the note's `sources:`)."""
        if not self.authors:
            return "the paper"
        who = _surname(self.authors[0])
        if len(self.authors) == 2:
            who += " and " + _surname(self.authors[1])
        elif len(self.authors) > 2:
            who += " et al."
        return f"{who} ({self.year})" if self.year else who


def _surname(name: str) -> str:
    """'Sagnik Mukherjee' or 'Mukherjee, Sagnik' → 'Mukherjee'."""
    return name.split(",")[0].strip() if "," in name else (name.split() or [name])[-1]


@dataclass
class Claim:
    """One sentence of a draft and the paper's words behind it."""

    text: str  # the note's sentence
    quote: str  # the paper's words, as the drafter gave them
    page: int | None  # the page the drafter gave (None: none given)
    found: QuoteCheck | None = None  # what the quote check found


@dataclass
class NoteDraft:
    """One proposed note; `claims` keeps only sentences whose quote was found."""

    title: str
    dek: str = ""
    summary: str = ""
    categories: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # existing notes, by title or path
    titles: dict[str, str] = field(default_factory=dict)  # a linked note's path → its title
    claims: list[Claim] = field(default_factory=list)
    dropped: list[tuple[Claim, str]] = field(default_factory=list)  # and why
    near: tuple[str, str, float] | None = None  # an existing note: (path, title, cosine)
    path: str = ""  # vault-relative, once written
    markdown: str = ""


@dataclass
class Proposed:
    """What a drafter proposes, before any check."""

    writer: str  # "extractive" or "llm:<model>"
    notes: list[NoteDraft]
    warnings: list[str] = field(default_factory=list)


Drafter = Callable[[Reading], Proposed]
Known = Callable[[str], tuple[str, str] | None]  # a link's target → (path, title) of its note


@dataclass
class Drafted:
    """What `draft` did: the drafts written (or shown, on a dry run) and what was left out."""

    source: DocRow
    writer: str
    notes: list[NoteDraft] = field(default_factory=list)  # written (or shown, on a dry run)
    rejected: list[NoteDraft] = field(default_factory=list)  # no quote of theirs was found
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    citing: list[DocRow] = field(default_factory=list)  # notes the vault has on the paper
    from_abstract: bool = False  # the source had no page text: quotes are its abstract's

    @property
    def quotes(self) -> tuple[int, int]:
        """(quotes checked, quotes found) over every proposed sentence, kept or dropped."""
        notes = self.notes + self.rejected
        kept = sum(len(n.claims) for n in notes)
        return kept + sum(len(n.dropped) for n in notes), kept


def draft(
    paper: Reading,
    source: DocRow,
    drafter: Drafter,
    searcher: Searcher | None,
    root: Path,
    dry_run: bool = False,
    known: Known = lambda ref: None,
    today: dt.date | None = None,
) -> Drafted:
    """Draft notes from `paper` with `drafter`, check every quote, and write what holds up.

    `searcher` finds the existing notes a draft's question nearly repeats (None: no check);
    `known` gives the existing note a link names (None: no such note), so a draft links
    only to notes the vault has. On a dry run nothing is written.
    """
    proposed = drafter(paper)
    result = Drafted(source, proposed.writer, warnings=list(proposed.warnings), dry_run=dry_run)
    result.citing, result.from_abstract = list(paper.citing), not paper.pages
    notes = proposed.notes
    if len(notes) > MAX_NOTES:
        result.warnings.append(
            f"the drafter proposed {len(notes)} notes; only the first {MAX_NOTES} were kept"
        )
        notes = notes[:MAX_NOTES]
    for note in notes:
        tidy(note, paper, known)
        verify(note, paper)
        (result.notes if note.claims else result.rejected).append(note)
    folder = root / NOTES_DIR
    for note in result.notes:
        if searcher is not None:
            note.near = nearest_note(searcher, note.title, paper.citing)
        note.markdown = to_markdown(note, paper, proposed.writer, today or dt.date.today())
        if not dry_run:
            note.path = (
                write_new(folder, slugify(note.title) or "note", note.markdown)
                .relative_to(root)
                .as_posix()
            )
    return result


def tidy(note: NoteDraft, paper: Reading, known: Known) -> None:
    """A proposed note made safe to write: one-line fields, a title, links only to notes
    the vault has (by path, as Obsidian resolves them), categories spelled as the vault
    spells them."""
    note.title = _one_line(note.title).strip("#*_ ") or question_of(paper)
    note.dek, note.summary = _one_line(note.dek), _one_line(note.summary)
    found = [known(WIKILINK.sub(lambda m: m.group(2).split("|")[0], t)) for t in note.links]
    note.links = list(dict.fromkeys(f[0] for f in found if f and f[1] != note.title))
    note.titles = {f[0]: f[1] for f in found if f}
    spelled = {c.casefold(): c for c in paper.categories}
    note.categories = list(
        dict.fromkeys(spelled.get(c.casefold(), c) for c in map(_one_line, note.categories) if c)
    )[:MAX_CATEGORIES]
    for claim in note.claims:
        claim.text = plain_links(_one_line(claim.text), known)


def question_of(paper: Reading) -> str:
    from .extractive import question_for

    return question_for(paper.title, paper.cite())


def verify(note: NoteDraft, paper: Reading) -> None:
    """Keep the sentences whose quote the paper holds (on the page found), drop the rest."""
    kept = []
    for claim in note.claims:
        if not claim.quote.strip():
            note.dropped.append((claim, "no quote from the paper was given for it"))
            continue
        claim.found = check(claim.quote, paper.evidence, claim.page if paper.pages else None)
        if not paper.pages:  # the abstract is no page of the paper
            claim.found = replace(claim.found, page=None, why="")
        if claim.found.ok:
            kept.append(claim)
        else:
            note.dropped.append((claim, claim.found.why or "its quote is not in the paper"))
    note.claims = kept


def nearest_note(
    searcher: Searcher, question: str, citing: Sequence[DocRow] = ()
) -> tuple[str, str, float] | None:
    """The existing note whose title is closest in meaning to `question`, when it is at
    least NEAR_COSINE close (NEAR_SAME_SOURCE for a note in `citing`, which cites the same
    paper): (path, title, cosine)."""
    hits = [h.doc for h in searcher.search(question, limit=NEAR_CANDIDATES).hits]
    notes = list({d.path: d for d in [*citing, *hits] if d.kind == "note"}.values())
    if not notes:
        return None
    vectors = searcher.embedder.embed([question, *(d.title for d in notes)])
    cosines = vectors[1:] @ vectors[0]
    same = {d.path for d in citing}
    near = [
        (float(c), d)
        for c, d in zip(cosines, notes, strict=True)
        if c >= (NEAR_SAME_SOURCE if d.path in same else NEAR_COSINE)
    ]
    if not near:
        return None
    cosine, doc = max(near, key=lambda pair: pair[0])
    return doc.path, doc.title, cosine


def evidence_note(label: str, claim: Claim) -> str:
    """The footnote that carries a sentence's evidence; a quote from the abstract (a source
    with no PDF text) says so instead of a page."""
    page = claim.found.page if claim.found else None
    return footnote(label, Evidence(claim.quote, ABSTRACT if page is None else page))


def to_markdown(note: NoteDraft, paper: Reading, writer: str, today: dt.date) -> str:
    """The draft as a note of the vault: front matter, sentences with footnotes, links."""
    front: dict[str, object] = {
        "title": note.title,
        "status": "draft",
        "dek": note.dek,
        "summary": note.summary,
        "date": today,
        "categories": note.categories,
        "sources": [paper.source_id],
        "drafted_by": writer,
    }
    if note.near:
        front["near"] = note.near[0]
    sentences = [f"{_one_line(c.text)}[^{i}]" for i, c in enumerate(note.claims, start=1)]
    parts = [" ".join(sentences), ""]
    if note.links:
        related = (wikilink(p, note.titles.get(p, p)) for p in note.links)
        parts += ["Related: " + " · ".join(related), ""]
    parts += [evidence_note(str(i), c) for i, c in enumerate(note.claims, start=1)]
    meta = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000).strip()
    return f"---\n{meta}\n---\n\n" + "\n".join(parts).rstrip() + "\n"


def _one_line(text: str) -> str:
    """A sentence as it may stand in a note: one line, no HTML, no footnote marks."""
    text = FOOTNOTE.sub("", HTML.sub(" ", text))
    return " ".join(text.split())


def plain_links(text: str, known: Known) -> str:
    """`text` with each `[[link]]` to a note the vault has written by its path, and every
    other reduced to its words: a draft links only to notes the vault has."""

    def keep(match: re.Match[str]) -> str:
        target, _, shown = match.group(2).partition("|")
        target = target.split("#")[0].strip()
        found = known(target)
        if found is None:
            return shown.strip() or target
        return wikilink(found[0], shown.strip() or found[1])

    return WIKILINK.sub(keep, text)


def page_moves(note: NoteDraft) -> list[str]:
    """Each sentence whose quote was found on another page than the drafter said."""
    return [
        f"“{c.quote[:60]}…”: {c.found.why}; the footnote gives the page it is on"
        for c in note.claims
        if c.found and c.found.why
    ]


def drafted_json(result: Drafted) -> dict[str, object]:
    """What `draft` did, as `--json` prints it."""

    def claim(c: Claim, why: str = "") -> dict[str, object]:
        found = c.found
        return {
            "text": c.text,
            "quote": c.quote,
            "page_given": c.page,
            "page": found.page if found and found.ok else None,
            "score": round(found.score, 1) if found else None,
            **({"why": why} if why else {}),
        }

    def note(n: NoteDraft) -> dict[str, object]:
        near = n.near
        return {
            "path": n.path or None,
            "title": n.title,
            "dek": n.dek,
            "categories": n.categories,
            "links": [{"path": p, "title": n.titles.get(p, p)} for p in n.links],
            "near": {"path": near[0], "title": near[1], "similarity": round(near[2], 3)}
            if near
            else None,
            "sentences": [claim(c) for c in n.claims],
            "dropped": [claim(c, why) for c, why in n.dropped],
        }

    checked, found = result.quotes
    return {
        "source": result.source.path,
        "writer": result.writer,
        "dry_run": result.dry_run,
        "quoted_from": "abstract" if result.from_abstract else "pages",
        "notes": [note(n) for n in result.notes],
        "not_written": [note(n) for n in result.rejected],
        "quotes": {"checked": checked, "found": found},
        "citing": [{"path": d.path, "title": d.title} for d in result.citing],
        "warnings": result.warnings,
    }
