"""The whole book builds with Sphinx warnings as errors (`-W -n --keep-going`).

The build itself is the session fixture ``book_html`` (``tests/conftest.py``),
shared with the offline and browser tests; ``build_strict`` fails it on any
warning.
"""

import pytest
from _book import ROOT

pytestmark = pytest.mark.slow


def test_book_builds_without_warnings(book_html):
    for chapter in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert (book_html / "notebooks" / f"{chapter.stem}.html").exists(), chapter.name
