"""Writers turn an outline into a draft; all of them return the same `Draft`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..index import DocRow
from ..text import plain_prose


@dataclass
class Sentence:
    text: str
    citations: list[str] = field(default_factory=list)  # note paths, in order
    connective: bool = False  # says how notes relate; makes no claim of its own
    support: dict[str, float] = field(default_factory=dict)  # citation → support score
    supported: bool = True  # the checker found a citation that supports it


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

    def cited(self) -> list[str]:
        seen: dict[str, None] = {}
        for paragraph in self.paragraphs:
            for sentence in paragraph:
                for path in sentence.citations:
                    seen.setdefault(path, None)
        return list(seen)


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
