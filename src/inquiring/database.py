"""The SQLite file behind an index: made with its schema, one writer at a time, replaced if damaged.

The index is derived from the vault's files, so a damaged database (or a file that is not a
database at all) is simply deleted and made anew; the next update reads every file again.
Writers take a lock file beside the database (`filelock`: the operating system's own file
lock, released even when a process is killed, on every platform); readers need no lock, WAL
keeps them consistent.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

DAMAGED = -1  # what `_schema_version` says of a file that is damaged or not a database


class Database:
    """One index's SQLite connection, following the file when it is replaced."""

    def __init__(
        self,
        path: Path,
        schema: str,
        version: int,
        waiting: Callable[[], None] | None = None,
    ) -> None:
        """`waiting` is called once when another process holds the writer lock."""
        self.path = path
        self.schema = schema
        self.version = version
        self.waiting = waiting
        self.notices: list[str] = []  # what the user should hear once, e.g. a rebuilt index
        self._lock = FileLock(f"{path}.lock")
        self._open()
        if self._schema_version() != version:
            with self.writing():  # another process may be making it right now
                found = self._schema_version()
                if found != version:
                    self.start_anew(damaged=found == DAMAGED)

    def _open(self) -> None:
        self.db = sqlite3.connect(self.path, check_same_thread=False)
        self._identity = _file_identity(self.path)
        try:
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as error:
            if not is_damage(error):
                raise  # a damaged file is replaced when the schema version is read next

    def close(self) -> None:
        self.db.close()

    def follow(self) -> None:
        """Move to the file another process has put in place (after damage), between
        transactions: a long-lived reader such as `serve` calls this before each page."""
        if not self.db.in_transaction and self._identity != _file_identity(self.path):
            self.db.close()
            self._open()

    def _schema_version(self) -> int | None:
        """The schema version; None for no index yet, DAMAGED for a damaged file."""
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            return int(row[0]) if row else None
        except sqlite3.DatabaseError as error:
            return DAMAGED if is_damage(error) else None
        except ValueError:
            return DAMAGED

    def start_anew(self, damaged: bool = False) -> None:
        """Replace the database with an empty one; the caller holds the writer lock.

        Deleting the files, rather than emptying the tables, works however damaged they are.
        """
        self.db.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._open()
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(self.schema)
        self.db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            # A generation no cache saw before, so none mistakes this file for the old one.
            [("schema_version", str(self.version)), ("generation", str(time.time_ns()))],
        )
        self.db.commit()
        if damaged:
            self.notices.append(
                f"the index in {self.path.parent} was damaged, so it was rebuilt from the "
                "vault's files (they are untouched)"
            )

    @contextmanager
    def writing(self) -> Iterator[bool]:
        """Hold the writer lock, so that one process changes the index at a time.

        Says whether another process had replaced the database file meanwhile (a rebuild):
        the connection then moves to the new file, so nothing is written into a deleted one.
        """
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            if self.waiting:
                self.waiting()
            self._lock.acquire()
        try:
            replaced = self._identity != _file_identity(self.path)
            if replaced:
                self.db.close()
                self._open()
            yield replaced
        finally:
            self._lock.release()

    def recover(self, error: Exception) -> bool:
        """If `error` came from a damaged database, replace it with an empty one: True if so.

        Another process may have replaced it already; then this one just moves to that file.
        """
        if not self.damaged(error):
            return False
        with self.writing() as replaced:
            if not replaced:
                self.start_anew(damaged=True)
        return True

    def check(self) -> None:
        """Read the whole database for damage no query has met yet; replace it if damaged.

        Worth its cost (a few milliseconds a megabyte) before a long-running server starts.
        """
        with self.writing() as replaced:
            if not replaced and not self.intact():
                self.start_anew(damaged=True)

    def damaged(self, error: Exception) -> bool:
        """Whether `error` came from a damaged database: SQLite says so, or a check finds it.

        Damage inside a page of text can surface as anything (text that is not UTF-8, JSON
        that does not parse), so any unexpected error leads to the check.
        """
        return is_damage(error) or not self.intact()

    def intact(self) -> bool:
        try:
            return self.db.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        except sqlite3.DatabaseError as error:
            if is_damage(error):
                return False
            raise


def is_damage(error: BaseException) -> bool:
    """Whether an SQLite error means the database file is damaged or not a database at all."""
    code = getattr(error, "sqlite_errorcode", None)
    damage = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return isinstance(error, sqlite3.DatabaseError) and code is not None and code & 0xFF in damage


def _file_identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` (device and inode): it changes when the file is replaced."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino
