"""bench/eval_model_lines.py: what the citation check keeps of model-written lines, measured
on labelled fixture replies with the real parser, checker and embedder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from webvault import indexed_demo_copy

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.search import Searcher
from inquiring.vault import Vault

BENCH = Path(__file__).resolve().parents[1] / "bench" / "eval_model_lines.py"
CHOSEN = {
    "chinchilla-tokens": [
        "strong model, faithful paraphrase with a disagreement",
        "small model with invented figures",
    ],
    "grader-position-bias": ["small model with invented figures"],
}


def _bench():
    spec = importlib.util.spec_from_file_location("eval_model_lines", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> dict[str, dict]:
    """The measured rows of three replies, by sentence."""
    root = indexed_demo_copy(tmp_path_factory.mktemp("model-lines") / "vault")
    with Index(Vault(root)) as index:
        measured = _bench().measure(Searcher(index, get_embedder()), CHOSEN)
    return {row["text"]: row for row in measured}


def test_every_cited_sentence_of_the_replies_is_labelled(rows):
    assert len(rows) == 5 + 6 + 6
    assert sum(r["truth"] == "overreach" for r in rows.values()) == 4 + 4


def test_a_faithful_paraphrase_in_the_notes_terms_is_kept(rows):
    paraphrase = rows[
        "Compute-optimal training, as Hoffmann et al. (2022) fitted it, grows parameters and "
        "tokens in equal proportion, which comes to roughly 20 tokens per parameter."
    ]
    assert paraphrase["truth"] == "faithful" and paraphrase["kept"]
    strong = [r for r in rows.values() if r["style"] == "GPT-4-class"]
    assert all(r["kept"] for r in strong)


@pytest.mark.parametrize(
    "sentence",
    [
        "Hoffmann et al. trained over 1,000 models to find this.",
        "Chinchilla has 70B parameters and was trained on 1.4T tokens, and it scored 73.2% "
        "on MMLU.",
        "Zheng et al. (2023) found GPT-4 agreed with humans 92% of the time.",
        "MT-Bench has 100 questions in ten categories.",
    ],
)
def test_an_invented_number_is_dropped(rows, sentence):
    assert rows[sentence]["truth"] == "overreach"
    assert not rows[sentence]["kept"]


def test_the_shares_count_kept_faithful_and_dropped_overreach(rows):
    shares = _bench().shares(list(rows.values()))
    faithful_kept, faithful = shares["faithful"]
    overreach_dropped, overreach = shares["overreach"]
    assert (faithful, overreach) == (9, 8)
    assert faithful_kept >= 8 and overreach_dropped >= 6
