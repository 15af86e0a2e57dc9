"""Write docs/cli.md, the command-line reference, from the commands' own help texts.

    .venv/bin/python bench/cli_reference.py          # rewrite docs/cli.md
    .venv/bin/python bench/cli_reference.py --check  # exit 1 if docs/cli.md is out of date

The reference cannot drift from the commands: tests/test_cli_reference.py regenerates it and
fails on any difference (as `cog --check` does for sqlite-utils' documentation).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from typer.testing import CliRunner

from inquiring.cli import app

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
WIDTH = "80"  # columns the help is wrapped at (click's most), whatever the terminal
INTRO = """\
# Command-line reference

<!-- Written by bench/cli_reference.py from the commands' own help; do not edit by hand.
     tests/test_cli_reference.py fails when it no longer matches the commands. -->

Every command takes `--vault DIR`, before or after the command's name. Without it, the vault
is `$INQUIRING_VAULT`, else the nearest folder from the current one up that holds
`inquiring.toml`, `.inquiring/` or `.obsidian/`, as git finds its repository. `-h` is short
for `--help` everywhere.
"""


def commands(group: object, words: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The words naming every command and group, in the order `inquiring --help` lists them."""
    yield words
    for name, command in getattr(group, "commands", {}).items():
        yield from commands(command, (*words, name))


def help_text(words: tuple[str, ...]) -> str:
    result = CliRunner().invoke(
        app, [*words, "--help"], prog_name="inquiring", env={"COLUMNS": WIDTH}
    )
    if result.exit_code != 0:
        raise RuntimeError(f"inquiring {' '.join(words)} --help failed: {result.output}")
    return result.output.rstrip()


def reference() -> str:
    """docs/cli.md as the commands describe themselves now."""
    parts = [INTRO]
    for words in commands(typer.main.get_command(app)):
        parts += [
            f"## inquiring {' '.join(words)}".rstrip(),
            "",
            "```",
            help_text(words),
            "```",
            "",
        ]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args()
    text = reference()
    if args.check:
        current = REFERENCE.exists() and REFERENCE.read_text(encoding="utf-8") == text
        print(f"{REFERENCE} is " + ("up to date." if current else "out of date."))
        sys.exit(0 if current else 1)
    REFERENCE.write_text(text, encoding="utf-8")
    print(f"Wrote {REFERENCE}")


if __name__ == "__main__":
    main()
