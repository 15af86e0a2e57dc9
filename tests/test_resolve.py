"""Link resolution: relative path, then file name, then title, then alias, case-insensitively."""

from __future__ import annotations

from inquiring.parse import Link
from inquiring.vault import Resolver, Target

TARGETS = [
    Target("notes/alpha.md", "Is alpha first?", ("The Alpha",)),
    Target("notes/sub/beta.md", "Beta", ()),
    Target("archive/beta.md", "Old beta", ()),
    Target("notes/Émile Zola.md", "Zola", ()),
    Target("sources/arxiv-2310.12962.md", "EFT paper", (), "arxiv:2310.12962"),
    Target("img/Figure 1.PNG"),
    Target("alpha"),  # an extension-less attachment named like a note
]


def resolve(target: str, from_path: str = "notes/x.md", style: str = "wiki") -> str | None:
    return Resolver(TARGETS).resolve(Link(target, "", "", 1, False, style), from_path)


def test_path_from_vault_root_with_or_without_extension():
    assert resolve("notes/alpha") == "notes/alpha.md"
    assert resolve("NOTES/ALPHA.MD") == "notes/alpha.md"
    assert resolve("/notes/sub/beta") == "notes/sub/beta.md"


def test_path_relative_to_the_linking_file():
    assert resolve("sub/beta.md", "notes/x.md", "markdown") == "notes/sub/beta.md"
    assert resolve("../archive/beta.md", "notes/x.md", "markdown") == "archive/beta.md"
    assert resolve("../../outside.md", "notes/x.md", "markdown") is None


def test_file_name_then_title_then_alias():
    assert resolve("beta") == "archive/beta.md"  # ambiguous name: shortest path wins, always
    assert resolve("is ALPHA first?") == "notes/alpha.md"
    assert resolve("the alpha") == "notes/alpha.md"
    assert resolve("émile zola") == "notes/Émile Zola.md"
    assert resolve("ZOLA") == "notes/Émile Zola.md"


def test_path_beats_name_beats_title():
    targets = [Target("a/x.md", "y"), Target("b/y.md", "x")]
    resolver = Resolver(targets)
    assert resolver.resolve(Link("x", "", "", 1, False, "wiki"), "n.md") == "a/x.md"
    assert resolver.resolve(Link("b/y", "", "", 1, False, "wiki"), "n.md") == "b/y.md"


def test_attachments_and_sources():
    assert resolve("Figure 1.png") == "img/Figure 1.PNG"
    assert resolve("img/figure 1.png", style="markdown") == "img/Figure 1.PNG"
    assert resolve("arxiv:2310.12962", style="source") == "sources/arxiv-2310.12962.md"
    assert resolve("missing note") is None


def test_fragment_only_link_points_at_its_own_file():
    assert resolve("", "notes/x.md") == "notes/x.md"
