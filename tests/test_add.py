"""`inquiring add`: bibliographies and identifiers become source pages, never overwriting."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import run

import inquiring
from inquiring.ingest.sources import split

ZOTERO_STYLE = r"""@string{acl = {Association for Computational Linguistics}}

@inproceedings{sennrich2016neural,
  title = {Neural Machine Translation of Rare Words with Subword Units},
  author = {Sennrich, Rico and Haddow, Barry and Birch, Alexandra},
  date = {2016-08},
  booktitle = {Proceedings of the 54th Annual Meeting of the } # acl,
  doi = {10.18653/v1/P16-1162},
  eprint = {1508.07909},
  eprinttype = {arxiv},
}

@article{gonzalez2021caf,
  title = {{BERT} Reads the {M}{\"u}ller--{\O}stergaard Caf\'{e} Menu},
  author = {Gonz{\'a}lez, Jos{\'e} and M{\"u}ller, J{\"o}rg and {Data Science Team}},
  date = {2021-03-04},
  journaltitle = {Journal of Invented Examples},
  abstract = {We find that \emph{menus} are read at 95\% accuracy.},
}

@article{gonzalez2021cafa,
  title = {BERT reads the Müller--Østergaard café menu},
  doi = {10.5555/EXAMPLE.1},
}

@misc{unclosed2020,
  title = {An entry whose brace never closes,
  year = {2020}
"""


def meta_of(path: Path) -> tuple[dict, str]:
    meta, _, body = split(path.read_text(encoding="utf-8"))
    return meta, body


def test_a_zotero_export_becomes_source_pages(write_vault, tmp_path: Path) -> None:
    root = write_vault({"notes/a.md": "# A note\n\nIt cites nothing yet.\n"})
    bib = tmp_path / "library.bib"
    bib.write_text(ZOTERO_STYLE, encoding="utf-8")
    code, output = run(root, "add", str(bib))
    assert code == 0, output
    page, body = meta_of(root / "sources/gonzalez2021caf.md")
    # LaTeX accents, protective braces and the team name in braces all read as a reader sees them.
    assert page["title"] == "BERT Reads the Müller–Østergaard Café Menu"
    assert page["authors"] == ["José González", "Jörg Müller", "Data Science Team"]
    assert page["id"] == "gonzalez2021caf"  # the Better BibTeX citekey is the id
    assert page["doi"] == "10.5555/example.1"  # from the second entry for the same paper
    assert str(page["published"]) == "2021-03-04"
    assert body.strip() == "We find that menus are read at 95% accuracy."
    sennrich, _ = meta_of(root / "sources/sennrich2016neural.md")
    assert sennrich["venue"] == (
        "Proceedings of the 54th Annual Meeting of the Association for Computational Linguistics"
    )  # an @string macro, concatenated with #
    assert sennrich["url"] == "https://arxiv.org/abs/1508.07909"
    # The duplicate entry did not make a page of its own; the broken one is named by its line.
    assert sorted(p.name for p in (root / "sources").iterdir()) == [
        "gonzalez2021caf.md",
        "sennrich2016neural.md",
    ]
    assert f"{bib}:26: this entry could not be read" in output.replace("\n", "")
    assert "2 sources added, 0 updated, 0 already up to date; 1 not read" in output
    with inquiring.open(root) as vault:
        assert vault.find("gonzalez2021caf").title == page["title"]


def test_a_paper_already_in_the_vault_gains_only_what_its_page_lacks(
    demo_copy: Path, tmp_path: Path
) -> None:
    page = demo_copy / "sources/arxiv-1508.07909.md"
    mine = page.read_text(encoding="utf-8").replace(
        'title: "Neural Machine Translation of Rare Words with Subword Units"',
        "title: Rare words, subwords  # my short title",
    )
    mine += "\nMy own reading: BPE merges frequent pairs.\n"
    page.write_text(mine, encoding="utf-8")
    bib = tmp_path / "library.bib"
    bib.write_text(ZOTERO_STYLE, encoding="utf-8")
    code, output = run(demo_copy, "add", str(bib))
    assert code == 0, output
    after = page.read_text(encoding="utf-8")
    # Matched by its arXiv id: the DOI is added, the title, the comment and the body stay.
    assert after.startswith(mine.split("---\n", 2)[0] + "---\n" + mine.split("---\n", 2)[1])
    assert after.endswith("My own reading: BPE merges frequent pairs.\n")
    meta, _ = meta_of(page)
    assert meta["doi"] == "10.18653/v1/p16-1162"
    assert meta["title"] == "Rare words, subwords"
    assert "Updated sources/arxiv-1508.07909.md: doi" in output
    assert "kept as you wrote it" in output and "Rare words, subwords" in output
    assert not (demo_copy / "sources/sennrich2016neural.md").exists()
    # Adding the same library again changes nothing.
    before = {p: p.read_bytes() for p in (demo_copy / "sources").rglob("*.md")}
    code, output = run(demo_copy, "add", str(bib))
    assert "0 sources added, 0 updated, 3 already up to date" in output.replace("\n", " ")
    assert before == {p: p.read_bytes() for p in (demo_copy / "sources").rglob("*.md")}


def test_a_note_citing_a_doi_finds_the_page_named_by_its_citekey(write_vault, tmp_path) -> None:
    root = write_vault(
        {
            "notes/menu.md": "---\ntitle: Can BERT read menus?\n"
            "sources: [https://doi.org/10.5555/example.1]\n---\nIt can, mostly.\n",
        }
    )
    bib = tmp_path / "library.bib"
    bib.write_text(ZOTERO_STYLE, encoding="utf-8")
    run(root, "add", str(bib))
    with inquiring.open(root) as vault:
        sources = [link.target_path for link in vault.note("notes/menu.md").links]
        assert "sources/gonzalez2021caf.md" in sources
        code, output = run(root, "doctor")
    assert "No problems found." in output


CSL = """[
  {"id": "http://zotero.org/users/1/items/ABCD1234", "type": "article-journal",
   "title": "Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity",
   "author": [{"family": "Fedus", "given": "William"}, {"family": "Zoph", "given": "Barret"},
              {"family": "Shazeer", "given": "Noam"}],
   "issued": {"date-parts": [["2022"]]},
   "container-title": "Journal of Machine Learning Research",
   "note": "arXiv: 2101.03961", "citation-key": "fedus2022switch"},
  {"id": "ITEM-2", "type": "webpage"}
]"""


def test_a_csl_json_export_becomes_source_pages(write_vault, tmp_path: Path) -> None:
    root = write_vault({"notes/a.md": "# A\n\nText.\n"})
    csl = tmp_path / "export.json"
    csl.write_text(CSL, encoding="utf-8")
    code, output = run(root, "add", str(csl))
    assert code == 0, output
    meta, _ = meta_of(root / "sources/fedus2022switch.md")
    assert meta["authors"] == ["William Fedus", "Barret Zoph", "Noam Shazeer"]
    assert meta["published"] == 2022
    assert meta["url"] == "https://arxiv.org/abs/2101.03961"
    assert "item 2 has no title or DOI" in output


class Recorded(http.server.BaseHTTPRequestHandler):
    """Answers every request with one recorded body, counting the requests it gets."""

    body = b""
    requests: list[str] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_server(monkeypatch) -> Iterator[type[Recorded]]:
    handler = type("Handler", (Recorded,), {"requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("INQUIRING_ARXIV_API", f"{url}/api/query")
    monkeypatch.setenv("INQUIRING_CROSSREF_API", f"{url}/works/")
    yield handler
    server.shutdown()


def test_identifiers_offline_are_added_as_they_are_and_say_what_is_missing(
    write_vault, api_server
) -> None:
    root = write_vault({"notes/a.md": "# A\n\nText.\n"})
    code, output = run(
        root, "add", "arXiv:2106.09685v2", "https://doi.org/10.5555/EXAMPLE.2", "not-a-paper"
    )
    assert api_server.requests == []  # nothing leaves the machine without --online
    flat = " ".join(output.split())
    assert "no title, authors, abstract found; add it again with --online to ask arXiv" in flat
    assert "to ask Crossref" in flat
    assert "not-a-paper: is neither a file nor an arXiv id or DOI" in flat
    meta, _ = meta_of(root / "sources/arxiv-2106.09685.md")
    assert meta == {"id": "arxiv:2106.09685", "url": "https://arxiv.org/abs/2106.09685"}
    meta, _ = meta_of(root / "sources/doi-10.5555-example.2.md")
    assert meta["doi"] == "10.5555/example.2"
