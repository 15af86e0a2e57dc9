"""Materialise the public evaluation vaults of bench/vaults.toml at their pinned commits.

Run: python bench/fetch_vaults.py [NAME ...]   (default: every vault in the file)

Each vault's folder is written to build/vaults/<name>/ exactly as it is at the pinned commit
(Markdown and attachments, nothing rewritten). The commit comes from a local bare mirror when
one holds it (MIRRORS/<owner>+<name>/repo, as the project's `fetch` tool leaves them), else
from GitHub: that one commit is fetched shallowly into build/vaults/.git/<owner>+<name>.git.
A vault already at its commit is left alone, so running this again costs nothing and keeps
the index in build/vaults/<name>/.inquiring/. Standard library only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "bench" / "vaults.toml"
OUT = ROOT / "build" / "vaults"
MIRRORS = Path("/work/.mirror")
STAMP = ".vault-commit"  # hidden, so the vault scan skips it


class FetchError(Exception):
    """A vault could not be brought here; the message says why and what to try."""


@dataclass(frozen=True)
class Spec:
    name: str
    repo: str
    commit: str
    folder: str
    notes: int


def load_specs(path: Path) -> list[Spec]:
    """The vaults listed in the TOML file, checked enough to fail early with a clear line."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    specs = []
    for entry in data.get("vault", []):
        spec = Spec(entry["name"], entry["repo"], entry["commit"], entry["folder"], entry["notes"])
        if len(spec.commit) != 40:
            raise FetchError(f"{path}: vault {spec.name} needs a full 40-hex commit")
        specs.append(spec)
    return specs


def git(git_dir: Path, *args: str, data: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], capture_output=True, check=False, text=not data
    )


def has_commit(git_dir: Path, commit: str) -> bool:
    return (
        git_dir.is_dir() and git(git_dir, "cat-file", "-e", f"{commit}^{{commit}}").returncode == 0
    )


def clone_commit(spec: Spec, mirrors: Path) -> Path:
    """Fetch just the pinned commit from GitHub into a bare cache; return its git dir."""
    git_dir = OUT / ".git" / f"{spec.repo.replace('/', '+')}.git"
    if has_commit(git_dir, spec.commit):
        return git_dir
    git_dir.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
    url = f"https://github.com/{spec.repo}"
    done = git(git_dir, "fetch", "-q", "--depth", "1", url, spec.commit)
    if done.returncode != 0 or not has_commit(git_dir, spec.commit):
        reason = (done.stderr or "").strip().splitlines()[-1:] or ["commit not found"]
        raise FetchError(
            f"{spec.name}: no local mirror under {mirrors} has {spec.commit[:12]}, and fetching it "
            f"from {url} failed ({reason[0]}). Connect to the network, or put a bare mirror of "
            f"{spec.repo} at {mirrors / spec.repo.replace('/', '+') / 'repo'}."
        )
    return git_dir


def source_for(spec: Spec, mirrors: Path) -> tuple[Path, str]:
    """The git dir holding the pinned commit, and a phrase saying where it came from."""
    mirror = mirrors / spec.repo.replace("/", "+") / "repo"
    if has_commit(mirror, spec.commit):
        return mirror, f"local mirror {mirror}"
    return clone_commit(spec, mirrors), f"https://github.com/{spec.repo}"


def read_tree(git_dir: Path, commit: str, folder: str) -> tuple[dict[str, bytes], list[str]]:
    """Every file of `folder` at `commit` by relative path, and the files whose content the
    git dir lacks (mirrors may leave out very large attachments). Symlinks are skipped."""
    listing = git(git_dir, "ls-tree", "-r", "-z", f"{commit}:{folder}", data=True)
    if listing.returncode != 0:
        raise FetchError(f"folder '{folder}' is not in {commit[:12]}")
    entries = []
    for record in listing.stdout.split(b"\0"):
        if record:
            meta, path = record.split(b"\t", 1)
            mode, kind, sha = meta.split()
            if kind == b"blob" and mode in (b"100644", b"100755"):
                entries.append((path.decode("utf-8"), sha))
    batch = subprocess.run(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
        input=b"".join(sha + b"\n" for _, sha in entries),
        capture_output=True,
        check=True,
    ).stdout
    files: dict[str, bytes] = {}
    missing: list[str] = []
    at = 0
    for path, _ in entries:
        end = batch.index(b"\n", at)
        header = batch[at:end].split()
        at = end + 1
        if header[1] == b"missing":
            missing.append(path)
            continue
        size = int(header[2])
        files[path] = batch[at : at + size]
        at += size + 1
    return files, missing


def materialise(spec: Spec, mirrors: Path) -> str:
    """Write the vault folder at its commit unless it is already there; say what was done."""
    dest = OUT / spec.name
    stamp = dest / STAMP
    if stamp.is_file() and stamp.read_text().strip() == spec.commit:
        return f"{spec.name}: already at {spec.commit[:12]} in {dest.relative_to(ROOT)}"
    git_dir, origin = source_for(spec, mirrors)
    try:
        files, missing = read_tree(git_dir, spec.commit, spec.folder)
    except FetchError as error:
        raise FetchError(f"{spec.name}: {error}") from None
    staging = OUT / f".{spec.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    for path, content in files.items():
        target = staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    (staging / STAMP).write_text(spec.commit + "\n")
    shutil.rmtree(dest, ignore_errors=True)  # a different commit: its old index is stale too
    staging.rename(dest)
    notes = sum(path.endswith(".md") for path in files)
    lines = [
        f"{spec.name}: wrote {len(files)} files, {notes} notes, from "
        f"{spec.repo}@{spec.commit[:12]}:{spec.folder} ({origin}) to {dest.relative_to(ROOT)}"
    ]
    if notes != spec.notes:
        lines.append(f"  {spec.name}: vaults.toml says {spec.notes} notes; update it or the commit")
    if missing:
        lines.append(
            f"  {spec.name}: {len(missing)} files are not in the mirror and were left out "
            f"(fetch from GitHub to get them): {', '.join(missing)}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="vaults to fetch (default: all)")
    parser.add_argument("--mirrors", type=Path, default=MIRRORS, help="folder of bare mirrors")
    args = parser.parse_args()
    specs = load_specs(CONFIG)
    unknown = set(args.names) - {s.name for s in specs}
    if unknown:
        print(f"No vault called {', '.join(sorted(unknown))} in {CONFIG}.", file=sys.stderr)
        return 1
    failed = 0
    for spec in specs:
        if args.names and spec.name not in args.names:
            continue
        try:
            print(materialise(spec, args.mirrors))
        except FetchError as error:
            print(error, file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
