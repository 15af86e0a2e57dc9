"""Papers in: PDFs, folders of them, BibTeX, CSL-JSON, Zotero's database, arXiv ids and DOIs
become source pages.

Everything given is read first, then matched up: a bibliography entry and the PDF it names
(or that carries the same arXiv id, DOI or title) become one paper, the entry's fields
winning. Asked to (`online`), arXiv and Crossref fill what is still missing. Each paper then
becomes a page in sources/, or updates the page it already has (`sources.Shelf`). A file that
cannot be read is reported in one line, and the rest of the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..index.pages import PageStore
from ..parse import Problem
from ..vault import Vault
from . import online as lookups
from .bibtex import read_bibtex
from .csl import read_csl_json
from .paper import Paper, clean_arxiv, clean_doi, merged, title_key
from .pdf import UnreadablePdf, extract
from .sources import Page, Shelf, Written
from .zotero import read_zotero

BIBTEX_SUFFIXES = (".bib", ".bibtex", ".biblatex")


@dataclass
class AddReport:
    written: list[Written] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # files and entries not read, and why
    gaps: list[str] = field(default_factory=list)  # what could not be filled, and how to

    def count(self, action: str) -> int:
        return sum(w.action == action for w in self.written)


def add(
    vault: Vault,
    pages: list[Page],
    inputs: list[str],
    online: bool = False,
    progress: Callable[[str], None] | None = None,
) -> AddReport:
    """Read `inputs` and write their papers into the vault's sources/ (see the module doc)."""
    report = AddReport()
    papers, pdfs = _read_inputs(inputs, report)
    papers = _with_pdfs(vault, papers, pdfs, report, progress)
    papers = _deduplicated(papers)
    if online:
        papers = _looked_up(papers, report)
    shelf = Shelf(vault.root, pages)
    for paper in papers:
        written = shelf.put(paper)
        report.written.append(written)
        if written.action == "added":
            report.gaps += _gaps(paper, online)
    return report


def _read_inputs(inputs: list[str], report: AddReport) -> tuple[list[Paper], list[Path]]:
    papers: list[Paper] = []
    pdfs: list[Path] = []
    for raw in inputs:
        path = Path(raw).expanduser()
        if path.name == "zotero.sqlite" or (path / "zotero.sqlite").is_file():
            read, problems = read_zotero(path)
            papers += read
            report.problems += problems
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf")
            if not found:
                report.problems.append(Problem(raw, 0, "warning", "add", "holds no PDF files"))
            pdfs += found
        elif path.is_file():
            suffix = path.suffix.lower()
            if suffix == ".pdf":
                pdfs.append(path)
            elif suffix in BIBTEX_SUFFIXES or suffix == ".json":
                reader = read_csl_json if suffix == ".json" else read_bibtex
                read, problems = reader(path)
                papers += [replace(p, file_hint=_beside(path, p.file_hint)) for p in read]
                report.problems += problems
            else:
                report.problems.append(
                    Problem(raw, 0, "error", "add", "is not a PDF, a .bib or a CSL-JSON file")
                )
        elif paper := _identifier(raw):
            papers.append(paper)
        elif path.suffix.lower() in (".pdf", ".json", *BIBTEX_SUFFIXES) or "/" in raw.strip("/"):
            report.problems.append(Problem(raw, 0, "error", "add", "no such file"))
        else:
            why = "is neither a file nor an arXiv id or DOI (e.g. 2106.09685, 10.18653/v1/P16-1162)"
            report.problems.append(Problem(raw, 0, "error", "add", why))
    return papers, pdfs


def _beside(bib: Path, hint: str) -> str:
    """A bibliography's file path, relative ones read from the bibliography's folder."""
    if not hint:
        return ""
    path = Path(hint).expanduser()
    return str(path if path.is_absolute() else bib.parent / path)


def _identifier(raw: str) -> Paper | None:
    arxiv, doi = clean_arxiv(raw), clean_doi(raw)
    if arxiv:
        return Paper(origin=raw.strip(), arxiv=arxiv, url=f"https://arxiv.org/abs/{arxiv}")
    if doi:
        return Paper(origin=raw.strip(), doi=doi, url=f"https://doi.org/{doi}")
    return None


def _with_pdfs(
    vault: Vault,
    papers: list[Paper],
    pdfs: list[Path],
    report: AddReport,
    progress: Callable[[str], None] | None,
) -> list[Paper]:
    """Each PDF's text stored and its paper matched to a bibliography entry, or standing alone."""
    by_name = {p.name.casefold(): p for p in pdfs}
    for paper in papers:  # a PDF the bibliography names, found where it says, is read too
        hint = Path(paper.file_hint) if paper.file_hint else None
        if hint and hint.name.casefold() not in by_name and hint.is_file():
            by_name[hint.name.casefold()] = hint
            pdfs.append(hint)
    store = PageStore(vault)
    try:
        read = [_read_pdf(pdf, store, report, progress) for pdf in dict.fromkeys(pdfs)]
    finally:
        store.close()
    papers = list(papers)
    for found in (p for p in read if p is not None):
        index = _entry_for(found, papers)
        if index is None:
            papers.append(found)
        else:
            papers[index] = merged(replace(papers[index], pdf=found.pdf), found)
    return papers


def _read_pdf(
    path: Path, store: PageStore, report: AddReport, progress: Callable[[str], None] | None
) -> Paper | None:
    if progress:
        progress(path.name)
    try:
        text = extract(path)
    except UnreadablePdf as error:
        report.problems.append(Problem(str(path), 0, "error", "pdf", f"skipped: it {error}"))
        return None
    store.put(text.sha256, text.pages)
    meta = text.meta
    return Paper(
        origin=path.name,
        arxiv=meta.arxiv,
        doi=meta.doi if not meta.arxiv else "",
        title=meta.title,
        authors=meta.authors,
        published=meta.date,
        pdf=path,
    )


def _entry_for(found: Paper, papers: list[Paper]) -> int | None:
    """The bibliography entry a PDF belongs to: it names the file, or shares an id or title."""
    name = found.pdf.name.casefold() if found.pdf else ""
    for i, paper in enumerate(papers):
        if paper.pdf is None and paper.file_hint and Path(paper.file_hint).name.casefold() == name:
            return i
    key = title_key(found.title)
    for i, paper in enumerate(papers):
        if paper.pdf is None and (paper.ids() & found.ids() or key == title_key(paper.title)):
            return i
    return None


def _deduplicated(papers: list[Paper]) -> list[Paper]:
    """One paper per work, when one input lists it twice (with and without its DOI, say)."""
    kept: list[Paper] = []
    where: dict[str, int] = {}  # every id and title key seen → its paper in `kept`
    for paper in papers:
        keys = _match_keys(paper)
        same = next((where[k] for k in keys if k in where), None)
        if same is None:
            kept.append(paper)
            same = len(kept) - 1
        else:
            kept[same] = merged(kept[same], paper)
        for key in _match_keys(kept[same]):
            where.setdefault(key, same)
    return kept


def _match_keys(paper: Paper) -> list[str]:
    key = title_key(paper.title)
    return [*paper.ids(), *(["title:" + key] if len(key) >= 12 else [])]


def _looked_up(papers: list[Paper], report: AddReport) -> list[Paper]:
    """Fill missing fields from arXiv (in batches) and Crossref; a failure is a warning."""
    wanted = [p.arxiv for p in papers if p.arxiv and _incomplete(p)]
    found: dict[str, Paper] = {}
    reached = True
    if wanted:
        try:
            found = lookups.arxiv(wanted)
        except lookups.LookupFailed as error:
            reached = False
            report.problems.append(Problem("arXiv", 0, "warning", "online", str(error)))
    result = []
    for paper in papers:
        if paper.arxiv in found:
            paper = merged(paper, found[paper.arxiv])
        elif reached and paper.arxiv in wanted:
            report.gaps.append(f"{paper.origin}: arXiv knows no paper {paper.arxiv}")
        if paper.doi and _incomplete(paper):
            try:
                paper = merged(paper, lookups.crossref(paper.doi))
            except lookups.LookupFailed as error:
                report.problems.append(Problem(paper.origin, 0, "warning", "online", str(error)))
        result.append(paper)
    return result


def _incomplete(paper: Paper) -> bool:
    return not (paper.title and paper.authors and paper.abstract)


def _gaps(paper: Paper, online: bool) -> list[str]:
    """What a new source page lacks, and how the user can fill it."""
    missing = [
        name for name, value in (("title", paper.title), ("authors", paper.authors)) if not value
    ]
    if (paper.arxiv or paper.doi) and not paper.abstract:
        missing.append("abstract")
    if not missing:
        return []
    where = "arXiv" if paper.arxiv else "Crossref" if paper.doi else ""
    if online or not where:
        how = "fill them in by hand, or add a .bib entry for it"
    else:
        how = f"add it again with --online to ask {where}"
    return [f"{paper.origin}: no {', '.join(missing)} found; {how}"]
