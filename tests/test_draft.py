"""`inquiring draft`: notes drafted from a real paper, every kept quote found on its page.

The paper is a real one (conftest.PAPERS, licences in its LICENSES.md), added to a small vault
with `inquiring add`; the model is the scripted one, replying as real models do: the
format asked for, JSON in fences amid chatter, wrong pages, paraphrases sold as quotes,
invented quotes, refusals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import note, run
from scripted_model import HANG

from inquiring import api
from inquiring.draft import Reading
from inquiring.draft.extractive import draft_extractive, question_for
from inquiring.draft.model import DRAFT_SCHEMA, parse_reply
from inquiring.ingest.pdf import extract
from inquiring.parse import parse_document
from inquiring.quotes import check, evidence_in

GRAPH = "Construction of the Literature Graph in Semantic Scholar"  # N18-3011.pdf
QUESTION = (
    "What did Ammar et al. find about construction of the literature graph in semantic scholar?"
)
LINKED = "How are papers linked in a literature graph?"
# The paper's own words, and the page each is on.
NODES = "The resulting literature graph consists of more than 280M nodes"  # p. 1
SCIENCEPARSE = (
    "we built the ScienceParse system to predict structured data from the raw PDFs using "
    "recurrent neural networks"
)  # p. 3
ENSEMBLE = "creating an ensemble of 15 models further improves the results by 1.1 F1 points"  # p. 5
LM_GAIN = "showing a large improvement of 4.2 F1 points"  # p. 5
INVENTED = "the literature graph holds exactly two billion citation edges"
PARAPHRASE = "the graph has well over two hundred and eighty million nodes in it"


@pytest.fixture
def graph_vault(write_vault, papers: Path) -> Path:
    """Two notes, and the Semantic Scholar paper added as a source with its PDF."""
    root = write_vault(
        {
            "notes/graph.md": note(
                LINKED, "Citation graphs link papers.", categories="[Scholarly Data]"
            ),
            "notes/ner.md": note(
                "Do language model embeddings help entity extraction?",
                "Contextual embeddings help taggers.",
                categories="[Information Extraction]",
            ),
        }
    )
    code, out = run(root, "add", str(papers / "N18-3011.pdf"))
    assert code == 0, out
    return root


def with_model(root: Path, context: int = 8192) -> None:
    (root / "inquiring.toml").write_text(
        f'[llm]\nmodel = "scripted"\ncontext = {context}\n', encoding="utf-8"
    )


def drafts(root: Path) -> dict[str, str]:
    """Every draft note in the vault: path → text."""
    found = {}
    for path in sorted((root / "notes").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if parse_document(text, path.name).meta.get("status") == "draft":
            found[path.relative_to(root).as_posix()] = text
    return found


def assert_quotes_verify(root: Path, texts: list[str]) -> int:
    """Every evidence footnote's quote stands on the page it names; how many there are."""
    with api.open(root) as vault:
        pages = vault.source_text(GRAPH).pages
    count = 0
    for text in texts:
        evidence = evidence_in(parse_document(text, "draft.md").body)
        assert evidence, text
        for ev in evidence.values():
            found = check(ev.quote, pages, ev.page)
            assert found.ok and found.page == ev.page, (ev, found)
            count += 1
    return count


# -- without a model: the extractive draft ------------------------------------------------------


def test_an_extractive_draft_quotes_the_papers_findings_with_their_pages(graph_vault):
    code, out = run(graph_vault, "draft", GRAPH)
    assert code == 0, out
    written = drafts(graph_vault)
    assert list(written) == [
        "notes/what-did-ammar-et-al-find-about-construction-of-the-literature.md"
    ]
    assert f"Drafted 1 note from sources/{GRAPH.lower().replace(' ', '-')}.md with the " in out
    text = next(iter(written.values()))
    meta = parse_document(text, "x.md").meta
    assert meta["title"] == QUESTION and meta["status"] == "draft"
    assert meta["sources"] == ["construction-of-the-literature-graph-in-semantic-scholar"]
    assert meta["categories"] == ["Scholarly Data"] or "Scholarly Data" in meta["categories"]
    assert f'"{NODES}, representing papers, authors, entities' in text
    assert "(p. 1)" in text and "(p. 5)" in text
    assert f"Related: [[notes/graph|{LINKED}]]" in text
    assert assert_quotes_verify(graph_vault, [text]) == 2
    assert "Quotes: 2 of 2 found in the paper." in out


@pytest.mark.parametrize(
    "name",
    ["N18-3011.pdf", "2020.acl-main.207.pdf", "2023.eacl-main.121.pdf", "2101.03961.pdf"],
)
def test_every_quote_of_an_extractive_draft_is_on_its_page(name, papers):
    """One and two columns, ligatures, hyphenated line ends, an arXiv stamp: each finding
    the extractive drafter takes is quoted exactly, on the page it gives; no caption, and no
    sentence about other work."""
    text = extract(papers / name)
    paper = Reading("x", text.meta.title, text.meta.authors, "", "", text.pages, [], [], [])
    claims = draft_extractive(paper).notes[0].claims
    assert len(claims) >= 2
    for claim in claims:
        found = check(claim.quote, text.pages, claim.page)
        assert found.ok and found.score == 100.0 and found.page == claim.page, claim
        assert not claim.quote.startswith(("Figure", "Table"))
        assert " et al" not in claim.quote[:40]  # a finding of its own, not one it cites


@pytest.mark.parametrize(
    ("title", "question"),
    [
        ("Attention Is All You Need", "Is attention all you need?"),
        ("Language Models Are Few-Shot Learners", "Are language models few-shot learners?"),
        ("LIMA: Less Is More for Alignment", "Is less more for alignment?"),
        (
            "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models",
            "Does chain-of-thought prompting elicit reasoning in large language models?",
        ),
        (
            "Scaling Laws for Neural Language Models",
            "What did Kaplan et al. (2020) find about scaling laws for neural language models?",
        ),
        (
            "LoRA: Low-Rank Adaptation of Large Language Models",
            "What does LoRA show about low-rank adaptation of large language models?",
        ),
        ("Does RL Work?", "Does RL Work?"),
    ],
)
def test_the_question_comes_from_the_title(title, question):
    assert question_for(title, "Kaplan et al. (2020)") == question


def test_a_source_without_a_pdf_is_drafted_from_its_abstract_and_says_so(write_vault):
    root = write_vault(
        {
            "sources/lean.md": "---\nid: lean-2024\ntitle: Lean Tuning Improves Accuracy\n"
            "authors: [Ada Byron]\npublished: 2024-01-02\n---\n\n"
            "We tune a model on 1,000 curated examples. "
            "We find that lean tuning improves accuracy by 12% over the base model.\n"
        }
    )
    code, out = run(root, "draft", "lean-2024")
    assert code == 0, out
    out = " ".join(out.split())  # a note on stderr is wrapped to the terminal's width
    assert "sources/lean.md names no PDF" in out and "quotes its abstract alone" in out
    text = next(iter(drafts(root).values()))
    assert (
        '[^1]: "We find that lean tuning improves accuracy by 12% over the base model." '
        "(abstract)" in text
    )
    assert "The authors find that lean tuning improves accuracy by 12%" in text
    assert "Quotes: 1 of 1 found in its abstract." in out
    assert "title: Does lean tuning improve accuracy?" in text


def test_a_draft_never_overwrites_a_note_and_a_repeat_is_flagged_as_near(graph_vault):
    taken = graph_vault / "notes/what-did-ammar-et-al-find-about-construction-of-the-literature.md"
    taken.write_text("My own note, not a draft.\n", encoding="utf-8")
    code, out = run(graph_vault, "draft", GRAPH)
    assert code == 0, out
    assert taken.read_text(encoding="utf-8") == "My own note, not a draft.\n"
    first = "notes/what-did-ammar-et-al-find-about-construction-of-the-literature-2.md"
    assert list(drafts(graph_vault)) == [first]
    code, out = run(graph_vault, "draft", GRAPH)
    second = "notes/what-did-ammar-et-al-find-about-construction-of-the-literature-3.md"
    assert code == 0 and list(drafts(graph_vault)) == [first, second]
    assert f"Near {first} “{QUESTION}” (similarity 1.00)" in out
    text = (graph_vault / second).read_text(encoding="utf-8")
    assert parse_document(text, "x.md").meta["near"] == first


def test_a_question_close_to_an_existing_note_is_flagged(graph_vault):
    (graph_vault / "notes/built.md").write_text(
        note("How was the literature graph of Semantic Scholar constructed?"), encoding="utf-8"
    )
    code, out = run(graph_vault, "draft", GRAPH, "--dry-run")
    assert "Near notes/built.md “How was the literature graph of Semantic Scholar" in out
    code, out = run(graph_vault, "draft", GRAPH, "--json")
    assert code == 0
    near = json.loads(out)["notes"][0]["near"]
    assert near["path"] == "notes/built.md" and near["similarity"] >= 0.70
    written = json.loads(out)["notes"][0]["path"]
    assert "near: notes/built.md\n" in (graph_vault / written).read_text(encoding="utf-8")


def test_a_dry_run_prints_the_draft_and_writes_nothing(graph_vault):
    code, out = run(graph_vault, "draft", GRAPH, "--dry-run")
    assert code == 0
    assert out.startswith("---\ntitle: ") and "status: draft" in out
    assert "Would write 1 note from " in out and "(not written)" in out
    assert drafts(graph_vault) == {}


def test_an_unknown_source_or_a_note_is_refused(graph_vault):
    code, out = run(graph_vault, "draft", "protein folding")
    assert code == 1 and "no note matches 'protein folding'" in out
    code, out = run(graph_vault, "draft", "notes/graph.md")
    assert code == 1 and "notes/graph.md is a note, not a source page" in out


# -- with a model: the scripted one ---------------------------------------------------------


def text_reply(*notes: str) -> str:
    return "\n\n".join(notes)


GOOD_NOTE = f"""NOTE: How big is the Semantic Scholar literature graph?
DEK: Its size shows what a deployed system must handle.
SUMMARY: The graph links papers, authors and entities at scale.
CATEGORIES: scholarly data, Graphs
LINKS: [[{LINKED}]], [[A note the vault does not have]]
- The graph holds more than 280 million nodes, linked by [[{LINKED}|citations]].
  QUOTE (p. 2): "{NODES}"
- It has well over two hundred million nodes.
  QUOTE (p. 1): "{PARAPHRASE}"
- An ensemble of fifteen taggers adds 1.1 F1.
  QUOTE (p. 5): "{ENSEMBLE}"
- Metadata comes from a recurrent network over the raw PDFs. <script>alert(1)</script>
  QUOTE: "{SCIENCEPARSE}"
"""
BAD_NOTE = f"""NOTE: Are citation edges counted exactly?
- The graph holds two billion citation edges.
  QUOTE (p. 4): "{INVENTED}"
"""


def test_a_model_draft_keeps_only_the_sentences_whose_quote_is_in_the_paper(
    graph_vault, scripted_llm
):
    with_model(graph_vault)
    scripted_llm.replies = [text_reply(GOOD_NOTE, BAD_NOTE)]
    code, out = run(graph_vault, "draft", GRAPH)
    assert code == 0, out
    assert len(scripted_llm.prompts) == 1
    written = drafts(graph_vault)
    assert list(written) == ["notes/how-big-is-the-semantic-scholar-literature-graph.md"]
    text = written["notes/how-big-is-the-semantic-scholar-literature-graph.md"]
    meta = parse_document(text, "x.md").meta
    assert meta["categories"] == ["Scholarly Data", "Graphs"] and meta["drafted_by"] == (
        "llm:scripted"
    )
    body = parse_document(text, "x.md").body
    assert "linked by [[notes/graph|citations]]." in body
    assert f"Related: [[notes/graph|{LINKED}]]\n" in body
    with api.open(graph_vault) as vault:  # links by path, as Obsidian resolves them too
        links = vault.note("notes/how-big-is-the-semantic-scholar-literature-graph.md").links
    assert len(links) == 2 and {link.resolved for link in links} == {"notes/graph.md"}
    assert "does not have" not in body and "<script" not in text
    assert f'[^1]: "{NODES}" (p. 1)' in body  # the model said p. 2: the page found is given
    assert f'"{SCIENCEPARSE}" (p. 3)' in body  # no page given: found all the same
    assert PARAPHRASE not in body and INVENTED not in text
    assert assert_quotes_verify(graph_vault, [text]) == 3
    assert "the quote is on page 1, not page 2" in out
    assert "Dropped 2 sentences whose quote was not found:" in out
    assert "“It has well over two hundred million nodes.” (How big is" in out
    assert (
        "Not written: “Are citation edges counted exactly?”: none of its quotes was found." in out
    )
    assert "Quotes: 3 of 5 found in the paper." in out


def json_note(number: int) -> dict:
    return {
        "title": f"Finding {number}: does the ensemble help?",
        "dek": "d",
        "summary": "s",
        "categories": ["Information Extraction"],
        "links": [],
        "sentences": [{"text": "Ensembling helps.", "quote": ENSEMBLE}],  # no page
    }


def test_fenced_json_amid_chatter_with_too_many_notes_is_read_and_cut_to_five(
    graph_vault, scripted_llm
):
    with_model(graph_vault)
    notes = [json_note(n) for n in range(1, 7)]
    scripted_llm.replies = [
        "Sure! Here are the notes you asked for:\n\n```json\n"
        + json.dumps({"notes": notes}, indent=1)
        + "\n```\nLet me know if you want changes."
    ]
    code, out = run(graph_vault, "draft", GRAPH, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["writer"] == "llm:scripted" and len(result["notes"]) == 5
    assert "the drafter proposed 6 notes; only the first 5 were kept" in result["warnings"]
    assert result["quotes"] == {"checked": 5, "found": 5}
    assert {s["page"] for n in result["notes"] for s in n["sentences"]} == {5}
    assert assert_quotes_verify(graph_vault, list(drafts(graph_vault).values())) == 5


def test_a_refusal_is_asked_again_and_then_the_extractive_drafter_writes(graph_vault, scripted_llm):
    with_model(graph_vault)
    scripted_llm.replies = ["I'm sorry, but I can't help with that.", "I cannot do this."]
    code, out = run(graph_vault, "draft", GRAPH)
    assert code == 0, out
    assert len(scripted_llm.prompts) == 2
    assert "Your previous answer had no note in the format asked for" in scripted_llm.prompts[1]
    out = " ".join(out.split())  # a note on stderr is wrapped to the terminal's width
    assert (
        "the model 'scripted' did not produce a usable draft (its answer had no note in the "
        "format asked for); the extractive drafter wrote this draft instead"
    ) in out
    assert "with the extractive drafter" in out
    assert_quotes_verify(graph_vault, list(drafts(graph_vault).values()))


def test_invented_quotes_are_named_to_the_model_which_tries_again(graph_vault, scripted_llm):
    with_model(graph_vault)
    scripted_llm.replies = [BAD_NOTE, text_reply(GOOD_NOTE)]
    code, out = run(graph_vault, "draft", GRAPH)
    assert code == 0, out
    assert "quoted nothing that is in the paper's text" in scripted_llm.prompts[1]
    assert list(drafts(graph_vault)) == [
        "notes/how-big-is-the-semantic-scholar-literature-graph.md"
    ]


def test_a_model_with_schemas_gets_the_schema_the_paper_and_the_vault(graph_vault, structured_llm):
    with_model(graph_vault, context=16384)
    structured_llm.replies = [
        json.dumps(
            {
                "notes": [
                    {**json_note(1), "sentences": [{"text": "Gain.", "quote": LM_GAIN, "page": 5}]}
                ]
            }
        )
    ]
    code, out = run(graph_vault, "draft", GRAPH)
    assert code == 0, out
    options, schema = structured_llm.asked[0]
    assert schema == DRAFT_SCHEMA and options["temperature"] == 0 and options["num_ctx"] == 16384
    prompt = structured_llm.prompts[0]
    assert f"Paper: {GRAPH}" in prompt and "[page 1]\nProceedings of NAACL-HLT 2018" in prompt
    assert f"- [[{LINKED}]]: Citation graphs link papers." in prompt
    assert "Categories the vault uses: Information Extraction, Scholarly Data" in prompt
    assert "[page 8]" in prompt and "fit the model's context" not in prompt


def test_the_paper_is_cut_to_the_models_context_and_the_cut_is_said(graph_vault, scripted_llm):
    with_model(graph_vault, context=2048)
    scripted_llm.replies = [text_reply(GOOD_NOTE)]
    code, out = run(graph_vault, "draft", GRAPH)
    assert code == 0, out
    prompt = scripted_llm.prompts[0]
    assert "[page 1]" in prompt and "[page 2]" not in prompt
    assert "(only page 1 of 8 fit the model's context of 2048 tokens" in prompt
    assert "the paper was cut for the model: only page 1 of 8 fit" in " ".join(out.split())
    assert len(prompt) <= (2048 - 2048 // 3) * 4


@pytest.mark.parametrize(
    "reply",
    [
        # bold keys, a numbered list, the quote on the sentence's own line, "page 3"
        f'**Title:** Q?\n1. It was built so. — "{SCIENCEPARSE}" (page 3)\n',
        # a heading for the note, the quote key in other words
        f"## Note 1: Q?\n- It was built so.\n  Evidence (p. 3): “{SCIENCEPARSE}”\n",
        # a JSON list of notes, sentences as strings
        json.dumps([{"question": "Q?", "claims": [f'It was built so. "{SCIENCEPARSE}" (p. 3)']}]),
    ],
)
def test_replies_in_other_shapes_are_read(reply):
    notes = parse_reply(reply)
    assert [n.title for n in notes] == ["Q?"]
    claim = notes[0].claims[0]
    assert (claim.text, claim.quote, claim.page) == ("It was built so.", SCIENCEPARSE, 3)


def test_the_front_matter_stays_valid_whatever_the_model_writes(graph_vault, scripted_llm):
    with_model(graph_vault)
    hostile = json.dumps(
        {
            "notes": [
                {
                    "title": 'Q: "quoted" --- # not a heading\nstatus: final',
                    "dek": "line\n---\nbreak",
                    "categories": "a, b",
                    "sentences": [{"text": "Gain [^9].", "quote": f'"{LM_GAIN}"', "page": "p. 5"}],
                }
            ]
        }
    )
    scripted_llm.replies = [hostile]
    code, out = run(graph_vault, "draft", GRAPH)
    assert code == 0, out
    (text,) = drafts(graph_vault).values()
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["status"] == "draft" and meta["title"].endswith("status: final")
    assert "[^9]" not in text and f'[^1]: "{LM_GAIN}" (p. 5)' in text


def test_a_model_that_hangs_is_left_and_the_extractive_drafter_writes(graph_vault, scripted_llm):
    with_model(graph_vault)
    scripted_llm.replies = [HANG]
    code, out = run(graph_vault, "draft", GRAPH, "--timeout", "0.5")
    assert code == 0, out
    out = " ".join(out.split())
    assert "(no answer within 0.5 s); the extractive drafter wrote this draft instead" in out
    assert len(scripted_llm.prompts) == 1 and list(drafts(graph_vault))


def test_a_failed_call_is_tried_once_more(graph_vault, scripted_llm):
    with_model(graph_vault)
    scripted_llm.replies = [ConnectionError("connection reset"), text_reply(GOOD_NOTE)]
    code, out = run(graph_vault, "draft", GRAPH)
    assert code == 0, out
    assert len(scripted_llm.prompts) == 2 and "with llm:scripted" in out


def test_the_notes_the_vault_already_has_on_the_paper_are_named(graph_vault):
    (graph_vault / "notes/s2.md").write_text(
        note(
            "What does Semantic Scholar index?",
            sources="[construction-of-the-literature-graph-in-semantic-scholar]",
        ),
        encoding="utf-8",
    )
    code, out = run(graph_vault, "draft", GRAPH, "--dry-run")
    assert code == 0
    assert "Already in the vault on this paper: notes/s2.md “What does Semantic Scholar" in out


def test_an_abstract_with_no_finding_gives_no_draft_and_says_why(write_vault):
    root = write_vault(
        {"sources/plain.md": "---\nid: plain\ntitle: A Survey\n---\n\nWe survey the field.\n"}
    )
    code, out = run(root, "draft", "plain")
    assert code == 1 and drafts(root) == {}
    out = " ".join(out.split())
    assert "Note: no sentence of the paper reads as a finding" in out
    assert (
        "Not written: “What did the paper find about a survey?”: it had no sentence to quote."
        in out
    )
