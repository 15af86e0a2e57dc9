"""What a browser may do with what we send, and which requests a browser was tricked into sending.

Every response carries the security headers; attachments carry a stricter policy of their
own, and files a browser could run are served as downloads. `Guard` checks each request
before the app sees it: the Host header (against DNS rebinding), the Origin of anything that
writes (against other sites' forms and scripts), and the size of its body. The published
site gets no headers from a static host, so its pages carry what a page can (`SITE_POLICY`
in a meta tag) and it leaves out files a browser could run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})  # names that reach only this machine
ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})  # every interface: the token is the guard
MAX_BODY = 64 * 1024  # bytes; a question is at most 1,000 characters, even escaped

# Pages run no script: the live pages none at all, the published site only its search.
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data: https:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# A meta tag cannot carry frame-ancestors (browsers ignore it there and say so).
SITE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "form-action 'self'; base-uri 'none'"
)
# A sandboxed attachment has no origin: even a file that slips through can reach nothing.
ATTACHMENT_POLICY = (
    "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; "
    "sandbox; frame-ancestors 'none'"
)
# Browsers show a PDF with a viewer the sandbox would block; a PDF never runs script here.
PDF_POLICY = "default-src 'none'; object-src 'self'; frame-ancestors 'none'"
HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Other sites never learn which page linked them; our own forms keep their Origin
    # (with no-referrer at all, browsers send `Origin: null` and the check below refuses them).
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# File types browsers show or download but never run; anything else (HTML, SVG, XML,
# scripts, unknown types) is served as a download and left out of the published site.
PASSIVE = frozenset(
    "png jpg jpeg gif webp avif bmp ico tif tiff pdf txt csv tsv "
    "mp3 m4a oga ogg opus wav flac mp4 m4v mov ogv webm "
    "zip gz tgz tar 7z epub docx xlsx pptx odt ods odp".split()
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Refuse = Callable[[Request, int, str, str], Response]


def is_passive(path: str) -> bool:
    """Whether a browser could only show or download the file, never run it."""
    return PurePosixPath(path).suffix.lower().removeprefix(".") in PASSIVE


def attachment_headers(path: str) -> dict[str, str]:
    """Headers for a vault file: shown in place when passive, else a download; always sandboxed."""
    if not is_passive(path):
        name = quote(PurePosixPath(path).name)
        return {
            "Content-Security-Policy": ATTACHMENT_POLICY,
            "Content-Disposition": f"attachment; filename*=utf-8''{name}",
        }
    pdf = path.lower().endswith(".pdf")
    return {"Content-Security-Policy": PDF_POLICY if pdf else ATTACHMENT_POLICY}


def is_loopback(bound: str) -> bool:
    """Whether a server bound to `bound` can be reached only from this machine."""
    return bound.strip("[]").lower() in LOOPBACK


def allowed_hosts(bound: str) -> frozenset[str] | None:
    """The host names a browser may use to reach a server bound to `bound`; None: any name."""
    name = bound.strip("[]").lower()
    if name in ANY_ADDRESS:
        return None
    return LOOPBACK if is_loopback(name) else frozenset({name})


def host_name(header: str) -> str:
    """The name in a Host header, without its port ('[::1]:8000' → '::1')."""
    try:
        return urlsplit("//" + header).hostname or ""
    except ValueError:
        return ""


class Guard:
    """Refuses requests a browser was tricked into sending; puts the headers on every response.

    `refuse(request, status, heading, message)` writes the refusal (a page, or JSON for the API).
    """

    def __init__(self, app: ASGIApp, bound: str, refuse: Refuse, max_body: int = MAX_BODY):
        self.app = app
        self.hosts = allowed_hosts(bound)
        self.refuse = refuse
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is None and scope["method"] not in SAFE_METHODS:
            messages = await _read_body(receive, request.headers, self.max_body)
            if messages is None:
                refusal = self.refuse(
                    request,
                    413,
                    "That request is too large",
                    f"This server takes requests of up to {self.max_body // 1024} KB; "
                    "a question is at most 1,000 characters.",
                )
            else:
                receive = _replay(messages, receive)
        if refusal is not None:
            await refusal(scope, receive, send_secured)
            return
        await self.app(scope, receive, send_secured)

    def _refusal(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        if self.hosts is not None and host_name(host) not in self.hosts:
            names = ", ".join(sorted(self.hosts))
            return self.refuse(
                request,
                400,
                "This server does not answer to that name",
                f"It was reached as “{host}”, but it answers only as {names}. "
                "Open the address it printed when it started.",
            )
        origin = request.headers.get("origin")
        if request.method not in SAFE_METHODS and origin and urlsplit(origin).netloc != host:
            source = "a sandboxed page or file" if origin == "null" else origin
            return self.refuse(
                request,
                403,
                "Another site cannot ask here",
                f"This request came from a page of another site ({source}), so it was refused: "
                "only this server's own pages can ask or rewrite. "
                "Open this server's pages and ask from there.",
            )
        return None


async def _read_body(receive: Receive, headers: Headers, limit: int) -> list[Message] | None:
    """The request's body messages, or None when it is larger than `limit` bytes."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > limit:
            return None
        if not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that hands out the body already read, then listens for the client leaving."""

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay
