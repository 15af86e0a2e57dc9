"""Writers turn an outline into a draft; all of them return the same `Draft`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..index import DocRow
from ..text import plain_prose

# What a sentence does in the argument, as `--json` reports it.
SENTENCE_ROLES = (
    "frame",
    "evidence",
    "mechanism",
    "disagreement",
    "limit",
    "takeaway",
    "connective",
)


@dataclass
class Sentence:
    text: str
    citations: list[str] = field(default_factory=list)  # note paths, in order
    connective: bool = False  # says how notes relate; makes no claim of its own
    support: dict[str, float] = field(default_factory=dict)  # citation → support score
    supported: bool = True  # the checker found a citation that supports it
    role: str = ""  # one of SENTENCE_ROLES; a connective's is "connective"
    quoted: bool = False  # the checker found it word for word in every note it cites
    # Where a writer kept each citation's place ("X [1], while Y [2]"): (clause, its notes).
    clauses: list[tuple[str, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.role:
            self.role = "connective" if self.connective else "evidence"


@dataclass
class CitationCheck:
    """What the citation check measured, so a line can say how its support was found."""

    quoted: int = 0  # citations of a sentence that is the cited note's own words
    quoted_found: int = 0  # of them, found supported
    paraphrased: int = 0  # citations of a sentence in other words than the note's
    paraphrased_supported: int = 0  # of them, scored at or above the checker's threshold
    claims: int = 0  # sentences that make a claim
    claims_backed: int = 0  # of them, with a supporting citation for every clause
    judged: int = 0  # doubtful citations the configured model was asked about (--judge)


KEEP_SHARE = 0.6  # a line that keeps fewer of its claims than this says so


def too_few_kept(claims: int, backed: int) -> str:
    """In plain words, that most of a line's claims were dropped; empty if enough were kept."""
    if not claims or backed / claims >= KEEP_SHARE:
        return ""
    return f"only {backed} of {claims} claims were found in the cited notes; the rest were dropped"


@dataclass
class Draft:
    question: str
    dek: str
    coverage: str
    writer: str  # "extractive" or "llm:<model>"
    paragraphs: list[list[Sentence]]
    sources: list[DocRow]  # every cited note, in order of first citation
    message: str = ""  # said instead of an essay when the vault has nothing
    warnings: list[str] = field(default_factory=list)
    checked: CitationCheck | None = None  # set by the citation check

    def cited(self) -> list[str]:
        seen: dict[str, None] = {}
        for paragraph in self.paragraphs:
            for sentence in paragraph:
                for path in sentence.citations:
                    seen.setdefault(path, None)
        return list(seen)

    def marks(self) -> list[list[list[int]]]:
        """Per paragraph and sentence, the Sources numbers (from 1) its citation mark shows.

        A sentence whose notes are exactly those of the next sentence shows no mark: the
        next one's mark covers both, so the same note is not cited twice in a row.
        """
        number = {d.path: i for i, d in enumerate(self.sources, start=1)}
        out = []
        for paragraph in self.paragraphs:
            marks = [[number[p] for p in s.citations if p in number] for s in paragraph]
            for i in range(len(marks) - 1):
                if marks[i] and marks[i] == marks[i + 1]:
                    marks[i] = []
            out.append(marks)
        return out


def with_mark(text: str, mark: str) -> str:
    """`mark` set into the sentence before its closing stop: "… helpfulness [1]."."""
    if not mark:
        return text
    body = text.rstrip()
    end = len(body.rstrip(".!?"))
    return f"{body[:end]} {mark}{body[end:]}"


_AUX_DROPPED = ("do", "did")
_AUX_KEPT = (
    "does",
    "is",
    "are",
    "was",
    "were",
    "can",
    "could",
    "should",
    "will",
    "would",
    "has",
    "have",
    "might",
    "must",
    "may",
)
_WH = ("how", "why", "what", "when", "where", "which", "who", "whom", "whose")


def dek_for(question: str, notes: int) -> str:
    """'This explores …' from the question, without claiming anything the notes do not."""
    words = question.strip().rstrip("?").split()
    tail = f", drawing on {notes} note{'s' if notes != 1 else ''} in the vault."
    if len(words) >= 3 and words[0].lower() in _WH:
        second = words[1].lower()
        if words[0].lower() == "how" and second in _AUX_DROPPED and words[2] in ("I", "we"):
            return "This explores how to " + " ".join(words[3:]) + tail  # "How do I X?"
        if second in _AUX_DROPPED:
            return "This explores " + " ".join([words[0].lower(), *words[2:]]) + tail
        if second not in _AUX_KEPT:
            return "This explores " + " ".join([words[0].lower(), *words[1:]]) + tail
    return f"This explores the question “{question.strip()}”" + tail


_LEADING_MARKUP = re.compile(r"^(?:[#>*+|=~\-\u2013\u2014]+\s*|\d{1,3}[.)]\s+)+")


def clean(sentence: str) -> str:
    """A sentence as it will stand in the line: whole, trimmed, ending in a full stop.

    No bracket survives and nothing at its start reads as a heading, list, quote or table,
    so a sentence cannot change the structure of the line it is written into.
    """
    text, before = sentence, None
    while text != before:  # removing one piece can join two into markup: "<%%b" → "<b"
        before = text
        text = re.sub(r"[\[\]]|<+(?=[A-Za-z/!?])", "", plain_prose(text))
        text = _LEADING_MARKUP.sub("", text).strip("-\u2013\u2014 ")
    if text and text[-1] not in ".!?":
        text += "."
    return text[0].upper() + text[1:] if text else text
