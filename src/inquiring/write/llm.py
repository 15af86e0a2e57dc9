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

import re
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import Cancelled, InquiringError, ModelTimeout
from ..index import Index
from ..plan import Outline
from ..text import HTML, plain_prose, split_sentences
from ..verify import states_a_gap
from . import Draft, Sentence, clean, dek_for
from .extractive import write_extractive

_MARKER = re.compile(r"\s*\[(\d+)\]")
_MARKER_LIST = re.compile(
    r"\[(?:notes?\s*)?#?(\d+(?:\s*(?:,|;|and|-|\u2013|\u2014)\s*(?:notes?\s*)?#?\d+)+)\]",
    re.IGNORECASE,
)
_MARKER_ALIAS = re.compile(r"\[(?:notes?\s*)?#?(\d+)\](?:\([^()\n]*\))?", re.IGNORECASE)
_MARKER_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+\])+)")
_REFUSAL = re.compile(r"^\s*(i'm sorry|i am sorry|i can(no|')t|as an ai)", re.IGNORECASE)
# Lines that are structure, not prose: headings, rules, fences, table rulers, link definitions.
_NOT_PROSE = re.compile(
    r"^\s*(#{1,6}(\s|$)|(`{3,}|~{3,}).*|([-*_=~]\s*){3,}$|\|?\s*:?-{2,}|\[[^\]]+\]:)"
)
_LIST_MARK = re.compile(r"^\s*(?:[>*+|-]\s*|\d{1,3}[.)]\s+)+")
_SOURCES = re.compile(
    r"^\W*(sources|references|citations|bibliography|works cited|notes cited|cited notes)"
    r"\W*(:.*)?$",  # "Sources:" alone or followed by the list on the same line
    re.IGNORECASE,
)
_PREAMBLE = re.compile(
    r"^(sure|certainly|of course|okay|ok|absolutely|great|here is|here's|below is)\b",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(r"^(let me know|i hope|hope this|feel free)\b", re.IGNORECASE)
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


def build_prompt(outline: Outline, template: str) -> str:
    blocks = []
    for i, note in enumerate(outline.notes, start=1):
        key = " ".join(note.key_sentences[:3])
        blocks.append(f"[{i}] {note.doc.title}\nSummary: {note.doc.summary}\nKey sentences: {key}")
    coverage_note = ""
    if outline.coverage == "thin":
        missing = ", ".join(outline.missing[:5]) or "parts of the question"
        coverage_note = (
            f"The notes only partly cover this question (nothing on: {missing}). "
            "Say so in the first sentence.\n"
        )
    return template.format(
        question=outline.question, notes="\n\n".join(blocks), coverage_note=coverage_note
    )


def parse_reply(text: str, outline: Outline) -> tuple[list[list[Sentence]], list[str]]:
    """Paragraphs of cited sentences, and the problems found in the reply."""
    problems: list[str] = []
    paths = [n.doc.path for n in outline.notes]
    if _REFUSAL.match(text):
        return [], ["the model declined to answer"]
    blocks = _prose_blocks(text)
    if not blocks or blocks[-1][-1] not in '.!?)"”':
        problems.append("the reply stops mid-sentence (it looks truncated)")
    paragraphs: list[list[Sentence]] = []
    uncited = 0
    for block in blocks:
        sentences = []
        for raw in split_sentences(block):
            numbers = [int(n) for n in _MARKER.findall(raw)]
            bad = [n for n in numbers if not 1 <= n <= len(paths)]
            if bad:
                problems.append(
                    f"it cites notes that do not exist: {', '.join(f'[{n}]' for n in bad)}"
                )
            words = clean(_MARKER.sub("", raw))
            if not re.search(r"\w", words):
                continue
            cites = list(dict.fromkeys(paths[n - 1] for n in numbers if 1 <= n <= len(paths)))
            claim_like = bool(re.search(r"\d", words)) or len(words.split()) > 22
            if not cites and claim_like and not states_a_gap(words):
                uncited += 1
            sentences.append(Sentence(words, cites, connective=not cites))
        if sentences:
            paragraphs.append(sentences)
    if uncited:
        problems.append(f"{uncited} sentences state findings without a [n] marker")
    if not any(s.citations for p in paragraphs for s in p):
        problems.append("it cites no note at all")
    _assign_roles(paragraphs, outline)
    return paragraphs, list(dict.fromkeys(problems))


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
    """The reply's paragraphs as prose with `[n]` markers, its Markdown structure removed."""
    lines: list[str] = []
    for line in HTML.sub(" ", text).splitlines():  # a comment or tag may span lines
        if _SOURCES.match(line):
            break  # a "Sources:" list repeats the citations as links: the line makes its own
        lines.append("" if _NOT_PROSE.match(line) else _LIST_MARK.sub("", line).rstrip(" |"))
    blocks = []
    for block in re.split(r"\n\s*\n", "\n".join(lines)):
        block = _MARKER_LIST.sub(_expand, _MARKER_ALIAS.sub(r"[\1]", block))
        block = _MARKER_AFTER_STOP.sub(r"\2\1", plain_prose(block))
        if re.search(r"\w", block):
            blocks.append(block)
    opening = blocks[0] if blocks else ""
    if not _MARKER.search(opening) and (opening.endswith(":") or _PREAMBLE.match(opening)):
        blocks.pop(0)  # "Sure! Here is the line you asked for:"
    if blocks and not _MARKER.search(blocks[-1]) and _SIGN_OFF.match(blocks[-1]):
        blocks.pop()  # "Let me know if you would like changes."
    return blocks


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


def ask_model(model: Any, prompt: str, timeout: float, cancel: threading.Event | None) -> str:
    """The model's reply, waiting at most `timeout` seconds and no longer than the ask lasts.

    `llm` has no timeout of its own, so the call runs in a daemon thread that is abandoned
    when time runs out or `cancel` is set: a hung model never holds up an answer or an exit.
    """
    result: dict[str, Any] = {}
    finished = threading.Event()

    def call() -> None:
        try:
            result["reply"] = model.prompt(prompt).text()
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


def write_llm(
    index: Index,
    outline: Outline,
    model_name: str,
    template: str,
    timeout: float = 60.0,
    cancel: threading.Event | None = None,
) -> Draft:
    """Ask the configured model; fall back to the extractive writer if it fails twice.

    A model that does not answer within `timeout` seconds is not asked again.
    """
    import llm

    if not outline.notes:
        return write_extractive(index, outline)
    try:
        model = llm.get_model(model_name)
    except llm.UnknownModelError as error:
        raise InquiringError(
            f"no model called '{model_name}'; run 'llm models' to list the ones installed"
        ) from error
    prompt = build_prompt(outline, template)
    problems: list[str] = []
    for attempt in range(2):
        if attempt:
            prompt += (
                "\n\nYour previous answer had these problems: "
                + "; ".join(problems)
                + ". Write the whole line again and fix them."
            )
        try:
            reply = ask_model(model, prompt, timeout, cancel)
        except ModelTimeout:  # a hung model is not asked again
            return _instead(
                index, outline, f"the model '{model_name}' did not answer within {timeout:g} s"
            )
        except InquiringError:  # cancelled
            raise
        except llm.errors.NeedsKeyException as error:
            raise InquiringError(
                f"the model '{model_name}' needs an API key; add one with 'llm keys set …' "
                "or set it in the environment"
            ) from error
        except Exception as error:  # a network or provider failure: try again, then fall back
            problems = [f"the model call failed ({error})"]
            continue
        paragraphs, problems = parse_reply(reply, outline)
        if not problems:
            draft = Draft(
                outline.question, "", outline.coverage, f"llm:{model_name}", paragraphs, []
            )
            rows = {n.doc.path: n.doc for n in outline.notes}
            draft.sources = [rows[p] for p in draft.cited()]
            draft.dek = dek_for(outline.question, len(draft.sources))
            return draft
    return _instead(
        index,
        outline,
        f"the model '{model_name}' did not produce a usable line ({'; '.join(problems)})",
    )


def _instead(index: Index, outline: Outline, why: str) -> Draft:
    """The extractive writer's line, with a warning that says why the model's was not used."""
    draft = write_extractive(index, outline)
    draft.warnings.append(f"{why}; the extractive writer wrote this line instead")
    return draft
