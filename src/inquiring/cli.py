"""The `inquiring` command line: parse options, call the library, format the answer.

A command imports the model, numpy, the writers or the web stack when it runs and uses them,
so that it starts in the time its own work takes (tests/test_cli.py checks what each loads).
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import secrets
import sqlite3
import sys
import textwrap
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from .errors import InquiringError
from .index import DocRow, Index, UpdateReport
from .settings import load_settings
from .vault import FOLDER_KINDS, SETTINGS_FILE, Vault, find_vault

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table

    from .draft import Drafted
    from .embed import Embedder
    from .ingest.add import AddReport
    from .parse import Problem

VAULT_KEY = "inquiring.vault"
VaultOption = Annotated[
    Path | None,
    typer.Option(
        "--vault",
        help="The vault folder (default: $INQUIRING_VAULT, else the nearest folder from here "
        "up that holds inquiring.toml, .inquiring/ or .obsidian/).",
        show_default=False,
    ),
]


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        min=0.1,
        help="Seconds to wait for the model before the extractive writer takes over "
        "(default: [llm] timeout in inquiring.toml, else 60).",
    ),
]


def _with_vault_option(fn: Callable[..., None]) -> Callable[..., None]:
    """`fn` taking --vault too, so that it may follow the command as well as precede it."""

    @functools.wraps(fn)
    def run(*args: Any, vault: Path | None = None, **kwargs: Any) -> None:
        if vault is not None:  # ctx.meta is shared with the group: this wins over its --vault
            kwargs["ctx"].meta[VAULT_KEY] = vault
        fn(*args, **kwargs)

    signature = inspect.signature(fn, eval_str=True)
    extra = inspect.Parameter("vault", inspect.Parameter.KEYWORD_ONLY, annotation=VaultOption)
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), extra.replace(default=None)]
    )
    run.__annotations__ = {**fn.__annotations__, "vault": VaultOption}
    return run


def _named_vault(ctx: typer.Context) -> Path | None:
    """The vault named by --vault, else by INQUIRING_VAULT; None when neither names one."""
    given = ctx.meta.get(VAULT_KEY) or os.environ.get("INQUIRING_VAULT")
    return Path(given) if given else None


def _vault(ctx: typer.Context) -> Vault:
    """The vault a command works on: the one named, else the nearest from here up."""
    if not isinstance(ctx.obj, Vault):
        ctx.obj = Vault(_named_vault(ctx) or find_vault(Path.cwd()))
    return ctx.obj


app = typer.Typer(
    help="Ask your research notes a question and get an honest, fully cited answer.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def command(
    *args: Any, group: typer.Typer = app, **kwargs: Any
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """`group.command`, turning the library's own errors into one clear line and exit 1."""

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(fn)
        def run(*a: Any, **kw: Any) -> None:
            try:
                try:
                    fn(*a, **kw)
                except (InquiringError, typer.Exit, typer.Abort):
                    raise
                except Exception as error:
                    if not _recovered(kw.get("ctx"), error):
                        raise
                    fn(*a, **kw)  # once more, on the index rebuilt from the files
            except InquiringError as error:
                err.print(f"[red]Error:[/] {escape(str(error))}")
                raise typer.Exit(1) from error
            except KeyboardInterrupt:
                _say_stopped(kw.get("ctx"))
                raise typer.Exit(130) from None

        return group.command(*args, **kwargs)(_with_vault_option(run))

    return decorate


@command()
def ask(
    ctx: typer.Context,
    question: Annotated[
        str, typer.Argument(help="Your question, in your own words; - reads it from stdin.")
    ],
    new: Annotated[
        bool, typer.Option("--new", help="Write a new line even if one exists.")
    ] = False,
    save: Annotated[bool, typer.Option(help="Save the line in the vault's lines/ folder.")] = True,
    show_unsupported: Annotated[
        bool, typer.Option(help="Keep sentences the checker finds unsupported, marked.")
    ] = False,
    model: Annotated[
        str | None, typer.Option(help="Write with this `llm` model (default: inquiring.toml).")
    ] = None,
    judge: Annotated[
        bool | None,
        typer.Option(
            "--judge/--no-judge",
            help="Let the model decide the citations the checker doubts (default: on when a "
            "model writes; [llm] judge in inquiring.toml).",
        ),
    ] = None,
    timeout: TimeoutOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Answer a question from the vault: an essay whose every claim cites its note.

    With no model configured nothing leaves your machine: the extractive writer composes the
    line from the notes' own sentences.
    """
    from .api import OpenVault
    from .render import answer_json, print_answer

    if question == "-":
        question = sys.stdin.read().strip()
    if not question.strip():
        raise InquiringError('the question is empty; try: inquiring ask "How does X affect Y?"')
    index = _open(ctx, all_vectors=True)  # answers are judged on every note's meaning
    chosen = model or load_settings(_vault(ctx)).llm_model
    with err.status(f"Writing with {chosen}…") if chosen else nullcontext():
        answer = OpenVault(index, _embedder(ctx)).ask(
            question,
            save=save,
            new=new,
            model=model,
            judge=judge,
            timeout=timeout,
            show_unsupported=show_unsupported,
        )
    _say_notices(index)
    if as_json:
        _print_json(answer_json(answer, index.vault.root))
        return
    print_answer(out, answer, index.vault.root)
    if answer.duplicate:
        out.print()
        _print_line(index, index.find(answer.duplicate[0]))


def _print_line(index: Index, row: DocRow) -> None:
    """A saved line as `ask` printed it: the question, its dek, the essay and its Sources."""
    from .render import print_essay

    out.print("[dim]INQUIRING LINE[/]")
    out.print(f"[bold]{escape(row.title)}[/]")
    if row.dek:
        out.print(f"[italic]{escape(row.dek)}[/]")
    out.print()
    print_essay(out, index.body(row.path))


@command()
def status(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List the inquiring lines that changed, deleted or newly relevant notes made stale."""
    from .api import OpenVault

    index = _open(ctx, all_vectors=True)  # answers are judged on every note's meaning
    report = OpenVault(index, _embedder(ctx)).staleness_of_lines()
    if as_json:
        _print_json([{**asdict(r), "stale": r.stale} for r in report])
        return
    stale = [r for r in report if r.stale]
    for r in stale:
        out.print(f"[bold]{escape(r.line)}[/] is stale:")
        for label, paths in (("changed", r.changed), ("deleted", r.deleted), ("new", r.new)):
            for path in paths:
                out.print(f"  {label:>7}  {escape(path)}")
    out.print(
        f"{len(stale)} of {len(report)} lines are stale."
        + (" Run 'inquiring refresh --all' to rewrite them." if stale else "")
    )


@command()
def refresh(
    ctx: typer.Context,
    line: Annotated[str | None, typer.Argument(help="The line to rewrite (path or title).")] = None,
    all_lines: Annotated[bool, typer.Option("--all", help="Rewrite every stale line.")] = False,
    model: Annotated[str | None, typer.Option(help="Write with this `llm` model.")] = None,
    force: Annotated[
        bool,
        typer.Option(help="Rewrite lines even if they were edited by hand (the edit is lost)."),
    ] = False,
    timeout: TimeoutOption = None,
) -> None:
    """Rewrite a line (or every stale one) from the vault as it is now.

    A line edited by hand since it was written is kept as it is, and named, unless --force.
    """
    from .api import OpenVault

    if not line and not all_lines:
        raise InquiringError("name a line to refresh, or pass --all for every stale line")
    index = _open(ctx, all_vectors=True)  # answers are judged on every note's meaning
    vault = OpenVault(index, _embedder(ctx))
    done = vault.refresh(line, force=force, model=model, timeout=timeout)
    for path in done.rewritten:
        out.print(f"Rewrote {escape(path)}")
    for why in done.kept:
        err.print(f"[yellow]Kept:[/] {escape(why)}")
    if not done.rewritten and not done.kept:
        out.print("No line is stale.")
    _say_notices(index)


eval_app = typer.Typer(
    help="Measure how well inquiring answers questions with known answers.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")


class LazyProgress:
    """A Rich progress bar that only appears once the work has lasted more than a second.

    Nothing is shown when stderr is not a terminal: the command's summary says what was done.
    """

    def __init__(self, description: str, unit: str = "", delay: float = 1.0) -> None:
        self.description = description
        self.unit = unit
        self.delay = delay
        self.start = time.perf_counter()
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.perf_counter() - self.start < self.delay or not err.is_terminal:
                return
            from rich import progress  # loaded only when a bar is shown

            self.bar = progress.Progress(
                progress.TextColumn(self.description),
                progress.BarColumn(),
                progress.MofNCompleteColumn(),
                progress.TextColumn(f"{self.unit} ·"),
                progress.TimeRemainingColumn(),
                progress.TextColumn("left"),
                console=err,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total, completed=done)
            self.bar.refresh()  # at once: it was due a second ago
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"inquiring {version('inquiring')}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
    vault: VaultOption = None,
) -> None:
    if vault is not None:
        ctx.meta[VAULT_KEY] = vault


INDEX_KEY = "inquiring.index"


def _open(
    ctx: typer.Context,
    refresh: bool = True,
    embed: bool = False,
    check: bool = False,
    all_vectors: bool = False,
) -> Index:
    """Open the vault's index, bringing it up to date first so answers are never stale.

    With `embed`, notes that changed since the last time are embedded too, when that is
    quick (else the command says what is missing); with `all_vectors`, however long it
    takes (with a progress bar). With `check`, the whole database is first checked for damage.
    """
    index = Index(_vault(ctx), waiting=_say_waiting)
    ctx.call_on_close(index.close)
    ctx.meta[INDEX_KEY] = index
    if index.location_note:
        err.print(f"[yellow]Note:[/] {escape(index.location_note)}")
    if check:
        index.check()
    if refresh:
        embedder = _embedder(ctx) if embed or all_vectors else None
        report = _update(index, embedder=embedder, quick=not all_vectors)
        if report.vectors_left:
            missing = _missing_meanings(index)
            err.print(f"[yellow]Note:[/] {missing} Run 'inquiring index' to finish.")
    return index


def _embedder(ctx: typer.Context) -> Embedder:
    from .embed import get_embedder

    return get_embedder(load_settings(_vault(ctx)).embedder)


def _update(
    index: Index, rebuild: bool = False, embedder: Embedder | None = None, quick: bool = False
) -> UpdateReport:
    """`Index.update` with progress bars; `quick`: embed only if that takes a moment."""
    limit = None
    if embedder is not None and quick:
        from .vectors import QUICK_SECONDS  # numpy: only when the command embeds

        limit = QUICK_SECONDS
    reading, embedding = LazyProgress("Reading", "files"), LazyProgress("Embedding", "notes")
    try:
        return index.update(
            rebuild=rebuild,
            progress=reading,
            embedder=embedder,
            embed_progress=embedding,
            embed_limit=limit,
        )
    finally:
        reading.close()
        embedding.close()
        _say_notices(index)


def _missing_meanings(index: Index) -> str:
    """What search by meaning does not cover yet, in a sentence."""
    from .vectors import vector_counts

    covered, total = vector_counts(index)
    if covered == total:
        return "The meanings of some notes are out of date (their links or hubs changed)."
    return (
        f"Meanings are missing for {total - covered:,} of {total:,} notes; "
        "results use words for those."
    )


def _say_stopped(ctx: typer.Context | None) -> None:
    """After Ctrl-C: what is kept, and how to finish (the work done so far is committed)."""
    index = ctx.meta.get(INDEX_KEY) if ctx is not None else None
    message = "Stopped."
    if index is not None:
        from .vectors import vector_counts

        try:
            covered, total = vector_counts(index)
            reading = index.meta("unfinished") is not None
        except sqlite3.Error:
            covered, total, reading = 0, 0, False
        if reading:
            message = "Stopped while reading the files; what was read is kept and searchable."
        elif covered < total:
            message = f"Stopped. {covered:,} of {total:,} notes embedded."
        if reading or covered < total:
            message += " Run 'inquiring index' to finish."
    err.print(message)


def _say_waiting() -> None:
    err.print("Waiting for another inquiring process to finish updating the index…")


def _say_notices(index: Index) -> None:
    for notice in index.notices:
        err.print(f"[yellow]Note:[/] {escape(notice)}")
    index.notices.clear()


def _recovered(ctx: typer.Context | None, error: Exception) -> bool:
    """When a query found the index damaged: replace it, say so, and return True.

    The index is derived from the files, so the command can simply run again.
    """
    index = ctx.meta.get(INDEX_KEY) if ctx is not None else None
    if index is None or not index.recover(error):
        return False
    _say_notices(index)
    return True


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _problem_line(p: Problem) -> str:
    colour = "red" if p.severity == "error" else "yellow"
    where = f"{p.path}:{p.line}" if p.line else p.path
    return f"[{colour}]{p.severity}[/] {escape(where)}: {escape(p.message)}"


@command()
def init(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Argument(help="Folder to make a vault in (default: --vault, else this folder)."),
    ] = None,
) -> None:
    """Create a vault: notes/, sources/, hubs/, lines/ and a commented inquiring.toml."""
    root = (directory or _named_vault(ctx) or Path.cwd()).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    made = []
    for folder in FOLDER_KINDS:
        if not (root / folder).exists():
            (root / folder).mkdir()
            made.append(f"{folder}/")
    settings = root / SETTINGS_FILE
    if not settings.exists():
        from importlib import resources

        template = resources.files("inquiring").joinpath("templates").joinpath(SETTINGS_FILE)
        settings.write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
        made.append(SETTINGS_FILE)
    if made:
        out.print(f"Created in {escape(str(root))}: {', '.join(made)}")
    else:
        out.print(f"{escape(str(root))} is already a vault; nothing changed.")


@command()
def add(
    ctx: typer.Context,
    papers: Annotated[
        list[str],
        typer.Argument(
            help="PDF files, folders of PDFs, .bib or CSL-JSON exports (from Zotero, say), "
            "arXiv ids or URLs, and DOIs, in any mix.",
            show_default=False,
        ),
    ],
    online: Annotated[
        bool,
        typer.Option(
            "--online",
            help="Ask arXiv's and Crossref's public APIs for titles, authors and abstracts "
            "the files lack. Off by default: nothing leaves your machine.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Add papers to the vault's sources/: one page each, updated in place if already there.

    A page that exists is matched by its id, DOI, arXiv id or title and only gains the fields
    it lacks; what you wrote stays. PDFs from outside the vault are copied to sources/files/,
    and their text is kept in the index for 'inquiring draft'.
    """
    from .api import OpenVault

    index = _open(ctx, refresh=False)
    with err.status("Reading papers…") as status:
        report = OpenVault(index).add(
            papers, online=online, progress=lambda name: status.update(f"Reading {name}…")
        )
    _say_notices(index)
    if as_json:
        _print_json(
            {
                "written": [asdict(w) for w in report.written],
                "problems": [asdict(p) for p in report.problems],
                "gaps": report.gaps,
            }
        )
    else:
        _print_added(report)
    if not report.written and report.problems:
        raise typer.Exit(1)


def _print_added(report: AddReport) -> None:
    for problem in report.problems:
        err.print(_problem_line(problem))
    for w in report.written:
        if w.action == "added":
            out.print(f"Added {escape(w.path)} (from {escape(w.origin)})")
        elif w.action == "updated":
            out.print(f"Updated {escape(w.path)}: {', '.join(w.fields)} (from {escape(w.origin)})")
        for kept in w.kept:
            out.print(f"  kept as you wrote it in {escape(w.path)}: {escape(kept)}")
    for gap in report.gaps:
        out.print(f"[yellow]Note:[/] {escape(gap)}")
    unchanged = report.count("unchanged")
    skipped = sum(p.severity == "error" for p in report.problems)
    out.print(
        f"{_count(report.count('added'), 'source')} added, {report.count('updated')} updated, "
        f"{unchanged} already up to date"
        + (f"; {skipped} not read (see above)." if skipped else ".")
    )


@command()
def draft(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            help="The paper's source page: its id (arxiv:2305.11206), path or title.",
            show_default=False,
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option(help="Draft with this `llm` model (default: [llm] model in inquiring.toml)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the drafts without writing them.")
    ] = False,
    timeout: TimeoutOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Draft notes from a paper: each sentence carries a quote from the paper and its page.

    Every quote is checked against the paper's text before anything is written: a sentence
    whose quote is not in the paper is dropped and named. Drafts go to notes/ with
    status: draft, never over an existing file. With no model configured nothing leaves your
    machine: the extractive drafter quotes the paper's key findings.
    """
    from .api import OpenVault
    from .draft import drafted_json

    index = _open(ctx, all_vectors=True)  # a draft is compared with every note's meaning
    chosen = model or load_settings(_vault(ctx)).llm_model
    with err.status(f"Drafting with {chosen}…") if chosen else nullcontext():
        result = OpenVault(index, _embedder(ctx)).draft(
            source, model=model, dry_run=dry_run, timeout=timeout
        )
    _say_notices(index)
    if as_json:
        _print_json(drafted_json(result))
    else:
        _print_drafted(result)
    if not result.notes:
        raise typer.Exit(1)


def _print_drafted(result: Drafted) -> None:
    """The drafts, what was dropped from them and why, and what to check."""
    from .draft import page_moves

    for warning in result.warnings:
        err.print(f"[yellow]Note:[/] {escape(warning)}")
    if result.dry_run:
        for note in result.notes:
            out.print(escape(note.markdown))
    writer = "the extractive drafter" if result.writer == "extractive" else result.writer
    verb = "Would write" if result.dry_run else "Drafted"
    out.print(
        f"{verb} {_count(len(result.notes), 'note')} from {escape(result.source.path)} "
        f"with {escape(writer)}:"
    )
    for note in result.notes:
        pages = sorted({c.found.page for c in note.claims if c.found and c.found.page})
        where = f"on p. {', '.join(map(str, pages))}" if pages else "in the abstract"
        out.print(f"  {escape(note.path or '(not written)')}  [bold]{escape(note.title)}[/]")
        out.print(f"    {_count(len(note.claims), 'sentence')}, quotes found {where}")
        if note.near:
            path, title, cosine = note.near
            out.print(
                f"    [yellow]Near[/] {escape(path)} “{escape(title)}” (similarity {cosine:.2f}): "
                "check that the draft does not repeat it."
            )
        for move in page_moves(note):
            out.print(f"    {escape(move)}")
    dropped = [(n, c, why) for n in result.notes + result.rejected for c, why in n.dropped]
    if dropped:
        out.print(f"Dropped {_count(len(dropped), 'sentence')} whose quote was not found:")
        for note, claim, why in dropped:
            said = escape(_shorten(claim.text, 120))
            out.print(f"  “{said}” ({escape(note.title)}): {escape(why)}")
    for note in result.rejected:
        why = "none of its quotes was found" if note.dropped else "it had no sentence to quote"
        out.print(f"Not written: “{escape(note.title)}”: {why}.")
    for row in result.citing:
        out.print(f"Already in the vault on this paper: {escape(row.path)} “{escape(row.title)}”")
    checked, found = result.quotes
    where = "its abstract" if result.from_abstract else "the paper"
    out.print(f"Quotes: {found} of {checked} found in {where}.")


@command("index")
def index_cmd(
    ctx: typer.Context,
    rebuild: Annotated[
        bool, typer.Option(help="Throw the index away and read every file.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Read the vault into its index; only changed files are read again."""
    from .doctor import vault_stats

    index = _open(ctx, refresh=False)
    report = _update(index, rebuild=rebuild, embedder=_embedder(ctx))
    stats = vault_stats(index)
    if as_json:
        data = asdict(report)
        data["problems"] = [asdict(p) for p in report.problems]
        _print_json({**data, "stats": stats})
        return
    _print_update(report, stats)


def _print_update(report: UpdateReport, stats: dict[str, int]) -> None:
    from .doctor import summary

    for problem in report.problems:
        err.print(_problem_line(problem))
    out.print(
        f"Indexed {stats['notes']} notes, {stats['sources']} sources, {stats['hubs']} hubs and "
        f"{stats['lines']} lines in {report.seconds:.2f} s "
        f"({report.added} added, {report.changed} changed, {report.removed} removed, "
        f"{report.unchanged} unchanged)."
    )
    if report.resumed:
        out.print(
            f"Resumed embedding: {_count(report.resumed, 'note')} had been left without "
            "meanings by an earlier run."
        )
    if report.embedded:
        out.print(f"Embedded {_count(report.embedded, 'note')} for search by meaning.")
    if report.leftovers:
        out.print(
            f"Removed {_count(report.leftovers, 'temporary file')} left in lines/ by a write "
            "that was interrupted."
        )
    if (report.touched or report.problems) and (stats["errors"] or stats["warnings"]):
        out.print(f"The vault has {summary(stats)}; run 'inquiring doctor' for the list.")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


@command()
def notes(
    ctx: typer.Context,
    hub: Annotated[str | None, typer.Option(help="Only notes in this hub.")] = None,
    category: Annotated[str | None, typer.Option(help="Only notes in this category.")] = None,
    collection: Annotated[str | None, typer.Option(help="Only notes from this collection.")] = None,
    tag: Annotated[
        str | None, typer.Option(help="Only notes with this tag; --tag a finds #a/b too.")
    ] = None,
    kind: Annotated[str, typer.Option(help="note, source, hub or line.")] = "note",
    drafts: Annotated[
        bool,
        typer.Option(
            "--drafts", help="Only draft notes (status: draft), whose quotes await your reading."
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """List notes, optionally those of one hub, category, collection or tag, or the drafts."""
    from rich.table import Table

    index = _open(ctx)
    rows = index.select(
        kind=kind, hub=hub, category=category, collection=collection, tag=tag, drafts=drafts
    )
    if as_json:
        _print_json([_doc_json(r) for r in rows])
        return
    table = Table(box=None, show_header=True, header_style="bold")
    table.add_column("Title", overflow="fold")
    table.add_column("Date", no_wrap=True)
    table.add_column("Path", style="dim", overflow="fold")
    for row in rows:
        table.add_row(escape(row.title), row.date, escape(row.path))
    _print_table(table)
    out.print(_count(len(rows), f"draft {kind}" if drafts else kind))


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
    """Show one note: its dek, meta, links out and backlinks in; a line, with its essay."""
    index = _open(ctx)
    row = index.find(note)
    links_out = index.links_from(row.path)
    backlinks = index.links_to(row.path)
    sources = index.links_from(row.path, ("source",))
    lines = index.lines_using(row.path)
    hubs = index.links_from(row.path, ("hub",))
    if as_json:
        _print_json(
            {
                **_doc_json(row),
                "links": [asdict(link) for link in links_out],
                "backlinks": [asdict(link) for link in backlinks],
                "source_refs": [asdict(link) for link in sources],
                "lines": [line.path for line in lines],
            }
        )
        return
    label = f"DRAFT {row.kind.upper()}" if row.draft else row.kind.upper()
    out.print(f"[dim]{label}[/]  [bold]{escape(row.title)}[/]")
    if row.dek:
        out.print(escape(row.dek))
    meta = " · ".join(
        x for x in (row.date, row.collection and f"sourced from {row.collection}") if x
    )
    if meta:
        out.print(f"[dim]{escape(meta)}[/]")
    if row.categories:
        out.print("Categories: " + escape(", ".join(row.categories)))
    if row.tags:
        out.print("Tags: " + escape(" ".join(f"#{t}" for t in row.tags)))
    out.print(f"[dim]{escape(row.path)}[/]")
    if row.kind == "line":  # the essay and its numbered Sources: the notes it links to
        from .render import print_essay

        out.print()
        print_essay(out, index.body(row.path))
    else:
        _print_refs("Hubs", hubs, row.path)
        _print_refs("Sources", sources, row.path)
        _print_refs("Links out", links_out, row.path)
        out.print(f"\n[bold]Inquiring lines that use this note ({len(lines)})[/]")
        for line in lines:
            out.print(f"  ◆ {escape(line.title)} [dim]{escape(line.path)}[/]")
    places = list(dict.fromkeys((link.path, link.line) for link in backlinks))  # each once
    out.print(f"\n[bold]Backlinks in ({len(places)})[/]")
    for path, line in places:
        title = index.document(path)
        out.print(f"  ← {escape(title.title if title else path)} [dim]{escape(path)}:{line}[/]")


def _print_refs(heading: str, links: list, here: str) -> None:
    """Each document linked to, once; links to the note's own headings are not listed."""
    seen: set[str] = set()
    shown = []
    for link in links:
        key = link.resolved or f"?{link.target}"
        if link.resolved != here and key not in seen:
            seen.add(key)
            shown.append(link)
    if not shown:
        return
    out.print(f"\n[bold]{heading} ({len(shown)})[/]")
    for link in shown:
        if link.resolved is None:
            out.print(f"  → [red]{escape(link.target)} (unresolved)[/] [dim]line {link.line}[/]")
        else:
            title = link.title or link.resolved
            out.print(f"  → {escape(title)} [dim]{escape(link.resolved)}[/]")


@command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words or a question, in your own words.")],
    limit: Annotated[
        int, typer.Option("--limit", "-k", min=1, max=1000, help="How many notes to list.")
    ] = 10,
    method: Annotated[
        str, typer.Option(help="hybrid, bm25 (words) or dense (meaning).")
    ] = "hybrid",
    as_json: JsonFlag = False,
) -> None:
    """Find the notes that bear on a question, and say how well the vault covers it."""
    if method == "bm25":  # words only: no model to load, no vectors to bring up to date
        _print_lexical(_open(ctx), query, limit, as_json)
        return
    from .render import search_json
    from .search import COVERAGE_TEXT, METHODS, Searcher

    if method not in METHODS:
        raise InquiringError(f"unknown method '{method}'; use one of: {', '.join(METHODS)}")
    index = _open(ctx, embed=True)
    result = Searcher(index, _embedder(ctx)).search(query, limit=limit, method=method)
    if as_json:
        _print_json(search_json(query, result))
        return
    if result.message:
        out.print(f"{result.message} Try other words, or 'inquiring notes' to browse.")
        return
    judged = COVERAGE_TEXT[result.coverage]
    if result.vectors_missing:  # judged by meaning on the notes embedded so far
        embedded = result.vectors_total - result.vectors_missing
        judged += (
            f" (Judged on the {embedded:,} of {result.vectors_total:,} notes embedded so far.)"
        )
    out.print(f"[dim]Coverage:[/] [bold]{result.coverage}[/]. {judged}\n")
    for rank, hit in enumerate(result.hits, start=1):
        why = ", ".join(hit.why)
        draft = " (draft)" if hit.doc.draft else ""
        out.print(
            f"{rank:>2}. [bold]{escape(hit.doc.title)}[/]{draft}  [dim]{escape(hit.doc.path)}[/]"
        )
        if hit.doc.snippet:
            out.print(f"    {escape(_shorten(hit.doc.snippet))}")
        out.print(f"    [dim]score {hit.score:.3f} · matched by {why}[/]")


def _shorten(text: str, width: int = 240) -> str:
    """A snippet cut at a word, so a long summary does not fill the terminal."""
    return textwrap.shorten(text, width, placeholder=" …")


def _print_lexical(index: Index, query: str, limit: int, as_json: bool) -> None:
    hits = index.search(query, limit=limit, kinds=("note",))
    if as_json:
        _print_json(
            {
                "query": query,
                "coverage": None,  # measured by hybrid search only
                "results": [
                    {
                        "path": d.path,
                        "title": d.title,
                        "dek": d.dek,
                        "snippet": d.snippet,
                        "score": round(score, 4),
                        "why": ["lexical"],
                    }
                    for d, score in hits
                ],
            }
        )
        return
    if not hits:
        out.print("Nothing in the vault matches these words. Try the default hybrid search.")
    for rank, (doc, score) in enumerate(hits, start=1):
        out.print(f"{rank:>2}. [bold]{escape(doc.title)}[/]  [dim]{escape(doc.path)}[/]")
        if doc.snippet:
            out.print(f"    {escape(_shorten(doc.snippet))}")
        out.print(f"    [dim]BM25 {score:.2f}[/]")


@command()
def doctor(
    ctx: typer.Context,
    strict: Annotated[bool, typer.Option(help="Exit with status 1 if any error is found.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List every problem in the vault, each with its file and line."""
    from .doctor import count, diagnose, has_errors, summary

    index = _open(ctx)
    problems = diagnose(index)
    if as_json:
        _print_json([asdict(p) for p in problems])
    else:
        for problem in problems:
            out.print(_problem_line(problem))
        if problems:
            out.print(f"{summary(count(problems)).capitalize()}.")
        else:
            out.print("No problems found.")
    if strict and has_errors(problems):
        raise typer.Exit(1)


@command()
def stats(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Count the vault's notes, sources, hubs, lines, links, errors and warnings."""
    from rich.table import Table

    from .doctor import vault_stats

    index = _open(ctx)
    data = vault_stats(index)
    if as_json:
        _print_json(data)
        return
    table = Table(box=None, show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key, value in data.items():
        table.add_row(key.replace("_", " "), f"{value:,}")
    _print_table(table)


QuestionsArg = Annotated[
    Path | None, typer.Argument(help="Questions file (default: questions.yaml in the vault).")
]


def _evaluate(
    ctx: typer.Context, questions: Path | None, measure: Callable, as_json: bool
) -> list | None:
    """Run one evaluation on the vault's questions; print JSON and return None under --json."""
    from .evaluate import load_questions
    from .search import Searcher

    todo = load_questions(questions or _vault(ctx).root / "questions.yaml")
    index = _open(ctx, all_vectors=True)  # measured on every note's meaning
    rows = measure(Searcher(index, _embedder(ctx)), todo)
    if as_json:
        _print_json([asdict(r) for r in rows])
        return None
    return rows


@command("retrieval", group=eval_app)
def eval_retrieval(
    ctx: typer.Context, questions: QuestionsArg = None, as_json: JsonFlag = False
) -> None:
    """Recall@5, recall@10, nDCG@10 and MRR for hybrid, BM25 and dense search, by kind."""
    from .evaluate import HALVES, evaluate_retrieval

    rows = _evaluate(ctx, questions, evaluate_retrieval, as_json)
    if rows is None:
        return
    for half in HALVES:
        table = _table(
            ("kind", "method", "n", "recall@5", "recall@10", "nDCG@10", "MRR", "coverage ok"),
            left=2,
            title=f"{half} half" if half != "all" else "all questions",
        )
        for r in (r for r in rows if r.half == half):
            cells = [r.recall5, r.recall10, r.ndcg10, r.mrr, r.coverage_ok]
            table.add_row(r.kind, r.method, str(r.questions), *(_num(c) for c in cells))
        _print_table(table)
    out.print(
        "coverage ok: for 'absent', the share labelled thin or none; "
        "otherwise the share not labelled none."
    )


@command("lines", group=eval_app)
def eval_lines(
    ctx: typer.Context, questions: QuestionsArg = None, as_json: JsonFlag = False
) -> None:
    """Write a line for each question (nothing is saved) and measure it against the targets."""
    from .evaluate import evaluate_lines, summarise_lines

    rows = _evaluate(ctx, questions, evaluate_lines, False)
    assert rows is not None
    summary = summarise_lines(rows)
    if as_json:
        shown = [{k: v for k, v in asdict(r).items() if k != "texts"} for r in rows]
        _print_json({"summary": [asdict(s) for s in summary], "questions": shown})
        return
    columns = ("question", "kind", "coverage", "gold cited", "precision", "sentences", "words")
    table = _table((*columns, "no antec.", "residue", "takeaway", "repeated"), left=3)
    for r in rows:
        figures = (r.gold_cited, r.precision)
        counts = (r.sentences, r.words, r.missing_antecedent, r.residue)
        table.add_row(
            r.id,
            r.kind,
            r.coverage,
            *(_num(f) for f in figures),
            *(str(c) for c in counts),
            ("yes" if r.takeaway else "no") if r.essay else "-",
            str(r.repeated),
        )
    _print_table(table)
    _print_table(_lines_summary(summary))
    out.print(
        "no antecedent: claims that open by referring back (This, They, The authors, …) "
        "without the sentence they refer to; residue: sentences with Markdown left over or a "
        "heading glued on; repeated: claims that also stand in another line. "
        "The rules are in docs/lines.md."
    )


def _lines_summary(summary: list) -> Table:
    """The per-half figures beside their targets; a miss is marked."""
    from .evaluate import TARGETS, meets

    names = {
        "missing_antecedent": "missing antecedent (share of claims)",
        "residue": "Markdown residue or glued heading (share of sentences)",
        "takeaway": "lines from 2+ notes closing on a takeaway",
        "repeated": "claims repeated across lines",
        "gold_cited": "gold notes cited",
        "absent_handled": "uncovered questions handled",
        "precision": "citation precision",
    }
    table = _table(("measure", *(s.half for s in summary), "target"), left=1)
    table.add_row("lines written", *(f"{s.lines} of {s.questions}" for s in summary), "")
    for name, label in names.items():
        cells = []
        for s in summary:
            value = getattr(s, name)
            cells.append(_num(value) + (" ✗" if meets(name, value) is False else ""))
        op, target = TARGETS.get(name, ("", None))
        table.add_row(label, *cells, f"{op} {target}" if target is not None else "")
    return table


def _table(columns: tuple[str, ...], left: int, title: str | None = None) -> Table:
    """A borderless table: the first `left` columns are labels, the rest right-aligned figures."""
    from rich.table import Table

    table = Table(title=title, box=None)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i < left else "right")
    return table


def _print_table(table: Table) -> None:
    """A table on the terminal; piped, its full rows tab-separated, for grep, cut and sort."""
    if out.is_terminal:
        out.print(table)
        return
    from rich.text import Text

    def plain(cell: object) -> str:
        return cell.plain if isinstance(cell, Text) else Text.from_markup(str(cell)).plain

    if table.title:
        typer.echo(plain(table.title))
    if table.show_header:
        typer.echo("\t".join(plain(c.header) for c in table.columns))
    for row in zip(*(c.cells for c in table.columns), strict=True):
        typer.echo("\t".join(plain(cell) for cell in row))


def _num(value: float) -> str:
    return "-" if value != value else f"{value:.3f}"


site_app = typer.Typer(help="Publish the vault as a static website.", no_args_is_help=True)
app.add_typer(site_app, name="site")


@command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but 127.0.0.1 needs a token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="INQUIRING_TOKEN",
            help="Needed to ask and refresh from the browser (made up for you off loopback).",
        ),
    ] = None,
) -> None:
    """Browse, search and ask the vault in your browser."""
    import uvicorn

    from .web.app import SHUTDOWN_GRACE, Server, create_app
    from .web.security import is_loopback

    index = _open(ctx, refresh=False, check=True)  # a server runs long: find any damage now
    report = _update(index, embedder=_embedder(ctx), quick=True)
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(18)
    web = create_app(index, _embedder(ctx), token=token, host=host)
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    err.print(f"Serving {escape(str(index.vault.root))} at [bold]{escape(address)}[/]")
    if token:
        err.print("[yellow]Open that address once to be able to ask questions; keep it private.[/]")
    if report.vectors_left:
        err.print(
            f"[yellow]Note:[/] {_missing_meanings(index)} They are being embedded in the "
            "background, and searches use each as soon as it is done."
        )
    err.print("[dim]Press Ctrl+C to stop.[/]")
    config = uvicorn.Config(
        web, host=host, port=port, log_level="warning", timeout_graceful_shutdown=SHUTDOWN_GRACE
    )
    Server(config).run()


@command()
def mcp(
    ctx: typer.Context,
    allow_writes: Annotated[
        bool, typer.Option(help="Let the ask tool save lines in lines/ (else it only drafts).")
    ] = False,
) -> None:
    """Serve the vault to agents (Claude, Cursor, Zed, ...) over MCP on stdin and stdout."""
    from .api import OpenVault
    from .mcpserver import create_server

    index = _open(ctx, embed=True)
    create_server(OpenVault(index, _embedder(ctx)), allow_writes).run()


@command(group=site_app, name="build")
def site_build(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the site into (made if new).")],
    base_url: Annotated[
        str, typer.Option(help="Where the site will be published, for the feed and sitemap.")
    ] = "",
) -> None:
    """Write every page as static files that work from any folder, any sub-path, or from disk."""
    from .search import Searcher
    from .site import build_site
    from .web.pages import Pages

    index = _open(ctx, all_vectors=True)  # related notes on every page
    settings = load_settings(_vault(ctx))
    pages = Pages(Searcher(index, _embedder(ctx)), settings.title, footer=settings.footer)
    progress = LazyProgress("Writing", "pages")
    try:
        report = build_site(pages, out_dir, base_url=base_url, progress=progress)
    finally:
        progress.close()
    out.print(
        f"Wrote {report.pages:,} pages and {report.files:,} attachments to {escape(str(out_dir))} "
        f"in {report.seconds:.1f} s. Open {escape(str(out_dir / 'index.html'))} in a browser."
    )
    if report.withheld:
        out.print(
            f"Left out {len(report.withheld):,} attachments a browser would run as part of the "
            "site (web pages, SVG, XML, scripts, unknown types): "
            f"{escape(', '.join(report.withheld))}. "
            "SVG images that notes show are kept inside their pages; `inquiring serve` offers "
            "each of them as a download."
        )


def main() -> None:
    app(prog_name="inquiring")
