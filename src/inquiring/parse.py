"""One Markdown file's text → a parsed document: front matter, title, summary, links.

Pure text in, data out: no file system, no index. Every problem found is returned with the
line it is on rather than raised, so one broken note never stops a vault from indexing.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .text import (
    CALLOUT,
    LEANS_BACK,
    MDLINK,
    WIKILINK,
    plain,
    sentences_of,
    tags_in,
    wikilink_parts,
)
from .words import content_words, vocabulary_key

LIST_FIELDS = ("categories", "hubs", "sources", "aliases", "tags")
TEXT_FIELDS = tuple("title dek summary collection id type question description status".split())

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
# A summary the note-taker wrote in the body: "tl;dr: …", "**Summary**: …", or a section.
_SUMMARY_WORD = r"(?:tl;?\s?dr|summary|abstract)"
_SUMMARY_LINE = re.compile(
    rf"^[\s>*+-]*(?:\*\*|__)?{_SUMMARY_WORD}(?:\*\*|__)?\s*[:\u2013\u2014-]+\s*(\S.*)$", re.I
)
_SUMMARY_HEADING = re.compile(rf"^ {{0,3}}#{{1,6}}\s*{_SUMMARY_WORD}\s*:?\s*#*\s*$", re.I)
SUMMARY_LINES = 200  # a written summary is looked for this far into the body
# A line that only dates the note ("_October 2020_", "2020-10-05", "Date: …") says nothing.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_LINE = re.compile(
    rf"^(?:{_MONTH}\s+(?:\d{{1,2}},?\s+)?\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|"
    r"\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|(?:date|created|updated|modified)\s*:.*)$",
    re.I,
)
# A line that only describes the paper ("Authors: …", "Paper: link", "Year: 2020", "Tags: …",
# "Conference ICLR 2019") says nothing of what it found: a label and a colon, or a label and a
# few words with no full stop.
_METADATA_LABEL = (
    r"(?:authors?|paper|year|tags?|keywords|conference|venue|journal|published|publication|"
    r"links?|code|url|pdf|arxiv|doi|source|citation|status)"
)
_METADATA_LINE = re.compile(
    rf"^{_METADATA_LABEL}\s*:.*$|^{_METADATA_LABEL}(?:\s+[^\s.!?]+){{0,5}}$", re.I
)
# Without a written summary, a note opening with a list is summed up by its most central
# sentences: these many, chosen among its first CENTRAL_CANDIDATES sentences of 8 to 60 words,
# when it has at least MIN_CANDIDATES (a list of short items is better shown as it is).
SUMMARY_SENTENCES = 2
CENTRAL_CANDIDATES = 60
MIN_CANDIDATES = 3
# How much being early in the note counts (first sentence 1, falling to 0 at the
# POSITION_SPAN-th) beside the mean word overlap with the other sentences and the overlap with
# the title (each 0 to 1). Notes state their point near the top; these values were judged by
# reading the choices on papers-i-read and systems-reading-notes, where a weaker pull picked
# short method details full of the note's common words over the paper's claim.
POSITION_WEIGHT = 1.0
POSITION_SPAN = 10
URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s")


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file, found while reading it."""

    path: str
    line: int
    severity: str  # "error" or "warning"
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Link:
    """A link or embed as written in a file; resolution happens against the whole vault."""

    target: str  # path, file name, title or alias as written, without the #fragment
    fragment: str  # heading or ^block id after '#', '' when there is none
    text: str  # the shown text, '' when there is none
    line: int
    embed: bool
    style: str  # "wiki" or "markdown"
    section: str = ""  # the '## ' section the link sits under ('' before the first one)


@dataclass
class ParsedDocument:
    """What one file says, before the vault is consulted."""

    meta: dict[str, Any]
    body: str
    body_line: int  # file line number of the body's first line
    title: str
    title_source: str  # "front matter", "heading" or "file name"
    dek: str
    summary: str
    links: list[Link] = field(default_factory=list)
    sections: list[tuple[str, int]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # front matter `tags:` then inline #tags
    problems: list[Problem] = field(default_factory=list)
    meta_lines: dict[str, int] = field(default_factory=dict)  # front matter key → file line


def parse_document(text: str, path: str) -> ParsedDocument:
    """Parse the text of the file at vault-relative `path`."""
    problems: list[Problem] = []
    meta, body, body_line = split_front_matter(text, path, problems)
    meta_lines = _meta_lines(text, body_line) if body_line > 1 else {}
    meta = _clean_meta(meta, path, meta_lines, problems)
    lines = body.split("\n")
    masked = list(_mask_code(lines))
    links, sections, first_h1 = _scan(lines, masked, body_line)
    tags = _tags(meta["tags"], masked)
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    if meta.get("title"):
        title, title_source = meta["title"], "front matter"
    elif first_h1:
        title, title_source = first_h1, "heading"
    else:
        title, title_source = stem, "file name"
    dek = meta.get("dek") or meta.get("description", "")
    summary = meta.get("summary") or dek or _written_summary(lines, masked, title)
    return ParsedDocument(
        meta=meta,
        body=body,
        body_line=body_line,
        title=title,
        title_source=title_source,
        dek=dek,
        summary=summary,
        links=links,
        sections=sections,
        tags=tags,
        problems=problems,
        meta_lines=meta_lines,
    )


def _tags(listed: list[str], masked: list[str | None]) -> list[str]:
    """Front matter tags (with or without '#') and the #tags in the text outside code, each
    once whatever its case, as Obsidian counts them."""
    found: dict[str, str] = {}
    inline = (tag for line in masked if line is not None for tag in tags_in(line))
    for tag in [t.lstrip("#").strip("/") for t in listed] + list(inline):
        if tag:
            found.setdefault(tag.casefold(), tag)
    return list(found.values())


def _meta_lines(text: str, body_line: int) -> dict[str, int]:
    """Where each top-level front matter key is, so problems can name the line."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.split("\n")[1 : body_line - 2], start=2):
        match = re.match(r"^([A-Za-z_][\w\-]*)\s*:", line)
        if match:
            found.setdefault(match.group(1).lower(), number)
    return found


def split_front_matter(
    text: str, path: str, problems: list[Problem]
) -> tuple[dict[str, Any], str, int]:
    """Return (front matter, body, body's first line number)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.startswith("---\n") and text.rstrip() != "---":
        return {}, text, 1
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        problems.append(
            Problem(
                path,
                1,
                "error",
                "front-matter-unclosed",
                "front matter opens with '---' "
                "on line 1 but never closes; add a closing '---' line",
            )
        )
        return {}, text, 1
    raw = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    import yaml  # here: a command whose index is up to date reads no front matter

    # libyaml's loader when PyYAML was built with it: the same results, many times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        loaded = yaml.load(raw, Loader=loader) if raw.strip() else {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        problems.append(
            Problem(
                path,
                line,
                "error",
                "front-matter-yaml",
                f"front matter is not valid YAML ({reason}); the note is read without it",
            )
        )
        return {}, body, end + 2
    if not isinstance(loaded, dict):
        problems.append(
            Problem(
                path,
                2,
                "error",
                "front-matter-shape",
                "front matter must be 'key: value' lines; it is read as empty",
            )
        )
        return {}, body, end + 2
    return loaded, body, end + 2


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _clean_meta(
    meta: dict[str, Any], path: str, lines: dict[str, int], problems: list[Problem]
) -> dict[str, Any]:
    """Make front matter JSON-safe and give the known fields their expected types."""
    clean = {str(k).strip().lower(): _jsonable(v) for k, v in meta.items()}
    for key in TEXT_FIELDS:
        value = clean.get(key)
        if value is None:
            clean.pop(key, None)
        elif isinstance(value, list | dict):
            problems.append(
                Problem(
                    path,
                    lines.get(key, 1),
                    "warning",
                    "front-matter-type",
                    f"front matter field '{key}' should be text, not a list; it is ignored",
                )
            )
            clean.pop(key)
        else:
            clean[key] = " ".join(str(value).split())
    for key in LIST_FIELDS:
        value = clean.get(key)
        if value is None or value == "":
            clean[key] = []
        elif isinstance(value, list):
            clean[key] = [str(v).strip() for v in value if v is not None and str(v).strip()]
        elif isinstance(value, dict):
            problems.append(
                Problem(
                    path,
                    lines.get(key, 1),
                    "warning",
                    "front-matter-type",
                    f"front matter field '{key}' should be a list; it is ignored",
                )
            )
            clean[key] = []
        else:
            clean[key] = [part.strip() for part in str(value).split(",") if part.strip()]
    return clean


def _mask_code(lines: list[str]) -> list[str | None]:
    """Each line with inline code blanked out, or None for a line inside fenced code."""
    out: list[str | None] = []
    fence: str | None = None
    for line in lines:
        match = _FENCE.match(line)
        if fence is not None:
            if (
                match
                and match.group(1)[0] == fence[0]
                and len(match.group(1)) >= len(fence)
                and not match.group(2).strip()
            ):
                fence = None
            out.append(None)
        elif match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
            fence = match.group(1)
            out.append(None)
        else:
            out.append(_blank_code_spans(line))
    return out


def _blank_code_spans(line: str) -> str:
    """Replace the content of `code spans` with spaces, keeping columns."""
    if "`" not in line:
        return line
    chars = list(line)
    i = 0
    while i < len(line):
        if line[i] != "`":
            i += 1
            continue
        run = len(line[i:]) - len(line[i:].lstrip("`"))
        ticks = "`" * run
        close = i + run
        while True:
            close = line.find(ticks, close)
            if close == -1:
                break
            after = close + run
            if (after >= len(line) or line[after] != "`") and line[close - 1] != "`":
                break
            close = after
        if close == -1:
            i += run
            continue
        for j in range(i, close + run):
            chars[j] = " "
        i = close + run
    return "".join(chars)


_COMMENT_ONLY = re.compile(r"<!--.*?-->|%%.*?%%")  # what a reader never sees


def _scan(
    lines: list[str], masked: list[str | None], body_line: int
) -> tuple[list[Link], list, str]:
    """Links, '## ' sections and the '# ' heading that opens the body (its title).

    A '# ' heading further down is a heading like any other: in a note that starts with its
    text (a Zettelkasten note titled by its file name, say), "# Examples" is not its title.
    """
    links: list[Link] = []
    sections: list[tuple[str, int]] = []
    first_h1 = ""
    section = ""
    opening = True  # nothing but blank lines read so far
    for offset, line in enumerate(masked):
        if line is None:
            opening = False
            continue
        number = body_line + offset
        heading = _HEADING.match(line)
        if heading:
            level, text = len(heading.group(1)), plain(heading.group(2) or "")
            if level == 1 and opening and text:
                first_h1 = text
            if level == 2 and text:
                section = text
                sections.append((text, number))
        opening = opening and not _COMMENT_ONLY.sub("", line).strip()
        links.extend(_links_in_line(line, number, section, lines[offset]))
    return links, sections, first_h1


def _links_in_line(line: str, number: int, section: str, raw: str) -> list[Link]:
    """The links in a line whose code spans are blanked (`raw` is the line as written)."""
    found: list[tuple[int, Link]] = []
    in_table = line.lstrip().startswith("|")
    wiki = list(WIKILINK.finditer(line)) if "[[" in line else []
    for match in wiki:
        # Code inside a wikilink ([[Filters#`wikilink`]]) is part of its target, as in Obsidian.
        inner = raw[match.start(2) : match.end(2)]
        target, fragment, shown = wikilink_parts(inner, in_table)
        if not target and not fragment:
            continue
        link = Link(target, fragment, shown, number, bool(match.group(1)), "wiki", section)
        found.append((match.start(), link))
    wiki_spans = [m.span() for m in wiki]
    for match in MDLINK.finditer(line) if "](" in line else ():
        if any(a <= match.start() < b for a, b in wiki_spans):
            continue
        raw = match.group(3).strip()
        raw = raw[1:-1].strip() if raw.startswith("<") and raw.endswith(">") else raw
        if not raw or URL_SCHEME.match(raw) or raw.startswith("//"):
            continue
        target, _, fragment = raw.partition("#")
        link = Link(
            unquote(target).strip(),
            unquote(fragment).strip(),
            plain(match.group(2)),
            number,
            bool(match.group(1)),
            "markdown",
            section,
        )
        found.append((match.start(), link))
    return [link for _, link in sorted(found, key=lambda pair: pair[0])]


def _written_summary(
    lines: list[str], masked: list[str | None], title: str, limit: int = 600
) -> str:
    """The note's own summary line or section if it has one; else its opening paragraph if
    that is prose; else (a note that opens with a list) its most central sentences."""
    for i, (raw, line) in enumerate(zip(lines[:SUMMARY_LINES], masked, strict=False)):
        if line is None:
            continue
        found = _SUMMARY_LINE.match(raw)
        if found:
            return _cut(plain(found.group(1)), limit)
        if _SUMMARY_HEADING.match(raw):
            section, _ = _first_paragraph(lines[i + 1 :], masked[i + 1 :], limit)
            if section:
                return section
    opening, listed = _first_paragraph(lines, masked, limit)
    if opening and not listed and (opening[-1] in ".!?" or len(opening.split()) >= 6):
        return opening
    sections = _section_texts(lines[:SUMMARY_LINES], masked)
    return _central_sentences(sections, title, limit) or opening


def _section_texts(lines: list[str], masked: list[str | None]) -> list[str]:
    """The text under each heading (and before the first), as Markdown."""
    sections: list[list[str]] = [[]]
    for raw, line in zip(lines, masked, strict=False):
        if line is not None and _HEADING.match(line):
            sections.append([])
        sections[-1].append(raw)
    return ["\n".join(section) for section in sections]


def _central_sentences(sections: list[str], title: str, limit: int) -> str:
    """The note's most central sentence and, from the same section, the next most central
    one, in note order, cut at `limit` characters.

    A sentence is scored as in Edmundson's extracts: its mean word overlap (cosine of stemmed
    content words) with the note's other sentences, plus its overlap with the title, plus how
    early it comes. Metadata lines, and sentences that lean on the one before ("It also …"),
    are never chosen. Words, not embeddings: parsing a vault must stay fast.
    """
    placed: list[tuple[int, str]] = []
    for n, text in enumerate(sections):
        placed += [(n, s) for s in sentences_of(text)]
        if len(placed) >= CENTRAL_CANDIDATES:
            break
    placed = placed[:CENTRAL_CANDIDATES]
    words = [{vocabulary_key(w) for w in content_words(s)} for _, s in placed]
    title_words = {vocabulary_key(w) for w in content_words(title)}
    scores: dict[int, float] = {}
    for i, (_, sentence) in enumerate(placed):
        if LEANS_BACK.match(sentence) or _is_metadata(sentence):
            continue
        if not 8 <= len(sentence.split()) <= 60:
            continue
        others = [_overlap(words[i], w) for j, w in enumerate(words) if j != i]
        centrality = sum(others) / len(others) if others else 0.0
        place = max(0.0, 1 - i / POSITION_SPAN)
        scores[i] = centrality + _overlap(words[i], title_words) + POSITION_WEIGHT * place
    if len(scores) < MIN_CANDIDATES:
        return ""
    ranked = sorted(scores, key=lambda i: -scores[i])
    best = ranked[0]
    chosen = [best, *[i for i in ranked[1:] if placed[i][0] == placed[best][0]]]
    return _cut(" ".join(placed[i][1] for i in sorted(chosen[:SUMMARY_SENTENCES])), limit)


def _overlap(a: set[str], b: set[str]) -> float:
    """Cosine similarity of two sets of words."""
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


def _is_metadata(line: str) -> bool:
    """A date or a line about the paper rather than of it ("Authors: …", "Year: 2020")."""
    line = line.strip(" _*")
    return bool(_DATE_LINE.match(line) or _METADATA_LINE.match(line))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _first_paragraph(
    lines: list[str], masked: list[str | None], limit: int = 600
) -> tuple[str, bool]:
    """(The body's first paragraph as plain text cut at `limit` characters, whether it is a
    list item). Date and metadata lines before it are skipped.

    Reading stops well past the limit, so a note that is one huge paragraph (a pasted log)
    costs no more than a short one.
    """
    block: list[str] = []
    enough, read, listed, skipping = 16 * limit, 0, False, False
    for raw, line in zip(lines, masked, strict=True):
        if read > enough:
            break
        stripped = raw.strip()
        if stripped.startswith(">") and CALLOUT.fullmatch(stripped.lstrip("> \t")):
            if block:  # a callout's first line heads a new block, like a heading
                break
            continue
        prose = (
            line is not None
            and stripped
            and not _HEADING.match(raw)
            and not stripped.startswith(("|", "<", "![", "---", "***", "[//]:"))
            and not re.match(r"^\[[^\]]+\]:\s", stripped)
        )
        if prose and not block and (skipping or _is_metadata(plain(stripped))):
            # A date line is skipped; so is a paragraph that opens with metadata (the lines
            # after "Paper: …" are more references).
            skipping = skipping or not _DATE_LINE.match(plain(stripped).strip(" _*"))
            continue
        skipping = skipping and bool(prose)
        if prose and not block:
            listed = bool(_LIST_ITEM.match(stripped))
        if prose:
            block.append(stripped.lstrip(">-*+ ").strip())
            read += len(block[-1]) + 1
        elif block:
            break
    return _cut(plain(" ".join(block)[:enough]), limit), listed
