"""`inquiring serve`: the pages of a vault, live, with search and ask, and a JSON API beside them.

Every page comes from `Pages`; this module only maps URLs to it, guards the writing
endpoints, and turns every failure into a readable page with the right status.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from ..api import OpenVault
from ..ask import Answer
from ..embed import Embedder
from ..errors import Cancelled, InquiringError, NotFound
from ..index import Index
from ..render import answer_json, search_json
from ..search import Searcher
from ..settings import load_settings
from ..site import atom_feed, sitemap
from ..vectors import fill_vectors, vector_counts
from .pages import MAX_QUERY, Page, Pages, Ref, checked_query
from .render import Renderer
from .security import HEADERS, Guard, attachment_headers
from .urls import page_for

TOKEN_COOKIE = "inquiring_token"
SHUTDOWN_GRACE = 3  # seconds `serve` lets requests finish on Ctrl+C; running asks are cancelled
FILL_SLICE = 3.0  # seconds of embedding in the background at a time; an ask may write between


@dataclass
class Job:
    """One question being answered in the background, watched by its progress page."""

    question: str
    new: bool
    line: str = ""  # the line to rewrite in place, for a refresh
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    steps: list[str] = field(default_factory=list)
    done: bool = False
    page: str = ""  # the line to land on
    message: str = ""  # said instead of a line when the vault has nothing
    nearest: list[Ref] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. the model failed, extractive wrote it
    error: str = ""


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored

    question: str = Field(min_length=1, max_length=MAX_QUERY)
    new: bool = False


class App:
    """The state behind one served vault: its index, its pages, its jobs."""

    def __init__(self, index: Index, embedder: Embedder, token: str | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.token = token
        self.settings = load_settings(index.vault)
        self.pages = Pages(
            Searcher(index, embedder), self.settings.title, footer=self.settings.footer
        )
        self.renderer = Renderer(self.pages.title, live=True, footer=self.pages.footer_html)
        self.jobs: dict[str, Job] = {}
        self.writing = threading.Lock()  # one line written at a time
        self.running: set[threading.Event] = set()  # the cancel switch of every running ask
        self.stopping = threading.Event()

    def html(self, page: Page, status: int = 200) -> HTMLResponse:
        return HTMLResponse(self.renderer.render(page), status_code=status)

    def error(self, request: Request, status: int, heading: str, message: str) -> Response:
        """A readable error page, its links written for the address it answers."""
        where = request.url.path.lstrip("/") or "index.html"
        page = Page("error.html", where, {"heading": heading, "message": message})
        return self.html(page, status)

    def refuse(self, request: Request, status: int, heading: str, message: str) -> Response:
        """An error as the asker reads it: JSON under /api/, else a page."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        return self.error(request, status, heading, message)

    def allowed(self, request: Request, given: str | None) -> bool:
        """Writing needs the token when one is set (`Guard` has refused other sites already)."""
        if self.token is None:
            return True
        candidates = (
            given,
            request.headers.get("x-inquiring-token"),
            request.cookies.get(TOKEN_COOKIE),
        )
        return any(c and secrets.compare_digest(c, self.token) for c in candidates)

    def start(self, question: str, new: bool, line: str = "") -> Job:
        job = Job(question.strip(), new, line)
        self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), daemon=True).start()
        return job

    def answer(
        self,
        question: str,
        new: bool,
        line: str = "",
        progress: Callable[[str], None] = lambda step: None,
        cancel: threading.Event | None = None,
    ) -> tuple[Answer, Path]:
        """Write a line with its own connection, one at a time, so pages stay quick meanwhile.

        Setting `cancel` (or stopping the server) ends the ask without saving anything, even
        while it waits for the model or for another ask to finish. Returns the answer and the
        vault root (for paths relative to it).
        """
        cancel = cancel or threading.Event()
        self.running.add(cancel)
        try:
            if self.stopping.is_set():
                cancel.set()
            while not self.writing.acquire(timeout=0.1):
                if cancel.is_set():
                    raise Cancelled("the ask was cancelled before it started")
            try:
                return self._write(question, new, line, progress, cancel)
            finally:
                self.writing.release()
        finally:
            self.running.discard(cancel)

    def _write(
        self,
        question: str,
        new: bool,
        line: str,
        progress: Callable[[str], None],
        cancel: threading.Event,
    ) -> tuple[Answer, Path]:
        """One ask on a connection of its own, then the new line indexed."""
        index = Index(self.index.vault)
        # Only a moment's embedding: notes still waiting are the background's work.
        vault = OpenVault(index, self.embedder, fill=False)
        try:
            answer = vault.ask(
                question, new=new, line=line or None, progress=progress, cancel=cancel
            )
            covered, total = vector_counts(index)
            if covered < total:  # `serve` is still embedding them in the background
                answer.warnings.append(
                    f"Meanings are missing for {total - covered:,} of {total:,} notes while the "
                    "server embeds them, so this line may leave some out; rewrite it later."
                )
            return answer, vault.root
        finally:
            vault.close()

    def start_filling(self) -> None:
        """Embed the notes still without vectors in the background (`serve` starts without)."""
        threading.Thread(target=self._fill, name="inquiring-vectors", daemon=True).start()

    def _fill(self) -> None:
        """Embed a slice at a time, on a connection of its own, taking turns with asks (which
        write the index too); each group of notes is searchable by meaning once committed."""
        index = Index(self.index.vault)
        try:
            while not self.stopping.is_set():
                with self.writing:
                    until = time.monotonic() + FILL_SLICE
                    report = fill_vectors(
                        index,
                        self.embedder,
                        stop=lambda until=until: self.stopping.is_set() or time.monotonic() > until,
                    )
                if not report.left:
                    return
                self.stopping.wait(0.2)  # an ask waiting to write goes first
        finally:
            index.close()

    def stop(self) -> None:
        """Cancel every running ask, and any that would start: the server is going away."""
        self.stopping.set()
        for cancel in list(self.running):
            cancel.set()

    async def answer_while_connected(
        self, request: Request, question: str, new: bool
    ) -> tuple[Answer, Path]:
        """`answer`, cancelled if the client disconnects before it is done.

        An asker who is gone never learns that a line was saved, and would ask again.
        """
        cancel = threading.Event()
        work = asyncio.ensure_future(asyncio.to_thread(self.answer, question, new, cancel=cancel))
        try:
            while not work.done():
                await asyncio.wait([work], timeout=0.2)
                if not work.done() and await request.is_disconnected():
                    cancel.set()
            return await work
        finally:
            cancel.set()  # also when this request itself is cancelled, as at shutdown

    def _run(self, job: Job) -> None:
        try:
            answer, root = self.answer(job.question, job.new, job.line, job.steps.append)
            job.warnings = answer.warnings
            if answer.duplicate:
                job.page = page_for(answer.duplicate[0])
            elif answer.path is not None:
                job.page = page_for(answer.path.relative_to(root).as_posix())
            else:
                job.message = answer.draft.message or "No line could be written."
                job.nearest = [
                    Ref(h.doc.path, page_for(h.doc.path), h.doc.title)
                    for h in answer.outline.nearest
                ]
        except InquiringError as error:
            job.error = str(error)
        except Exception as error:  # a failed model call must not leave the page waiting
            job.error = f"The line could not be written: {error}"
        finally:
            job.done = True


class Server(uvicorn.Server):
    """uvicorn's server, cancelling every running ask the moment it is told to stop.

    Cancelled asks end within a fraction of a second, so their requests are answered and
    Ctrl+C or SIGTERM stops the server at once instead of after the grace period.
    """

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        app = self.config.app
        if isinstance(app, FastAPI):
            app.state.inquiring.stop()
        super().handle_exit(sig, frame)


def create_app(
    index: Index, embedder: Embedder, token: str | None = None, host: str = "127.0.0.1"
) -> FastAPI:
    """The web app for one vault, listening on `host`, which decides the names it answers to.

    `token`, when set, is needed to ask and to refresh.
    """
    state = App(index, embedder, token)

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        state.start_filling()
        yield
        # `Server` cancels asks at the signal already; this covers any other way of stopping.
        state.stop()

    api = FastAPI(
        lifespan=lifespan,
        title="inquiring",
        description="Search the notes of a vault and ask it questions.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough
        redoc_url=None,
    )
    api.state.inquiring = state
    static = resources.files("inquiring.web") / "static"
    api.mount("/static", StaticFiles(directory=str(static)), name="static")
    api.add_middleware(Guard, bound=host, refuse=state.refuse)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith("/api/"):
            return state.error(
                request, 404, "Not in this vault", "There is no page at this address."
            )
        return state.refuse(request, exc.status_code, "That did not work", str(exc.detail))

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(_problem(e) for e in exc.errors())
        return state.refuse(request, 400, "That request was not understood", problems)

    @api.exception_handler(InquiringError)
    async def refused(request: Request, exc: InquiringError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 503 if isinstance(exc, Cancelled) else 400
        return state.refuse(request, status, "That did not work", str(exc))

    @api.exception_handler(Exception)
    async def broken(request: Request, exc: Exception) -> Response:
        message = "Something went wrong on our side; the details are in the server's log."
        response = state.refuse(request, 500, "Something went wrong", message)
        response.headers.update(HEADERS)  # this handler answers outside every middleware
        return response

    # -- pages ----------------------------------------------------------------------------------

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    @api.get("/index.html", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, token: str | None = None) -> Response:
        if token is None:
            return state.html(state.pages.home())
        # The token goes into a cookie and out of the address bar, so history never keeps it.
        response = RedirectResponse(request.url.path.rsplit("/", 1)[-1] or "./", status_code=303)
        if state.token and secrets.compare_digest(token, state.token):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response

    @api.get("/search.html", response_class=HTMLResponse, include_in_schema=False)
    def search_page(q: str = "") -> Response:
        return state.html(state.pages.search(q))

    @api.get("/notes.html", response_class=HTMLResponse, include_in_schema=False)
    def notes_page(
        category: str = Query("", max_length=MAX_QUERY),
        collection: str = Query("", max_length=MAX_QUERY),
        tag: str = Query("", max_length=MAX_QUERY),
        year: str = Query("", max_length=MAX_QUERY),
        page: int = Query(1, ge=1),
    ) -> Response:
        chosen = {"category": category, "collection": collection, "tag": tag, "year": year}
        return state.html(state.pages.notes(chosen, page))

    @api.get("/tags/{tag:path}", response_class=HTMLResponse, include_in_schema=False)
    def tagged(tag: str, page: int = Query(1, ge=1)) -> Response:
        found = state.pages.tag(tag.removesuffix(".html"), page)
        if found is None:
            raise HTTPException(404)
        return state.html(found)

    @api.get("/ask.html", response_class=HTMLResponse, include_in_schema=False)
    def ask_page(q: str = "") -> Response:
        question = checked_query(q, "question")
        page = Page(
            "ask.html", "ask.html", {"question": question, "token_needed": bool(state.token)}
        )
        return state.html(page)

    @api.post("/ask", include_in_schema=False)
    def ask_form(
        request: Request,
        question: str = Form("", max_length=MAX_QUERY),
        new: str = Form(""),
        token: str | None = Form(None),
    ) -> Response:
        if not state.allowed(request, token):
            return state.error(request, 403, "Asking needs the access token", _TOKEN_HELP)
        if not question.strip():
            return state.error(
                request, 400, "The question is empty", "Type a question, then press Ask."
            )
        job = state.start(question, new=bool(new))
        return RedirectResponse(f"jobs/{job.id}", status_code=303)

    @api.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def job_page(job_id: str) -> Response:
        job = state.jobs.get(job_id)
        if job is None:
            raise HTTPException(404)
        if job.done and job.page and not job.warnings:
            return RedirectResponse(f"../{job.page}", status_code=303)
        return state.html(Page("ask.html", f"jobs/{job_id}", {"job": job}))

    @api.post("/refresh", include_in_schema=False)
    def refresh_form(request: Request, line: str = Form(...), token: str | None = Form(None)):
        if not state.allowed(request, token):
            return state.error(request, 403, "Rewriting needs the access token", _TOKEN_HELP)
        with state.pages.reading():
            row = state.index.document(line)
            if row is None or row.kind != "line":
                raise HTTPException(404)
            question = str(state.index.front_matter(line).get("question") or row.title)
        job = state.start(question, new=True, line=line)
        return RedirectResponse(f"jobs/{job.id}", status_code=303)

    @api.get("/feed.xml", include_in_schema=False)
    def feed(request: Request) -> Response:
        xml = atom_feed(state.pages, str(request.base_url))
        return Response(xml, media_type="application/atom+xml")

    @api.get("/sitemap.xml", include_in_schema=False)
    def site_map(request: Request) -> Response:
        return Response(sitemap(state.pages, str(request.base_url)), media_type="application/xml")

    @api.get("/files/{path:path}", include_in_schema=False)
    def attachment(path: str) -> Response:
        # Only files the index lists as attachments: no URL reaches outside the vault.
        target = state.pages.attachment(path)
        if target is None:
            raise HTTPException(404)
        return FileResponse(target, headers=attachment_headers(path))

    # -- the JSON API ---------------------------------------------------------------------------

    @api.get("/api/stats", tags=["vault"])
    def api_stats() -> dict[str, int]:
        """How many notes, sources, hubs, lines and links the vault has, and its problems."""
        from ..doctor import vault_stats

        with state.pages.reading():
            return vault_stats(state.index)

    @api.get("/api/search", tags=["search"])
    def api_search(
        q: str = Query(..., max_length=MAX_QUERY, description="Any text: a question or words."),
        limit: int = Query(10, ge=1, le=100),
    ) -> dict[str, Any]:
        """Hybrid search, with the vault's coverage of the question and why each note matched."""
        with state.pages.reading():
            return search_json(q, state.pages.searcher.search(q, limit=limit))

    @api.get("/api/documents/{path:path}", tags=["vault"])
    def api_document(path: str) -> dict[str, Any]:
        """One document (note, source, hub or line): its fields, links out and backlinks."""
        with state.pages.reading():
            row = state.index.document(path)
            if row is None:
                raise HTTPException(404, f"no document at {path}")
            data = asdict(row)
            data.pop("id")
            data["front_matter"] = state.index.front_matter(path)
            data["links"] = [asdict(x) for x in state.index.links_from(path)]
            data["backlinks"] = [asdict(x) for x in state.index.links_to(path)]
            data["lines"] = [r.path for r in state.index.lines_using(path)]
            return data

    @api.get("/api/lines", tags=["lines"])
    def api_lines() -> list[dict[str, Any]]:
        """Every inquiring line: its question, where it is, when it was written."""
        with state.pages.reading():
            return [
                {"path": r.path, "question": r.title, "dek": r.dek, "created": r.date}
                for r in state.index.documents("line")
            ]

    @api.post("/api/ask", tags=["lines"])
    async def api_ask(request: Request, body: AskRequest) -> dict[str, Any]:
        """Write an inquiring line for a question (or return the existing near-duplicate).

        Closing the connection before the answer comes cancels the ask: no line is saved.
        """
        if not state.allowed(request, None):
            raise HTTPException(403, _TOKEN_HELP)
        if not body.question.strip():
            raise HTTPException(400, "the question is empty")
        answer, root = await state.answer_while_connected(request, body.question, body.new)
        return answer_json(answer, root)

    # -- every document, at its own page --------------------------------------------------------

    @api.get("/{page:path}", response_class=HTMLResponse, include_in_schema=False)
    def document(page: str) -> Response:
        found = state.pages.at(page)
        if found is None:
            raise HTTPException(404)
        return state.html(found)

    return api


def _problem(error: Any) -> str:
    """One validation error, naming the field at fault when there is one."""
    field_name = ".".join(str(part) for part in error.get("loc", ())[1:])
    message = str(error.get("msg", ""))
    return f"{field_name}: {message}" if field_name else message


_TOKEN_HELP = (
    "This server needs its access token before it writes anything. Open the link it printed "
    "when it started (it ends in ?token=…) once in this browser, then try again; through the "
    "API, send the token in an X-Inquiring-Token header."
)
