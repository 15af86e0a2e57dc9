"""Several writers, and writers killed mid-way: the index always ends in line with the files.

Real processes and threads, each with its own connection, on a real SQLite file; the lock is
the real lock file beside the database.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import bump_mtime, note
from filelock import FileLock
from typer.testing import CliRunner

from inquiring import cli
from inquiring.cli import app
from inquiring.embed import get_embedder
from inquiring.index import Index, UpdateReport
from inquiring.vault import Vault

runner = CliRunner()
WORDS = (
    "pretraining finetuning alignment reward model sampling reasoning tokens context memory "
    "retrieval evaluation scaling data mixture experts agents safety benchmark latency"
).split()


def body(n: int, sentences: int = 3) -> str:
    """A note's body of a few distinct sentences, about 25 words each."""
    out = []
    for s in range(sentences):
        words = [WORDS[(n * 7 + s * 3 + i) % len(WORDS)] for i in range(22)]
        out.append(f"Note {n} sentence {s} says " + " ".join(words) + ".")
    return " ".join(out)


def write_notes(root: Path, numbers: range, sentences: int = 3) -> None:
    """Notes with a written dek, so only their head (a short text) is embedded."""
    for n in numbers:
        path = root / "notes" / f"n{n:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = note(f"Question {n}?", body(n, sentences), dek=f"Answer {n}.")
        path.write_text(text, encoding="utf-8")


def clean_dump(root: Path, tmp_path: Path, name: str) -> list[tuple]:
    with Index(Vault(root), path=tmp_path / f"{name}.db") as clean:
        clean.update()
        return list(clean.dump())


def notes_without_vectors(db_path: Path) -> int:
    with sqlite3.connect(db_path) as db:
        row = db.execute(
            "SELECT count(*) FROM documents WHERE kind = 'note' "
            "AND id NOT IN (SELECT doc FROM vectors WHERE part = 0)"
        ).fetchone()
    db.close()
    return row[0]


def race(root: Path) -> tuple[list[UpdateReport], list[BaseException]]:
    """Two writers, each with its own index connection, start their update at the same time."""
    start = threading.Barrier(2)
    reports: list[UpdateReport] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with Index(Vault(root)) as index:
                start.wait()
                reports.append(index.update(embedder=get_embedder()))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return reports, errors


def test_two_writers_at_once_do_the_work_once_and_agree(write_vault, tmp_path):
    root = write_vault({"notes/start.md": note("Start", "The first note.")})
    for round_ in range(3):
        new = range(round_ * 100, round_ * 100 + 100)
        write_notes(root, new, sentences=1)
        if round_:  # also change and delete some notes of the round before
            old = root / "notes" / f"n{new.start - 1:04d}.md"
            old.write_text(note("Changed", "Rewritten."), encoding="utf-8")
            bump_mtime(old)
            (root / "notes" / f"n{new.start - 2:04d}.md").unlink()
        reports, errors = race(root)
        assert errors == []
        added = len(new) + (round_ == 0)  # the first round also reads the first note
        assert sorted(r.added for r in reports) == [0, added]  # the second found it all done
        assert sorted(r.embedded for r in reports)[0] == 0
        with Index(Vault(root)) as index:
            assert list(index.dump()) == clean_dump(root, tmp_path, f"clean{round_}")
        assert notes_without_vectors(root / ".inquiring" / "index.db") == 0


def cli_env(root: Path) -> dict[str, str]:
    src = str(Path(cli.__file__).resolve().parents[1])
    return {**os.environ, "INQUIRING_VAULT": str(root), "NO_COLOR": "1", "PYTHONPATH": src}


def test_a_second_process_waits_for_the_lock_and_says_so(write_vault):
    root = write_vault({"notes/a.md": note("A", "Alpha."), "notes/b.md": note("B", "Beta.")})
    assert runner.invoke(app, ["--vault", str(root), "index"]).exit_code == 0
    with FileLock(root / ".inquiring" / "index.db.lock"):  # as another process would hold it
        proc = subprocess.Popen(
            [sys.executable, "-m", "inquiring", "index"],
            env=cli_env(root),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            said = proc.stderr.readline()
            assert said.startswith("Waiting for another inquiring process to finish updating")
            assert proc.poll() is None  # still waiting
        except BaseException:
            proc.kill()
            raise
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert "(0 added, 0 changed, 0 removed, 2 unchanged)" in out


def kill_when(root: Path, ready) -> None:
    """Start `inquiring index` and kill it with SIGKILL as soon as `ready(db_path)` holds."""
    db_path = root / ".inquiring" / "index.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "inquiring", "index"],
        env=cli_env(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if ready(db_path):
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the run ended before the point it was to be killed at"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def documents_saved(db_path: Path) -> bool:
    if not db_path.exists():
        return False
    try:
        with sqlite3.connect(db_path) as db:
            return db.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
    except sqlite3.DatabaseError:
        return False  # not made yet


@pytest.mark.parametrize(
    "killed", ["once the database file exists", "between the documents and their vectors"]
)
def test_killed_index_is_completed_by_the_next_run(write_vault, tmp_path, killed):
    root = write_vault({})
    write_notes(root, range(80))
    ready = (lambda p: p.exists()) if killed.startswith("once") else documents_saved
    kill_when(root, ready)
    db_path = root / ".inquiring" / "index.db"
    missing = notes_without_vectors(db_path) if documents_saved(db_path) else 80
    assert missing > 0
    result = runner.invoke(app, ["--vault", str(root), "index"], catch_exceptions=False)
    assert result.exit_code == 0
    assert f"Embedded {missing} notes for search by meaning." in result.output
    with Index(Vault(root)) as index:
        assert list(index.dump()) == clean_dump(root, tmp_path, "clean")
        assert index.update(embedder=get_embedder()).embedded == 0  # nothing left over
    assert notes_without_vectors(db_path) == 0
