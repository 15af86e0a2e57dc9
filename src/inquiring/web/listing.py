"""The list of every note and its filters: category, collection, tag and year.

Each note's values are worked out once per state of the index, so a filtered page, on the
server or in a site build, is one pass over the notes. Values are matched by their `slug`,
which is also how they appear in addresses, so any spelling of a tag or category finds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..index import DocRow, tag_and_parents
from .urls import slug

FACETS = {"category": "Category", "collection": "Collection", "tag": "Tag", "year": "Year"}
_YEAR = re.compile(r"\d{4}")

Target = Callable[[str, str], str]  # (facet, value) → the address of the notes with it


@dataclass(frozen=True)
class Option:
    """One value of a facet, with how many notes have it and where they are listed."""

    value: str
    label: str
    count: int
    target: str


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    chosen: str
    options: list[Option]


class Catalogue:
    """Every note, sorted by title, and for each facet value the notes that have it."""

    def __init__(self, rows: Iterable[DocRow]) -> None:
        notes = [r for r in rows if r.kind == "note"]
        self.notes = sorted(notes, key=lambda r: (r.title.casefold(), r.path))
        self.labels: dict[str, dict[str, str]] = {name: {} for name in FACETS}
        # facet → value → positions in `notes`: a filter is an intersection of sets.
        self.postings: dict[str, dict[str, set[int]]] = {name: {} for name in FACETS}
        for i, row in enumerate(self.notes):
            spelt = {
                "category": row.categories,
                "collection": [row.collection] if row.collection else [],
                "tag": [t for tag in row.tags for t in tag_and_parents(tag)],
                "year": [row.date[:4]] if _YEAR.fullmatch(row.date[:4]) else [],
            }
            for name, values in spelt.items():
                for value in values:
                    if found := key(name, value):
                        self.postings[name].setdefault(found, set()).add(i)
                        self.labels[name].setdefault(found, value)

    def label(self, facet: str, value: str) -> str:
        """How a value is shown: as first written in the vault ('#' before a tag)."""
        label = self.labels[facet].get(value, value)
        return "#" + label.lstrip("#") if facet == "tag" else label

    def _positions(self, chosen: dict[str, str], skip: str = "") -> set[int] | None:
        """Where the notes with every chosen value (but the `skip` facet's) are; None: all."""
        sets = [
            self.postings[name].get(value, set())
            for name, value in chosen.items()
            if value and name != skip
        ]
        return set.intersection(*sorted(sets, key=len)) if sets else None

    def matching(self, chosen: dict[str, str]) -> list[DocRow]:
        """The notes with every chosen value, by title."""
        found = self._positions(chosen)
        return self.notes if found is None else [self.notes[i] for i in sorted(found)]

    def facets(self, chosen: dict[str, str], target: Target) -> list[Facet]:
        """Each facet's values, counted among the notes the other chosen values leave."""
        facets = []
        for name, label in FACETS.items():
            among = self._positions(chosen, skip=name)
            counts = {
                value: len(where) if among is None else len(where & among)
                for value, where in self.postings[name].items()
            }
            current = chosen.get(name, "")
            shown = [v for v, n in counts.items() if n or v == current]
            if current and current not in counts:
                counts[current] = 0
                shown.append(current)
            order = sorted(shown, key=lambda v: self.label(name, v).casefold())
            if name == "year":
                order.reverse()
            options = [Option(v, self.label(name, v), counts[v], target(name, v)) for v in order]
            facets.append(Facet(name, label, current, options))
        return facets

    def narrower(self, tag: str) -> dict[str, int]:
        """The tags nested under `tag` (one level down), with how many notes have each."""
        depth = tag.count("/") + 1
        return {
            value: len(where)
            for value, where in self.postings["tag"].items()
            if value.startswith(tag + "/") and value.count("/") == depth
        }


def key(facet: str, value: str) -> str:
    """How a value is matched and addressed: its slug; only tags keep their nesting."""
    found = slug(value)
    return found if facet == "tag" else found.replace("/", "-")
