"""The LLM writer, through the `llm` library: only ever used when the user configured a model.

The prompt (a template the user can override) gives the numbered notes of the outline and
asks for the line's structure with `[n]` markers, which become citations. A reply with
unknown markers, uncited claims, a truncated end or a refusal gets one retry with the
problem stated; after that the extractive writer is used, with a warning.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from ..errors import InquiringError
from ..index import Index
from ..plan import Outline
from . import Draft, Sentence, clean, dek_for
from .extractive import write_extractive

_MARKER = re.compile(r"\s*\[(\d+)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_REFUSAL = re.compile(r"^\s*(i'm sorry|i am sorry|i can(no|')t|as an ai)", re.IGNORECASE)


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
    stripped = text.strip()
    if not stripped or stripped[-1] not in '.!?)"”':
        problems.append("the reply stops mid-sentence (it looks truncated)")
    paragraphs: list[list[Sentence]] = []
    uncited = 0
    for block in re.split(r"\n\s*\n", stripped):
        sentences = []
        for raw in _SENTENCE_END.split(" ".join(block.split())):
            numbers = [int(n) for n in _MARKER.findall(raw)]
            bad = [n for n in numbers if not 1 <= n <= len(paths)]
            if bad:
                problems.append(
                    f"it cites notes that do not exist: {', '.join(f'[{n}]' for n in bad)}"
                )
            words = _MARKER.sub("", raw).strip()
            if not words:
                continue
            cites = list(dict.fromkeys(paths[n - 1] for n in numbers if 1 <= n <= len(paths)))
            claim_like = bool(re.search(r"\d", words)) or len(words.split()) > 22
            if not cites and claim_like:
                uncited += 1
            sentences.append(Sentence(clean(words), cites, connective=not cites))
        if sentences:
            paragraphs.append(sentences)
    if uncited:
        problems.append(f"{uncited} sentences state findings without a [n] marker")
    if not any(s.citations for p in paragraphs for s in p):
        problems.append("it cites no note at all")
    return paragraphs, list(dict.fromkeys(problems))


def write_llm(index: Index, outline: Outline, model_name: str, template: str) -> Draft:
    """Ask the configured model; fall back to the extractive writer if it fails twice."""
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
            reply = model.prompt(prompt).text()
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
    draft = write_extractive(index, outline)
    draft.warnings.append(
        f"the model '{model_name}' did not produce a usable line ({'; '.join(problems)}); "
        "this line was written by the extractive writer instead"
    )
    return draft
