"""`inquiring draft`, measured: quotes that verify, the extractive draft's time, near-duplicates.

Run: PYTHONPATH=src .venv/bin/python bench/bench_draft.py

1. Extractive drafts of every fixture paper (the real papers beside the clone, as the tests
   find them: ../shared/fixtures/papers/*.pdf): how many findings
   each gives, how many of their quotes verify on the page the draft names (target: all), and
   the time to extract the text and to draft and check it.
2. The scripted model drafting from N18-3011.pdf in each reply format (the text format, JSON
   in fences amid chatter, JSON through a schema), its quotes taken from the paper and then
   spoiled the ways models spoil them: which kinds are kept, and whether every kept quote
   stands on the page its footnote names.
3. The near-duplicate threshold: the extractive question of each demo-vault paper against
   the title of every note (the notes that cite the paper, and the others).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from scripted_model import ScriptedModel, register, unregister  # noqa: E402

from inquiring import api  # noqa: E402
from inquiring.cli import app  # noqa: E402
from inquiring.draft import NEAR_COSINE, NEAR_SAME_SOURCE, Reading, verify  # noqa: E402
from inquiring.draft.extractive import draft_extractive, question_for  # noqa: E402
from inquiring.ingest.pdf import extract  # noqa: E402
from inquiring.parse import parse_document  # noqa: E402
from inquiring.quotes import check, evidence_in, normalise  # noqa: E402

PAPERS = ROOT.parent / "shared" / "fixtures" / "papers"  # as tests/conftest.py finds them
DEMO = ROOT / "examples" / "llm-training"
GRAPH = "N18-3011.pdf"


def extractive() -> None:
    print("## Extractive drafts of the fixture papers\n")
    print("| paper | pages | findings | quotes on their page | extract s | draft s |")
    print("|---|---|---|---|---|---|")
    for pdf in sorted(PAPERS.glob("*.pdf")):
        start = time.perf_counter()
        text = extract(pdf)
        extracted = time.perf_counter() - start
        start = time.perf_counter()
        paper = Reading("x", text.meta.title, text.meta.authors, "", "", text.pages, [], [], [])
        note = draft_extractive(paper).notes[0]
        verify(note, paper)
        drafted = time.perf_counter() - start
        on_page = sum(
            check(c.quote, text.pages, c.page).page == c.page for c in note.claims if c.found
        )
        print(
            f"| {pdf.name} | {len(text.pages)} | {len(note.claims) + len(note.dropped)} | "
            f"{on_page} of {len(note.claims) + len(note.dropped)} | {extracted:.2f} | "
            f"{drafted:.2f} |"
        )


def spoiled(pages: list[str]) -> list[tuple[str, str, int | None, bool]]:
    """(kind, quote, page given, should verify): real sentences of the paper, and spoiled ones."""
    real: list[tuple[str, int]] = []
    for number, page in enumerate(pages, start=1):
        for sentence in re.split(r"(?<=[a-z]\.) (?=[A-Z])", normalise(page)):
            if 12 <= len(sentence.split()) <= 30 and re.fullmatch(r"[\w ,.()%'-]+", sentence):
                real.append((sentence, number))
    picked = real[:: max(1, len(real) // 8)][:8]
    cases = []
    for i, (quote, page) in enumerate(picked):
        words = quote.split()
        cases += [
            ("exact, right page", quote, page, True),
            ("exact, wrong page", quote, page % len(pages) + 1, True),
            ("exact, no page", quote, None, True),
            (
                "curly quotes, ligature",
                quote.replace("fi", "\ufb01").replace("'", "\u2019"),
                page,
                True,
            ),
            ("one letter mistyped", quote[:20] + quote[20:].replace("e", "a", 1), page, True),
            ("first half only", " ".join(words[: len(words) // 2]), page, True),
            (
                "paraphrase (halves swapped)",
                " ".join(words[len(words) // 2 :] + words[: len(words) // 2]),
                page,
                False,
            ),
            ("a word changed", " ".join([*words[:3], "never", *words[4:]]), page, False),
            (
                "invented",
                f"the system was shown to fail on {i + 3} of every ten papers it read",
                page,
                False,
            ),
            ("too short (11 characters)", quote[:11], page, False),
        ]
    return cases


def scripted() -> None:
    print("\n## The scripted model's quotes, spoiled as models spoil them\n")
    pages = extract(PAPERS / GRAPH).pages
    cases = spoiled(pages)
    kept: Counter[str] = Counter()
    total: Counter[str] = Counter()
    footnotes = on_page = 0
    for shape in ("text", "fenced JSON", "schema JSON"):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "vault"
            (root / "notes").mkdir(parents=True)
            (root / "inquiring.toml").write_text('[llm]\nmodel = "scripted"\ncontext = 32768\n')
            CliRunner().invoke(app, ["--vault", str(root), "add", str(PAPERS / GRAPH)])
            model = ScriptedModel([reply(cases, shape)], structured=shape == "schema JSON")
            register(model)
            try:
                with api.open(root) as vault:
                    result = vault.draft("Construction of the Literature Graph in Semantic Scholar")
            finally:
                unregister(model)
            for note in result.notes + result.rejected:
                for claim in note.claims:
                    kept[claim.text] += 1
            for kind, *_ in cases:
                total[kind] += 1
            for path in (root / "notes").glob("*.md"):
                body = parse_document(path.read_text("utf-8"), path.name).body
                for ev in evidence_in(body).values():
                    footnotes += 1
                    on_page += check(ev.quote, pages, ev.page).page == ev.page
    print("| kind | should verify | kept |")
    print("|---|---|---|")
    for kind, _quote, _page, ok in cases[:10]:
        print(f"| {kind} | {'yes' if ok else 'no'} | {kept[kind]} of {total[kind]} |")
    print(f"\nEvery written footnote: {on_page} of {footnotes} quotes stand on the page it names.")


def reply(cases: list[tuple[str, str, int | None, bool]], shape: str) -> str:
    """One note holding a sentence per case, in the reply shape; a sentence names its kind."""
    sentences = [
        {"text": kind, "quote": quote, **({"page": page} if page else {})}
        for kind, quote, page, _ok in cases
    ]
    if shape == "text":
        return "NOTE: What does the paper find?\n" + "\n".join(
            f"- {s['text']}\n  QUOTE"
            + (f" (p. {s['page']})" if "page" in s else "")
            + f': "{s["quote"]}"'
            for s in sentences
        )
    note = {"title": "What does the paper find?", "dek": "", "summary": "", "categories": []}
    data = json.dumps({"notes": [{**note, "links": [], "sentences": sentences}]}, indent=1)
    return data if shape == "schema JSON" else f"Here you are:\n```json\n{data}\n```\nDone."


def near() -> None:
    print("\n## Near-duplicates: a paper's question against the notes' titles (demo vault)\n")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        shutil.copytree(DEMO, root)
        with api.open(root) as vault:
            vault.index()
            index, embedder = vault._index, vault.embedder
            notes = index.documents("note")
            titles = embedder.embed([n.title for n in notes])
            same, other = [], []
            for source in index.documents("source"):
                cites = {r.path for r in index.links_to(source.path, styles=("source",))}
                if not cites:
                    continue
                meta = index.front_matter(source.path)
                paper = Reading("", source.title, meta.get("authors") or [], "", "", [], [], [], [])
                cosines = titles @ embedder.embed([question_for(source.title, paper.cite())])[0]
                same.append(max(c for c, n in zip(cosines, notes, strict=True) if n.path in cites))
                other.append(
                    max(c for c, n in zip(cosines, notes, strict=True) if n.path not in cites)
                )
    same_a, other_a = np.array(same), np.array(other)
    print(
        f"{len(same)} papers cited by a note. Share of papers whose question reaches the cosine:\n"
    )
    print("| cosine | a note citing the paper | the closest other note |")
    print("|---|---|---|")
    for t in (0.5, NEAR_SAME_SOURCE, 0.6, 0.65, NEAR_COSINE, 0.75, 0.8):
        print(f"| {t:.2f} | {(same_a >= t).mean():.0%} | {(other_a >= t).mean():.0%} |")
    print(f"\nHighest cosine with another paper's note: {other_a.max():.2f}")


if __name__ == "__main__":
    extractive()
    scripted()
    near()
