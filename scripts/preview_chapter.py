"""Build a one-chapter preview of the book with all warnings as errors.

Usage: ``python scripts/preview_chapter.py notebooks/<chapter>.ipynb``.
Developers use it to check that a chapter renders cleanly (sphinx-proof,
sphinx-exercise, citations, figure captions) before it joins ``_toc.yml``.
The preview is written to ``_build/preview/<chapter>``; nothing in the
repository is modified.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    (src / "book" / "index.md").write_text("# Preview\n\nOne chapter.\n")
    # chapters may link to the errata page; the real one links to every chapter
    (src / "book" / "errata.md").write_text("# Errata\n\nPlaceholder for preview.\n")
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
