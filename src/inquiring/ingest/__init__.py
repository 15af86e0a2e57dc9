"""Papers in: what `inquiring add` reads (PDFs, BibTeX, CSL-JSON, Zotero, arXiv, Crossref) and
how it writes source pages. `add.add` runs a batch; each reader is its own module, so that
reading one PDF (`pdf`) loads nothing else."""
