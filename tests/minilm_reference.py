"""An independent fp32 forward pass of all-MiniLM-L6-v2 in numpy, from its safetensors weights.

Used only by the tests, to check the int8 ONNX model that `inquiring` runs against the
original full-precision weights.
"""

from __future__ import annotations

import math

import numpy as np
from safetensors.numpy import load_file

from inquiring.embed import MINILM_SAFETENSORS, load_tokenizer, mean_pool, verified

LAYERS, HEADS, EPS = 6, 12, 1e-12


def _layer_norm(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w[f"{name}.weight"] + w[f"{name}.bias"]


def _dense(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    return x @ w[f"{name}.weight"].T + w[f"{name}.bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class ReferenceMiniLM:
    def __init__(self) -> None:
        self.w = {
            k: v.astype(np.float64) for k, v in load_file(str(verified(MINILM_SAFETENSORS))).items()
        }
        self.tokenizer = load_tokenizer(256)

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            ids = np.array([self.tokenizer.encode(text).ids])
            mask = np.ones_like(ids)
            rows.append(mean_pool(self._forward(ids), mask)[0])
        return np.stack(rows)

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        w = self.w
        n = ids.shape[1]
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w, "embeddings.LayerNorm")
        size = x.shape[-1] // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}"

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(1, n, HEADS, size).transpose(0, 2, 1, 3)

            q = heads(_dense(x, w, f"{p}.attention.self.query"))
            k = heads(_dense(x, w, f"{p}.attention.self.key"))
            v = heads(_dense(x, w, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            context = context.transpose(0, 2, 1, 3).reshape(1, n, HEADS * size)
            x = _layer_norm(
                x + _dense(context, w, f"{p}.attention.output.dense"),
                w,
                f"{p}.attention.output.LayerNorm",
            )
            hidden = _gelu(_dense(x, w, f"{p}.intermediate.dense"))
            x = _layer_norm(x + _dense(hidden, w, f"{p}.output.dense"), w, f"{p}.output.LayerNorm")
        return x
