"""Coursework checks on every chapter in ``notebooks/`` and its student version.

1. No student notebook contains a solution line (or a hidden-test line), and it
   has one stub per solution.  Lines that also occur outside the solution and
   hidden-test regions of the instructor notebook (``return out``, ``)``, an
   import) are public and not counted.
2. The instructor notebooks have the exercise shape of ``CONTRIBUTING.md`` (at
   least two exercises, each with a solution cell, optional written-answer cells
   inside the solution gate, and one or more autograded check cells carrying
   nbgrader metadata, with no hidden tests in them) and their stored outputs
   show the check cells passing (``make test`` re-runs them through nbval).
   The hidden tests in ``tests/hidden`` name existing exercises.
3. The student notebooks run: every cell before the first solution cell runs
   without error; after it, a cell may fail only with ``NotImplementedError``
   (a stub), ``NameError`` (a name the missing solution should define) or
   ``AssertionError`` (a check that fails); at least one ``NotImplementedError``
   occurs; and every autograded check cell fails, so an empty submission earns
   no points.  Each student notebook is executed once.
4. The student notebooks, as executed in 3, build as a book with ``-W -n``
   (with execution off, as in ``_config.yml``; the outputs of 3 are needed
   because figures, and the references to them, exist only once a cell ran).

The solution and hidden-test lines are found here by a parser independent of
:mod:`mtlnotes.course.assign`.
"""

from __future__ import annotations

import functools
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from _book import build_strict
from nbclient import NotebookClient

from mtlnotes.course.assign import read_hidden_tests, student_notebook

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
chapters = pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])

ALLOWED_ERRORS = {"NotImplementedError", "NameError", "AssertionError"}
MARKER = re.compile(r"^\s*#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")
EXTENSIONS = ("", ".md", ".ipynb")
STUB = re.compile(
    r'raise NotImplementedError\("Exercise [^"]*: write your solution here"\)'
)


def instructor(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


@functools.cache
def student(path: Path) -> nbformat.NotebookNode:
    return student_notebook(instructor(path), name=path.name)


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def secret_and_public_lines(nb) -> tuple[set[str], set[str], int]:
    """Split the stripped non-blank lines of ``nb`` into secret and public ones.

    Secret: lines in solution or hidden-test regions, in cells marked as solutions
    by metadata alone, and in cells between ``{solution-start}`` and
    ``{solution-end}`` (apart from the code around markers of a solution cell).
    Also returns the number of stubs the student version needs.
    """
    secret: set[str] = set()
    public: set[str] = set()
    stubs = 0
    gated = False
    for cell in nb.cells:
        lines = cell.source.splitlines()
        if cell.cell_type == "markdown" and "{solution-start}" in cell.source:
            gated = "{solution-end}" not in cell.source
            secret.update(line.strip() for line in lines)
            continue
        if cell.cell_type == "markdown" and "{solution-end}" in cell.source:
            gated = False  # text after the directive is solution prose
            secret.update(line.strip() for line in lines)
            continue
        has_markers = any(MARKER.match(line) for line in lines)
        whole_cell_secret = gated or (
            nbgrader(cell).get("solution") and not has_markers
        )
        if whole_cell_secret and not has_markers:
            secret.update(line.strip() for line in lines)
            stubs += cell.cell_type == "code" and bool(nbgrader(cell).get("solution"))
            continue
        inside = False
        for line in lines:
            match = MARKER.match(line)
            if match:
                inside = match[1] == "BEGIN"
                code = cell.cell_type == "code"
                stubs += code and match[1] == "BEGIN" and match[2] == "SOLUTION"
                continue
            (secret if inside else public).add(line.strip())
    return secret - public - {""}, public, stubs


@chapters
def test_no_solution_line_in_student_version(path):
    secret, _, stubs = secret_and_public_lines(instructor(path))
    nb = student(path)
    leaked = {
        (index, line.strip())
        for index, cell in enumerate(nb.cells)
        for line in cell.source.splitlines()
        if line.strip() in secret
    }
    assert not leaked, f"solution lines in the student version of {path.name}"
    text = "\n".join(cell.source for cell in nb.cells)
    assert len(STUB.findall(text)) == stubs, "expected one stub per solution"
    assert not any(cell.get("outputs") for cell in nb.cells)


def exercise_label(source: str) -> str | None:
    match = re.search(
        r"^[`:]{3,}\{exercise\}[^\n]*\n(?::[^\n]*\n)*?:label:[ \t]*(\S+)", source, re.M
    )
    return match[1] if match else None


@chapters
def test_instructor_exercises_have_the_coursework_shape(path):
    cells = instructor(path).cells
    headings = [
        (i, line)
        for i, cell in enumerate(cells)
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    assert any(line.strip() == "## Exercises" for _, line in headings), (
        f"{path.name} has no '## Exercises' section"
    )
    assert headings[-1][1].strip() == "## Exercises", "the exercises must come last"
    start = headings[-1][0]
    labels = []
    for i, cell in enumerate(cells):
        label = exercise_label(cell.source) if cell.cell_type == "markdown" else None
        if label is None:
            continue
        where = f"{path.name}, exercise {label} (cell {i})"
        assert i >= start, f"{where}: outside the '## Exercises' section"
        assert re.fullmatch(r"ex-[\w-]+-\d+", label), f"{where}: label ex-<chapter>-<n>"
        starts = [
            j for j in range(i + 1, len(cells)) if "{solution-" in cells[j].source
        ]
        assert starts, f"{where}: no {{solution-start}} after the exercise"
        gate = starts[0]
        between = cells[i + 1 : gate]  # set-up cells for the exercise are fine
        assert not any(nbgrader(c) or exercise_label(c.source) for c in between), (
            f"{where}: the {{solution-start}} gate must follow the exercise"
        )
        assert re.search(
            rf"^```\{{solution-start\}} {re.escape(label)}\s*\n:class: dropdown",
            cells[gate].source,
            re.M,
        ), f"{where}: cell {gate} must open a dropdown {{solution-start}} {label}"
        ends = [
            j
            for j in range(gate + 1, len(cells))
            if "{solution-end}" in cells[j].source
        ]
        assert ends, f"{where}: no {{solution-end}} cell"
        end = ends[0]
        assert cells[end].source.lstrip().startswith("```{solution-end}"), where
        inside = [c for c in cells[gate + 1 : end] if c.cell_type == "code"]
        assert len(inside) == 1, f"{where}: one solution code cell inside the gate"
        solution = inside[0]
        assert nbgrader(solution) == {
            "solution": True,
            "grade": False,
            "locked": False,
            "grade_id": f"{label}-solution",
            "schema_version": 3,
        }, f"{where}: solution cell metadata"
        markers = [
            m[0].strip() for m in map(MARKER.match, solution.source.split("\n")) if m
        ]
        pairs = len(markers) // 2
        assert (
            pairs and markers == ["### BEGIN SOLUTION", "### END SOLUTION"] * pairs
        ), f"{where}: solution cell needs ### BEGIN SOLUTION / ### END SOLUTION"
        # everything else inside the gate is a written answer, which nbgrader
        # replaces in its release: nothing of the solution reaches a student
        for cell in cells[gate + 1 : end]:
            if cell is solution:
                continue
            assert cell.cell_type == "markdown" and nbgrader(cell) == {
                "solution": True,
                "grade": True,
                "locked": False,
                "points": 1,
                "grade_id": f"{label}-answer",
                "schema_version": 3,
            }, f"{where}: cell {cell.get('id')} inside the gate is not an answer cell"
            assert not any(MARKER.match(line) for line in cell.source.split("\n"))
        checks = []
        for cell in cells[end + 1 :]:
            if not re.fullmatch(
                rf"{re.escape(label)}-check-\d+", nbgrader(cell).get("grade_id", "")
            ):
                break
            checks.append(cell)
        assert checks, f"{where}: no check cell {label}-check-1 after the gate"
        for k, check in enumerate(checks, 1):
            meta = dict(nbgrader(check))
            assert check.cell_type == "code" and "assert" in check.source, where
            assert not any(MARKER.match(line) for line in check.source.split("\n")), (
                f"{where}: hidden tests belong in tests/hidden/{path.stem}.py"
            )
            assert meta.pop("points", 0) > 0, f"{where}: check cell needs points"
            assert meta == {
                "grade": True,
                "solution": False,
                "locked": True,
                "grade_id": f"{label}-check-{k}",
                "schema_version": 3,
            }, f"{where}: check cell {k} metadata"
        for cell in (solution, *checks):  # the stored run passed its own checks
            assert cell.execution_count is not None, f"{where}: not executed"
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert not errors, f"{where}: {errors[0].ename} in the stored outputs"
            stderr = [o for o in cell.outputs if o.get("name") == "stderr"]
            # nbgrader gives no points to a check cell that writes to stderr
            assert cell is solution or not stderr, f"{where}: stderr in a check"
        labels.append(label)
    assert len(labels) >= 2, f"{path.name}: at least two exercises, found {labels}"
    assert len(set(labels)) == len(labels), f"{path.name}: duplicate labels"


@chapters
def test_solution_prose_is_inside_the_dropdown(path):
    """Text after the ``{solution-end}`` directive renders outside the dropdown."""
    bad = [
        i
        for i, cell in enumerate(instructor(path).cells)
        if cell.cell_type == "markdown"
        and cell.source.lstrip().startswith("```{solution-end}")
        and cell.source.strip() != "```{solution-end}\n```"
    ]
    assert not bad, (
        f"{path.name}: cells {bad} have text after the {{solution-end}} directive, "
        "which the book shows outside the hidden solution; move it into its own "
        "markdown cell just before the {solution-end} cell"
    )


@functools.cache
def executed_student(path: Path, workdir: Path) -> tuple[nbformat.NotebookNode, float]:
    """The student version of ``path`` run once with nbclient (errors allowed)."""
    nb = nbformat.reads(nbformat.writes(student(path)), as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(workdir)}},
    ).execute()
    return nb, time.perf_counter() - start


@pytest.fixture(scope="module")
def workdir() -> Path:
    """Where the student notebooks run: ``notebooks/``, which sits where ``make
    student`` puts ``student/``, one level below the repository root, so relative
    paths in a chapter (e.g. ``../results``) resolve the same way."""
    return ROOT / "notebooks"


@pytest.mark.slow
@chapters
def test_student_version_runs_until_the_first_exercise(path, workdir):
    nb, seconds = executed_student(path, workdir)
    print(f"{path.name}: student version ran in {seconds:.1f} s")
    stubs = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and STUB.search(c.source)
    ]
    assert stubs, f"{path.name}: the student version has no exercise stub"
    first_stub = stubs[0]
    errors = {
        i: output.ename
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    }
    before = {i: e for i, e in errors.items() if i < first_stub}
    assert not before, f"{path.name}: cells failed before the first exercise: {before}"
    assert set(errors.values()) <= ALLOWED_ERRORS, f"{path.name}: {errors}"
    assert "NotImplementedError" in errors.values()
    checks = [
        i
        for i, cell in enumerate(nb.cells)
        if nbgrader(cell).get("grade") and cell.cell_type == "code"
    ]
    passing = [i for i in checks if i not in errors]
    assert not passing, f"{path.name}: check cells {passing} pass without a solution"


def toc_entries_present(entries: list[dict], root: Path) -> list[dict]:
    """``entries`` of a _toc.yml without the files that do not exist under ``root``."""
    kept = []
    for entry in entries:
        entry = dict(entry)
        for key in ("chapters", "sections", "parts"):
            if key in entry:
                entry[key] = toc_entries_present(entry[key], root)
                if not entry[key]:
                    del entry[key]
        if "file" in entry:
            if not any((root / (entry["file"] + ext)).is_file() for ext in EXTENSIONS):
                continue
        elif not any(key in entry for key in ("chapters", "sections")):
            continue  # an empty part
        kept.append(entry)
    return kept


def toc_files(entries: list[dict]) -> set[str]:
    files = set()
    for entry in entries:
        files.add(entry.get("file", ""))
        for key in ("chapters", "sections", "parts"):
            files |= toc_files(entry.get(key, []))
    return files


def write_student_book(src: Path, workdir: Path) -> None:
    """The book of ``_toc.yml`` with the executed student notebooks as chapters."""
    shutil.copytree(ROOT / "book", src / "book")
    (src / "notebooks").mkdir()
    for path in CHAPTERS:
        nbformat.write(
            executed_student(path, workdir)[0], src / "notebooks" / path.name
        )
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    if not any((src / (toc["root"] + ext)).is_file() for ext in EXTENSIONS):
        toc["root"] = "book/student_index"
        (src / "book" / "student_index.md").write_text("# Student notebooks\n")
    key = "parts" if "parts" in toc else "chapters"
    toc[key] = toc_entries_present(toc.get(key, []), src)
    missing = [
        {"file": f"notebooks/{p.stem}"}
        for p in CHAPTERS
        if f"notebooks/{p.stem}" not in toc_files(toc[key])
    ]
    if missing and key == "parts":
        toc[key].append({"caption": "Chapters not in _toc.yml", "chapters": missing})
    else:
        toc[key] += missing
    (src / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))


@pytest.mark.slow
@pytest.mark.skipif(not CHAPTERS, reason="no chapters in notebooks/")
def test_student_book_builds(tmp_path, workdir):
    src = tmp_path / "src"
    write_student_book(src, workdir)
    build_strict(src, tmp_path / "out", timeout=600)


@chapters
def test_hidden_tests_are_kept_outside_the_chapter(path):
    """The book and its downloadable notebooks must not show the hidden tests."""
    text = path.read_text()
    assert "HIDDEN TESTS" not in text, f"{path.name} holds hidden tests"
    hidden = ROOT / "tests" / "hidden" / f"{path.stem}.py"
    if hidden.is_file():
        labels = {
            exercise_label(c.source)
            for c in instructor(path).cells
            if c.cell_type == "markdown"
        }
        names = read_hidden_tests(hidden)
        unknown = {n for n in names if n.removesuffix("-hidden") not in labels}
        assert not unknown, (
            f"{hidden.name}: hidden tests of unknown exercises {unknown}"
        )
