"""Markdown as people write it → plain text and whole sentences: the one place for both.

Notes are written with headings, bullets, tables, quotes, code, math and HTML, and prose is
full of full stops that end nothing ("Smith et al. (2021)", "e.g.", "Fig. 3", "3.5",
"J. Smith"). Indexing, planning and checking a line all need the same idea of a sentence,
so the rules live here once.
"""

from __future__ import annotations

import html
import re
import unicodedata

WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]*)\]\]")
MDLINK = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
    r"\(\s*(<[^>\n]*>|[^)\s]*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)"
)
_INLINE_MARKUP = re.compile(r"(\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`)")

# What a writer's text may hold that would become a link, an embed or markup in a saved line.
HTML = re.compile(
    r"<!--.*?(?:-->|$)|<(script|style)\b.*?(?:</\1\s*>|$)|</?[A-Za-z][^<>]*>|<[!?][^<>]*>",
    re.DOTALL | re.IGNORECASE,
)
_EMBED = re.compile(r"!\[\[[^\[\]]*\]\]|!\[[^\[\]]*\](?:\([^()]*\)|\[[^\[\]]*\])")
# A footnote: its mark in the text, "[^1]", and its definition at the start of a line,
# "[^1]: text" (a draft note's sentences cite their quotes this way; Obsidian renders both).
FOOTNOTE = re.compile(r"\[\^([^\[\]]*)\]")
FOOTNOTE_DEF = re.compile(r"\[\^([^\[\]\s]+)\]:[ \t]*(.*)")
_REFERENCE_LINK = re.compile(r"\[(?!\d+\])([^\[\]]+)\]\[[^\[\]]*\]")
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*)?://\S*|www\.\S*", re.IGNORECASE)  # a stray "://" too
_HIGHLIGHT = re.compile(r"==(\S(?:[^=]*\S)?)==")
_TAG = re.compile(r"(?<![\w&#])#(?=[A-Za-z])")
# An Obsidian callout opens a quote with its type, a fold mark and a title:
# "> [!tip]- Title". The marker is markup; the title and the quote's text are prose.
CALLOUT = re.compile(r"\[!([\w-]+)\]([+-]?)[ \t]*(.*)")
_CALLOUT_LINE = re.compile(r"^([ \t]*(?:>[ \t]*)+)" + CALLOUT.pattern + "$", re.MULTILINE)
# An Obsidian tag in the text: "#" after a space or at the start of a line, then
# letters, digits, '_', '-' and '/' (nested tags: #topic/sub), not digits alone ('#1').
INLINE_TAG = re.compile(r"(?<!\S)#([\w/-]*[^\W\d][\w/-]*)")


def tags_in(text: str) -> list[str]:
    """The #tags written in a line of Markdown, without their '#'."""
    return [m.group(1).strip("/") for m in INLINE_TAG.finditer(text)] if "#" in text else []


# A possible sentence end: stop marks, any closing quotes or brackets, then a space before
# something that can start a sentence.
# (CJK text ends sentences with its own stops, and starts them without capitals.)
_BOUNDARY = re.compile(
    r"[.!?]+[\"'\u201d\u2019)\]]*\s+(?=[A-Z0-9\"'\u201c\u2018(\[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])"
    r"|[\u3002\uff01\uff1f]+\s*"
)
# Words whose full stop marks a shortening, not the end of a sentence (compared lower case);
# the numbered ones ("Fig. 3", "Eq. (2)") only when a number follows: "no." can end one.
ABBREVIATIONS = frozenset(
    "al e.g i.e vs cf approx dr mr mrs ms prof resp incl ca viz jr sr dept et".split()
)
NUMBERED = frozenset("fig figs eq eqs sec secs no nos tab ref refs ch vol pp p".split())
_INITIALS = re.compile(r"(?:^|[\s(])(?:[A-Z]\.)+$")
# A sentence that opens by leaning on the one before it ("It also …", "In contrast, …");
# "This paper …" names what the note is about.
LEANS_BACK = re.compile(
    r"^(?:this(?! (?:\w+ )?(?:paper|work|article|study|note|post|page)\b)|"
    r"that|these|those|it|its|they|their|them|such|both|here|also|however|thus|"
    r"hence|instead|moreover|furthermore|similarly|likewise|then|but|and|so|in contrast|"
    r"on the other hand|for (?:example|instance))\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”")


def wikilink_parts(inner: str, in_table: bool = False) -> tuple[str, str, str]:
    """`target#fragment|shown` → (target, fragment, shown); in a table cell `\\|` is the bar."""
    if in_table:
        inner = inner.replace("\\|", "|")
    target, _, shown = inner.partition("|")
    target, _, fragment = target.partition("#")
    return target.strip(), fragment.strip(), shown.strip()


def _wikilink_label(inner: str) -> str:
    """What a reader sees of a wikilink: its shown text, else its note, else its heading."""
    target, _, shown = inner.replace("\\|", "|").partition("|")
    return shown.strip() or target.split("#", 1)[0].strip() or target.strip("# ")


def plain(text: str) -> str:
    """Markdown inline text → plain text: links become their shown text, markup goes."""
    if "[" in text:
        text = WIKILINK.sub(lambda m: _wikilink_label(m.group(2)), text)
        text = MDLINK.sub(lambda m: m.group(2), text)
    if "*" in text or "_" in text or "`" in text:
        text = _INLINE_MARKUP.sub("", text)
    return " ".join(text.split())


def plain_prose(text: str) -> str:
    """Markdown → plain prose, keeping `[n]` markers for the LLM writer to map.

    Kept as plain text: the shown words of links, wikilinks and reference links, the words
    inside HTML tags, emphasis and highlights. Dropped: images and embeds, URLs, footnotes,
    HTML tags, comments and scripts. A writer's own citations are added to the line later,
    so nothing a writer (or a note it quotes) wrote can become a link of its own.
    """
    # Each pattern runs only where its first character occurs: a line is read for every
    # note a question finds, and most blocks hold no HTML, link or URL.
    if "<" in text:
        text = HTML.sub(" ", text)
    if "[" in text:
        text = _EMBED.sub(" ", text)
        text = FOOTNOTE.sub("", text)
        text = _REFERENCE_LINK.sub(r"\1", text)
    text = plain(text)  # wikilinks and [text](url) become their words; emphasis marks go
    if "://" in text or "www." in text.lower():
        text = _URL.sub("", text)
    if "==" in text:
        text = re.sub(r"={2,}", "=", _HIGHLIGHT.sub(r"\1", text))
    text = text.replace("%%", "").replace("~~", "")
    if "#" in text:
        text = _TAG.sub("", text)  # an Obsidian #tag would tag the line
    return re.sub(r"\s+(?=[.,;:!?](\s|$))", "", " ".join(text.split()))


def plain_text(markdown: str) -> str:
    """Markdown → one run of text, as it is embedded and searched: links become their shown
    text, headings and markup characters go (the passages' vectors depend on exactly this)."""
    if "[!" in markdown:
        markdown = _CALLOUT_LINE.sub(r"\1\4", markdown)  # a callout's title, not its marker
    text = WIKILINK.sub(lambda m: _wikilink_label(m.group(2)), markdown)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\\([\[\]])", r"\1", text)  # a line's citation mark "\[[[note|1]]\]" → "[1]"
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.MULTILINE)
    text = re.sub(r"[*_`>|]+", " ", text)
    return " ".join(text.split())


def _protected(text: str) -> list[tuple[int, int]]:
    """Spans no sentence end may fall inside: links and short quoted titles."""
    spans = [m.span() for m in WIKILINK.finditer(text)]
    spans += [m.span() for m in MDLINK.finditer(text)]
    spans += [m.span() for m in _QUOTED.finditer(text)]
    return spans


def _ends_sentence(text: str, stop: int, following: str) -> bool:
    """Whether the full stop at `stop`, before the character `following`, ends a sentence
    rather than a shortening."""
    if text[stop] != ".":
        return True
    before = text[:stop]
    word = before.rsplit(None, 1)[-1] if before.strip() else ""
    word = word.lstrip("([\"'\u201c\u2018").lower()
    if word in ABBREVIATIONS or (word in NUMBERED and (following.isdigit() or following == "(")):
        return False
    return not _INITIALS.search(before + ".")


def split_sentences(text: str) -> list[str]:
    """Text → sentences, cut only where a sentence ends: never after an abbreviation or an
    initial, inside a decimal or version number, inside a link or inside a quoted title."""
    spans = _protected(text) if ("[" in text or '"' in text or "“" in text) else []
    out, start = [], 0
    for match in _BOUNDARY.finditer(text):
        cut = match.end()
        if any(a < match.start() and cut <= b for a, b in spans):
            continue
        if not _ends_sentence(text, match.start(), text[cut : cut + 1]):
            continue
        out.append(text[start:cut].strip())
        start = cut
    out.append(text[start:].strip())
    return [s for s in out if s]


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_QUOTE_MARK = re.compile(r"^\s*(?:>\s?)+")
_EMPHASIS_LINE = re.compile(r"^(\*\*|__)[^*_]+\1:?$")
_COMMENT = re.compile(r"<!--.*?-->|%%.*?%%", re.DOTALL)
_MATH_BLOCK = re.compile(r"\$\$.*?\$\$", re.DOTALL)
_MATH = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?!\d)")
_SIMPLE_MATH = re.compile(r"[\w\s+\-*/=<>().,']+")
_END = ".!?\u3002\uff01\uff1f"
# The note-taker speaking for themselves ("I think", "my guess"): an opinion, not a finding.
_FIRST_PERSON = re.compile(
    r"\bI(?:'m|'ve|'d| (?:think|feel|believe|guess|suspect|wonder|am|was|would|found|like|"
    r"first|do|don't|did|suppose|expect|agree|disagree|hope|personally|could not|cannot)\b)|"
    r"\b(?:[Ii]n my|[Mm]y (?:guess|opinion|view|take|sense|impression|understanding))\b|"
    r"\bto me\b|\bIMO\b|\bIMHO\b"
)
_TERM_DASH = re.compile(r"^([^.!?:]{1,60}?) [-\u2013\u2014] (?=[A-Z])")
MIN_ITEM_WORDS = 6  # a bullet shorter than this, without a full stop, is a fragment


def _blocks(markdown: str) -> list[tuple[str, bool]]:
    """Markdown → (block text, is a list item): paragraphs and list items, one by one.

    Headings, tables, code, rules and math blocks end a block and are left out, so a heading
    is never glued to the sentence after it and the text of two bullets is never run together.
    """
    text = _MATH_BLOCK.sub("\n\n", _COMMENT.sub(" ", markdown))
    blocks: list[tuple[list[str], bool]] = []
    current: list[str] = []
    item, fence = False, ""

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append((current, item))
        current = []

    for raw in text.splitlines():
        opened = _FENCE.match(raw)
        if fence or opened:
            flush()
            if opened and not fence:
                fence = opened.group(1)[0] * 3
            elif opened and raw.strip().startswith(fence):
                fence = ""
            continue
        line = _QUOTE_MARK.sub("", raw).strip()
        if line.startswith("[!") and _CALLOUT_LINE.match(raw):
            flush()  # a callout's first line is its heading: the quote's text starts anew
            continue
        if _SETEXT.match(raw) and len(current) == 1 and not item:
            current = []  # the line above was a heading
            continue
        if not line or _HEADING.match(line) or _RULE.match(line) or line.startswith("|"):
            flush()
            continue
        if _ITEM.match(line):
            flush()
            item = True
            line = _ITEM.sub("", line)
        elif not current:
            item = False
        if _EMPHASIS_LINE.match(line) or (not current and _looks_like_label(line)):
            flush()
            continue
        current.append(line)
    flush()
    return [(" ".join(lines), is_item) for lines, is_item in blocks]


def _looks_like_label(line: str) -> bool:
    """A short line ending in a colon ("Key idea:") introduces what follows; it is no claim."""
    return line.endswith(":") and len(line.split()) <= 6


def inline_text(text: str) -> str:
    """One block's Markdown and HTML → the words a reader sees, no character lost: entities
    are decoded ("&gt;" → ">"), inline math keeps its contents, and what `plain_prose`
    drops (tags, images, footnote marks, URLs) goes."""
    text = html.unescape(plain_prose(_MATH.sub(_math, text)))
    return re.sub(r"\s+(?=[,;:!?.](\s|$))", "", " ".join(text.split()))


def body_sentences(markdown: str) -> list[str]:
    """Markdown → its sentences still as Markdown (links kept), block by block, so no
    heading or neighbouring bullet is glued to one."""
    return [s for block, _ in _blocks(markdown) for s in split_sentences(block)]


def readable_text(markdown: str) -> str:
    """Markdown → the running text its candidate sentences are taken from, block by block."""
    return " ".join(inline_text(block) for block, _ in _blocks(markdown))


def _math(match: re.Match[str]) -> str:
    """Inline math simple enough to read as words ("$RIG - 1$") keeps them; anything else
    ("$i^{th}$") becomes a backslash, so the sentence holding it is left out."""
    inner = match.group(1)
    return inner if _SIMPLE_MATH.fullmatch(inner) else "\\"


def sentences_of(markdown: str) -> list[str]:
    """Markdown → clean standalone sentences, in order: the candidates a line may quote.

    A bullet counts as a sentence when it ends like one or is long enough to be one (then it
    gets its full stop); shorter bullets are fragments and are left out, as are sentences
    that still hold LaTeX. The note-taker's own asides and questions are no findings of the
    work a note describes, so they are left out too.
    """
    found: list[str] = []
    for block, is_item in _blocks(markdown):
        text = inline_text(block)
        if is_item:  # "**Term** - what it is" is a definition, not two bullets
            text = _TERM_DASH.sub(r"\1: ", text, count=1)
        parts = split_sentences(text)
        for i, sentence in enumerate(parts):
            last = i == len(parts) - 1
            if sentence[-1] in ":;,":
                continue  # a lead-in ("… has three parts:") or one piece of a longer sentence
            if sentence[-1] not in _END and not sentence.endswith(('"', "”", ")")):
                if not (last and is_item and len(sentence.split()) >= MIN_ITEM_WORDS):
                    continue
                sentence += "."
            if "\\" in sentence or "$" in sentence or len(sentence.split()) < 3:
                continue
            if sentence.endswith("?") or _FIRST_PERSON.search(sentence):
                continue
            found.append(sentence[0].upper() + sentence[1:])
    return found


# An Obsidian block id, `^id` ending a paragraph or list item (or on the line after a quote or
# a table): what `[[note#^id]]` names.
BLOCK_ID = re.compile(r"(?:^|[ \t])\^([\w-]+)[ \t]*$", re.MULTILINE)
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


def section_of(markdown: str, fragment: str) -> str | None:
    """The part of a note that `[[note#fragment]]` embeds, or None when it has no such part.

    `Heading` (or `Parent#Heading`): that heading and everything under it, up to the next
    heading of the same or a higher level. `^id`: the paragraph or list item marked `^id`,
    without the mark.
    """
    lines, fence = markdown.split("\n"), ""
    wanted = " ".join(plain(fragment.rsplit("#", 1)[-1]).casefold().split())
    start, level = None, 0
    for number, line in enumerate(lines):
        opened = _FENCE.match(line)
        if opened and (not fence or line.strip().startswith(fence)):
            fence = "" if fence else opened.group(1)[0] * 3
            continue
        heading = None if fence else _ATX.match(line)
        marked = BLOCK_ID.search(line) if wanted.startswith("^") and not fence else None
        if marked and f"^{marked.group(1).casefold()}" == wanted:
            return BLOCK_ID.sub("", _block_at(lines, number))
        if heading and start is not None and len(heading.group(1)) <= level:
            return "\n".join(lines[start:number]).strip()
        if heading and start is None and _same_heading(heading.group(2), wanted):
            start, level = number, len(heading.group(1))
    return None if start is None else "\n".join(lines[start:]).strip()


def _same_heading(heading: str, wanted: str) -> bool:
    return " ".join(plain(heading).casefold().split()) == wanted


def _block_at(lines: list[str], number: int) -> str:
    """The paragraph or list item marked on line `number`; for a mark on a line of its own,
    the whole block above it (a list, a quote, a callout, a table), as Obsidian reads it."""
    end = number
    alone = lines[number].strip().startswith("^")
    if alone:
        end -= 1
        while end >= 0 and not lines[end].strip():
            end -= 1
        if end < 0:
            return ""
    elif _ITEM.match(lines[end]):
        return lines[end]
    first = end
    while first > 0 and lines[first - 1].strip() and (alone or not _ITEM.match(lines[first - 1])):
        first -= 1
    return "\n".join(lines[first : end + 1])


# A word broken at a line end: "ingre-" + newline + "dient" as most PDF readers give it, or
# "ingre\ufffedient" as PDFium marks the hyphen it took out.
_BROKEN_WORD = re.compile(r"(\w)(?:\ufffe\s*|-[ \t]*\n\s*)(\w[\w-]*)")


def join_broken_words(text: str) -> str:
    """Words hyphenated across a line end made whole again ("ingredient"), except where
    the word goes on with a hyphen of its own ("state-of-the-art")."""

    def join(match: re.Match[str]) -> str:
        rest = match.group(2)
        return match.group(1) + ("-" if "-" in rest else "") + rest

    return _BROKEN_WORD.sub(join, text)


def slugify(text: str, limit: int = 64) -> str:
    """A file name for `text`: its words in lower-case ASCII joined by '-', at most `limit`
    characters (whole words); '' when it has no letter or digit."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = ""
    for word in re.findall(r"[a-z0-9]+", ascii_text.lower()):
        if len(slug) + len(word) + 1 > limit:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug
