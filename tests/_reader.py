"""A reader's environment: the wheel of this checkout and a bare Jupyter kernel.

Shared by ``test_wheel.py`` (what the wheel holds), ``test_reader_path.py`` and
``test_exercise_mutants.py`` (which runs every chapter once, in a bare virtual
environment where the chapter's setup cell installs ``mtlnotes`` from the wheel,
from a folder outside the repository).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONNECTION = "{connection_file}"
MAGIC = re.compile(r"^\s*[%!]", re.MULTILINE)


def build_wheel(tmp: Path) -> Path:
    """Build a wheel of mtlnotes from a copy of this checkout, with no network.

    The copy holds what a clean clone holds for the build: ``pyproject.toml``,
    ``README.md``, ``LICENSE``, the package and the stored results (installed as
    data files under ``share/mtlnotes/results``).
    """
    src = tmp / "src"
    src.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    for name in ("mtlnotes", "results"):
        shutil.copytree(
            ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__")
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


def kernel_venv(tmp: Path, kernel: str = "bare") -> Path:
    """A venv that sees the dependencies but not mtlnotes, with a Jupyter kernel
    ``kernel``; returns its python."""
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
    kernels = venv / "share" / "jupyter" / "kernels" / kernel
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", CONNECTION],
                "display_name": kernel,
                "language": "python",
            }
        )
    )
    return python


def reader_env(python: Path, wheel: Path) -> dict[str, str]:
    """Environment of a reader's kernel: no PYTHON*/PIP_* of ours, no index, the
    setup cell installs ``wheel``, Jupyter finds the venv's kernel."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    return env | {
        "MTLNOTES_INSTALL_SOURCE": str(wheel),
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "JUPYTER_PATH": str(python.parents[1] / "share" / "jupyter"),
    }


def _modules_of(source: str) -> set[str]:
    """``mtlnotes`` modules (dotted) a code cell imports, with their parents."""
    tree = ast.parse(MAGIC.sub("pass  # ", source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("mtlnotes")}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.split(".")[0] == "mtlnotes":
                names.add(node.module)
                # `from mtlnotes import bounds`: bounds may be a module
                names |= {f"{node.module}.{a.name}" for a in node.names}
    out = set()
    for name in names:
        parts = name.split(".")
        out |= {".".join(parts[: i + 1]) for i in range(len(parts))}
    return out


def chapter_modules(path: Path) -> set[str]:
    """Every ``mtlnotes`` name a chapter imports that could be a module."""
    nb = nbformat.read(path, as_version=4)
    return set().union(
        *(_modules_of(c.source) for c in nb.cells if c.cell_type == "code")
    )
