"""Sentences and plain text from notes as people write them (inquiring.text).

Every input is a short excerpt of a real note: the demo vault (examples/llm-training) or the
public papers-i-read vault (MIT), copied here so the tests need nothing fetched.
"""

from __future__ import annotations

from pathlib import Path

from inquiring.parse import parse_document
from inquiring.plan import PlannedNote, find_disagreements, standalone
from inquiring.text import sentences_of, split_sentences

DEMO = Path(__file__).resolve().parent.parent / "examples" / "llm-training" / "notes"

# examples/llm-training/notes/alignment-tax-instructgpt.md, its summary
INSTRUCTGPT = (
    "Ouyang et al. (2022) found that outputs of a 1.3B InstructGPT were preferred by labelers "
    "to those of the 175B GPT-3. RLHF with PPO caused regressions on public NLP benchmarks "
    "such as SQuAD, DROP, HellaSwag and WMT French-to-English translation."
)
# examples/llm-training/notes/finetuning-new-knowledge-hallucination.md
OVADIA = (
    "For practitioners it argues against teaching new facts by supervised finetuning; "
    "[[rag-vs-finetuning-knowledge|Ovadia et al. (2023)]] reach a similar conclusion "
    "comparing finetuning with retrieval. It also qualifies the hypothesis."
)
# papers-i-read: 2017-06-17-A Decomposable Attention Model for Natural Language Inference.md
DECOMPOSABLE = """### Introduction

* The paper proposes an attention based mechanism to decompose the problem of Natural \
Language Inference (NLI) into parallelizable subproblems.
* Further, it uses much fewer parameters as compared to any other model while obtaining \
state of the art results.
* [Link to the paper](https://arxiv.org/abs/1606.01933)

### Approach

* **Attend**
    * For *i*, compute a &beta;<sub>i</sub> by performing softmax-like normalization of *j*.
"""
# papers-i-read: 2018-07-11-Learning Independent Causal Mechanisms.md
EXPERTS = (
    "* For simplicity, assume that N = N'. If N > N', some experts would learn more than one "
    "transformation or certain transformations would not be learnt.\n"
)
# papers-i-read: 2021-03-08-Practical Lessons from Predicting Clicks on Ads at Facebook.md
CLICKS = """\t\t* NE can also be written as $RIG - 1$, where $RIG$ is the Relative Information Gain.

\t* A given add impression, $e$, is transformed into a $n-$dimensional vector, $x$, where \
the $i^{th}$ index denotes the value of the $i^{th}$ leaf.

| Model | NE |
|---|---|
| Trees only | 96.1% |

```python
x = model.fit(X). predict(Y)
```
"""


def test_et_al_does_not_end_a_sentence() -> None:
    assert split_sentences(INSTRUCTGPT) == [
        "Ouyang et al. (2022) found that outputs of a 1.3B InstructGPT were preferred by "
        "labelers to those of the 175B GPT-3.",
        "RLHF with PPO caused regressions on public NLP benchmarks such as SQuAD, DROP, "
        "HellaSwag and WMT French-to-English translation.",
    ]


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = (
        "Ravfogel, Klakow and Elazar (2023), in a paper comparing few-shot fine-tuning vs. "
        "In-context learning, point out that earlier comparisons were unfair. Suchin Gururangan "
        "and Noah A. Smith asked a practical question, e.g. Does RoBERTa need it (Fig. 3)? "
        "They looked at four domains."
    )
    assert [s.split()[0] for s in split_sentences(text)] == ["Ravfogel,", "Suchin", "They"]


def test_a_link_is_never_cut() -> None:
    assert split_sentences(OVADIA)[0].endswith("comparing finetuning with retrieval.")
    assert sentences_of(OVADIA)[0] == (
        "For practitioners it argues against teaching new facts by supervised finetuning; "
        "Ovadia et al. (2023) reach a similar conclusion comparing finetuning with retrieval."
    )


def test_a_quoted_title_with_a_stop_inside_stays_whole() -> None:
    # examples/llm-training/notes: the note on localization and editing
    text = (
        "MEMIT picks the layers it modifies partly on the strength of causal tracing. "
        '"Does Localization Inform Editing? Surprising Differences in Causality-Based '
        'Localization vs. Knowledge Editing in Language Models" by Peter Hase, Mohit Bansal, '
        "Been Kim and Asma Ghandeharioun (NeurIPS 2023) tests that assumption head-on."
    )
    found = split_sentences(text)
    assert len(found) == 2 and found[1].startswith('"Does') and found[1].endswith("head-on.")


def test_headings_are_not_glued_and_bullets_are_separate_sentences() -> None:
    assert sentences_of(DECOMPOSABLE) == [
        "The paper proposes an attention based mechanism to decompose the problem of Natural "
        "Language Inference (NLI) into parallelizable subproblems.",
        "Further, it uses much fewer parameters as compared to any other model while "
        "obtaining state of the art results.",
        "For i, compute a β i by performing softmax-like normalization of j.",
    ]


def test_no_character_is_lost() -> None:
    assert sentences_of(EXPERTS) == [
        "For simplicity, assume that N = N'.",
        "If N > N', some experts would learn more than one transformation or certain "
        "transformations would not be learnt.",
    ]


def test_math_tables_and_code_leave_no_residue() -> None:
    assert sentences_of(CLICKS) == [
        "NE can also be written as RIG - 1, where RIG is the Relative Information Gain."
    ]


def test_demo_summaries_are_mostly_quotable() -> None:
    """The issue: the old splitter cut after "et al." and 134 summary pieces were rejected."""
    kept = rejected = 0
    for path in sorted(DEMO.glob("*.md")):
        summary = parse_document(path.read_text(encoding="utf-8"), path.name).summary
        found = sentences_of(summary)
        # quotable alone, or together with the sentence before it (its antecedent)
        ok = [standalone(s) or (i > 0 and standalone(found[i - 1])) for i, s in enumerate(found)]
        kept += sum(ok)
        rejected += len(ok) - sum(ok)
    assert kept >= 270 and rejected <= 30


def test_the_note_takers_asides_and_questions_are_not_candidates() -> None:
    # papers-i-read: 2019-03-12-Model Primitive Hierarchical Lifelong Reinforcement Learning.md
    # and 2020-11-23-Exploring Simple Siamese Representation Learning.md (its question is a
    # heading there; written as prose here, it is still no finding)
    text = (
        "* Notes\n\n    * I think the biggest strength of the work is that accurate dynamics "
        "model are not needed (which are hard to train anyways!) through the experimental "
        "results are not conclusive.\n\n"
        "What is SimSiam solving? Given that the stop-gradient operation seems to be the "
        "critical ingredient for avoiding collapse, the paper hypothesizes that SimSiam is "
        "solving a different optimization problem.\n"
    )
    assert sentences_of(text) == [
        "Given that the stop-gradient operation seems to be the critical ingredient for avoiding "
        "collapse, the paper hypothesizes that SimSiam is solving a different optimization problem."
    ]


def test_a_disagreement_is_quoted_whole_not_cut_inside_its_link(write_vault, open_index) -> None:
    """The issue's "…; [[rag-vs-finetuning-knowledge Ovadia et al." fragment, on real notes."""
    names = ("finetuning-new-knowledge-hallucination.md", "rag-vs-finetuning-knowledge.md")
    root = write_vault({name: (DEMO / name).read_text(encoding="utf-8") for name in names})
    index = open_index(root)
    index.update()
    notes = [PlannedNote(index.document(name), 1.0, 1.0) for name in names]
    evidence = [d.evidence for d in find_disagreements(index, notes)]
    assert evidence == [
        "For practitioners it argues against teaching new facts by supervised finetuning; "
        "Ovadia et al. (2023) reach a similar conclusion comparing finetuning with retrieval."
    ]


def test_a_lead_in_or_a_piece_of_a_longer_sentence_is_no_sentence() -> None:
    # papers-i-read: 2019-04-04-Large Memory Layers with Product Keys.md and
    # 2020-12-07-CAP twelve years later - How the rules have changed.md
    text = (
        "* The paper proposes a structured key-value memory layer that:\n\n"
        "    * Can scale to a very large size (and capacity).\n\n"
        "* The CAP theorem states that any system sharing data over the network can only "
        "have at most two (out of three) desirable properties:\n"
        "    * Consistency (C), i.e., a single, up-to-date copy of the data;\n"
    )
    assert sentences_of(text) == ["Can scale to a very large size (and capacity)."]
