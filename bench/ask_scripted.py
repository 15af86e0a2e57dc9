"""A fixture reply, given by the scripted model to `inquiring ask`, as a user would see the line.

Run: PYTHONPATH=src .venv/bin/python bench/ask_scripted.py FIXTURE "REPLY NAME"

FIXTURE is a file of tests/fixtures/replies/ (without .yaml). Whatever `inquiring` is first on
PYTHONPATH answers, so the same reply can be shown through older code (PYTHONPATH=<an older
checkout>/src). The line is written in a fresh copy of the demo vault, since older code would
rebuild the demo vault's own index. The reply's [n] are renumbered to the numbers the prompt
gives the same notes, as a model reading that prompt would cite them. The scripted model gives
no second reply, so a repair request gets an empty one and the checked first line stands.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from scripted_model import ScriptedModel, register  # noqa: E402

from inquiring.cli import app  # noqa: E402

DEMO = ROOT / "examples" / "llm-training"
REPLIES = ROOT / "tests" / "fixtures" / "replies"


def renumbered(reply: str, titles: list[str]):
    """The reply as a function of the prompt: its [n] cite the notes by this prompt's numbers."""

    def answer(prompt: str) -> str:
        number = {t: n for n, t in re.findall(r"^\[(\d+)\] (.+?)(?: \(.*\))?$", prompt, re.M)}
        return re.sub(r"\[(\d+)\]", lambda m: f"[{number[titles[int(m[1]) - 1]]}]", reply)

    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("fixture")
    parser.add_argument("reply")
    args = parser.parse_args()
    data = yaml.safe_load((REPLIES / f"{args.fixture}.yaml").read_text("utf-8"))
    reply = next(r["reply"] for r in data["replies"] if r["name"] == args.reply)
    front = [(DEMO / p).read_text("utf-8").split("---")[1] for p in data["notes"]]
    titles = [yaml.safe_load(f)["title"] for f in front]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
        register(ScriptedModel([renumbered(reply, titles)]))
        command = ["--vault", str(root), "ask", "--model", "scripted", "--no-save"]
        result = CliRunner().invoke(app, [*command, data["question"]])
    print(result.output)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception


if __name__ == "__main__":
    main()
