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


#: modules that run for minutes on one core (the nbgrader round trip executes 30
#: notebooks; the student and mutant tests execute every chapter): collected
#: first, so that with ``pytest -n 2 --dist loadgroup`` they start at once on
#: their own worker instead of ending the run alone.
SLOW_FIRST = (
    "test_nbgrader_roundtrip.py",
    "test_student_notebooks.py",
    "test_exercise_mutants.py",
)
#: modules that read the one book build (the session fixture ``book_html``): one
#: xdist group, so that the book is built once, not once per worker
BOOK_GROUP = ("test_book_build.py", "test_offline.py", "test_browser.py")


def pytest_collection_modifyitems(config, items):
    """Move the items of the ``SLOW_FIRST`` modules to the front, in that order,
    and put each module in its own xdist group (the book's readers in one):
    ``--dist loadgroup`` then keeps a module's fixtures and caches on one worker,
    as ``--dist loadfile`` would, and builds the book once."""
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))
    for item in items:
        name = item.path.name
        item.add_marker(pytest.mark.xdist_group("book" if name in BOOK_GROUP else name))
