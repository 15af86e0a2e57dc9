"""`inquiring mcp`: the vault as an MCP server over stdio, for agents (Claude, Cursor, Zed, …).

Every tool goes through the front door (`api.OpenVault`) and answers compact JSON. What an
agent reads is kept small: the tool list stays under 1,500 tokens (docs/mcp.md measures it),
search results come a page at a time with excerpts cut at `EXCERPT_CHARS`, and a long note
is cut at `NOTE_CHARS` with its sections named so one can be asked for. `ask` saves a line
only when the server was started with writes allowed, and never saves one twice.
"""

from __future__ import annotations

import functools
import json
import textwrap
import threading
from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from pydantic import Field

from .api import OpenVault
from .errors import InquiringError
from .index import DocRow
from .write import with_mark

EXCERPT_CHARS = 300  # each search result's excerpt, at most
NOTE_CHARS = 12_000  # a note's text, at most; longer ones name their sections instead
MAX_RESULTS = 50  # search results over all pages
INSTRUCTIONS = (
    "A vault of research notes. search finds notes; get_note reads one; ask writes a cited "
    "essay (an inquiring line) from the notes. Paths are relative to the vault."
)

Page = Annotated[int, Field(ge=1)]
PerPage = Annotated[int, Field(ge=1, le=20)]


def create_server(vault: OpenVault, allow_writes: bool = False) -> MCPServer:
    """The MCP server for one open vault; `ask` saves lines only with `allow_writes`."""
    from . import __version__

    server = MCPServer(
        "inquiring", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    lock = threading.Lock()  # one tool at a time: they share the vault's connection

    def tool(description: str) -> Callable[[Callable[..., Any]], Callable[..., str]]:
        """Register a tool that answers JSON; the library's errors become tool errors."""

        def register(fn: Callable[..., Any]) -> Callable[..., str]:
            @functools.wraps(fn)
            def run(*args: Any, **kwargs: Any) -> str:
                with lock:
                    try:
                        return json.dumps(fn(*args, **kwargs), ensure_ascii=False)
                    except InquiringError as error:
                        raise ToolError(str(error)) from error

            server.add_tool(run, description=description, structured_output=False)
            return run

        return register

    @tool(
        f"Find notes by words and meaning. Results come a page at a time, each with an excerpt "
        f"of at most {EXCERPT_CHARS} characters; coverage says how well the vault answers "
        "(strong, partial, thin, none)."
    )
    def search(query: str, page: Page = 1, per_page: PerPage = 5) -> dict[str, Any]:
        start = (page - 1) * per_page
        limit = min(start + per_page + 1, MAX_RESULTS)  # one more, to know if there are more
        result = vault.search(query, limit=limit)
        hits = result.hits[start : start + per_page]
        found: dict[str, Any] = {
            "coverage": result.coverage,
            "page": page,
            "more": len(result.hits) > start + per_page,
            "excerpt_chars": EXCERPT_CHARS,
            "results": [
                {
                    "path": h.doc.path,
                    "title": h.doc.title,
                    "excerpt": _excerpt(h.doc.snippet),
                    "score": round(h.score, 3),
                }
                for h in hits
            ],
        }
        if result.message:
            found["message"] = result.message
        return found

    @tool(
        "Read a note, source, hub or line by path, title or alias: text, sections, links. "
        "Give section to read one heading's text."
    )
    def get_note(ref: str, section: str = "") -> dict[str, Any]:
        note = vault.note(ref)
        text = note.section(section) if section else note.body
        found = {
            **_doc(note.doc),
            "sections": note.sections,
            "text": text[:NOTE_CHARS],
            "links": sorted({x.resolved for x in note.links if x.resolved}),
            "backlinks": len(note.backlinks),
            "lines": note.lines,
        }
        if len(text) > NOTE_CHARS:
            found["cut"] = f"the text is {len(text):,} characters; ask for one section"
        return found

    @tool("An inquiring line: text, numbered citations, coverage, support, and staleness.")
    def get_line(ref: str) -> dict[str, Any]:
        return _line(vault, ref)

    writes = "saves it in lines/" if allow_writes else "drafts it (this server saves nothing)"

    @tool(
        f"Answer a question from the notes as a cited essay (an inquiring line); {writes}. "
        "A question close to a saved line returns that line."
    )
    def ask(question: str) -> dict[str, Any]:
        return _ask(vault, allow_writes, question)

    @tool("Notes that link to a note, with the line each link is on.")
    def backlinks(ref: str) -> dict[str, Any]:
        note = vault.note(ref)
        links = [{"path": x.path, "line": x.line} for x in note.backlinks]
        return {"path": note.doc.path, "backlinks": links}

    @tool("The vault's hubs (topic maps), with how many notes each lists.")
    def list_hubs() -> list[dict[str, Any]]:
        return [{**_doc(h), "notes": len(vault.hub(h.path).members)} for h in vault.hubs()]

    @tool("A hub and the notes it lists.")
    def get_hub(ref: str) -> dict[str, Any]:
        hub = vault.hub(ref)
        members = [{"path": m.path, "title": m.title} for m in hub.members]
        return {**_doc(hub.doc), "sections": vault.note(hub.doc.path).sections, "notes": members}

    @tool("Draft notes (status: draft) whose quoted evidence awaits the researcher's check.")
    def list_drafts() -> list[dict[str, Any]]:
        return [_doc(d) for d in vault.drafts()]

    @tool("Lines whose notes changed, were deleted, or gained new relevant notes since.")
    def stale_lines() -> list[dict[str, Any]]:
        return [vars(s) for s in vault.stale()]

    def resource(fn: Callable[[str], str]) -> Callable[[str], str]:
        @functools.wraps(fn)
        def read(path: str) -> str:
            with lock:
                try:
                    return fn(path)
                except InquiringError as error:
                    raise ResourceError(str(error)) from error

        return read

    @server.resource("inquiring://note/{+path}", mime_type="text/markdown")
    @resource
    def note_text(path: str) -> str:
        """A note, source or hub of the vault as Markdown, by its path."""
        note = vault.note(path)
        return f"# {note.doc.title}\n\n{note.body}"

    @server.resource("inquiring://line/{+path}", mime_type="text/markdown")
    @resource
    def line_text(path: str) -> str:
        """An inquiring line as Markdown, by its path."""
        return vault.line(path).text

    return server


def _ask(vault: OpenVault, save: bool, question: str) -> dict[str, Any]:
    """A line for `question`: the saved one it nearly repeats, else a new one."""
    answer = vault.ask(question, save=save)
    if answer.duplicate:
        path, similarity = answer.duplicate
        return {"existing": True, "similarity": round(similarity, 3), **_line(vault, path)}
    draft = answer.draft
    if not draft.paragraphs:
        nearest = [h.doc.path for h in answer.outline.nearest]
        return {"question": question, "message": draft.message, "nearest": nearest}
    paragraphs = [
        " ".join(with_mark(s.text, _mark(n)) for s, n in zip(p, m, strict=True))
        for p, m in zip(draft.paragraphs, draft.marks(), strict=True)
    ]
    return {
        "question": question,
        "saved": answer.path.relative_to(vault.root).as_posix() if answer.path else None,
        "coverage": draft.coverage,
        "writer": draft.writer,
        "text": "\n\n".join(paragraphs),
        "citations": [{"n": n, "path": d.path} for n, d in enumerate(draft.sources, start=1)],
        "support": {
            "precision": round(answer.support[0], 3),
            "recall": round(answer.support[1], 3),
        },
        "warnings": answer.warnings,
    }


def _line(vault: OpenVault, ref: str) -> dict[str, Any]:
    line = vault.line(ref)
    stale = vault.staleness(line.doc.path)
    return {
        "path": line.doc.path,
        "question": line.question,
        "created": line.created,
        "coverage": line.coverage,
        "writer": line.writer,
        "support": line.support,
        "citations": [{"n": n, "path": p} for n, p in enumerate(line.cited, start=1)],
        "stale": vars(stale) if stale.stale else None,
        "text": line.text[:NOTE_CHARS],
    }


def _mark(numbers: list[int]) -> str:
    """A sentence's citation mark, "[1]" or "[2, 5]", numbering the answer's citations."""
    return f"[{', '.join(map(str, numbers))}]" if numbers else ""


def _doc(row: DocRow) -> dict[str, Any]:
    """A document named for an agent; a draft says so, since its claims await checking."""
    found = {"path": row.path, "kind": row.kind, "title": row.title, "dek": row.dek}
    return {**found, "draft": True} if row.draft else found


def _excerpt(text: str) -> str:
    return textwrap.shorten(text, EXCERPT_CHARS, placeholder=" …") if text else ""


def count_tokens(text: str) -> int:
    """Tokens in `text` by the project's own tokenizer (MiniLM's WordPiece), with which the
    tool list is kept under its budget; docs/mcp.md gives the 4-characters-a-token estimate too."""
    from .embed import load_tokenizer

    return len(load_tokenizer(len(text) + 2).encode(text, add_special_tokens=False).ids)
