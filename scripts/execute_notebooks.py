"""Execute notebooks in place, refreshing their committed outputs.

Usage: ``python scripts/execute_notebooks.py notebooks/*.ipynb``.  Each
notebook runs in its own directory with a per-cell timeout, exactly as nbval
runs it, so that the stored outputs are the ones ``make test`` compares.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, timeout: int = 300) -> float:
    """Execute the notebook at ``path`` in place; return the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    for name in argv:
        seconds = execute(Path(name))
        print(f"{name}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
