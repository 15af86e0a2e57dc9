"""`inquiring site build OUT`: the vault as static files to publish anywhere or open from disk.

The same templates as the live server, with relative links throughout, so the folder works
under any sub-path and from `file://`. Search runs in the browser over a prebuilt index that
is loaded as a script (browsers refuse `fetch` from `file://`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .errors import InquiringError
from .web.pages import Page, Pages
from .web.render import Renderer
from .web.security import is_passive
from .web.urls import ALL_NOTES, file_url, page_for

MARKER = ".inquiring-site"  # says a folder was built here, so a rebuild may replace it
TEMP_NAME = r"\.{name}-[a-z0-9_]{{8}}"  # tempfile.mkdtemp's names for a build beside OUT
SEARCH_TEXT = 320  # characters of each summary kept in the browser's search index


@dataclass
class SiteReport:
    pages: int
    files: int
    seconds: float
    withheld: list[str] = field(default_factory=list)  # attachments a browser could run


def build_site(
    pages: Pages,
    out: Path,
    base_url: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> SiteReport:
    """Render every page into `out`, replacing an earlier build there but nothing else.

    Attachments a browser could run (HTML, SVG, scripts…) are left out: on a static host
    they would run on the site's origin. SVG images that notes show are put in their pages.
    """
    started = dt.datetime.now()
    out = out.resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise InquiringError(
            f"{out} already holds files that inquiring did not build; "
            "choose an empty or new folder so nothing of yours is overwritten"
        )
    if pages.index.vault.root.resolve() in (out, *out.parents):
        raise InquiringError(f"{out} is inside the vault; build the site outside it")
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    if not pages.published:
        pages = Pages(pages.searcher, pages.title, published=True, footer=pages.footer)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        (work / MARKER).write_text("Built by `inquiring site build`; safe to delete.\n")
        with pages.reading():  # one state of the index, whatever is written meanwhile
            count, files, withheld = _render_all(pages, work, base_url, progress)
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return SiteReport(count, files, (dt.datetime.now() - started).total_seconds(), withheld)


def _remove_leftovers(out: Path) -> None:
    """Delete the temporary folders of earlier builds of `out` that were killed halfway."""
    name = re.compile(TEMP_NAME.format(name=re.escape(out.name)))
    for entry in out.parent.iterdir():
        if not name.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        if (entry / MARKER).is_file() or not any(entry.iterdir()):
            shutil.rmtree(entry, ignore_errors=True)


def _render_all(
    pages: Pages, out: Path, base_url: str, progress: Callable[[int, int], None] | None
) -> tuple[int, int, list[str]]:
    renderer = Renderer(pages.title, live=False, footer=pages.footer_html)

    def write(page: Page) -> None:
        target = out / page.page
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(renderer.render(page), encoding="utf-8")

    paths = pages.paths()
    pages.prepare_all()
    write(pages.home())
    write(Page("search.html", "search.html", {"query": "", "hits": []}))
    write(Page("error.html", "404.html", {"heading": "Not in this vault", "message": _GONE}))
    listings = pages.listings()
    for listing in listings:
        write(listing)
    for i, path in enumerate(paths, start=1):
        write(pages.document(path))
        if progress:
            progress(i, len(paths))
    shutil.copytree(Path(str(resources.files("inquiring.web") / "static")), out / "static")
    linked = [(p, f) for p in sorted(pages.attachments) if (f := pages.attachment(p))]
    attachments = [(p, f) for p, f in linked if is_passive(p)]
    for path, source in attachments:
        target = out / file_url(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    (out / "search-index.js").write_text(search_index(pages), encoding="utf-8")
    (out / "feed.xml").write_text(atom_feed(pages, base_url), encoding="utf-8")
    (out / "sitemap.xml").write_text(sitemap(pages, base_url), encoding="utf-8")
    withheld = [p for p, _ in linked if not is_passive(p)]
    return len(paths) + len(listings) + 3, len(attachments), withheld


_GONE = "There is no page at this address. It may have been renamed or removed from the vault."


def search_index(pages: Pages) -> str:
    """Every document's page, title, dek and the start of its summary, as a script; a draft
    note is marked (`"x": 1`) so its result shows the Draft chip."""
    entries = [
        {
            "p": page_for(r.path),
            "t": r.title,
            "d": r.dek,
            "k": r.kind,
            "s": r.summary[:SEARCH_TEXT] if r.summary != r.dek else "",
            "c": r.categories,
            **({"x": 1} if r.draft else {}),
        }
        for r in (pages.rows[p] for p in pages.paths())
    ]
    data = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.INQUIRING_SEARCH = {data};\n"


def atom_feed(pages: Pages, base_url: str = "") -> str:
    """An Atom feed of the newest inquiring lines and notes."""
    base = base_url.rstrip("/") + "/" if base_url else ""
    entries = pages.feed_entries()
    updated = _stamp(entries[0].date) if entries else _stamp("")
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(pages.title)}: new lines and notes</title>",
        f"<id>{escape(base or 'urn:inquiring:' + pages.title)}</id>",
        f"<updated>{updated}</updated>",
        f'<link rel="alternate" href={quoteattr(base + "index.html")}/>',
    ]
    for row in entries:
        page = page_for(row.path)
        label = "Inquiring line" if row.kind == "line" else "Note"
        parts += [
            "<entry>",
            f"<title>{escape(f'{label}: {row.title}')}</title>",
            f"<id>{escape(base + page if base else 'urn:inquiring:' + row.path)}</id>",
            f'<link rel="alternate" href={quoteattr(base + page)}/>',
            f"<updated>{_stamp(row.date)}</updated>",
            "<author><name>inquiring</name></author>",
            f"<summary>{escape(row.snippet)}</summary>",
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"


def sitemap(pages: Pages, base_url: str = "") -> str:
    """Every page; with `base_url` the addresses are absolute, as search engines want."""
    base = base_url.rstrip("/") + "/" if base_url else ""
    locs = ["index.html", "search.html", ALL_NOTES] + [page_for(p) for p in pages.paths()]
    body = "".join(f"<url><loc>{escape(base + loc)}</loc></url>\n" for loc in locs)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}</urlset>\n"
    )


def _stamp(date: str) -> str:
    """A front matter date as an RFC 3339 time, as Atom requires."""
    try:
        when = dt.datetime.fromisoformat(date[:19]) if date else None
    except ValueError:
        when = None
    when = when or dt.datetime(1970, 1, 1)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.isoformat().replace("+00:00", "Z")
