"""The library's front door: `inquiring.open(path)`, then index, search, ask and read the vault.

The CLI, the web app and the MCP server call this, so the glue between the settings, the
writer, the ask and the index update exists once. The model, numpy and the writers load on
first use, so opening a vault to read a note stays quick.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .errors import EditedByHand, InquiringError
from .index import DRAFT, DocRow, Index, LinkRow, Progress, UpdateReport
from .settings import Settings, load_settings
from .text import section_of
from .vault import Vault

if TYPE_CHECKING:
    from .ask import Answer
    from .draft import Drafted, Reading
    from .embed import Embedder
    from .ingest.add import AddReport
    from .lines import Staleness
    from .search import Searcher, SearchResult


class OutsideVault(InquiringError):
    """A path that leads out of the vault: nothing there is read or written."""


@dataclass(frozen=True)
class Note:
    """One document (note, source, hub or line) with what links it to the rest of the vault."""

    doc: DocRow
    body: str
    sections: list[str]  # its '## ' headings, in order
    links: list[LinkRow]  # links out, in the body
    backlinks: list[LinkRow]  # links in, from other documents
    lines: list[str]  # the inquiring lines that cite it

    def section(self, heading: str) -> str:
        """The text under `heading` (or the block `^id`), as `[[note#heading]]` embeds it."""
        found = section_of(self.body, heading)
        if found is None:
            known = "; ".join(self.sections) or "none"
            raise InquiringError(
                f"{self.doc.path} has no section '{heading}'; its sections are: {known}"
            )
        return found


@dataclass(frozen=True)
class Line:
    """A saved inquiring line with what its front matter records about how it was written."""

    doc: DocRow
    question: str
    created: str
    writer: str
    coverage: str
    cited: list[str]  # the notes it cites, in citation order
    support: dict  # precision, recall and the citation check's counts
    text: str


@dataclass(frozen=True)
class Hub:
    doc: DocRow
    members: list[DocRow]


@dataclass(frozen=True)
class SourceText:
    """A source page with its paper's page text, as drafting and quote checks read it."""

    source: DocRow
    pdf: str | None  # the source's `pdf:` attachment, vault-relative
    pages: list[str]  # page n is pages[n - 1]; [] when there is no readable PDF
    abstract: str  # the source page's body
    why_no_pages: str = ""  # when pages is empty: why, in a sentence


@dataclass
class Refreshed:
    """What `refresh` did: the lines rewritten, and those kept because edited by hand."""

    rewritten: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # why each was kept, in a sentence


def open(path: str | os.PathLike[str], update: bool = True) -> OpenVault:
    """Open the vault at `path`, its index brought up to date with the files (no embedding)."""
    vault = OpenVault(Index(Vault(path)))
    if update:
        vault.update(embed=False)
    return vault


class OpenVault:
    """An open vault: every question the CLI, the web app and the MCP server ask of one.

    `fill` embeds every note before an ask (the answer is judged on every note's meaning);
    a server that embeds in the background passes False. Close it, or use it in `with`.
    """

    def __init__(self, index: Index, embedder: Embedder | None = None, fill: bool = True) -> None:
        self._index = index
        self.root = index.vault.root
        self.fill = fill
        self._embedder = embedder
        self._searcher: Searcher | None = None

    def __enter__(self) -> OpenVault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._index.close()

    @property
    def settings(self) -> Settings:
        """The vault's inquiring.toml, read again each time so an edit applies at once."""
        return load_settings(self._index.vault)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from .embed import get_embedder

            self._embedder = get_embedder(self.settings.embedder)
        return self._embedder

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            from .search import Searcher

            self._searcher = Searcher(self._index, self.embedder)
        return self._searcher

    # -- the index ------------------------------------------------------------------------------

    def update(self, embed: bool | None = None) -> UpdateReport:
        """Read what changed in the files; with `embed`, embed every note not yet embedded,
        with None only if that is quick (a new or edited note or two)."""
        if embed is False:
            return self._index.update()
        from .vectors import QUICK_SECONDS

        limit = None if embed else QUICK_SECONDS
        return self._index.update(embedder=self.embedder, embed_limit=limit)

    def index(
        self,
        rebuild: bool = False,
        progress: Progress | None = None,
        embed_progress: Progress | None = None,
    ) -> UpdateReport:
        """Read the vault into its index and embed every note, however long that takes;
        `progress(done, total)` hears about files read, `embed_progress` about notes embedded."""
        return self._index.update(
            rebuild=rebuild,
            progress=progress,
            embedder=self.embedder,
            embed_progress=embed_progress,
        )

    # -- reading --------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 10, method: str = "hybrid") -> SearchResult:
        """The notes that bear on `query`, with how well the vault covers it."""
        self.update()
        return self.searcher.search(query, limit=limit, method=method)

    def find(self, ref: str) -> DocRow:
        """A document by path, file name, title or alias; a path out of the vault is refused."""
        posix = PurePosixPath(ref.strip().replace("\\", "/"))
        if posix.is_absolute() or Path(ref).is_absolute() or ".." in posix.parts:
            raise OutsideVault(
                f"'{ref}' is outside the vault; give a path inside it, like notes/x.md"
            )
        return self._index.find(ref)

    def note(self, ref: str) -> Note:
        row = self.find(ref)
        return Note(
            row,
            self._index.body(row.path),
            self._index.sections(row.path),
            self._index.links_from(row.path),
            self._index.links_to(row.path),
            [r.path for r in self._index.lines_using(row.path)],
        )

    def line(self, ref: str) -> Line:
        row = self.find(ref)
        if row.kind != "line":
            raise InquiringError(f"{row.path} is not an inquiring line")
        meta = self._index.front_matter(row.path)
        return Line(
            row,
            str(meta.get("question") or row.title),
            str(meta.get("created", "")),
            str(meta.get("writer", "")),
            str(meta.get("coverage", "")),
            [str(p) for p in meta.get("cited") or []],
            dict(meta.get("support") or {}),
            self._index.body(row.path),
        )

    def lines(self) -> list[Line]:
        return [self.line(row.path) for row in self._index.documents("line")]

    def hubs(self) -> list[DocRow]:
        return self._index.documents("hub")

    def drafts(self) -> list[DocRow]:
        """The draft notes (`status: draft`), which wait for the researcher to check them."""
        return self._index.documents("note", DRAFT)

    def hub(self, ref: str) -> Hub:
        row = self.find(ref)
        if row.kind != "hub":
            raise InquiringError(f"{row.path} is not a hub; list_hubs names them")
        return Hub(row, self._index.hub_members(row.path))

    def add(
        self,
        inputs: list[str],
        online: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> AddReport:
        """Papers in: PDFs, folders of them, .bib, CSL-JSON, arXiv ids and DOIs become source
        pages, or update the pages they already have field by field (see `ingest`).
        Nothing is fetched from the network unless `online`."""
        from .ingest.add import add
        from .ingest.sources import Page

        self.update(embed=False)
        pages = [
            Page(row.path, self._index.front_matter(row.path), row.title)
            for row in self._index.documents("source")
        ]
        report = add(self._index.vault, pages, inputs, online=online, progress=progress)
        self.update(embed=False)
        return report

    def source_text(self, ref: str) -> SourceText:
        """A source (by id, path or title) with its PDF's page text, extracted once and kept
        in the page store by the file's sha256, so an edited PDF is read again."""
        from .index.pages import PageStore
        from .ingest.pdf import UnreadablePdf, extract, sha256_of

        row = self.find(ref)
        if row.kind != "source":
            raise InquiringError(f"{row.path} is a {row.kind}, not a source page in sources/")
        body = self._index.body(row.path)
        pdf = str(self._index.front_matter(row.path).get("pdf") or "").strip() or None
        if pdf is None:
            return SourceText(row, None, [], body, f"{row.path} names no PDF (no `pdf:` field)")
        full = self._index.vault.file(pdf)  # None too for a path that leads out of the vault
        if full is None:
            return SourceText(row, pdf, [], body, f"its PDF {pdf} is not in the vault")
        digest = sha256_of(full)
        store = PageStore(self._index.vault)
        try:
            pages = store.get(digest)
            if pages is None:
                try:
                    pages = extract(full).pages
                except UnreadablePdf as error:
                    return SourceText(row, pdf, [], body, f"its PDF {pdf} {error}")
                store.put(digest, pages)
        finally:
            store.close()
        return SourceText(row, pdf, pages, body)

    def staleness(self, line: str) -> Staleness:
        """What changed in the vault since `line` was written: edited, deleted, new notes."""
        from .lines import staleness

        self.update(embed=self.fill)
        return staleness(self.searcher, self.line(line).doc.path)

    def staleness_of_lines(self) -> list[Staleness]:
        """Every line's staleness, stale or not, in path order (what `status` lists)."""
        from .lines import staleness

        self.update(embed=self.fill)
        return [staleness(self.searcher, row.path) for row in self._index.documents("line")]

    def stale(self) -> list[Staleness]:
        """The lines that edits to the notes, deleted notes or new notes made stale."""
        return [r for r in self.staleness_of_lines() if r.stale]

    # -- writing --------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        save: bool = True,
        new: bool = False,
        model: str | None = None,
        judge: bool | None = None,
        timeout: float | None = None,
        show_unsupported: bool = False,
        line: str | None = None,
        force: bool = False,
        progress: Callable[[str], None] = lambda step: None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        """Answer `question` as an inquiring line, saved in lines/ and indexed unless `save`
        is False. A near-duplicate of a saved line returns that line unless `new`.

        `model` (default: [llm] model) writes it, and judges doubtful citations unless
        `judge` is False; with no model the extractive writer does and nothing leaves the
        machine. `line` rewrites that saved line (refused if edited by hand, unless `force`).
        """
        from .ask import ask, configured_writer
        from .write.extractive import write_extractive

        if not question.strip():
            raise InquiringError('the question is empty; ask e.g. "How does X affect Y?"')
        settings = self.settings
        chosen = settings.llm_model if model is None else model
        if judge and not chosen:
            raise InquiringError(
                "judging citations needs a model: pass --model NAME (model= in Python) or set "
                "[llm] model in inquiring.toml"
            )
        writer = configured_writer(
            self.root,
            chosen,
            settings.llm_prompt,
            timeout or settings.llm_timeout,
            cancel,
            settings.llm_context,
        )
        self.update(embed=self.fill or None)
        answer = ask(
            self.searcher,
            question,
            writer=writer or write_extractive,
            save=save,
            new=new,
            drop_unsupported=not show_unsupported,
            line_path=self.root / line if line else None,
            judge=writer.answer if writer and settings.judging(judge) else None,
            force=force,
            progress=progress,
            cancel=cancel,
        )
        if answer.path is not None:
            progress("Adding the line to the index")
            self.update()
        return answer

    def draft(
        self,
        ref: str,
        *,
        model: str | None = None,
        dry_run: bool = False,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
    ) -> Drafted:
        """Draft one to five notes from the source `ref` (id, path or title) into notes/,
        each sentence with a quote from the paper that was checked against its page text.

        `model` (default: [llm] model) proposes them; with none, the extractive drafter does
        and nothing leaves the machine. `dry_run` makes the drafts without writing them.
        """
        from .draft import draft
        from .draft.extractive import draft_extractive
        from .draft.model import ModelDrafter

        text = self.source_text(ref)
        settings = self.settings
        chosen = settings.llm_model if model is None else model
        self.update(embed=self.fill or None)
        paper = self._paper(text)
        drafter = (
            ModelDrafter(chosen, timeout or settings.llm_timeout, settings.llm_context, cancel)
            if chosen
            else draft_extractive
        )
        result = draft(paper, text.source, drafter, self.searcher, self.root, dry_run, self._known)
        if not text.pages:
            result.warnings.insert(
                0,
                f"{text.why_no_pages or 'the source has no PDF text'}, so the draft quotes its "
                "abstract alone; add the paper's PDF (inquiring add FILE.pdf) to quote its pages",
            )
        if not dry_run and result.notes:
            self.update()
        return result

    def _paper(self, text: SourceText) -> Reading:
        """What a drafter reads of a source: its text, and the vault's related notes."""
        from .draft import Reading

        meta = self._index.front_matter(text.source.path)
        authors = meta.get("authors") or []
        found = self.searcher.search(f"{text.source.title}. {text.abstract[:1000]}", limit=10)
        related = [h.doc for h in found.hits] if found.coverage != "none" else []
        counts: dict[str, int] = {}
        for row in self._index.documents("note"):
            for category in row.categories:
                counts[category] = counts.get(category, 0) + 1
        cites = {r.path for r in self._index.links_to(text.source.path, styles=("source",))}
        return Reading(
            source_id=str(meta.get("id") or text.source.doc_id or text.source.slug),
            title=text.source.title,
            authors=[str(a) for a in authors] if isinstance(authors, list) else [str(authors)],
            year=str(meta.get("published") or meta.get("year") or text.source.date)[:4],
            abstract=text.abstract,
            pages=text.pages,
            related=related,
            citing=[r for r in self._index.documents("note") if r.path in cites],
            categories=sorted(counts, key=lambda c: (-counts[c], c)),
        )

    def _known(self, ref: str) -> tuple[str, str] | None:
        """The note `ref` links to, as (path, title); None when the vault has no such note."""
        from .errors import NotFound

        try:
            row = self._index.find(ref)
        except NotFound:
            return None
        return (row.path, row.title) if row.kind == "note" else None

    def refresh(
        self,
        line: str | None = None,
        *,
        force: bool = False,
        model: str | None = None,
        timeout: float | None = None,
    ) -> Refreshed:
        """Rewrite `line`, or every stale line, from the vault as it is now.

        A line edited by hand since it was written is kept and named, unless `force`; when
        it is the one `line` asked for, that is an `EditedByHand` error.
        """
        targets = [self.line(line).doc.path] if line else [s.line for s in self.stale()]
        done = Refreshed()
        for path in targets:
            question = self.line(path).question
            try:
                self.ask(question, new=True, line=path, force=force, model=model, timeout=timeout)
            except EditedByHand as error:
                if line:
                    raise
                done.kept.append(str(error))
                continue
            done.rewritten.append(path)
        return done
