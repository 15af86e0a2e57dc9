"""The embedder: pinned files, and agreement with an independent fp32 reference."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from minilm_reference import ReferenceMiniLM

from inquiring.embed import (
    MINILM_ONNX_INT8,
    MiniLM,
    ModelFileError,
    get_embedder,
    load_session,
    mean_pool,
    verified,
)

SENTENCES = [
    "Does RL post-training create new reasoning or surface what the base model had?",
    "Scaling pretraining improves factual accuracy while scaling finetuning improves helpfulness.",
    "LoRA trains a low-rank update and leaves the pretrained weights frozen.",
    "Instruction tuning may teach the output format more than the task.",
    "A thousand carefully chosen examples were enough to align LLaMA 65B.",
    "Chinchilla suggests about twenty training tokens per parameter.",
    "Retrieval augmentation lets a small model look facts up at inference time.",
    "Lost in the middle: models use the start and end of long contexts best.",
    "Byte pair encoding splits rare words into subword units.",
    "Mixtral routes each token to two of eight experts.",
    "Sleeper agents keep their backdoors through safety training.",
    "Self-consistency samples several reasoning paths and takes a majority vote.",
    "Where do transformers store facts? Mid-layer MLPs, according to causal tracing.",
    "Models trained on misleading instructions performed about as well.",
    "The alignment tax: RLHF lowered scores on some public NLP benchmarks.",
    "Grokking: generalisation long after the training set is memorised.",
    "What is the capital of France?",
    "A recipe for lemon cake with poppy seeds.",
    "The weather in Lisbon is mild in winter.",
    "Émile Zola wrote Germinal in 1885.",
    "数学推理能力",
    "🙂 emoji and symbols ∑ ∫ √",
    "short",
    "",
    "A very long sentence " * 80,
    "tokenisation, tokenization; TOKENISATION!",
    "GPT-4 as a judge agrees with humans over 80% of the time.",
    "Speculative decoding drafts tokens with a small model and verifies them with the large one.",
    "Quantising to 8 bits fails without handling outlier features.",
    "In-context examples with random labels barely hurt accuracy.",
]


@pytest.fixture(scope="module")
def model() -> MiniLM:
    return get_embedder()  # type: ignore[return-value]


def test_vectors_are_unit_length_float32_of_the_right_size(model):
    vectors = model.embed(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert model.embed([]).shape == (0, 384)


def test_int8_model_agrees_with_the_fp32_reference(model):
    reference = ReferenceMiniLM().embed(SENTENCES)
    ours = model.embed(SENTENCES)
    cosines = (reference * ours).sum(axis=1)
    assert cosines.min() >= 0.98, cosines
    assert cosines.mean() >= 0.99, cosines.mean()


def test_batching_and_order_do_not_change_vectors(model):
    one_by_one = np.stack([model.embed([s])[0] for s in SENTENCES[:8]])
    batched = MiniLM(batch_size=3).embed(SENTENCES[:8])
    np.testing.assert_allclose(one_by_one, batched, atol=2e-3)


def test_meaning_not_words_decides_similarity(model):
    a, b, c = model.embed(
        [
            "How do pretraining and finetuning differ in what they change?",
            "What does each training stage contribute to a model's abilities?",
            "A recipe for lemon cake with poppy seeds.",
        ]
    )
    assert a @ b > a @ c + 0.25


def test_a_changed_model_file_is_refused(tmp_path):
    fake = dataclasses.replace(MINILM_ONNX_INT8, sha256="0" * 64)
    with pytest.raises(ModelFileError, match="does not match its pinned sha256"):
        verified(fake)
    wrong_version = dataclasses.replace(MINILM_ONNX_INT8, version="9.9.9")
    with pytest.raises(ModelFileError, match=r"pinned to 9\.9\.9"):
        verified(wrong_version)
    missing = dataclasses.replace(MINILM_ONNX_INT8, package="no_such_pkg", distribution="nope")
    with pytest.raises(ModelFileError, match="is not installed"):
        verified(missing)


def _vectors(session, model: MiniLM) -> np.ndarray:
    """The session's vectors for SENTENCES, one at a time (no padding to differ)."""
    out = []
    for sentence in SENTENCES:
        ids = np.array([model.tokenizer.encode(sentence or " ").ids], dtype=np.int64)
        mask = np.ones_like(ids)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        out.append(mean_pool(session.run(None, feed)[0], mask)[0])
    return np.stack(out)


def test_the_saved_optimised_model_gives_the_same_vectors_and_is_remade_when_damaged(
    model, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = _vectors(model.session, model)
    made = load_session(MINILM_ONNX_INT8)  # from the pinned file; the copy is saved meanwhile
    [copy] = (tmp_path / "inquiring" / "models").iterdir()
    assert sorted(p.name for p in copy.iterdir()) == ["model.data", "model.onnx", "probe.json"]
    data = copy / "model.data"
    saved = data.stat().st_ino
    loaded = load_session(MINILM_ONNX_INT8)
    assert data.stat().st_ino == saved  # loaded from the copy, not made again
    np.testing.assert_array_equal(_vectors(made, model), expected)
    np.testing.assert_array_equal(_vectors(loaded, model), expected)

    data.write_bytes(bytes(data.stat().st_size))  # every weight zero: damaged on disk
    remade = load_session(MINILM_ONNX_INT8)
    np.testing.assert_array_equal(_vectors(remade, model), expected)
    assert data.stat().st_ino != saved and any(data.read_bytes()[:4096])
    np.testing.assert_array_equal(_vectors(load_session(MINILM_ONNX_INT8), model), expected)


def test_without_a_cache_folder_the_model_still_loads(model, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/dev/null/no-cache-here")
    session = load_session(MINILM_ONNX_INT8)
    np.testing.assert_array_equal(_vectors(session, model), _vectors(model.session, model))
