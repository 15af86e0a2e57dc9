"""The citation checker on model-written sentences: clause by clause, and the line repaired."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from webvault import indexed_demo_copy

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.lines import support_record, support_summary
from inquiring.plan import Outline
from inquiring.search import Searcher
from inquiring.vault import Vault
from inquiring.verify import SupportChecker, numbers
from inquiring.write import Draft, Sentence
from inquiring.write.llm import ModelWriter, load_template, parse_reply

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "llm-training"
EFT = "notes/eft-pretraining-vs-finetuning-scale.md"
LIMA = "notes/superficial-alignment-lima.md"
SHALLOW = "notes/shallow-safety-alignment.md"
# What each note says, in words close to its own (the scorer's tolerance of looser paraphrase
# is measured by bench/calibrate_support.py, not here).
EFT_SAYS = (
    "Across Llama, Llama-2 and Falcon, more pretraining mainly raised factuality and more "
    "finetuning mainly raised helpfulness"
)
LIMA_SAYS = (
    "in a human study LIMA's answers were judged equal to or better than GPT-4's in 43% of cases"
)
SHALLOW_SAYS = (
    "In Llama-2-7B-Chat and Gemma-1.1-7B-IT, the difference from the base model on harmful "
    "prompts is concentrated in the first few output tokens."
)


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    root = indexed_demo_copy(tmp_path_factory.mktemp("verify") / "vault")
    index = Index(Vault(root))
    yield SupportChecker(index, Searcher(index, get_embedder()).embedder)
    index.close()


def checked(checker: SupportChecker, *paragraphs: list[Sentence]) -> Draft:
    draft = Draft("q", "", "strong", "llm:scripted", [list(p) for p in paragraphs], [])
    checker.check(draft, drop=True)
    return draft


def test_a_sentence_citing_two_notes_is_checked_clause_by_clause(checker):
    """ "X [1], while Y [2]": each note backs its own clause, so neither is dropped."""
    both = Sentence(f"{EFT_SAYS}, while {LIMA_SAYS}.", [EFT, LIMA])
    draft = checked(checker, [both])
    assert draft.paragraphs == [[both]] and both.citations == [EFT, LIMA]


def test_a_clause_the_cited_note_does_not_make_sinks_the_sentence(checker):
    """One clause supported, one invented: the supported half cannot carry the other."""
    partly = Sentence(
        "Humans sometimes preferred convincing sycophantic answers, whereas the preference "
        "model always chose the correct one.",
        ["notes/sycophancy-from-preferences.md"],
    )
    draft = checked(checker, [partly], [Sentence(SHALLOW_SAYS, [SHALLOW])])
    assert [s.text for p in draft.paragraphs for s in p] == [SHALLOW_SAYS]


def test_a_writer_s_clauses_are_checked_against_the_notes_they_cite(checker):
    """The LIMA finding, with its 43%, cited to the EFT note: the number is in neither the
    clause's note nor its words, so the sentence goes even though another note states it."""
    crossed = Sentence(
        f"{EFT_SAYS}, while {LIMA_SAYS}.",
        [EFT, LIMA],
        clauses=[(EFT_SAYS, [LIMA]), (LIMA_SAYS, [EFT])],
    )
    straight = Sentence(
        f"{EFT_SAYS}, while {LIMA_SAYS}.",
        [EFT, LIMA],
        clauses=[(EFT_SAYS, [EFT]), (LIMA_SAYS, [LIMA])],
    )
    draft = checked(checker, [crossed], [straight])
    assert draft.paragraphs == [[straight]]


def test_sentences_that_lean_on_a_dropped_one_go_too(checker):
    invented = Sentence(
        "Qi et al. found that safety alignment is spread evenly over every token of a reply.",
        [SHALLOW],
    )
    leaning = Sentence("This shallowness is what a harmful opening exploits.", connective=True)
    also = Sentence("Those results held for every model they tried.", [SHALLOW])
    fresh = Sentence(SHALLOW_SAYS, [SHALLOW])
    draft = checked(checker, [invented, leaning, also, fresh])
    assert draft.paragraphs == [[fresh]]


def test_a_line_that_keeps_few_of_its_claims_says_so(checker):
    invented = [
        Sentence("LIMA was finetuned on a million examples with RLHF.", [LIMA]),
        Sentence("Mitchell et al. found finetuning scale raises factuality most.", [EFT]),
        Sentence("Shallow alignment was found in every GPT-4 model.", [SHALLOW]),
    ]
    draft = checked(checker, [Sentence(SHALLOW_SAYS, [SHALLOW]), *invented])
    said = "only 1 of 4 claims were found in the cited notes; the rest were dropped"
    assert said in draft.warnings
    assert said in support_summary(support_record(draft, (0.25, 0.25)))


def test_saying_what_the_notes_do_not_cover_is_no_uncited_finding(checker):
    gap = (
        "The notes do not say how much electricity training a 65B model takes, nor what it "
        "cost in 2023 dollars."
    )
    _, problems = parse_reply(gap, Outline("q", "", [], [], [], []))
    assert not any("without a [n] marker" in p for p in problems)
    stated = Sentence(gap)
    stated.connective = False  # as a writer that checks every uncited sentence leaves it
    draft = checked(checker, [stated, Sentence(SHALLOW_SAYS, [SHALLOW])])
    assert draft.paragraphs[0][0] is stated and stated.connective
    assert draft.checked.claims == 1 and not draft.warnings


def test_numbers_in_words_are_numbers():
    assert numbers("about ten times faster, fifteenfold longer, 1,024 tokens") == {
        "10",
        "15",
        "1024",
    }


def test_the_model_style_pairs_are_labelled_and_true_to_their_notes():
    pairs = yaml.safe_load((DEMO / "support-pairs-models.yaml").read_text(encoding="utf-8"))
    assert len(pairs) >= 200
    assert {p["kind"] for p in pairs} == {"faithful", "partial", "distorted", "unsupported"}
    assert all(p["supported"] == (p["kind"] == "faithful") for p in pairs)
    assert {p["how"] for p in pairs if p["kind"] == "distorted"} == {
        "number",
        "direction",
        "scope",
        "attribution",
    }
    assert all((DEMO / p["note"]).is_file() for p in pairs)
    assert len({p["sentence"] for p in pairs}) == len(pairs)


# Two model-style sentences the checker cannot decide alone (from support-pairs-models.yaml):
# a faithful paraphrase scoring just under the threshold, and a distortion just over it.
TASK = "notes/task-arithmetic.md"
TASK_FAITHFUL = (
    "Subtracting a task vector learned on toxic text made GPT-2 generate less toxic output."
)
RULER = "notes/ruler-effective-context.md"
RULER_DISTORTED = (
    "Of 17 long-context models, all but two stayed above the satisfactory threshold at 32K."
)


JUDGE = ModelWriter("scripted", load_template())


def judge_by_claim(prompt: str) -> str:
    """A judge that reads the claim as a person would, in a chatty model's words."""
    claim = prompt.rpartition("CLAIM:")[2]
    if "toxic" in claim:
        return "**Yes.** The note says negating the toxicity vector reduced toxic generations."
    return "No: the note says only about half of the 17 models held up at 32K."


def test_the_judge_decides_only_the_citations_the_checker_doubts(checker, scripted_llm):
    params = checker.params
    faithful, distorted = checker.score(TASK_FAITHFUL, TASK), checker.score(RULER_DISTORTED, RULER)
    # The premise: the checker alone keeps the distortion and drops the paraphrase, narrowly.
    assert params.threshold - params.judge_band < faithful < params.threshold
    assert params.threshold <= distorted < params.threshold + params.judge_band
    scripted_llm.replies = [judge_by_claim] * 5
    quoted = Sentence(SHALLOW_SAYS, [SHALLOW])  # the note's own words: never in doubt
    draft = Draft(
        "q",
        "",
        "strong",
        "llm:scripted",
        [[quoted], [Sentence(TASK_FAITHFUL, [TASK]), Sentence(RULER_DISTORTED, [RULER])]],
        [],
    )
    support = checker.check(draft, drop=True, judge=JUDGE.answer)
    assert [s.text for p in draft.paragraphs for s in p] == [SHALLOW_SAYS, TASK_FAITHFUL]
    assert len(scripted_llm.prompts) == 2 and draft.checked.judged == 2
    summary = support_summary(support_record(draft, support))
    assert "2 doubtful citations decided by the model" in summary


@pytest.mark.parametrize("reply", ["", "I'd rather not say.", "Possibly; it depends."])
def test_a_judge_reply_without_a_verdict_leaves_the_score_to_decide(checker, scripted_llm, reply):
    scripted_llm.replies = [reply] * 3
    draft = Draft(
        "q",
        "",
        "strong",
        "llm:scripted",
        [[Sentence(TASK_FAITHFUL, [TASK]), Sentence(RULER_DISTORTED, [RULER])]],
        [],
    )
    checker.check(draft, drop=True, judge=JUDGE.answer)
    assert [s.text for p in draft.paragraphs for s in p] == [RULER_DISTORTED]
