"""`inquiring add`: bibliographies and identifiers become source pages, never overwriting."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import run
from paperpdf import write_paper, write_scan

import inquiring
from inquiring.parse import split_front_matter

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
    meta, body, _ = split_front_matter(path.read_text(encoding="utf-8"), str(path), [])
    return meta, body


def test_a_zotero_export_becomes_source_pages(write_vault, tmp_path: Path) -> None:
    root = write_vault({"notes/a.md": "# A note\n\nIt cites nothing yet.\n"})
    bib = tmp_path / "library.bib"
    bib.write_text(ZOTERO_STYLE, encoding="utf-8")
    code, output = run(root, "add", str(bib))
    assert code == 0, output
    page, body = meta_of(root / "sources/gonzalez2021caf.md")
    # LaTeX accents, protective braces and the team name in braces all read as a reader sees them.
    assert page["title"] == "BERT Reads the Müller\u2013Østergaard Café Menu"
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
    assert "0 sources added, 0 updated, 2 already up to date" in output.replace("\n", " ")
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
    shown = run(root, "show", "notes/menu.md")[1]
    assert "Sources (1)" in shown and "sources/gonzalez2021caf.md" in shown
    assert run(root, "doctor")[1].strip().endswith("No problems found.")


CSL = json.dumps(
    [
        {
            "id": "http://zotero.org/users/1/items/ABCD1234",
            "type": "article-journal",
            "title": "Switch Transformers: Scaling to Trillion Parameter Models with Simple and "
            "Efficient Sparsity",
            "author": [
                {"family": "Fedus", "given": "William"},
                {"family": "Zoph", "given": "Barret"},
                {"family": "Shazeer", "given": "Noam"},
            ],
            "issued": {"date-parts": [["2022"]]},
            "container-title": "Journal of Machine Learning Research",
            "note": "arXiv: 2101.03961",
            "citation-key": "fedus2022switch",
        },
        {"id": "ITEM-2", "type": "webpage"},
    ],
    indent=1,
)


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
    """arXiv's and Crossref's APIs as recorded: `answers` maps a path's start to (status,
    body); every request is counted."""

    answers: ClassVar[dict[str, tuple[int, bytes]]] = {}
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        status, body = next(
            (answer for start, answer in self.answers.items() if self.path.startswith(start)),
            (404, b"Resource not found."),
        )
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_server(monkeypatch) -> Iterator[type[Recorded]]:
    handler = type("Handler", (Recorded,), {"requests": [], "answers": {}})
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
    _, output = run(
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


def test_online_fills_what_arxiv_and_crossref_recorded(write_vault, api_server, papers) -> None:
    recorded = papers / "recorded"
    api_server.answers = {
        "/api/query?id_list=1605.08386": (200, (recorded / "arxiv-1605.08386.xml").read_bytes()),
        "/works/10.1371/journal.pone.0033693": (
            200,
            (recorded / "crossref-10.1371-journal.pone.0033693.json").read_bytes(),
        ),
    }
    root = write_vault({"notes/a.md": "# A\n\nText.\n"})
    code, output = run(
        root,
        "add",
        "--online",
        "1605.08386",
        "doi:10.1371/journal.pone.0033693",
        "10.1371/notarealdoi",
    )
    assert code == 0, output
    meta, body = meta_of(root / "sources/arxiv-1605.08386.md")
    assert meta["title"] == "Heat-bath random walks with Markov bases"
    assert str(meta["published"]) == "2016-05-26"
    assert body.strip().startswith("Graphs on lattice points are studied")
    meta, _ = meta_of(root / "sources/doi-10.1371-journal.pone.0033693.md")
    assert meta["title"] and meta["authors"] and meta["venue"] == "PLoS ONE"
    flat = " ".join(output.split())
    assert "10.1371/notarealdoi" in flat and "answered 404" in flat
    assert len(api_server.requests) == 3


STAMP = "arXiv:2401.01234v2  [cs.CL]  9 Jan 2024"


def test_pdfs_become_source_pages_with_their_text_kept(write_vault, tmp_path: Path) -> None:
    root = write_vault({"notes/a.md": "# A\n\nText.\n"})
    folder = tmp_path / "downloads"
    folder.mkdir()
    write_paper(folder / "2401.01234v2.pdf", stamp=STAMP, repeat=6)
    write_paper(
        folder / "untitled.pdf",
        title="Sparse Memories for Long Documents",
        info=False,
        columns=1,
        authors=["Ines Carvalho"],
    )
    code, output = run(root, "add", str(folder))
    assert code == 0, output
    stamped, _ = meta_of(root / "sources/arxiv-2401.01234.md")
    assert stamped["title"] == "Do Shorter Prompts Reduce Annotation Drift in Synthetic Annotators?"
    assert stamped["authors"] == ["Ada Lindqvist", "Tomás Ferreira", "Mei Okonkwo"]
    assert str(stamped["published"]) == "2024-01-09"  # the date arXiv stamped
    assert stamped["pdf"] == "sources/files/arxiv-2401.01234.pdf"
    assert (root / stamped["pdf"]).read_bytes() == (folder / "2401.01234v2.pdf").read_bytes()
    plain, _ = meta_of(root / "sources/sparse-memories-for-long-documents.md")
    # No document info: the title and the author are read from the first page.
    assert plain["title"] == "Sparse Memories for Long Documents"
    assert plain["authors"] == ["Ines Carvalho"]
    with inquiring.open(root) as vault:
        text = vault.source_text("arxiv:2401.01234")
    assert len(text.pages) >= 2
    joined = " ".join(" ".join(text.pages).split())
    assert "relabelled differently when shown again" in joined
    # Every word the typesetter broke at a line end is whole again in the kept text.
    assert "-\\n" not in "\n".join(text.pages) and "\ufffe" not in "".join(text.pages)


def test_an_unreadable_pdf_gets_one_line_and_the_rest_go_on(write_vault, tmp_path) -> None:
    root = write_vault({"notes/a.md": "# A\n\nText.\n"})
    good = write_paper(tmp_path / "good.pdf", stamp=STAMP)
    locked = write_paper(tmp_path / "locked.pdf", encrypt="secret")
    scan = write_scan(tmp_path / "scan.pdf")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    fake = tmp_path / "notes.pdf"
    fake.write_text("these are my notes, not a PDF", encoding="utf-8")
    inputs = [str(p) for p in (locked, scan, broken, fake, good)]
    code, output = run(root, "add", "--json", *inputs)
    assert code == 0, output
    reasons = {p["path"]: p["message"] for p in json.loads(output)["problems"]}
    assert "encrypted with a password" in reasons[str(locked)]
    assert "no text layer" in reasons[str(scan)]
    assert "is damaged" in reasons[str(broken)]
    assert "is not a PDF" in reasons[str(fake)]
    assert all("\n" not in reason for reason in reasons.values())
    assert (root / "sources/arxiv-2401.01234.md").is_file()
    _, output = run(root, "add", *inputs)  # again: the good one is there, four still fail
    assert "0 sources added, 0 updated, 1 already up to date; 4 not read" in " ".join(
        output.split()
    )


def test_a_bibliography_entry_and_its_pdf_make_one_page(write_vault, tmp_path) -> None:
    root = write_vault({"notes/a.md": "# A\n\nText.\n"})
    pdf = write_paper(tmp_path / "Lindqvist et al. - 2024.pdf", info=False)
    bib = tmp_path / "export.bib"
    bib.write_text(
        "@article{lindqvist2024shorter,\n"
        "  title = {Do Shorter Prompts Reduce Annotation Drift in Synthetic Annotators?},\n"
        "  author = {Lindqvist, Ada and Ferreira, Tom{\\'a}s and Okonkwo, Mei},\n"
        "  date = {2024-01-09},\n"
        "  file = {/home/ada/Zotero/storage/Q2W3E4R5/Lindqvist et al. - 2024.pdf},\n}\n",
        encoding="utf-8",
    )
    code, output = run(root, "add", str(bib), str(pdf))
    assert code == 0, output
    assert sorted(p.name for p in (root / "sources").glob("*.md")) == ["lindqvist2024shorter.md"]
    meta, _ = meta_of(root / "sources/lindqvist2024shorter.md")
    assert meta["authors"] == ["Ada Lindqvist", "Tomás Ferreira", "Mei Okonkwo"]
    assert meta["pdf"] == "sources/files/lindqvist2024shorter.pdf"


def test_real_papers_and_their_zotero_export(write_vault, papers: Path) -> None:
    root = write_vault({"notes/a.md": "# A\n\nText.\n"})
    pdfs = sorted(papers.glob("*.pdf"))
    code, output = run(root, "add", str(papers / "zotero.bib"), *map(str, pdfs))
    assert code == 0, output
    with inquiring.open(root) as vault:
        specter = vault.source_text("cohan2020specter")
        switch = vault.source_text("fedus2022switch")
    # The two SPECTER entries (with and without a DOI) and the PDF are one page.
    assert specter.pdf and len(specter.pages) == 13
    assert "10.18653/v1/2020.acl-main.207" in (root / specter.source.path).read_text()
    assert switch.pdf and len(switch.pages) == 40
    pages = " ".join(" ".join(specter.pages[5].split()).split())
    assert "state-of-the-art baselines" in pages  # a real hyphen at a line end stays
    assert "Representation learning is a critical ingredient" in " ".join(specter.pages[0].split())


# The tables of Zotero's database that `add` reads, as Zotero 7 lays them out.
ZOTERO_TABLES = """
CREATE TABLE itemTypes (itemTypeID INTEGER PRIMARY KEY, typeName TEXT, templateItemTypeID INT,
    display INT DEFAULT 1);
CREATE TABLE fields (fieldID INTEGER PRIMARY KEY, fieldName TEXT, fieldFormatID INT);
CREATE TABLE items (itemID INTEGER PRIMARY KEY, itemTypeID INT NOT NULL,
    dateAdded TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    dateModified TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    clientDateModified TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, libraryID INT NOT NULL,
    key TEXT NOT NULL, version INT NOT NULL DEFAULT 0, synced INT NOT NULL DEFAULT 0,
    UNIQUE (libraryID, key));
CREATE TABLE itemDataValues (valueID INTEGER PRIMARY KEY, value UNIQUE);
CREATE TABLE itemData (itemID INT, fieldID INT, valueID, PRIMARY KEY (itemID, fieldID));
CREATE TABLE creators (creatorID INTEGER PRIMARY KEY, firstName TEXT, lastName TEXT,
    fieldMode INT, UNIQUE (lastName, firstName, fieldMode));
CREATE TABLE itemCreators (itemID INT NOT NULL, creatorID INT NOT NULL,
    creatorTypeID INT NOT NULL DEFAULT 1, orderIndex INT NOT NULL DEFAULT 0,
    PRIMARY KEY (itemID, creatorID, creatorTypeID, orderIndex));
CREATE TABLE itemAttachments (itemID INTEGER PRIMARY KEY, parentItemID INT, linkMode INT,
    contentType TEXT, charsetID INT, path TEXT, syncState INT DEFAULT 0, storageModTime INT,
    storageHash TEXT, lastProcessedModificationTime INT);
CREATE TABLE deletedItems (itemID INTEGER PRIMARY KEY,
    dateDeleted DEFAULT CURRENT_TIMESTAMP NOT NULL);
"""


def zotero_library(home: Path) -> Path:
    """A Zotero data folder: a paper with a stored PDF, one in the trash, and a note."""
    import sqlite3

    home.mkdir()
    db = sqlite3.connect(home / "zotero.sqlite")
    db.executescript(ZOTERO_TABLES)
    db.executemany(
        "INSERT INTO itemTypes (itemTypeID, typeName) VALUES (?, ?)",
        [(3, "attachment"), (11, "journalArticle"), (28, "note"), (22, "preprint")],
    )
    names = ["title", "abstractNote", "date", "publicationTitle", "DOI", "url", "extra"]
    db.executemany("INSERT INTO fields VALUES (?, ?, NULL)", enumerate(names, 1))
    items = [(1, 11, "ABCD2345"), (2, 3, "PDF98765"), (3, 22, "TRASH111"), (4, 28, "NOTE2222")]
    db.executemany("INSERT INTO items (itemID, itemTypeID, libraryID, key) VALUES (?, ?, 1, ?)",
                   items)  # fmt: skip
    values = {
        1: {
            "title": "Do Shorter Prompts Reduce Annotation Drift in Synthetic Annotators?",
            "date": "2024-01-09 2024-01-09",
            "publicationTitle": "Journal of Invented Examples",
            "extra": "arXiv: 2401.01234\nCitation Key: lindqvist2024shorter",
        },
        3: {"title": "A Paper Thrown Away", "date": "2019-00-00 2019"},
    }
    for item, fields in values.items():
        for name, value in fields.items():
            db.execute("INSERT OR IGNORE INTO itemDataValues (value) VALUES (?)", (value,))
            db.execute(
                "INSERT INTO itemData SELECT ?, ?, valueID FROM itemDataValues WHERE value = ?",
                (item, names.index(name) + 1, value),
            )
    for order, (first, last) in enumerate([("Ada", "Lindqvist"), ("Tomás", "Ferreira")]):
        db.execute("INSERT INTO creators VALUES (?, ?, ?, 0)", (order + 1, first, last))
        db.execute("INSERT INTO itemCreators VALUES (1, ?, 8, ?)", (order + 1, order))
    db.execute(
        "INSERT INTO itemAttachments (itemID, parentItemID, linkMode, contentType, path) "
        "VALUES (2, 1, 0, 'application/pdf', 'storage:Lindqvist - 2024.pdf')"
    )
    db.execute("INSERT INTO deletedItems (itemID) VALUES (3)")
    db.commit()
    db.close()
    (home / "storage/PDF98765").mkdir(parents=True)
    write_paper(home / "storage/PDF98765/Lindqvist - 2024.pdf", info=False)
    return home


def test_a_zotero_library_is_read_from_a_copy_while_zotero_holds_it(write_vault, tmp_path):
    import sqlite3

    root = write_vault({"notes/a.md": "# A\n\nText.\n"})
    home = zotero_library(tmp_path / "Zotero")
    before = (home / "zotero.sqlite").read_bytes()
    running = sqlite3.connect(home / "zotero.sqlite")  # Zotero keeps its database locked
    running.execute("PRAGMA locking_mode = EXCLUSIVE")
    running.execute("BEGIN EXCLUSIVE")
    try:
        code, output = run(root, "add", str(home))
    finally:
        running.rollback()
        running.close()
    assert code == 0, output
    assert sorted(p.name for p in (root / "sources").glob("*.md")) == ["lindqvist2024shorter.md"]
    meta, _ = meta_of(root / "sources/lindqvist2024shorter.md")
    assert meta["authors"] == ["Ada Lindqvist", "Tomás Ferreira"]
    assert str(meta["published"]) == "2024-01-09"
    assert meta["url"] == "https://arxiv.org/abs/2401.01234"
    assert meta["pdf"] == "sources/files/lindqvist2024shorter.pdf"
    assert (home / "zotero.sqlite").read_bytes() == before


def test_the_example_zotero_export_adds_only_what_the_demo_vault_lacks(demo_copy: Path) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples" / "papers"
    before = {p.name: p.read_bytes() for p in (demo_copy / "sources").glob("*.md")}
    code, output = run(
        demo_copy, "add", str(examples / "zotero.bib"), str(examples / "zotero.json")
    )
    assert code == 0, output
    after = {p.name: p.read_bytes() for p in (demo_copy / "sources").glob("*.md")}
    assert sorted(set(after) - set(before)) == [
        "ammar2018construction.md",
        "cohan2020specter.md",  # its ACL entry and its arXiv preprint entry make one page
        "krishna2023longeval.md",
    ]
    assert all(after[name] == data for name, data in before.items())
    assert "3 sources added, 0 updated, 12 already up to date." in " ".join(output.split())
    specter, body = meta_of(demo_copy / "sources/cohan2020specter.md")
    assert specter["doi"] == "10.18653/v1/2020.acl-main.207"
    assert specter["url"] == "https://aclanthology.org/2020.acl-main.207"
    assert body.strip().startswith("Representation learning is a critical ingredient")


XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Sparse Memories for Long Documents</rdf:li>
   </rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>Inês Carvalho</rdf:li><rdf:li>Jonas Weber</rdf:li></rdf:Seq>
   </dc:creator>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def test_xmp_metadata_beats_the_document_info(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    from inquiring.ingest.pdf import extract

    plain = write_paper(tmp_path / "plain.pdf", title="Draft3", authors=["anonymous"])
    writer = PdfWriter(clone_from=PdfReader(plain))
    stream = StreamObject()
    stream.set_data(XMP.encode("utf-8"))
    stream.update({NameObject("/Type"): NameObject("/Metadata"),
                   NameObject("/Subtype"): NameObject("/XML")})  # fmt: skip
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    with (tmp_path / "xmp.pdf").open("wb") as f:
        writer.write(f)
    meta = extract(tmp_path / "xmp.pdf").meta
    assert meta.title == "Sparse Memories for Long Documents"
    assert meta.title_from == "xmp"
    assert meta.authors == ["Inês Carvalho", "Jonas Weber"]  # not the info's "anonymous"


def test_a_sources_pdf_is_served_to_its_owner_but_never_published(write_vault, tmp_path) -> None:
    from fastapi.testclient import TestClient
    from webvault import LOCAL

    from inquiring.embed import get_embedder
    from inquiring.index import Index
    from inquiring.search import Searcher
    from inquiring.site import build_site
    from inquiring.vault import Vault
    from inquiring.web.app import create_app
    from inquiring.web.pages import Pages

    root = write_vault({"notes/a.md": "# A\n\nText.\n"})
    run(root, "add", str(write_paper(tmp_path / "2401.01234v2.pdf", stamp=STAMP)))
    pdf = "sources/files/arxiv-2401.01234.pdf"
    with Index(Vault(root)) as index:
        index.update()
        with TestClient(create_app(index, get_embedder()), base_url=LOCAL) as client:
            page = client.get("/sources/arxiv-2401.01234.html").text
            assert f'<a href="../files/{pdf}">your PDF</a>' in page
            served = client.get(f"/files/{pdf}")
            assert served.status_code == 200 and served.content.startswith(b"%PDF")
        build_site(Pages(Searcher(index, get_embedder()), published=True), tmp_path / "site")
    assert not (tmp_path / "site" / "files").exists()  # the paper is the user's copy
    published = (tmp_path / "site/sources/arxiv-2401.01234.html").read_text(encoding="utf-8")
    assert "your PDF" not in published
    (root / pdf).unlink()
    _, output = run(root, "doctor")
    flat = " ".join(output.split())
    assert (
        f"sources/arxiv-2401.01234.md:7: names the PDF '{pdf}', which is not in the vault" in flat
    )
