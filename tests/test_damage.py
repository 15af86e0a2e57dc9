"""A damaged index is derived data: every command notices, rebuilds it from the files, says so.

The damage is real: random bytes over pages of the database file after a checkpoint, a file
that is not a database at all, a truncated file.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from conftest import note, run

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.vault import Vault

NOTICE = "was damaged, so it was rebuilt from the vault's files (they are untouched)"

VAULT = {
    "notes/eft.md": note(
        "Do pretraining and finetuning scale separately?",
        "Scaling pretraining helps factuality and scaling finetuning helps helpfulness; "
        "see [[lima]].",
        dek="Two stages, two effects.",
        categories="[Finetuning, Pretraining]",
    ),
    "notes/lima.md": note(
        "Is alignment superficial?",
        "A thousand carefully chosen examples suffice to align a pretrained model. See [[eft]].",
        dek="LIMA.",
        aliases="[LIMA]",
    ),
    "notes/rl.md": note(
        "Does reinforcement learning teach new reasoning?",
        "RL mostly surfaces reasoning the base model already had, by reweighting its samples.",
        dek="Sampling, not new skills.",
    ),
    "hubs/stages.md": "---\ntitle: What does each stage change?\n---\n## Core\n- [[lima]]\n",
}


def damage(db_path: Path, how: str, pages: list[int] | None = None) -> None:
    """Damage the index the way a disk or a crash would, after moving the WAL into the file.

    "pages" writes random bytes over the given pages (numbered from 1), by default the
    middle third of them.
    """
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(db_path.read_bytes())
    if how == "pages":
        size = 4096
        count = len(data) // size
        noise = random.Random(10)
        for n in pages or range(count // 3 + 1, 2 * count // 3 + 1):
            data[(n - 1) * size : n * size] = noise.randbytes(size)
    elif how == "not a database":
        data = bytearray(b"These are not the pages you are looking for.\n" * 100)
    elif how == "truncated":
        data = data[: len(data) // 2]
    db_path.write_bytes(bytes(data))


def clean_dump(root: Path, tmp_path: Path) -> list[tuple]:
    with Index(Vault(root), path=tmp_path / "clean.db") as clean:
        clean.update()
        return list(clean.dump())


@pytest.fixture
def indexed(write_vault) -> Path:
    root = write_vault(VAULT)
    code, _ = run(root, "index")
    assert code == 0
    return root


COMMANDS = {
    "index --rebuild": (["index", "--rebuild"], "Indexed 3 notes, 0 sources, 1 hubs"),
    "index": (["index"], "Indexed 3 notes, 0 sources, 1 hubs"),
    "search": (["search", "superficial alignment"], "Is alignment superficial?"),
    "ask": (["ask", "Is alignment superficial?"], "Sources"),
    "show": (["show", "lima"], "Is alignment superficial?"),
    "doctor": (["doctor"], "No problems found."),
    "stats": (["stats"], "notes"),
}
CASES = [(name, "pages") for name in COMMANDS] + [
    (name, how) for name in ("index", "search", "ask") for how in ("not a database", "truncated")
]


@pytest.mark.parametrize(("command", "how"), CASES)
def test_every_command_rebuilds_a_damaged_index_and_says_so(indexed, tmp_path, command, how):
    damage(indexed / ".inquiring" / "index.db", how)
    args, expected = COMMANDS[command]
    code, output = run(indexed, *args)
    assert code == 0, output
    notices = " ".join(output.split()).count(NOTICE)
    assert notices == 1 or (command == "index --rebuild" and notices == 0)  # thrown away unread
    assert expected in output
    with Index(Vault(indexed)) as index:
        assert list(index.dump()) == clean_dump(indexed, tmp_path)


def test_a_server_checks_the_whole_index_before_it_starts(indexed, tmp_path):
    db_path = indexed / ".inquiring" / "index.db"
    with sqlite3.connect(db_path) as db:  # pages that an update with nothing to do never reads
        unread = db.execute(
            "SELECT pageno FROM dbstat WHERE name LIKE 'documents_fts%' OR name = 'vectors'"
        ).fetchall()
    db.close()
    damage(db_path, "pages", [n for (n,) in unread])
    with Index(Vault(indexed)) as index:
        assert index.update().touched is False  # the damage is not met here
        index.check()
        assert [NOTICE in notice for notice in index.notices] == [True]
        report = index.update(embedder=get_embedder())
        assert (report.added, report.embedded) == (4, 3)
        assert list(index.dump()) == clean_dump(indexed, tmp_path)


def test_a_running_reader_moves_to_the_index_another_writer_rebuilt(indexed, tmp_path):
    with Index(Vault(indexed)) as server:  # as `serve` holds its index open for hours
        before = server.generation()
        damage(indexed / ".inquiring" / "index.db", "not a database")
        with Index(Vault(indexed)) as writer:  # a CLI command, or the server's own ask
            writer.update()
            assert len(writer.notices) == 1
        assert server.generation() != before
        assert list(server.dump()) == clean_dump(indexed, tmp_path)
