"""`inquiring mcp` driven by the MCP SDK's own client over stdio: a real server subprocess."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from conftest import bump_mtime
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError

from inquiring.mcpserver import EXCERPT_CHARS, count_tokens

SRC = Path(__file__).resolve().parents[1] / "src"
QUESTION = "How do finetuning and pretraining improvements differ?"
TOOLS = {
    "search",
    "get_note",
    "get_line",
    "ask",
    "backlinks",
    "list_hubs",
    "get_hub",
    "stale_lines",
    "list_drafts",
}


Session = Callable[[str, dict[str, Any]], Awaitable[Any]]


def session(root: Path, *flags: str) -> Callable[[Callable[[ClientSession], Awaitable]], None]:
    """Run `body(client)` against `python -m inquiring --vault root mcp *flags`."""
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "inquiring", "--vault", str(root), "mcp", *flags],
        env={"PYTHONPATH": str(SRC)},
    )

    def run(body: Callable[[ClientSession], Awaitable]) -> None:
        async def main() -> None:
            async with stdio_client(server) as (read, write), ClientSession(read, write) as client:
                await client.initialize()
                await body(client)

        anyio.run(main)

    return run


async def call(client: ClientSession, tool: str, **arguments: Any) -> Any:
    """The tool's JSON answer; a tool error fails the test with its message."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return json.loads(result.content[0].text)


async def refused(client: ClientSession, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    return result.content[0].text


def test_reading_tools_and_resources_over_stdio(demo_copy):
    async def body(client: ClientSession) -> None:
        listed = await client.list_tools()
        assert {t.name for t in listed.tools} == TOOLS
        text = json.dumps(listed.model_dump(by_alias=True, exclude_none=True, mode="json"))
        assert count_tokens(text) <= 1500 and len(text) / 4 <= 1500

        first = await call(client, "search", query="does RL teach new reasoning", per_page=3)
        assert first["coverage"] == "strong" and first["more"] is True
        assert first["excerpt_chars"] == EXCERPT_CHARS
        assert first["results"][0]["path"] == "notes/rl-deploys-latent-reasoning.md"
        assert all(len(r["excerpt"]) <= EXCERPT_CHARS for r in first["results"])
        second = await call(
            client, "search", query="does RL teach new reasoning", page=2, per_page=3
        )
        assert not {r["path"] for r in first["results"]} & {r["path"] for r in second["results"]}
        assert "greater than or equal to 1" in await refused(client, "search", query="x", page=0)

        note = await call(client, "get_note", ref="rl-sparse-subnetworks")
        assert note["title"] == "Which parameters does RL fine-tuning actually change?"
        assert "notes/lora-low-rank-updates.md" in note["links"] and note["backlinks"] == 3
        hub = await call(
            client, "get_note", ref="hubs/rl-post-training.md", section="RL recipes for reasoning"
        )
        assert (
            hub["text"].startswith("## RL recipes for reasoning")
            and "## Narrowing" not in hub["text"]
        )
        said = await refused(client, "get_note", ref="../../etc/passwd")
        assert "'../../etc/passwd' is outside the vault" in said
        assert "no note matches 'nothing like this'" in await refused(
            client, "get_note", ref="nothing like this"
        )

        back = await call(client, "backlinks", ref="rl-sparse-subnetworks")
        assert "notes/rl-deploys-latent-reasoning.md" in {b["path"] for b in back["backlinks"]}
        hubs = await call(client, "list_hubs")
        assert len(hubs) == 12 and all(h["notes"] > 0 for h in hubs)
        one = await call(client, "get_hub", ref="rl-post-training")
        assert "notes/rl-sparse-subnetworks.md" in {m["path"] for m in one["notes"]}

        drafted = await call(client, "ask", question=QUESTION)
        assert drafted["saved"] is None and drafted["citations"] and "[1" in drafted["text"]
        assert not (demo_copy / "lines").exists()  # started without --allow-writes: nothing saved
        absent = await call(client, "ask", question="How do orchids attract their pollinators?")
        assert "nothing" in absent["message"] and absent["nearest"]

        read = await client.read_resource("inquiring://note/notes/rl-sparse-subnetworks.md")
        assert read.contents[0].text.startswith("# Which parameters does RL fine-tuning")
        with pytest.raises(MCPError, match="no note matches"):
            await client.read_resource("inquiring://note/notes/none.md")
        with pytest.raises(MCPError):
            await client.read_resource("inquiring://note/../inquiring.toml")

    session(demo_copy)(body)


def test_ask_writes_with_allow_writes_and_never_twice(demo_copy):
    async def body(client: ClientSession) -> None:
        first = await call(client, "ask", question=QUESTION)
        saved = first["saved"]
        assert saved and (demo_copy / saved).is_file()
        again = await call(client, "ask", question=QUESTION.replace("differ", "differ in effect"))
        assert again["existing"] is True and again["path"] == saved
        assert [p.name for p in (demo_copy / "lines").iterdir()] == [Path(saved).name]

        line = await call(client, "get_line", ref=saved)
        assert line["question"] == QUESTION and line["stale"] is None
        assert [c["path"] for c in line["citations"]] == [c["path"] for c in first["citations"]]
        assert line["support"]["precision"] == first["support"]["precision"]
        read = await client.read_resource(f"inquiring://line/{saved}")
        assert f"# {QUESTION}" in read.contents[0].text
        assert await call(client, "stale_lines") == []

        cited = demo_copy / first["citations"][0]["path"]
        cited.write_text(cited.read_text(encoding="utf-8") + "\nOne more sentence.\n", "utf-8")
        bump_mtime(cited)
        [stale] = await call(client, "stale_lines")
        assert stale["line"] == saved and stale["changed"] == [first["citations"][0]["path"]]
        assert "is not an inquiring line" in await refused(
            client, "get_line", ref="rl-sparse-subnetworks"
        )

    session(demo_copy, "--allow-writes")(body)
