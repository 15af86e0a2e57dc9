"""What each page shows, gathered from the index. The server and the site builder both call this.

A page is a template name and a context of plain values; nothing here knows about HTTP.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InquiringError, NotFound
from ..index import DocRow, Index
from ..lines import Staleness, essay, staleness, support_summary
from ..search import COVERAGE_TEXT, Searcher
from ..source_ids import normalise_source_id
from .conceptmap import MapNode, concept_map
from .listing import FACETS, Catalogue, key
from .markdown import MarkdownRenderer, inline_markdown
from .urls import (
    ALL_NOTES,
    facet_page,
    file_url,
    href,
    obsidian_url,
    page_for,
    prefix_for,
    tag_page,
)

MAX_QUERY = 1000  # characters; a longer search from the browser is refused with a clear page
MAX_INLINE = 512 * 1024  # bytes; a larger SVG is left out of the published site
RELATED_NEAR = 5  # semantically near notes shown beside the linked ones
NEAR_POOL = 20  # nearest notes looked up, so that five remain once linked ones are left out
PER_PAGE = 100  # notes a page of the list shows on the server; the published site lists all
_FIRST_SECTION = re.compile(r"^## ", re.MULTILINE)


class BadRequest(InquiringError):
    """A request the pages cannot answer as asked (an over-long query, say)."""


@dataclass(frozen=True)
class Ref:
    """A link to a document, as pages list them."""

    path: str
    page: str
    title: str
    dek: str = ""
    kind: str = "note"
    extra: str = ""  # a short annotation: the source's authors, a score, a section
    draft: bool = False  # a draft note, shown with a chip until the researcher accepts it


@dataclass
class Page:
    template: str
    page: str  # where it lives, root-relative: decides how its links are written
    context: dict[str, Any] = field(default_factory=dict)


class Pages:
    """Builds every page of a vault from its index, caching what depends only on the vault."""

    def __init__(
        self, searcher: Searcher, title: str = "", published: bool = False, footer: str = ""
    ) -> None:
        self.searcher = searcher
        self.index: Index = searcher.index
        self.title = title or self.index.vault.root.name
        # For a static host: files a browser could run are left out, lists are not paged.
        self.published = published
        self.footer = footer  # the vault's own footer, as Markdown
        self.footer_html = inline_markdown(footer)
        self.lock = threading.RLock()  # one SQLite connection: one page at a time
        self._generation: int | None = None
        self._stale: dict[str, Staleness] = {}
        self._neighbours: dict[int, list[tuple[int, float]]] = {}

    # -- what depends only on the vault, reloaded when the index changes ------------------------

    def _load(self) -> None:
        generation = self.index.generation()
        if generation == self._generation:
            return
        self.rows = {r.path: r for r in self.index.documents()}
        self.by_id = {r.id: r.path for r in self.rows.values()}
        self.by_page = {page_for(p): p for p in self.rows}
        self.renderer = MarkdownRenderer(
            self.index.resolver(),
            {p: r.title for p, r in self.rows.items()},
            self._published_file if self.published else None,
            self.index.body,
        )
        self.graph: dict[str, set[str]] = {p: set() for p, r in self.rows.items()}
        for src, dst in self.index.resolved_body_links():
            if src != dst and self._is_note(src) and self._is_note(dst):
                self.graph[src].add(dst)
                self.graph[dst].add(src)
        # Only attachments that some document links to: the rest of the folder stays private.
        # A source's PDF is the user's copy of a paper: shown on their server, never published.
        self.attachments = self.index.linked_attachments(unless=("pdf",) if self.published else ())
        self.catalogue = Catalogue(self.rows.values())
        self._stale = {}
        self._neighbours = {}
        self._generation = generation

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the connection and one snapshot of the index, with the caches loaded from it.

        Lines written by another connection meanwhile show up on the next page, never halfway
        through one.
        """
        with self.lock, self.index.snapshot():
            self._load()
            yield

    def prepare_all(self) -> None:
        """Find every note's nearest notes in a few matrix products, before a whole-site build."""
        with self.reading():
            ids = [r.id for r in self.rows.values() if r.kind == "note"]
            self._neighbours.update(self.searcher.vectors().neighbours(ids, NEAR_POOL))

    def _is_note(self, path: str) -> bool:
        row = self.rows.get(path)
        return row is not None and row.kind == "note"

    def ref(self, path: str, extra: str = "") -> Ref:
        row = self.rows[path]
        return Ref(path, page_for(path), row.title, row.snippet, row.kind, extra, row.draft)

    def paths(self) -> list[str]:
        """Every indexed document's vault path."""
        with self.reading():
            return sorted(self.rows)

    def at(self, page: str) -> Page | None:
        """The page at address `page`, or None: only indexed documents have pages."""
        with self.reading():
            path = self.by_page.get(page)
            return None if path is None else self.document(path)

    def attachment(self, path: str) -> Path | None:
        """The file of a linked attachment, or None; a symlink out of the vault counts as none."""
        with self.reading():
            if path not in self.attachments:
                return None
        return self.index.vault.file(path)

    def _published_file(self, path: str) -> str | None:
        """An SVG image a note shows, as a data: URI for the published site, or None.

        Served as a file from the site, an SVG's scripts would run on its origin; inside
        an <img> they never run, and a data: URI cannot be opened on the site's origin.
        """
        file = self.index.vault.file(path) if path.lower().endswith(".svg") else None
        if file is None or file.stat().st_size > MAX_INLINE:
            return None
        return "data:image/svg+xml;base64," + base64.b64encode(file.read_bytes()).decode("ascii")

    # -- pages ------------------------------------------------------------------------------------

    def document(self, path: str) -> Page:
        """The page of any indexed document, by its kind."""
        with self.reading():
            if path not in self.rows:
                raise NotFound(f"{path} is not in the index")
            kind = self.rows[path].kind
            build = {"line": self._line, "hub": self._hub, "source": self._source}
            return build.get(kind, self._note)(path)

    def home(self) -> Page:
        with self.reading():
            stats = self.index.stats()
            lines = sorted(
                (r for r in self.rows.values() if r.kind == "line"),
                key=lambda r: (r.date, r.path),
                reverse=True,
            )
            hubs = [
                self.ref(r.path, extra=str(len(self.index.hub_members(r.path))))
                for r in self.rows.values()
                if r.kind == "hub"
            ]
            notes = sorted(
                (r for r in self.rows.values() if r.kind == "note"),
                key=lambda r: (r.date, r.path),
                reverse=True,
            )
            return Page(
                "home.html",
                "index.html",
                {
                    "stats": stats,
                    "lines": [self.ref(r.path, extra=r.date[:10]) for r in lines[:8]],
                    "hubs": sorted(hubs, key=lambda h: h.title.lower()),
                    "notes": [self.ref(r.path, extra=r.date[:10]) for r in notes[:8]],
                },
            )

    def search(self, query: str, limit: int = 20) -> Page:
        query = checked_query(query, "search")
        context: dict[str, Any] = {"query": query, "hits": [], "coverage": None}
        if query:
            with self.reading():
                result = self.searcher.search(query, limit=limit)
                context["hits"] = [(self.ref(h.doc.path), h.score, h.why) for h in result.hits]
            context["coverage"] = result.coverage
            context["coverage_text"] = COVERAGE_TEXT[result.coverage]
            context["message"] = result.message
            context["missing"] = (result.vectors_missing, result.vectors_total)
        return Page("search.html", "search.html", context)

    def notes(self, chosen: dict[str, str] | None = None, number: int = 1) -> Page:
        """Every note, narrowed to the chosen category, collection, tag and year (any spelling)."""
        wanted = {n: k for n, v in (chosen or {}).items() if n in FACETS and (k := key(n, v))}
        with self.reading():
            return self._listing(ALL_NOTES, wanted, number)

    def tag(self, tag: str, number: int = 1) -> Page | None:
        """The notes with a tag, or a tag nested under it; None for a tag no note has."""
        value = key("tag", tag)
        with self.reading():
            if value not in self.catalogue.labels["tag"]:
                return None
            return self._tag(value, number)

    def _tag(self, value: str, number: int) -> Page:
        page = self._listing(tag_page(value), {"tag": value}, number)
        parent = value.rpartition("/")[0]
        label = self.catalogue.label
        page.context["broader"] = (
            Ref(parent, tag_page(parent), label("tag", parent)) if parent else None
        )
        page.context["narrower"] = [
            Ref(t, tag_page(t), label("tag", t), extra=str(n))
            for t, n in sorted(self.catalogue.narrower(value).items())
        ]
        return page

    def listings(self) -> list[Page]:
        """The lists a published site has: every note, and the notes of each facet's values."""
        with self.reading():
            found = [self.notes()]
            for facet in self.catalogue.facets({}, lambda name, value: ""):
                for option in facet.options:
                    if facet.name == "tag":
                        found.append(self._tag(option.value, 1))
                    else:
                        address = facet_page(facet.name, option.value)
                        found.append(self._listing(address, {facet.name: option.value}, 1))
            return found

    def _listing(self, address: str, chosen: dict[str, str], number: int) -> Page:
        """A list of notes at `address`: on the server a page of them at a time, with a form to
        narrow it; on the published site all of them, with a page for each facet's values."""
        catalogue = self.catalogue
        found = catalogue.matching(chosen)
        live = not self.published
        per_page = PER_PAGE if live else max(len(found), 1)
        last = max(1, -(-len(found) // per_page))
        number = min(max(number, 1), last)
        query = chosen if address == ALL_NOTES else {}

        def target(name: str, value: str) -> str:
            if live:
                return _with_query(ALL_NOTES, {**chosen, name: value})
            return tag_page(value) if name == "tag" else facet_page(name, value)

        def at(n: int) -> str:
            return _with_query(address, {**query, "page": str(n)} if n > 1 else query)

        shown = found[(number - 1) * per_page : number * per_page]
        return Page(
            "notes.html",
            address,
            {
                "heading": _heading(catalogue, chosen),
                "count": len(found),
                "total": len(catalogue.notes),
                "notes": [
                    Ref(r.path, page_for(r.path), r.title, r.dek, extra=r.date[:10], draft=r.draft)
                    for r in shown
                ],
                "facets": catalogue.facets(chosen if live else {}, target),
                "chosen": [
                    (FACETS[n], catalogue.label(n, v), _with_query(ALL_NOTES, _without(chosen, n)))
                    for n, v in chosen.items()
                ],
                "pager": {
                    "number": number,
                    "last": last,
                    "previous": at(number - 1) if number > 1 else "",
                    "next": at(number + 1) if number < last else "",
                },
            },
        )

    def _body(self, path: str, body: str | None = None) -> str:
        text = self.index.body(path) if body is None else body
        return self.renderer.render(text, path, prefix_for(page_for(path)))

    def _note(self, path: str) -> Page:
        row = self.rows[path]
        hubs = {
            link.resolved: self.ref(link.resolved)
            for link in self.index.links_from(path, ("hub",))
            if link.resolved in self.rows
        }
        for link in self.index.links_to(path):
            if self.rows[link.path].kind == "hub":
                hubs.setdefault(link.path, self.ref(link.path))
        sources, missing = [], []
        for link in self.index.links_from(path, ("source",)):
            if link.resolved in self.rows:
                sources.append(
                    self.ref(link.resolved, extra=_authors(self.index.front_matter(link.resolved)))
                )
            else:
                missing.append(link.target)
        linked = sorted(self.graph.get(path, ()), key=lambda p: self.rows[p].title.lower())
        near = self._near(row, exclude=set(linked))
        hop2 = {q for p in linked for q in self.graph[p]} | set(linked)
        hop2.discard(path)
        prefix = prefix_for(page_for(path))
        nodes = [
            MapNode(self.rows[p].title, href(prefix, page_for(p)), "linked", _second(self, p, path))
            for p in linked
        ] + [MapNode(r.title, href(prefix, r.page), "near") for r in near]
        return Page(
            "note.html",
            page_for(path),
            {
                "doc": row,
                "body": self._body(path),
                "hubs": list(hubs.values()),
                "tags": [(f"#{t}", tag_page(t)) for t in row.tags],
                "sources": sources,
                "missing_sources": missing,
                "lines": [
                    self.ref(r.path, extra=r.date[:10]) for r in self.index.lines_using(path)
                ],
                "linked": [self.ref(p) for p in linked],
                "near": near,
                "two_hop": len(hop2),
                "concept_map": concept_map(row.title, nodes),
                "obsidian": self._obsidian(path),
                "repeats": self._nearly_repeats(row),
            },
        )

    def _nearly_repeats(self, row: DocRow) -> Ref | None:
        """The existing note a draft's question nearly repeats (its front matter `near:`, as
        `inquiring draft` writes it), so the reader can merge the two."""
        if not row.draft:
            return None
        fm = self.index.front_matter(row.path)
        near = str(fm.get("near") or fm.get("duplicate_of") or "")
        return self.ref(near) if near in self.rows and near != row.path else None

    def _pdf(self, fm: dict) -> str:
        """The link to a source's PDF, when it is in the vault and this is not the site."""
        pdf = str(fm.get("pdf") or "").strip()
        return file_url(pdf) if pdf and pdf in self.attachments and not self.published else ""

    def _obsidian(self, path: str) -> str:
        """The link that opens the note in Obsidian, on the server of an Obsidian vault only:
        readers of a published site do not have the vault."""
        root = self.index.vault.root
        if self.published or not (root / ".obsidian").is_dir():
            return ""
        return obsidian_url(root.name, path)

    def _near(self, row: DocRow, exclude: set[str]) -> list[Ref]:
        if row.id not in self._neighbours:
            self._neighbours.update(self.searcher.vectors().neighbours([row.id], NEAR_POOL))
        paths = (self.by_id[d] for d, _ in self._neighbours[row.id] if d in self.by_id)
        return [self.ref(p) for p in paths if p not in exclude][:RELATED_NEAR]

    def _line(self, path: str) -> Page:
        row = self.rows[path]
        fm = self.index.front_matter(path)
        body = essay(self.index.body(path))
        sources = [self.ref(p) for p in fm.get("cited") or [] if p in self.rows]
        if path not in self._stale:
            self._stale[path] = staleness(self.searcher, path)
        support = fm.get("support") or {}
        return Page(
            "line.html",
            page_for(path),
            {
                "doc": row,
                "question": fm.get("question") or row.title,
                "body": self._body(path, body),
                "sources": [(s, self.rows[s.path].summary) for s in sources],
                "writer": fm.get("writer", "unknown"),
                "created": str(fm.get("created", row.date))[:10],
                "coverage": fm.get("coverage", ""),
                "support": support_summary(support) if support else None,
                "recall": support.get("recall"),
                "stale": self._stale[path],
            },
        )

    def _hub(self, path: str) -> Page:
        row = self.rows[path]
        fm = self.index.front_matter(path)
        sections: dict[str, list[Ref]] = {}
        subhubs: list[Ref] = []
        for link in self.index.links_from(path):
            target = link.resolved
            if target not in self.rows or target == path:
                continue
            if self.rows[target].kind == "hub":
                subhubs.append(self.ref(target))
            elif link.section:
                section = sections.setdefault(link.section, [])
                if all(r.path != target for r in section):
                    section.append(self.ref(target))
        intro = _FIRST_SECTION.split(self.index.body(path), maxsplit=1)[0]
        members = self.index.hub_members(path)
        return Page(
            "hub.html",
            page_for(path),
            {
                "doc": row,
                "description": fm.get("description", ""),
                "intro": self._body(path, intro),
                "sections": sections,
                "subhubs": list({r.path: r for r in subhubs}.values()),
                "count": len([m for m in members if m.kind == "note"]),
            },
        )

    def _source(self, path: str) -> Page:
        row = self.rows[path]
        fm = self.index.front_matter(path)
        users = {
            link.path: self.ref(link.path)
            for styles in (("source",), ("wiki", "markdown"))
            for link in self.index.links_to(path, styles)
            if link.path in self.rows and self.rows[link.path].kind == "note"
        }
        return Page(
            "source.html",
            page_for(path),
            {
                "doc": row,
                "authors": _authors(fm, limit=0),
                "published": str(fm.get("published") or row.date or ""),
                "venue": fm.get("venue", ""),
                "link": _link_out(row.doc_id, fm.get("url", "")),
                "pdf": self._pdf(fm),
                "body": self._body(path),
                "notes": sorted(users.values(), key=lambda r: r.title.lower()),
            },
        )

    def feed_entries(self, limit: int = 50) -> list[DocRow]:
        """The newest lines and notes, for the Atom feed."""
        with self.reading():
            dated = [r for r in self.rows.values() if r.kind in ("line", "note") and r.date]
            return sorted(dated, key=lambda r: (r.date, r.path), reverse=True)[:limit]


def checked_query(text: str, what: str) -> str:
    """`text` stripped, or BadRequest when it is far longer than any question."""
    text = text.strip()
    if len(text) > MAX_QUERY:
        raise BadRequest(
            f"That {what} is {len(text):,} characters long; "
            f"please keep it under {MAX_QUERY:,}, a sentence or two."
        )
    return text


def _heading(catalogue: Catalogue, chosen: dict[str, str]) -> str:
    """What a list of notes holds, in words."""
    if not chosen:
        return "All notes"
    if len(chosen) > 1:
        return "Notes"
    name, value = next(iter(chosen.items()))
    label = catalogue.label(name, value)
    return {
        "category": f"Notes in {label}",
        "collection": f"Notes sourced from {label}",
        "tag": f"Notes tagged {label}",
        "year": f"Notes from {label}",
    }[name]


def _with_query(address: str, query: dict[str, str]) -> str:
    """`address` with a query of slugs, which need no escaping here (links quote them once)."""
    return address + ("?" + "&".join(f"{n}={v}" for n, v in query.items()) if query else "")


def _without(chosen: dict[str, str], name: str) -> dict[str, str]:
    return {n: v for n, v in chosen.items() if n != name}


def _second(pages: Pages, neighbour: str, centre: str) -> int:
    """Notes linked to `neighbour` that the centre does not link to itself."""
    own = pages.graph[centre]
    return len([p for p in pages.graph[neighbour] if p != centre and p not in own])


def _authors(fm: dict, limit: int = 3) -> str:
    authors = fm.get("authors") or []
    if isinstance(authors, str):
        return authors
    names = [str(a) for a in authors]
    if limit and len(names) > limit:
        return ", ".join(names[:limit]) + " et al."
    return ", ".join(names)


def _link_out(doc_id: str, url: str) -> str:
    """Where the source can be read: its own URL, else its arXiv or DOI page."""
    if url and re.match(r"^https?://", str(url)):
        return str(url)
    key = normalise_source_id(doc_id)
    if key.startswith("arxiv:"):
        return "https://arxiv.org/abs/" + key.removeprefix("arxiv:")
    if key.startswith("doi:"):
        return "https://doi.org/" + key.removeprefix("doi:")
    return ""
