"""Ranked notes → an outline: which notes to use, the sentences each offers, their roles.

Everything here comes from measurable signals — similarity to the question and between
notes, the link graph, the words of the question and of each sentence — so the same vault
and question always give the same outline, and a writer (extractive or LLM) only has to put
it into prose.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .index import DocRow, Index
from .search import Hit, Searcher, SearchResult
from .text import WIKILINK, body_sentences, inline_text, sentences_of, wikilink_parts
from .words import META_WORDS, content_words, same_language, vocabulary_key

ROLES = ("frame", "evidence", "mechanism", "limit")  # a note's role: that of its best sentence
MAX_NOTES = 12
NOTE_FLOOR = 0.35  # a note is used only while its fused score is this share of the best's
CLAIM_FLOOR = 0.0  # a sentence is quoted only if it uses more than this share of the question
# …and a note must come near the best one, in the question's words or in meaning.
SHARE_FLOOR = 0.25  # its best sentence's share of the question, relative to the best's
COSINE_FLOOR = 0.7  # its similarity to the question, relative to the best note's
RESCUE_COSINE = 0.8  # a note this near the best in meaning may use other words than the question
THEME_SIMILARITY = 0.55  # notes at least this similar share a theme
MAX_BODY_SENTENCES = 6  # body sentences per note that compete with its summary's

# Whole-word cues of what a sentence does in an argument ("harm" is not "harmless").
SENTENCE_CUES = {
    "limit": re.compile(
        r"\b(?:fail(?:s|ed|ure|ures|ing)?|worse|worsen(?:s|ed)?|degrad(?:e|es|ed|ing|ation)|"
        r"hurts?|harm(?:s|ed|ful)?|collaps(?:e|es|ed|ing)|forget(?:s|ting)?|forgot(?:ten)?|"
        r"regress(?:ion|ions|ed|es)?|brittle|hallucinat(?:e|es|ed|ion|ions)|overfit(?:s|ting)?|"
        r"limitations?|caveats?|however|unreliable|cannot|no better|little to no(?:ne)?|"
        r"at the (?:cost|expense) of|only (?:when|if|for|in|on)|not always|"
        r"(?:does|did|do) not (?:help|improve|transfer|generali[sz]e|hold|work))\b",
        re.IGNORECASE,
    ),
    "mechanism": re.compile(
        r"\b(?:because|mechanisms?|due to|explains?|explained|explanation|works by|the reason|"
        r"(?:driven|caused|mediated) by|aris(?:e|es|ing) from|stems? from|comes? from|"
        r"is why|by (?:which|means of))\b",
        re.IGNORECASE,
    ),
}
# Words that turn a failure word into a remedy ("avoided most of the harm", "forgot less").
MITIGATION = re.compile(
    r"\b(?:avoid\w*|remov\w*|prevent\w*|mitigat\w*|without|less|fewer|recover\w*|reduc\w*|"
    r"fix\w*|restor\w*)\b",
    re.IGNORECASE,
)
# A line of bibliographic details ("Paper: Lamport, …", "Authors: …"), not a claim.
METADATA = re.compile(
    r"^(?:papers?|authors?|by|year|venue|conference|journal|published|link|url|source|tags?|"
    r"date|citation|cite|code|arxiv|doi|pdf)\s*:",
    re.IGNORECASE,
)
# A sentence that names the study it reports ("Zhang et al. (2024) finetuned …").
NAMES_STUDY = re.compile(r"\bet al\b|\(\d{4}\)|\b(?:19|20)\d{2}\b")
# Mid-sentence words that point back at something named before ("these regressions").
POINTS_BACK = re.compile(
    r"\b(?:these|those|that is the case|th(?:is|at) case|(?:mentioned|described) (?:above|earlier)|"
    r"as above|the previous|the above|(?:points|items|steps|list) below|the following)\b",
    re.IGNORECASE,
)
# A sentence that reports a result rather than only describing a set-up.
FINDING = re.compile(
    r"\b(?:found|finds?|show(?:s|ed|n)?|improv(?:e|es|ed|ing)|rais(?:e|es|ed)|"
    r"reduc(?:e|es|ed)|lower(?:s|ed)?|increas(?:e|es|ed)|decreas(?:e|es|ed)|"
    r"outperform(?:s|ed)?|match(?:es|ed)?|beats?|better|worse|fewer|higher|than|"
    r"conclud(?:e|es|ed)|suggest(?:s|ed)?|helps?|helped|means?|leads? to|led to)\b|\d%",
    re.IGNORECASE,
)
DISAGREE = re.compile(
    r"disagree|contradict|challeng|dispute|in tension|at odds|qualifies|cuts against|"
    r"pushes back|casts doubt|counter-?evidence|argues? against",
    re.IGNORECASE,
)
# Sentences that lean on the one before them make no sense when lifted out of the note
# ("This …", "From this the authors …", "The second is …").
ANAPHORIC = re.compile(
    r"^(?:(?:from|in|on|by|with|for|of|to|at|after|unlike|like|despite|as) )?"
    r"(this|that|these|those|it|its|they|their|them|such|here|there|both|because|but|and|"
    r"so|yet|still|also|however|instead|then|even|thus|hence|again|similarly|likewise|"
    r"moreover|furthermore|therefore|now|next|finally|firstly|secondly|otherwise|"
    r"accordingly|consequently|as a result|if so|if that|in (contrast|turn|short|other words|that)|"
    r"for (example|instance)|on the other hand|what|the (second|third|first|other|authors?|"
    r"paper|study|results?|same|tuned|effect|gap|finding|method|approach|idea|latter|former|"
    r"model|models|examples?|subset|experiments?|baseline))\b|^[^A-Z0-9\"“(]",
    re.IGNORECASE,
)


@dataclass
class Claim:
    """A sentence a note offers the line, scored for the question."""

    text: str
    path: str  # the note it is quoted from
    score: float  # relevance to the question: its share of the question, and more
    role: str  # "evidence", "mechanism" or "limit" (SENTENCE_ROLES of write/)
    before: str = ""  # the note's sentence it leans on, quoted just before it
    words: frozenset[str] = frozenset()  # the question's words it uses (as stems)
    position: int = 0  # where it stands in the note: summary first, then body
    share: float = 0.0  # the rarity-weighted share of the question's words it uses


@dataclass
class PlannedNote:
    doc: DocRow
    relevance: float  # fused search score, scaled so the best note is 1
    cosine: float  # similarity of the question and the note
    role: str = "evidence"  # one of ROLES
    theme: int = 0
    claims: list[Claim] = field(default_factory=list)  # best first

    @property
    def key_sentences(self) -> list[str]:
        return [c.text for c in self.claims]


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
    weights: dict[str, float] = field(default_factory=dict)  # question stem → rarity

    @property
    def frame(self) -> PlannedNote | None:
        return self.notes[0] if self.notes else None


def plan(searcher: Searcher, result: SearchResult) -> Outline:
    """Choose notes from the ranked hits and give the argument its shape."""
    index = searcher.index
    if result.coverage == "none" or not result.hits:
        return Outline(result.query, result.coverage, [], [], [], [], result.hits[:5])
    weights = question_weights(index, result.query)
    chosen = _choose(index, result.hits, result.query, weights)
    if not chosen:  # found, but no note has a sentence that uses the question's words
        return Outline(result.query, result.coverage, [], [], [], [], result.hits[:5])
    vectors = searcher.vectors().head_vectors([n.doc.id for n in chosen])
    similarity = vectors @ vectors.T
    _assign_themes(chosen, similarity)
    _assign_roles(chosen, similarity)
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
        weights=weights,
    )


def question_weights(index: Index, question: str) -> dict[str, float]:
    """The question's words as the index stems them, each weighted by its rarity in the
    vault: a sentence that uses "pretraining" says more than one that uses "model"."""
    words = [w for w in content_words(question) if w not in META_WORDS]
    words = index.vault_spellings(words)
    counts = index.frequencies(words)
    total = index.document_count()
    weights: dict[str, float] = {}
    for word in words:
        rarity = math.log((total + 1) / (counts[word] + 0.5))
        weights[vocabulary_key(word)] = max(weights.get(vocabulary_key(word), 0.0), rarity)
    return {w: max(r, 0.1) for w, r in weights.items()}


def _choose(
    index: Index, hits: list[Hit], question: str, weights: dict[str, float]
) -> list[PlannedNote]:
    """The hits worth citing: relevant by the search (the floor is a share of the best
    note's score), and holding a sentence that uses the question's words. Notes below
    either floor are left out rather than filling a cap."""
    top = max(h.score for h in hits)
    notes = [h for h in hits if h.doc.kind == "note" and h.score / top >= NOTE_FLOOR]
    near = RESCUE_COSINE * max((h.semantic or 0.0 for h in notes), default=0.0)
    chosen = []
    for rank, hit in enumerate(notes):
        note = PlannedNote(hit.doc, hit.score / top, hit.semantic or 0.0)
        claims = claims_of(index, hit.doc, question, weights)
        # A sentence that uses none of the question's words (nor its note's title) is no
        # evidence for it, unless its note is among the nearest in meaning.
        rescued = rank == 0 or note.cosine >= near
        note.claims = [c for c in claims if c.share > CLAIM_FLOOR] or (claims if rescued else [])
        if note.claims:
            chosen.append(note)
    # Relative floors: a note must come near the best in meaning or in the question's words.
    shares = [max(c.share for c in n.claims) for n in chosen]
    best_share, best_cosine = max(shares, default=0.0), max((n.cosine for n in chosen), default=0.0)
    chosen = [
        n
        for i, (n, share) in enumerate(zip(chosen, shares, strict=True))
        if i == 0 or share >= SHARE_FLOOR * best_share or n.cosine >= COSINE_FLOOR * best_cosine
    ]
    return chosen[:MAX_NOTES]


def refers_back(sentence: str) -> bool:
    """Whether a sentence leans on the one before it, or points elsewhere with a link."""
    text = sentence.strip()
    return bool(ANAPHORIC.match(text) or POINTS_BACK.search(text)) or "[[" in text


def standalone(sentence: str) -> bool:
    """Whether a sentence can be quoted on its own: no leaning back, no cross-references."""
    return not refers_back(sentence)


def claims_of(index: Index, doc: DocRow, question: str, weights: dict[str, float]) -> list[Claim]:
    """The note's quotable sentences, best first, each scored for the question.

    A sentence that leans on the one before it comes with that sentence (its antecedent),
    or not at all. Summary sentences state the note's finding and get a head start; body
    sentences compete on the question's words alone, and only the best few are kept. A
    sentence in another language than the question's is never quoted in its answer.
    """
    total = sum(weights.values()) or 1.0
    titled = {w for w in weights if w in {vocabulary_key(t) for t in content_words(doc.title)}}
    out: list[Claim] = []
    for from_summary, text in ((True, doc.summary), (False, index.body(doc.path))):
        sentences = sentences_of(text)
        found = []
        for i, sentence in enumerate(sentences):
            if METADATA.match(sentence) or (
                not from_summary and not 6 <= len(sentence.split()) <= 45
            ):
                continue
            before = ""
            if refers_back(sentence):
                if i == 0 or refers_back(sentences[i - 1]) or "[[" in sentence:
                    continue
                before = sentences[i - 1]
            stems = {vocabulary_key(w) for w in content_words(f"{before} {sentence}")}
            used = frozenset(w for w in weights if w in stems)
            # An atomic note's title is the subject of its sentences: half credit.
            share = (
                sum(weights[w] for w in used) + 0.5 * sum(weights[w] for w in titled - used)
            ) / total
            position = i if from_summary else 1000 + i
            found.append(Claim(sentence, doc.path, share, "", before, used, position, share))
        if not from_summary:  # the rest is dearer: only for the body's likeliest sentences
            found = sorted(found, key=lambda c: -c.share)[: 2 * MAX_BODY_SENTENCES]
        found = [c for c in found if same_language(c.text, question)]
        for claim in found:
            finding = bool(FINDING.search(claim.text))
            claim.score += (0.25 if from_summary else 0.0) + (0.15 if finding else 0.0)
            claim.score -= 0.01 * (claim.position % 1000) + (0.1 if claim.before else 0.0)
            claim.score -= 0.15 if NAMES_STUDY.search(claim.text) and not finding else 0.0
            claim.role = sentence_role(claim.text)
        if not from_summary:
            found = sorted(found, key=lambda c: -c.score)[:MAX_BODY_SENTENCES]
        out += found
    unique = {c.text.lower(): c for c in reversed(out)}  # the summary's copy wins
    return sorted(unique.values(), key=lambda c: -c.score)


def sentence_role(sentence: str) -> str:
    """What a quoted sentence does in the argument, from its own whole words."""
    if SENTENCE_CUES["limit"].search(sentence) and not MITIGATION.search(sentence):
        return "limit"
    return "mechanism" if SENTENCE_CUES["mechanism"].search(sentence) else "evidence"


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
    """The frame is the note whose best sentence answers most, helped by relevance and
    centrality; the others take the role of their best sentence."""
    centrality = (similarity.sum(axis=1) - 1) / max(1, len(notes) - 1)
    best = [n.claims[0].score if n.claims else 0.0 for n in notes]
    value = [
        b + 0.5 * n.relevance + 0.5 * c for b, n, c in zip(best, notes, centrality, strict=True)
    ]
    frame = int(np.argmax(value))
    notes[frame].role = "frame"
    for i, note in enumerate(notes):
        if i != frame:
            note.role = note.claims[0].role if note.claims else "evidence"


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
    return [w for w in content_words(question) if w not in text and w not in META_WORDS]
