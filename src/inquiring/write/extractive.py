"""The default writer: offline and deterministic, composed from the notes' own sentences.

Each claim is a sentence quoted from the cited note, chosen for the question. The line opens
with the sentence that answers most of the question, gathers the other notes' evidence by
theme, says how it comes about and where it stops holding only when the sentences quoted
there say so, and closes on a takeaway: the claim best echoed by the other notes, with the
main limit the notes state. The writer's own words only say how the notes relate.
"""

from __future__ import annotations

from ..plan import CLAIM_FLOOR, Claim, Outline, PlannedNote
from ..words import content_words, vocabulary_key
from . import Draft, Sentence, clean, dek_for

CONNECTIVES = {
    "mechanism": "On how this comes about:",
    "limit": "The notes also say where this stops holding.",
    "disagree": "Not every note agrees, and the disagreement is worth keeping in view.",
}
TAKEAWAY = "The takeaway:"
LIMIT = "the main limit:"
ADDS = "another note adds:"
ONE_NOTE = (
    "All of this comes from a single note: no other note found bears on the question, "
    "so nothing here is corroborated by a second source."
)
NEAR_DUPLICATE = 0.7  # claims sharing this share of their words say the same thing
PER_PARAGRAPH = 4
TAKEAWAY_WORDS = 6  # as short as any quoted sentence may be


def write_extractive(outline: Outline) -> Draft:
    """Compose the line from the outline, never using the same sentence twice."""
    if not outline.notes:
        return _nothing(outline)
    composer = _Composer(outline)
    paragraphs: list[list[Sentence]] = []
    if outline.coverage == "thin":
        paragraphs.append([_thin_opening(outline)])
    paragraphs += composer.compose()
    draft = Draft(outline.question, "", outline.coverage, "extractive", paragraphs, [])
    cited = draft.cited()
    draft.dek = dek_for(outline.question, len(cited))
    rows = {n.doc.path: n.doc for n in outline.notes}
    draft.sources = [rows[p] for p in cited]
    return draft


class _Composer:
    """Chooses the claims of one line and puts them in the order of an argument."""

    def __init__(self, outline: Outline) -> None:
        self.outline = outline
        self.used: list[Sentence] = []  # the claims written so far, to merge repeats into
        self.seen: set[str] = set()
        self.reserved: list[Claim] = []  # the takeaway's claims, kept for the closing

    def compose(self) -> list[list[Sentence]]:
        frame = self.outline.frame
        assert frame is not None
        others = [n for n in self.outline.notes if n is not frame]
        opening = self._frame(frame)
        closing_claims = self._reserve_closing(self.outline.notes)
        body: dict[str, list[tuple[int, Sentence]]] = {"evidence": [], "mechanism": [], "limit": []}
        for note in others:
            for sentence in self._take(note):
                body[sentence.role].append((note.theme, sentence))
        paragraphs = [opening]
        paragraphs += _by_theme(body["evidence"])
        for role in ("mechanism", "limit"):
            if body[role]:
                lead = Sentence(CONNECTIVES[role], connective=True)
                paragraphs.append([lead, *(s for _, s in body[role])])
        disputed = self._disagreement()
        if disputed:
            paragraphs.append(disputed)
        if closing_claims:
            paragraphs.append([self._closing(*closing_claims)])
        elif len({p for s in self.used for p in s.citations}) == 1:
            paragraphs.append([Sentence(ONE_NOTE, connective=True)])
        return [p for p in paragraphs if p]

    def _frame(self, note: PlannedNote) -> list[Sentence]:
        """The note that answers most: its best sentence, and its next if that adds to the
        answer, in the order the note gives them."""
        first = note.claims[:1]
        rest = [c for c in note.claims[1:3] if c.words - first[0].words or c.role != "evidence"]
        chosen = sorted(first + rest[:1], key=lambda c: c.position)
        return [s for c in chosen for s in self._quote(c, "frame")]

    def _take(self, note: PlannedNote) -> list[Sentence]:
        """The note's best claim not yet in the line (with its antecedent); a claim that
        says what a claim already written says adds its note to that one's citations
        instead."""
        for claim in note.claims:
            if self._merged(claim):
                return []
            quoted = self._quote(claim, claim.role)
            if quoted:
                return quoted
        return []

    def _quote(self, claim: Claim, role: str) -> list[Sentence]:
        texts = [clean(t) for t in (claim.before, claim.text) if t]
        if any(t.lower() in self.seen or len(t.split()) < 6 for t in texts):
            return []
        out = []
        for text in texts:
            self.seen.add(text.lower())
            out.append(Sentence(text, [claim.path], role=role))
        self.used += out
        return out

    def _said(self, claim: Claim) -> bool:
        return clean(claim.text).lower() in self.seen

    def _merged(self, claim: Claim) -> bool:
        """Whether the claim restates one already written: then that one cites both notes."""
        words = _stems(claim.text)
        for sentence in self.used:
            if _overlap(words, _stems(sentence.text)) >= NEAR_DUPLICATE:
                if claim.path not in sentence.citations:
                    sentence.citations.append(claim.path)
                return True
        for reserved in self.reserved:
            if _overlap(words, _stems(reserved.text)) >= NEAR_DUPLICATE:
                return True
        return False

    def _reserve_closing(self, notes: list[PlannedNote]) -> tuple[Claim, Claim, str] | None:
        """Set aside the takeaway's two claims before the body uses them: the claim the
        other notes echo most, and the main limit (else the best claim of another note)."""
        if len(notes) < 2:
            return None
        candidates = [
            c
            for n in notes
            for c in n.claims[:2]
            if not self._said(c)
            and not c.before
            and len(c.text.split()) >= TAKEAWAY_WORDS
            and not self._merged(c)
        ]
        if not candidates:
            return None
        stems = {id(c): _stems(c.text) for n in notes for c in n.claims[:3]}

        def echo(claim: Claim) -> float:
            """The mean share of the claim's words that each other note's claims repeat."""
            own = stems[id(claim)]
            shares = [
                max(_share_of(own, stems[id(c)]) for c in n.claims[:3])
                for n in notes
                if n.doc.path != claim.path and n.claims
            ]
            return sum(shares) / len(shares) if shares else 0.0

        most = max(c.share for c in candidates)
        best = max(
            (c for c in candidates if c.share >= most / 2), key=lambda c: c.score + echo(c) / 2
        )
        second = [c for c in candidates if c.path != best.path and c.share >= CLAIM_FLOOR]
        if not second:
            return None
        limits = [c for c in second if c.role == "limit"]
        own = stems[id(best)]
        partner = max(
            limits or second,
            key=lambda c: c.score + _share_of(own, stems[id(c)]),
        )
        for claim in (best, partner):
            self.seen.add(clean(claim.text).lower())
        self.reserved = [best, partner]
        return best, partner, LIMIT if limits else ADDS

    def _closing(self, best: Claim, partner: Claim, lead: str) -> Sentence:
        first = clean(best.text).rstrip(".!?")
        text = f"{TAKEAWAY} {first}; {lead} {clean(partner.text)}"
        return Sentence(text, [best.path, partner.path], role="takeaway")

    def _disagreement(self) -> list[Sentence]:
        out: list[Sentence] = []
        for d in self.outline.disagreements[:2]:
            evidence = clean(d.evidence)
            other = next((c for c in d.second.claims if not self._said(c)), None)
            if evidence.lower() in self.seen or other is None or other.before:
                continue
            quoted = self._quote(other, "disagreement")
            if quoted:
                self.seen.add(evidence.lower())
                out += [Sentence(evidence, [d.first.doc.path], role="disagreement"), *quoted]
        if out:
            out.insert(0, Sentence(CONNECTIVES["disagree"], connective=True))
        return out


def _by_theme(claims: list[tuple[int, Sentence]]) -> list[list[Sentence]]:
    """Evidence in paragraphs, one theme at a time; a sentence and the one it leans on
    (both citing the same note) stay together."""
    paragraphs: list[list[Sentence]] = []
    theme = None
    for t, sentence in sorted(claims, key=lambda pair: pair[0]):
        together = paragraphs and paragraphs[-1][-1].citations == sentence.citations
        full = paragraphs and len(paragraphs[-1]) >= PER_PARAGRAPH
        if not together and (not paragraphs or full or (t != theme and len(paragraphs[-1]) > 1)):
            paragraphs.append([])
        paragraphs[-1].append(sentence)
        theme = t
    return paragraphs


def _stems(text: str) -> set[str]:
    return {vocabulary_key(w) for w in content_words(text)}


def _share_of(own: set[str], other: set[str]) -> float:
    """The share of a claim's words that another claim repeats."""
    return len(own & other) / len(own) if own else 0.0


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(len(a), len(b)) if a and b else 0.0


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


def _nothing(outline: Outline) -> Draft:
    if outline.coverage == "none":
        message = "The vault has nothing on this question, so there is no line to write. "
    else:
        message = (
            "The notes found have no sentence that uses the question's words, so there is "
            "no line to write. "
        )
    message += "The nearest notes are listed below; adding notes on the topic would change that."
    return Draft(outline.question, "", outline.coverage, "extractive", [], [], message)
