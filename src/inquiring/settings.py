"""`inquiring.toml`: the vault's settings, all optional."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import InquiringError
from .vault import SETTINGS_FILE, Vault

DEFAULT_CONTEXT = 4096  # tokens: the default context of Ollama and many local models
MIN_CONTEXT = 2048  # tokens: a prompt of a few notes, and room for the reply
MAX_FOOTER = 500  # characters: a line or two under every page


@dataclass(frozen=True)
class Settings:
    title: str = ""
    llm_model: str = ""  # empty: no model, nothing is sent anywhere
    llm_prompt: str = ""  # a prompt template file, relative to the vault
    llm_timeout: float = 60.0  # seconds to wait for the model before the extractive writer
    llm_context: int = DEFAULT_CONTEXT  # tokens the model reads: prompt and reply
    llm_judge: bool = True  # the model decides the citations the checker doubts
    embedder: str = "all-MiniLM-L6-v2"
    footer: str = ""  # [site] footer: the pages' footer line, in Markdown

    def judging(self, asked: bool | None = None) -> bool:
        """Whether a model that writes also judges doubtful citations: as asked on the
        command line, else as set in [llm] judge (on by default: about one short call a
        line, measured in docs/lines.md)."""
        return self.llm_judge if asked is None else asked


def load_settings(vault: Vault) -> Settings:
    """Read the vault's settings; a broken file is an error that names it and the line."""
    path = vault.root / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InquiringError(f"cannot read {path}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise InquiringError(f"{path}: {error}") from error
    llm = data.get("llm", {})
    embedder = data.get("embedder", {})
    if not isinstance(llm, dict) or not isinstance(embedder, dict):
        raise InquiringError(f"{path}: [llm] and [embedder] must be tables")
    timeout = llm.get("timeout", Settings.llm_timeout)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise InquiringError(
            f"{path}: [llm] timeout must be a number of seconds above 0, like 60 "
            f"(it is {timeout!r})"
        )
    context = llm.get("context", Settings.llm_context)
    if isinstance(context, bool) or not isinstance(context, int) or context < MIN_CONTEXT:
        raise InquiringError(
            f"{path}: [llm] context must be the model's context length in tokens, a whole "
            f"number of at least {MIN_CONTEXT}, like 4096 (it is {context!r})"
        )
    footer = _footer(path, data.get("site", {}))
    judge = llm.get("judge", Settings.llm_judge)
    if not isinstance(judge, bool):
        raise InquiringError(f"{path}: [llm] judge must be true or false (it is {judge!r})")
    return Settings(
        title=str(data.get("title", "")),
        llm_model=str(llm.get("model", "")),
        llm_prompt=str(llm.get("prompt", "")),
        llm_timeout=float(timeout),
        llm_context=context,
        llm_judge=judge,
        embedder=str(embedder.get("name", Settings.embedder)),
        footer=footer,
    )


def _footer(path: Path, site: object) -> str:
    """`[site] footer`: one line of text or Markdown under every page."""
    if not isinstance(site, dict):
        raise InquiringError(f'{path}: [site] must be a table, like [site] then footer = "…"')
    footer = site.get("footer", "")
    if not isinstance(footer, str) or "\n" in footer.strip() or len(footer) > MAX_FOOTER:
        raise InquiringError(
            f"{path}: [site] footer must be one line of text, up to {MAX_FOOTER} characters, "
            f'like footer = "Notes by A. Reader · [licence](https://…)" (it is {footer!r:.80})'
        )
    return footer.strip()
