"""Models that hang: a time limit, no retry, cancelled asks, and a server that stays quick.

The scripted model's `HANG` reply never comes until released, like a provider that stopped
answering. The server tests run a real uvicorn server (a thread, or a process for SIGTERM),
because only a real connection can be closed by a client that gives up.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from scripted_model import HANG
from typer.testing import CliRunner
from webvault import QUESTION as CORE
from webvault import indexed_demo_copy

from inquiring import cli
from inquiring.cli import app
from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.vault import Vault
from inquiring.web.app import create_app

OTHER = "Does RL post-training create new reasoning abilities?"
DEADLINE = 60  # seconds: generous, only so that a broken build fails instead of hanging


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    return indexed_demo_copy(tmp_path_factory.mktemp("hang") / "vault")


@pytest.fixture
def clean_vault(vault):
    """The module's vault with no line and no settings file, before and after the test."""
    yield vault
    shutil.rmtree(vault / "lines", ignore_errors=True)
    (vault / "inquiring.toml").unlink(missing_ok=True)
    with Index(Vault(vault)) as index:
        index.update(embedder=get_embedder())


def run(vault: Path, *args: str):
    return CliRunner().invoke(app, ["--vault", str(vault), *args], catch_exceptions=False)


def test_hung_model_is_not_retried_and_extractive_writes_the_line(clean_vault, scripted_llm):
    scripted_llm.replies = [RuntimeError("502 Bad Gateway"), HANG]
    result = run(clean_vault, "ask", CORE, "--new", "--model", "scripted", "--timeout", "1")
    assert result.exit_code == 0, result.output
    assert (
        "Warning: the model 'scripted' did not answer within 1 s; the extractive writer wrote "
        "this line instead"
    ) in " ".join(result.output.split())
    assert len(scripted_llm.prompts) == 2  # the failed call is retried, the hung one is not
    assert "extractive writer" in result.output
    (line,) = (clean_vault / "lines").glob("*.md")
    assert "writer: extractive" in line.read_text(encoding="utf-8")


def test_timeout_comes_from_the_settings_file(clean_vault, scripted_llm):
    settings = clean_vault / "inquiring.toml"
    settings.write_text('[llm]\nmodel = "scripted"\ntimeout = 1.5\n', encoding="utf-8")
    scripted_llm.replies = [HANG]
    result = run(clean_vault, "ask", CORE, "--new", "--no-save")
    assert "did not answer within 1.5 s" in " ".join(result.output.split())
    assert len(scripted_llm.prompts) == 1
    settings.write_text('[llm]\nmodel = "scripted"\ntimeout = "soon"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["--vault", str(clean_vault), "ask", CORE, "--no-save"])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert f"{settings}: [llm] timeout must be a number of seconds above 0" in message


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hanging_server(clean_vault, scripted_llm):
    """The vault served in a thread by uvicorn, its configured model hanging for 10 minutes."""
    (clean_vault / "inquiring.toml").write_text(
        '[llm]\nmodel = "scripted"\ntimeout = 600\n', encoding="utf-8"
    )
    scripted_llm.replies = [HANG]
    index = Index(Vault(clean_vault))
    port = free_port()
    config = uvicorn.Config(create_app(index, get_embedder()), port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + DEADLINE
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    yield port, scripted_llm
    server.should_exit = True
    thread.join(timeout=DEADLINE)
    index.close()


def test_ask_whose_client_left_saves_nothing_and_pages_keep_answering(clean_vault, hanging_server):
    port, scripted = hanging_server
    base = f"http://127.0.0.1:{port}/"
    gone = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    body = json.dumps({"question": CORE, "new": True})
    gone.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
    assert scripted.hanging.wait(DEADLINE), "the model was never asked"
    with httpx.Client(base_url=base, timeout=DEADLINE) as client:
        assert client.get("/").status_code == 200  # while the model hangs
        found = client.get("/api/search", params={"q": "learning rate warmup"})
        assert found.status_code == 200 and found.json()["results"]
        gone.close()  # the asker gives up
        # Asks are written one at a time: this one can only finish once the first has ended.
        answer = client.post("/api/ask", json={"question": OTHER, "new": True})
    assert answer.status_code == 200, answer.text
    assert "did not produce a usable line" in answer.json()["warnings"][0]
    saved = answer.json()["saved"]
    assert [p.relative_to(clean_vault).as_posix() for p in clean_vault.glob("lines/*.md")] == [
        saved
    ]


def test_serve_stops_promptly_on_sigterm_while_a_model_hangs(clean_vault):
    (clean_vault / "inquiring.toml").write_text(
        '[llm]\nmodel = "scripted"\ntimeout = 600\n', encoding="utf-8"
    )
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).parents[1])}
    script = Path(__file__).with_name("serve_scripted.py")
    command = [sys.executable, str(script), "--vault", str(clean_vault), "serve"]
    process = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=subprocess.PIPE, text=True
    )
    said: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [said.put(x) for x in process.stdout], daemon=True).start()
    try:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "api/stats", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        waiting = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
        body = json.dumps({"question": CORE, "new": True})
        waiting.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
        assert said.get(timeout=DEADLINE).strip() == "the model is hanging"
        job = httpx.post(base + "ask", data={"question": OTHER, "new": "1"}, timeout=DEADLINE)
        assert job.status_code == 303  # a browser ask, waiting behind the first
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=DEADLINE)  # raises if the server hangs on to the asks
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not list(clean_vault.glob("lines/*.md"))
