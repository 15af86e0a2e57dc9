"""Every command, once through the CLI runner and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import note, run
from typer.testing import CliRunner

import inquiring.cli
from inquiring.cli import app

SOURCE = Path(inquiring.cli.__file__).resolve().parents[1]

VAULT = {
    "notes/eft.md": note(
        "Do pretraining and finetuning scale separately?",
        "Scaling pretraining helps factuality; see [[lima]] and [[missing one]].",
        dek="Two stages, two effects.",
        categories="[Finetuning, Pretraining]",
        collection="Training Fine Tuning",
        hubs="[stages]",
        sources="[arXiv:2310.12962v2]",
        date="2024-01-02",
    ),
    "notes/lima.md": note(
        "Is alignment superficial?",
        "A thousand examples suffice. Back to [[eft]].",
        dek="LIMA.",
        categories="[Alignment]",
        collection="Alignment",
        aliases="[LIMA]",
    ),
    "hubs/stages.md": "---\ntitle: What does each stage change?\n---\n## Core\n- [[lima]]\n",
    "sources/arxiv-2310.12962.md": "---\nid: arxiv:2310.12962\ntitle: EFT\n---\nPaper.\n",
}

runner = CliRunner()


def run_process(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "INQUIRING_VAULT": str(root), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "inquiring", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def vault(write_vault) -> Path:
    return write_vault(VAULT)


def test_init_creates_folders_and_commented_settings(tmp_path):
    code, output = run(tmp_path, "init", str(tmp_path / "new"))
    assert code == 0
    assert "notes/" in output and "inquiring.toml" in output
    for folder in ("notes", "sources", "hubs", "lines"):
        assert (tmp_path / "new" / folder).is_dir()
    settings = (tmp_path / "new" / "inquiring.toml").read_text()
    assert settings.count("#") > 5 and 'title = "' in settings
    code, output = run(tmp_path, "init", str(tmp_path / "new"))
    assert "nothing changed" in output


def test_index_reports_counts_and_rebuild(vault):
    code, output = run(vault, "index")
    assert code == 0
    assert output.startswith("Indexed 2 notes, 1 sources, 1 hubs and 0 lines")
    assert "(4 added, 0 changed, 0 removed, 0 unchanged)" in output
    code, output = run(vault, "index", "--json")
    data = json.loads(output)
    assert (data["added"], data["unchanged"], data["stats"]["notes"]) == (0, 4, 2)
    code, output = run(vault, "index", "--rebuild", "--json")
    assert json.loads(output)["added"] == 4


def test_notes_filters(vault):
    code, output = run(vault, "notes", "--json")
    assert [n["path"] for n in json.loads(output)] == ["notes/eft.md", "notes/lima.md"]
    code, output = run(vault, "notes", "--hub", "stages", "--json")
    assert [n["path"] for n in json.loads(output)] == ["notes/eft.md", "notes/lima.md"]
    code, output = run(vault, "notes", "--category", "alignment", "--json")
    assert [n["path"] for n in json.loads(output)] == ["notes/lima.md"]
    code, output = run(vault, "notes", "--collection", "training fine tuning")
    assert "Do pretraining and finetuning scale separately?" in output
    assert "Is alignment superficial?" not in output
    assert output.rstrip().endswith("1 note")
    code, output = run(vault, "notes", "--hub", "lima")
    assert code == 1 and "not a hub" in output


def test_show_by_title_alias_slug_and_path(vault):
    for ref in ("Is alignment superficial?", "lima", "LIMA", "notes/lima.md", "notes/lima"):
        code, output = run(vault, "show", ref, "--json")
        assert code == 0 and json.loads(output)["path"] == "notes/lima.md"
    code, output = run(vault, "show", "eft")
    assert "Two stages, two effects." in output
    assert "2024-01-02 · sourced from Training Fine Tuning" in output
    assert "→ Is alignment superficial? notes/lima.md" in output
    assert "→ missing one (unresolved)" in output
    assert "→ EFT sources/arxiv-2310.12962.md" in output
    assert "Backlinks in (1)" in output and "← Is alignment superficial?" in output
    code, output = run(vault, "show", "no such note")
    assert code == 1 and "no note matches 'no such note'" in output


def test_search_json_shape(vault):
    code, output = run(vault, "search", "alignment examples", "--json", "--limit", "5")
    data = json.loads(output)
    assert data["query"] == "alignment examples"
    assert data["results"][0]["path"] == "notes/lima.md"
    assert set(data["results"][0]) >= {"path", "title", "score"}
    code, output = run(vault, "search", '"unbalanced AND (')
    assert code == 0
    code, output = run(vault, "search", "")
    assert code == 0 and "The query is empty." in output


def test_search_shows_a_summary_for_notes_without_a_dek(write_vault):
    body = "A long first paragraph about caffeine. " * 12 + "\n\nLater text.\n"
    root = write_vault({"coffee.md": "# Does coffee ruin sleep?\n\n" + body})
    code, output = run(root, "search", "caffeine", "--method", "bm25")
    assert code == 0 and "    A long first paragraph about caffeine. A long first" in output
    assert output.rstrip().split("\n")[-2].endswith(" …")  # cut at a word, not at full length
    code, output = run(root, "search", "caffeine")
    assert code == 0 and "    A long first paragraph about caffeine." in output
    code, output = run(root, "search", "caffeine", "--json")
    assert json.loads(output)["results"][0]["snippet"].startswith("A long first paragraph")


def test_doctor_and_strict(vault):
    code, output = run(vault, "doctor")
    assert code == 0
    assert "error notes/eft.md:10: link [[missing one]] points at nothing in the vault" in output
    assert output.rstrip().endswith("1 error and 0 warnings.")
    code, output = run(vault, "doctor", "--strict")
    assert code == 1
    code, output = run(vault, "doctor", "--json")
    problems = json.loads(output)
    assert [(p["path"], p["code"]) for p in problems] == [("notes/eft.md", "unresolved-link")]
    (vault / "notes/eft.md").write_text(note("Fixed", "No bad links."), encoding="utf-8")
    code, output = run(vault, "doctor", "--strict")
    assert code == 0 and "No problems found." in output


def test_stats_json_has_integer_counts(vault):
    _code, output = run(vault, "stats", "--json")
    data = json.loads(output)
    wanted = {"notes": 2, "sources": 1, "hubs": 1, "lines": 0, "links": 4, "unresolved_links": 1}
    assert {k: data[k] for k in wanted} == wanted
    assert all(isinstance(v, int) for v in data.values())


def test_missing_vault_is_a_clear_error(tmp_path):
    code, output = run(tmp_path / "nope", "stats")
    assert code == 1 and "no vault folder at" in output


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (("index",), "Indexed 2 notes"),
        (("notes",), "Is alignment superficial?"),
        (("show", "LIMA"), "Backlinks in (2)"),
        (("search", "pretraining"), "Do pretraining and finetuning scale separately?"),
        (("doctor",), "points at nothing in the vault"),
        (("stats",), "unresolved links"),
    ],
)
def test_commands_as_real_subprocesses(vault, args, expect):
    result = run_process(vault, *args)
    assert result.returncode == 0, result.stderr
    assert expect in result.stdout


# Run a command (or none: only import the CLI) and list which heavy libraries it loaded.
LOADED = """
import sys
from inquiring.cli import main
if len(sys.argv) > 1:
    sys.argv[0] = "inquiring"
    try:
        main()
    except SystemExit:
        pass
heavy = "numpy onnxruntime tokenizers inquiring.search llm inquiring.ask starlette uvicorn jinja2"
print("loaded:", *(name for name in [*heavy.split(), "yaml"] if name in sys.modules))
"""
WEB_AND_WRITERS = {"llm", "inquiring.ask", "starlette", "uvicorn", "jinja2"}
MODEL = {"numpy", "onnxruntime", "tokenizers", "inquiring.search"}


@pytest.mark.parametrize(
    ("args", "loads"),
    [
        ((), set()),
        (("search", "--method", "bm25", "pretraining"), set()),
        (("notes",), set()),
        (("show", "LIMA"), set()),
        (("search", "pretraining"), MODEL),
    ],
)
def test_a_command_loads_only_what_it_uses(vault, args, loads):
    """On an index that is up to date, the model, numpy, the writers and the web stack load
    only for the commands that use them: each command starts in the time its own work takes."""
    assert run_process(vault, "index").returncode == 0
    env = {**os.environ, "INQUIRING_VAULT": str(vault), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-c", LOADED, *args], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.rsplit("loaded:", 1)[1].split())
    assert loaded == loads


def test_subprocess_strict_doctor_exit_code_and_init(vault, tmp_path):
    assert run_process(vault, "doctor", "--strict").returncode == 1
    result = run_process(vault, "init", str(tmp_path / "fresh"))
    assert result.returncode == 0 and (tmp_path / "fresh" / "notes").is_dir()
    result = run_process(vault, "show", "nothing like this")
    assert result.returncode == 1
    assert "Error: no note matches" in result.stderr and "Traceback" not in result.stderr


def _serve(root: Path, *args: str) -> tuple[subprocess.Popen, int, str]:
    """Start `inquiring serve` on a free port; return the process and its first stderr lines."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "INQUIRING_VAULT": str(root), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("INQUIRING_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "inquiring", "serve", "--port", str(port), *args],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines = [proc.stderr.readline() for _ in range(2)]
    return proc, port, "".join(lines)


def _get(url: str) -> int:
    import time
    import urllib.request

    deadline = time.monotonic() + 60  # the server indexes and loads the model first
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")


def test_serve_listens_on_loopback_by_default(vault):
    proc, port, said = _serve(vault)
    try:
        assert f"http://127.0.0.1:{port}/" in said and "token" not in said
        assert _get(f"http://127.0.0.1:{port}/") == 200
        listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
        addresses = {line.split()[3] for line in listening.splitlines()[1:] if line.strip()}
        assert f"127.0.0.1:{port}" in addresses
        assert not {f"0.0.0.0:{port}", f"*:{port}", f"[::]:{port}"} & addresses
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_on_another_address_makes_up_a_token(vault):
    proc, port, said = _serve(vault, "--host", "0.0.0.0")
    try:
        assert f"http://0.0.0.0:{port}/?token=" in said
        assert "keep it private" in said
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_site_build_command(vault, tmp_path):
    code, output = run(vault, "site", "build", str(tmp_path / "site"))
    # 4 documents, home, search, 404, and the list of all notes with a page per category,
    # collection and year (7).
    assert code == 0 and "Wrote 14 pages" in output
    assert (tmp_path / "site" / "notes" / "lima.html").exists()
    assert (tmp_path / "site" / "notes.html").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("x")
    code, output = run(vault, "site", "build", str(tmp_path / "mine"))
    assert code == 1 and "did not build" in output


def _commands(group, prefix: tuple[str, ...] = ()):
    """Every command of a click group, with the words that name it."""
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_every_command_takes_vault_after_its_name():
    import typer

    names = {
        words: {opt for p in command.params for opt in getattr(p, "opts", [])}
        for words, command in _commands(typer.main.get_command(app))
    }
    assert len(names) >= 14
    assert [w for w, opts in names.items() if "--vault" not in opts] == []


def test_vault_before_or_after_the_command(vault, monkeypatch):
    monkeypatch.delenv("INQUIRING_VAULT", raising=False)
    before = ["--vault", str(vault), "stats", "--json"]
    after = ["stats", "--json", "--vault", str(vault)]
    for args in (before, after, ["show", "lima", "--vault", str(vault)]):
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert json.loads(runner.invoke(app, after).output)["notes"] == 2


def test_vault_after_the_command_wins_over_the_environment(vault, tmp_path, monkeypatch):
    monkeypatch.setenv("INQUIRING_VAULT", str(tmp_path / "elsewhere"))
    result = runner.invoke(app, ["stats", "--vault", str(vault), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["notes"] == 2
    result = runner.invoke(app, ["stats", "--json"])  # the environment, as before
    assert result.exit_code == 1 and "no vault folder at" in result.output


@pytest.mark.parametrize("marker", ["inquiring.toml", ".obsidian", ".inquiring"])
def test_the_vault_is_found_from_a_folder_inside_it(vault, marker, monkeypatch):
    """As git finds its repository: run inside notes/, the command works on the whole vault,
    and makes no second index there."""
    (vault / marker).mkdir() if marker.startswith(".") else (vault / marker).write_text("")
    monkeypatch.delenv("INQUIRING_VAULT", raising=False)
    monkeypatch.chdir(vault / "notes")
    result = runner.invoke(app, ["stats", "--json"], catch_exceptions=False)
    assert result.exit_code == 0 and json.loads(result.output)["notes"] == 2
    assert not (vault / "notes" / ".inquiring").exists()


def test_outside_any_vault_a_command_says_how_to_name_one(tmp_path, monkeypatch):
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "a.md").write_text("# A note\n\nText.\n")
    env = {k: v for k, v in os.environ.items() if k != "INQUIRING_VAULT"}
    env["PYTHONPATH"] = str(SOURCE)  # this checkout's code, from any folder
    result = subprocess.run(
        [sys.executable, "-m", "inquiring", "stats"],
        capture_output=True,
        text=True,
        env={**env, "NO_COLOR": "1", "COLUMNS": "300"},
        cwd=tmp_path / "papers",
        timeout=60,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"Error: no vault here: neither {tmp_path / 'papers'} nor any folder above it holds "
        "inquiring.toml, .inquiring/ or .obsidian/. Run 'inquiring init' to make this folder "
        "a vault, or name one with --vault DIR\n"
    )
    assert not (tmp_path / "papers" / ".inquiring").exists()
    result = subprocess.run(  # init makes the folder it runs in a vault
        [sys.executable, "-m", "inquiring", "init"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path / "papers",
        timeout=60,
    )
    assert result.returncode == 0 and (tmp_path / "papers" / "inquiring.toml").exists()
    monkeypatch.chdir(tmp_path / "papers" / "notes")
    monkeypatch.delenv("INQUIRING_VAULT", raising=False)
    result = runner.invoke(app, ["stats", "--json"], catch_exceptions=False)
    assert result.exit_code == 0 and json.loads(result.output)["notes"] == 1


def test_piped_tables_print_full_rows(write_vault):
    """Not on a terminal (a pipe, the runner), a table is its full rows, tab-separated."""
    title = "Does a very long question about sleep, caffeine and the circadian rhythm wrap?"
    root = write_vault({"notes/a-rather-long-file-name-about-sleep-and-coffee.md": note(title)})
    code, output = run(root, "notes")
    assert code == 0
    assert output.splitlines() == [
        "Title\tDate\tPath",
        f"{title}\t\tnotes/a-rather-long-file-name-about-sleep-and-coffee.md",
        "1 note",
    ]
    code, output = run(root, "stats")
    assert "notes\t1" in output.splitlines() and "unresolved links\t0" in output.splitlines()


def test_short_help_and_version():
    from importlib.metadata import version

    for args in (["-h"], ["search", "-h"], ["eval", "retrieval", "-h"], ["site", "build", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage: " in result.output
        assert result.output == runner.invoke(app, [*args[:-1], "--help"]).output
    for group in ("eval", "site"):  # a group named alone lists its commands
        assert "Commands:" in runner.invoke(app, [group]).output
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"inquiring {version('inquiring')}\n"


def test_ask_reads_the_question_from_stdin(vault):
    result = runner.invoke(
        app,
        ["ask", "-", "--vault", str(vault), "--json", "--no-save"],
        input="Is alignment superficial?\n",
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert json.loads(result.output)["question"] == "Is alignment superficial?"


LINE_VAULT = {
    "notes/lima.md": note(
        "Is alignment superficial?",
        "A thousand curated examples were enough to align a large model. "
        "The model learnt the format of answers rather than new knowledge.",
        dek="LIMA.",
    ),
    "notes/sleep.md": note(
        "Does coffee ruin sleep?",
        "Caffeine taken six hours before bed shortened sleep by an hour.",
        dek="Caffeine and sleep.",
    ),
}


def test_asking_again_and_show_print_the_saved_line(write_vault):
    root = write_vault(LINE_VAULT)
    code, first = run(root, "ask", "Is alignment superficial?")
    assert code == 0 and "Saved to lines/is-alignment-superficial.md" in first
    essay = first.split("\n\n")[1]
    assert "A thousand curated examples were enough to align a large model" in essay
    code, again = run(root, "ask", "Is alignment superficial?")
    assert code == 0
    assert again.startswith(
        "A line on this question already exists: lines/is-alignment-superficial.md "
        "(similarity 1.00). Use --new to write another.\n\nINQUIRING LINE\n"
        "Is alignment superficial?\n"
    )
    assert f"\n{essay}\n" in again and "\nSources 1 notes\n1. Is alignment superficial?: " in again
    code, shown = run(root, "show", "lines/is-alignment-superficial.md")
    assert code == 0 and shown.startswith("LINE  Is alignment superficial?\n")
    assert f"\n{essay}\n" in shown and "Sources 1 notes" in shown


def test_ask_output_marks_an_unsupported_sentence(write_vault, scripted_llm):
    """The whole terminal output of a small line a model wrote, one sentence unsupported."""
    root = write_vault(LINE_VAULT)
    scripted_llm.replies = [
        "A thousand curated examples were enough to align a large model [1]. "
        "Alignment also doubled the model's knowledge of chemistry [1]."
    ]
    args = ("ask", "Is alignment superficial?", "--model", "scripted", "--no-judge")
    code, output = run(root, *args, "--no-save", "--show-unsupported")
    assert code == 0
    assert output == EXPECTED_ASK


EXPECTED_ASK = """\
INQUIRING LINE
Is alignment superficial?
This explores the question “Is alignment superficial?”, drawing on 1 note in the vault.

A thousand curated examples were enough to align a large model. Alignment also doubled the \
model's knowledge of chemistry [1]. (not supported by its citation)

Sources 1 notes
  [1] Is alignment superficial? notes/lima.md
      LIMA.

llm:scripted writer · coverage strong · citations checked: 1 of 1 found word for word in the \
cited notes (quoted); 0 of 1 paraphrases scored as supported by their notes (only 1 of 2 claims \
were found in the cited notes; the rest were dropped) · claims backed 50%
"""


def test_show_lists_each_linked_note_once(write_vault):
    """Links to a note's own headings, and several links from one line, are not repeated."""
    root = write_vault(
        {
            "notes/a.md": "# A\n\n## Part\n\nSee [[b]], [[b#X]] and [[#Part]].\nAgain [[b]].\n",
            "notes/b.md": "# B\n\n## X\n\nBack to [[a]] and [[a#Part]].\n",
        }
    )
    code, output = run(root, "show", "a")
    assert code == 0 and "\nLinks out (1)\n  → B notes/b.md\n" in output
    code, output = run(root, "show", "b")
    assert "\nBacklinks in (2)\n  ← A notes/a.md:5\n  ← A notes/a.md:6\n" in output


def test_a_stray_index_in_a_subfolder_does_not_hide_the_vault(vault, monkeypatch):
    """Older versions run inside notes/ left notes/.inquiring/: the vault above still wins."""
    (vault / "inquiring.toml").write_text("")
    (vault / "notes" / ".inquiring").mkdir()
    monkeypatch.delenv("INQUIRING_VAULT", raising=False)
    monkeypatch.chdir(vault / "notes")
    result = runner.invoke(app, ["stats", "--json"], catch_exceptions=False)
    assert json.loads(result.output)["hubs"] == 1
