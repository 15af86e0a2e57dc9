"""Reading one file: front matter, titles, summaries and every link form."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from inquiring.parse import parse_document


def links(text: str) -> list[tuple]:
    doc = parse_document(text, "notes/a.md")
    return [(lk.target, lk.fragment, lk.text, lk.line, lk.embed, lk.style) for lk in doc.links]


def test_front_matter_fields_are_read_and_typed():
    doc = parse_document(
        "---\ntitle: Does X scale?\ndek: Short.\nsummary: Long one.\ndate: 2024-03-12\n"
        "collection: Training\ncategories: [A, B]\nhubs: h1\nsources:\n  - arxiv:2310.12962\n"
        "aliases: [X scaling]\n---\nBody text.\n",
        "notes/x.md",
    )
    assert doc.title == "Does X scale?"
    assert doc.title_source == "front matter"
    assert (doc.dek, doc.summary) == ("Short.", "Long one.")
    assert doc.meta["date"] == "2024-03-12"
    assert doc.meta["categories"] == ["A", "B"]
    assert doc.meta["hubs"] == ["h1"]
    assert doc.meta["sources"] == ["arxiv:2310.12962"]
    assert doc.body_line == 13
    assert doc.meta_lines["sources"] == 9
    assert doc.problems == []


def test_title_falls_back_to_opening_heading_then_file_name():
    assert parse_document("\n# The Heading\nintro\n", "n/a.md").title == "The Heading"
    commented = parse_document("<!-- omit in toc -->\n\n# Recipes\n", "n/recipes.md")
    assert (commented.title, commented.title_source) == ("Recipes", "heading")
    # A note titled by its file name that starts with its text (econ-zettel's notes do).
    zettel = parse_document(
        "People rise to their level of incompetence.\n# Examples\n- a developer\n",
        "Peter Principle.md",
    )
    assert (zettel.title, zettel.title_source) == ("Peter Principle", "file name")
    heading = parse_document("```\n# not a heading\n```\n", "notes/my note.md")
    assert (heading.title, heading.title_source) == ("my note", "file name")


def test_summary_falls_back_to_dek_then_first_paragraph():
    assert parse_document("---\ndek: The dek.\n---\nPara.\n", "a.md").summary == "The dek."
    doc = parse_document("# T\n\nFirst **bold** [[x|linked]] para\ncontinues.\n\nSecond.\n", "a.md")
    assert doc.summary == "First bold linked para continues."


# The start of a computer-vision paper note (patrick-llgc/Learning-Deep-Learning, centerfusion.md)
CENTERFUSION = """# [CenterFusion: Center-based Radar and Camera Fusion for 3D Object Detection](https://arxiv.org/abs/2011.04841)

_November 2020_

tl;dr: Early fusion of camera and radar based on [CenterTrack](centertrack.md).

#### Overall impression
This is one of the best paper on the topic of camera and radar fusion up till 2020Q4.
"""


def test_summary_is_the_notes_tldr_line_never_its_date_line():
    assert parse_document(CENTERFUSION, "centerfusion.md").summary == (
        "Early fusion of camera and radar based on CenterTrack."
    )
    no_tldr = "\n".join(line for line in CENTERFUSION.split("\n") if "tl;dr" not in line)
    assert parse_document(no_tldr, "centerfusion.md").summary == (
        "This is one of the best paper on the topic of camera and radar fusion up till 2020Q4."
    )


def test_summary_is_the_notes_summary_section():
    # papers-i-read: 2020-09-28-A Foliated View of Transfer Learning.md
    text = (
        "## Introduction\n\n* The paper presents a formalism for transfer learning.\n\n"
        "* [Link to the paper](https://arxiv.org/abs/2008.00546)\n\n\n## Summary\n\n"
        "* The term *representation* denotes a mechanism for *describing* and *realizing* "
        "abstract objects.\n"
    )
    assert parse_document(text, "foliated.md").summary == (
        "The term representation denotes a mechanism for describing and realizing abstract objects."
    )


# papers-i-read: 2018-08-16-Hierarchical Graph Representation Learning with Differentiable
# Pooling.md (MIT), its opening and key idea: the first bullet is background, the second the
# paper's point.
DIFFPOOL = """## Introduction

* Most existing GNN (Graph Neural Network) methods are inherently flat and are unable to \
process the information in a hierarchical manner.

* The paper proposes a differentiable graph pooling operation, DIFFPOOL, that can generate \
hierarchical graph representations and can be easily plugged into many GNN architectures.

* [Link to the paper](https://arxiv.org/abs/1806.08804)

## Key Idea

* CNNs have spatial pooling operation that allows for deep CNN architectures to operate on \
coarse graph representations of input images.

* This notion cannot be applied as-is to graphs as they do not have a natural notion of \
spatial locality like images do.

* DIFFPOOL attempts to resolve this problem by learning a differentiable soft-assignment at \
each layer which is equivalent to pooling the cluster of nodes to obtain a sparse \
representation.
"""


def test_a_note_that_opens_with_a_list_is_summed_up_by_its_central_sentences():
    doc = parse_document(
        "---\ntitle: Hierarchical Graph Representation Learning with Differentiable Pooling\n"
        "---\n" + DIFFPOOL,
        "diffpool.md",
    )
    assert doc.summary == (
        "Most existing GNN (Graph Neural Network) methods are inherently flat and are unable "
        "to process the information in a hierarchical manner. The paper proposes a "
        "differentiable graph pooling operation, DIFFPOOL, that can generate hierarchical graph "
        "representations and can be easily plugged into many GNN architectures."
    )
    # A note whose first paragraph is prose keeps it (econ-zettel: Rational Self Interest.md).
    prose = "Whatever you think is best for you, you should do it.\n\n" + DIFFPOOL
    assert parse_document(prose, "Rational Self Interest.md").summary == (
        "Whatever you think is best for you, you should do it."
    )


def test_a_metadata_line_is_never_the_summary():
    aurora = (Path(__file__).parent.parent / "examples/systems-reading-notes/aurora.md").read_text()
    assert parse_document(aurora, "aurora.md").summary.startswith(
        "Thesis: in the cloud the bottleneck is network I/O, not CPU or disk."
    )
    for line in (
        "Authors: Ying, You, Morris, Ren, Hamilton, Leskovec",
        "Paper: [link](x.pdf)",
        "Year: 2018",
        "**Tags**: graphs, pooling",
        "Conference NeurIPS 2018",
    ):
        doc = parse_document(f"{line}\n\nDIFFPOOL learns a soft assignment of nodes.\n", "a.md")
        assert doc.summary == "DIFFPOOL learns a soft assignment of nodes.", line
    # A sentence that opens with one of those words is prose.
    assert parse_document("Code is data.\n\n* A list.\n", "lisp.md").summary == "Code is data."


def test_malformed_yaml_is_reported_with_its_line_and_the_body_still_read():
    doc = parse_document("---\ntitle: ok\ndek: [unclosed\nfoo: bar\n---\nSee [[b]].\n", "a.md")
    assert [p.code for p in doc.problems] == ["front-matter-yaml"]
    assert doc.problems[0].line in (3, 4, 5)
    assert doc.problems[0].severity == "error"
    assert links("---\n: : :\n---\n") == []
    assert [lk.target for lk in doc.links] == ["b"]
    assert doc.links[0].line == 6


def test_unclosed_and_non_mapping_front_matter():
    unclosed = parse_document("---\ntitle: x\n\nbody [[a]]\n", "a.md")
    assert [p.code for p in unclosed.problems] == ["front-matter-unclosed"]
    scalar = parse_document("---\n- a\n- b\n---\ntext\n", "a.md")
    assert [p.code for p in scalar.problems] == ["front-matter-shape"]
    wrong_type = parse_document("---\ntitle: [a, b]\ncategories: {a: 1}\n---\n", "a.md")
    assert [(p.code, p.line) for p in wrong_type.problems] == [
        ("front-matter-type", 2),
        ("front-matter-type", 3),
    ]


def test_every_link_form():
    text = (
        "[[Target]] and [[Target|Shown]] and [[Target#Heading]] and [[Target#^block1]]\n"
        "![[image.png]] then [text](other.md) and [spaced](<my note.md>) "
        "and [enc](my%20note.md#Part) and ![alt](img/a.png)\n"
        "external [x](https://example.org) and [mail](mailto:a@b.c) are not vault links\n"
        "[[#Local heading]]\n"
    )
    assert links(text) == [
        ("Target", "", "", 1, False, "wiki"),
        ("Target", "", "Shown", 1, False, "wiki"),
        ("Target", "Heading", "", 1, False, "wiki"),
        ("Target", "^block1", "", 1, False, "wiki"),
        ("image.png", "", "", 2, True, "wiki"),
        ("other.md", "", "text", 2, False, "markdown"),
        ("my note.md", "", "spaced", 2, False, "markdown"),
        ("my note.md", "Part", "enc", 2, False, "markdown"),
        ("img/a.png", "", "alt", 2, True, "markdown"),
        ("", "Local heading", "", 4, False, "wiki"),
    ]


def test_links_in_code_are_not_links():
    text = (
        "real [[one]] and `[[in span]]` and ``a `[[double]]` b``\n"
        "```md\n[[fenced]]\n```\n"
        "~~~\n[[tilde]]\n```\nstill fenced [[x]]\n~~~\n"
        "    \n"
        "after [[two]] and an unclosed ` tick [[three]]\n"
    )
    assert [t for t, *_ in links(text)] == ["one", "two", "three"]


def test_escaped_pipe_in_a_table_cell_is_the_alias_separator():
    text = "| a | b |\n|---|---|\n| [[Note A\\|shown a]] | x |\n"
    assert links(text) == [("Note A", "", "shown a", 3, False, "wiki")]


def test_link_line_numbers_count_front_matter():
    doc = parse_document("---\ntitle: t\n---\n\n\n[[x]]\n", "a.md")
    assert doc.links[0].line == 6


def test_sections_are_recorded_for_hub_listings():
    doc = parse_document("# Hub\n\n## First\n- [[a]]\n## Second\n- [[b]]\n", "hubs/h.md")
    assert doc.sections == [("First", 3), ("Second", 5)]
    assert [(lk.target, lk.section) for lk in doc.links] == [("a", "First"), ("b", "Second")]


def test_windows_line_endings_and_bom():
    doc = parse_document("\ufeff---\r\ntitle: T\r\n---\r\n[[a]]\r\n", "a.md")
    assert doc.title == "T"
    assert [(lk.target, lk.line) for lk in doc.links] == [("a", 4)]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes_the_parser(text: str):
    doc = parse_document(text, "notes/any.md")
    assert isinstance(doc.title, str) and doc.title
    assert all(link.line >= 1 for link in doc.links)


MARKDOWNISH = st.text(alphabet=st.sampled_from(list("[]()!#|`~-:\\ \n\tabc<>*_\"'^%/.")))


@settings(max_examples=500, deadline=None)
@given(MARKDOWNISH)
def test_markdown_punctuation_soup_never_crashes_the_parser(text: str):
    doc = parse_document("---\n" + text, "n.md")
    lines = text.count("\n") + 3
    assert all(1 <= link.line <= lines for link in doc.links)
