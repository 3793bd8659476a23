"""A reader's path outside the repository: Colab, a bare Jupyter, student copies.

1. Every chapter starts with the same hidden setup cell, which installs
   ``mtlnotes`` only when ``import mtlnotes`` fails, from the repository named in
   ``_config.yml`` unless ``MTLNOTES_INSTALL_SOURCE`` says otherwise.
2. That cell works: a temporary virtual environment that sees the dependencies
   (the site-packages directory of the running interpreter, added as a plain path
   so that the editable install of ``mtlnotes`` there is *not* activated) but not
   ``mtlnotes`` runs a chapter top to bottom from a folder outside the
   repository; the setup cell installs ``mtlnotes`` from a wheel built from this
   checkout, with ``PIP_NO_INDEX=1`` (and inside a network namespace with no
   network, where one can be made).
3. No chapter imports anything but the standard library, ``mtlnotes`` and the
   dependencies declared in ``pyproject.toml``, and none edits ``sys.path``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from _book import ROOT, offline_wrap, unshare_prefix
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
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


def _kernel_venv(tmp: Path) -> Path:
    """A venv that sees the dependencies but not mtlnotes; returns its python."""
    venv = tmp / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # a path line, not a site dir: the .pth files there (the editable mtlnotes)
    # are not processed, so mtlnotes stays invisible
    (Path(site) / "dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    kernels = venv / "share" / "jupyter" / "kernels" / "bare"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", CONNECTION],
                "display_name": "bare",
                "language": "python",
            }
        )
    )
    return python


def _wheel_of_this_checkout(tmp: Path) -> Path:
    """Build a wheel of mtlnotes from a copy of this checkout, with no network."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "mtlnotes",
        src / "mtlnotes",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps"),
            *("--no-build-isolation", "--no-index", "-q"),
            *("-w", str(tmp / "wheels"), str(src)),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp / "wheels").glob("mtlnotes-*.whl")
    return wheel


CONNECTION = "{connection_file}"
EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name="bare", timeout=600,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, sys.argv[1])
"""


def test_setup_cell_installs_mtlnotes_and_the_chapter_runs(tmp_path):
    python = _kernel_venv(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    probe = [python, "-c", "import mtlnotes"]
    before = subprocess.run(probe, cwd=tmp_path, env=env, capture_output=True)
    assert before.returncode != 0, "mtlnotes must not be importable before the setup"
    wheel = _wheel_of_this_checkout(tmp_path)
    work = tmp_path / "reader"
    work.mkdir()
    shutil.copy(LIVE_CHAPTER, work / LIVE_CHAPTER.name)
    env |= {
        "MTLNOTES_INSTALL_SOURCE": str(wheel),
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "JUPYTER_PATH": str(python.parents[1] / "share" / "jupyter"),
    }
    prefix = unshare_prefix()
    cmd = [python, "-c", EXECUTE, str(work / LIVE_CHAPTER.name), str(work)]
    done = subprocess.run(
        [*(offline_wrap(prefix) if prefix else []), *map(str, cmd)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    after = subprocess.run(probe, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert after.returncode == 0, after.stderr
    located = subprocess.run(
        [python, "-c", "import mtlnotes; print(mtlnotes.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(python.parents[1]) in located  # installed into the reader's venv
    nb = nbformat.read(work / LIVE_CHAPTER.name, as_version=4)
    errors = [
        o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert not errors
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")


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
