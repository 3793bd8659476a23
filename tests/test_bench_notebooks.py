"""The FULL-switch machinery of ``benchmarks/bench_notebooks.py``.

``make bench`` runs the full version of every chapter that has a ``FULL = False``
switch by executing a copy with the switch turned on; the costs the chapters state
come from that run.  These tests check that the switch is found in the chapters
that have one, that turning it on changes that line and nothing else, and that
rows of chapters a partial run does not measure are kept.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "bench_notebooks", ROOT / "benchmarks" / "bench_notebooks.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _notebook(path: Path, sources: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("FULL = False in prose")] + [
        nbformat.v4.new_code_cell(s) for s in sources
    ]
    nbformat.write(nb, path)
    return path


def test_switch_on_changes_only_the_switch(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path / "x.ipynb",
        ["import numpy\nFULL = False  # True: more\nR = 10 if FULL else 1", "y = 2"],
    )
    before = nbformat.read(path, as_version=4)
    assert bench.has_full_switch(path)
    assert bench.switch_on(path) == 1
    after = nbformat.read(path, as_version=4)
    assert (
        after.cells[1].source
        == "import numpy\nFULL = True  # True: more\nR = 10 if FULL else 1"
    )
    assert after.cells[0].source == before.cells[0].source  # prose untouched
    assert after.cells[2].source == before.cells[2].source
    assert not bench.has_full_switch(path)


def test_no_switch(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "y.ipynb", ["FULLER = False", "x = 'FULL = False'"])
    assert not bench.has_full_switch(path)
    assert bench.switch_on(path) == 0


@pytest.mark.parametrize(
    "chapter", ["map_ridge", "maurer_kl_lemma", "minimax_least_squares", "ntk_ridge"]
)
def test_chapters_with_a_switch(chapter: str) -> None:
    assert bench.has_full_switch(ROOT / "notebooks" / f"{chapter}.ipynb")


def test_previous_rows_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "RESULTS", tmp_path)
    rows = [{"notebook": "notebooks/a.ipynb"}, {"notebook": "notebooks/b.ipynb"}]
    (tmp_path / "notebooks_full.json").write_text(json.dumps({"rows": rows}))
    kept = bench.previous_rows(True, {"notebooks/a.ipynb"})
    assert kept == [{"notebook": "notebooks/b.ipynb"}]
    assert bench.previous_rows(False, set()) == []  # no notebooks.json here
