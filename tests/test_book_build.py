"""The whole book builds with Sphinx warnings as errors (`-W -n --keep-going`)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


@pytest.mark.skipif(not JUPYTER_BOOK.exists(), reason="jupyter-book not installed")
def test_book_builds_without_warnings(tmp_path):
    result = subprocess.run(
        [
            str(JUPYTER_BOOK),
            "build",
            str(ROOT),
            "-W",
            "-n",
            "--keep-going",
            "--path-output",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    assert "WARNING" not in log, log[-5000:]
    html = tmp_path / "_build" / "html"
    for chapter in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert (html / "notebooks" / f"{chapter.stem}.html").exists(), chapter.name
    shutil.rmtree(tmp_path / "_build" / ".doctrees", ignore_errors=True)
