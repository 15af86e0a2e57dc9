"""The model drafter: a configured `llm` model proposes notes, each sentence with its quote.

The prompt gives the paper (its text sized to the model's context, saying what was cut), the
vault's categories and the existing notes search finds for it. A model with `llm` schema
support answers as data; any other is asked for a plain text format. Replies are read
leniently (JSON in fences or amid chatter, text with a missing page, more notes than asked);
what a reply claims is checked afterwards by `draft.verify`, never trusted here. A reply with
no note, or no quote found in the paper, is asked for once more with the problem stated;
after that, or when the model fails or hangs, the extractive drafter writes the draft.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..errors import ModelTimeout
from ..quotes import check, normalise
from ..settings import DEFAULT_CONTEXT
from ..write.llm import (
    CHARS_PER_TOKEN,
    ModelFailed,
    call_model,
    load_model,
    model_options,
    tokens,
)
from . import Claim, NoteDraft, Proposed, Reading
from .extractive import draft_extractive

REPLY_TOKENS = 1536  # of the context, kept free for the reply: up to five notes with quotes,
REPLY_SHARE = 3  # but no more than a third of a small context
CUT_NOTE = 160  # characters kept for saying in the prompt what was cut
MIN_PART = 400  # characters: a page cut shorter than this is left out
ABSTRACT_CHARS = 2000  # of the source page's body (a long summary leaves room for the pages)
SNIPPET_CHARS = 200  # of each related note's dek or summary
RELATED_IN_PROMPT = 8
_SENTENCE = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "quote": {"type": "string"},
        "page": {"type": "integer"},
    },
    "required": ["text", "quote", "page"],
}
DRAFT_SCHEMA = {
    "type": "object",
    "properties": {
        "notes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "dek": {"type": "string"},
                    "summary": {"type": "string"},
                    "categories": {"type": "array", "items": {"type": "string"}},
                    "links": {"type": "array", "items": {"type": "string"}},
                    "sentences": {"type": "array", "items": _SENTENCE},
                },
                "required": ["title", "dek", "summary", "categories", "links", "sentences"],
            },
        }
    },
    "required": ["notes"],
}
SCHEMA_FORMAT = "Answer as JSON: an object whose `notes` list holds the notes."
TEXT_FORMAT = """Answer in exactly this format, nothing before or after it:

NOTE: <the question the note answers>
DEK: <one or two sentences>
SUMMARY: <one paragraph>
CATEGORIES: <category>, <category>
LINKS: [[<title of a related note>]], [[<another>]]
- <a sentence of the note>
  QUOTE (p. <page>): "<the paper's exact words>"
- <the next sentence>
  QUOTE (p. <page>): "<the paper's exact words>"

NOTE: <the next note's question>
..."""

_FENCED = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.DOTALL)
_PAGE = re.compile(r"\(?\b(?:p|pp|pg|page)\.?\s*(\d{1,4})\b[^)\n]*\)?", re.IGNORECASE)
_KEY = re.compile(
    r"^\s*(?:#+\s*)?[*_]*\s*(note|title|question|dek|summary|categories|links|quote|evidence)"
    r"\s*\d*\s*(\([^)]*\))?\s*[*_]*\s*[:\uff1a]\s*[*_]*\s*(.*)$",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,2}[.)])\s+(.*)$")
# A sentence that carries its quote on the same line: 'It held. — "the words" (p. 3)'.
_INLINE_QUOTE = re.compile(r"^(.*?)\s*[-\u2013\u2014:(\[]*\s*[\"\u201c](.{12,}?)[\"\u201d]\s*(.*)$")


def load_prompt() -> str:
    return resources.files("inquiring").joinpath("templates/draft-prompt.txt").read_text("utf-8")


@dataclass(frozen=True)
class Prompt:
    text: str
    cut: str  # what was left out to fit the context, in a sentence ('' if nothing)


def build_prompt(paper: Reading, context: int, structured: bool, template: str = "") -> Prompt:
    """The prompt for `paper`, its page text cut to leave `reply_tokens` of `context` free."""
    template = template or load_prompt()
    related = "\n".join(
        f"- [[{d.title}]]: {_cut(d.snippet, SNIPPET_CHARS)}"
        for d in paper.related[:RELATED_IN_PROMPT]
    )
    fields = {
        "title": paper.title,
        "authors": ", ".join(paper.authors) or "unknown",
        "year": paper.year or "unknown",
        "abstract": _cut(paper.abstract.strip(), ABSTRACT_CHARS) or "(none)",
        "related": related or "(none)",
        "categories": ", ".join(paper.categories) or "(none yet)",
        "format": SCHEMA_FORMAT if structured else TEXT_FORMAT,
    }
    fixed = tokens(template.format(pages="", cut=" " * CUT_NOTE, **fields))
    room = (context - reply_tokens(context) - fixed) * CHARS_PER_TOKEN
    blocks, whole = _fitted(paper.pages, room)
    total, cut = len(paper.pages), ""
    if whole < total:
        shown = len(blocks)  # the last of them may be cut short
        cut = (
            f"only page{'s 1-' if shown > 1 else ' '}{shown} of {total} fit the model's "
            f"context of {context} tokens ([llm] context in inquiring.toml)"
            if shown
            else f"none of the paper's {total} pages fit the model's context of {context} tokens"
        )
    pages = "\n\n".join(blocks) or "(no page text: quote the abstract)"
    shown_cut = f" ({cut}; the rest is left out)" if cut else ""
    return Prompt(template.format(pages=pages, cut=shown_cut, **fields), cut)


def _cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters cut at a word, marked as cut."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _fitted(pages: list[str], room: int) -> tuple[list[str], int]:
    """The pages, each marked `[page n]`, that fit in `room` characters, the last perhaps
    cut short at a word; and how many fit whole."""
    blocks: list[str] = []
    for number, page in enumerate(pages, start=1):
        block = f"[page {number}]\n{normalise(page)}"
        if len(block) + 2 > room:
            if room > MIN_PART:
                blocks.append(block[: room - 2].rsplit(" ", 1)[0])
            return blocks, number - 1
        blocks.append(block)
        room -= len(block) + 2
    return blocks, len(pages)


def reply_tokens(context: int) -> int:
    """The tokens of `context` kept free for the model's reply."""
    return min(REPLY_TOKENS, context // REPLY_SHARE)


def parse_reply(reply: str) -> list[NoteDraft]:
    """The notes in a model's reply, JSON (fenced, bare or amid chatter) or the text format."""
    data = _json_in(reply)
    if data is not None:
        return _from_json(data)
    return _from_text(reply)


def _json_in(reply: str) -> Any:
    """The first JSON object or list in `reply` that holds notes, or None."""
    decoder = json.JSONDecoder()
    for text in [*_FENCED.findall(reply), reply]:
        for match in re.finditer(r"[\[{]", text):
            try:
                data, _ = decoder.raw_decode(text, match.start())
            except ValueError:
                continue
            if _from_json(data):
                return data
    return None


def _from_json(data: Any) -> list[NoteDraft]:
    items = data.get("notes", data.get("drafts", [data])) if isinstance(data, dict) else data
    notes = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        title = _text(item.get("title") or item.get("question"))
        sentences = item.get("sentences") or item.get("claims") or item.get("body") or []
        claims = [c for c in map(_claim_from_json, _listed(sentences)) if c is not None]
        if title or claims:
            notes.append(
                NoteDraft(
                    title,
                    dek=_text(item.get("dek")),
                    summary=_text(item.get("summary")),
                    categories=_names(item.get("categories")),
                    links=_names(item.get("links")),
                    claims=claims,
                )
            )
    return notes


def _claim_from_json(item: Any) -> Claim | None:
    if isinstance(item, str):
        return _claim_from_line(item)
    if not isinstance(item, dict):
        return None
    text = _text(item.get("text") or item.get("sentence") or item.get("claim"))
    quote = _text(item.get("quote") or item.get("evidence"))
    return Claim(text, _unquoted(quote), _page(item.get("page"))) if text else None


def _from_text(reply: str) -> list[NoteDraft]:
    """Notes in the plain text format, read leniently (bold keys, headings, numbered lists,
    a quote on the sentence's own line, a page written 'p. 3', 'page 3' or not at all)."""
    notes: list[NoteDraft] = []
    for line in reply.splitlines():
        key = _KEY.match(line)
        item = _ITEM.match(line)
        name = key.group(1).lower() if key else ""
        if name in ("note", "title", "question"):
            notes.append(NoteDraft(_text(key.group(3).strip("*_ "))))  # type: ignore[union-attr]
        elif not notes:
            continue
        elif key and name in ("quote", "evidence") and notes[-1].claims:
            claim = notes[-1].claims[-1]
            value, page = key.group(3), _page(key.group(2) or "") or _page(key.group(3))
            claim.quote, claim.page = _unquoted(_PAGE.sub("", value)), page
        elif key and name in ("dek", "summary"):
            setattr(notes[-1], name, _text(key.group(3)))
        elif key and name in ("categories", "links"):
            setattr(notes[-1], name, _names(key.group(3)))
        elif item:
            claim = _claim_from_line(item.group(1))
            if claim is not None:
                notes[-1].claims.append(claim)
    return [n for n in notes if n.title or n.claims]


def _claim_from_line(line: str) -> Claim | None:
    """'The sentence. — "the quote" (p. 3)', or a sentence waiting for its QUOTE line."""
    line = line.strip()
    found = _INLINE_QUOTE.match(line)
    if found and found.group(1).strip():
        page = _page(found.group(3))
        return Claim(_text(found.group(1).rstrip(" -\u2013\u2014:([")), found.group(2), page)
    return Claim(_text(line), "", None) if line else None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _names(value: Any) -> list[str]:
    """A list of names, given as a list or as 'a, b' or '[[a]], [[b]]'."""
    if isinstance(value, str):
        inner = re.findall(r"\[\[([^\[\]]+)\]\]", value)
        value = inner or value.split(",")
    return [n for n in (_text(v).strip("[]") for v in _listed(value)) if n]


def _text(value: Any) -> str:
    return " ".join(str(value or "").split()).strip()


def _unquoted(quote: str) -> str:
    quote = quote.strip().strip("\"'\u201c\u201d\u2018\u2019").strip()
    return quote.strip(".\u2026").strip() if quote.startswith(("...", "\u2026")) else quote


def _page(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    found = re.search(r"\d{1,4}", str(value or ""))
    return int(found.group()) if found and int(found.group()) > 0 else None


class ModelDrafter:
    """Drafts with the named `llm` model; the extractive drafter when the model cannot."""

    def __init__(
        self,
        model_name: str,
        timeout: float = 60.0,
        context: int = DEFAULT_CONTEXT,
        cancel: threading.Event | None = None,
    ) -> None:
        self.model_name = model_name
        self.timeout = timeout
        self.context = context
        self.cancel = cancel

    def __call__(self, paper: Reading) -> Proposed:
        model = self._model()
        structured = bool(getattr(model, "supports_schema", False))
        prompt = build_prompt(paper, self.context, structured)
        warnings = [f"the paper was cut for the model: {prompt.cut}"] if prompt.cut else []
        asked, why = prompt.text, ""
        for _attempt in range(2):
            try:
                reply = self._ask(model, asked, structured)
            except ModelTimeout:
                return self._instead(paper, f"no answer within {self.timeout:g} s", warnings)
            except ModelFailed as error:
                why = str(error)
                continue
            notes = parse_reply(reply)
            problem = _problem(notes, paper)
            if not problem:
                return Proposed(f"llm:{self.model_name}", notes, warnings)
            why = f"its answer {problem}"
            asked = f"{prompt.text}\n\nYour previous answer {problem}. Write the notes again."
        return self._instead(paper, why, warnings)

    def _model(self) -> Any:
        return load_model(self.model_name)

    def _ask(self, model: Any, prompt: str, structured: bool) -> str:
        options = model_options(model, self.context)
        if "max_tokens" in options:
            options["max_tokens"] = reply_tokens(self.context)
        if structured:
            options["schema"] = DRAFT_SCHEMA
        return call_model(model, self.model_name, prompt, self.timeout, self.cancel, options)

    def _instead(self, paper: Reading, why: str, warnings: list[str]) -> Proposed:
        proposed = draft_extractive(paper)
        proposed.warnings[:0] = [
            *warnings,
            f"the model '{self.model_name}' did not produce a usable draft ({why}); the "
            "extractive drafter wrote this draft instead",
        ]
        return proposed


def _problem(notes: list[NoteDraft], paper: Reading) -> str:
    """What makes a reply unusable, said to the model; '' when some quote holds up."""
    if not notes:
        return "had no note in the format asked for"
    claims = [c for n in notes for c in n.claims]
    if not any(c.quote for c in claims):
        return "gave no quote from the paper for any sentence"
    if not any(check(c.quote, paper.evidence, c.page).ok for c in claims if c.quote):
        return (
            "quoted nothing that is in the paper's text: copy each quote word for word from "
            "the pages given"
        )
    return ""
