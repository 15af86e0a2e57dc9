"""The extractive drafter: the paper's question and its key findings, in its own words.

Offline and quick. The question comes from the title ("Attention Is All You Need" → "Is
attention all you need?"); the findings are the sentences of the abstract and the body that
report a result ("we show", "we find", numbers, comparisons), never a citation of other
work, a caption, boilerplate or the references. Each is quoted exactly as the page has it.
"""

from __future__ import annotations

import re
from collections import Counter

from ..quotes import normalise
from ..text import ABBREVIATIONS, split_sentences
from ..words import content_words, vocabulary_key
from . import Claim, NoteDraft, Proposed, Reading

MAX_FINDINGS = 5
MIN_SCORE = 2.0  # a sentence needs a result cue, or a number and a comparison, to count
FIRST_PAGE = 2.0  # added to the score of a finding on the first page (the abstract),
FIRST_PAGE_MIN = 1.5  # one that has a result cue, or a comparison and a number
MIN_WORDS, MAX_WORDS = 8, 60
SAME_FINDING = 0.5  # content-word overlap above which two sentences say the same thing
CITED_AT = 40  # a citation this near a sentence's start makes it about the cited work
CITED = 1.0  # taken off a finding that cites other work further on (a baseline, a dataset)
RELATED_LINKS = 3  # existing notes the draft links to, from search

_AUX = frozenset(
    "is are was were can could does do did will would should shall may might must has have".split()
)
_AFTER_NOUN = frozenset("for of in on with and to from by at via as or vs versus".split())
_STRONG = re.compile(
    r"\b(?:we|our (?:results|experiments|analysis|findings))\s+(?:also\s+|further\s+)?"
    r"(?:show|find|found|demonstrate|observe|confirm|reveal|establish|prove|see)\w*|"
    r"\bresults? (?:show|suggest|indicate|demonstrate|reveal)\w*|"
    r"\b(?:this|which) (?:shows|suggests|indicates|demonstrates)\b",
    re.IGNORECASE,
)
_COMPARE = re.compile(
    r"\b(?:outperform\w*|improv\w*|achiev\w*|surpass\w*|reduc\w*|increas\w*|decreas\w*|"
    r"match(?:es|ed|ing)?|comparable|better|worse|faster|slower|fewer|more than|less than|"
    r"significant\w*|state[- ]of[- ]the[- ]art|leads? to|yield\w*|speed-?ups?|gains?|"
    r"drops?|robust\w*|consistently|only)\b",
    re.IGNORECASE,
)
_MEASURE = re.compile(r"\d(?:[\d.,]*)\s*(?:%|x\b|\u00d7|times\b|-fold|points?\b)")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?[KMBk]?\b")
_CITATION = re.compile(
    r"\[\d+(?:\s*[,\u2013-]\s*\d+)*\]|\bet al\b|"
    r"\(\s*[A-Z][\w-]+(?:,| and| &)[^()]*\d{4}[a-z]?\s*\)|"
    r"\b[A-Z][\w-]+ \(\d{4}[a-z]?\)"
)
_AIMS = re.compile(
    r"\b(?:we (?:propose|introduce|present|describe|use|follow|train|consider|define|denote|"
    r"refer|plan|leave|hope|will|conduct|first)|in this (?:paper|work|section)|future work|"
    r"is defined as|^to (?:better )?(?:understand|study|investigate|address|evaluate))\b",
    re.IGNORECASE,
)
_NOT_PROSE = re.compile(r"@|https?:|www\.|\ufffd|\.\.\.|…")
_CAPTION = re.compile(r"^(?:Figure|Fig\.|Table|Algorithm|Listing|Equation)\s*\d", re.IGNORECASE)
_NOT_TEXT = re.compile(r"^\s*(?:keywords|index terms|ccs concepts)\b", re.IGNORECASE)
_LABEL = re.compile(r"^(?:[A-Z][\w-]*\s){0,2}[A-Z][\w-]*:\s+(?=[A-Z])")  # "Right Plot: As …"
_END_OF_TEXT = re.compile(
    r"^\s*(?:\d+\.?\s*)?(?:references|bibliography|acknowledge?ments?|works cited)\s*$",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?\s+|[IVX]+\.\s+|[A-Z]\.?\s+)?[A-Z][^.!?:;,]*$")
_WE = re.compile(r"\b[Ww]e\b")
_FIRST_PERSON = (
    (re.compile(r"^Our\b"), "The authors'"),
    (re.compile(r"\bOur\b"), "Their"),
    (re.compile(r"\bour\b"), "their"),
)
# A stop followed by a lower-case word: two pieces of text the page's layout ran together
# ("… a compressed model. pre-training both …"), or a list's bullet.
_RUN_TOGETHER = re.compile(
    r"(?<=[a-z0-9)%]{2}\.)\s+(?=[a-z])|(?<=[a-z]\.)\d{1,2}\s+(?=[A-Z])|\s*[•▪◦]\s*"
)
_MARK_AT_END = re.compile(r"(?<=[a-z%)]\.)\d{1,2}$")  # "… the T5-XXL model.12"
# A footnote's mark or text the layout put inside a sentence: "performance,14 except", "13We".
_FOOTNOTE_INSIDE = re.compile(r"[a-z][,;]\d{1,2}\s|\s\d{1,2}[A-Z][a-z]")


def draft_extractive(paper: Reading) -> Proposed:
    """One note: the paper's question, and its key findings each quoted with its page."""
    found = findings(paper)
    claims = [Claim(third_person(s), s, page) for s, page in found]
    question = question_for(paper.title, paper.cite(), names_in(paper))
    note = NoteDraft(
        question,
        dek=f"An extractive draft of {paper.cite()}: the paper's own sentences on its main "
        "findings, each quoted with its page, to be rewritten in your words.",
        summary=" ".join(c.text for c in claims[:2]),
        categories=_categories(paper),
        links=[d.path for d in paper.related[:RELATED_LINKS]],
        claims=claims,
    )
    warnings = [] if claims else ["no sentence of the paper reads as a finding"]
    return Proposed("extractive", [note], warnings)


def question_for(title: str, cite: str, names: frozenset[str] = frozenset()) -> str:
    """A question the paper answers, from its title: the title's own verb put first when it
    has one ("X Is All You Need" → "Is attention all you need?"), else what the paper found.
    Title Case words are lowered, except `names` (and acronyms): "Semantic Scholar" stays."""
    title = " ".join(title.split()).rstrip(". ")
    if title.endswith("?"):
        return title
    name, _, phrase = title.rpartition(": ")
    asked = _inverted(phrase.split(), names)
    if asked:
        return asked
    if name:
        return f"What does {name} show about {_sentence_case(phrase, names)}?"
    return f"What did {cite} find about {_sentence_case(phrase, names)}?"


def names_in(paper: Reading) -> frozenset[str]:
    """Words the paper mostly capitalises inside its sentences: names ('Semantic Scholar')."""
    text = normalise(" ".join([paper.abstract, *paper.pages]))
    capital = Counter(re.findall(r"(?<=[a-z,;] )[A-Z][a-z]+\b", text))
    lower = Counter(
        w.capitalize() for w in re.findall(r"\b[a-z]+\b", text) if w.capitalize() in capital
    )
    return frozenset(w for w, n in capital.items() if n >= 2 and n > lower[w])


def _inverted(words: list[str], names: frozenset[str]) -> str:
    """'Attention Is All You Need' → 'Is attention all you need?'; '' without a verb."""

    def parts(i: int) -> tuple[str, str]:
        before, after = " ".join(words[:i]), " ".join(words[i + 1 :])
        return _sentence_case(before, names), _sentence_case(after, names)

    for i in range(1, len(words) - 1):
        if words[i].lower() in _AUX:
            subject, rest = parts(i)
            return f"{words[i].lower().capitalize()} {subject} {rest}?"
    titled = sum(w[:1].isupper() for w in words) > len(words) / 2  # else sentence case
    for i in range(1, len(words) - 1):
        word = words[i].lower()
        verb = word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3
        cased = words[i][0].isupper() or not titled
        if verb and cased and words[i + 1].lower() not in _AFTER_NOUN:
            subject, rest = parts(i)
            return f"Does {subject} {_base(word)} {rest}?"
    return ""


def _base(verb: str) -> str:
    """'finetunes' → 'finetune', 'matches' → 'match', 'applies' → 'apply'."""
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def _sentence_case(text: str, names: frozenset[str] = frozenset()) -> str:
    """Title Case words lowered, names and acronyms kept: 'Scaling Laws for LLMs' →
    'scaling laws for LLMs'."""

    def lower(word: str) -> str:
        if word in names:
            return word
        parts = word.split("-")
        if all(p.islower() or p.istitle() or not p[:1].isalpha() for p in parts):
            return word.lower()
        return word

    return " ".join(lower(w) for w in text.split())


def third_person(sentence: str) -> str:
    """The paper's sentence as a note says it: 'We find' → 'The authors find', then 'they'."""
    said = []

    def name(match: re.Match[str]) -> str:
        said.append(match)
        if len(said) > 1:
            return "they"
        return "The authors" if match.start() == 0 else "the authors"

    sentence = _WE.sub(name, sentence)
    for pattern, replacement in _FIRST_PERSON:
        sentence = pattern.sub(replacement, sentence)
    return sentence


def sentences(text: str) -> list[str]:
    """`text`'s sentences, with pieces the layout ran together taken apart."""
    out = []
    for sentence in split_sentences(text):
        pieces = _RUN_TOGETHER.split(_MARK_AT_END.sub("", _LABEL.sub("", sentence)))
        out += [p for p in pieces if p and not _abbreviation_before(sentence, p)]
    return out


def _abbreviation_before(sentence: str, piece: str) -> bool:
    """Whether a piece was cut after an abbreviation ('vs. the'): then it is no sentence."""
    at = sentence.find(piece)
    word = sentence[:at].rstrip().rsplit(None, 1)[-1].rstrip(".").lower() if at > 0 else ""
    return word in ABBREVIATIONS


def findings(paper: Reading) -> list[tuple[str, int | None]]:
    """The paper's key finding sentences, in reading order, each with its page (None for
    the abstract of a source without PDF text)."""
    candidates: list[tuple[float, int, str, int | None]] = []
    position = 0
    for page, text in _passages(paper):
        for sentence in sentences(text):
            position += 1
            score = finding_score(sentence)
            if score >= FIRST_PAGE_MIN and page in (None, 1):  # what the abstract finds
                score += FIRST_PAGE
            if score >= MIN_SCORE:
                candidates.append((score, position, sentence, page))
    chosen: list[tuple[int, str, int | None, set[str]]] = []
    for _score, position, sentence, page in sorted(candidates, key=lambda c: (-c[0], c[1])):
        words = {vocabulary_key(w) for w in content_words(sentence)}
        if any(_overlap(words, other) > SAME_FINDING for *_, other in chosen):
            continue
        chosen.append((position, sentence, page, words))
        if len(chosen) == MAX_FINDINGS:
            break
    return [(sentence, page) for _, sentence, page, _ in sorted(chosen, key=lambda c: c[0])]


def finding_score(sentence: str) -> float:
    """How much a sentence reads as a result of the paper; 0 for what is not prose."""
    words = sentence.split()
    letters = sum(c.isalpha() for c in sentence)
    if not MIN_WORDS <= len(words) <= MAX_WORDS or sentence[-1] != "." or not sentence[0].isupper():
        return 0.0
    if letters < 0.75 * len(sentence.replace(" ", "")) or _NOT_PROSE.search(sentence):
        return 0.0
    cited = _CITATION.search(sentence)
    if (cited and cited.start() < CITED_AT) or _CAPTION.match(sentence):
        return 0.0  # "Smith et al. (2020) show …" reports other work
    if _FOOTNOTE_INSIDE.search(sentence):
        return 0.0
    score = 2.0 * bool(_STRONG.search(sentence)) + 1.0 * bool(_COMPARE.search(sentence))
    score += 1.0 if _MEASURE.search(sentence) else 0.5 * bool(_NUMBER.search(sentence))
    return score - 1.5 * bool(_AIMS.search(sentence)) - CITED * bool(cited)


def _passages(paper: Reading) -> list[tuple[int | None, str]]:
    """The running text to take findings from, a block at a time: each page's text up to
    its references, headings left out; the abstract when there is no page text."""
    if not paper.pages:
        return [(None, normalise(paper.abstract))]
    out: list[tuple[int | None, str]] = []
    for number, page in enumerate(paper.pages, start=1):
        block: list[str] = []
        for line in page.splitlines():
            if _END_OF_TEXT.match(line):
                out.append((number, normalise("\n".join(block))))
                return out
            if _is_heading(line) or _NOT_TEXT.match(line):
                out.append((number, normalise("\n".join(block))))
                block = []
            else:
                block.append(line)
        out.append((number, normalise("\n".join(block))))
    return out


def _is_heading(line: str) -> bool:
    """A short line with no stop whose words are capitalised: a section heading."""
    words = line.split()
    if not 0 < len(words) <= 8 or not _HEADING.match(line):
        return False
    return all(w[0].isupper() or not w[0].isalpha() or len(w) <= 3 for w in words)


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _categories(paper: Reading) -> list[str]:
    """The categories most used among the existing notes nearest the paper (at most two)."""
    counts = Counter(c for d in paper.related[:RELATED_LINKS] for c in d.categories)
    return [c for c, _ in counts.most_common(2)]
