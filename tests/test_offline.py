"""The book builds, and a notebook passes nbval, with no network at all; twice alike.

Each check runs inside ``unshare -n`` (or ``unshare -rn`` for a non-root user
where user namespaces are allowed): a fresh network namespace whose only
interface is the loopback (brought up, because Jupyter kernels talk to their
client over 127.0.0.1), so nothing can be fetched from outside.  The tests are
skipped where ``unshare`` is missing or not permitted (no root or user
namespaces).

Determinism: the book is built twice, into two directories, and every HTML page
must be identical (modulo build timestamps).  The nbval run re-executes the
appendix page ``book/performance.ipynb`` and compares every output with the stored
one, i.e. a second execution gives the same outputs as the first.
"""

from __future__ import annotations

import filecmp
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _book import ROOT, build_strict, offline_wrap, unshare_prefix

PREFIX = unshare_prefix()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        PREFIX is None, reason="unshare -n unavailable or not permitted here"
    ),
]


def offline(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run ``cmd`` in a new network namespace (loopback only)."""
    return subprocess.run(
        [*offline_wrap(PREFIX), *cmd],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def build_book(out: Path) -> Path:
    """Build the whole book offline into ``out``; return the HTML directory."""
    return build_strict(ROOT, out, wrap=offline_wrap(PREFIX))


@pytest.fixture(scope="module")
def offline_html(book_html) -> Path:
    """The session's book build: made offline, since PREFIX exists here."""
    return book_html


def test_namespace_has_no_network():
    probe = (
        "import socket\n"
        "s = socket.socket()\n"
        "s.settimeout(5)\n"
        "try:\n"
        "    s.connect(('1.1.1.1', 443))\n"
        "    print('CONNECTED')\n"
        "except OSError as err:\n"
        "    print('unreachable', err.errno)\n"
    )
    result = offline([sys.executable, "-c", probe], timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("unreachable"), result.stdout


def test_book_builds_offline(offline_html):
    assert (offline_html / "index.html").exists()
    toc = (ROOT / "_toc.yml").read_text()
    for chapter in re.findall(r"file:\s*(\S+)", toc):
        assert (offline_html / f"{chapter}.html").exists(), chapter


_VOLATILE = [
    re.compile(rb"Last updated on [^<]*"),
    re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?"),
]


def _normalised(path: Path) -> bytes:
    data = path.read_bytes()
    for pattern in _VOLATILE:
        data = pattern.sub(b"TIMESTAMP", data)
    return data


def test_book_builds_identically_twice(offline_html, tmp_path):
    second = build_book(tmp_path)
    pages = sorted(p.relative_to(offline_html) for p in offline_html.rglob("*.html"))
    assert len(pages) >= 3, pages  # index, chapters, back matter
    assert pages == sorted(p.relative_to(second) for p in second.rglob("*.html"))
    differ = [
        str(p)
        for p in pages
        if not filecmp.cmp(offline_html / p, second / p, shallow=False)
        and _normalised(offline_html / p) != _normalised(second / p)
    ]
    assert not differ, f"pages differ between two builds: {differ}"


def test_performance_page_passes_nbval_offline():
    page = ROOT / "book" / "performance.ipynb"
    if not page.exists():
        pytest.skip("book/performance.ipynb not written yet")
    result = offline(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-current-env",
            "--nbval-cell-timeout=120",
            "--nbval-sanitize-with",
            str(ROOT / "notebooks" / "nbval_sanitize.cfg"),
            "-p",
            "no:cacheprovider",
            "-q",
            str(page),
        ],
        timeout=300,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
