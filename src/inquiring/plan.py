"""Ranked notes → an outline: which notes to use, their themes, the frame, each note's role.

Everything here comes from measurable signals — similarity to the question and between
notes, the link graph, and the notes' own wording — so the same vault and question always
give the same outline, and a writer (extractive or LLM) only has to put it into prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .index import DocRow, Index
from .parse import wikilink_parts
from .search import Hit, Searcher, SearchResult
from .text import WIKILINK, body_sentences, inline_text, sentences_of
from .words import content_words

ROLES = ("frame", "converging", "mechanism", "caveat", "failure", "takeaway")
MIN_NOTES, MAX_NOTES = 6, 12
THEME_SIMILARITY = 0.55  # notes at least this similar share a theme

# Cue words in a note's own dek and summary that suggest its role in an argument.
CUES = {
    "failure": r"degrad|fail|collaps|harm|hurt|worse|break|erod|forget|undo|hallucinat|"
    r"overoptimi|brittle|drop|shortcut|damag|lose|loss of|compromis|jailbreak",
    "caveat": r"\bonly\b|however|\bbut\b|limited|depends|not always|caveat|qualif|unclear|"
    r"mixed|question|mirage|artefact|artifact|overstate|less than|doubt",
    "mechanism": r"mechanism|because|layer|parameter|subnetwork|representation|neuron|weights|"
    r"gradient|inside|circuit|direction|subspace|rank|store|encod",
    "takeaway": r"surprising|unexpected|counterintuitive|\beven\b|single|a handful|few|"
    r"\bnot\b.*\bneeded\b|as well as",
}
DISAGREE = re.compile(
    r"disagree|contradict|challeng|dispute|in tension|at odds|qualifies|cuts against|"
    r"pushes back|casts doubt|counter-?evidence|argues? against",
    re.IGNORECASE,
)
# Sentences that lean on the one before them make no sense when lifted out of the note.
ANAPHORIC = re.compile(
    r"^(this|that|these|those|it|its|they|their|them|such|here|there|both|because|but|and|"
    r"so|yet|still|also|however|instead|then|even|thus|hence|again|similarly|likewise|"
    r"in (contrast|turn|short|other words)|for (example|instance)|on the other hand|what|"
    r"the (authors?|paper|study|results?|same|tuned|effect|gap|finding|method|approach|latter|"
    r"former|model|models|examples?|subset|experiments?|baseline))\b|^[^A-Z]",
    re.IGNORECASE,
)
MAX_BODY_SENTENCES = 4


@dataclass
class PlannedNote:
    doc: DocRow
    relevance: float  # fused search score, scaled so the best note is 1
    cosine: float  # similarity of the question and the note
    role: str = "converging"
    theme: int = 0
    key_sentences: list[str] = field(default_factory=list)  # best first


@dataclass(frozen=True)
class Disagreement:
    first: PlannedNote
    second: PlannedNote
    evidence: str  # the sentence in which the first note qualifies or disputes the second


@dataclass
class Outline:
    question: str
    coverage: str
    notes: list[PlannedNote]  # in the order the argument uses them; the frame first
    themes: list[list[PlannedNote]]
    disagreements: list[Disagreement]
    missing: list[str]  # question words no chosen note uses (said when coverage is thin)
    nearest: list[Hit] = field(default_factory=list)

    @property
    def frame(self) -> PlannedNote | None:
        return self.notes[0] if self.notes else None

    def by_role(self, role: str) -> list[PlannedNote]:
        return [n for n in self.notes if n.role == role]


def plan(searcher: Searcher, result: SearchResult) -> Outline:
    """Choose notes from the ranked hits and give the argument its shape."""
    index = searcher.index
    if result.coverage == "none" or not result.hits:
        return Outline(result.query, result.coverage, [], [], [], [], result.hits[:5])
    chosen = _choose(result.hits)
    vectors = searcher.vectors().head_vectors([n.doc.id for n in chosen])
    similarity = vectors @ vectors.T
    _assign_themes(chosen, similarity)
    _assign_roles(chosen, similarity)
    _pick_sentences(index, result.query, chosen)
    ordered = sorted(chosen, key=lambda n: (ROLES.index(n.role), -n.relevance))
    themes: dict[int, list[PlannedNote]] = {}
    for note in ordered:
        themes.setdefault(note.theme, []).append(note)
    return Outline(
        question=result.query,
        coverage=result.coverage,
        notes=ordered,
        themes=list(themes.values()),
        disagreements=find_disagreements(index, ordered),
        missing=_missing_words(index, result.query, ordered),
    )


def _choose(hits: list[Hit]) -> list[PlannedNote]:
    """The hits worth citing: at least the top six, more while they stay relevant."""
    top = max(h.score for h in hits)
    notes = [
        PlannedNote(h.doc, h.score / top, h.semantic or 0.0) for h in hits if h.doc.kind == "note"
    ]
    keep = [n for i, n in enumerate(notes) if i < MIN_NOTES or n.relevance >= 0.35]
    return keep[:MAX_NOTES]


def _assign_themes(notes: list[PlannedNote], similarity: np.ndarray) -> None:
    """Single-link grouping: notes close enough in meaning share a theme."""
    theme = list(range(len(notes)))
    for i in range(len(notes)):
        for j in range(i):
            if similarity[i, j] >= THEME_SIMILARITY:
                old, new = theme[i], theme[j]
                theme = [new if t == old else t for t in theme]
    numbering: dict[int, int] = {}
    for note, t in zip(notes, theme, strict=True):
        note.theme = numbering.setdefault(t, len(numbering))


def _assign_roles(notes: list[PlannedNote], similarity: np.ndarray) -> None:
    """The frame is the most relevant and most central note; the rest by their wording."""
    centrality = (similarity.sum(axis=1) - 1) / max(1, len(notes) - 1)
    frame = int(np.argmax([n.relevance + c for n, c in zip(notes, centrality, strict=True)]))
    notes[frame].role = "frame"
    for i, note in enumerate(notes):
        if i == frame:
            continue
        text = f"{note.doc.title} {note.doc.dek} {note.doc.summary}".lower()
        scores = {role: len(re.findall(pattern, text)) for role, pattern in CUES.items()}
        role = max(scores, key=lambda r: scores[r])
        note.role = role if scores[role] > 0 else "converging"
    # A takeaway is a closing point: keep at most one, the least central.
    takeaways = [i for i, n in enumerate(notes) if n.role == "takeaway"]
    for i in sorted(takeaways, key=lambda i: centrality[i])[1:]:
        notes[i].role = "converging"


def standalone(sentence: str) -> bool:
    """Whether a sentence can be quoted on its own: no leaning back, no cross-references."""
    return not ANAPHORIC.match(sentence.strip()) and "[[" not in sentence


def candidate_sentences(index: Index, doc: DocRow, words: set[str]) -> tuple[list[str], int]:
    """(the note's quotable sentences, how many of them come from its summary).

    Body sentences are narrowed by the words they share with the question and the title,
    so that only a handful per note need embedding.
    """
    summary = [s for s in sentences_of(doc.summary) if standalone(s)]
    body = [
        s for s in sentences_of(index.body(doc.path)) if standalone(s) and 8 <= len(s.split()) <= 45
    ]
    body.sort(key=lambda s: -len(words & set(content_words(s))))
    return list(dict.fromkeys(summary + body[:MAX_BODY_SENTENCES])), len(summary)


def _pick_sentences(index: Index, question: str, notes: list[PlannedNote]) -> None:
    """Rank each note's sentences for the question: summary sentences first, then by the
    share of the question's (and the note title's) words they use.

    The notes were already chosen by meaning; within a note, its own summary is the best
    statement of its finding, so no embedding is needed here and a line stays fast.
    """
    qwords = set(content_words(question))
    for note in notes:
        words = qwords | set(content_words(note.doc.title))
        candidates, from_summary = candidate_sentences(index, note.doc, words)
        scored = []
        for i, sentence in enumerate(candidates):
            overlap = len(words & set(content_words(sentence))) / max(1, len(words))
            bonus = 0.25 if i < from_summary else 0.0
            scored.append((overlap + bonus - 0.01 * i, sentence))
        note.key_sentences = [s for _, s in sorted(scored, key=lambda pair: -pair[0])]


def find_disagreements(index: Index, notes: list[PlannedNote]) -> list[Disagreement]:
    """Pairs of chosen notes where one, in its own words, qualifies or disputes the other."""
    by_path = {n.doc.path: n for n in notes}
    found: list[Disagreement] = []
    seen: set[frozenset[str]] = set()
    for note in notes:
        for sentence in body_sentences(index.body(note.doc.path)):
            shown = WIKILINK.sub(lambda m: wikilink_parts(m.group(2))[2], sentence)
            if not DISAGREE.search(shown) or ANAPHORIC.match(sentence):
                continue
            for link in index.links_from(note.doc.path):
                other = by_path.get(link.resolved or "")
                pair = frozenset((note.doc.path, link.resolved or ""))
                if other and other is not note and pair not in seen and link.target in sentence:
                    seen.add(pair)
                    found.append(Disagreement(note, other, inline_text(sentence)))
    return found


def _missing_words(index: Index, question: str, notes: list[PlannedNote]) -> list[str]:
    text = " ".join(
        f"{n.doc.title} {n.doc.dek} {n.doc.summary} {index.body(n.doc.path)}" for n in notes
    ).lower()
    return [w for w in content_words(question) if w not in text]
