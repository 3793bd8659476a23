"""Build a Jupyter Book with Sphinx warnings as errors; shared by the book tests.

``tests/test_book_build.py`` (the book), ``tests/test_offline.py`` (the book with
no network) and ``tests/test_student_notebooks.py`` (the student set) all run the
same strict build and the same checks on its log.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def build_strict(
    src: Path, out: Path, *, wrap: Sequence[str] = (), timeout: float = 900
) -> Path:
    """Build the book at ``src`` into ``out`` with ``-W -n --keep-going``.

    ``wrap`` is prepended to the command (e.g. to run it in a network namespace).
    Asserts that the build succeeded and logged no warning; returns the HTML
    directory.
    """
    cmd = [str(JUPYTER_BOOK), "build", str(src), "-W", "-n", "--keep-going"]
    cmd += ["--path-output", str(out)]
    result = subprocess.run(
        [*wrap, *cmd],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    log = result.stdout + result.stderr
    warnings = [
        line for line in log.splitlines() if "WARNING" in line or "ERROR" in line
    ]
    assert result.returncode == 0, "\n".join(warnings) or log[-5000:]
    assert "WARNING" not in log, log[-5000:]
    return out / "_build" / "html"
