"""A small concept map of a note's neighbourhood, drawn as SVG on the server (no script)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 300
CENTRE = (WIDTH / 2, HEIGHT / 2)
RING, OUTER = 100, 138
MAX_NEIGHBOURS = 10
MAX_SECOND = 3  # second-hop dots drawn per neighbour


@dataclass(frozen=True)
class MapNode:
    title: str
    href: str
    relation: str  # "linked" or "near" (semantically close, no link)
    second: int = 0  # notes linked to this one but not to the centre


def concept_map(title: str, nodes: list[MapNode]) -> str:
    """The centre note, its neighbours on a ring, and their own links as dots beyond."""
    nodes = nodes[:MAX_NEIGHBOURS]
    cx, cy = CENTRE
    edges, dots, marks = [], [], []
    for i, node in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(nodes), 1)
        x, y = cx + RING * math.cos(angle), cy + RING * math.sin(angle)
        dash = ' stroke-dasharray="3 3"' if node.relation == "near" else ""
        edges.append(f'<line x1="{cx:.0f}" y1="{cy:.0f}" x2="{x:.0f}" y2="{y:.0f}"{dash}/>')
        for j in range(min(node.second, MAX_SECOND)):
            spread = (j - (min(node.second, MAX_SECOND) - 1) / 2) * 0.16
            ox = cx + OUTER * math.cos(angle + spread)
            oy = cy + OUTER * math.sin(angle + spread)
            dots.append(
                f'<line class="far" x1="{x:.0f}" y1="{y:.0f}" x2="{ox:.0f}" y2="{oy:.0f}"/>'
                f'<circle class="far" cx="{ox:.0f}" cy="{oy:.0f}" r="2.5"/>'
            )
        anchor = "middle" if abs(x - cx) < 10 else ("start" if x > cx else "end")
        lx = x + (10 if anchor == "start" else -10 if anchor == "end" else 0)
        ly = y + (4 if anchor != "middle" else (-11 if y < cy else 19))
        marks.append(
            f'<a href="{escape(node.href)}" class="{node.relation}">'
            f"<title>{escape(node.title)}</title>"
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="6"/>'
            f'<text x="{lx:.0f}" y="{ly:.0f}" text-anchor="{anchor}">'
            f"{escape(_short(node.title))}</text></a>"
        )
    centre = (
        f'<g class="centre"><title>{escape(title)}</title>'
        f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="10"/></g>'
    )
    return (
        f'<svg class="concept-map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Concept map of the notes around {escape(title)}">'
        f'<g class="edges">{"".join(edges)}</g><g class="second">{"".join(dots)}</g>'
        f"{centre}{''.join(marks)}</svg>"
    )


def _short(title: str, limit: int = 30) -> str:
    title = title.rstrip("?")
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + "…"
