"""Citation checking: does the cited note actually support the sentence?

A sentence is checked clause by clause: each clause against the notes it cites (`claims`).
The support score of a (clause, note) pair combines the best cosine between the clause and
the note's passages (single sentences, or two adjacent ones, since a paraphrase often folds
two of the note's sentences into one), the share of the clause's content words the note uses
(after stemming, so "trained" finds "training"), and penalties for specifics the note never
states: numbers (in digits or words), names, and absolute words ("every", "never"). Its
weights and threshold were calibrated on labelled pairs from the demo vault
(`examples/llm-training/support-pairs*.yaml`, see docs/lines.md), and unsupported sentences
are dropped or marked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from .embed import Embedder
from .index import Index
from .plan import Outline, refers_back
from .text import plain_text, readable_text, split_sentences
from .words import META_WORDS, content_words, vocabulary_key
from .write import CitationCheck, Draft, Sentence, too_few_kept


@dataclass(frozen=True)
class SupportParams:
    """Calibrated by bench/calibrate_support.py on the demo vault's labelled pairs."""

    lexical_weight: float = 1.0
    number_penalty: float = 1.0
    name_penalty: float = 0.1
    threshold: float = 1.5625
    # A citation scoring within this of the threshold is doubtful: with --judge the model
    # decides it (bench/calibrate_support.py measures the choice).
    judge_band: float = 0.1

    def combine(self, features: tuple[float, float, float, float]) -> float:
        """The support score from `SupportChecker.features`."""
        cosine, overlap, missing, unnamed = features
        return (
            cosine
            + self.lexical_weight * overlap
            - self.number_penalty * missing
            - self.name_penalty * unnamed
        )


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
    if w != "_"  # "one" is as often a pronoun as a number
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")(?:fold)?\b", re.IGNORECASE)
# A name: a capitalised word or one with a digit ("GPT-4", "OpenAI", "Mistral"), not first.
_NAME = re.compile(r"(?<=\s)(?:[A-Z][\w-]*|[a-z]+-?\d[\w.-]*)")
_ABSOLUTE = re.compile(
    r"\b(all|every|always|never|none|entirely|completely|fully|immune|unaffected|eliminat\w*)\b",
    re.IGNORECASE,
)
Judge = Callable[[str], str | None]  # a prompt in, the model's reply (or None) out
_VERDICT = re.compile(r"\b(yes|no)\b", re.IGNORECASE)  # the judge's first yes or no
_ABOUT_NOTES = re.compile(r"\b(notes?|vault|corpus)\b", re.IGNORECASE)
# A writer's label before a claim ("The takeaway: …"), which claims nothing itself.
_LABEL = re.compile(
    r"(?:the |its )?(?:takeaway|upshot|bottom line|main limit|in short|in sum|overall)",
    re.IGNORECASE,
)
# Where one sentence joins two claims: "X, while Y", "X; Y", "X, but Y".
_CLAUSE_BREAK = re.compile(r"\s*;\s+|,\s+(?:while|whereas|but|though|although|yet)\s+")
# A sentence saying what the notes do not cover ("The notes do not say …"): a valid
# sentence with no citation, never an uncited finding.
_SAYING = (
    r"(?:cover|address|discuss|mention|say|report|give|provide|contain|include|answer|touch|"
    r"measure|deal|speak|tell|state|describe|quantify|estimate|offer|go into|look at|study|"
    r"explain|show)"
)
_NOT_COVERED = re.compile(
    rf"\b(?:notes?|vault|sources?|material|context|excerpts?)\b[^.!?]{{0,40}}?"
    rf"\b(?:do(?:es)?|did|can|could)\s*(?:not|n[\u2019']t)\s+(?:\w+\s+){{0,2}}?{_SAYING}"
    rf"|\b(?:none of|nothing in|no(?:ne)?(?: single)?)\s+(?:the\s+|these\s+)?(?:provided\s+)?"
    rf"(?:notes?|sources?|material|them)\b[^.!?]{{0,40}}?\b{_SAYING}"
    r"|\bnotes?\b[^.!?]{0,30}?\b(?:say nothing|are silent|is silent|contain no|give no|"
    r"provide no|offer no|have no|has no|make no|report no|include no|say little)\b"
    r"|\bno (?:information|data|figures?|numbers?|estimates?|evidence|mention|details?)\b"
    r"[^.!?]{0,60}?\b(?:in|from|among) (?:the |these |any of the )?(?:provided )?notes\b"
    r"|\bcould(?: not|n[\u2019']t) find\b[^.!?]{0,40}?\bnotes?\b",
    re.IGNORECASE,
)


def claim_part(sentence: str) -> str:
    """The sentence without a lead-in about the notes ("Several notes converge here: …")
    or a label ("The takeaway: …")."""
    head, colon, rest = sentence.partition(":")
    if colon and rest.strip() and (_ABOUT_NOTES.search(head) or _LABEL.fullmatch(head.strip())):
        return rest.strip()
    return sentence


def parts(sentence: str) -> list[str]:
    """The claims a sentence makes: itself, or each clause of a sentence that joins two
    findings ("X; the main limit: Y", "X, while Y", "X, but Y"), each without its lead-in.
    Every part must be supported by one of the notes the sentence cites."""
    pieces = [claim_part(p.strip(" ,")) for p in _CLAUSE_BREAK.split(claim_part(sentence))]
    pieces = [p for p in pieces if len(p.split()) >= 4]
    return pieces if len(pieces) > 1 else [claim_part(sentence)]


def claims(sentence: Sentence) -> list[tuple[str, list[str]]]:
    """(clause, the notes it cites) for each claim of a sentence: the writer's own clauses
    when it kept where each citation stood, else `parts`, each citing all the sentence's notes."""
    if sentence.clauses:
        return [(claim_part(text), cites or sentence.citations) for text, cites in sentence.clauses]
    return [(part, sentence.citations) for part in parts(sentence.text)]


def says_not_covered(sentence: str) -> bool:
    """Whether the sentence says what the notes do not cover ("The notes do not say …")."""
    return bool(_NOT_COVERED.search(sentence))


def numbers(text: str) -> set[str]:
    """Numbers stated in digits or words ("ten times" states 10)."""
    digits = {n.replace(",", "") for n in _NUMBER.findall(text)}
    return digits | {_NUMBER_WORDS[w.lower()] for w in _NUMBER_WORD.findall(text)}


def specifics(text: str) -> tuple[set[str], set[str]]:
    """(numbers, names and absolute words) of a claim, which its note must state too."""
    names = {m.group().lower().rstrip(".'s") for m in _NAME.finditer(text)}
    names |= {m.lower() for m in _ABSOLUTE.findall(text)}
    return numbers(text), {n for n in names if len(n) > 1}


class SupportChecker:
    """Scores (clause, note) pairs; keeps each note's passage vectors between calls."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        params: SupportParams | None = None,
        outline: Outline | None = None,
    ):
        self.index = index
        self.embedder = embedder
        self.params = params or SupportParams()
        self._notes: dict[str, np.ndarray] = {}
        self._texts: dict[str, str] = {}
        self._stems: dict[str, set[str]] = {}
        self._unbacked_parts: set[int] = set()  # sentences of the last check with a part unbacked

    def _text(self, path: str) -> str:
        """The note's plain text, lower case, with single spaces.

        Both readings of the Markdown are kept: the one that is searched, and the one the
        quoted sentences come from (which keeps "N > N'" and decoded entities whole).
        """
        if path not in self._texts:
            doc = self.index.document(path)
            parts = (doc.title, doc.dek, doc.summary, self.index.body(path)) if doc else ()
            markdown = "\n\n".join(x for x in parts if x)
            text = f"{plain_text(markdown)} {readable_text(markdown)}"
            self._texts[path] = " ".join(text.lower().split())
        return self._texts[path]

    def _words(self, path: str) -> set[str]:
        """The note's words, stemmed, so a paraphrase's "trained" finds its "training"."""
        if path not in self._stems:
            self._stems[path] = {vocabulary_key(w) for w in re.findall(r"\w+", self._text(path))}
        return self._stems[path]

    def quotes(self, sentence: str, path: str) -> bool:
        """Whether the sentence is the note's own words (as the extractive writer uses them)."""
        text = " ".join(claim_part(sentence).lower().split()).rstrip(".")
        return len(text) > 20 and text in self._text(path)

    def _note(self, path: str) -> np.ndarray:
        """Vectors of a note's passages: its summary sentences and the sentences of its body,
        each alone and each with the next (a paraphrase often joins two into one)."""
        if path not in self._notes:
            doc = self.index.document(path)
            passages = split_sentences(plain_text(doc.summary)) if doc else []
            body = split_sentences(plain_text(self.index.body(path)))
            passages += [s for s in body if len(s) > 20]
            passages += [f"{a} {b}" for a, b in pairwise(passages)]
            self._notes[path] = self.embedder.embed(passages or [self._text(path) or " "])
        return self._notes[path]

    def features(
        self, sentence: str, path: str, svec: np.ndarray | None = None
    ) -> tuple[float, float, float, float]:
        """(best cosine, share of content words the note uses, share of numbers it lacks,
        share of names and absolute words it lacks)."""
        sentence = claim_part(sentence)
        if self.quotes(sentence, path):
            cosine = 1.0
        else:
            if svec is None:
                svec = self.embedder.embed([sentence])[0]
            cosine = float((self._note(path) @ svec).max())
        text, stems = self._text(path), self._words(path)
        words = [w for w in content_words(sentence) if w not in META_WORDS]
        overlap = sum(vocabulary_key(w) in stems for w in words) / len(words) if words else 0.0
        stated, named = specifics(sentence)
        missing = sum(n not in numbers(text) for n in stated) / len(stated) if stated else 0.0
        unnamed = sum(n not in text for n in named) / len(named) if named else 0.0
        return cosine, overlap, missing, unnamed

    def score(self, sentence: str, path: str, svec: np.ndarray | None = None) -> float:
        return self.params.combine(self.features(sentence, path, svec))

    def supported(self, sentence: str, path: str) -> bool:
        return self.score(sentence, path) >= self.params.threshold

    def judge(self, clause: str, path: str, ask: Judge) -> bool | None:
        """The model's verdict on whether the note supports the clause (`--judge`); None
        when its reply says neither yes nor no, or it gave none."""
        doc = self.index.document(path)
        note = f"{doc.title}\n{doc.summary}\n{self.index.body(path)}" if doc else ""
        reply = ask(
            "Does the NOTE state or directly imply the CLAIM? Answer with one word, yes or "
            f"no.\n\nNOTE:\n{note}\n\nCLAIM: {claim_part(clause)}"
        )
        verdict = _VERDICT.search(reply or "")
        return verdict.group(1).lower() == "yes" if verdict else None

    def doubtful(self, score: float) -> bool:
        """Whether a score is too near the threshold for the checker to decide alone."""
        return abs(score - self.params.threshold) < self.params.judge_band

    def check(
        self, draft: Draft, drop: bool = True, judge: Judge | None = None
    ) -> tuple[float, float]:
        """Score every citation; drop (or keep, marked) unsupported ones.

        Each clause of a sentence (`claims`) is scored against the notes it cites; a
        citation's score is that of its best clause, and a sentence is backed when every
        clause has a citation that supports it. With `judge` (a configured model's
        `ModelWriter.answer`), the model decides each doubtful (clause, note) pair, one call
        each: its "yes" keeps the
        citation, its "no" drops it, and a reply that says neither leaves the score to decide.

        Returns (citation precision, claim recall): the share of citations that the checker
        finds supported, and the share of claim sentences left with a supporting citation.
        """
        for sentence in (s for p in draft.paragraphs for s in p):
            if not sentence.citations and says_not_covered(sentence.text):
                sentence.connective = True  # what the notes lack needs no citation
        sentences = [s for p in draft.paragraphs for s in p if not s.connective]
        clauses = {id(s): claims(s) for s in sentences}
        quoted = {id(s): self._quoted(clauses[id(s)]) for s in sentences}
        needed = {id(s): _needed(clauses[id(s)], quoted[id(s)]) for s in sentences}
        # Only clauses that are not a cited note's own words need embedding.
        fresh = list(dict.fromkeys(text for pairs in needed.values() for text, _ in pairs))
        vectors = dict(zip(fresh, self.embedder.embed(fresh), strict=True)) if fresh else {}
        tally = CitationCheck()
        self._unbacked_parts.clear()
        threshold = self.params.threshold
        for sentence in sentences:
            scores = {
                (text, path): self.score(text, path, vectors.get(text))
                if (text, path) in needed[id(sentence)] or (text, path) in quoted[id(sentence)]
                else 0.0
                for text, cites in clauses[id(sentence)]
                for path in cites
            }
            if judge:
                for key in needed[id(sentence)]:
                    if self.doubtful(scores[key]):
                        tally.judged += 1
                        verdict = self.judge(*key, judge)
                        if verdict is not None:
                            scores[key] = max(scores[key], threshold) if verdict else 0.0
            if any(
                all(scores[text, p] < threshold for p in cites)
                for text, cites in clauses[id(sentence)]
            ):
                self._unbacked_parts.add(id(sentence))
            sentence.quoted = bool(sentence.citations) and all(
                any((text, p) in quoted[id(sentence)] for p in cites)
                for text, cites in clauses[id(sentence)]
            )
            for path in sentence.citations:
                mine = [key for key in scores if key[1] == path]
                best = max(mine, key=scores.__getitem__) if mine else None
                sentence.support[path] = scores[best] if best else 0.0
                good = sentence.support[path] >= threshold
                if best and best in quoted[id(sentence)]:
                    tally.quoted += 1
                    tally.quoted_found += good
                else:
                    tally.paraphrased += 1
                    tally.paraphrased_supported += good
        total = tally.quoted + tally.paraphrased
        precision = (tally.quoted_found + tally.paraphrased_supported) / total if total else 1.0
        for sentence in sentences:
            sentence.supported = self.is_backed(sentence)
        tally.claims = len(sentences)
        tally.claims_backed = sum(s.supported for s in sentences)
        draft.checked = tally
        recall = tally.claims_backed / tally.claims if sentences else 1.0
        if drop:
            draft.paragraphs = _without_unsupported(draft.paragraphs, self)
            rows = {d.path: d for d in draft.sources}  # numbered in order of first citation
            draft.sources = [rows[p] for p in draft.cited() if p in rows]
            shortfall = too_few_kept(tally.claims, tally.claims_backed)
            if shortfall:
                draft.warnings.append(shortfall)
        return precision, recall

    def _quoted(self, clauses: list[tuple[str, list[str]]]) -> set[tuple[str, str]]:
        """The (clause, note) pairs where the clause is the note's own words."""
        return {(text, p) for text, cites in clauses for p in cites if self.quotes(text, p)}

    def is_backed(self, sentence: Sentence) -> bool:
        """A supporting citation, and (for a sentence of several clauses) one for every clause."""
        if id(sentence) in self._unbacked_parts:
            return False
        return any(v >= self.params.threshold for v in sentence.support.values())


def _needed(
    clauses: list[tuple[str, list[str]]], quoted: set[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The (clause, note) pairs that must be scored by meaning. A clause in a note's own
    words scores the most any pair can, so a note that quotes a clause needs no other
    score, and a clause some note quotes is backed already."""
    return {
        (text, path)
        for text, cites in clauses
        for path in cites
        if (text, path) not in quoted
        and (
            not any((t, path) in quoted for t, _ in clauses)
            or not any((text, p) in quoted for p in cites)
        )
    }


def _without_unsupported(
    paragraphs: list[list[Sentence]], checker: SupportChecker
) -> list[list[Sentence]]:
    """Paragraphs without their unsupported claims, nor the sentences that lean on one
    ("This shallowness …" after the sentence that found it); a paragraph left with no claim
    goes, unless it never had one (the notice that the vault is thin)."""
    threshold = checker.params.threshold
    kept = []
    for paragraph in paragraphs:
        claims_left: list[Sentence] = []
        orphaned = False  # the sentence before was dropped
        for s in paragraph:
            orphaned = (orphaned and refers_back(s.text)) or not (
                s.connective or checker.is_backed(s)
            )
            if not orphaned:
                s.citations = [p for p in s.citations if s.support.get(p, 1.0) >= threshold]
                claims_left.append(s)
        if any(not s.connective for s in claims_left) or all(s.connective for s in paragraph):
            kept.append(claims_left)
    return kept
