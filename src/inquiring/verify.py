"""Citation checking: does the cited note actually support the sentence?

The support score of a (sentence, note) pair combines the best cosine between the sentence
and the note's passages, the share of the sentence's content words the note uses, and a
penalty for numbers the note never states. Its weights and threshold were calibrated on
labelled pairs from the demo vault (`examples/llm-training/support-pairs.yaml`, see
docs/lines.md), and unsupported sentences are dropped or marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .embed import Embedder
from .index import Index
from .plan import Outline
from .text import plain_text, readable_text, split_sentences
from .words import META_WORDS, content_words
from .write import CitationCheck, Draft, Sentence


@dataclass(frozen=True)
class SupportParams:
    """Calibrated by bench/calibrate_support.py on the demo vault's labelled pairs."""

    lexical_weight: float = 0.5
    number_penalty: float = 0.2
    threshold: float = 1.125


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_ABOUT_NOTES = re.compile(r"\b(notes?|vault|corpus)\b", re.IGNORECASE)
# A writer's label before a claim ("The takeaway: …"), which claims nothing itself.
_LABEL = re.compile(
    r"(?:the |its )?(?:takeaway|upshot|bottom line|main limit|in short|in sum|overall)",
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
    findings with a semicolon ("X; the main limit: Y [1, 2]"), each without its lead-in.
    Every part must be supported by one of the notes the sentence cites."""
    pieces = [claim_part(p.strip()) for p in claim_part(sentence).split("; ")]
    pieces = [p for p in pieces if len(p.split()) >= 4]
    return pieces if len(pieces) > 1 else [claim_part(sentence)]


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


class SupportChecker:
    """Scores (sentence, note) pairs; keeps each note's passage vectors between calls."""

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
        self._notes: dict[str, tuple[np.ndarray, str]] = {}
        self._texts: dict[str, str] = {}
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

    def quotes(self, sentence: str, path: str) -> bool:
        """Whether the sentence is the note's own words (as the extractive writer uses them)."""
        text = " ".join(claim_part(sentence).lower().split()).rstrip(".")
        return len(text) > 20 and text in self._text(path)

    def _note(self, path: str) -> tuple[np.ndarray, str]:
        """(passage vectors, lower-case plain text) of a note.

        Passages are the note's summary sentences and the sentences of its body.
        """
        if path not in self._notes:
            doc = self.index.document(path)
            passages = split_sentences(plain_text(doc.summary)) if doc else []
            body = split_sentences(plain_text(self.index.body(path)))
            passages += [s for s in body if len(s) > 20]
            text = self._text(path)
            self._notes[path] = (self.embedder.embed(passages or [text or " "]), text)
        return self._notes[path]

    def features(
        self, sentence: str, path: str, svec: np.ndarray | None = None
    ) -> tuple[float, float, float]:
        """(best cosine, share of content words the note uses, share of numbers it lacks)."""
        if self.quotes(sentence, path):
            vectors, text = np.zeros((0, 0)), self._text(path)
            cosine = 1.0
        else:
            vectors, text = self._note(path)
            if svec is None:
                svec = self.embedder.embed([claim_part(sentence)])[0]
            cosine = float((vectors @ svec).max())
        sentence = claim_part(sentence)
        words = [w for w in content_words(sentence) if w not in META_WORDS]
        overlap = sum(w in text for w in words) / len(words) if words else 0.0
        stated = numbers(sentence)
        missing = sum(n not in numbers(text) for n in stated) / len(stated) if stated else 0.0
        return cosine, overlap, missing

    def score(self, sentence: str, path: str, svec: np.ndarray | None = None) -> float:
        cosine, overlap, missing = self.features(sentence, path, svec)
        p = self.params
        return cosine + p.lexical_weight * overlap - p.number_penalty * missing

    def supported(self, sentence: str, path: str) -> bool:
        return self.score(sentence, path) >= self.params.threshold

    def judge(self, sentence: str, path: str, model_name: str) -> bool:
        """Ask the configured LLM whether the note supports the sentence (`--judge`)."""
        import llm

        doc = self.index.document(path)
        note = f"{doc.title}\n{doc.summary}\n{self.index.body(path)}" if doc else ""
        prompt = (
            "Does the NOTE state or directly imply the CLAIM? Answer with one word, yes or "
            f"no.\n\nNOTE:\n{note}\n\nCLAIM: {claim_part(sentence)}"
        )
        reply = llm.get_model(model_name).prompt(prompt).text().strip().lower()
        return reply.startswith("yes")

    def check(
        self, draft: Draft, drop: bool = True, judge: str | None = None
    ) -> tuple[float, float]:
        """Score every citation; drop (or keep, marked) unsupported ones.

        A citation's score is the best of the sentence's parts (`parts`); a sentence is
        backed when every part has a citation that supports it. With `judge` (a model
        name), a citation counts as supported only if the model also says the note
        supports the sentence.

        Returns (citation precision, claim recall): the share of citations that the checker
        finds supported, and the share of claim sentences left with a supporting citation.
        """
        claims = [s for p in draft.paragraphs for s in p if not s.connective]
        needed = {id(s): self._needed(parts(s.text), s.citations) for s in claims}
        # Only parts that are not a cited note's own words need embedding.
        fresh = list(dict.fromkeys(part for pairs in needed.values() for part, _ in pairs))
        vectors = dict(zip(fresh, self.embedder.embed(fresh), strict=True)) if fresh else {}
        tally = CitationCheck()
        self._unbacked_parts.clear()
        threshold = self.params.threshold
        for sentence in claims:
            pieces = parts(sentence.text)
            scores = {
                (part, path): self.score(part, path, vectors.get(part))
                if (part, path) in needed[id(sentence)] or self.quotes(part, path)
                else 0.0
                for part in pieces
                for path in sentence.citations
            }
            if judge:
                for path in sentence.citations:
                    if not self.judge(sentence.text, path, judge):
                        scores.update({(part, path): 0.0 for part in pieces})
            if any(all(scores[part, p] < threshold for p in sentence.citations) for part in pieces):
                self._unbacked_parts.add(id(sentence))
            sentence.quoted = bool(sentence.citations) and all(
                any(self.quotes(part, p) for p in sentence.citations) for part in pieces
            )
            for path in sentence.citations:
                best = max(pieces, key=lambda part: scores[part, path])
                sentence.support[path] = scores[best, path]
                good = sentence.support[path] >= threshold
                if self.quotes(best, path):
                    tally.quoted += 1
                    tally.quoted_found += good
                else:
                    tally.paraphrased += 1
                    tally.paraphrased_supported += good
        draft.checked = tally
        total = tally.quoted + tally.paraphrased
        precision = (tally.quoted_found + tally.paraphrased_supported) / total if total else 1.0
        for sentence in claims:
            sentence.supported = self.is_backed(sentence)
        backed = [s for s in claims if s.supported]
        recall = len(backed) / len(claims) if claims else 1.0
        if drop:
            draft.paragraphs = _without_unsupported(draft.paragraphs, self)
            rows = {d.path: d for d in draft.sources}  # numbered in order of first citation
            draft.sources = [rows[p] for p in draft.cited() if p in rows]
        return precision, recall

    def _needed(self, pieces: list[str], citations: list[str]) -> set[tuple[str, str]]:
        """The (part, note) pairs that must be scored by meaning. A part in a note's own words
        scores the most any pair can, so a note that quotes a part needs no other score, and
        a part some note quotes is backed already."""
        quoted = {(part, path) for part in pieces for path in citations if self.quotes(part, path)}
        return {
            (part, path)
            for part in pieces
            for path in citations
            if (part, path) not in quoted
            and (
                not any((q, path) in quoted for q in pieces)
                or not any((part, p) in quoted for p in citations)
            )
        }

    def is_backed(self, sentence: Sentence) -> bool:
        """A supporting citation, and (for a sentence of several parts) one for every part."""
        if id(sentence) in self._unbacked_parts:
            return False
        return any(v >= self.params.threshold for v in sentence.support.values())


def _without_unsupported(paragraphs: list[list[Sentence]], checker: SupportChecker):
    """Paragraphs without their unsupported claims; a paragraph left with no claim goes,
    unless it never had one (the notice that the vault is thin)."""
    threshold = checker.params.threshold
    kept = []
    for paragraph in paragraphs:
        claims = [s for s in paragraph if s.connective or checker.is_backed(s)]
        for s in claims:
            s.citations = [p for p in s.citations if s.support.get(p, 1.0) >= threshold]
        if any(not s.connective for s in claims) or all(s.connective for s in paragraph):
            kept.append(claims)
    return kept
