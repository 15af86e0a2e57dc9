"""BibTeX and BibLaTeX files, as Zotero and Better BibTeX export them, read into papers.

bibtexparser 2 (MIT) resolves `@string` macros and, through pylatexenc, LaTeX accents and
protective braces. Names are split before they are decoded, so `{The Team}` stays one name.
An entry the parser cannot read is reported with its line; the rest of the file goes on.
"""

from __future__ import annotations

import contextlib
import logging
import re
import unicodedata
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares
from pylatexenc.latex2text import LatexNodes2Text

from ..parse import Problem
from .paper import Paper, clean_arxiv, clean_doi

logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # failures are reported per entry

_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
_VENUE_FIELDS = ("journaltitle", "journal", "booktitle", "eventtitle", "publisher", "howpublished")


def read_bibtex(path: Path) -> tuple[list[Paper], list[Problem]]:
    """Every entry of a .bib file as a Paper, and a problem for each entry that failed."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    library = bibtexparser.parse_string(
        text,
        parse_stack=[
            _Concatenate(),
            middlewares.ResolveStringReferencesMiddleware(),
            middlewares.RemoveEnclosingMiddleware(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    papers = [_paper(path, entry) for entry in library.entries]
    problems = [
        Problem(
            str(path),
            block.start_line + 1,
            "error",
            "bibtex",
            f"this entry could not be read ({_first_line(block.error)}); the others were",
        )
        for block in library.failed_blocks
    ]
    return papers, problems


class _Concatenate(middlewares.LibraryMiddleware):
    """`{Proceedings of the } # acl`: BibTeX's `#` joins strings and macros. bibtexparser 2
    resolves a macro only when it is a field's whole value, so the parts are joined here."""

    @classmethod
    def metadata_key(cls) -> str:
        return "inquiring-concatenate"

    def transform(self, library: bibtexparser.Library) -> bibtexparser.Library:
        macros = {k.lower(): _unenclosed(s.value) for k, s in library.strings_dict.items()}
        for entry in library.entries:
            for f in entry.fields:
                parts = _top_level_parts(f.value) if isinstance(f.value, str) else []
                if len(parts) > 1:
                    joined = "".join(macros.get(p.lower(), _unenclosed(p)) for p in parts)
                    f.value = "{" + joined + "}"
        return library


def _top_level_parts(value: str) -> list[str]:
    """The parts of `a # {b} # "c"` split at the `#`s outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:i].strip())
            start = i + 1
    return [*parts, value[start:].strip()]


def _unenclosed(value: str) -> str:
    value = str(value).strip()
    if len(value) >= 2 and (value[0], value[-1]) in (("{", "}"), ('"', '"')):
        return value[1:-1]
    return value


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else "a syntax error, such as a missing brace, quote or comma"


def _paper(path: Path, entry: bibtexparser.model.Entry) -> Paper:
    values = {key.lower(): f.value for key, f in entry.fields_dict.items()}

    def get(name: str) -> str:
        value = values.get(name, "")
        return _decode(value) if isinstance(value, str) else ""

    arxiv = ""
    if get("eprinttype").lower() == "arxiv" or get("archiveprefix").lower() == "arxiv":
        arxiv = clean_arxiv(get("eprint"))
    arxiv = arxiv or clean_arxiv(get("doi")) or clean_arxiv(get("url"))
    doi = clean_doi(get("doi"))
    names = values.get("author") or values.get("editor") or []
    return Paper(
        origin=f"{path.name}:{entry.start_line + 1}",
        key=entry.key.strip(),
        arxiv=arxiv,
        doi=doi,
        title=get("title"),
        authors=[_name(n) for n in names] if isinstance(names, list) else [],
        published=_date(get("date"), get("year"), get("month")),
        venue=next((get(v) for v in _VENUE_FIELDS if get(v)), ""),
        url=get("url"),
        abstract=get("abstract"),
        file_hint=_pdf_in(values.get("file", "")),
    )


# The LaTeX that bibliographies hold is mostly accents and a few letters: decoded here, as
# combining marks, because pylatexenc takes a millisecond or two a field and a 1,000-entry
# export has thousands. Anything else (math, other macros) still goes to pylatexenc.
_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a",
}  # fmt: skip
_LETTERS = {
    "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "\u0131", "j": "\u0237",
}  # fmt: skip
_ACCENT = re.compile(
    r"\\([\"'`^~=.]|[uvHckr](?![A-Za-z]))\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"
)
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])\s*(?:\{\})?")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_STYLE = re.compile(r"\\(?:emph|textit|textbf|textsc|textrm|texttt|mkbibquote|url)\s*(?=\{)")
_DASHES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"))


def _decode(value: str) -> str:
    """LaTeX to plain text: accents to letters, braces and \\emph{} gone, one space."""
    text = _STYLE.sub("", value)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _ACCENT.sub(_accented, text)
    text = _ESCAPED.sub(lambda m: "\x00" + m.group(1), text)  # kept through brace removal
    for latex, char in _DASHES:
        text = text.replace(latex, char)
    if "\\" in text or "$" in text:
        with contextlib.suppress(Exception):  # pylatexenc gives up on some malformed input
            text = _LATEX.latex_to_text(text.replace("\x00", "\\"))
    text = text.replace("{", "").replace("}", "").replace("\x00", "").replace("~", " ")
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text)).strip()


def _accented(match: re.Match[str]) -> str:
    letter = match.group(2) or match.group(3)
    base = {"\\i": "i", "\\j": "j"}.get(letter, letter)
    return base + _ACCENTS[match.group(1)]


def _name(parts: middlewares.NameParts) -> str:
    """'First von Last, Jr.' with LaTeX decoded, as a source page lists authors."""
    words = [*parts.first, *parts.von, *parts.last]
    name = _decode(" ".join(words))
    if parts.jr:
        name += ", " + _decode(" ".join(parts.jr))
    return name


_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def _date(date: str, year: str, month: str) -> str:
    """BibLaTeX's `date`, else `year` (and `month`), as YYYY[-MM[-DD]]."""
    found = re.match(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", date.strip())
    if found:
        return found.group(0)
    year_found = re.search(r"\d{4}", year)
    if not year_found:
        return ""
    month = month.strip().lower()[:3]
    if month.isdigit() and 1 <= int(month) <= 12:
        return f"{year_found.group(0)}-{int(month):02d}"
    if month in _MONTHS:
        return f"{year_found.group(0)}-{_MONTHS.index(month) + 1:02d}"
    return year_found.group(0)


def _pdf_in(field: str) -> str:
    """The PDF's path in Zotero's `file` field ('Full Text:/x/paper.pdf:application/pdf',
    or Better BibTeX's plain path; several files separated by ';')."""
    for item in str(field).split(";"):
        for part in re.split(r":(?![\\/])", item):
            if part.strip().lower().endswith(".pdf"):
                return part.strip()
    return ""
