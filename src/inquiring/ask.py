"""Ask a question: search, plan, write, verify, save. The one function the CLI and web call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Cancelled
from .lines import check_unedited, corpus_hashes, near_duplicate, save_line
from .plan import Outline, plan
from .search import Searcher
from .settings import DEFAULT_CONTEXT
from .verify import Judge, SupportChecker
from .write import Draft, dek_for
from .write.extractive import write_extractive
from .write.llm import ModelWriter, load_template

Writer = Callable[[Outline], Draft]  # the outline in, the draft out
CANDIDATES = 15  # notes retrieved for planning


@dataclass
class Answer:
    draft: Draft
    outline: Outline
    support: tuple[float, float] = (1.0, 1.0)  # citation precision, claim recall
    path: Path | None = None  # where the line was saved
    duplicate: tuple[str, float] | None = None  # an existing line shown instead
    warnings: list[str] = field(default_factory=list)


def configured_writer(
    root: Path,
    model: str,
    prompt: str,
    timeout: float = 60.0,
    cancel: threading.Event | None = None,
    context: int = DEFAULT_CONTEXT,
) -> ModelWriter | None:
    """The LLM writer for a configured model, or None: then nothing is sent anywhere.

    The model gets `timeout` seconds to answer; setting `cancel` abandons the call at once.
    Its prompt is sized to `context` tokens.
    """
    if not model:
        return None
    template = load_template(root / prompt if prompt else None)
    return ModelWriter(model, template, timeout, cancel, context)


def ask(
    searcher: Searcher,
    question: str,
    writer: Writer = write_extractive,
    save: bool = True,
    new: bool = False,
    drop_unsupported: bool = True,
    line_path: Path | None = None,
    judge: Judge | None = None,
    force: bool = False,
    progress: Callable[[str], None] = lambda step: None,
    cancel: threading.Event | None = None,
) -> Answer:
    """Answer `question` from the vault as an inquiring line; `progress` hears each step.

    Setting `cancel` (its asker left, the server is stopping) ends the ask at its next step
    with `Cancelled`, and always before anything is saved. Rewriting the line at `line_path`
    raises `EditedByHand` if it was changed since it was written, unless `force`.
    """

    def step(name: str) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled("the ask was cancelled, so no line was saved")
        progress(name)

    if line_path is not None and line_path.exists() and not force:
        check_unedited(line_path, searcher.index.vault.root)
    if not new and line_path is None:
        duplicate = near_duplicate(searcher, question)
        if duplicate:
            empty = Draft(question, "", "", "", [], [])
            return Answer(empty, Outline(question, "", [], [], [], []), duplicate=duplicate)
    step("Finding the notes that bear on the question")
    result = searcher.search(question, limit=CANDIDATES)
    step("Planning the argument")
    outline = plan(searcher, result)
    step("Writing")
    draft = writer(outline)
    answer = Answer(draft, outline, warnings=list(draft.warnings))
    if not draft.paragraphs:
        return answer
    step("Checking every citation")
    checker = SupportChecker(searcher.index, searcher.embedder, outline=outline)
    claims = [s for p in draft.paragraphs for s in p if not s.connective]
    said = len(draft.warnings)
    answer.support = checker.check(draft, drop=drop_unsupported, judge=judge)
    dropped = [s for s in claims if not s.supported]
    if drop_unsupported and dropped and isinstance(writer, ModelWriter):
        step("Rewriting without the unsupported sentences")
        repaired = writer.repair(dropped)
        if repaired is not None and repaired.paragraphs:
            support = checker.check(repaired, drop=True, judge=judge)
            if _claims(repaired) >= _claims(draft):  # a worse rewrite keeps the first line
                draft, answer.draft, answer.support = repaired, repaired, support
                said = 0
    # what the check found, e.g. that most claims were dropped
    answer.warnings += [w for w in draft.warnings[said:] if w not in answer.warnings]
    if not any(not s.connective for p in draft.paragraphs for s in p):
        draft.paragraphs, draft.sources = [], []
        draft.message = (
            "No sentence survived the citation check, so no line was written; "
            "try --show-unsupported to see what was drafted."
        )
        return answer
    draft.dek = dek_for(question, len(draft.sources))  # some citations may have been dropped
    if save:
        step("Saving the line")
        consulted = [n.doc.path for n in outline.notes]
        corpus = corpus_hashes(searcher.index, consulted)
        answer.path = save_line(searcher.index, draft, answer.support, corpus, line_path)
    return answer


def _claims(draft: Draft) -> int:
    """The line's claims left after the citation check dropped the unsupported ones."""
    return sum(not s.connective for p in draft.paragraphs for s in p)
