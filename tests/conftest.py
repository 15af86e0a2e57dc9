"""Shared fixtures: small vaults written to a temporary folder, and the real Foam docs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from scripted_model import ScriptedModel, register, unregister
from typer.testing import CliRunner

from inquiring.cli import app
from inquiring.index import Index
from inquiring.vault import Vault

FOAM = Path(__file__).resolve().parent / "fixtures" / "foam-docs"  # MIT, its LICENSE beside it
# Real research papers (CC BY), problem PDFs and recorded arXiv/Crossref answers, kept beside
# the repository rather than in it (their licences and provenance: LICENSES.md there).
PAPERS = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "papers"

WriteVault = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def write_vault(tmp_path: Path) -> WriteVault:
    """Write {relative path: text or bytes} under a fresh vault folder and return it."""

    def write(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "vault"
        root.mkdir(exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return write


@pytest.fixture
def open_index() -> Callable[[Path], Index]:
    opened: list[Index] = []

    def open_(root: Path) -> Index:
        index = Index(Vault(root))
        opened.append(index)
        return index

    yield open_
    for index in opened:
        index.close()


@pytest.fixture
def papers() -> Path:
    """The real paper fixtures; the test is skipped where they are not beside the clone."""
    if not (PAPERS / "README.md").is_file():
        pytest.skip(f"the real paper fixtures are not at {PAPERS}")
    return PAPERS


def run(root: Path, *args: str) -> tuple[int, str]:
    """`inquiring --vault ROOT ARGS…` in this process: (exit code, what it printed)."""
    result = CliRunner().invoke(app, ["--vault", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.output


def note(title: str, body: str = "", **meta: str) -> str:
    """A note with front matter."""
    lines = ["---", f'title: "{title}"'] + [f"{k}: {v}" for k, v in meta.items()] + ["---", ""]
    return "\n".join(lines) + body + "\n"


def bump_mtime(path: Path) -> None:
    """Make sure a rewritten file's mtime differs even on coarse clocks."""
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 5))


@pytest.fixture
def scripted_llm() -> ScriptedModel:
    """The scripted model, registered as 'scripted' for the test, with an empty queue."""
    scripted = ScriptedModel()
    register(scripted)
    try:
        yield scripted
    finally:
        unregister(scripted)


@pytest.fixture
def structured_llm() -> ScriptedModel:
    """The scripted model as 'scripted', taking options and schemas like a model server."""
    scripted = ScriptedModel(structured=True)
    register(scripted)
    try:
        yield scripted
    finally:
        unregister(scripted)


@pytest.fixture(scope="session")
def indexed_demo(tmp_path_factory) -> Path:
    """The demo vault copied, indexed and embedded once a run; tests change only copies."""
    from webvault import indexed_demo_copy

    return indexed_demo_copy(tmp_path_factory.mktemp("demo") / "vault")


@pytest.fixture
def demo_copy(indexed_demo: Path, tmp_path: Path) -> Path:
    """The indexed demo vault, copied for this test alone."""
    root = tmp_path / "vault"
    shutil.copytree(indexed_demo, root)
    return root
