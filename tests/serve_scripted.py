"""`inquiring` in a process of its own, with the scripted model registered and hanging.

`llm` finds plugins only through installed packages, so a test that needs a real `serve`
process (to send it SIGTERM) runs this script instead of the `inquiring` command: the same
CLI, with the stand-in model registered through the same plugin hook as in-process tests.
It prints "the model is hanging" once the model has been asked and has not answered.
"""

from __future__ import annotations

import sys
import threading

from scripted_model import HANG, ScriptedModel, register

from inquiring.cli import app

scripted = ScriptedModel([HANG])
register(scripted)


def announce() -> None:
    scripted.hanging.wait()
    print("the model is hanging", flush=True)


threading.Thread(target=announce, daemon=True).start()
app(sys.argv[1:], prog_name="inquiring")
