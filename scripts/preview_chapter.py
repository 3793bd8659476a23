"""Build a one-chapter preview of the book with all warnings as errors.

Usage: ``python scripts/preview_chapter.py notebooks/<chapter>.ipynb``.
Developers use it to check that a chapter renders cleanly (sphinx-proof,
sphinx-exercise, citations, figure captions) before it joins ``_toc.yml``.
The preview is written to ``_build/preview/<chapter>``; nothing in the
repository is modified.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def errata_stand_in(errata: Path) -> str:
    """The errata page reduced to its ``(erratum-…)=`` labels and their headings."""
    lines = errata.read_text(encoding="utf-8").splitlines()
    out = ["# Errata", "", "Stand-in for the preview: labels and headings only.", ""]
    out += ["## Entries", ""]
    for i, line in enumerate(lines):
        if re.fullmatch(r"\((erratum-[\w-]+)\)=", line.strip()):
            heading = next((x for x in lines[i + 1 :] if x.startswith("### ")), "### ?")
            out += [line.strip(), heading, "", "Entry.", ""]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    chapter = Path(argv[0]).resolve()
    out = ROOT / "_build" / "preview" / chapter.stem
    src = out / "src"
    shutil.rmtree(out, ignore_errors=True)
    (src / "book").mkdir(parents=True)
    (src / "notebooks").mkdir()
    shutil.copy(ROOT / "_config.yml", src / "_config.yml")
    shutil.copy(ROOT / "book" / "references.bib", src / "book" / "references.bib")
    shutil.copy(ROOT / "book" / "references.md", src / "book" / "references.md")
    # what _config.yml points to: local extensions, extra files, the favicon
    for extra in ("_ext", "_extra"):
        shutil.copytree(ROOT / "book" / extra, src / "book" / extra)
    shutil.copy(ROOT / "book" / "favicon.svg", src / "book" / "favicon.svg")
    (src / "book" / "index.md").write_text("# Preview\n\nOne chapter.\n")
    # chapters link to the errata entries; the real page links to every chapter, so
    # the preview gets a stand-in with the same entry labels and headings only
    stand_in = errata_stand_in(ROOT / "book" / "errata.md")
    (src / "book" / "errata.md").write_text(stand_in, encoding="utf-8")
    shutil.copy(chapter, src / "notebooks" / chapter.name)
    (src / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\nchapters:\n"
        f"  - file: notebooks/{chapter.stem}\n  - file: book/errata\n"
        "  - file: book/references\n"
    )
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(src),
        "-W",
        "-n",
        "--keep-going",
        "--path-output",
        str(out),
    ]
    return subprocess.call(cmd)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
