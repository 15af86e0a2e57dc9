"""The `inquiring` command line: parse options, call the library, format the answer."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .doctor import diagnose, has_errors
from .errors import InquiringError
from .index import DocRow, Index, UpdateReport
from .parse import Problem
from .vault import FOLDER_KINDS, SETTINGS_FILE, Vault

app = typer.Typer(
    help="Ask your research notes a question and get an honest, fully cited answer.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """`app.command`, turning the library's own errors into one clear line and exit status 1."""

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(fn)
        def run(*a: Any, **kw: Any) -> None:
            try:
                fn(*a, **kw)
            except InquiringError as error:
                err.print(f"[red]Error:[/] {escape(str(error))}")
                raise typer.Exit(1) from error

        return app.command(*args, **kwargs)(run)

    return decorate


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


class LazyProgress:
    """A Rich progress bar that only appears once the work has lasted more than a second."""

    def __init__(self, description: str, delay: float = 1.0) -> None:
        self.description = description
        self.delay = delay
        self.start = time.perf_counter()
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.perf_counter() - self.start < self.delay or not err.is_terminal:
                return
            self.bar = Progress(
                TextColumn(self.description),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.callback()
def main_options(
    ctx: typer.Context,
    vault: Annotated[
        Path,
        typer.Option(
            "--vault",
            envvar="INQUIRING_VAULT",
            help="The vault folder (default: here).",
            show_default=False,
        ),
    ] = Path("."),
) -> None:
    ctx.obj = Vault(vault)


def _open(ctx: typer.Context, refresh: bool = True) -> Index:
    """Open the vault's index, bringing it up to date first so answers are never stale."""
    index = Index(ctx.obj)
    if index.location_note:
        err.print(f"[yellow]Note:[/] {escape(index.location_note)}")
    if refresh:
        progress = LazyProgress("Indexing")
        try:
            index.update(progress=progress)
        finally:
            progress.close()
    ctx.call_on_close(index.close)
    return index


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _problem_line(p: Problem) -> str:
    colour = "red" if p.severity == "error" else "yellow"
    return f"[{colour}]{p.severity}[/] {escape(p.path)}:{p.line}: {escape(p.message)}"


@command()
def init(
    ctx: typer.Context,
    directory: Annotated[
        Path | None, typer.Argument(help="Folder to make a vault in (default: --vault).")
    ] = None,
) -> None:
    """Create a vault: notes/, sources/, hubs/, lines/ and a commented inquiring.toml."""
    root = directory or ctx.obj.root
    root.mkdir(parents=True, exist_ok=True)
    made = []
    for folder in FOLDER_KINDS:
        if not (root / folder).exists():
            (root / folder).mkdir()
            made.append(f"{folder}/")
    settings = root / SETTINGS_FILE
    if not settings.exists():
        template = resources.files("inquiring").joinpath("templates").joinpath(SETTINGS_FILE)
        settings.write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
        made.append(SETTINGS_FILE)
    if made:
        out.print(f"Created in {escape(str(root))}: {', '.join(made)}")
    else:
        out.print(f"{escape(str(root))} is already a vault; nothing changed.")


@command("index")
def index_cmd(
    ctx: typer.Context,
    rebuild: Annotated[
        bool, typer.Option(help="Throw the index away and read every file.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Read the vault into its index; only changed files are read again."""
    index = _open(ctx, refresh=False)
    progress = LazyProgress("Indexing")
    try:
        report = index.update(rebuild=rebuild, progress=progress)
    finally:
        progress.close()
    stats = index.stats()
    if as_json:
        data = asdict(report)
        data["problems"] = [asdict(p) for p in report.problems]
        _print_json({**data, "stats": stats})
        return
    _print_update(report, stats)


def _print_update(report: UpdateReport, stats: dict[str, int]) -> None:
    for problem in report.problems:
        err.print(_problem_line(problem))
    out.print(
        f"Indexed {stats['notes']} notes, {stats['sources']} sources, {stats['hubs']} hubs and "
        f"{stats['lines']} lines in {report.seconds:.2f} s "
        f"({report.added} added, {report.changed} changed, {report.removed} removed, "
        f"{report.unchanged} unchanged)."
    )
    if report.problems:
        out.print(
            f"{len(report.problems)} problems in the files read; "
            "run 'inquiring doctor' for the full list."
        )


@command()
def notes(
    ctx: typer.Context,
    hub: Annotated[str | None, typer.Option(help="Only notes in this hub.")] = None,
    category: Annotated[str | None, typer.Option(help="Only notes in this category.")] = None,
    collection: Annotated[str | None, typer.Option(help="Only notes from this collection.")] = None,
    kind: Annotated[str, typer.Option(help="note, source, hub or line.")] = "note",
    as_json: JsonFlag = False,
) -> None:
    """List notes, optionally those of one hub, category or collection."""
    index = _open(ctx)
    rows = index.select(kind=kind, hub=hub, category=category, collection=collection)
    if as_json:
        _print_json([_doc_json(r) for r in rows])
        return
    table = Table(box=None, show_header=True, header_style="bold")
    table.add_column("Title", overflow="fold")
    table.add_column("Date", no_wrap=True)
    table.add_column("Path", style="dim", overflow="fold")
    for row in rows:
        table.add_row(escape(row.title), row.date, escape(row.path))
    out.print(table)
    out.print(f"{len(rows)} {kind}s")


def _doc_json(row: DocRow) -> dict[str, Any]:
    data = asdict(row)
    data.pop("id")
    return data


@command()
def show(
    ctx: typer.Context,
    note: Annotated[str, typer.Argument(help="Title, alias, file name or path of the note.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one note: its dek, meta, links out and backlinks in."""
    index = _open(ctx)
    row = index.find(note)
    links_out = index.links_from(row.path)
    backlinks = index.links_to(row.path)
    sources = index.links_from(row.path, ("source",))
    hubs = index.links_from(row.path, ("hub",))
    if as_json:
        _print_json(
            {
                **_doc_json(row),
                "links": [asdict(link) for link in links_out],
                "backlinks": [asdict(link) for link in backlinks],
                "source_refs": [asdict(link) for link in sources],
            }
        )
        return
    out.print(f"[dim]{row.kind.upper()}[/]  [bold]{escape(row.title)}[/]")
    if row.dek:
        out.print(escape(row.dek))
    meta = " · ".join(
        x for x in (row.date, row.collection and f"sourced from {row.collection}") if x
    )
    if meta:
        out.print(f"[dim]{escape(meta)}[/]")
    if row.categories:
        out.print("Categories: " + escape(", ".join(row.categories)))
    out.print(f"[dim]{escape(row.path)}[/]")
    _print_refs("Hubs", hubs, use_title=True)
    _print_refs("Sources", sources, use_title=True)
    _print_refs("Links out", links_out, use_title=True)
    out.print(f"\n[bold]Backlinks in ({len(backlinks)})[/]")
    for link in backlinks:
        title = index.document(link.path)
        out.print(
            f"  ← {escape(title.title if title else link.path)} "
            f"[dim]{escape(link.path)}:{link.line}[/]"
        )


def _print_refs(heading: str, links: list, use_title: bool) -> None:
    if not links:
        return
    out.print(f"\n[bold]{heading} ({len(links)})[/]")
    for link in links:
        if link.resolved is None:
            out.print(f"  → [red]{escape(link.target)} (unresolved)[/] [dim]line {link.line}[/]")
        else:
            shown = link.title if use_title and link.title else link.resolved
            out.print(f"  → {escape(shown)} [dim]{escape(link.resolved)}[/]")


@command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words or a question, in your own words.")],
    limit: Annotated[int, typer.Option("--limit", "-k", min=1, max=1000)] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Search the vault's notes."""
    index = _open(ctx)
    hits = index.search(query, limit=limit)
    if as_json:
        _print_json(
            {
                "query": query,
                "results": [
                    {"path": r.path, "title": r.title, "kind": r.kind, "score": round(s, 4)}
                    for r, s in hits
                ],
            }
        )
        return
    if not query.strip() or not hits:
        reason = "The query is empty." if not query.strip() else "Nothing in the vault matches."
        out.print(f"{reason} Try other words, or 'inquiring notes' to browse.")
        return
    for rank, (row, score) in enumerate(hits, start=1):
        out.print(
            f"{rank:>2}. [bold]{escape(row.title)}[/]  [dim]{score:.2f}  {escape(row.path)}[/]"
        )
        if row.dek:
            out.print(f"    {escape(row.dek)}")


@command()
def doctor(
    ctx: typer.Context,
    strict: Annotated[bool, typer.Option(help="Exit with status 1 if any error is found.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List every problem in the vault, each with its file and line."""
    index = _open(ctx)
    problems = diagnose(index)
    if as_json:
        _print_json([asdict(p) for p in problems])
    else:
        for problem in problems:
            out.print(_problem_line(problem))
        errors = sum(p.severity == "error" for p in problems)
        if problems:
            out.print(f"{errors} errors, {len(problems) - errors} warnings.")
        else:
            out.print("No problems found.")
    if strict and has_errors(problems):
        raise typer.Exit(1)


@command()
def stats(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Count the vault's notes, sources, hubs, lines and links."""
    index = _open(ctx)
    data = index.stats()
    if as_json:
        _print_json(data)
        return
    table = Table(box=None, show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key, value in data.items():
        table.add_row(key.replace("_", " "), f"{value:,}")
    out.print(table)


def main() -> None:
    app(prog_name="inquiring")
