"""How an extractive line is composed: which sentences, in what order, in what role."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from webvault import indexed_demo_copy

from inquiring.ask import ask
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.plan import claims_of, question_weights, sentence_role
from inquiring.search import Searcher
from inquiring.vault import Vault
from inquiring.verify import SupportChecker
from inquiring.write import Draft, Sentence
from inquiring.write.extractive import ONE_NOTE

ROOT = Path(__file__).resolve().parents[1]
SYSTEMS = ROOT / "examples" / "systems-reading-notes"
LIMA = "notes/superficial-alignment-lima.md"
EFT = "notes/eft-pretraining-vs-finetuning-scale.md"
EFT_FINDING = (
    "Across Llama, Llama-2 and Falcon, scaling up pretraining mainly raised factuality and "
    "scaling up finetuning mainly raised helpfulness."
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return indexed_demo_copy(tmp_path_factory.mktemp("compose") / "vault")


@pytest.fixture
def searcher(demo):
    index = Index(Vault(demo))
    yield Searcher(index, get_embedder())
    index.close()


def test_roles_come_from_whole_words_not_substrings():
    """The issue: "harm" matched *harmless*, and a remedy was filed under failures."""
    assert sentence_role("The tuned model stayed harmless on every red-team prompt.") == "evidence"
    assert sentence_role("RLHF with PPO caused regressions on public NLP benchmarks.") == "limit"
    remedy = "Mixing pretraining gradients into the PPO updates largely removed the regressions."
    assert sentence_role(remedy) == "evidence"
    assert sentence_role("The gap arises from how the tokeniser splits digits.") == "mechanism"


def test_a_sentence_that_leans_back_comes_with_its_antecedent_or_not_at_all(searcher):
    index = searcher.index
    question = "Where does the superficial alignment hypothesis come from?"
    claims = claims_of(index, index.document(LIMA), question, question_weights(index, question))
    propose = next(c for c in claims if c.text.startswith("From this the authors propose"))
    assert propose.before.startswith("A few dozen multi-turn dialogues were enough")
    assert all(c.before or not c.text.lower().startswith(("this", "they", "it ")) for c in claims)
    line = ask(searcher, question, save=False, new=True).draft
    for paragraph in line.paragraphs:
        for i, sentence in enumerate(paragraph):
            if sentence.text.startswith("From this the authors propose"):
                assert i > 0 and paragraph[i - 1].text == propose.before
                assert paragraph[i - 1].citations == [LIMA]


def test_notes_below_the_relevance_floor_are_left_out_rather_than_filling_a_cap(tmp_path):
    """A narrow question about one system gets the notes that bear on it, not twelve."""
    root = tmp_path / "systems"
    shutil.copytree(SYSTEMS, root)
    with Index(Vault(root)) as index:
        index.update(embedder=get_embedder())
        searcher = Searcher(index, get_embedder())
        question = "Why does Raft randomise election timeouts?"
        answer = ask(searcher, question, save=False, new=True)
        cited = answer.draft.cited()
        assert cited[0] == "raft.md" and len(cited) < 12
        assert len(answer.outline.notes) < 12
        for note in answer.outline.notes:  # each one offers a sentence using the question
            assert note.claims and note.claims[0].words


def test_two_notes_saying_the_same_thing_give_one_sentence_citing_both(searcher, tmp_path):
    root = tmp_path / "vault"
    shutil.copytree(searcher.index.vault.root, root, ignore=shutil.ignore_patterns(".inquiring"))
    (root / "notes" / "eft-reading-group.md").write_text(
        "---\ntitle: What did the reading group take from emulated fine-tuning?\n---\n"
        f"The group's summary of Mitchell et al. (2023): {EFT_FINDING} "
        "Nobody had expected the two stages to separate so cleanly.\n",
        encoding="utf-8",
    )
    with Index(Vault(root)) as index:
        index.update(embedder=get_embedder())
        question = (
            "Does scaling pretraining raise factuality while scaling finetuning raises helpfulness?"
        )
        draft = ask(Searcher(index, get_embedder()), question, save=False, new=True).draft
    texts = [s.text for p in draft.paragraphs for s in p]
    holding = [s for p in draft.paragraphs for s in p if "mainly raised factuality" in s.text]
    assert len(holding) == 1, texts
    assert set(holding[0].citations) == {EFT, "notes/eft-reading-group.md"}


def test_a_compound_sentence_is_backed_only_if_every_part_is(searcher):
    """ "X; Y [1, 2]" where Y is nobody's words: the sentence goes, whatever X's support."""
    invented = "the main limit: LIMA's answers were preferred to GPT-4's in nine cases out of ten"
    compound = Sentence(f"The takeaway: {EFT_FINDING[:-1]}; {invented}.", [EFT, LIMA])
    honest = Sentence(
        f"The takeaway: {EFT_FINDING[:-1]}; the main limit: From this the authors propose the "
        "superficial alignment hypothesis: a model's knowledge and abilities come almost entirely "
        "from pretraining, and alignment teaches which format and style to use with users.",
        [EFT, LIMA],
    )
    draft = Draft("q", "", "strong", "extractive", [[compound], [honest]], [])
    checker = SupportChecker(searcher.index, searcher.embedder)
    checker.check(draft, drop=True)
    kept = [s for p in draft.paragraphs for s in p]
    assert kept == [honest] and honest.quoted and set(honest.citations) == {EFT, LIMA}


def test_a_sentence_in_another_language_is_not_quoted(write_vault):
    """Paper notes that gloss a passage in Chinese (Learning-Deep-Learning, mvcnn.md): the
    gloss names the question's term, yet the answer quotes only the English sentence."""
    gloss = "马氏距离 Mahalanobis 有很多优点，马氏距离不受量纲的影响。"  # noqa: RUF001
    root = write_vault(
        {
            "mahalanobis.md": "# Why use the Mahalanobis distance?\n\n"
            "The Mahalanobis distance is dimensionless and accounts for the correlation "
            f"between variables. {gloss}\n\n"
            "La distance de Mahalanobis est sans dimension et tient compte des corrélations.\n",
            "cosine.md": "# When is cosine similarity enough?\n\n"
            "Cosine similarity ignores vector length, which suits embeddings of any scale.\n",
        }
    )
    with Index(Vault(root)) as index:
        index.update(embedder=get_embedder())
        question = "Why is the Mahalanobis distance dimensionless?"
        doc = index.document("mahalanobis.md")
        texts = [c.text for c in claims_of(index, doc, question, question_weights(index, question))]
        line = ask(Searcher(index, get_embedder()), question, save=False, new=True).draft
    assert any(t.startswith("The Mahalanobis distance is dimensionless") for t in texts)
    assert not any("马氏距离" in t or "sans dimension" in t for t in texts)
    quoted = " ".join(s.text for p in line.paragraphs for s in p)
    assert "dimensionless" in quoted and "马氏距离" not in quoted
    # The other note uses none of the question's words: the line rests on one note, and says so.
    assert line.cited() == ["mahalanobis.md"]
    assert line.paragraphs[-1][-1].text == ONE_NOTE
