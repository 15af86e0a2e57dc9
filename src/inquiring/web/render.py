"""Pages → HTML through the Jinja2 templates, the same for the live server and the static site."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from ..search import COVERAGE_TEXT
from .pages import Page
from .security import SITE_POLICY
from .urls import href, prefix_for


class Renderer:
    """`live` pages ask and search on the server; static ones search in the browser."""

    def __init__(self, site_title: str, live: bool, footer: str = "") -> None:
        """`footer` is safe HTML (the vault's own footer line), else the default line is shown."""
        self.env = Environment(
            loader=PackageLoader("inquiring.web", "templates"),
            autoescape=select_autoescape(["html", "xml"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(
            site_title=site_title,
            live=live,
            coverage_text=COVERAGE_TEXT,
            site_policy=SITE_POLICY,
            footer=footer,
        )

    def render(self, page: Page) -> str:
        prefix = prefix_for(page.page)
        return self.env.get_template(page.template).render(
            page.context,
            page=page.page,
            prefix=prefix,
            url=lambda target: href(prefix, target),
        )
