"""The whole book builds with Sphinx warnings as errors (`-W -n --keep-going`)."""

import shutil

import pytest
from _book import JUPYTER_BOOK, ROOT, build_strict


@pytest.mark.skipif(not JUPYTER_BOOK.exists(), reason="jupyter-book not installed")
def test_book_builds_without_warnings(tmp_path):
    html = build_strict(ROOT, tmp_path)
    for chapter in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert (html / "notebooks" / f"{chapter.stem}.html").exists(), chapter.name
    shutil.rmtree(tmp_path / "_build" / ".doctrees", ignore_errors=True)
