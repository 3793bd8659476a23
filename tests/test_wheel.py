"""The wheel built from the repository is complete (what Colab installs).

``pip install git+…`` (a chapter's setup cell on Colab) installs the wheel built
from the repository, so a module missing from it breaks the chapters that import
it there and nowhere else.  Checked: every ``mtlnotes`` module a chapter imports
(also ``from mtlnotes import x`` where ``x`` is a module) is in the wheel, every
module of the package is, and so are the stored results the chapters read.
"""

from __future__ import annotations

import importlib.util
import zipfile

import pytest
from _reader import CHAPTERS, ROOT, _modules_of, build_wheel, chapter_modules


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name inside a module (a function), not a module
        return False


def _module_path(name: str) -> set[str]:
    """The file(s) of module ``name`` in a wheel: ``a/b.py`` or ``a/b/__init__.py``."""
    base = name.replace(".", "/")
    return {f"{base}.py", f"{base}/__init__.py"}


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_module_a_chapter_imports_is_in_the_wheel(path, wheel_files):
    names = {n for n in chapter_modules(path) if _is_module(n)}
    assert "mtlnotes" in names, f"{path.name} imports nothing from mtlnotes"
    missing = sorted(n for n in names if not _module_path(n) & wheel_files)
    assert not missing, f"{path.name} imports {missing}, not in the wheel"


def test_every_module_of_the_package_is_in_the_wheel(wheel_files):
    source = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "mtlnotes").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert any(p.startswith("mtlnotes/experiments/") for p in source)
    assert source <= wheel_files, sorted(source - wheel_files)


def test_the_stored_results_travel_with_the_wheel(wheel_files):
    stored = {p.name for p in (ROOT / "results").glob("*.json")}
    data = {f.rsplit("/", 1)[-1] for f in wheel_files if "/share/mtlnotes/" in f}
    assert stored and stored <= data


def test_the_import_scan_finds_submodules():
    found = _modules_of(
        "from mtlnotes.experiments import subspace as e\nfrom mtlnotes import bounds"
    )
    assert {"mtlnotes.experiments.subspace", "mtlnotes.bounds"} <= found
    assert _modules_of("import numpy") == set()
