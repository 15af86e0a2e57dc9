"""inquiring: ask a vault of research notes a question; get an honest, fully cited answer.

`inquiring.open(path)` is the front door (docs/api.md). Names load on first use, so that
`import inquiring` (and every CLI command) starts in the time its own work takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Hub, Line, Note, OpenVault, OutsideVault, Refreshed, open
    from .ask import Answer
    from .errors import InquiringError, NotFound
    from .lines import Staleness
    from .search import Hit, SearchResult

__all__ = [
    "Answer",
    "Hit",
    "Hub",
    "InquiringError",
    "Line",
    "NotFound",
    "Note",
    "OpenVault",
    "OutsideVault",
    "Refreshed",
    "SearchResult",
    "Staleness",
    "__version__",
    "open",
]

_HOMES = {
    "open": "api",
    "OpenVault": "api",
    "Note": "api",
    "Line": "api",
    "Hub": "api",
    "Refreshed": "api",
    "OutsideVault": "api",
    "Answer": "ask",
    "InquiringError": "errors",
    "NotFound": "errors",
    "Staleness": "lines",
    "Hit": "search",
    "SearchResult": "search",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("inquiring")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module 'inquiring' has no attribute {name!r}")
