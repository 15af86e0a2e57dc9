"""Indexing that survives interruption: Ctrl-C or kill -9 mid-way loses nothing, the next
`index` resumes and says so, search works meanwhile, and progress shows on a terminal.

The vault is part of the demo vault: enough notes for the embedding to be committed in
several groups, so that a real `inquiring index` process can be stopped between them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webvault import LOCAL

from inquiring.cli import app
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.vault import Vault
from inquiring.vectors import EMBED_GROUP_TOKENS, pending_vectors
from inquiring.web.app import create_app

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"
NOTES = 48  # of the demo vault's notes: about three groups of EMBED_GROUP_TOKENS
DEADLINE = 300  # seconds: only so that a hung process fails the test instead of hanging it


def make_vault(root: Path) -> Path:
    """The demo vault's hubs and sources, and its first NOTES notes."""
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
    for path in sorted((root / "notes").glob("*.md"))[NOTES:]:
        path.unlink()
    return root


def state(root: Path) -> tuple[list[tuple], list[tuple], np.ndarray]:
    """Everything the index holds, keyed by path: rows, vector keys, and the vectors."""
    with Index(Vault(root)) as index:
        rows = list(index.dump())
        vectors = index.db.execute(
            "SELECT d.path, v.part, v.text_hash, v.vec FROM vectors v "
            "JOIN documents d ON d.id = v.doc ORDER BY d.path, v.part"
        ).fetchall()
    keys = [row[:3] for row in vectors]
    matrix = np.array([np.frombuffer(row[3], dtype=np.float32) for row in vectors])
    return rows, keys, matrix


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[list[tuple], list[tuple], np.ndarray]:
    """The state of a full index made in one go, uninterrupted."""
    root = make_vault(tmp_path_factory.mktemp("clean") / "vault")
    with Index(Vault(root)) as index:
        index.update()
        work = sum(p.tokens for p in pending_vectors(index, get_embedder()))
        assert work > 2.5 * EMBED_GROUP_TOKENS  # embedded in three groups at least
        index.update(embedder=get_embedder())
    return state(root)


def assert_same(root: Path, clean: tuple[list[tuple], list[tuple], np.ndarray]) -> None:
    rows, keys, matrix = state(root)
    assert rows == clean[0]
    assert keys == clean[1]
    assert np.allclose(matrix, clean[2], atol=1e-5)  # the same texts, batched differently


def embedded(root: Path) -> tuple[int, int]:
    """(notes with vectors, notes), read as any other reader would, while a writer runs."""
    path = root / ".inquiring" / "index.db"
    if not path.exists():
        return 0, 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)  # never makes the file
    try:
        return db.execute(
            "SELECT (SELECT count(DISTINCT doc) FROM vectors), "
            "(SELECT count(*) FROM documents WHERE kind = 'note')"
        ).fetchone()
    except sqlite3.OperationalError:  # no tables yet
        return 0, 0
    finally:
        db.close()


def env(root: Path, terminal: bool = False) -> dict[str, str]:
    values = {**os.environ, "INQUIRING_VAULT": str(root), "COLUMNS": "120"}
    values.pop("TTY_COMPATIBLE", None)
    if terminal:
        values["TTY_COMPATIBLE"] = "1"  # Rich's own switch: write to the pipe as to a terminal
    return values


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "inquiring", *args],
        capture_output=True,
        text=True,
        env=env(root),
        timeout=DEADLINE,
    )


def index_until_embedding(root: Path, how: signal.Signals) -> tuple[int, str, tuple[int, int]]:
    """Start `inquiring index`, send `how` once its first group of notes is embedded.

    Returns the exit code, what it wrote on stderr and (notes embedded, notes) after.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "inquiring", "index"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(root, terminal=True),
    )
    try:
        deadline = time.monotonic() + DEADLINE
        while embedded(root)[0] == 0 and process.poll() is None:
            assert time.monotonic() < deadline, "no note was ever embedded"
            time.sleep(0.05)
        process.send_signal(how)
        _, said = process.communicate(timeout=DEADLINE)
    finally:
        process.kill()
    return process.returncode, said, embedded(root)


def test_ctrl_c_while_embedding_keeps_the_work_and_the_next_index_resumes(tmp_path, clean):
    root = make_vault(tmp_path / "vault")
    code, said, (done, notes) = index_until_embedding(root, signal.SIGINT)
    assert code == 130
    assert 0 < done < notes == NOTES
    assert f"Stopped. {done} of {notes} notes embedded. Run 'inquiring index' to finish." in said
    assert "Traceback" not in said
    # Every note is searchable by its words already.
    found = run(root, "search", "--method", "bm25", "--json", "alibi")
    assert found.returncode == 0
    paths = [hit["path"] for hit in json.loads(found.stdout)["results"]]
    assert "notes/alibi-length-extrapolation.md" in paths
    again = run(root, "index")
    assert again.returncode == 0
    assert f"Resumed embedding: {notes - done} notes had been left without meanings" in again.stdout
    assert f"Embedded {notes - done} notes for search by meaning." in again.stdout
    assert_same(root, clean)


def test_kill_9_while_embedding_loses_nothing(tmp_path, clean):
    root = make_vault(tmp_path / "vault")
    code, _, (done, notes) = index_until_embedding(root, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert 0 < done < notes
    again = run(root, "index")
    assert again.returncode == 0
    assert f"Resumed embedding: {notes - done} notes had been left" in again.stdout
    assert_same(root, clean)


def test_progress_shows_counts_and_time_left_on_a_terminal_only(tmp_path):
    root = make_vault(tmp_path / "vault")
    process = subprocess.run(
        [sys.executable, "-m", "inquiring", "index"],
        capture_output=True,
        text=True,
        env=env(root, terminal=True),
        timeout=DEADLINE,
    )
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", process.stderr)  # colours and cursor moves
    assert "Embedding" in shown and "notes ·" in shown and "left" in shown
    # The bar moved while notes were embedded: a count below the total was shown.
    counts = {int(n) for n in re.findall(rf"\b(\d+)/{NOTES} notes", shown)}
    assert counts & set(range(1, NOTES)), counts
    piped = run(root, "index", "--rebuild")  # not a terminal: no bar, only the summary
    assert "Embedding" not in piped.stderr and "━" not in piped.stderr
    assert piped.stdout.startswith(f"Indexed {NOTES} notes")
    assert f"Embedded {NOTES} notes for search by meaning." in piped.stdout


def test_search_on_missing_vectors_says_so_and_still_finds_notes(tmp_path):
    root = make_vault(tmp_path / "vault")
    with Index(Vault(root)) as index:
        index.update()  # words only, as after a stop before any note was embedded
    result = CliRunner().invoke(
        app, ["--vault", str(root), "search", "alibi position extrapolation"]
    )
    assert result.exit_code == 0
    assert f"Meanings are missing for {NOTES} of {NOTES} notes; results use words" in (
        result.output
    )
    assert "ALiBi" in result.output
    as_json = CliRunner().invoke(app, ["--vault", str(root), "search", "--json", "alibi"])
    data = json.loads(as_json.stdout)
    assert data["notes_without_meaning"] == NOTES and data["results"]
    assert embedded(root)[0] == 0  # the search did not do the embedding itself


def test_a_stop_while_reading_keeps_what_was_read_and_the_next_run_finishes(tmp_path, clean):
    root = make_vault(tmp_path / "vault")

    def slow_then_stopped(done: int, total: int) -> None:
        if done == 100:
            time.sleep(0.6)  # long enough for what was read so far to be committed
        if done == 150:
            raise KeyboardInterrupt

    with Index(Vault(root)) as index:
        with pytest.raises(KeyboardInterrupt):
            index.update(progress=slow_then_stopped)
        kept = index.documents()
        assert 100 <= len(kept) < 150
        assert kept[0] in [doc for doc, _ in index.search(kept[0].title)]  # found by words
        report = index.update(embedder=get_embedder())
        assert report.added + len(kept) == len(index.documents())
    assert_same(root, clean)


def test_serve_fills_missing_vectors_in_the_background_and_says_so_meanwhile(tmp_path):
    root = make_vault(tmp_path / "vault")
    with Index(Vault(root)) as index:
        index.update()  # words only, as `serve` finds an index stopped before any embedding
        with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as client:
            page = client.get("/search.html", params={"q": "alibi"}).text
            assert "Meanings are missing for" in page and f"of {NOTES} notes" in page
            assert "Can position encodings let a model extrapolate" in page
            deadline = time.monotonic() + DEADLINE
            while embedded(root)[0] < NOTES:
                assert time.monotonic() < deadline, "the server never embedded every note"
                time.sleep(0.2)
            page = client.get("/search.html", params={"q": "alibi"}).text
            assert "Meanings are missing" not in page
            assert (
                client.get("/api/search", params={"q": "alibi"}).json()["notes_without_meaning"]
                == 0
            )
