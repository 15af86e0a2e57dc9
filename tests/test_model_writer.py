"""The LLM writer on the demo vault: its prompt, its sizing and options, honest "not covered"
replies, and the repair round after the citation check. The model is the scripted one."""

from __future__ import annotations

import json
import re

import pytest
from webvault import indexed_demo_copy

from inquiring.ask import ask, configured_writer
from inquiring.embed import get_embedder
from inquiring.errors import InquiringError
from inquiring.index import Index
from inquiring.plan import plan
from inquiring.search import Searcher
from inquiring.settings import load_settings
from inquiring.vault import Vault
from inquiring.write.llm import (
    REPLY_SCHEMA,
    REPLY_TOKENS,
    fit_prompt,
    load_template,
    tokens,
    write_llm,
)

SWAPPED = (
    "Why might an AI grader pick a different winner just because the two answers were swapped?"
)
CHINCHILLA = (
    "Roughly how many training tokens per parameter does compute-optimal pretraining call for, "
    "and do practitioners stick to it?"
)
DEEPSEEK = (
    "What happened when DeepSeek trained its base model with nothing but rule-based correctness "
    "rewards and no supervised stage?"
)
ELECTRICITY = "How much electricity does pretraining a large language model use?"


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    return indexed_demo_copy(tmp_path_factory.mktemp("model-writer") / "vault")


@pytest.fixture
def searcher(vault):
    with Index(Vault(vault)) as index:
        yield Searcher(index, get_embedder())


def outline_for(searcher, question):
    return plan(searcher, searcher.search(question, limit=15))


def test_prompt_carries_roles_disagreements_and_the_question_at_the_end(searcher):
    outline = outline_for(searcher, CHINCHILLA)
    assert outline.disagreements  # Kaplan's note qualifies Chinchilla's
    prompt, sized = fit_prompt(outline, load_template(), 4096)
    number = {n.doc.path: i for i, n in enumerate(sized.notes, start=1)}
    assert f"[1] {sized.notes[0].doc.title} (frame: the organising claim)" in prompt
    first = outline.disagreements[0]
    assert (
        f"[{number[first.first.doc.path]}] qualifies or disputes [{number[first.second.doc.path]}]"
        in prompt
    )
    assert prompt.rstrip().endswith(f"The question again: {CHINCHILLA}")
    assert "3 to 6 paragraphs" not in prompt and "skip the others" in prompt
    for note in sized.notes:  # a key sentence the summary already says is not repeated
        block = prompt.split(f"] {note.doc.title} (", 1)[1].split("\n\n", 1)[0]
        also = block.split("\nAlso: ", 1)[1] if "\nAlso: " in block else ""
        for key in note.key_sentences:
            assert not (key in note.doc.summary and key in also)


@pytest.mark.parametrize("context", [2048, 3000, 4096, 8192])
def test_prompt_fits_the_context_dropping_the_least_relevant_notes(searcher, context):
    outline = outline_for(searcher, ELECTRICITY)
    prompt, sized = fit_prompt(outline, load_template(), context)
    assert tokens(prompt) <= context - REPLY_TOKENS
    assert tokens(prompt) == -(-len(prompt) // 4)  # about four characters a token
    kept = [n.doc.path for n in sized.notes]
    assert kept[0] == outline.notes[0].doc.path  # the frame stays
    gone = [n for n in outline.notes if n.doc.path not in kept]
    if gone:  # what went is less relevant than anything that stayed (after the frame)
        assert max(n.relevance for n in gone) <= min(n.relevance for n in sized.notes[1:])
    assert re.findall(r"^\[(\d+)\] ", prompt, re.M) == [str(i) for i in range(1, len(kept) + 1)]
    assert ELECTRICITY in prompt.split("Notes (numbered", 1)[0]
    if context == 2048:
        assert len(kept) < len(outline.notes)
    if context == 8192:
        assert kept == [n.doc.path for n in outline.notes]


def test_context_setting(write_vault):
    root = write_vault({"inquiring.toml": "[llm]\nmodel = 'x'\ncontext = 8192\n"})
    assert load_settings(Vault(root)).llm_context == 8192
    root = write_vault({"inquiring.toml": "[llm]\nmodel = 'x'\n"})
    assert load_settings(Vault(root)).llm_context == 4096
    for bad in ("512", "'big'", "4096.5", "true"):
        root = write_vault({"inquiring.toml": f"[llm]\ncontext = {bad}\n"})
        with pytest.raises(InquiringError, match=r"\[llm\] context must be"):
            load_settings(Vault(root))


def test_not_covered_reply_is_the_answer_without_a_retry(searcher, scripted_llm):
    said = "The notes do not say how much electricity pretraining a large language model uses."
    scripted_llm.replies = [f"## Answer\n\n{said}\n\nLet me know if you need anything else!"]
    answer = ask(searcher, ELECTRICITY, save=False, new=True, writer=scripted)
    assert len(scripted_llm.prompts) == 1
    draft = answer.draft
    assert (draft.writer, draft.coverage, draft.paragraphs) == ("llm:scripted", "none", [])
    assert draft.message == said and not answer.warnings


def test_partly_covered_reply_is_a_thin_line(searcher, scripted_llm):
    outline = outline_for(searcher, DEEPSEEK)
    assert outline.coverage == "strong"  # the planner found the notes for it
    scripted_llm.replies = [
        "The notes do not say how much compute the run used. AIME 2024 pass@1 rose from "
        "15.6% to 71.0%, and to 86.7% with majority voting [1]."
    ]
    draft = write_llm(outline, "scripted", load_template())
    assert len(scripted_llm.prompts) == 1 and not draft.warnings
    assert (draft.writer, draft.coverage) == ("llm:scripted", "thin")
    first, second = draft.paragraphs[0]
    assert first.connective and not first.citations
    assert second.citations == ["notes/deepseek-r1-zero-pure-rl.md"]


def test_uncited_claim_goes_to_the_checker_and_is_dropped(searcher, scripted_llm):
    scripted_llm.replies = [
        "Wang et al. (2023) found that GPT-4 and ChatGPT, asked to compare two responses, "
        "often change their verdict when the order is swapped [1]. "
        "This is a well-known flaw of every neural network."
    ]
    answer = ask(searcher, SWAPPED, save=False, new=True, writer=scripted, drop_unsupported=False)
    assert len(scripted_llm.prompts) == 1  # not retried: the checker deals with it
    aside = answer.draft.paragraphs[0][1]
    assert not aside.connective and not aside.citations and not aside.supported


def scripted(outline):
    return write_llm(outline, "scripted", load_template(), timeout=30)


def test_options_and_schema_go_to_a_model_that_takes_them(searcher, structured_llm):
    structured_llm.replies = [
        json.dumps(
            {
                "paragraphs": [
                    {
                        "sentences": [
                            {
                                "text": "Judges showed position bias, usually favouring the "
                                "answer shown first",
                                "citations": [3],
                            },
                            {"text": "The notes do not say why.", "citations": []},
                        ]
                    }
                ]
            }
        )
    ]
    outline = outline_for(searcher, SWAPPED)
    draft = write_llm(outline, "scripted", load_template(), context=8192)
    options, schema = structured_llm.asked[0]
    assert options == {"temperature": 0, "num_ctx": 8192, "max_tokens": REPLY_TOKENS}
    assert schema == REPLY_SCHEMA
    assert draft.writer == "llm:scripted" and not draft.warnings
    cited, gap = draft.paragraphs[0]
    assert cited.text == "Judges showed position bias, usually favouring the answer shown first."
    assert cited.citations == ["notes/llm-as-judge.md"]
    assert gap.connective and draft.coverage == "thin"


def test_a_model_without_options_gets_none(searcher, scripted_llm):
    scripted_llm.replies = ["Judges showed position bias [3]."]
    writer = configured_writer(searcher.index.vault.root, "scripted", "", context=2048)
    draft = writer(outline_for(searcher, SWAPPED))
    assert draft.writer == "llm:scripted"
    assert scripted_llm.asked == [({}, None)]


FAITHFUL = (
    "Wang et al. (2023) found that GPT-4 and ChatGPT, asked to compare two responses, often "
    "change their verdict when the order is swapped [1]. "
)
# Uncited, so the checker drops it whatever its threshold.
OVERREACH = "Position bias makes every automatic benchmark of chat models worthless. "
KEPT = "Judges showed position bias, usually favouring the answer shown first [3]."


def test_repair_round_rewrites_without_the_dropped_claims(searcher, scripted_llm):
    scripted_llm.replies = [FAITHFUL + KEPT]
    ask(searcher, SWAPPED, save=False, new=True, writer=configured(searcher))
    assert len(scripted_llm.prompts) == 1  # nothing dropped, nothing to repair
    scripted_llm.prompts.clear()
    scripted_llm.replies = [FAITHFUL + OVERREACH + KEPT, FAITHFUL + KEPT]
    answer = ask(searcher, SWAPPED, save=False, new=True, writer=configured(searcher))
    assert len(scripted_llm.prompts) == 2
    repair = scripted_llm.prompts[1]
    assert "not supported by the notes they cite:\n- Position bias makes every" in repair
    assert OVERREACH.strip() in repair.split("You wrote:", 1)[1]  # it sees its own line
    texts = [s.text for p in answer.draft.paragraphs for s in p]
    assert len(texts) == 2 and not any("worthless" in t for t in texts)


def test_a_worse_repair_keeps_the_first_line(searcher, scripted_llm):
    scripted_llm.replies = [FAITHFUL + OVERREACH + KEPT, OVERREACH.replace("every", "all")]
    answer = ask(searcher, SWAPPED, save=False, new=True, writer=configured(searcher))
    assert len(scripted_llm.prompts) == 2
    texts = [s.text for p in answer.draft.paragraphs for s in p]
    assert len(texts) == 2 and texts[1].startswith("Judges showed position bias")


def configured(searcher):
    return configured_writer(searcher.index.vault.root, "scripted", "", timeout=30)


def test_markers_inside_a_sentence_hold_each_clause_to_its_own_note(searcher):
    """ "X [1], while Y [2].": each clause is checked against the note cited after it, so a
    true clause cannot carry an untrue one that cites another note."""
    from inquiring.verify import SupportChecker
    from inquiring.write import Draft, Sentence
    from inquiring.write.llm import _clauses

    eft = "notes/eft-pretraining-vs-finetuning-scale.md"
    lima = "notes/superficial-alignment-lima.md"
    first = (
        "Scaling up pretraining mainly raised factuality while scaling up finetuning mainly "
        "raised helpfulness [1]"
    )
    true = f"{first}, and Zhou et al. (2023) finetuned LLaMA 65B on only 1,000 curated pairs [2]."
    false = f"{first}, and Zhou et al. (2023) finetuned LLaMA 65B on 5,000 curated pairs [2]."
    sentences = []
    for raw in (true, false):
        clauses = _clauses(raw, [eft, lima])
        assert [cites for _, cites in clauses] == [[eft], [lima]]
        text = re.sub(r"\s*\[\d\]", "", raw)
        sentences.append(Sentence(text, [eft, lima], clauses=clauses))
    draft = Draft("q", "", "strong", "llm:scripted", [sentences], [])
    SupportChecker(searcher.index, searcher.embedder).check(draft, drop=True)
    assert [s.text for p in draft.paragraphs for s in p] == [sentences[0].text]
    assert set(sentences[0].support) == {eft, lima}
