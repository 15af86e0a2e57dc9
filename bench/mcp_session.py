"""A real MCP session with the SDK's client over stdio, printed as the transcript in docs/mcp.md.

Run: .venv/bin/python bench/mcp_session.py > /tmp/session.md   (on a copy of the demo vault,
started with --allow-writes so that `ask` saves its line and the second ask finds it)
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.vault import Vault

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"
SRC = Path(__file__).resolve().parents[1] / "src"
SHOWN = 700  # characters of each answer printed
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("search", {"query": "does RL teach new reasoning", "per_page": 2}),
    ("search", {"query": "does RL teach new reasoning", "page": 2, "per_page": 2}),
    ("get_note", {"ref": "hubs/rl-post-training.md", "section": "RL recipes for reasoning"}),
    ("backlinks", {"ref": "rl-sparse-subnetworks"}),
    ("ask", {"question": "Does RL post-training create new reasoning abilities?"}),
    ("ask", {"question": "Does RL post-training create new reasoning ability?"}),
    ("get_note", {"ref": "../inquiring.toml"}),
]


async def session(root: Path) -> None:
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "inquiring", "--vault", str(root), "mcp", "--allow-writes"],
        env={"PYTHONPATH": str(SRC)},
    )
    async with stdio_client(server) as (read, write), ClientSession(read, write) as client:
        init = await client.initialize()
        print(f"→ initialize\n← {init.server_info.name} {init.server_info.version}\n")
        tools = await client.list_tools()
        print(f"→ tools/list\n← {', '.join(t.name for t in tools.tools)}\n")
        for tool, arguments in CALLS:
            result = await client.call_tool(tool, arguments)
            text = result.content[0].text
            cut = text if len(text) <= SHOWN else text[:SHOWN] + " …"
            flag = " (tool error)" if result.is_error else ""
            print(f"→ {tool} {json.dumps(arguments, ensure_ascii=False)}\n← {cut}{flag}\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
        with Index(Vault(root)) as index:
            index.update(embedder=get_embedder())
        print("```text")
        anyio.run(session, root)
        print("```")


if __name__ == "__main__":
    main()
