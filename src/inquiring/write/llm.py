"""The LLM writer, through the `llm` library: only ever used when the user configured a model.

The prompt (a template the user can override) gives the numbered notes of the outline and
asks for the line's structure with `[n]` markers, which become citations. A reply with
unknown markers, uncited claims, a truncated end or a refusal gets one retry with the
problem stated; after that the extractive writer is used, with a warning. A model that does
not answer within the timeout is not asked again: the extractive writer takes over at once.

Models write Markdown whatever they are told, so a reply is read as prose: only `[n]` markers
(also written `[1, 3]`, `[1-3]`, `[note 1]` or `[1](anything)`) become citations; the rest of its
Markdown is reduced to plain words by `plain_prose` (headings, rules, code fences, a
"Sure! Here is…" preamble and a trailing "Sources:" list are dropped here).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import Cancelled, InquiringError, ModelTimeout
from ..plan import Outline, PlannedNote
from ..settings import DEFAULT_CONTEXT
from ..text import HTML, plain_prose, split_sentences
from ..verify import says_not_covered
from ..words import content_words, vocabulary_key
from . import Draft, Sentence, clean, dek_for, with_mark
from .extractive import write_extractive

_MARKER = re.compile(r"\s*\[(\d+)\]")
_NOTE_WORD = r"(?:notes?|sources?|refs?|references?)"
_MARKER_LIST = re.compile(
    rf"\[(?:{_NOTE_WORD}\s*)?#?(\d+(?:\s*(?:,|;|and|-|\u2013|\u2014)\s*(?:{_NOTE_WORD}\s*)?#?\d+)+)\]",
    re.IGNORECASE,
)
_MARKER_ALIAS = re.compile(rf"\[(?:{_NOTE_WORD}\s*)?#?(\d+)\](?:\([^()\n]*\))?", re.IGNORECASE)
# "【1】", "【1†source】": the brackets some chat models are trained to cite with.
_LENTICULAR = re.compile(r"\u3010(\d+)(?:\u2020[^\u3011]*)?\u3011")
# "(1)", "(1, 2)", "(Note 3)", "(see note 2)", "(Source: 2)" before a stop or the line's end:
# a small model's citation. One or two digits only, so "(2023)" stays a year, and only before
# punctuation, so "(1) first, (2) second" stays an enumeration.
_PAREN_MARKER = re.compile(
    rf"\((?:see\s+)?(?:{_NOTE_WORD}\s*:?\s*)?#?(\d{{1,2}}(?:\s*(?:,|;|and|-|\u2013)\s*"
    rf"(?:{_NOTE_WORD}\s*)?\d{{1,2}})*)\)(?=\s*(?:[.,;:!?]|$))",
    re.IGNORECASE | re.MULTILINE,
)
# "Source: [2]", "(Sources: [1], [3])", "See [2]": markers announced by a word.
_ANNOUNCED = re.compile(
    r"\(?\b(?:sources?|see|refs?|references?|cited|citations?)\s*:?\s*"
    r"((?:\[\d+\][\s,;]*(?:and\s*)?)+)\)?",
    re.IGNORECASE,
)
_MARKER_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+\])+)")
_ONLY_MARKERS = re.compile(r"^(?:\s*\[\d+\])+\s*$")
_REFUSAL = re.compile(
    r"^\W*(i'm sorry|i am sorry|i apologi[sz]e|i can(no|')t|i am unable|i'm unable|"
    r"i won't|i will not|as an ai|unfortunately, i)",
    re.IGNORECASE,
)
# An honest "the notes do not cover this": the notes as subject, a negation, a verb of saying.
# Words a connective may use beyond function words: it says how notes relate, nothing more.
_CONNECTIVE_WORDS = frozenset(
    vocabulary_key(w)
    for w in (
        "note notes vault evidence picture point points question answer answers several two "
        "three both different direction directions converge agree disagree differ qualify "
        "mechanism mechanisms limit limits takeaway finding findings idea ideas side sides view "
        "views together taken consider turn part parts first second third finally another "
        "way ways case cases matter matters overall story short summary whole further next "
        "look come comes picture tension complicate complicates clear clearer sum put instead "
        "related relate relates tells tell show shows say says suggest suggests explain "
        "explains result results setup"
    ).split()
)
MAX_CONNECTIVE_WORDS = 20
# Lines that are structure, not prose: headings, rules, fences, table rulers, link definitions,
# and a bold or short label on a line of its own ("**Answer**", "Key findings:").
_NOT_PROSE = re.compile(
    r"^\s*(#{1,6}(\s|$)|(`{3,}|~{3,}).*|([-*_=~]\s*){3,}$|\|?\s*:?-{2,}|\[[^\]]+\]:|"
    r"(\*\*|__)[^*_\[\]]+(\*\*|__)\s*:?\s*$|(?:\w+\s*){1,4}:\s*$)"
)
_LIST_MARK = re.compile(r"^\s*(?:[>*+|-]\s*|\d{1,3}[.)]\s+)+")
_SOURCES = re.compile(
    r"^\W*(sources|references|citations|bibliography|works cited|notes cited|cited notes)"
    r"\W*(:.*)?$",  # "Sources:" alone or followed by the list on the same line
    re.IGNORECASE,
)
_PREAMBLE = re.compile(
    r"^(sure|certainly|of course|okay|ok|absolutely|great|here is|here's|below is|"
    r"based on the (?:provided |given |numbered )?notes,? here)\b",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(let me know|i hope|hope this|feel free|would you like|if you(?:'d| would) like|"
    r"note: (?:i|this|all|every)|i have (?:only )?used|all (?:claims|statements|sentences) "
    r"(?:are|were|have been))\b",
    re.IGNORECASE,
)
_MAX_RANGE = 12  # "[1-3]" lists its notes; a wider range is a mistake, reported as one


def load_template(path: Path | None = None) -> str:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8")
        except OSError as error:
            raise InquiringError(
                f"cannot read the prompt template {path}: {error.strerror}"
            ) from error
    return (
        resources.files("inquiring")
        .joinpath("templates")
        .joinpath("line-prompt.txt")
        .read_text(encoding="utf-8")
    )


ROLE_HINTS = {
    "frame": "frame: the organising claim",
    "evidence": "evidence",
    "mechanism": "mechanism: how or why",
    "limit": "limit: where it fails or stops holding",
}
CHARS_PER_TOKEN = 4  # a rough count for English prose, on the safe side for most tokenizers
REPLY_TOKENS = 1024  # of the context, kept free for the model's reply
MIN_NOTES = 3  # notes are dropped to fit the context only while more than this many remain


def tokens(text: str) -> int:
    """An approximate token count (characters / 4): no tokenizer is needed to size a prompt."""
    return -(-len(text) // CHARS_PER_TOKEN)


def fit_prompt(outline: Outline, template: str, context: int) -> tuple[str, Outline]:
    """The prompt, and the outline it numbers, sized to leave room for a reply in `context`.

    While it is too long, the least relevant notes go (the frame stays, and MIN_NOTES
    remain), then key sentences are trimmed from the last note backwards.
    """
    budget = context - REPLY_TOKENS
    notes = list(outline.notes)
    extra = {n.doc.path: _extra_sentences(n) for n in notes}
    while True:
        sized = replace(
            outline,
            notes=notes,
            disagreements=[
                d for d in outline.disagreements if d.first in notes and d.second in notes
            ],
        )
        prompt = build_prompt(sized, template, extra)
        if tokens(prompt) <= budget:
            return prompt, sized
        if len(notes) > MIN_NOTES:
            notes.remove(min(notes[1:], key=lambda n: n.relevance))
        elif any(extra.values()):
            last = next(n for n in reversed(notes) if extra[n.doc.path])
            extra[last.doc.path] = extra[last.doc.path][:-1]
        else:
            return prompt, sized  # as small as it gets: the model may cut its top


def _extra_sentences(note: PlannedNote) -> list[str]:
    """The note's key sentences that its summary does not already say (at most three)."""
    summary = " ".join(note.doc.summary.split())
    return [k for k in note.key_sentences if " ".join(k.split()) not in summary][:3]


def build_prompt(outline: Outline, template: str, extra: dict[str, list[str]] | None = None) -> str:
    """The template filled in: each numbered note's role, summary and other key sentences,
    the disagreements the planner found, and the question (asked again at the end)."""
    blocks = []
    number = {n.doc.path: i for i, n in enumerate(outline.notes, start=1)}
    for i, note in enumerate(outline.notes, start=1):
        more = extra[note.doc.path] if extra is not None else _extra_sentences(note)
        block = f"[{i}] {note.doc.title} ({ROLE_HINTS.get(note.role, note.role)})\n"
        block += f"Summary: {note.doc.summary}"
        if more:
            block += "\nAlso: " + " ".join(more)
        blocks.append(block)
    disagreements = "".join(
        f"- [{number[d.first.doc.path]}] qualifies or disputes [{number[d.second.doc.path]}]: "
        f"{d.evidence}\n"
        for d in outline.disagreements
    )
    if disagreements:
        disagreements = "Where the notes disagree:\n" + disagreements
    coverage_note = ""
    if outline.coverage == "thin":
        missing = ", ".join(outline.missing[:5]) or "parts of the question"
        coverage_note = (
            f"The notes only partly cover this question (nothing on: {missing}). "
            "Say so in the first sentence.\n"
        )
    return template.format(
        question=outline.question,
        notes="\n\n".join(blocks),
        coverage_note=coverage_note,
        disagreements=disagreements,
    )


def parse_reply(text: str, outline: Outline) -> tuple[list[list[Sentence]], list[str]]:
    """Paragraphs of cited sentences, and the problems that call for asking again.

    An uncited sentence is a claim (for the checker to drop) unless it is a connective or
    says what the notes do not cover; a reply that only says that is an answer, not a problem.
    """
    problems: list[str] = []
    paths = [n.doc.path for n in outline.notes]
    blocks = _prose_blocks(text)
    if _REFUSAL.match(text) and not any(says_not_covered(b) for b in blocks[:2]):
        return [], ["the model declined to answer"]
    if not blocks or blocks[-1][-1] not in '.!?)"”':
        problems.append("the reply stops mid-sentence (it looks truncated)")
        if blocks:  # its unfinished last sentence goes, with any marker left dangling
            kept = split_sentences(blocks[-1])[:-1]
            blocks = blocks[:-1] + ([" ".join(kept)] if kept else [])
    paragraphs: list[list[Sentence]] = []
    for block in blocks:
        sentences = []
        for raw in split_sentences(block):
            numbers = [int(n) for n in _MARKER.findall(raw)]
            bad = [n for n in numbers if not 1 <= n <= len(paths)]
            if bad:
                problems.append(
                    f"it cites notes that do not exist: {', '.join(f'[{n}]' for n in bad)}"
                )
            bare = _MARKER.sub("", raw)
            words = clean(bare)
            if not re.search(r"\w", words):
                continue
            cites = list(dict.fromkeys(paths[n - 1] for n in numbers if 1 <= n <= len(paths)))
            connective = not cites and (says_not_covered(words) or is_connective(bare))
            clauses = _clauses(raw, paths)
            sentences.append(Sentence(words, cites, connective=connective, clauses=clauses))
        if sentences:
            paragraphs.append(sentences)
    if not any(s.citations for p in paragraphs for s in p) and not any(
        says_not_covered(s.text) for p in paragraphs for s in p
    ):
        problems.append("it cites no note at all")
    _assign_roles(paragraphs, outline)
    return paragraphs, list(dict.fromkeys(problems))


def _clauses(raw: str, paths: list[str]) -> list[tuple[str, list[str]]]:
    """Where a model put its markers inside a sentence ("X [1], while Y [2]."), each stretch
    of words with the notes cited at its end, so the checker holds each clause to its own
    notes; empty when the markers all stand at the end."""
    out: list[tuple[str, list[str]]] = []
    start = 0
    groups = list(re.finditer(r"(?:\s*\[\d+\])+", raw))
    for group in groups:
        text = clean(raw[start : group.start()]).strip(" ,;")
        numbers = [int(n) for n in re.findall(r"\d+", group.group())]
        cites = [paths[n - 1] for n in numbers if 1 <= n <= len(paths)]
        if len(text.split()) >= 3 and cites:
            out.append((text, list(dict.fromkeys(cites))))
            start = group.end()
    return out if len(out) > 1 else []


def is_connective(sentence: str) -> bool:
    """A short sentence about how the notes relate, using no content word of its own, or a
    lead-in ending in ":": it makes no claim, so the checker need not find it in a note."""
    text = sentence.strip()
    if text.endswith(":"):
        return True
    if re.search(r"\d", text) or len(text.split()) > MAX_CONNECTIVE_WORDS:
        return False
    return all(vocabulary_key(w) in _CONNECTIVE_WORDS for w in content_words(text))


def reply_coverage(paragraphs: list[list[Sentence]], outline: Outline) -> str:
    """The line's coverage: the planner's, unless the model said the notes do not cover the
    question: then `thin` if it still cited notes, `none` if it cited none."""
    sentences = [s for p in paragraphs for s in p]
    if not any(s.connective and says_not_covered(s.text) for s in sentences):
        return outline.coverage
    return "thin" if any(s.citations for s in sentences) else "none"


def _assign_roles(paragraphs: list[list[Sentence]], outline: Outline) -> None:
    """Each cited sentence's role, from what the outline knows of the notes it cites.

    A sentence citing both sides of a disagreement states it; a cited sentence in the last
    of several paragraphs is the takeaway; otherwise it plays its first note's planned role.
    """
    roles = {n.doc.path: n.role for n in outline.notes}
    pairs = [{d.first.doc.path, d.second.doc.path} for d in outline.disagreements]
    for number, paragraph in enumerate(paragraphs, start=1):
        for sentence in paragraph:
            if not sentence.citations:
                continue
            if any(pair <= set(sentence.citations) for pair in pairs):
                sentence.role = "disagreement"
            elif number == len(paragraphs) > 1:
                sentence.role = "takeaway"
            else:
                sentence.role = roles.get(sentence.citations[0], "evidence")


def _prose_blocks(text: str) -> list[str]:
    """The reply's paragraphs as prose with `[n]` markers, its Markdown structure removed.

    A list item becomes a sentence of its own; markers written after the full stop, in
    parentheses or announced by "Source:" become `[n]` markers of the sentence before them.
    """
    lines: list[str] = []
    written = HTML.sub(" ", text).splitlines()  # a comment or tag may span lines
    raw = [_markers(line) for line in written]
    last = max((i for i, line in enumerate(raw) if re.search(r"\w", line)), default=-1)
    for number, line in enumerate(raw):
        if _SOURCES.match(written[number]) and not _ONLY_MARKERS.match(line):
            break  # a "Sources:" list repeats the citations as links: the line makes its own
        if _NOT_PROSE.match(line):
            lines.append("")
            continue
        item = _LIST_MARK.sub("", line).rstrip(" |")
        if item != line.rstrip(" |") and re.search(r"\w", item):
            # "- Pure RL raised … [1]" is a sentence of its own; a last item cut short is not
            item = item if number == last and not _MARKER.search(item) else _ended(item)
        lines.append(item)
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", "\n".join(lines)):
        block = _MARKER_AFTER_STOP.sub(r"\2\1", plain_prose(block))
        if blocks and _ONLY_MARKERS.match(block):
            blocks[-1] = _MARKER_AFTER_STOP.sub(r"\2\1", blocks[-1] + block)
        elif re.search(r"\w", block):
            blocks.append(block)
    opening = blocks[0] if blocks else ""
    if not _MARKER.search(opening) and (opening.endswith(":") or _PREAMBLE.match(opening)):
        blocks.pop(0)  # "Sure! Here is the line you asked for:"
    if blocks and not _MARKER.search(blocks[-1]) and _SIGN_OFF.match(blocks[-1]):
        blocks.pop()  # "Let me know if you would like changes."
    return blocks


def _markers(line: str) -> str:
    """The line with every citation style a model uses rewritten as `[n]` markers."""
    line = _LENTICULAR.sub(r"[\1]", line)
    line = _PAREN_MARKER.sub(r"[\1]", line)
    line = _MARKER_LIST.sub(_expand, _MARKER_ALIAS.sub(r"[\1]", line))
    return _ANNOUNCED.sub(lambda m: re.sub(r"[^\[\]\d]", "", m.group(1)), line)


def _ended(item: str) -> str:
    """A list item with a closing stop, before its trailing markers: "… 71% [1]" → "… 71% [1]."."""
    body = _MARKER.sub("", item).rstrip()
    if body.endswith((".", "!", "?", ":")):
        return item
    return item.rstrip() + "."


def _expand(match: re.Match[str]) -> str:
    """`[1, 3]`, `[1-3]`, `[note 2; note 4]` → `[1][3]`, `[1][2][3]`, `[2][4]`."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|;|\band\b)\s*", match.group(1), flags=re.IGNORECASE):
        ends = [int(n) for n in re.findall(r"\d+", part)]
        if len(ends) == 2 and 0 < ends[1] - ends[0] < _MAX_RANGE:
            numbers += range(ends[0], ends[1] + 1)
        else:
            numbers += ends
    return "".join(f"[{n}]" for n in numbers)


# Structured output, for models that support `llm`'s schemas: the same line as data.
REPLY_SCHEMA = {
    "type": "object",
    "properties": {
        "paragraphs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sentences": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "text": {"type": "string"},
                                "citations": {"type": "array", "items": {"type": "integer"}},
                            },
                            "required": ["text", "citations"],
                        },
                    }
                },
                "required": ["sentences"],
            },
        }
    },
    "required": ["paragraphs"],
}
SCHEMA_NOTE = (
    "\n\nAnswer as JSON: a list of paragraphs, each a list of sentences, each with its text "
    "(no [n] markers in it) and the numbers of the notes that support it (an empty list for "
    "a sentence that only connects ideas or says what the notes do not cover)."
)
CONTEXT_OPTIONS = ("num_ctx", "n_ctx", "context_length", "context_window", "context_size")


def model_options(model: Any, context: int) -> dict[str, Any]:
    """Temperature 0 and the context size, for the options this model takes: the same
    outline gives the same line, and a local model reads the whole prompt."""
    fields = getattr(getattr(model, "Options", None), "model_fields", {})
    options: dict[str, Any] = {"temperature": 0} if "temperature" in fields else {}
    options |= {name: context for name in CONTEXT_OPTIONS if name in fields}
    if "max_tokens" in fields:
        options["max_tokens"] = REPLY_TOKENS
    return options


def from_json(reply: str) -> str:
    """A structured reply as prose with `[n]` markers, so one parser reads both; a reply
    that is not the schema's JSON is returned as it is."""
    try:
        data = json.loads(reply)
    except ValueError:
        return reply
    paragraphs = data.get("paragraphs") if isinstance(data, dict) else None
    if not isinstance(paragraphs, list):
        return reply
    blocks = []
    for paragraph in paragraphs:
        sentences = paragraph.get("sentences", []) if isinstance(paragraph, dict) else []
        written = []
        for sentence in (s for s in sentences if isinstance(s, dict)):
            text = str(sentence.get("text", "")).strip()
            if text and text[-1] not in ".!?":
                text += "."
            numbers = [n for n in sentence.get("citations", []) if isinstance(n, int)]
            written.append(with_mark(text, "".join(f"[{n}]" for n in numbers)))
        blocks.append(" ".join(written))
    return "\n\n".join(blocks)


def ask_model(
    model: Any, prompt: str, timeout: float, cancel: threading.Event | None, **options: Any
) -> str:
    """The model's reply, waiting at most `timeout` seconds and no longer than the ask lasts.

    `llm` has no timeout of its own, so the call runs in a daemon thread that is abandoned
    when time runs out or `cancel` is set: a hung model never holds up an answer or an exit.
    `options` (and a `schema`) go to the model as they are.
    """
    result: dict[str, Any] = {}
    finished = threading.Event()

    def call() -> None:
        try:
            result["reply"] = model.prompt(prompt, **options).text()
        except BaseException as error:  # handed to the waiting thread, which raises it
            result["error"] = error
        finally:
            finished.set()

    threading.Thread(target=call, name=f"model {model.model_id}", daemon=True).start()
    deadline = time.monotonic() + timeout
    while not finished.wait(min(0.1, max(0.0, deadline - time.monotonic()))):
        if cancel is not None and cancel.is_set():
            raise Cancelled("the ask was cancelled while the model was writing")
        if time.monotonic() >= deadline:
            raise ModelTimeout(f"the model '{model.model_id}' did not answer within {timeout:g} s")
    if "error" in result:
        raise result["error"]
    return str(result["reply"])


@dataclass
class ModelWriter:
    """The LLM writer for one ask: writes the line, then (once) repairs it after the check."""

    model_name: str
    template: str
    timeout: float = 60.0
    cancel: threading.Event | None = None
    context: int = DEFAULT_CONTEXT
    # What the line was written from: the prompt, the outline it numbers, the reply.
    asked: tuple[str, Outline, str] | None = field(default=None, init=False, repr=False)
    _hung: bool = field(default=False, init=False, repr=False)  # it timed out as a judge

    def __call__(self, outline: Outline) -> Draft:
        """Ask the model; fall back to the extractive writer if it fails twice.

        A model that does not answer within `timeout` seconds is not asked again. A reply
        that says the notes do not cover the question is an answer: it is not retried.
        """
        self.asked = None  # a writer may write several lines (refresh): repair only this one
        if not outline.notes:
            return write_extractive(outline)
        model = self._model()
        prompt, sized = fit_prompt(outline, self.template, self.context)
        problems: list[str] = []
        for attempt in range(2):
            asked = prompt
            if attempt:
                asked += (
                    "\n\nYour previous answer had these problems: "
                    + "; ".join(problems)
                    + ". Write the whole line again and fix them."
                )
            try:
                reply = self._ask(model, asked)
            except ModelTimeout:  # a hung model is not asked again
                return _instead(outline, self._timed_out())
            except ModelFailed as error:  # a network or provider failure: try again
                problems = [str(error)]
                continue
            paragraphs, problems = parse_reply(reply, sized)
            if not problems:
                self.asked = (prompt, sized, reply)
                return self._draft(sized, paragraphs)
        return _instead(
            outline,
            f"the model '{self.model_name}' did not produce a usable line ({'; '.join(problems)})",
        )

    def repair(self, dropped: list[Sentence]) -> Draft | None:
        """The line rewritten by the model without the sentences the checker dropped, or
        None if there is nothing to repair or the rewrite cannot be used."""
        if self.asked is None or not dropped:
            return None
        prompt, sized, reply = self.asked
        listed = "\n".join(f"- {s.text}" for s in dropped)
        asked = (
            f"{prompt}\n\nYou wrote:\n\n{reply.strip()}\n\nThese sentences are not supported "
            f"by the notes they cite:\n{listed}\n\nWrite the whole line again without them. Keep "
            "the other sentences and their [n] numbers, and mend the sentences that leaned on "
            "the removed ones. Add no new findings."
        )
        try:
            paragraphs, problems = parse_reply(self._ask(self._model(), asked), sized)
        except (ModelTimeout, ModelFailed):
            return None
        return None if problems else self._draft(sized, paragraphs)

    def answer(self, prompt: str) -> str | None:
        """The model's reply to a short question (the citation judge's), or None when the
        call fails or times out. A model that timed out once is not asked again."""
        if self._hung:
            return None
        model = self._model()
        try:
            return ask_model(
                model, prompt, self.timeout, self.cancel, **model_options(model, self.context)
            )
        except ModelTimeout:
            self._hung = True
            return None
        except Cancelled:
            raise
        except Exception:  # a failed call decides nothing: the checker's score stands
            return None

    def _model(self) -> Any:
        return load_model(self.model_name)

    def _ask(self, model: Any, prompt: str) -> str:
        """The reply to `prompt`, at temperature 0 and as structured output where the model
        takes them; a failure of the call itself is raised as `ModelFailed`."""
        options = model_options(model, self.context)
        if getattr(model, "supports_schema", False):
            options["schema"] = REPLY_SCHEMA
            prompt += SCHEMA_NOTE
        return from_json(
            call_model(model, self.model_name, prompt, self.timeout, self.cancel, options)
        )

    def _timed_out(self) -> str:
        return f"the model '{self.model_name}' did not answer within {self.timeout:g} s"

    def _draft(self, sized: Outline, paragraphs: list[list[Sentence]]) -> Draft:
        """The model's line; if it said the notes do not cover the question and cited none,
        its own words are the answer, said instead of an essay."""
        writer = f"llm:{self.model_name}"
        coverage = reply_coverage(paragraphs, sized)
        if coverage == "none":
            said = [s.text for p in paragraphs for s in p if says_not_covered(s.text)]
            return Draft(sized.question, "", coverage, writer, [], [], message=" ".join(said))
        draft = Draft(sized.question, "", coverage, writer, paragraphs, [])
        rows = {n.doc.path: n.doc for n in sized.notes}
        draft.sources = [rows[p] for p in draft.cited()]
        draft.dek = dek_for(sized.question, len(draft.sources))
        return draft


def write_llm(
    outline: Outline,
    model_name: str,
    template: str,
    timeout: float = 60.0,
    cancel: threading.Event | None = None,
    context: int = DEFAULT_CONTEXT,
) -> Draft:
    """The configured model's line for `outline` (see `ModelWriter.__call__`)."""
    return ModelWriter(model_name, template, timeout, cancel, context)(outline)


def _instead(outline: Outline, why: str) -> Draft:
    """The extractive writer's line, with a warning that says why the model's was not used."""
    draft = write_extractive(outline)
    draft.warnings.append(f"{why}; the extractive writer wrote this line instead")
    return draft


class ModelFailed(Exception):
    """The model call itself failed (network, provider): worth one more try."""


def load_model(name: str) -> Any:
    """The `llm` model called `name`, or a message naming how to list the installed ones."""
    import llm

    try:
        return llm.get_model(name)
    except llm.UnknownModelError as error:
        raise InquiringError(
            f"no model called '{name}'; run 'llm models' to list the ones installed"
        ) from error


def call_model(
    model: Any, name: str, prompt: str, timeout: float, cancel: Any, options: dict[str, Any]
) -> str:
    """`ask_model`, with a missing API key said plainly; a timeout or a cancelled ask is
    raised as it is, and any other failure of the call as `ModelFailed`."""
    import llm

    try:
        return ask_model(model, prompt, timeout, cancel, **options)
    except (ModelTimeout, InquiringError):
        raise
    except llm.errors.NeedsKeyException as error:
        raise InquiringError(
            f"the model '{name}' needs an API key; add one with "
            "'llm keys set …' or set it in the environment"
        ) from error
    except Exception as error:
        raise ModelFailed(f"the model call failed ({error})") from error
