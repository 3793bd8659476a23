"""A reader's path outside the repository: Colab, a bare Jupyter, student copies.

1. Every chapter starts with the same hidden setup cell, which installs
   ``mtlnotes`` only when ``import mtlnotes`` fails, from the repository named in
   ``_config.yml`` unless ``MTLNOTES_INSTALL_SOURCE`` says otherwise.
2. That cell works, for every chapter: a temporary virtual environment that sees
   the dependencies (the site-packages directory of the running interpreter,
   added as a plain path so that the editable install of ``mtlnotes`` there is
   *not* activated) but not ``mtlnotes`` runs the chapter top to bottom from a
   folder outside the repository; the setup cell installs ``mtlnotes`` from a
   wheel built from this checkout, with ``PIP_NO_INDEX=1`` (and inside a network
   namespace with no network, where one can be made).  That run is shared with
   the exercise checks: ``test_exercise_mutants.py``,
   ``test_chapter_runs_from_the_wheel_in_a_bare_venv`` (``tests/_reader.py``
   makes the venv and the wheel; ``test_wheel.py`` checks what the wheel holds).
3. No chapter imports anything but the standard library, ``mtlnotes`` and the
   dependencies declared in ``pyproject.toml``, and none edits ``sys.path``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from _reader import CHAPTERS, ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

chapters = pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
SETUP_ID = "mtlnotes-setup"
LIVE_CHAPTER = ROOT / "notebooks" / "gd_contraction.ipynb"


def setup_cell(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    return next(c for c in nb.cells if c.cell_type == "code")


def test_ten_chapters():
    assert len(CHAPTERS) == 10


@chapters
def test_chapter_starts_with_the_hidden_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].id == SETUP_ID and nb.cells[0].cell_type == "code"
    assert "remove-cell" in nb.cells[0].metadata.get("tags", [])
    assert nb.cells[0].outputs == []  # nothing to install where mtlnotes exists
    assert setup_cell(path).source == setup_cell(LIVE_CHAPTER).source


def test_setup_cell_installs_from_the_configured_repository():
    source = setup_cell(LIVE_CHAPTER).source
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo, branch = config["repository"]["url"], config["repository"]["branch"]
    assert f'"git+{repo}@{branch}"' in source
    assert 'os.environ.get(\n        "MTLNOTES_INSTALL_SOURCE"' in source
    assert 'importlib.util.find_spec("mtlnotes") is None' in source


def _declared_modules() -> set[str]:
    """Top-level modules of the standard library, mtlnotes and its dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    modules = {
        module
        for module, dists in importlib.metadata.packages_distributions().items()
        if any(canonicalize_name(d) in declared for d in dists)
    }
    return modules | set(sys.stdlib_module_names) | {"mtlnotes"}


MAGIC = re.compile(r"^\s*[%!]", re.MULTILINE)


def _imports(source: str) -> set[str]:
    tree = ast.parse(MAGIC.sub("pass  # ", source))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.add("." * node.level)  # relative: never valid in a notebook
            else:
                names.add(node.module.split(".")[0])
    return names


@chapters
def test_chapter_imports_only_the_package_and_its_dependencies(path):
    allowed = _declared_modules()
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    outside = set().union(*map(_imports, code)) - allowed
    assert not outside, f"{path.name} imports {sorted(outside)}"
    assert not any("sys.path" in src for src in code), f"{path.name} edits sys.path"


def test_the_import_rule_catches_an_outside_import():
    allowed = _declared_modules()
    assert {"numpy", "scipy", "torch", "sklearn", "matplotlib", "mtlnotes"} <= allowed
    assert _imports('import sys\nsys.path.insert(0, "../benchmarks")\n') <= allowed
    assert _imports("from bench_kl import workload") - allowed == {"bench_kl"}
    assert _imports("import pytest") - allowed == {"pytest"}  # a test-only extra
