"""`inquiring mcp` over stdio on the demo vault: tool-list size, start-up, a `search` call.

Run: .venv/bin/python bench/bench_mcp.py [--rounds 50] [--starts 5]
Targets (issue 15): the whole tool list <= 1,500 tokens; a `search` tool call end to end
over stdio, p50 <= 100 ms warm. Start-up is measured from spawning the server process to
the client holding the tool list, on an index already up to date (as after `inquiring index`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from inquiring.embed import get_embedder
from inquiring.index import Index
from inquiring.mcpserver import count_tokens
from inquiring.vault import Vault

DEMO = Path(__file__).resolve().parents[1] / "examples" / "llm-training"
SRC = Path(__file__).resolve().parents[1] / "src"
QUERIES = [
    "does RL teach new reasoning",
    "how much does data quality matter compared with quantity",
    "why do long-context models miss facts in the middle",
    "mixture of experts routing",
    "what makes instruction tuning work with little data",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(root: Path, rounds: int, starts: int) -> dict[str, float]:
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "inquiring", "--vault", str(root), "mcp"],
        env={"PYTHONPATH": str(SRC)},
    )
    found: dict[str, float] = {}
    start_times = []
    for attempt in range(starts):
        began = time.perf_counter()
        async with stdio_client(server) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            listed = await client.list_tools()
            start_times.append(time.perf_counter() - began)
            if attempt:
                continue
            text = json.dumps(listed.model_dump(by_alias=True, exclude_none=True, mode="json"))
            found["tool_list_chars"] = len(text)
            found["tool_list_tokens_minilm"] = count_tokens(text)
            found["tool_list_tokens_chars_over_4"] = round(len(text) / 4)
            first = time.perf_counter()
            await client.call_tool("search", {"query": "warm up"})
            found["first_search_ms"] = (time.perf_counter() - first) * 1000
            times = []
            for i in range(rounds):
                query = QUERIES[i % len(QUERIES)]
                t = time.perf_counter()
                result = await client.call_tool("search", {"query": query})
                times.append((time.perf_counter() - t) * 1000)
                assert not result.is_error, result.content[0].text
            found["search_p50_ms"] = statistics.median(times)
            found["search_p95_ms"] = pct(times, 0.95)
    found["startup_median_s"] = statistics.median(start_times)
    found["startup_max_s"] = max(start_times)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "demo"
        shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".inquiring", "lines"))
        with Index(Vault(root)) as index:
            index.update(embedder=get_embedder())
        found = anyio.run(measure, root, args.rounds, args.starts)
    for name, value in found.items():
        print(f"{name:32} {value:,.3f}" if isinstance(value, float) else f"{name:32} {value:,}")


if __name__ == "__main__":
    main()
