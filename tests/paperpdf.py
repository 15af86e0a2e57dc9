"""Paper-like PDFs written by the tests themselves (reportlab), so that every clone can test
extraction: one or two columns, words hyphenated at line ends, the arXiv stamp in the margin,
document info, a password. The real papers in ../shared/fixtures/papers add ligatures and the
quirks of real typesetting where that folder exists (`conftest.PAPERS`).

The text is the tests' own: an invented study, written so that quotes can be checked.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

TITLE = "Do Shorter Prompts Reduce Annotation Drift in Synthetic Annotators?"
AUTHORS = ["Ada Lindqvist", "Tomás Ferreira", "Mei Okonkwo"]
ABSTRACT = (
    "Annotation guidelines grow long, and annotators drift from them as a project ages. We "
    "compare short and long prompts for synthetic annotators over twelve labelling rounds. "
    "We find that shorter prompts reduce drift by 18 percent on average, while accuracy "
    "stays within one point of the long prompts."
)
PARAGRAPHS = [
    "Long annotation guidelines are a known burden. Each round adds exceptions, and the "
    "annotators who follow them begin to disagree with their own earlier labels. We call "
    "this disagreement drift and measure it as the share of items relabelled differently "
    "when shown again after four rounds.",
    "We built two prompt families for the same labelling task. The long family restates "
    "every exception; the short family states the rule and two counterexamples. Both were "
    "given to the same synthetic annotators over twelve rounds of incremental guideline "
    "changes, with identical items held out for relabelling.",
    "Drift under the short prompts was 18 percent lower on average across the twelve "
    "rounds. The difference was largest in the final rounds, where the long prompts had "
    "accumulated the most exceptions. Accuracy against the adjudicated gold labels "
    "differed by less than one point between the two families.",
    "We do not claim that short prompts suit every task. Tasks whose exceptions carry the "
    "substance of the label, such as legal categories, lost accuracy when the exceptions "
    "were removed. Our results concern classification tasks with stable core definitions.",
]


def write_paper(
    path: Path,
    *,
    title: str = TITLE,
    authors: list[str] | None = None,
    abstract: str = ABSTRACT,
    paragraphs: list[str] | None = None,
    columns: int = 2,
    stamp: str | None = None,
    info: bool = True,
    encrypt: str | None = None,
    repeat: int = 1,
) -> Path:
    """A paper as a PDF at `path`; `repeat` repeats the body to make it longer."""
    authors = AUTHORS if authors is None else authors
    body = (PARAGRAPHS if paragraphs is None else paragraphs) * repeat
    canvas = Canvas(str(path), pagesize=letter, encrypt=encrypt)
    if info:
        canvas.setTitle(title)
        canvas.setAuthor(", ".join(authors))
    width, height = letter
    if stamp:
        _stamp(canvas, stamp)
    y = height - 90
    for line in _wrap(title, "Times-Bold", 17, width - 144):
        canvas.setFont("Times-Bold", 17)
        canvas.drawCentredString(width / 2, y, line)
        y -= 22
    canvas.setFont("Times-Roman", 11)
    canvas.drawCentredString(width / 2, y - 4, ", ".join(authors))
    y -= 40
    canvas.setFont("Times-Bold", 11)
    canvas.drawCentredString(width / 2, y, "Abstract")
    y -= 16
    for line in _wrap(abstract, "Times-Roman", 10, width - 200):
        canvas.setFont("Times-Roman", 10)
        canvas.drawString(100, y, line)
        y -= 13
    _columns(canvas, body, columns, top=y - 20, stamp=stamp)
    canvas.save()
    return path


def write_pages(path: Path, pages: list[list[str]]) -> Path:
    """A PDF whose page n holds the lines pages[n - 1], one line each: for tests that need
    to know on which page a passage is."""
    canvas = Canvas(str(path), pagesize=letter)
    for lines in pages:
        canvas.setFont("Times-Roman", 11)
        for number, line in enumerate(lines):
            canvas.drawString(72, 720 - 14 * number, line)
        canvas.showPage()
    canvas.save()
    return path


def write_scan(path: Path) -> Path:
    """A page with no text layer: shapes only, as a scanned page has an image."""
    canvas = Canvas(str(path), pagesize=letter)
    for row in range(40):
        canvas.rect(72, 700 - row * 15, 300 + (row * 37) % 150, 8, fill=1, stroke=0)
    canvas.save()
    return path


def _stamp(canvas: Canvas, stamp: str) -> None:
    canvas.saveState()
    canvas.setFillGray(0.5)
    canvas.setFont("Times-Roman", 20)
    canvas.translate(32, 230)
    canvas.rotate(90)
    canvas.drawString(0, 0, stamp)
    canvas.restoreState()


def _columns(canvas: Canvas, paragraphs: list[str], columns: int, top: float, stamp) -> None:
    width, height = letter
    gutter = 24
    col_width = (width - 144 - gutter * (columns - 1)) / columns
    column, y = 0, top
    for paragraph in paragraphs:
        for line in _wrap(paragraph, "Times-Roman", 10, col_width, hyphenate=True):
            if y < 72:
                column += 1
                y = top if column < columns else height - 72
                if column >= columns:
                    canvas.showPage()
                    column = 0
                    top = y
            canvas.setFont("Times-Roman", 10)
            canvas.drawString(72 + column * (col_width + gutter), y, line)
            y -= 12.5
        y -= 6


def _wrap(text: str, font: str, size: float, width: float, hyphenate: bool = False) -> list[str]:
    """Lines that fit `width`; with `hyphenate`, a long word that does not fit is broken
    with a hyphen at the line end, as typesetters break them."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if stringWidth(trial, font, size) <= width:
            line = trial
            continue
        if hyphenate and len(word) >= 8 and "-" not in word:
            for cut in range(len(word) - 3, 2, -1):
                head = f"{line} {word[:cut]}-".strip()
                if stringWidth(head, font, size) <= width:
                    lines.append(head)
                    line = word[cut:]
                    break
            else:
                lines.append(line)
                line = word
            continue
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines
