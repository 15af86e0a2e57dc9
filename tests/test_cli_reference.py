"""docs/cli.md is the commands' own help, regenerated here: it fails when they drift apart."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import typer

from inquiring.cli import app

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "cli_reference.py"


def _generator():
    spec = importlib.util.spec_from_file_location("cli_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_is_current():
    generator = _generator()
    written = generator.REFERENCE.read_text(encoding="utf-8")
    assert written == generator.reference(), (
        "docs/cli.md no longer matches the commands: run .venv/bin/python bench/cli_reference.py"
    )


def test_the_reference_covers_every_command_and_option():
    written = _generator().REFERENCE.read_text(encoding="utf-8")
    for words in _generator().commands(typer.main.get_command(app)):
        assert f"## inquiring {' '.join(words)}".rstrip() + "\n" in written


def test_every_command_and_option_says_what_it_does():
    def walk(group, words=()):
        for name, command in getattr(group, "commands", {}).items():
            yield (*words, name), command
            yield from walk(command, (*words, name))

    silent = [
        (words, param.name)
        for words, command in walk(typer.main.get_command(app))
        for param in [None, *command.params]
        if (param is None and not command.help)
        or (param is not None and param.name != "help" and not getattr(param, "help", None))
    ]
    assert silent == []
