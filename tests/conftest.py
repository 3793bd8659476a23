"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _book import JUPYTER_BOOK, ROOT, build_strict, offline_wrap, unshare_prefix


@pytest.fixture(scope="session")
def book_html(tmp_path_factory) -> Path:
    """The whole book, built once per session with ``-W -n --keep-going``.

    Built inside a network namespace with only the loopback where one can be made
    (so the build is also the offline build), else normally.  Returns the HTML
    directory; the book, offline and browser tests all read this one build.
    """
    reuse = os.environ.get("MTLNOTES_BOOK_HTML")  # while working on these tests
    if reuse:
        return Path(reuse)
    if not JUPYTER_BOOK.exists():
        pytest.skip("jupyter-book not installed")
    prefix = unshare_prefix()
    wrap = offline_wrap(prefix) if prefix else []
    return build_strict(ROOT, tmp_path_factory.mktemp("book"), wrap=wrap)
