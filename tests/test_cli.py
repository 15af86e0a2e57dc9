"""Every command, once through the CLI runner and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import note
from typer.testing import CliRunner

from inquiring.cli import app

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


def run(root: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--vault", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.output


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
    assert output.rstrip().endswith("1 notes")
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
    assert output.rstrip().endswith("1 errors, 0 warnings.")
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
