"""Shared fixtures: small vaults written to a temporary folder, and the real Foam docs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from inquiring.index import Index
from inquiring.vault import Vault

# The checkout (and CI's clone) sits next to the shared folder.
FOAM = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "foam-docs"

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


def note(title: str, body: str = "", **meta: str) -> str:
    """A note with front matter."""
    lines = ["---", f'title: "{title}"'] + [f"{k}: {v}" for k, v in meta.items()] + ["---", ""]
    return "\n".join(lines) + body + "\n"


def bump_mtime(path: Path) -> None:
    """Make sure a rewritten file's mtime differs even on coarse clocks."""
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 5))


class ScriptedModel:
    """A stand-in LLM registered through `llm`'s plugin hook: replies from a queue."""

    model_id = "scripted"

    def __init__(self) -> None:
        import llm

        class Model(llm.Model):
            model_id = "scripted"
            can_stream = False

            def execute(inner, prompt, stream, response, conversation):
                self.prompts.append(prompt.prompt)
                yield self.replies.pop(0) if self.replies else ""

        self.model = Model()
        self.replies: list[str] = []
        self.prompts: list[str] = []


@pytest.fixture
def scripted_llm():
    import llm
    from llm.plugins import pm

    scripted = ScriptedModel()

    class Plugin:
        __name__ = "InquiringScriptedModel"

        @llm.hookimpl
        def register_models(self, register):
            register(scripted.model)

    pm.register(Plugin(), name="inquiring-scripted-model")
    try:
        yield scripted
    finally:
        pm.unregister(name="inquiring-scripted-model")
