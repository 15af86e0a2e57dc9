"""Everything wrong with a vault, each problem with its file and line.

Problems found while reading one file (empty notes among them) are stored by the index; this
module adds the ones that need the whole vault: duplicate titles and ids, unresolved links,
self-links, missing titles, circular hubs, and draft notes whose quotes no longer stand in
their paper's text. `diagnose` is the one list of problems: every command that counts them
(index, stats, doctor) counts this list.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from .errors import InquiringError
from .index import DRAFT, DocRow, Index
from .parse import Problem
from .text import FOOTNOTE_DEF
from .vault import fold

if TYPE_CHECKING:
    from .api import OpenVault, SourceText
    from .quotes import Evidence


def diagnose(index: Index) -> list[Problem]:
    """All problems, errors first within each file, sorted by file and line."""
    problems = index.problems()
    problems += _duplicates(index)
    problems += _link_problems(index)
    problems += _title_problems(index)
    problems += _hub_cycles(index)
    problems += _evidence_problems(index)
    order = {"error": 0, "warning": 1}
    return sorted(problems, key=lambda p: (p.path, p.line, order.get(p.severity, 2), p.code))


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def count(problems: list[Problem]) -> dict[str, int]:
    """How many errors and warnings: the figures index, stats and doctor all report."""
    errors = sum(p.severity == "error" for p in problems)
    return {"errors": errors, "warnings": len(problems) - errors}


def vault_stats(index: Index) -> dict[str, int]:
    """The index's counts of notes, links and so on, with the vault's errors and warnings."""
    return {**index.stats(), **count(diagnose(index))}


def summary(counts: dict[str, int]) -> str:
    """ "3 errors and 1 warning", as every command words the count."""

    def plural(n: int, noun: str) -> str:
        return f"{n:,} {noun}" + ("" if n == 1 else "s")

    return f"{plural(counts['errors'], 'error')} and {plural(counts['warnings'], 'warning')}"


def _duplicates(index: Index) -> list[Problem]:
    found: list[Problem] = []
    rows = index.naming_rows()
    by_title: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_id: dict[str, list[str]] = defaultdict(list)
    for path, kind, title, title_source, doc_id in rows:
        family = "source" if kind == "source" else "note"
        if title_source != "file name":  # one name in two folders is fine, as in Obsidian
            by_title[(family, fold(title))].append(path)
        if doc_id:
            by_id[doc_id].append(path)
    for (_family, title), paths in by_title.items():
        for path in paths[1:]:
            found.append(
                Problem(
                    path,
                    1,
                    "error",
                    "duplicate-title",
                    f'has the same title as {paths[0]} ("{title}"); links by title are '
                    "ambiguous until one is renamed",
                )
            )
    for doc_id, paths in by_id.items():
        for path in paths[1:]:
            found.append(
                Problem(
                    path, 1, "error", "duplicate-id", f"has the same id '{doc_id}' as {paths[0]}"
                )
            )
    return found


def _link_problems(index: Index) -> list[Problem]:
    found: list[Problem] = []
    for link in index.unresolved_links():
        if link.style == "source":
            message = (
                f"cites source '{link.target}' but the vault has no source file with "
                "that id; add one to sources/"
            )
            found.append(Problem(link.path, link.line, "warning", "unknown-source", message))
        elif link.style == "pdf":
            message = f"names the PDF '{link.target}', which is not in the vault"
            found.append(Problem(link.path, link.line, "warning", "missing-pdf", message))
        elif link.style == "hub":
            message = f"names hub '{link.target}', which is not in the vault"
            found.append(Problem(link.path, link.line, "error", "unknown-hub", message))
        else:
            what = "embed" if link.embed else "link"
            written = f"[[{link.target}]]" if link.style == "wiki" else f"({link.target})"
            message = f"{what} {written} points at nothing in the vault"
            found.append(Problem(link.path, link.line, "error", "unresolved-link", message))
    for path, line, target in index.self_links():
        message = f"links to itself ([[{target}]])"
        found.append(Problem(path, line, "warning", "self-link", message))
    return found


def _title_problems(index: Index) -> list[Problem]:
    """Documents titled by their file name (an empty note is already reported as empty),
    where the vault's settings ask for titles (`Vault.wants_titles`)."""
    found: list[Problem] = []
    if not index.vault.wants_titles():
        return found
    untitled = ("file name",)  # where the title comes from when it is missing
    message = "has no title (no 'title:' and no '# heading'); the file name is used"
    if index.vault.is_obsidian:
        untitled = ("file name", "heading")
        message = (
            "has no 'title:' in its front matter, which the vault's Front Matter Title "
            "plugin shows in place of the file name"
        )
    for path, kind, title_source in index.title_sources():
        if title_source in untitled and kind != "source":
            found.append(Problem(path, 1, "warning", "no-title", message))
    return found


RELATED_SECTION = ("related", "see also")


def _hub_cycles(index: Index) -> list[Problem]:
    """Hubs that are each other's sub-hubs, reported once per circle.

    A hub's sub-hubs are the hubs listed in its sections, except sections headed "Related…"
    or "See also", which cross-reference rather than nest.
    """
    hubs = {row.path for row in index.documents("hub")}
    edges: dict[str, dict[str, int]] = defaultdict(dict)
    for src, dst, line, section, style in index.hub_links():
        if dst not in hubs or dst == src or fold(section).startswith(RELATED_SECTION):
            continue
        if style == "hub":  # front matter `hubs:` names the parent
            edges[dst].setdefault(src, line)
        else:
            edges[src].setdefault(dst, line)
    found: list[Problem] = []
    for component in _strongly_connected(sorted(hubs), edges):
        if len(component) < 2:
            continue
        start = min(component)
        trail = _path_back(start, edges, component)
        found.append(
            Problem(
                start,
                edges[start][trail[1]],
                "warning",
                "hub-cycle",
                f"hubs list each other in a circle: {' → '.join(trail)}",
            )
        )
    return found


def _strongly_connected(nodes: list[str], edges: dict[str, dict[str, int]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative so a long chain of hubs cannot overflow the stack."""
    number: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in nodes:
        if root in number:
            continue
        work = [(root, iter(sorted(edges.get(root, {}))))]
        number[root] = low[root] = len(number)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in number:
                    number[child] = low[child] = len(number)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], number[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == number[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _path_back(start: str, edges: dict[str, dict[str, int]], within: set[str]) -> list[str]:
    """The shortest circle from `start` back to itself inside one component."""
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for child in sorted(edges.get(node, {})):
            if child == start:
                trail = [node]
                while trail[-1] != start:
                    trail.append(previous[trail[-1]])
                return [*reversed(trail), start]
            if child in within and child not in previous:
                previous[child] = node
                queue.append(child)
    return [start, start]


def _evidence_problems(index: Index) -> list[Problem]:
    """Each draft note's quotes checked again against its paper's page text, so an edit to
    the note or a changed PDF shows up at the footnote's line. A vault without drafts costs
    one indexed query; page text comes from the page store (extracted once per PDF)."""
    drafts = index.documents("note", DRAFT)
    if not drafts:
        return []
    from .api import OpenVault  # the PDF and quote machinery: only for a vault with drafts

    vault = OpenVault(index)
    texts: dict[str, SourceText | str] = {}  # source id → its text, or why there is none
    found: list[Problem] = []
    for draft in drafts:
        ids = [str(i) for i in index.front_matter(draft.path).get("sources") or []]
        for ref in ids:
            if ref not in texts:
                texts[ref] = _source_text(vault, ref)
        found += _draft_problems(index, draft, [texts[ref] for ref in ids])
    return found


def _source_text(vault: OpenVault, ref: str) -> SourceText | str:
    try:
        return vault.source_text(ref)
    except InquiringError:
        return f"its source '{ref}' is not in the vault"


def _draft_problems(index: Index, draft: DocRow, texts: list[SourceText | str]) -> list[Problem]:
    """The problems of one draft's evidence footnotes, each at the footnote's line."""
    from .quotes import evidence_in

    text = _file_text(index, draft.path)
    evidence_at = evidence_in(text)
    found = [
        Problem(
            draft.path,
            number,
            "warning",
            "quote-unreadable",
            f'footnote [^{match.group(1)}] is not a quote and a page, as in [^1]: "…" (p. 4); '
            "it cannot be checked",
        )
        for number, line in enumerate(text.split("\n"), 1)
        if (match := FOOTNOTE_DEF.match(line.strip())) and match.group(1) not in evidence_at
    ]
    for label, evidence in evidence_at.items():
        problem = _quote_problem(f"quote [^{label}]", evidence, texts)
        if problem is not None:
            found.append(Problem(draft.path, evidence.line, *problem))
    return found


def _quote_problem(
    name: str, evidence: Evidence, texts: list[SourceText | str]
) -> tuple[str, str, str] | None:
    """(severity, code, message) when the quote does not stand where its footnote says: in
    the paper's pages, or in the source page's abstract for '(abstract)'; None when it does."""
    from .quotes import ABSTRACT, check

    sources = [t for t in texts if not isinstance(t, str)]
    if evidence.page == ABSTRACT:
        against = [[t.abstract] for t in sources if t.abstract.strip()]
        missing = [f"{t.source.path} has no abstract" for t in sources]
    else:
        against = [t.pages for t in sources if t.pages]
        missing = [t.why_no_pages for t in sources]
    if not against:
        whys = [t for t in texts if isinstance(t, str)] + missing
        why = whys[0] if whys else "the draft names no source (add `sources:`)"
        return "warning", "quote-unchecked", f"{name} cannot be checked: {why}"
    page = evidence.page if evidence.page != ABSTRACT else None
    # A match on the page written first, then a match elsewhere, then the nearest miss.
    found = max(
        (check(evidence.quote, pages, page) for pages in against),
        key=lambda c: (c.ok, not c.why, c.score),
    )
    if not found.ok:
        why = found.why if page else found.why.replace("the paper's text", "the abstract")
        message = f"{name} does not verify: {why}; correct it from the paper or drop the sentence"
        return "error", "quote-not-found", message
    if found.why:
        return "warning", "quote-wrong-page", f"{name}: {found.why}; correct the page"
    return None


def _file_text(index: Index, path: str) -> str:
    """The note as written, so that footnote lines count from the top of the file."""
    try:
        raw = index.vault.read_bytes(path).decode("utf-8", errors="replace")
    except OSError:  # gone since the index read it: the next update drops it
        return ""
    raw = raw.removeprefix("\ufeff")
    return raw.replace("\r\n", "\n").replace("\r", "\n")
