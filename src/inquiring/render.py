"""An answer for people: the terminal (Rich) and JSON. Markdown files are in `lines.py`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:  # `search` loads neither the writers nor the model behind them
    from .ask import Answer
    from .search import SearchResult


def search_json(query: str, result: SearchResult) -> dict[str, Any]:
    return {
        "query": query,
        "coverage": result.coverage,
        "coverage_signals": {
            name: round(getattr(result.signals, name), 4)
            for name in ("best", "unknown", "uncovered", "evidence")
        },
        "notes_without_meaning": result.vectors_missing,  # found by their words alone, for now
        "results": [
            {
                "path": h.doc.path,
                "title": h.doc.title,
                "dek": h.doc.dek,
                "snippet": h.doc.snippet,
                "score": round(h.score, 4),
                "cosine": None if h.semantic is None else round(h.semantic, 4),
                "why": h.why,
                "linked": list(h.linked),
            }
            for h in result.hits
        ],
    }


def answer_json(answer: Answer, root: Path) -> dict[str, Any]:
    from .lines import support_record

    draft = answer.draft
    data: dict[str, Any] = {
        "question": draft.question,
        "dek": draft.dek,
        "coverage": draft.coverage,
        "writer": draft.writer,
        "paragraphs": [
            {
                "text": " ".join(s.text for s in paragraph),
                "citations": list(dict.fromkeys(p for s in paragraph for p in s.citations)),
                "sentences": [
                    {
                        "text": s.text,
                        "citations": s.citations,
                        "role": s.role,
                        "supported": s.supported,
                        "quoted": s.quoted,
                    }
                    for s in paragraph
                ],
            }
            for paragraph in draft.paragraphs
        ],
        "sources": [
            {"path": d.path, "title": d.title, "summary": d.summary} for d in draft.sources
        ],
        "support": support_record(draft, answer.support),
    }
    if answer.warnings:  # e.g. the model did not answer in time and the extractive writer wrote it
        data["warnings"] = answer.warnings
    if draft.message:
        data["message"] = draft.message
        data["nearest"] = [
            {"path": h.doc.path, "title": h.doc.title} for h in answer.outline.nearest
        ]
    if answer.path:
        data["saved"] = str(answer.path.relative_to(root))
    if answer.duplicate:
        data["existing_line"] = {
            "path": answer.duplicate[0],
            "cosine": round(answer.duplicate[1], 3),
        }
    return data


def print_answer(out: Console, answer: Answer, root: Path) -> None:
    """The line with numbered citation marks tied to its numbered Sources."""
    from .lines import support_record, support_summary
    from .write import with_mark

    draft = answer.draft
    if answer.duplicate:
        path, cosine = answer.duplicate
        out.print(
            f"A line on this question already exists: [bold]{escape(path)}[/] "
            f"(similarity {cosine:.2f}). Use --new to write another."
        )
        return
    for warning in answer.warnings:
        out.print(f"[yellow]Warning:[/] {escape(warning)}")
    if draft.message:
        out.print(escape(draft.message))
        for hit in answer.outline.nearest:
            out.print(f"  · {escape(hit.doc.title)} [dim]{escape(hit.doc.path)}[/]")
        return
    out.print("[dim]INQUIRING LINE[/]")
    out.print(f"[bold]{escape(draft.question)}[/]")
    out.print(f"[italic]{escape(draft.dek)}[/]\n")
    for paragraph, marks in zip(draft.paragraphs, draft.marks(), strict=True):
        parts = []
        for sentence, numbers in zip(paragraph, marks, strict=True):
            mark = f"[cyan]{escape(_mark(numbers))}[/]" if numbers else ""
            text = with_mark(escape(sentence.text), mark)
            if not sentence.supported:  # kept by --show-unsupported: say so without colour too
                text = f"[red]{text} (not supported by its citation)[/]"
            parts.append(text)
        out.print(" ".join(parts) + "\n")
    out.print(f"[bold]Sources[/] {len(draft.sources)} notes")
    for number, doc in enumerate(draft.sources, start=1):
        mark = escape(_mark([number]))
        out.print(f"  [cyan]{mark}[/] [bold]{escape(doc.title)}[/] [dim]{escape(doc.path)}[/]")
        out.print(f"      {escape(doc.summary)}")
    summary = support_summary(support_record(draft, answer.support))
    out.print(
        f"\n[dim]{draft.writer} writer · coverage {draft.coverage} · {summary} · "
        f"claims backed {answer.support[1]:.0%}[/]"
    )
    if answer.path:
        out.print(f"[dim]Saved to {escape(str(answer.path.relative_to(root)))}[/]")


def print_essay(out: Console, body: str) -> None:
    """A saved line's essay and its numbered Sources, from the Markdown of its file."""
    from .lines import essay
    from .text import inline_text

    for block in essay(body, with_sources=True).split("\n\n"):
        if block.startswith("## "):
            out.print(f"[bold]{escape(block[3:].strip())}[/]")
            continue
        for line in block.splitlines():  # a paragraph is one line; the Sources, one each
            text = inline_text(line)  # a mark is "\\[[[note|1]]\\]" in the file: "[1]" here
            text = text.replace("\\[", "[").replace("\\]", "]")
            out.print(escape(text))
        out.print()


def _mark(numbers: list[int]) -> str:
    """A citation mark: "[1]", "[2, 5]"."""
    return "[" + ", ".join(map(str, numbers)) + "]"
