"""Hybrid retrieval on small real vaults, with the real embedder and a real SQLite index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import bump_mtime, note
from typer.testing import CliRunner

from inquiring.cli import app
from inquiring.embed import get_embedder
from inquiring.evaluate import load_questions, ndcg_at, recall_at, reciprocal_rank
from inquiring.search import Searcher, content_words
from inquiring.vectors import VectorIndex

NOTES = {
    "notes/format.md": note(
        "Does instruction tuning teach the task or the output format?",
        "Models tuned on misleading or empty task definitions scored about as well as models "
        "tuned on correct ones; what transferred was knowledge of the label space. "
        "See [[lima]].",
        dek="Instruction tuning seems to teach the shape of answers.",
    ),
    "notes/lima.md": note(
        "Is alignment a thin layer over pretrained knowledge?",
        "A thousand curated examples were enough to turn LLaMA 65B into a capable assistant.",
        dek="The superficial alignment hypothesis.",
    ),
    "notes/chinchilla.md": note(
        "How should compute be split between parameters and tokens?",
        "Compute-optimal training uses about twenty tokens per parameter.",
        dek="Chinchilla revised the earlier scaling advice.",
    ),
    "notes/rag.md": note(
        "Does retrieval help generation on knowledge-intensive tasks?",
        "Retrieval-augmented generation conditions the generator on passages from an index.",
        dek="Looking facts up instead of memorising them.",
    ),
    "notes/bpe.md": note(
        "Why do language models split words into subword units?",
        "Byte pair encoding merges frequent character pairs into a fixed vocabulary.",
        dek="Tokenisation with byte pair encoding.",
    ),
    "notes/moe.md": note(
        "Can sparse expert routing scale parameters without scaling compute?",
        "Switch Transformers route each token to a single expert feed-forward block.",
        dek="Mixture of experts.",
    ),
}


@pytest.fixture
def vault(write_vault) -> Path:
    return write_vault(NOTES)


@pytest.fixture
def searcher(vault, open_index) -> Searcher:
    index = open_index(vault)
    index.update(embedder=get_embedder())
    return Searcher(index, get_embedder())


def paths(result) -> list[str]:
    return [hit.doc.path for hit in result.hits]


def test_dense_finds_a_note_that_shares_no_words_with_the_question(searcher):
    question = "Why would nonsense prompts during supervised training still give a good model?"
    assert not set(content_words(question)) & set(content_words(NOTES["notes/format.md"]))
    assert paths(searcher.search(question, method="dense"))[0] == "notes/format.md"
    assert paths(searcher.search(question, method="hybrid"))[0] == "notes/format.md"


def test_hybrid_explains_each_hit(searcher):
    result = searcher.search("instruction tuning output format", limit=3)
    top = result.hits[0]
    assert top.doc.path == "notes/format.md"
    assert top.why[:2] == ["lexical", "semantic"]
    assert result.coverage in ("strong", "partial")


def test_links_from_top_notes_are_a_reason(searcher):
    result = searcher.search("instruction tuning output format", limit=6)
    lima = next(h for h in result.hits if h.doc.path == "notes/lima.md")
    assert "notes/format.md" in lima.linked and "linked" in lima.why


def test_coverage_says_when_the_vault_has_nothing(searcher):
    absent = searcher.search("How do diffusion models denoise photographs of cats?")
    assert absent.coverage in ("thin", "none")
    covered = searcher.search("How many training tokens per parameter is compute optimal?")
    assert covered.coverage != "none"
    assert paths(covered)[0] == "notes/chinchilla.md"


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        "a AND OR NOT b",
        "NEAR(tokens parameters, 3)",
        "token*",
        "-retrieval",
        "column:value",
        "((nested) parentheses",
        "🙂🙂🙂",
        "x" * 10_000,
        " ".join(["retrieval"] * 3000),
        "\x00\x01 control characters",
    ],
)
def test_any_text_is_a_valid_query(searcher, query):
    result = searcher.search(query)
    assert result.coverage in ("strong", "partial", "thin", "none")
    assert all(hit.doc.path.startswith("notes/") for hit in result.hits)


def test_empty_query_gets_a_message(searcher):
    result = searcher.search("   ")
    assert result.hits == [] and result.message == "The query is empty."


def test_vectors_follow_incremental_updates(vault, searcher):
    index = searcher.index
    count = index.db.execute("SELECT count(DISTINCT doc) FROM vectors").fetchone()[0]
    assert count == len(NOTES)
    (vault / "notes/moe.md").write_text(
        note("Do experts help?", "Photosynthesis in plants turns light into sugar."),
        encoding="utf-8",
    )
    bump_mtime(vault / "notes/moe.md")
    (vault / "notes/bpe.md").unlink()
    report = index.update(embedder=get_embedder())
    assert (report.changed, report.removed, report.embedded) == (1, 1, 1)
    assert (
        index.db.execute("SELECT count(DISTINCT doc) FROM vectors").fetchone()[0] == len(NOTES) - 1
    )
    hit = searcher.search("how do plants make sugar from sunlight", method="dense").hits[0]
    assert hit.doc.path == "notes/moe.md"
    assert "notes/bpe.md" not in paths(searcher.search("byte pair encoding subword"))


LONG_BODY = " ".join(
    f"Passage {i} is about {topic}, and it says so in a sentence of plain words."
    for i, topic in enumerate(
        ["sparse attention", "protein folding", "tax law", "optimiser warmup", "bird song"] * 6
    )
)


def test_vector_search_is_exactly_a_scan_of_every_stored_vector(write_vault, open_index):
    """Each note scored by its best passage, other kinds left out, best first, k of them:
    the same notes, order and scores as reading every vector from the database."""
    root = write_vault(
        {
            **NOTES,
            "notes/long.md": note("Notes without a summary", LONG_BODY),  # several passages
            "lines/asked.md": note("How do sparse experts route tokens?", "An answer."),
        }
    )
    index = open_index(root)
    index.update(embedder=get_embedder())
    rows = index.db.execute(
        "SELECT v.doc, v.vec, d.kind FROM vectors v JOIN documents d ON d.id = v.doc"
    ).fetchall()
    assert {kind for _, _, kind in rows} == {"note", "line"}
    assert max(n for (n,) in index.db.execute("SELECT count(*) FROM vectors GROUP BY doc")) > 3
    vectors = VectorIndex(index, get_embedder().dim)
    questions = ["how are tokens routed to experts", "bird song", "tax", "compute budget"]
    for query in get_embedder().embed(questions):
        best: dict[int, float] = {}
        for doc, vec, kind in rows:
            if kind == "note":
                cosine = float(np.frombuffer(vec, dtype=np.float32) @ query)
                best[doc] = max(best.get(doc, -1.0), cosine)
        reference = sorted(best.items(), key=lambda item: -item[1])
        for k in (1, 3, len(best), len(best) + 5):
            found = vectors.search(query, k)
            assert [d for d, _ in found] == [d for d, _ in reference[:k]]
            assert [s for _, s in found] == pytest.approx([s for _, s in reference[:k]], abs=1e-6)


def test_metrics_on_hand_checked_rankings():
    ranked = ["a", "x", "b", "y"]
    assert recall_at(ranked, {"a", "b", "c", "d"}, 2) == 0.25
    assert reciprocal_rank(ranked, {"b"}) == pytest.approx(1 / 3)
    assert ndcg_at(["a", "b"], {"a", "b"}, 10) == pytest.approx(1.0)
    assert ndcg_at(["x", "a"], {"a"}, 10) == pytest.approx(1 / 1.584962500721156)


def test_search_and_eval_through_the_cli(vault, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["--vault", str(vault), "search", "Why split words into subword units?", "--json"],
        catch_exceptions=False,
    )
    data = json.loads(result.output)
    assert data["query"] == "Why split words into subword units?" and data["coverage"] in (
        "strong",
        "partial",
    )
    assert data["results"][0]["path"] == "notes/bpe.md"
    assert {"path", "title", "score", "why"} <= set(data["results"][0])
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "- {id: a, question: 'How are words cut into tokens?', kind: specific,\n"
        "   gold: [notes/bpe.md]}\n"
        "- {id: b, question: Recipes for sourdough bread, kind: absent, gold: []}\n"
        "- {id: c, question: byte pair encoding, kind: known, gold: [notes/bpe.md]}\n",
        encoding="utf-8",
    )
    assert [q.half for q in load_questions(questions)] == ["tune", "test", "tune"]
    result = runner.invoke(
        app,
        ["--vault", str(vault), "eval", "retrieval", str(questions), "--json"],
        catch_exceptions=False,
    )
    rows = {(r["half"], r["method"], r["kind"]): r for r in json.loads(result.output)}
    assert rows[("all", "hybrid", "specific")]["recall10"] == 1.0
    assert rows[("all", "hybrid", "absent")]["coverage_ok"] == 1.0
    assert rows[("all", "hybrid", "known")]["mrr"] == 1.0
    table = runner.invoke(app, ["--vault", str(vault), "eval", "retrieval", str(questions)])
    assert any(line.split()[:2] == ["known", "hybrid"] for line in table.output.splitlines())
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: a, question: x, kind: weird}\n", encoding="utf-8")
    result = runner.invoke(app, ["--vault", str(vault), "eval", "retrieval", str(bad)])
    assert result.exit_code == 1 and "unknown kind 'weird'" in result.output


# Notes written by hand, in no one's house style: no front matter but an alias, titles from
# headings or file names, the words of one note's topic scattered through the others, and an
# index page that links to every note.
SLEEP = {
    "coffee and sleep.md": "# Does coffee ruin my sleep?\n\n"
    "Caffeine blocks adenosine, the molecule whose build-up makes us drowsy. Its half-life "
    "is five to six hours, so an afternoon cup still acts at bedtime. Caffeine late in the "
    "day shortens deep sleep even when falling asleep feels normal.\n",
    "Sleep spindles.md": "---\naliases: [spindles]\n---\n"
    "Bursts of 11-16 Hz activity in stage 2 sleep. More of them after learning goes with "
    "better recall the next day; they seem to help move memories from hippocampus to cortex.\n",
    "naps.md": "# Are naps good for you?\n\nA 20-minute nap improves alertness without "
    "grogginess. Some people drink coffee right before, because caffeine takes about twenty "
    "minutes to act. Naps long enough to reach stage 2 sleep hold more spindles and help "
    "memory, but the spindles of a nap are fewer than at night.\n",
    "melatonin.md": "Melatonin rises in the evening and tells the body it is night. Light "
    "in the evening delays it; so, a little, does caffeine, and so does jet lag. Caffeine and "
    "alcohol both fragment sleep.\n",
    "index.md": "# Sleep notes\n\n- [[coffee and sleep]]: caffeine and sleep\n"
    "- [[Sleep spindles]]: what spindles do\n- [[naps]]: naps, caffeine naps, nap spindles\n"
    "- [[melatonin]]\n- [[circadian rhythm]]: the body clock\n",
    "chronotype.md": "---\naliases: [night owl, morning lark]\n---\n"
    "# Are some people built to stay up late?\n\nChronotype is partly inherited: late types "
    "have a body clock that runs long, synchronized to the day by morning light.\n",
    "circadian rhythm.md": "# What sets the body clock?\n\nThe suprachiasmatic nucleus keeps "
    "a roughly 24-hour rhythm, reset each morning by light. Caffeine shifts it later; "
    "spindles and slow waves follow its timing.\n",
}


@pytest.fixture
def sleep(write_vault, open_index) -> Searcher:
    index = open_index(write_vault(SLEEP))
    index.update(embedder=get_embedder())
    return Searcher(index, get_embedder())


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("caffeine", "coffee and sleep.md"),  # the topic of one note, mentioned by three more
        ("spindles", "Sleep spindles.md"),  # that note's own alias
        ("sleep spindles", "Sleep spindles.md"),  # its file name, which is its title
        ("naps", "naps.md"),
    ],
)
def test_a_known_item_comes_first(sleep, query, note):
    assert paths(sleep.search(query))[0] == note


def test_a_question_its_top_note_answers_is_strong_without_summaries(sleep):
    """No note here has a dek or summary; the label must not hold that against them."""
    for question, expected in [
        ("does coffee ruin my sleep", "coffee and sleep.md"),
        ("Does caffeine from an afternoon cup still act at bedtime?", "coffee and sleep.md"),
        ("What do sleep spindles do for memory?", "Sleep spindles.md"),
    ]:
        result = sleep.search(question)
        assert paths(result)[0] == expected
        assert result.coverage == "strong", (question, result.signals)


def test_questions_the_sleep_notes_do_not_cover_are_thin_or_none(sleep):
    for question in [
        "How often should I repot an orchid?",
        "What was decided at the 2025 board meeting?",
        "Does melatonin interact with antidepressants?",
    ]:
        result = sleep.search(question)
        assert result.coverage in ("thin", "none"), (question, result.signals)


def test_a_note_is_found_by_the_words_of_its_aliases(sleep):
    """'owl' is written only in the note's aliases."""
    assert ids_to_paths(sleep, sleep.index.ranked_ids("owl", 5, ("note",))) == ["chronotype.md"]
    assert paths(sleep.search("night owl"))[0] == "chronotype.md"


def test_a_question_in_british_spelling_finds_a_note_in_american_spelling(sleep):
    """'synchronised' and 'synchronized' stem apart; the vault writes the second."""
    found = sleep.index.ranked_ids("what is synchronised by morning light", 5, ("note",))
    assert ids_to_paths(sleep, found)[0] == "chronotype.md"
    assert sleep.search("synchronised by light").signals.unknown == 0.0


def ids_to_paths(searcher: Searcher, ranked: list[tuple[int, float]]) -> list[str]:
    docs = {d.id: d.path for d in searcher.index.documents_by_id([i for i, _ in ranked])}
    return [docs[i] for i, _ in ranked]
