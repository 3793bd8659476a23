"""The exercise checks tell a right answer from a plausible wrong one.

For every exercise of every chapter, ``tests/mutants/<chapter>.py`` stores at
least one plausible wrong solution (a "mutant": a slip a student could make,
such as a forgotten factor or a value copied from the text).  Each chapter is
run once, in one kernel, with its solution cells replaced by

    mutant 1, the exercise's visible check cells, its hidden tests,
    mutant 2, ...,
    the instructor solution, the visible check cells, the hidden tests,

and the test requires that every mutant runs without error and then fails at
least one *visible* check cell, and that the instructor solution passes every
visible check cell and every hidden test (``tests/hidden/<chapter>.py``).

The outcome of each mutant is printed (``pytest -s``) as a table: which check
cells rejected it and with which error.

The same run is the reader's path of ``test_reader_path.py``: it executes in a
fresh virtual environment that sees the dependencies but not ``mtlnotes``, from a
folder outside the repository; the chapter's setup cell installs ``mtlnotes``
from a wheel of this checkout, with no package index (and no network, where a
network namespace can be made).  So every chapter runs once here, from the
wheel, and ``test_chapter_runs_from_the_wheel_in_a_bare_venv`` checks that.
"""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from _book import offline_wrap, unshare_prefix
from _reader import CHAPTERS, ROOT, build_wheel, kernel_venv, reader_env

from mtlnotes.course.assign import read_hidden_tests

chapters = pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
MUTANT = re.compile(r"^# %%[ \t]+(?P<label>ex-[\w-]+-\d+):[ \t]*(?P<what>.+)$")


def read_mutants(path: Path) -> list[tuple[str, str, str]]:
    """``(label, what, code)`` for each block of a mutant file."""
    blocks: list[list] = []
    for line in path.read_text().split("\n"):
        match = MUTANT.match(line)
        if match:
            blocks.append([match["label"], match["what"].strip(), []])
        elif blocks:
            blocks[-1][2].append(line)
    return [(label, what, "\n".join(code).strip()) for label, what, code in blocks]


def grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def exercises(nb) -> dict[str, dict]:
    """label -> indices of the solution cell and of the visible check cells."""
    out: dict[str, dict] = {}
    for index, cell in enumerate(nb.cells):
        if grade_id(cell).endswith("-solution") and cell.cell_type == "code":
            out.setdefault(grade_id(cell).removesuffix("-solution"), {})["solution"] = (
                index
            )
        match = re.fullmatch(r"(ex-[\w-]+-\d+)-check-\d+", grade_id(cell))
        if match:
            out.setdefault(match[1], {}).setdefault("checks", []).append(index)
    return out


def code_cell(source: str, **role) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["mutant_test"] = role
    return cell


EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name="bare", timeout=600, allow_errors=True,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, sys.argv[1])
"""
PROBE = "import mtlnotes; print(mtlnotes.__file__)"


@functools.cache
def _wheel() -> Path:
    return build_wheel(Path(tempfile.mkdtemp(prefix="mtlnotes-wheel-")))


@functools.cache
def run_chapter(path: Path) -> tuple[dict, dict, list, dict]:
    """Run the chapter once with mutants, in a reader's bare venv; return the
    exercises, the hidden tests, for each tagged cell ``(role, error name or
    None)``, and what the reader's venv showed (``before``: ``import mtlnotes``
    failed before the run; ``located``: where it is imported from after)."""
    nb = nbformat.read(path, as_version=4)
    found = exercises(nb)
    hidden_file = ROOT / "tests" / "hidden" / f"{path.stem}.py"
    hidden = read_hidden_tests(hidden_file) if hidden_file.is_file() else {}
    mutants: dict[str, list[tuple[str, str]]] = {}
    for label, what, code in read_mutants(
        ROOT / "tests" / "mutants" / path.name.replace(".ipynb", ".py")
    ):
        mutants.setdefault(label, []).append((what, code))
    checks_of = {i: label for label, ex in found.items() for i in ex.get("checks", [])}
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or index in checks_of:
            continue
        label = next(
            (lab for lab, ex in found.items() if ex.get("solution") == index), None
        )
        if label is None:
            cells.append(code_cell(cell.source, role="chapter"))
            continue
        versions = [
            (f"mutant {k}", what, code)
            for k, (what, code) in enumerate(mutants.get(label, []), 1)
        ]
        versions.append(("instructor", "", cell.source))
        for version, what, code in versions:
            cells.append(
                code_cell(
                    code, role="solution", label=label, version=version, what=what
                )
            )
            for k, check in enumerate(found[label]["checks"], 1):
                cells.append(
                    code_cell(
                        nb.cells[check].source,
                        role="check",
                        label=label,
                        version=version,
                        check=f"check-{k}",
                    )
                )
            if f"{label}-hidden" in hidden:
                cells.append(
                    code_cell(
                        hidden[f"{label}-hidden"],
                        role="hidden",
                        label=label,
                        version=version,
                    )
                )
    run = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    tmp = Path(tempfile.mkdtemp(prefix=f"mtlnotes-reader-{path.stem}-"))
    python = kernel_venv(tmp)
    env = reader_env(python, _wheel())
    probe = [str(python), "-c", PROBE]
    before = subprocess.run(probe, cwd=tmp, env=env, capture_output=True, text=True)
    work = tmp / "reader"
    work.mkdir()
    target = work / path.name
    nbformat.write(run, target)
    prefix = unshare_prefix()
    cmd = [str(python), "-c", EXECUTE, str(target), str(work)]
    done = subprocess.run(
        [*(offline_wrap(prefix) if prefix else []), *cmd],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    after = subprocess.run(probe, cwd=tmp, env=env, capture_output=True, text=True)
    venv = {
        "before": before.returncode != 0,
        "located": after.stdout.strip() if after.returncode == 0 else after.stderr,
        "prefix": str(python.parents[1]),
    }
    run = nbformat.read(target, as_version=4)
    results = []
    for cell in run.cells:
        errors = [o.ename for o in cell.outputs if o.output_type == "error"]
        results.append((cell.metadata["mutant_test"], errors[0] if errors else None))
    return found, {**hidden, "_mutants": mutants}, results, venv


@chapters
def test_every_exercise_has_a_stored_mutant(path):
    nb = nbformat.read(path, as_version=4)
    labels = set(exercises(nb))
    stored = {
        label
        for label, _, _ in read_mutants(ROOT / "tests" / "mutants" / f"{path.stem}.py")
    }
    assert labels, f"{path.name}: no exercises found"
    assert labels <= stored, (
        f"{path.name}: exercises without a mutant: {labels - stored}"
    )
    assert stored <= labels, (
        f"{path.name}: mutants of unknown exercises: {stored - labels}"
    )


@pytest.mark.slow
@chapters
def test_chapter_runs_from_the_wheel_in_a_bare_venv(path):
    """The reader's path: mtlnotes absent, then installed by the setup cell into
    the reader's venv, and every chapter cell ran without error."""
    _, _, results, venv = run_chapter(path)
    assert venv["before"], "mtlnotes must not be importable before the setup"
    assert venv["located"].startswith(venv["prefix"]), venv["located"]
    assert results[0][0]["role"] == "chapter" and results[0][1] is None
    chapter_errors = [e for role, e in results if role["role"] == "chapter" and e]
    assert not chapter_errors, f"{path.name}: chapter cells failed: {chapter_errors}"


@pytest.mark.slow
@chapters
def test_checks_reject_every_mutant_and_accept_the_solution(path):
    found, _, results, _ = run_chapter(path)
    chapter_errors = [e for role, e in results if role["role"] == "chapter" and e]
    assert not chapter_errors, f"{path.name}: chapter cells failed: {chapter_errors}"
    table = {}
    for role, error in results:
        if role["role"] == "chapter":
            continue
        key = (role["label"], role["version"])
        row = table.setdefault(
            key, {"what": "", "solution": None, "checks": {}, "hidden": None}
        )
        if role["role"] == "solution":
            row["what"], row["solution"] = role["what"], error
        elif role["role"] == "check":
            row["checks"][role["check"]] = error
        else:
            row["hidden"] = error
    for (label, version), row in sorted(table.items()):
        verdict = {k: e or "pass" for k, e in row["checks"].items()}
        hidden = row["hidden"] or "pass"
        print(f"{path.stem} {label} {version} ({row['what']}): {verdict}, {hidden=}")
    labels = set(found)
    assert {label for label, _ in table} == labels
    for (label, version), row in table.items():
        where = f"{path.name}, {label}, {version} {row['what']!r}"
        assert row["solution"] is None, (
            f"{where}: the solution cell raised {row['solution']}"
        )
        if version == "instructor":
            failed = {k: e for k, e in row["checks"].items() if e}
            assert not failed, f"{where}: checks failed {failed}"
            assert row["hidden"] is None, (
                f"{where}: hidden tests failed ({row['hidden']})"
            )
        else:
            assert any(row["checks"].values()), f"{where}: every visible check passed"
