"""The stand-in LLM the tests ask, registered through `llm`'s own plugin hook.

Its replies come from a queue and can misbehave the way real models do: a reply can be text,
a function of the prompt (to quote the notes it was given), an exception to raise, or `HANG`:
no answer until `released` is set (or HANG_LIMIT passes), like a provider that stopped
responding.

A `structured` scripted model also takes options (temperature, context size, reply length) and
`llm` schemas, like an Ollama or API model; it records what it was given in `asked`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import llm
from llm.plugins import pm

HANG = object()
HANG_LIMIT = 180  # seconds: a hang ends at last, so that a broken build fails, not hangs
PLUGIN = "inquiring-scripted-model"
Reply = str | Callable[[str], str] | BaseException | object


class Options(llm.Options):
    """The options a local model server takes (as llm-ollama and llm-gpt4all name them)."""

    temperature: float | None = None
    num_ctx: int | None = None
    max_tokens: int | None = None


class ScriptedModel:
    """Replies from `replies`, records every prompt in `prompts`."""

    model_id = "scripted"

    def __init__(self, replies: list[Reply] | None = None, structured: bool = False) -> None:
        self.replies: list[Reply] = list(replies or [])
        self.prompts: list[str] = []
        self.asked: list[tuple[dict, dict | None]] = []  # each prompt's options and schema
        self.hanging = threading.Event()  # a HANG reply has been reached
        self.released = threading.Event()  # lets every hanging call return its next reply

        class Model(llm.Model):
            model_id = "scripted"
            can_stream = False
            supports_schema = structured

            def execute(inner, prompt, stream, response, conversation):
                options = prompt.options.model_dump(exclude_none=True)
                self.asked.append((options, prompt.schema))
                yield self.reply(prompt.prompt)

        if structured:
            Model.Options = Options
        self.model = Model()

    def reply(self, prompt: str) -> str:
        self.prompts.append(prompt)
        reply = self.replies.pop(0) if self.replies else ""
        if reply is HANG:
            self.hanging.set()
            self.released.wait(HANG_LIMIT)
            reply = self.replies.pop(0) if self.replies else ""
        if isinstance(reply, BaseException):
            raise reply
        return reply(prompt) if callable(reply) else str(reply)


def register(scripted: ScriptedModel) -> None:
    class Plugin:
        __name__ = "InquiringScriptedModel"

        @llm.hookimpl
        def register_models(self, register):
            register(scripted.model)

    pm.register(Plugin(), name=PLUGIN)


def unregister(scripted: ScriptedModel) -> None:
    scripted.released.set()  # a call still hanging returns, so its thread ends
    pm.unregister(name=PLUGIN)
