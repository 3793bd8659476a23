"""Build a Jupyter Book with Sphinx warnings as errors; shared by the book tests.

``tests/test_book_build.py`` (the book), ``tests/test_offline.py`` (the book with
no network) and ``tests/test_student_notebooks.py`` (the student set) all run the
same strict build and the same checks on its log.  The book itself is built once
per test session (the ``book_html`` fixture of ``tests/conftest.py``), with no
network where a network namespace can be made, and shared by the book, offline
and browser tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
UNSHARE = shutil.which("unshare")
# bring the loopback up (where `ip` exists), then run the command
LO_UP = 'command -v ip >/dev/null && ip link set lo up; exec "$@"'


def unshare_prefix() -> list[str] | None:
    """``unshare -n`` (as root), else ``unshare -rn`` (an unprivileged user
    namespace mapped to root), whichever works here; ``None`` if neither does."""
    if UNSHARE is None:
        return None
    for flags in ("-n", "-rn"):
        try:
            done = subprocess.run(
                [UNSHARE, flags, "true"], capture_output=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return [UNSHARE, flags]
    return None


def offline_wrap(prefix: list[str]) -> list[str]:
    """Command prefix running a command in a new network namespace (loopback up)."""
    return [*prefix, "sh", "-c", LO_UP, "sh"]


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
