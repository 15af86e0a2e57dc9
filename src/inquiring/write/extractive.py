"""The default writer: offline and deterministic, composed from the notes' own sentences.

Each claim is a sentence taken from the cited note (its summary first), chosen for its
relevance to the question; the connecting sentences only say how the notes relate and
make no claim of their own.
"""

from __future__ import annotations

from ..index import Index
from ..plan import Outline, PlannedNote
from ..words import content_words
from . import ROLE_OF_NOTE, Draft, Sentence, clean, dek_for

CONNECTIVES = {
    "converging": "Several notes converge on this from different directions.",
    "mechanism": "On how this comes about, the notes point to mechanisms.",
    "disagree": "Not every note agrees, and the disagreement is worth keeping in view.",
    "failure": "The notes are also explicit about where this breaks down.",
    "caveat": "Some notes qualify the picture.",
    "takeaway": "A point a curious reader might not expect:",
}
PER_NOTE = {"frame": 2, "converging": 1, "mechanism": 1, "caveat": 1, "failure": 1, "takeaway": 1}


def write_extractive(index: Index, outline: Outline) -> Draft:
    """Compose the line from the outline, never using the same sentence twice."""
    if not outline.notes:
        return _nothing(outline)
    used: set[str] = set()
    paragraphs: list[list[Sentence]] = []
    if outline.coverage == "thin":
        paragraphs.append([_thin_opening(outline)])
    frame = outline.frame
    assert frame is not None
    opening = _claims(frame, PER_NOTE["frame"], used)
    converging = [s for n in outline.by_role("converging") for s in _claims(n, 1, used)]
    if converging:
        opening += [Sentence(CONNECTIVES["converging"], connective=True), *converging]
    paragraphs.append(opening)
    disputed = _disagreement_paragraph(outline, used)
    for role in ("mechanism", "caveat", "failure"):
        claims = [s for n in outline.by_role(role) for s in _claims(n, PER_NOTE[role], used)]
        if claims:
            paragraphs.append([Sentence(CONNECTIVES[role], connective=True), *claims])
    if disputed:
        paragraphs.append(disputed)
    closing = _takeaway(outline, used)
    if closing:
        paragraphs.append(closing)
    draft = Draft(
        outline.question,
        dek_for(outline.question, 0),
        outline.coverage,
        "extractive",
        paragraphs,
        [],
    )
    cited = draft.cited()
    draft.dek = dek_for(outline.question, len(cited))
    rows = {n.doc.path: n.doc for n in outline.notes}
    draft.sources = [rows[p] for p in cited]
    return draft


def _claims(note: PlannedNote, count: int, used: set[str], role: str = "") -> list[Sentence]:
    """Up to `count` unused sentences of the note, in the role the note plays (or `role`)."""
    role = role or ROLE_OF_NOTE[note.role]
    out = []
    for sentence in note.key_sentences:
        text = clean(sentence)
        key = text.lower()
        if key in used or len(text.split()) < 6:
            continue
        used.add(key)
        out.append(Sentence(text, [note.doc.path], role=role))
        if len(out) == count:
            break
    return out


def _thin_opening(outline: Outline) -> Sentence:
    """Say what is missing in measured terms: which of the question's words no note found
    uses, out of how many (not how many notes were shown, which is a cap)."""
    text = "The vault is thin on this question"
    if outline.missing:
        shown = ", ".join(f"“{w}”" for w in outline.missing[:4])
        asked = len(content_words(outline.question))
        text += (
            f": none of the notes found mentions {shown} ({len(outline.missing)} of the "
            f"question's {asked} key words)"
        )
    return Sentence(text + ", so what follows is partial.", connective=True)


def _disagreement_paragraph(outline: Outline, used: set[str]) -> list[Sentence]:
    out: list[Sentence] = []
    for d in outline.disagreements[:2]:
        evidence = clean(d.evidence)
        if evidence.lower() in used:
            continue
        used.add(evidence.lower())
        other = _claims(d.second, 1, used, "disagreement")
        out += [Sentence(evidence, [d.first.doc.path], role="disagreement"), *other]
    if out:
        out.insert(0, Sentence(CONNECTIVES["disagree"], connective=True))
    return out


def _takeaway(outline: Outline, used: set[str]) -> list[Sentence]:
    notes = outline.by_role("takeaway") or ([outline.frame] if outline.frame else [])
    claims = [s for n in notes for s in _claims(n, 1, used, "takeaway")]
    if not claims:
        return []
    return [Sentence(CONNECTIVES["takeaway"], connective=True), *claims]


def _nothing(outline: Outline) -> Draft:
    message = (
        "The vault has nothing on this question, so there is no line to write. "
        "The nearest notes are listed below; adding notes on the topic would change that."
    )
    return Draft(outline.question, "", outline.coverage, "extractive", [], [], message)
